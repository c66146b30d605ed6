// Bulk notices (disparos): the runs and their lines. Plain SQL, prepared once.
import type { Database } from 'bun:sqlite'

export type RunStatus = 'running' | 'paused' | 'done' | 'cancelled'
export type RowStatus = 'pending' | 'queued' | 'sent' | 'failed' | 'skipped'

export interface BulkRun {
  id: number
  channel_id: number
  template_id: number
  label: string
  status: RunStatus
  total: number
  created_by: number | null
  created_at: number
  updated_at: number
  finished_at: number | null
}

export interface BulkRow {
  id: number
  run_id: number
  line: number
  phone: string
  wa_id: string | null
  params: string[]
  status: RowStatus
  reason: string | null
  contact_id: number | null
  ticket_id: number | null
  message_id: number | null
  not_before: number | null
}

/** A line with the outcome of its message (for the result file). */
export interface BulkResultRow extends BulkRow {
  message_status: string | null
  error_code: number | null
  error_message: string | null
  external_id: string | null
}

export interface BulkCounts {
  total: number
  pending: number
  queued: number
  sent: number
  failed: number
  skipped: number
  /** of the sent ones, how many Meta reported delivered or read */
  delivered: number
  read: number
}

interface RowRecord extends Omit<BulkRow, 'params'> {
  params: string
}
const toRow = <T extends RowRecord>(r: T) => ({ ...r, params: JSON.parse(r.params) as string[] })
const RUN = 'id, channel_id, template_id, label, status, total, created_by, created_at, updated_at, finished_at'
const ROW = 'id, run_id, line, phone, wa_id, params, status, reason, contact_id, ticket_id, message_id, not_before'

