// Users, their sectors and simultaneous limits. Plain SQL, prepared once.
import type { Database } from 'bun:sqlite'
import type { Lang } from '../i18n'
import { accessChanged } from '../realtime/access-version'

export const CHANNEL_TYPES = ['whatsapp', 'webchat', 'email'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]
export type PresenceStatus = 'available' | 'paused' | 'offline'
export type Limits = Record<ChannelType, number>

/** Defaults for a new agent: a few chats at once, more e-mails. */
export const DEFAULT_LIMITS: Limits = { whatsapp: 3, webchat: 3, email: 10 }

export interface User {
  id: number
  name: string
  email: string
  password_hash: string | null
  profile_id: number
  profile_key: string | null
  profile_name: string
  permissions: ReadonlySet<string>
  active: boolean
  /** Only single sign-on: the password form refuses this user (src/sso). */
  password_login_disabled: boolean
  language: Lang | null
  presence: PresenceStatus
  presence_reason: string | null
  presence_since: number
  sector_ids: number[]
  limits: Limits
  created_at: number
  updated_at: number
}

interface Row {
  id: number
  name: string
  email: string
  password_hash: string | null
  profile_id: number
  profile_key: string | null
  profile_name: string
  permissions: string
  active: number
  password_login_disabled: number
  language: Lang | null
  presence: PresenceStatus
  presence_reason: string | null
  presence_since: number
  sector_ids: string | null
  limits: string | null
  created_at: number
  updated_at: number
}

const SELECT = `
  SELECT u.id, u.name, u.email, u.password_hash, u.profile_id, p.key AS profile_key, p.name AS profile_name,
         p.permissions, u.active, u.password_login_disabled, u.language, u.presence, u.presence_reason, u.presence_since,
         u.created_at, u.updated_at,
         (SELECT json_group_array(sector_id) FROM (SELECT sector_id FROM user_sectors WHERE user_id = u.id ORDER BY sector_id)) AS sector_ids,
         (SELECT json_group_object(channel_type, max_open) FROM user_channel_limits WHERE user_id = u.id) AS limits
  FROM users u JOIN profiles p ON p.id = u.profile_id`

function toUser(r: Row): User {
  return {
    ...r,
    active: r.active === 1,
    password_login_disabled: r.password_login_disabled === 1,
    permissions: new Set(JSON.parse(r.permissions) as string[]),
    sector_ids: r.sector_ids ? JSON.parse(r.sector_ids) : [],
    limits: { ...DEFAULT_LIMITS, ...(r.limits ? JSON.parse(r.limits) : {}) },
  }
}

export interface NewUser {
  name: string
  email: string
  password_hash: string | null
  profile_id: number
  sector_ids: number[]
  limits: Limits
}

export interface ListQuery {
  q?: string
  before?: number // cursor: id of the last row of the previous page (newest first)
  limit: number
}

