// The data-retention job (general settings → "Retenção de dados"): tickets closed more than N
// months ago are cleaned, daily and on demand.
// - 'anonymize': their free texts, messages, media files, live events and kept webhook bodies go
//   (lgpdStore.anonymizeTickets, the same statements as an LGPD request); the ticket rows, times,
//   classifications and survey scores stay, so the reports still count them.
// - 'media': only their media files go (the rows stay, marked as no longer available).
// - 'delete': the tickets go, with every row that is only theirs (lgpdStore.deleteTickets:
//   messages, media, history, surveys, outbox, offers, pre-service, webhook deliveries, live
//   events); rows that are not only theirs (a kept message quoting one, bulk-notice lines, alerts)
//   stay without the link. They leave the reports for good.
// Contacts and customers are not touched: they may have newer tickets (an LGPD request handles a
// person). A file also used by a kept message stays on disk (files are content-addressed).
//
// In batches, each one transaction that checks the picked tickets again (so one reopened in
// between is left alone) and cleans them; every batch records its progress in the run's row and,
// for 'anonymize' and 'media', the tickets it cleaned (retention_tickets), so the job is
// idempotent and a crash resumes where it stopped. A deleted ticket needs no mark: it is gone, so
// no later run finds it again (and a ticket anonymised earlier is still taken by 'delete'). Files
// are deleted after the commit, from a list written in the same transaction (retention_files), so
// a crash between the two leaves nothing on disk forever. Each run is audited (with its mode).
import type { Database } from 'bun:sqlite'
import { unlinkSync } from 'node:fs'
import { startLoop, type WorkerLoop } from '../channels/worker-loop'
import type { Context } from '../context'
import { write } from '../db/open'
import { mediaPath } from '../desk/media-files'
import { generalSettings, type RetentionMode } from '../settings/settings'
import { lgpdStore, type LgpdStore } from './store'

export interface RetentionRun {
  id: number
  trigger: 'schedule' | 'manual'
  mode: RetentionMode
  cutoff: number
  status: 'running' | 'done' | 'failed'
  last_ticket_id: number
  tickets: number
  files: number
  actor_id: number | null
  error: string | null
  started_at: number
  finished_at: number | null
}

const RUN_COLUMNS = 'id, trigger, mode, cutoff, status, last_ticket_id, tickets, files, actor_id, error, started_at, finished_at'
export const RETENTION_BATCH = 200
const DAY = 86_400_000

