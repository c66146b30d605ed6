// Browser sessions. The cookie holds a random token; the table holds only its sha256.
import type { Database } from 'bun:sqlite'
import { randomToken, sha256hex } from './tokens'

export interface Session {
  id: number
  user_id: number
  csrf_token: string
  remember: boolean
  ip: string | null
  user_agent: string | null
  created_at: number
  last_seen_at: number
  expires_at: number
}

interface Row extends Omit<Session, 'remember'> {
  remember: number
}

const toSession = (r: Row): Session => ({ ...r, remember: r.remember === 1 })
const COLUMNS = 'id, user_id, csrf_token, remember, ip, user_agent, created_at, last_seen_at, expires_at'

/** Sliding sessions are touched at most once a minute, so page views do not each cost a write. */
const TOUCH_EVERY_MS = 60_000

export function sessionsStore(db: Database) {
  const insert = db.query<{ id: number }, [string, number, string, number, string | null, string | null, number, number, number]>(
    `INSERT INTO sessions (token_hash, user_id, csrf_token, remember, ip, user_agent, created_at, last_seen_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const byHash = db.query<Row, [string, number]>(
    `SELECT ${COLUMNS} FROM sessions WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`,
  )
  const touch = db.query<unknown, [number, number, number]>(
    'UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?',
  )
  const ofUser = db.query<Row, [number, number]>(
    `SELECT ${COLUMNS} FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
     ORDER BY last_seen_at DESC`,
  )
  const revoke = db.query<unknown, [number, number, number]>(
    'UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
  )
  const revokeAll = db.query<unknown, [number, number]>(
    'UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
  )
  const purge = db.query<unknown, [number]>('DELETE FROM sessions WHERE expires_at < ? OR revoked_at IS NOT NULL')

  return {
    create(userId: number, o: { remember: boolean; ip: string | null; userAgent: string | null; lifetimeMs: number }) {
      const token = randomToken()
      const now = Date.now()
      const row = insert.get(sha256hex(token), userId, randomToken(), o.remember ? 1 : 0, o.ip, o.userAgent?.slice(0, 300) ?? null, now, now, now + o.lifetimeMs)!
      return { token, id: row.id, expiresAt: now + o.lifetimeMs }
    },
    /** The live session for a cookie value, sliding its expiry forward. */
    find(token: string, lifetimeFor: (remember: boolean) => number): Session | null {
      const now = Date.now()
      const r = byHash.get(sha256hex(token), now)
      if (!r) return null
      if (now - r.last_seen_at > TOUCH_EVERY_MS) {
        r.last_seen_at = now
        r.expires_at = now + lifetimeFor(r.remember === 1)
        touch.run(now, r.expires_at, r.id)
      }
      return toSession(r)
    },
    ofUser: (userId: number): Session[] => ofUser.all(userId, Date.now()).map(toSession),
    revoke: (userId: number, sessionId: number): boolean => revoke.run(Date.now(), sessionId, userId).changes > 0,
    revokeAll: (userId: number) => revokeAll.run(Date.now(), userId),
    purgeExpired: () => purge.run(Date.now() - 7 * 86_400_000),
  }
}
export type SessionsStore = ReturnType<typeof sessionsStore>
