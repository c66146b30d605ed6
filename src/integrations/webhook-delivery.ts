// The webhook worker: reads the events table after each subscription's cursor, queues a delivery
// for every event it matches and may see, then sends the queues — one delivery at a time per
// subscription, so a receiver gets its events in order.
//
// Durability: the deliveries of a batch and the cursor past it commit in one transaction; a
// delivery is marked done only after the receiver answered 2xx. A crash at any point resends at
// most the delivery in flight (receivers dedupe on X-Kumquat-Delivery) and never skips one.
//
// Retries: network errors, timeouts, 408, 429 and 5xx are retried with exponential backoff and
// jitter (a longer Retry-After wins), for up to 24 hours after the delivery was queued; other
// answers (4xx, 3xx: redirects are not followed) fail it at once. After `disable_after` failed
// deliveries in a row the subscription is switched off and the admins get a notice.
//
// The request (documented on the integrations page and in the OpenAPI description):
//   POST <url>   Content-Type: application/json   body = the event's resource, the same JSON as
//                the `data` of GET /api/v1/events
//   X-Kumquat-Event: ticket.created          X-Kumquat-Event-Id: <events id, increasing>
//   X-Kumquat-Delivery: <delivery id; the same on every retry>
//   X-Kumquat-Timestamp: <unix seconds of this attempt>
//   X-Kumquat-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>
// A receiver recomputes the signature over the raw bytes, compares in constant time, and refuses
// timestamps more than a few minutes old (replays).
import type { User } from '../admin/users-store'
import { signature } from '../alerts/webhook'
import { startLoop, type WorkerLoop } from '../channels/worker-loop'
import type { Context } from '../context'
import { write } from '../db/open'
import { eventVisibleTo, ticketOfEvent } from '../realtime/event-access'
import { t } from '../i18n'
import { publishNotice } from '../notices/notices'
import type { StoredEvent } from '../realtime/events-store'
import { topicsFor } from '../realtime/routes'
import { pinTarget } from './webhook-url'
import { matchesPatterns, webhookSettings } from './webhooks'
import type { Delivery, Webhook } from './webhooks-store'

export interface WebhookTiming {
  /** first retry delay; doubles per attempt */
  baseMs: number
  maxDelayMs: number
  /** a delivery not done this long after it was queued has failed */
  maxAgeMs: number
  timeoutMs: number
  pollMs: number
}

const envMs = (name: string, fallback: number) => {
  const v = Number(process.env[name])
  return Number.isFinite(v) && v > 0 ? v : fallback
}

/** KUMQUAT_WEBHOOK_BACKOFF_MS, _MAX_AGE_MS, _POLL_MS… shorten the schedule (tests, demos). */
const fromEnv = (): WebhookTiming => ({
  baseMs: envMs('KUMQUAT_WEBHOOK_BACKOFF_MS', 10_000),
  maxDelayMs: envMs('KUMQUAT_WEBHOOK_MAX_DELAY_MS', 3_600_000),
  maxAgeMs: envMs('KUMQUAT_WEBHOOK_MAX_AGE_MS', 24 * 3_600_000),
  timeoutMs: envMs('KUMQUAT_WEBHOOK_TIMEOUT_MS', 10_000),
  pollMs: envMs('KUMQUAT_WEBHOOK_POLL_MS', 1_000),
})
const timings = new WeakMap<Context, WebhookTiming>()
export const webhookTiming = (ctx: Context): WebhookTiming => timings.get(ctx) ?? fromEnv()
/** Tests shorten the schedule of one context. */
export const setWebhookTiming = (ctx: Context, t: Partial<WebhookTiming>) => timings.set(ctx, { ...webhookTiming(ctx), ...t })

/** Exponential backoff with jitter: base·2^(n−1), capped, then drawn from [½, 1] of it (no thundering herd). */
export function backoffMs(attempts: number, t: Pick<WebhookTiming, 'baseMs' | 'maxDelayMs'>, random = Math.random): number {
  const full = Math.min(t.baseMs * 2 ** Math.max(0, attempts - 1), t.maxDelayMs)
  return Math.round(full / 2 + (random() * full) / 2)
}

/** Retry-After as seconds or an HTTP date, in ms from now (0 when absent or unreadable). */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 0
  if (/^\d{1,9}$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isFinite(at) ? Math.max(0, at - now) : 0
}

