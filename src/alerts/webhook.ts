// Outgoing alert webhooks: an HTTP POST of the alert as JSON to the rule's URL, signed with the
// rule's secret. Delivery rows are committed with the alert (an outbox); this worker sends them
// outside any transaction, retries 429/5xx/network errors with exponential backoff, and gives up
// after MAX_ATTEMPTS or on another 4xx. The URL obeys the integrations' address rules (no cloud
// metadata, the internal network only when allowed), checked on every send and pinned to the
// address checked, exactly as the integration webhooks are.
//
// Verifying on the receiving side: take the raw body and the X-Kumquat-Timestamp header, compute
// HMAC-SHA256 with the secret over `<timestamp>.<body>`, hex-encode, and compare (in constant
// time) with X-Kumquat-Signature without its `sha256=` prefix; refuse timestamps older than a few
// minutes (replays). X-Kumquat-Delivery is unique per delivery (retries repeat it).
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Context } from '../context'
import { write } from '../db/open'
import { pinTarget } from '../integrations/webhook-url'
import { webhookSettings } from '../integrations/webhooks'
import { alertEventData } from './evaluate'
import type { Delivery } from './store'

export const MAX_ATTEMPTS = 8
const TIMEOUT_MS = 10_000

export function signature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

/** The check a receiver makes (used by the tests; exported for integrators' reference). */
export function verifySignature(secret: string, timestamp: string, body: string, header: string | null): boolean {
  if (!header) return false
  const expected = Buffer.from(signature(secret, timestamp, body))
  const given = Buffer.from(header)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** Seconds until the next try after `attempts` failed ones: 30 s, 1 min, 2 min, … up to 1 h. */
export const backoffMs = (attempts: number) => Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000)

export function deliveryBody(ctx: Context, d: Delivery): string | null {
  const alert = ctx.stores.alerts.get(d.alert_id)
  if (!alert) return null
  const sector = alert.sector_id === null ? null : ctx.stores.sectors.get(alert.sector_id)
  return JSON.stringify({
    event: d.event,
    delivery_id: d.id,
    alert: { ...alertEventData(alert), threshold_min: alert.threshold_min, sector_name: sector?.name ?? null },
  })
}

/** Sends one delivery and records the outcome. */
export async function sendDelivery(ctx: Context, d: Delivery, resolve?: (host: string) => Promise<string[]>): Promise<'done' | 'retry' | 'failed'> {
  const alert = ctx.stores.alerts.get(d.alert_id)
  const rule = alert ? ctx.stores.alerts.rule(alert.rule_id) : null
  const body = deliveryBody(ctx, d)
  if (!rule?.webhook_url || body === null) {
    write(ctx.db, () => ctx.stores.alerts.finishDelivery(d.id, 'failed', null, 'rule or webhook removed', Date.now()))
    return 'failed'
  }
  const timestamp = String(Math.floor(Date.now() / 1000))
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Kumquat-Alerts/1',
    'x-kumquat-event': d.event,
    'x-kumquat-delivery': String(d.id),
    'x-kumquat-timestamp': timestamp,
  }
  const secret = ctx.stores.alerts.secretOf(rule.id)
  if (secret) headers['x-kumquat-signature'] = signature(secret, timestamp, body)

  let status: number | null = null
  let error: string | null = null
  try {
    const pinned = await pinTarget(rule.webhook_url, webhookSettings(ctx).allow_private, resolve)
    if ('refusal' in pinned) {
      write(ctx.db, () => ctx.stores.alerts.finishDelivery(d.id, 'failed', null, pinned.refusal, Date.now()))
      ctx.log.warn({ delivery_id: d.id, alert_id: d.alert_id, refusal: pinned.refusal }, 'alert webhook refused')
      return 'failed'
    }
    const { url, init } = pinned.target
    const res = await fetch(url, { ...init, method: 'POST', headers: { ...headers, ...init.headers }, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) })
    status = res.status
    await res.body?.cancel().catch(() => {})
    if (res.ok) {
      write(ctx.db, () => ctx.stores.alerts.finishDelivery(d.id, 'done', status, null, Date.now()))
      return 'done'
    }
    error = `HTTP ${res.status}`
  } catch (err) {
    error = err instanceof Error ? err.message.slice(0, 200) : 'network error'
  }
  const attempts = d.attempts + 1
  const retryable = status === null || status === 429 || status >= 500
  const outcome = retryable && attempts < MAX_ATTEMPTS ? 'retry' : 'failed'
  write(ctx.db, () => ctx.stores.alerts.finishDelivery(d.id, outcome === 'retry' ? 'pending' : 'failed', status, error, Date.now() + backoffMs(attempts)))
  ctx.log.warn({ delivery_id: d.id, alert_id: d.alert_id, status, attempts, outcome }, 'alert webhook failed')
  return outcome
}

/** One pass: sends what is due. True when a full batch was sent (more may be waiting). */
export async function sendDueDeliveries(ctx: Context, now = Date.now()): Promise<boolean> {
  const due = ctx.stores.alerts.dueDeliveries(now, 20)
  for (const d of due) {
    // Claimed first: a crash mid-send leaves it due again once the claim runs out.
    if (!write(ctx.db, () => ctx.stores.alerts.claimDelivery(d, Date.now() + TIMEOUT_MS * 3))) continue
    await sendDelivery(ctx, d)
  }
  return due.length === 20
}
