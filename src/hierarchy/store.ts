// Hierarchy levels (níveis hierárquicos) and who reports to whom. Plain SQL, prepared once.
import type { Database } from 'bun:sqlite'

export interface Level {
  id: number
  name: string
  rank: number
  users: number
}

export interface Placement {
  user_id: number
  level_id: number | null
  manager_id: number | null
}

export function hierarchyStore(db: Database) {
  const levels = db.query<Level, []>(
    'SELECT l.id, l.name, l.rank, (SELECT count(*) FROM user_hierarchy h WHERE h.level_id = l.id) AS users FROM hierarchy_levels l ORDER BY l.rank, l.name',
  )
  const level = db.query<Level, [number]>(
    'SELECT l.id, l.name, l.rank, (SELECT count(*) FROM user_hierarchy h WHERE h.level_id = l.id) AS users FROM hierarchy_levels l WHERE l.id = ?',
  )
  const levelByName = db.query<{ id: number }, [string]>('SELECT id FROM hierarchy_levels WHERE name = ? COLLATE NOCASE')
  const insertLevel = db.query<{ id: number }, [string, number, number, number]>('INSERT INTO hierarchy_levels (name, rank, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id')
  const updateLevel = db.query<unknown, [string, number, number, number]>('UPDATE hierarchy_levels SET name = ?, rank = ?, updated_at = ? WHERE id = ?')
  const deleteLevel = db.query<unknown, [number]>('DELETE FROM hierarchy_levels WHERE id = ?')
  const placements = db.query<Placement, []>('SELECT user_id, level_id, manager_id FROM user_hierarchy')
  const placement = db.query<Placement, [number]>('SELECT user_id, level_id, manager_id FROM user_hierarchy WHERE user_id = ?')
  const place = db.query<unknown, [number, number | null, number | null, number]>(
    `INSERT INTO user_hierarchy (user_id, level_id, manager_id, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET level_id = excluded.level_id, manager_id = excluded.manager_id, updated_at = excluded.updated_at`,
  )
  // Everyone below a manager, at any depth (the CHECK and the cycle test in hierarchy.ts keep it a tree).
  const below = db.query<{ user_id: number }, [number]>(
    `WITH RECURSIVE team(user_id) AS (
       SELECT user_id FROM user_hierarchy WHERE manager_id = ?
       UNION SELECT h.user_id FROM user_hierarchy h JOIN team t ON h.manager_id = t.user_id)
     SELECT user_id FROM team`,
  )
  const sectorsOf = db.query<{ sector_id: number }, [string]>(
    'SELECT DISTINCT sector_id FROM user_sectors WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY sector_id',
  )
  return {
    levels: (): Level[] => levels.all(),
    level: (id: number): Level | null => level.get(id),
    levelNameTaken: (name: string, exceptId: number | null) => {
      const r = levelByName.get(name)
      return r !== null && r.id !== exceptId
    },
    /** Call inside a write transaction. */
    createLevel: (name: string, rank: number): number => {
      const now = Date.now()
      return insertLevel.get(name, rank, now, now)!.id
    },
    /** Call inside a write transaction. */
    updateLevel: (id: number, name: string, rank: number) => updateLevel.run(name, rank, Date.now(), id),
    /** Call inside a write transaction (only for a level nobody sits at). */
    deleteLevel: (id: number) => deleteLevel.run(id),
    placements: (): Placement[] => placements.all(),
    placement: (userId: number): Placement | null => placement.get(userId),
    /** Call inside a write transaction. */
    place: (userId: number, levelId: number | null, managerId: number | null) => place.run(userId, levelId, managerId, Date.now()),
    /** Ids of everyone who reports to the user, directly or not. */
    teamOf: (userId: number): number[] => below.all(userId).map((r) => r.user_id),
    /** The sectors these users belong to. */
    sectorsOf: (userIds: number[]): number[] => sectorsOf.all(JSON.stringify(userIds)).map((r) => r.sector_id),
  }
}
export type HierarchyStore = ReturnType<typeof hierarchyStore>
