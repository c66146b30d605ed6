// Processes stored webhook deliveries in the order they arrived, one transaction each. A delivery
// that fails is retried a few times, then left marked 'failed' with the error (never deleted).
import type { Context } from '../context'
import { write } from '../db/open'
import { ingestDelivery } from './whatsapp/ingest'
import { startLoop } from './worker-loop'

const MAX_ATTEMPTS = 5
const BATCH = 50

export function startInboundProcessor(ctx: Context) {
  let lastFailedId = 0
  return startLoop(
    'inbound',
    ctx.log,
    async () => {
      // Failed attempts are retried on the next timer tick (after the ids that follow them).
      const batch = ctx.stores.inbound.pending(lastFailedId, BATCH)
      if (batch.length === 0) {
        lastFailedId = 0
        return false
      }
      let media = 0
      let outbound = 0
      // The whole batch in one transaction (one fsync); if any delivery in it fails, the batch
      // rolls back and is redone one delivery per transaction, so one bad delivery cannot hold
      // up the others.
      try {
        write(ctx.db, () => {
          for (const event of batch) {
            const r = ingestDelivery(ctx, event.body)
            ctx.stores.inbound.markDone(event.id)
            media += r.media
            outbound += r.outbound
          }
        })
      } catch {
        media = outbound = 0
        for (const event of batch) {
          try {
            const r = write(ctx.db, () => {
              const r = ingestDelivery(ctx, event.body)
              ctx.stores.inbound.markDone(event.id)
              return r
            })
            media += r.media
            outbound += r.outbound
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err)
            ctx.log.error({ err, inbound_event: event.id }, 'whatsapp delivery processing failed')
            write(ctx.db, () => (event.attempts + 1 >= MAX_ATTEMPTS ? ctx.stores.inbound.markFailed(event.id, message) : ctx.stores.inbound.recordAttempt(event.id, message)))
            lastFailedId = event.id
          }
        }
      }
      ctx.hub.wake()
      ctx.wake.routing() // a ticket may have queued (new or reopened)
      if (media) ctx.wake.media()
      if (outbound) ctx.wake.outbox()
      return batch.length === BATCH
    },
    1000,
    // Ack after the durable write, process after the ack: the webhook's 200 goes out before the
    // pass (which would otherwise run inside the request, up to a whole batch of 50 deliveries).
    { coalesceMs: 0 },
  )
}