const retryable = (status: number | null) => status === null || status === 408 || status === 429 || status >= 500

// ---- queueing ------------------------------------------------------------------------------------

const BATCH = 500

const ticketIdOf = (ev: StoredEvent): number | null => {
  const tk = ticketOfEvent(ev)
  if (tk?.id) return tk.id
  const id = (ev.data as { ticket_id?: unknown } | null)?.ticket_id
  return typeof id === 'number' ? id : null
}

/** Queues the events after each active subscription's cursor. True while more are waiting. */
export function queueEvents(ctx: Context, now = Date.now()): boolean {
  const newest = ctx.stores.events.newestId()
  let more = false
  for (const w of ctx.stores.webhooks.active()) {
    if (w.cursor >= newest) continue
    const oldest = ctx.stores.events.oldestId()
    if (oldest !== null && w.cursor < oldest - 1) ctx.log.warn({ webhook_id: w.id, cursor: w.cursor, oldest }, 'webhook fell behind the events buffer: events were lost')
    const batch = ctx.stores.events.after(w.cursor, BATCH)
    if (batch.length === 0) continue
    const owner = ctx.stores.users.get(w.created_by)
    // An owner who was deactivated sees nothing: the subscription passes over the events.
    const topics = owner?.active ? topicsFor(owner) : null
    const expires = now + webhookTiming(ctx).maxAgeMs
    write(ctx.db, () => {
      for (const ev of batch) {
        if (!topics || !matchesPatterns(ev.name, w.events) || !eventVisibleTo(owner!, topics, ev)) continue
        ctx.stores.webhooks.enqueue({ webhook_id: w.id, event_id: ev.id, event: ev.name, ticket_id: ticketIdOf(ev), body: ev.json, now, expires_at: expires })
      }
      ctx.stores.webhooks.setCursor(w.id, batch[batch.length - 1].id)
    })
    if (batch.length === BATCH) more = true
  }
  return more
}

// ---- sending -------------------------------------------------------------------------------------

export type SendResult = 'delivered' | 'retry' | 'failed' | 'skipped'

export async function sendDelivery(ctx: Context, d: Delivery, resolve?: (host: string) => Promise<string[]>): Promise<SendResult> {
  const w = ctx.stores.webhooks.get(d.webhook_id)
  if (!w?.active) return 'skipped'
  const timing = webhookTiming(ctx)
  const settings = webhookSettings(ctx)
  const started = Date.now()
  if (started > d.expires_at) return finishFailed(ctx, w, d, null, 'expired: not delivered within the retry window', null, started)

  let status: number | null = null
  let error: string | null = null
  let waitMs = 0
  try {
    const pinned = await pinTarget(w.url, settings.allow_private, resolve)
    if ('refusal' in pinned) return finishFailed(ctx, w, d, null, pinned.refusal, null, started)
    const timestamp = String(Math.floor(Date.now() / 1000))
    const res = await fetch(pinned.target.url, {
      ...pinned.target.init,
      method: 'POST',
      body: d.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timing.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Kumquat-Webhooks/1',
        'x-kumquat-event': d.event,
        'x-kumquat-event-id': String(d.event_id),
        'x-kumquat-delivery': String(d.id),
        'x-kumquat-timestamp': timestamp,
        'x-kumquat-signature': signature(ctx.stores.webhooks.secretOf(w.id)!, timestamp, d.body),
        ...pinned.target.init.headers,
      },
    })
    status = res.status
    waitMs = retryAfterMs(res.headers.get('retry-after'))
    await res.body?.cancel().catch(() => {})
    if (res.status >= 200 && res.status < 300) {
      write(ctx.db, () => {
        ctx.stores.webhooks.finish(d.id, { status: 'delivered', attempts: d.attempts + 1, next_attempt_at: d.next_attempt_at, response_status: status, error: null, duration_ms: Date.now() - started, now: Date.now() })
        ctx.stores.webhooks.succeeded(w.id)
      })
      return 'delivered'
    }
    error = `HTTP ${res.status}`
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : 'network error'
  }
  const now = Date.now()
  const attempts = d.attempts + 1
  if (!retryable(status)) return finishFailed(ctx, w, d, status, error, now - started, now, attempts)
  const next = now + Math.max(backoffMs(attempts, timing), Math.min(waitMs, timing.maxAgeMs))
  if (next > d.expires_at) return finishFailed(ctx, w, d, status, `${error}; gave up after ${attempts} attempts`, now - started, now, attempts)
  write(ctx.db, () => ctx.stores.webhooks.finish(d.id, { status: 'pending', attempts, next_attempt_at: next, response_status: status, error, duration_ms: now - started, now }))
  ctx.log.warn({ webhook_id: w.id, delivery_id: d.id, status, attempts }, 'webhook delivery failed, will retry')
  return 'retry'
}

