// Alert rules (admin), the alerts they fire, and the outgoing webhook calls of each alert (an
// outbox: committed with the alert, sent and retried by a worker). Plain SQL, prepared once.
import type { Database } from 'bun:sqlite'
import { seal, unseal } from '../db/sealed'

export const ALERT_KINDS = ['queue_wait', 'no_agent', 'first_response', 'customer_waiting', 'negative_survey'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export interface AlertRule {
  id: number
  sector_id: number | null
  kind: AlertKind
  threshold_min: number
  cooldown_min: number
  webhook_url: string | null
  has_secret: boolean
  active: boolean
  created_at: number
  updated_at: number
}

export interface RuleInput {
  sector_id: number | null
  kind: AlertKind
  threshold_min: number
  cooldown_min: number
  webhook_url: string | null
  active: boolean
}

export interface Alert {
  id: number
  rule_id: number
  kind: AlertKind
  threshold_min: number
  sector_id: number | null
  subject: string
  ticket_id: number | null
  user_id: number | null
  details: Record<string, unknown>
  fired_at: number
  cleared_at: number | null
  acked_at: number | null
  acked_by: number | null
}

export interface NewAlert {
  rule_id: number
  sector_id: number | null
  subject: string
  ticket_id: number | null
  user_id: number | null
  details: Record<string, unknown>
  fired_at: number
}

export interface Delivery {
  id: number
  alert_id: number
  event: 'alert.fired' | 'alert.cleared'
  status: 'pending' | 'done' | 'failed'
  attempts: number
  next_attempt_at: number
  last_status: number | null
  last_error: string | null
  created_at: number
}

interface RuleRow extends Omit<AlertRule, 'has_secret' | 'active'> {
  webhook_secret: string | null
  active: number
}
interface AlertRow extends Omit<Alert, 'details'> {
  details: string
}

const RULE_COLUMNS = 'id, sector_id, kind, threshold_min, cooldown_min, webhook_url, webhook_secret, active, created_at, updated_at'
const ALERT_SELECT = `SELECT a.id, a.rule_id, r.kind, r.threshold_min, a.sector_id, a.subject, a.ticket_id, a.user_id, a.details,
         a.fired_at, a.cleared_at, a.acked_at, a.acked_by
  FROM alerts a JOIN alert_rules r ON r.id = a.rule_id`

const toRule = (r: RuleRow): AlertRule => {
  const { webhook_secret, active, ...rest } = r
  return { ...rest, has_secret: webhook_secret !== null, active: active === 1 }
}
const toAlert = (r: AlertRow): Alert => ({ ...r, details: JSON.parse(r.details) })

export function alertsStore(db: Database, key: Buffer) {
  const rules = db.query<RuleRow, []>(`SELECT ${RULE_COLUMNS} FROM alert_rules ORDER BY id`)
  const activeRules = db.query<RuleRow, []>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE active = 1 ORDER BY id`)
  const rule = db.query<RuleRow, [number]>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = ?`)
  const insertRule = db.query<{ id: number }, [number | null, string, number, number, string | null, string | null, number, number | null, number]>(
    `INSERT INTO alert_rules (sector_id, kind, threshold_min, cooldown_min, webhook_url, webhook_secret, active, created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?9, ?9) RETURNING id`,
  )
  const updateRule = db.query<unknown, [number | null, string, number, number, string | null, number, number, number]>(
    `UPDATE alert_rules SET sector_id = ?, kind = ?, threshold_min = ?, cooldown_min = ?, webhook_url = ?, active = ?, updated_at = ? WHERE id = ?`,
  )
  const setSecret = db.query<unknown, [string | null, number, number]>('UPDATE alert_rules SET webhook_secret = ?, updated_at = ? WHERE id = ?')
  const deleteRule = db.query<unknown, [number]>('DELETE FROM alert_rules WHERE id = ?')

  const activeOfRule = db.query<AlertRow, [number]>(`${ALERT_SELECT} WHERE a.rule_id = ? AND a.cleared_at IS NULL ORDER BY a.id`)
  const lastOf = db.query<{ fired_at: number; cleared_at: number | null }, [number, string]>(
    'SELECT fired_at, cleared_at FROM alerts WHERE rule_id = ? AND subject = ? ORDER BY id DESC LIMIT 1',
  )
  const insertAlert = db.query<{ id: number }, [number, number | null, string, number | null, number | null, string, number]>(
    `INSERT INTO alerts (rule_id, sector_id, subject, ticket_id, user_id, details, fired_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const clear = db.query<unknown, [number, number]>('UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL')
  const ack = db.query<unknown, [number, number, number]>('UPDATE alerts SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL')
  const byId = db.query<AlertRow, [number]>(`${ALERT_SELECT} WHERE a.id = ?`)
  const unacked = db.query<AlertRow, [number]>(`${ALERT_SELECT} WHERE a.acked_at IS NULL ORDER BY a.id DESC LIMIT ?`)
  const recent = db.query<AlertRow, [number, number]>(`${ALERT_SELECT} WHERE a.acked_at IS NOT NULL AND a.id < ? ORDER BY a.id DESC LIMIT ?`)

  const enqueue = db.query<unknown, [number, string, number]>(
    `INSERT INTO alert_deliveries (alert_id, event, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?3, ?3, ?3)`,
  )
  const due = db.query<Delivery, [number, number]>(
    `SELECT id, alert_id, event, status, attempts, next_attempt_at, last_status, last_error, created_at FROM alert_deliveries
     WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
  )
  const deliveriesOf = db.query<Delivery, [number]>(
    `SELECT id, alert_id, event, status, attempts, next_attempt_at, last_status, last_error, created_at FROM alert_deliveries WHERE alert_id = ? ORDER BY id`,
  )
  const finishDelivery = db.query<unknown, [string, number | null, string | null, number, number, number]>(
    `UPDATE alert_deliveries SET status = ?1, attempts = attempts + 1, last_status = ?2, last_error = ?3, next_attempt_at = ?4, updated_at = ?5
     WHERE id = ?6 AND status = 'pending'`,
  )
  const nextDue = db.query<{ at: number | null }, []>(`SELECT min(next_attempt_at) AS at FROM alert_deliveries WHERE status = 'pending'`)
  const claim = db.query<unknown, [number, number, number]>(
    `UPDATE alert_deliveries SET next_attempt_at = ?1 WHERE id = ?2 AND status = 'pending' AND next_attempt_at = ?3`,
  )

  return {
    // ---- rules ----
    rules: (): AlertRule[] => rules.all().map(toRule),
    activeRules: (): AlertRule[] => activeRules.all().map(toRule),
    rule(id: number): AlertRule | null {
      const r = rule.get(id)
      return r ? toRule(r) : null
    },
    /** The rule's webhook secret in clear (for signing), or null. */
    secretOf(id: number): string | null {
      const r = rule.get(id)
      return r?.webhook_secret ? unseal(key, r.webhook_secret) : null
    },
    /** Call inside a write transaction. */
    createRule(input: RuleInput, secret: string | null, actorId: number | null): number {
      return insertRule.get(input.sector_id, input.kind, input.threshold_min, input.cooldown_min, input.webhook_url, secret ? seal(key, secret) : null, input.active ? 1 : 0, actorId, Date.now())!.id
    },
    /** Call inside a write transaction. */
    updateRule(id: number, input: RuleInput) {
      updateRule.run(input.sector_id, input.kind, input.threshold_min, input.cooldown_min, input.webhook_url, input.active ? 1 : 0, Date.now(), id)
    },
    /** Call inside a write transaction. null removes it. */
    setSecret: (id: number, secret: string | null) => setSecret.run(secret ? seal(key, secret) : null, Date.now(), id),
    /** Call inside a write transaction (its alerts and deliveries go with it). */
    deleteRule: (id: number) => deleteRule.run(id),

    // ---- alerts ----
    activeOfRule: (ruleId: number): Alert[] => activeOfRule.all(ruleId).map(toAlert),
    /** The newest alert of this rule and subject (its fire and clear times), or null. */
    lastOf: (ruleId: number, subject: string) => lastOf.get(ruleId, subject),
    /** Call inside a write transaction. */
    fire: (a: NewAlert): number => insertAlert.get(a.rule_id, a.sector_id, a.subject, a.ticket_id, a.user_id, JSON.stringify(a.details), a.fired_at)!.id,
    /** Call inside a write transaction. False when it was cleared already. */
    clear: (id: number, now: number): boolean => clear.run(now, id).changes === 1,
    /** Call inside a write transaction. False when it was acknowledged already. */
    ack: (id: number, userId: number, now: number): boolean => ack.run(now, userId, id).changes === 1,
    get(id: number): Alert | null {
      const r = byId.get(id)
      return r ? toAlert(r) : null
    },
    /** Alerts nobody acknowledged yet, newest first. */
    unacked: (limit = 500): Alert[] => unacked.all(limit).map(toAlert),
    /** Acknowledged alerts, newest first, before the cursor id. */
    acked: (before: number, limit: number): Alert[] => recent.all(before, limit).map(toAlert),

    // ---- webhook deliveries ----
    /** Call inside the write transaction of the alert change. */
    enqueueDelivery: (alertId: number, event: 'alert.fired' | 'alert.cleared', now: number) => enqueue.run(alertId, event, now),
    dueDeliveries: (now: number, limit = 20): Delivery[] => due.all(now, limit),
    deliveriesOf: (alertId: number): Delivery[] => deliveriesOf.all(alertId),
    /** Records an attempt: done, failed for good, or pending again at `next`. */
    finishDelivery(id: number, status: 'pending' | 'done' | 'failed', httpStatus: number | null, error: string | null, next: number) {
      finishDelivery.run(status, httpStatus, error, next, Date.now(), id)
    },
    nextDeliveryAt: (): number | null => nextDue.get()?.at ?? null,
    /**
     * Takes a due delivery for a send: moves its due time to `until` (past the send's timeout), so
     * another sender (another process on the same database) skips it. False when someone took it first.
     */
    claimDelivery: (d: Pick<Delivery, 'id' | 'next_attempt_at'>, until: number): boolean => claim.run(until, d.id, d.next_attempt_at).changes > 0,
  }
}
export type AlertsStore = ReturnType<typeof alertsStore>
