// The supervision workers the server starts (src/server.ts startWorkers): alert evaluation every
// few seconds, the alert webhook sender, and the notices clock (scheduled starts and ends).
import { startLoop, type WorkerLoop } from '../channels/worker-loop'
import type { Context } from '../context'
import { announceDue, setNoticesWaker } from '../notices/notices'
import { evaluateAlerts } from './evaluate'
import { sendDueDeliveries } from './webhook'

/** How often rules are evaluated (thresholds are minutes: a few seconds late is fine). */
export const EVALUATE_EVERY_MS = 5_000

export function startSupervisionWorkers(ctx: Context): WorkerLoop[] {
  const webhooks = startLoop('alert-webhooks', ctx.log, () => sendDueDeliveries(ctx), 5_000)
  const alerts = startLoop(
    'alerts',
    ctx.log,
    async () => {
      await Promise.resolve()
      const { fired, cleared } = evaluateAlerts(ctx)
      if (fired.length || cleared) webhooks.wake()
      return false
    },
    EVALUATE_EVERY_MS,
  )
  const notices = startLoop(
    'notices',
    ctx.log,
    async () => {
      await Promise.resolve()
      announceDue(ctx)
      return false
    },
    5_000,
  )
  setNoticesWaker(ctx, notices.wake)
  return [alerts, webhooks, notices]
}
