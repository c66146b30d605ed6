// The outbox: one row per outbound call, committed with the message it sends. Rows of one ticket
// go out in order: only the oldest unfinished row of a ticket is ever due.
import type { Database } from 'bun:sqlite'

export interface OutboxRow {
  id: number
  channel_id: number
  ticket_id: number | null
  message_id: number | null
  kind: 'send' | 'mark_read'
  status: 'pending' | 'sending' | 'done' | 'failed'
  attempts: number
  next_attempt_at: number
  last_error: string | null
}

const COLUMNS = 'id, channel_id, ticket_id, message_id, kind, status, attempts, next_attempt_at, last_error'

export function outboxStore(db: Database) {
  const insert = db.query<{ id: number }, [number, number | null, number | null, string, number, number, number]>(
    'INSERT INTO outbox (channel_id, ticket_id, message_id, kind, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
  )
  // Due rows, skipping any row that has an older unfinished row for the same ticket (order per
  // ticket), and rows of channels whose outbox is paused.
  const due = db.query<OutboxRow, [number, number]>(
    `SELECT ${COLUMNS} FROM outbox o
     WHERE o.status = 'pending' AND o.next_attempt_at <= ?
       AND (SELECT status FROM channels WHERE id = o.channel_id) = 'active'
       AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ticket_id = o.ticket_id AND p.id < o.id AND p.status IN ('pending', 'sending') AND p.kind = 'send' AND o.kind = 'send')
     ORDER BY o.id LIMIT ?`,
  )
  const claim = db.query<unknown, [number, number]>("UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'pending'")
  const done = db.query<unknown, [number, number]>("UPDATE outbox SET status = 'done', last_error = NULL, updated_at = ? WHERE id = ?")
  const retry = db.query<unknown, [number, string, number, number]>("UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?")
  const failed = db.query<unknown, [string, number, number]>("UPDATE outbox SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?")
  // A row left 'sending' by a crash: the call may or may not have reached the provider.
  const stuck = db.query<OutboxRow, []>(`SELECT ${COLUMNS} FROM outbox WHERE status = 'sending'`)
  const ofMessage = db.query<OutboxRow, [number]>(`SELECT ${COLUMNS} FROM outbox WHERE message_id = ? AND kind = 'send' ORDER BY id DESC LIMIT 1`)
  const requeue = db.query<unknown, [number, number, number]>("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL, updated_at = ? WHERE id = ?")
  const pendingCount = db.query<{ n: number }, []>("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')")
  const nextDue = db.query<{ at: number | null }, []>("SELECT min(next_attempt_at) AS at FROM outbox WHERE status = 'pending'")
  // Sent rows finished before the cutoff (a done row was due before it finished: outbox_due index).
  const pruneDone = db.query<unknown, [number, number]>(
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'done' AND next_attempt_at < ?1 ORDER BY next_attempt_at LIMIT ?2) AND updated_at < ?1",
  )
  return {
    /** Call inside the write transaction that creates the message. */
    enqueue: (o: { channel_id: number; ticket_id: number | null; message_id: number | null; kind: OutboxRow['kind'] }): number =>
      insert.get(o.channel_id, o.ticket_id, o.message_id, o.kind, Date.now(), Date.now(), Date.now())!.id,
    due: (now: number, limit = 20): OutboxRow[] => due.all(now, limit),
    /** Marks the row in flight; false if another worker took it. Call inside a write transaction. */
    claim: (id: number): boolean => claim.run(Date.now(), id).changes > 0,
    markDone: (id: number) => done.run(Date.now(), id),
    retryAt: (id: number, at: number, error: string) => retry.run(at, error, Date.now(), id),
    markFailed: (id: number, error: string) => failed.run(error, Date.now(), id),
    stuck: (): OutboxRow[] => stuck.all(),
    ofMessage: (messageId: number): OutboxRow | null => ofMessage.get(messageId),
    requeue: (id: number) => requeue.run(Date.now(), Date.now(), id),
    pendingCount: (): number => pendingCount.get()!.n,
    nextDueAt: (): number | null => nextDue.get()!.at,
    /** Deletes up to `limit` done rows finished before `before` (failed ones stay: the agent may retry). Call inside a write transaction. */
    pruneDone: (before: number, limit: number): number => pruneDone.run(before, limit).changes,
  }
}
export type OutboxStore = ReturnType<typeof outboxStore>
