// Access profiles as the matrix page edits them: create (blank or as a copy), rename, set the
// permission list, delete when nobody uses it. Reading for permission checks stays in
// src/admin/profiles-store.ts and the users store (which joins the profile into every user).
import type { Database } from 'bun:sqlite'
import { accessChanged } from '../realtime/access-version'

export interface ProfileRow {
  id: number
  key: string | null
  name: string
  description: string | null
  permissions: string[]
  users: number
  created_at: number
  updated_at: number
}

interface Raw extends Omit<ProfileRow, 'permissions'> {
  permissions: string
}

const toRow = (r: Raw): ProfileRow => ({ ...r, permissions: JSON.parse(r.permissions) as string[] })

const SELECT = `SELECT p.id, p.key, p.name, p.description, p.permissions, p.created_at, p.updated_at,
  (SELECT count(*) FROM users u WHERE u.profile_id = p.id) AS users FROM profiles p`

export function profileAdminStore(db: Database) {
  const all = db.query<Raw, []>(`${SELECT} ORDER BY p.key IS NULL, p.id`)
  const byId = db.query<Raw, [number]>(`${SELECT} WHERE p.id = ?`)
  const byName = db.query<{ id: number }, [string]>('SELECT id FROM profiles WHERE name = ? COLLATE NOCASE')
  const insert = db.query<{ id: number }, [string, string | null, string, number, number]>(
    'INSERT INTO profiles (key, name, description, permissions, created_at, updated_at) VALUES (NULL, ?, ?, ?, ?, ?) RETURNING id',
  )
  const update = db.query<unknown, [string, string | null, string, number, number]>(
    'UPDATE profiles SET name = ?, description = ?, permissions = ?, updated_at = ? WHERE id = ?',
  )
  const remove = db.query<unknown, [number]>('DELETE FROM profiles WHERE id = ? AND key IS NULL')
  return {
    list: (): ProfileRow[] => all.all().map(toRow),
    get(id: number): ProfileRow | null {
      const r = byId.get(id)
      return r ? toRow(r) : null
    },
    /** Another profile with this name (case-insensitive), for the unique-name check. */
    nameTaken: (name: string, exceptId: number | null): boolean => {
      const r = byName.get(name)
      return r !== null && r.id !== exceptId
    },
    /** Call inside a write transaction. */
    create: (name: string, description: string | null, permissions: string[]): number => {
      const now = Date.now()
      return insert.get(name, description, JSON.stringify(permissions), now, now)!.id
    },
    /** Call inside a write transaction. */
    update(id: number, name: string, description: string | null, permissions: string[]) {
      accessChanged()
      update.run(name, description, JSON.stringify(permissions), Date.now(), id)
    },
    /** Call inside a write transaction. Built-in profiles are never deleted. */
    remove: (id: number): boolean => {
      accessChanged()
      return remove.run(id).changes > 0
    },
  }
}
export type ProfileAdminStore = ReturnType<typeof profileAdminStore>