function retentionStore(db: Database) {
  // Closed before the cut-off and not yet cleaned at least this thoroughly ('anonymize' covers
  // 'media'). 'delete' takes every one: a ticket it deleted is gone, one anonymised earlier is
  // still there to delete. Walked in id order from where the run is (`+status` keeps SQLite from
  // reading every closed ticket through tickets_status and sorting them, batch after batch).
  const candidates = db.query<{ id: number }, [number, number, string, number]>(
    `SELECT id FROM tickets t WHERE +status = 'closed' AND closed_at < ?1 AND id > ?2
        AND (?3 = 'delete' OR NOT EXISTS (SELECT 1 FROM retention_tickets r WHERE r.ticket_id = t.id AND (r.mode = 'anonymize' OR r.mode = ?3)))
      ORDER BY id LIMIT ?4`,
  )
  const count = db.query<{ n: number }, [number, string]>(
    `SELECT count(*) AS n FROM tickets t WHERE status = 'closed' AND closed_at < ?1
        AND (?2 = 'delete' OR NOT EXISTS (SELECT 1 FROM retention_tickets r WHERE r.ticket_id = t.id AND (r.mode = 'anonymize' OR r.mode = ?2)))`,
  )
  // The same condition again, by primary key, under the write lock: a ticket reopened since it
  // was picked is left alone.
  const stillDue = db.query<{ id: number }, [string, number]>(
    `SELECT id FROM tickets WHERE id IN (SELECT value FROM json_each(?1)) AND +status = 'closed' AND closed_at < ?2 ORDER BY id`,
  )
  const mark = db.query<unknown, [string, number, string]>(
    `INSERT INTO retention_tickets (ticket_id, mode, at) SELECT value, ?1, ?2 FROM json_each(?3) WHERE true
       ON CONFLICT (ticket_id) DO UPDATE SET mode = excluded.mode, at = excluded.at`,
  )
  const addFile = db.query<unknown, [string]>('INSERT INTO retention_files (sha256) VALUES (?) ON CONFLICT DO NOTHING')
  const files = db.query<{ sha256: string }, []>('SELECT sha256 FROM retention_files LIMIT 500')
  const dropFile = db.query<unknown, [string]>('DELETE FROM retention_files WHERE sha256 = ?')
  const insertRun = db.query<{ id: number }, [string, string, number, number | null, number]>(
    'INSERT INTO retention_runs (trigger, mode, cutoff, actor_id, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  )
  const runById = db.query<RetentionRun, [number]>(`SELECT ${RUN_COLUMNS} FROM retention_runs WHERE id = ?`)
  const unfinished = db.query<RetentionRun, []>(`SELECT ${RUN_COLUMNS} FROM retention_runs WHERE status = 'running' ORDER BY id LIMIT 1`)
  const recent = db.query<RetentionRun, [number]>(`SELECT ${RUN_COLUMNS} FROM retention_runs ORDER BY id DESC LIMIT ?`)
  const progress = db.query<unknown, [number, number, number, number]>('UPDATE retention_runs SET last_ticket_id = ?, tickets = tickets + ?, files = files + ? WHERE id = ?')
  const finish = db.query<unknown, [string, string | null, number, number]>('UPDATE retention_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?')
  return {
    candidates: (cutoff: number, afterId: number, mode: RetentionMode, limit: number) => candidates.all(cutoff, afterId, mode, limit).map((r) => r.id),
    count: (cutoff: number, mode: RetentionMode) => count.get(cutoff, mode)!.n,
    stillDue: (ticketIds: number[], cutoff: number) => stillDue.all(JSON.stringify(ticketIds), cutoff).map((r) => r.id),
    mark: (ticketIds: number[], mode: RetentionMode, now: number) => mark.run(mode, now, JSON.stringify(ticketIds)),
    addFile: (sha256: string) => addFile.run(sha256),
    files: () => files.all().map((r) => r.sha256),
    dropFile: (sha256: string) => dropFile.run(sha256),
    startRun: (trigger: RetentionRun['trigger'], mode: RetentionMode, cutoff: number, actorId: number | null, now: number) => insertRun.get(trigger, mode, cutoff, actorId, now)!.id,
    run: (id: number) => runById.get(id) ?? null,
    unfinished: () => unfinished.get() ?? null,
    recent: (limit: number) => recent.all(limit),
    progress: (id: number, lastTicketId: number, tickets: number, files: number) => progress.run(lastTicketId, tickets, files, id),
    finish: (id: number, status: 'done' | 'failed', error: string | null, now: number) => finish.run(status, error, now, id),
  }
}
type RetentionStore = ReturnType<typeof retentionStore>

const stores = new WeakMap<Database, { retention: RetentionStore; lgpd: LgpdStore }>()
function storesOf(ctx: Context) {
  let s = stores.get(ctx.db)
  if (!s) stores.set(ctx.db, (s = { retention: retentionStore(ctx.db), lgpd: lgpdStore(ctx.db) }))
  return s
}

/** `months` calendar months before `now` (UTC). */
export function retentionCutoff(months: number, now = Date.now()): number {
  const d = new Date(now)
  d.setUTCMonth(d.getUTCMonth() - months)
  return d.getTime()
}

export interface RetentionPreview {
  enabled: boolean
  months: number
  mode: RetentionMode
  cutoff: number | null
  /** tickets the next run would clean */
  tickets: number
}

export function retentionPreview(ctx: Context, now = Date.now()): RetentionPreview {
  const g = generalSettings(ctx)
  if (!g.retention_months) return { enabled: false, months: 0, mode: g.retention_mode, cutoff: null, tickets: 0 }
  const cutoff = retentionCutoff(g.retention_months, now)
  return { enabled: true, months: g.retention_months, mode: g.retention_mode, cutoff, tickets: storesOf(ctx).retention.count(cutoff, g.retention_mode) }
}

export const recentRetentionRuns = (ctx: Context, limit = 10) => storesOf(ctx).retention.recent(limit)

/** Deletes the listed files no kept media row uses; returns how many were removed from disk. */
function deleteReleasedFiles(ctx: Context): number {
  const { retention, lgpd } = storesOf(ctx)
  let removed = 0
  for (;;) {
    const list = retention.files()
    if (!list.length) return removed
    for (const sha of list) {
      if (!lgpd.fileInUse(sha)) {
        try {
          unlinkSync(mediaPath(ctx, sha))
          removed++
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log.error({ err, sha256: sha }, 'retention: could not delete a media file')
        }
      }
      write(ctx.db, () => retention.dropFile(sha))
    }
  }
}

/** One batch's work for the run's mode (inside its transaction); returns the media rows it released. */
function cleanTickets(lgpd: LgpdStore, mode: RetentionMode, ids: number[], now: number): { id: number; sha256: string | null }[] {
  switch (mode) {
    case 'anonymize':
      return lgpd.anonymizeTickets(ids, now)
    case 'media':
      return lgpd.releaseMedia(ids, now)
    case 'delete':
      return lgpd.deleteTickets(ids, now)
  }
}

const busy = new WeakSet<Context>()
export const retentionRunning = (ctx: Context) => busy.has(ctx)

/**
 * Runs (or resumes) the job to the end. Returns the run, or null when retention is off or a run is
 * already going in this process.
 */
export async function runRetention(ctx: Context, trigger: RetentionRun['trigger'], actorId: number | null = null, now = Date.now()): Promise<RetentionRun | null> {
  if (busy.has(ctx)) return null
  busy.add(ctx)
  const { retention, lgpd } = storesOf(ctx)
  let runId: number | null = null
  try {
    // Files a crashed run released but had not deleted yet.
    deleteReleasedFiles(ctx)
    const resumed = retention.unfinished()
    const g = generalSettings(ctx)
    if (!resumed && !g.retention_months) return null
    const run = resumed ?? retention.run(write(ctx.db, () => retention.startRun(trigger, g.retention_mode, retentionCutoff(g.retention_months, now), actorId, now)))!
    runId = run.id
    let last = run.last_ticket_id
    for (;;) {
      // Picked outside the write lock (the walk may be long), cleaned inside it.
      const picked = retention.candidates(run.cutoff, last, run.mode, RETENTION_BATCH)
      if (!picked.length) break
      last = picked[picked.length - 1]
      write(ctx.db, () => {
        const ids = retention.stillDue(picked, run.cutoff)
        const now = Date.now()
        const media = ids.length ? cleanTickets(lgpd, run.mode, ids, now) : []
        for (const m of media) if (m.sha256) retention.addFile(m.sha256)
        if (run.mode !== 'delete') retention.mark(ids, run.mode, now)
        retention.progress(run.id, last, ids.length, 0)
      })
      const removed = deleteReleasedFiles(ctx)
      if (removed) write(ctx.db, () => retention.progress(run.id, last, 0, removed))
      // Let requests in between batches.
      await new Promise((r) => setImmediate(r))
    }
    const done = retention.run(run.id)!
    write(ctx.db, () => {
      retention.finish(run.id, 'done', null, Date.now())
      // A scheduled run that found nothing is not worth an audit line a day.
      if (done.trigger === 'schedule' && !done.tickets && !done.files) return
      ctx.stores.audit.record({
        actor_id: done.actor_id,
        action: 'retention.run',
        object_type: 'settings',
        object_id: 'retention',
        details: { trigger: done.trigger, mode: done.mode, cutoff: new Date(done.cutoff).toISOString(), tickets: done.tickets, files: done.files },
      })
    })
    if (done.tickets && done.mode !== 'media') {
      // Old page images live in the WAL until a checkpoint (as after an LGPD request).
      try {
        ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      } catch (err) {
        ctx.log.warn({ err }, 'retention: checkpoint did not complete')
      }
      ctx.hub.wake()
    }
    ctx.log.info({ run_id: run.id, tickets: done.tickets, files: done.files, mode: done.mode }, 'retention run done')
    return retention.run(run.id)
  } catch (err) {
    ctx.log.error({ err, run_id: runId }, 'retention run failed')
    if (runId !== null) write(ctx.db, () => retention.finish(runId!, 'failed', err instanceof Error ? err.message.slice(0, 300) : 'error', Date.now()))
    throw err
  } finally {
    busy.delete(ctx)
  }
}

/** Daily: runs when the last run started a day ago or more; at start, finishes a run a crash interrupted. */
export function startRetentionWorker(ctx: Context, everyMs = 3_600_000): WorkerLoop {
  return startLoop(
    'retention',
    ctx.log,
    async () => {
      const { retention } = storesOf(ctx)
      const last = retention.recent(1)[0]
      const due = generalSettings(ctx).retention_months > 0 && (!last || Date.now() - last.started_at >= DAY)
      // runRetention logs and records its own failures; the next pass tries again.
      if (due || retention.unfinished()) await runRetention(ctx, 'schedule').catch(() => {})
      return false
    },
    everyMs,
  )
}
