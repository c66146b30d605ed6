// Outgoing webhook subscriptions and their deliveries (migration 0014). Secrets are sealed with
// the installation key, like channel secrets. Writes go inside the caller's write transaction.
import type { Database } from 'bun:sqlite'
import { seal, unseal } from '../db/sealed'

export interface Webhook {
  id: number
  url: string
  description: string
  events: string[]
  active: boolean
  created_by: number
  cursor: number
  consecutive_failures: number
  disabled_reason: string | null
  created_at: number
  updated_at: number
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface Delivery {
  id: number
  webhook_id: number
  event_id: number
  event: string
  ticket_id: number | null
  body: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: number
  expires_at: number
  response_status: number | null
  error: string | null
  duration_ms: number | null
  created_at: number
  updated_at: number
}

interface WebhookRow extends Omit<Webhook, 'events' | 'active'> {
  events: string
  active: number
}

const W_COLUMNS = 'id, url, description, events, active, created_by, cursor, consecutive_failures, disabled_reason, created_at, updated_at'
const D_COLUMNS = 'id, webhook_id, event_id, event, ticket_id, body, status, attempts, next_attempt_at, expires_at, response_status, error, duration_ms, created_at, updated_at'
const toWebhook = (r: WebhookRow): Webhook => ({ ...r, events: JSON.parse(r.events), active: r.active === 1 })

export interface NewDelivery {
  webhook_id: number
  event_id: number
  event: string
  ticket_id: number | null
  body: string
  now: number
  expires_at: number
}

export interface Outcome {
  status: DeliveryStatus
  attempts: number
  next_attempt_at: number
  response_status: number | null
  error: string | null
  duration_ms: number | null
  now: number
}

export function webhooksStore(db: Database, key: Buffer) {
  const insert = db.query<{ id: number }, [string, string, string, string, number, number, number, number]>(
    `INSERT INTO webhooks (url, description, events, secret, created_by, cursor, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const byId = db.query<WebhookRow, [number]>(`SELECT ${W_COLUMNS} FROM webhooks WHERE id = ?`)
  const all = db.query<WebhookRow, []>(`SELECT ${W_COLUMNS} FROM webhooks ORDER BY id`)
  const activeOnes = db.query<WebhookRow, []>(`SELECT ${W_COLUMNS} FROM webhooks WHERE active = 1 ORDER BY id`)
  const secretOf = db.query<{ secret: string }, [number]>('SELECT secret FROM webhooks WHERE id = ?')
  const update = db.query<unknown, [string, string, string, number, number | null, number, number, number]>(
    `UPDATE webhooks SET url = ?1, description = ?2, events = ?3, active = ?4, cursor = coalesce(?5, cursor), created_by = ?6,
       consecutive_failures = CASE WHEN ?4 = 1 THEN 0 ELSE consecutive_failures END,
       disabled_reason = CASE WHEN ?4 = 1 THEN NULL ELSE disabled_reason END, updated_at = ?7 WHERE id = ?8`,
  )
  const setSecret = db.query<unknown, [string, number, number]>('UPDATE webhooks SET secret = ?, updated_at = ? WHERE id = ?')
  const remove = db.query<unknown, [number]>('DELETE FROM webhooks WHERE id = ?')
  const setCursor = db.query<unknown, [number, number]>('UPDATE webhooks SET cursor = ? WHERE id = ?')
  const failures = db.query<{ consecutive_failures: number }, [number, number]>(
    'UPDATE webhooks SET consecutive_failures = consecutive_failures + 1, updated_at = ? WHERE id = ? RETURNING consecutive_failures',
  )
  const succeeded = db.query<unknown, [number]>('UPDATE webhooks SET consecutive_failures = 0 WHERE id = ? AND consecutive_failures <> 0')
  const disable = db.query<unknown, [string, number, number]>('UPDATE webhooks SET active = 0, disabled_reason = ?, updated_at = ? WHERE id = ?')

  const insertDelivery = db.query<unknown, [number, number, string, number | null, string, number, number, number]>(
    `INSERT INTO webhook_deliveries (webhook_id, event_id, event, ticket_id, body, next_attempt_at, expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?6, ?7, ?8, ?8) ON CONFLICT (webhook_id, event_id) DO NOTHING`,
  )
  const delivery = db.query<Delivery, [number]>(`SELECT ${D_COLUMNS} FROM webhook_deliveries WHERE id = ?`)
  // The head of each active subscription's queue: deliveries go out one at a time, in order.
  const heads = db.query<Delivery, [number, number]>(
    `SELECT ${D_COLUMNS} FROM webhook_deliveries WHERE id IN (
       SELECT (SELECT min(d.id) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending')
         FROM webhooks w WHERE w.active = 1)
       AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
  )
  const nextDue = db.query<{ at: number | null }, []>(
    `SELECT min(next_attempt_at) AS at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' AND w.active = 1`,
  )
  const finish = db.query<unknown, [string, number, number, number | null, string | null, number | null, number, number]>(
    `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, response_status = ?, error = ?, duration_ms = ?, updated_at = ?
      WHERE id = ? AND status = 'pending'`,
  )
  const log = db.query<Delivery, [number, number, number]>(
    `SELECT ${D_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  )
  const redeliver = db.query<unknown, [number, number, number, number]>(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?1, expires_at = ?2, error = NULL, updated_at = ?1
      WHERE id = ?3 AND webhook_id = ?4 AND status <> 'pending'`,
  )
  const revive = db.query<unknown, [number, number, number]>(
    `UPDATE webhook_deliveries SET next_attempt_at = ?1, expires_at = ?2, updated_at = ?1 WHERE webhook_id = ?3 AND status = 'pending'`,
  )
  const pendingCount = db.query<{ n: number }, [number]>(`SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ? AND status = 'pending'`)
  const prune = db.query<unknown, [number]>(`DELETE FROM webhook_deliveries WHERE created_at < ? AND status <> 'pending'`)

  return {
    create(o: { url: string; description: string; events: string[]; secret: string; created_by: number; cursor: number; now: number }): number {
      return insert.get(o.url, o.description, JSON.stringify(o.events), seal(key, o.secret), o.created_by, o.cursor, o.now, o.now)!.id
    },
    get(id: number): Webhook | null {
      const r = byId.get(id)
      return r ? toWebhook(r) : null
    },
    list: (): Webhook[] => all.all().map(toWebhook),
    active: (): Webhook[] => activeOnes.all().map(toWebhook),
    secretOf(id: number): string | null {
      const r = secretOf.get(id)
      return r ? unseal(key, r.secret) : null
    },
    /**
     * `cursor` (when not null) moves the subscription's position in the events; re-enabling clears
     * the failure count; `owner` is whose visibility the subscription acts with.
     */
    update: (id: number, o: { url: string; description: string; events: string[]; active: boolean; cursor: number | null; owner: number; now: number }) =>
      update.run(o.url, o.description, JSON.stringify(o.events), o.active ? 1 : 0, o.cursor, o.owner, o.now, id),
    setSecret: (id: number, secret: string, now: number) => setSecret.run(seal(key, secret), now, id),
    remove: (id: number) => remove.run(id).changes > 0,
    setCursor: (id: number, cursor: number) => setCursor.run(cursor, id),
    /** Counts one more failed delivery; returns the run of failures. */
    failed: (id: number, now: number): number => failures.get(now, id)?.consecutive_failures ?? 0,
    succeeded: (id: number) => succeeded.run(id),
    disable: (id: number, reason: string, now: number) => disable.run(reason, now, id),

    enqueue: (d: NewDelivery) => insertDelivery.run(d.webhook_id, d.event_id, d.event, d.ticket_id, d.body, d.now, d.expires_at, d.now),
    delivery: (id: number): Delivery | null => delivery.get(id) ?? null,
    dueHeads: (now: number, limit: number): Delivery[] => heads.all(now, limit),
    nextDueAt: (): number | null => nextDue.get()?.at ?? null,
    finish: (id: number, o: Outcome) => finish.run(o.status, o.attempts, o.next_attempt_at, o.response_status, o.error, o.duration_ms, o.now, id).changes > 0,
    log: (webhookId: number, beforeId: number, limit: number): Delivery[] => log.all(webhookId, beforeId, limit),
    redeliver: (webhookId: number, id: number, now: number, expiresAt: number) => redeliver.run(now, expiresAt, id, webhookId).changes > 0,
    /** A subscription switched back on: what still waits gets a fresh retry window. */
    revive: (webhookId: number, now: number, expiresAt: number) => revive.run(now, expiresAt, webhookId),
    pendingCount: (webhookId: number): number => pendingCount.get(webhookId)!.n,
    /** Drops finished log rows older than `before`. */
    prune: (before: number) => prune.run(before).changes,
  }
}
export type WebhooksStore = ReturnType<typeof webhooksStore>
