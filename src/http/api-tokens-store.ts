// API tokens: `kq_` + 256 random bits, shown once; the table keeps a sha256 and a short prefix.
import type { Database } from 'bun:sqlite'
import { randomToken, sha256hex } from './tokens'

export interface ApiToken {
  id: number
  user_id: number
  label: string
  prefix: string
  created_at: number
  last_used_at: number | null
}

const COLUMNS = 'id, user_id, label, prefix, created_at, last_used_at'
/** Token use is recorded at most once a minute per token (an integration may call many times a second). */
const TOUCH_EVERY_MS = 60_000

export function apiTokensStore(db: Database) {
  const insert = db.query<{ id: number }, [number, string, string, string, number]>(
    'INSERT INTO api_tokens (user_id, label, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  )
  const byHash = db.query<ApiToken, [string]>(
    `SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`,
  )
  const ofUser = db.query<ApiToken, [number]>(
    `SELECT ${COLUMNS} FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC`,
  )
  const touch = db.query<unknown, [number, number]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?')
  const revoke = db.query<unknown, [number, number, number]>(
    'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
  )
  return {
    /** Call inside a write transaction; returns the token, which is never stored. */
    create(userId: number, label: string): { id: number; token: string } {
      const token = `kq_${randomToken()}`
      const id = insert.get(userId, label, token.slice(0, 9), sha256hex(token), Date.now())!.id
      return { id, token }
    },
    find(token: string): ApiToken | null {
      const row = byHash.get(sha256hex(token))
      if (!row) return null
      const now = Date.now()
      if (!row.last_used_at || now - row.last_used_at > TOUCH_EVERY_MS) {
        touch.run(now, row.id)
        row.last_used_at = now
      }
      return row
    },
    ofUser: (userId: number): ApiToken[] => ofUser.all(userId),
    revoke: (userId: number, id: number): boolean => revoke.run(Date.now(), id, userId).changes > 0,
  }
}
export type ApiTokensStore = ReturnType<typeof apiTokensStore>