export function usersStore(db: Database) {
  const byId = db.query<Row, [number]>(`${SELECT} WHERE u.id = ?`)
  const byEmail = db.query<Row, [string]>(`${SELECT} WHERE u.email = ?`)
  const list = db.query<Row, { before: number; q: string; like: string; limit: number }>(
    `${SELECT} WHERE u.id < $before
       AND ($q = '' OR u.name LIKE $like ESCAPE '\\' OR u.email LIKE $like ESCAPE '\\')
     ORDER BY u.id DESC LIMIT $limit`,
  )
  const countAll = db.query<{ n: number }, []>('SELECT count(*) AS n FROM users')
  const insert = db.query<{ id: number }, [string, string, string | null, number, number, number, number]>(
    `INSERT INTO users (name, email, password_hash, profile_id, presence_since, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const update = db.query<unknown, [string, string, number, number, number]>(
    'UPDATE users SET name = ?, email = ?, profile_id = ?, updated_at = ? WHERE id = ?',
  )
  const setPasswordQ = db.query<unknown, [string, number, number]>(
    'UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?',
  )
  const setActiveQ = db.query<unknown, [number, number, number]>(
    `UPDATE users SET active = ?, updated_at = ?2,
       presence = CASE WHEN ?1 = 0 THEN 'offline' ELSE presence END WHERE id = ?3`,
  )
  const setPasswordLoginQ = db.query<unknown, [number, number, number]>(
    'UPDATE users SET password_login_disabled = ?, updated_at = ? WHERE id = ?',
  )
  const setLanguageQ = db.query<unknown, [string | null, number, number]>(
    'UPDATE users SET language = ?, updated_at = ? WHERE id = ?',
  )
  const setPresenceQ = db.query<unknown, [string, string | null, number, number]>(
    'UPDATE users SET presence = ?, presence_reason = ?, presence_since = ?3, updated_at = ?3 WHERE id = ?4',
  )
  const clearSectors = db.query<unknown, [number]>('DELETE FROM user_sectors WHERE user_id = ?')
  const addSector = db.query<unknown, [number, number]>('INSERT INTO user_sectors (user_id, sector_id) VALUES (?, ?)')
  const upsertLimit = db.query<unknown, [number, string, number]>(
    `INSERT INTO user_channel_limits (user_id, channel_type, max_open) VALUES (?, ?, ?)
     ON CONFLICT (user_id, channel_type) DO UPDATE SET max_open = excluded.max_open`,
  )
  const sectorMembers = db.query<Row, [number]>(
    `${SELECT} WHERE u.id IN (SELECT user_id FROM user_sectors WHERE sector_id = ?) ORDER BY u.name`,
  )

  function setSectors(userId: number, sectorIds: number[]) {
    clearSectors.run(userId)
    for (const id of new Set(sectorIds)) addSector.run(userId, id)
  }
  function setLimits(userId: number, limits: Limits) {
    for (const [type, max] of Object.entries(limits)) upsertLimit.run(userId, type, max)
  }

  return {
    get(id: number): User | null {
      const r = byId.get(id)
      return r ? toUser(r) : null
    },
    byEmail(email: string): User | null {
      const r = byEmail.get(email.trim().toLowerCase())
      return r ? toUser(r) : null
    },
    count: (): number => countAll.get()!.n,
    /** A page of users, newest first, matching `q` in name or e-mail. */
    list({ q = '', before = Number.MAX_SAFE_INTEGER, limit }: ListQuery): User[] {
      const like = `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`
      return list.all({ before, q, like, limit }).map(toUser)
    },
    membersOf: (sectorId: number): User[] => sectorMembers.all(sectorId).map(toUser),
    /** Call inside a write transaction. */
    create(u: NewUser): number {
      const now = Date.now()
      const id = insert.get(u.name, u.email.toLowerCase(), u.password_hash, u.profile_id, now, now, now)!.id
      setSectors(id, u.sector_ids)
      setLimits(id, u.limits)
      return id
    },
    /** Call inside a write transaction. Fields left undefined keep their value. */
    update(id: number, patch: Partial<Omit<NewUser, 'password_hash'>>) {
      accessChanged()
      const current = byId.get(id)
      if (!current) return
      if (patch.name !== undefined || patch.email !== undefined || patch.profile_id !== undefined) {
        update.run(
          patch.name ?? current.name,
          (patch.email ?? current.email).toLowerCase(),
          patch.profile_id ?? current.profile_id,
          Date.now(),
          id,
        )
      }
      if (patch.sector_ids) setSectors(id, patch.sector_ids)
      if (patch.limits) setLimits(id, patch.limits)
    },
    setPassword: (id: number, hash: string) => setPasswordQ.run(hash, Date.now(), id),
    setActive: (id: number, active: boolean) => {
      accessChanged()
      return setActiveQ.run(active ? 1 : 0, Date.now(), id)
    },
    /** Call inside a write transaction. */
    setPasswordLoginDisabled: (id: number, disabled: boolean) => setPasswordLoginQ.run(disabled ? 1 : 0, Date.now(), id),
    setLanguage: (id: number, lang: Lang | null) => setLanguageQ.run(lang, Date.now(), id),
    setPresence: (id: number, status: PresenceStatus, reason: string | null, at: number) =>
      setPresenceQ.run(status, reason, at, id),
  }
}
export type UsersStore = ReturnType<typeof usersStore>