export function bulkStore(db: Database) {
  const insertRun = db.query<{ id: number }, [number, number, string, number, number | null, number, number]>(
    "INSERT INTO bulk_runs (channel_id, template_id, label, status, total, created_by, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?) RETURNING id",
  )
  const insertRow = db.query<unknown, [number, number, string, string | null, string, string, string | null, number]>(
    'INSERT INTO bulk_rows (run_id, line, phone, wa_id, params, status, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const run = db.query<BulkRun, [number]>(`SELECT ${RUN} FROM bulk_runs WHERE id = ?`)
  const runs = db.query<BulkRun, [number, number]>(`SELECT ${RUN} FROM bulk_runs WHERE id < ? ORDER BY id DESC LIMIT ?`)
  const running = db.query<BulkRun, []>(`SELECT ${RUN} FROM bulk_runs WHERE status = 'running' ORDER BY id`)
  const active = db.query<{ id: number }, []>("SELECT id FROM bulk_runs WHERE status IN ('running', 'paused') LIMIT 1")
  const setRunStatus = db.query<unknown, [string, number, number | null, number]>('UPDATE bulk_runs SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?')
  const counts = db.query<{ status: string; n: number }, [number]>('SELECT status, count(*) AS n FROM bulk_rows WHERE run_id = ? GROUP BY status')
  const delivered = db.query<{ delivered: number; read: number }, [number]>(
    `SELECT coalesce(sum(m.status IN ('delivered', 'read')), 0) AS delivered, coalesce(sum(m.status = 'read'), 0) AS read
     FROM bulk_rows r JOIN messages m ON m.id = r.message_id WHERE r.run_id = ? AND r.status = 'sent'`,
  )
  const due = db.query<RowRecord, [number, number, number]>(
    `SELECT ${ROW} FROM bulk_rows WHERE run_id = ? AND status = 'pending' AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?`,
  )
  const nextNotBefore = db.query<{ at: number | null }, [number]>("SELECT min(not_before) AS at FROM bulk_rows WHERE run_id = ? AND status = 'pending'")
  const defer = db.query<unknown, [number, number, number]>('UPDATE bulk_rows SET not_before = ?, updated_at = ? WHERE id = ?')
  const mark = db.query<unknown, [string, string | null, number | null, number | null, number | null, number, number]>(
    'UPDATE bulk_rows SET status = ?, reason = ?, contact_id = coalesce(?, contact_id), ticket_id = coalesce(?, ticket_id), message_id = coalesce(?, message_id), updated_at = ? WHERE id = ?',
  )
  const inFlight = db.query<{ n: number }, [number]>(
    `SELECT count(*) AS n FROM bulk_rows r JOIN bulk_runs b ON b.id = r.run_id
     WHERE b.channel_id = ? AND b.status IN ('running', 'paused') AND r.status = 'queued'`,
  )
  // Lines whose message the sender is done with: sent (any later status) or failed.
  const settle = db.query<unknown, [number]>(
    `UPDATE bulk_rows SET status = CASE WHEN m.status = 'failed' THEN 'failed' ELSE 'sent' END, updated_at = ?
     FROM messages m WHERE m.id = bulk_rows.message_id AND bulk_rows.status = 'queued' AND m.status IN ('sent', 'delivered', 'read', 'failed')`,
  )
  const open = db.query<{ id: number }, []>(
    `SELECT b.id FROM bulk_runs b WHERE b.status = 'running'
       AND NOT EXISTS (SELECT 1 FROM bulk_rows r WHERE r.run_id = b.id AND r.status IN ('pending', 'queued'))`,
  )
  const cancelPending = db.query<unknown, [number, number]>("UPDATE bulk_rows SET status = 'skipped', reason = 'cancelled', updated_at = ? WHERE run_id = ? AND status = 'pending'")
  const result = db.query<RowRecord & { message_status: string | null; error_code: number | null; error_message: string | null; external_id: string | null }, [number]>(
    `SELECT r.id, r.run_id, r.line, r.phone, r.wa_id, r.params, r.status, r.reason, r.contact_id, r.ticket_id, r.message_id, r.not_before,
            m.status AS message_status, m.error_code, m.error_message, m.external_id
     FROM bulk_rows r LEFT JOIN messages m ON m.id = r.message_id WHERE r.run_id = ? ORDER BY r.line, r.id`,
  )
  return {
    /** Call inside a write transaction. */
    createRun: (r: { channel_id: number; template_id: number; label: string; total: number; created_by: number | null }): number => {
      const now = Date.now()
      return insertRun.get(r.channel_id, r.template_id, r.label, r.total, r.created_by, now, now)!.id
    },
    /** Call inside a write transaction. */
    insertRow: (r: { run_id: number; line: number; phone: string; wa_id: string | null; params: string[]; status: 'pending' | 'failed'; reason: string | null }) =>
      insertRow.run(r.run_id, r.line, r.phone, r.wa_id, JSON.stringify(r.params), r.status, r.reason, Date.now()),
    run: (id: number): BulkRun | null => run.get(id),
    runs: (before: number, limit: number): BulkRun[] => runs.all(before, limit),
    running: (): BulkRun[] => running.all(),
    /** A run still sending or paused (something may need settling). */
    anyActive: (): boolean => active.get() !== null,
    setRunStatus: (id: number, status: RunStatus) => setRunStatus.run(status, Date.now(), status === 'done' || status === 'cancelled' ? Date.now() : null, id),
    counts(runId: number): BulkCounts {
      const c: BulkCounts = { total: 0, pending: 0, queued: 0, sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0 }
      for (const { status, n } of counts.all(runId)) {
        c[status as RowStatus] = n
        c.total += n
      }
      const d = delivered.get(runId)!
      c.delivered = d.delivered
      c.read = d.read
      return c
    },
    due: (runId: number, now: number, limit: number): BulkRow[] => due.all(runId, now, limit).map(toRow),
    nextNotBefore: (runId: number): number | null => nextNotBefore.get(runId)?.at ?? null,
    defer: (rowId: number, notBefore: number) => defer.run(notBefore, Date.now(), rowId),
    mark: (rowId: number, status: RowStatus, o: { reason?: string | null; contact_id?: number | null; ticket_id?: number | null; message_id?: number | null } = {}) =>
      mark.run(status, o.reason ?? null, o.contact_id ?? null, o.ticket_id ?? null, o.message_id ?? null, Date.now(), rowId),
    inFlight: (channelId: number): number => inFlight.get(channelId)!.n,
    /** Call inside a write transaction. */
    settle: () => settle.run(Date.now()),
    /** Running runs with nothing left to send or wait for. */
    finished: (): number[] => open.all().map((r) => r.id),
    cancelPending: (runId: number) => cancelPending.run(Date.now(), runId),
    result: (runId: number): BulkResultRow[] => result.all(runId).map(toRow),
  }
}
export type BulkStore = ReturnType<typeof bulkStore>
