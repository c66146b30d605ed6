// Media files: a row per file; the bytes live under <data>/media, named by their sha256.
import type { Database } from 'bun:sqlite'

export interface Media {
  id: number
  channel_id: number | null
  provider_media_id: string | null
  sha256: string | null
  expected_sha256: string | null
  mime_type: string
  filename: string | null
  size: number | null
  status: 'pending' | 'ready' | 'failed'
  attempts: number
  next_attempt_at: number | null
  error: string | null
  created_at: number
  updated_at: number
}

const COLUMNS = 'id, channel_id, provider_media_id, sha256, expected_sha256, mime_type, filename, size, status, attempts, next_attempt_at, error, created_at, updated_at'

export function mediaStore(db: Database) {
  const byId = db.query<Media, [number]>(`SELECT ${COLUMNS} FROM media WHERE id = ?`)
  const insert = db.query<{ id: number }, [number | null, string | null, string | null, string | null, string, string | null, number | null, string, number | null, number, number]>(
    `INSERT INTO media (channel_id, provider_media_id, sha256, expected_sha256, mime_type, filename, size, status, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const due = db.query<Media, [number, number]>(`SELECT ${COLUMNS} FROM media WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`)
  const ready = db.query<unknown, [string, number, string, number, number]>(
    "UPDATE media SET status = 'ready', sha256 = ?, size = ?, mime_type = ?, error = NULL, updated_at = ? WHERE id = ?",
  )
  const retry = db.query<unknown, [number, string, number, number]>(
    'UPDATE media SET attempts = attempts + 1, next_attempt_at = ?, error = ?, updated_at = ? WHERE id = ?',
  )
  const failed = db.query<unknown, [string, number, number]>(
    "UPDATE media SET status = 'failed', attempts = attempts + 1, error = ?, next_attempt_at = NULL, updated_at = ? WHERE id = ?",
  )
  const setProvider = db.query<unknown, [string, number, number]>('UPDATE media SET provider_media_id = ?, updated_at = ? WHERE id = ?')
  const requeue = db.query<unknown, [number, number, number]>(
    "UPDATE media SET status = 'pending', attempts = 0, next_attempt_at = ?, error = NULL, updated_at = ? WHERE id = ? AND status = 'failed'",
  )
  return {
    get: (id: number): Media | null => byId.get(id),
    /** Call inside a write transaction. */
    insertPending: (m: { channel_id: number; provider_media_id: string; expected_sha256: string | null; mime_type: string; filename: string | null }): number =>
      insert.get(m.channel_id, m.provider_media_id, null, m.expected_sha256, m.mime_type, m.filename, null, 'pending', Date.now(), Date.now(), Date.now())!.id,
    /** A file we already hold (an agent's upload). */
    insertReady: (m: { channel_id: number | null; sha256: string; mime_type: string; filename: string | null; size: number }): number =>
      insert.get(m.channel_id, null, m.sha256, null, m.mime_type, m.filename, m.size, 'ready', null, Date.now(), Date.now())!.id,
    due: (now: number, limit = 10): Media[] => due.all(now, limit),
    markReady: (id: number, sha256: string, size: number, mime: string) => ready.run(sha256, size, mime, Date.now(), id),
    retryLater: (id: number, at: number, error: string) => retry.run(at, error, Date.now(), id),
    markFailed: (id: number, error: string) => failed.run(error, Date.now(), id),
    /** The id the provider gave an upload of this file (reused for later sends). */
    setProviderId: (id: number, providerId: string) => setProvider.run(providerId, Date.now(), id),
    /** The agent's "tentar novamente" on a failed download. */
    requeue: (id: number): boolean => requeue.run(Date.now(), Date.now(), id).changes > 0,
  }
}
export type MediaStore = ReturnType<typeof mediaStore>
