// Webhook deliveries as received. Insert → commit → acknowledge; a processor then works through
// the pending ones in order, so a crash between acknowledging and processing resumes at start.
import type { Database } from 'bun:sqlite'

export interface InboundEvent {
  id: number
  channel_id: number
  received_at: number
  body: Uint8Array
  attempts: number
}

export function inboundStore(db: Database) {
  const insert = db.query<{ id: number }, [number, number, Uint8Array]>('INSERT INTO inbound_events (channel_id, received_at, body) VALUES (?, ?, ?) RETURNING id')
  const pending = db.query<InboundEvent, [number, number]>(
    "SELECT id, channel_id, received_at, body, attempts FROM inbound_events WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?",
  )
  const done = db.query<unknown, [number, number]>("UPDATE inbound_events SET status = 'done', processed_at = ?, error = NULL WHERE id = ?")
  const failed = db.query<unknown, [string, number, number]>("UPDATE inbound_events SET status = 'failed', error = ?, attempts = attempts + 1, processed_at = ? WHERE id = ?")
  const attempt = db.query<unknown, [string, number]>('UPDATE inbound_events SET attempts = attempts + 1, error = ? WHERE id = ?')
  const count = db.query<{ n: number }, []>("SELECT count(*) AS n FROM inbound_events WHERE status = 'pending'")
  // The oldest rows of a status (ids follow arrival, and processing follows ids) whose processing
  // ended before the cutoff; a row processed late (retried) just waits for its own turn. Uses the
  // (status, id) index: no index on processed_at to keep up on every delivery.
  const prune = db.query<unknown, ['done' | 'failed', number, number]>(
    `DELETE FROM inbound_events WHERE id IN (SELECT id FROM inbound_events WHERE status = ?1 ORDER BY id LIMIT ?3)
       AND processed_at < ?2`,
  )
  return {
    /** The durable write that must commit before the webhook is acknowledged. */
    insert: (channelId: number, body: Uint8Array): number => insert.get(channelId, Date.now(), body)!.id,
    pending: (afterId = 0, limit = 100): InboundEvent[] => pending.all(afterId, limit),
    pendingCount: (): number => count.get()!.n,
    markDone: (id: number) => done.run(Date.now(), id),
    markFailed: (id: number, error: string) => failed.run(error, Date.now(), id),
    recordAttempt: (id: number, error: string) => attempt.run(error, id),
    /**
     * Deletes up to `limit` of the oldest 'done' (or 'failed') deliveries processed before `before`.
     * Never a pending one. Returns how many. Call inside a write transaction.
     */
    prune: (status: 'done' | 'failed', before: number, limit: number): number => prune.run(status, before, limit).changes,
  }
}
export type InboundStore = ReturnType<typeof inboundStore>