/** Marks a delivery failed, counts it against the subscription, and switches it off after too many in a row. */
function finishFailed(ctx: Context, w: Webhook, d: Delivery, status: number | null, error: string, durationMs: number | null, now: number, attempts = d.attempts): SendResult {
  const limit = webhookSettings(ctx).disable_after
  const disabled = write(ctx.db, () => {
    if (!ctx.stores.webhooks.finish(d.id, { status: 'failed', attempts, next_attempt_at: d.next_attempt_at, response_status: status, error, duration_ms: durationMs, now })) return false
    const run = ctx.stores.webhooks.failed(w.id, now)
    if (run < limit) return false
    ctx.stores.webhooks.disable(w.id, `${run} failed deliveries in a row; last: ${error}`, now)
    ctx.stores.audit.record({ actor_id: null, action: 'webhook.disabled', object_type: 'webhook', object_id: w.id, details: { failures: run, last_error: error } })
    return true
  })
  ctx.log.warn({ webhook_id: w.id, delivery_id: d.id, status, error, disabled }, 'webhook delivery failed')
  if (disabled) noticeAdmins(ctx, w, limit)
  return 'failed'
}

/** A warning notice to the admin profile: a subscription stopped. */
function noticeAdmins(ctx: Context, w: Webhook, failures: number) {
  const admin = ctx.stores.profiles.resolve('admin')
  if (!admin) return
  const lang = ctx.config.defaultLanguage
  const now = Date.now()
  try {
    publishNotice(ctx, {
      title: t(lang, 'integrations.disabled_notice_title').slice(0, 120),
      body: t(lang, 'integrations.disabled_notice_body', { url: w.url, failures }).slice(0, 1000),
      level: 'warning',
      target: 'profile',
      target_id: admin.id,
      starts_at: now,
      ends_at: now + 7 * 86_400_000,
      created_by: null,
    })
  } catch (err) {
    ctx.log.error({ err, webhook_id: w.id }, 'could not publish the webhook notice')
  }
}

/** One pass over the queues: the due head of each subscription, in parallel across subscriptions. */
export async function sendDue(ctx: Context, now = Date.now()): Promise<boolean> {
  const heads = ctx.stores.webhooks.dueHeads(now, 16)
  const results = await Promise.all(heads.map((d) => sendDelivery(ctx, d)))
  // Another pass at once when a queue moved on: its next delivery is probably due now.
  return results.some((r) => r === 'delivered' || r === 'failed')
}

const KEEP_LOG_MS = 30 * 86_400_000

/**
 * Two loops: queueing (quick, database only) never waits behind a slow receiver, so the cursor
 * keeps up with the events buffer; sending wakes for the next retry when it is due before the poll.
 */
export function startWebhookWorker(ctx: Context): WorkerLoop {
  let prunedAt = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  const pollMs = webhookTiming(ctx).pollMs
  const send = startLoop(
    'webhooks-send',
    ctx.log,
    async () => {
      const more = await sendDue(ctx)
      const due = ctx.stores.webhooks.nextDueAt()
      if (due !== null && due - Date.now() < pollMs && !timer) {
        timer = setTimeout(() => {
          timer = null
          send.wake()
        }, Math.max(0, due - Date.now()))
        timer.unref?.()
      }
      return more
    },
    pollMs,
  )
  const queue = startLoop(
    'webhooks-queue',
    ctx.log,
    async () => {
      await Promise.resolve()
      const now = Date.now()
      if (now - prunedAt > 3_600_000) {
        prunedAt = now
        write(ctx.db, () => ctx.stores.webhooks.prune(now - KEEP_LOG_MS))
      }
      const more = queueEvents(ctx, now)
      send.wake()
      return more
    },
    pollMs,
  )
  return {
    wake: queue.wake,
    async stop() {
      if (timer) clearTimeout(timer)
      await Promise.all([queue.stop(), send.stop()])
    },
  }
}
