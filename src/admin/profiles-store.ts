import type { Database } from 'bun:sqlite'

export interface Profile {
  id: number
  key: string | null
  name: string
  permissions: string[]
}

interface Row {
  id: number
  key: string | null
  name: string
  permissions: string
}

const toProfile = (r: Row): Profile => ({ id: r.id, key: r.key, name: r.name, permissions: JSON.parse(r.permissions) })

export function profilesStore(db: Database) {
  const all = db.query<Row, []>('SELECT id, key, name, permissions FROM profiles ORDER BY id')
  const byId = db.query<Row, [number]>('SELECT id, key, name, permissions FROM profiles WHERE id = ?')
  const byKey = db.query<Row, [string]>('SELECT id, key, name, permissions FROM profiles WHERE key = ?')
  return {
    list: (): Profile[] => all.all().map(toProfile),
    get: (id: number): Profile | null => {
      const r = byId.get(id)
      return r ? toProfile(r) : null
    },
    /** 'admin' | 'supervisor' | 'agent' or a numeric profile id (api.md accepts both). */
    resolve: (ref: string | number): Profile | null => {
      const r = typeof ref === 'number' || /^\d+$/.test(ref) ? byId.get(Number(ref)) : byKey.get(ref)
      return r ? toProfile(r) : null
    },
  }
}
export type ProfilesStore = ReturnType<typeof profilesStore>
