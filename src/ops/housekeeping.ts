// Housekeeping: the tables that grow with traffic and hold nothing anyone needs after a while are
// pruned in small batches by a background worker (never in a request), so the database stays the
// size of its real data. What is pruned, and why it is safe:
//
// - inbound_events 'done' after KUMQUAT_INBOUND_RETENTION_DAYS (7): the raw webhook deliveries,
//   ~480 B each. Processed means everything in them lives in messages/tickets now; the rows are
//   kept a while only to look at what Meta sent. 'pending' rows are never touched (not processed
//   yet: the ack promised they would be); 'failed' ones are kept for inspection for
//   KUMQUAT_INBOUND_FAILED_RETENTION_DAYS (30).
// - outbox 'done' after the same 7 days: the send is over and its outcome is on the message.
//   'failed' rows stay (the agent's "Tentar novamente" requeues them); pending/sending are live.
// - message_statuses after the failed-delivery retention (30 days, and never less than the 7 days
//   Meta keeps redelivering): they only deduplicate redeliveries, or wait for a wamid that after a
//   month will never be ours (a message sent by another app on the number).
// - sessions expired (or revoked) more than 7 days ago, once an hour (sessionsStore.purgeExpired).
// - media temp files left by a crash, once at start (src/desk/media-files.ts).
//
// Not pruned here: `events` (the hub keeps the last KUMQUAT_EVENT_BUFFER, src/realtime/hub.ts),
// and the tables that ARE the data (messages, tickets, history, audit log).
import type { Context } from '../context'
import { write } from '../db/open'
import { startLoop, type WorkerLoop } from '../channels/worker-loop'
import { sweepStaleTmp } from '../desk/media-files'

const DAY = 86_400_000
/** Rows deleted per transaction: a few ms of write lock, so requests never wait long behind it. */
export const PRUNE_BATCH = 500
const SESSIONS_EVERY_MS = 3_600_000

export interface PruneResult {
  inbound_done: number
  inbound_failed: number
  outbox_done: number
  statuses: number
}

/** One batch per table, each its own short transaction. `more` when a batch was full (more waiting). */
export function pruneBatch(ctx: Pick<Context, 'db' | 'stores' | 'config'>, now = Date.now(), limit = PRUNE_BATCH): PruneResult & { more: boolean } {
  const keep = ctx.config.inboundRetentionDays * DAY
  const keepFailed = ctx.config.inboundFailedRetentionDays * DAY
  const r: PruneResult = {
    inbound_done: write(ctx.db, () => ctx.stores.inbound.prune('done', now - keep, limit)),
    inbound_failed: write(ctx.db, () => ctx.stores.inbound.prune('failed', now - keepFailed, limit)),
    outbox_done: write(ctx.db, () => ctx.stores.outbox.pruneDone(now - keep, limit)),
    statuses: write(ctx.db, () => ctx.stores.statuses.prune(now - Math.max(keepFailed, 7 * DAY), limit)),
  }
  return { ...r, more: Object.values(r).some((n) => n >= limit) }
}

/** The worker: at start, then every minute; a backlog (an upgrade onto a big database) drains batch by batch. */
export function startHousekeeping(ctx: Context, intervalMs = 60_000): WorkerLoop {
  const swept = sweepStaleTmp(ctx)
  if (swept) ctx.log.info({ files: swept }, 'removed media temp files left by a crash')
  let sessionsAt = 0
  let total: PruneResult = { inbound_done: 0, inbound_failed: 0, outbox_done: 0, statuses: 0 }
  return startLoop(
    'housekeeping',
    ctx.log,
    async () => {
      const now = Date.now()
      if (now - sessionsAt >= SESSIONS_EVERY_MS) {
        sessionsAt = now
        write(ctx.db, () => ctx.stores.sessions.purgeExpired())
      }
      const { more, ...r } = pruneBatch(ctx, now)
      for (const k of Object.keys(r) as (keyof PruneResult)[]) total[k] += r[k]
      if (!more && Object.values(total).some((n) => n > 0)) {
        ctx.log.info({ pruned: total }, 'housekeeping: old rows pruned')
        total = { inbound_done: 0, inbound_failed: 0, outbox_done: 0, statuses: 0 }
      }
      return more
    },
    intervalMs,
  )
}
