// Who a supervisor watches (monitoring, reports, alerts): admins see every sector; anyone else the
// sectors they belong to plus, when the hierarchy (níveis hierárquicos, migration 0009) is in
// place, the sectors of everyone who reports to them, directly or not. This is the one place the
// scope is decided; the admin issue's hierarchy module may take it over.
import type { Database } from 'bun:sqlite'
import type { User } from '../admin/users-store'

export interface Scope {
  /** Every sector (and the tickets that have none yet). */
  all: boolean
  /** The sectors in scope when not `all`, ascending. */
  sectorIds: number[]
}

const below = new WeakMap<Database, ((userId: number) => number[]) | null>()

/** Sectors of the users below `userId` in the hierarchy, or null when the tables do not exist. */
function belowQuery(db: Database): ((userId: number) => number[]) | null {
  if (below.has(db)) return below.get(db)!
  let fn: ((userId: number) => number[]) | null = null
  const exists = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'user_hierarchy'").get()!.n > 0
  if (exists) {
    try {
      const q = db.query<{ sector_id: number }, [number]>(
        `WITH RECURSIVE team(id, depth) AS (
           SELECT user_id, 1 FROM user_hierarchy WHERE manager_id = ?1
           UNION SELECT h.user_id, team.depth + 1 FROM user_hierarchy h JOIN team ON h.manager_id = team.id WHERE team.depth < 50
         )
         SELECT DISTINCT us.sector_id FROM user_sectors us WHERE us.user_id IN (SELECT id FROM team)`,
      )
      fn = (userId) => q.all(userId).map((r) => r.sector_id)
    } catch {
      fn = null
    }
  }
  below.set(db, fn)
  return fn
}

export function scopeOf(db: Database, user: User): Scope {
  if (user.profile_key === 'admin') return { all: true, sectorIds: [] }
  const ids = new Set(user.sector_ids)
  const team = belowQuery(db)
  if (team) for (const id of team(user.id)) ids.add(id)
  return { all: false, sectorIds: [...ids].sort((a, b) => a - b) }
}

export const inScope = (scope: Scope, sectorId: number | null): boolean => scope.all || (sectorId !== null && scope.sectorIds.includes(sectorId))
