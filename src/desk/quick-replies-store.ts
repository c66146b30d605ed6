// Tags rápidas: canned messages an agent inserts by typing /shortcut. Scope by columns: both
// sector_id and user_id NULL = everyone (global); sector_id = that sector's members; user_id = the
// user's own (personal). Never both set.
import type { Database } from 'bun:sqlite'

export type QuickReplyScope = 'global' | 'sector' | 'personal'

export interface QuickReply {
  id: number
  shortcut: string
  text: string
  sector_id: number | null
  user_id: number | null
  created_at: number
  updated_at: number
}

export interface QuickReplyValues {
  shortcut: string
  text: string
  sector_id: number | null
  user_id: number | null
}

export const scopeOf = (q: Pick<QuickReply, 'sector_id' | 'user_id'>): QuickReplyScope => (q.user_id !== null ? 'personal' : q.sector_id !== null ? 'sector' : 'global')

const COLUMNS = 'id, shortcut, text, sector_id, user_id, created_at, updated_at'

// ?1 user id, ?2 JSON array of the user's sector ids, ?3 1 = every sector (managers), ?4 shortcut prefix (LIKE-escaped).
const VISIBLE_TO = `
  (user_id = ?1 OR (user_id IS NULL AND sector_id IS NULL)
   OR (user_id IS NULL AND sector_id IS NOT NULL AND (?3 = 1 OR sector_id IN (SELECT value FROM json_each(?2)))))
  AND shortcut LIKE ?4 || '%' ESCAPE '\\'`

interface VisibleTo {
  userId: number
  sectorIds: readonly number[]
  /** Every sector's replies, not only the user's sectors' (managers). */
  allSectors?: boolean
  prefix?: string
}

const escapePrefix = (p: string | undefined) => (p ?? '').replace(/[\\%_]/g, (c) => `\\${c}`)

export function quickRepliesStore(db: Database) {
  const byId = db.query<QuickReply, [number]>(`SELECT ${COLUMNS} FROM quick_replies WHERE id = ?`)
  // Personal first, then sector, then global; by shortcut within each.
  const visible = db.query<QuickReply, [number, string, number, string, number]>(
    `SELECT ${COLUMNS} FROM quick_replies WHERE ${VISIBLE_TO}
     ORDER BY CASE WHEN user_id IS NOT NULL THEN 0 WHEN sector_id IS NOT NULL THEN 1 ELSE 2 END, shortcut, id LIMIT ?5`,
  )
  const visiblePage = db.query<QuickReply, [number, string, number, string, number, number]>(
    `SELECT ${COLUMNS} FROM quick_replies WHERE ${VISIBLE_TO} AND id < ?5 ORDER BY id DESC LIMIT ?6`,
  )
  const inScope = db.query<QuickReply, [string, number | null, number | null]>(
    `SELECT ${COLUMNS} FROM quick_replies WHERE shortcut = ? AND sector_id IS ? AND user_id IS ?`,
  )
  const insert = db.query<{ id: number }, [string, string, number | null, number | null, number, number]>(
    'INSERT INTO quick_replies (shortcut, text, sector_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
  )
  const update = db.query<unknown, [string, string, number | null, number | null, number, number]>(
    'UPDATE quick_replies SET shortcut = ?, text = ?, sector_id = ?, user_id = ?, updated_at = ? WHERE id = ?',
  )
  const remove = db.query<unknown, [number]>('DELETE FROM quick_replies WHERE id = ?')

  return {
    get: (id: number): QuickReply | null => byId.get(id),
    /**
     * The replies a user sees: their own, the global ones and their sectors' (every sector's when
     * allSectors), whose shortcut starts with prefix. Personal first, then sector, then global.
     */
    visibleTo(o: VisibleTo & { limit: number }): QuickReply[] {
      return visible.all(o.userId, JSON.stringify(o.sectorIds), o.allSectors ? 1 : 0, escapePrefix(o.prefix), o.limit)
    },
    /** The same set, newest first, before the cursor id (the API list). */
    visiblePage(o: VisibleTo & { before: number; limit: number }): QuickReply[] {
      return visiblePage.all(o.userId, JSON.stringify(o.sectorIds), o.allSectors ? 1 : 0, escapePrefix(o.prefix), o.before, o.limit)
    },
    /** The reply with this shortcut in exactly this scope, if any (shortcuts are unique per scope). */
    inScope: (shortcut: string, sectorId: number | null, userId: number | null): QuickReply | null => inScope.get(shortcut, sectorId, userId),
    /** Call inside a write transaction. */
    create(q: QuickReplyValues): number {
      const now = Date.now()
      return insert.get(q.shortcut, q.text, q.sector_id, q.user_id, now, now)!.id
    },
    /** Call inside a write transaction. */
    update(id: number, q: QuickReplyValues) {
      update.run(q.shortcut, q.text, q.sector_id, q.user_id, Date.now(), id)
    },
    /** Call inside a write transaction. */
    delete(id: number) {
      remove.run(id)
    },
  }
}
export type QuickRepliesStore = ReturnType<typeof quickRepliesStore>
