// Alert evaluation: for each active rule, the subjects its condition holds for now (conditions.ts)
// against the rule's active alerts. New subject → the alert fires (once: a unique index allows one
// active alert per rule and subject); subject gone → it clears. After a clear the same subject
// may fire again only when the rule's cool-down has passed. A negative survey answer is an event,
// not a state: it fires once and stays until acknowledged.
//
// Waiting is measured in business time: in a sector with a calendar only its open hours count
// (holidays excluded), so a ticket queued on Friday evening does not raise a "waiting more than 10
// minutes" alert all weekend — it does on Monday at 08:10. A sector set to keep working out of
// hours (and one without a calendar) counts elapsed time.
//
// Each fire and clear is its own short write transaction with its live event ('alert.fired',
// 'alert.cleared', topic 'supervisor') and, when the rule has a webhook, its delivery row.
import type { Context } from '../context'
import { write } from '../db/open'
import { businessCutoff } from '../hours/calendar'
import { sectorRules } from '../hours/hours'
import type { EventName } from '../realtime/events-store'
import { MINUTE } from '../reports/period'
import type { Alert, AlertRule } from './store'

export interface Candidate {
  subject: string
  sector_id: number | null
  ticket_id: number | null
  user_id: number | null
  details: Record<string, unknown>
}

/** Records a supervision event (alert.*, notice.*) in the caller's write transaction. */
export function recordSupervisionEvent(ctx: Context, topics: string[], name: string, data: unknown) {
  // The events table takes any name; EventName lists the desk's (see the report: widen it).
  ctx.stores.events.record(topics, name as EventName, data)
}

export function alertEventData(a: Alert) {
  return {
    id: a.id,
    rule_id: a.rule_id,
    kind: a.kind,
    sector_id: a.sector_id,
    subject: a.subject,
    ticket_id: a.ticket_id,
    user_id: a.user_id,
    details: a.details,
    fired_at: new Date(a.fired_at).toISOString(),
    cleared_at: a.cleared_at === null ? null : new Date(a.cleared_at).toISOString(),
    acked_at: a.acked_at === null ? null : new Date(a.acked_at).toISOString(),
  }
}

const inRule = (rule: AlertRule, sectorId: number | null) => rule.sector_id === null || rule.sector_id === sectorId

/**
 * Per sector, the latest moment from which `ms` of its business time have passed by `now` (elapsed
 * time for a sector without a calendar or set to keep working). Never later than now − ms.
 */
export function waitCutoffs(ctx: Context, now: number, ms: number): (sectorId: number | null) => number {
  const cache = new Map<number, number>()
  return (sectorId) => {
    if (sectorId === null) return now - ms
    let c = cache.get(sectorId)
    if (c === undefined) {
      const rules = ctx.stores.hours.sector(sectorId).keep_working ? null : sectorRules(ctx, sectorId)
      cache.set(sectorId, (c = rules ? Math.min(now - ms, businessCutoff(rules, now, ms)) : now - ms))
    }
    return c
  }
}

/** Where the rule's condition holds now. */
export function candidatesOf(ctx: Context, rule: AlertRule, now: number): Candidate[] {
  const c = ctx.stores.alertConditions
  const cutoff = now - rule.threshold_min * MINUTE
  const cutoffOf = waitCutoffs(ctx, now, rule.threshold_min * MINUTE)
  const waitedEnough = (r: { sector_id: number | null; since: number }) => r.since <= cutoffOf(r.sector_id)
  switch (rule.kind) {
    case 'queue_wait':
      return c
        .queueWait(cutoff, cutoffOf)
        .filter((r) => inRule(rule, r.sector_id))
        .map((r) => ({ subject: `sector:${r.sector_id}`, sector_id: r.sector_id, ticket_id: r.ticket_id, user_id: null, details: { waiting: r.n, oldest_queued_at: new Date(r.oldest).toISOString() } }))
    case 'no_agent':
      return c
        .noAgent()
        .filter((r) => inRule(rule, r.sector_id) && waitedEnough(r))
        .map((r) => ({ subject: `sector:${r.sector_id}`, sector_id: r.sector_id, ticket_id: r.ticket_id, user_id: null, details: { waiting: r.n, since: new Date(r.since).toISOString() } }))
    case 'first_response':
      return c
        .firstResponse(cutoff)
        .filter((r) => inRule(rule, r.sector_id) && waitedEnough(r))
        .map((r) => ({ subject: `ticket:${r.id}:user:${r.assignee_id}`, sector_id: r.sector_id, ticket_id: r.id, user_id: r.assignee_id, details: { protocol: r.protocol, assigned_at: new Date(r.since).toISOString() } }))
    case 'customer_waiting':
      return c
        .customerWaiting(cutoff)
        .filter((r) => inRule(rule, r.sector_id) && waitedEnough(r))
        .map((r) => ({ subject: `ticket:${r.id}`, sector_id: r.sector_id, ticket_id: r.id, user_id: r.assignee_id, details: { protocol: r.protocol, customer_wrote_at: new Date(r.since).toISOString() } }))
    case 'negative_survey':
      // Answers since the rule exists (a new rule does not flood with old answers), at most a day back.
      return c
        .negativeSurveys(Math.max(rule.created_at, now - 24 * 60 * MINUTE))
        .filter((r) => inRule(rule, r.sector_id))
        .map((r) => ({
          subject: `survey:${r.ticket_id}:${r.answered_at}`,
          sector_id: r.sector_id,
          ticket_id: r.ticket_id,
          user_id: r.assignee_id,
          details: { protocol: r.protocol, kind: r.kind, score: r.score },
        }))
  }
}

/** Call inside a write transaction: fires one alert (null when an active one exists already). */
function fire(ctx: Context, rule: AlertRule, c: Candidate, now: number): Alert | null {
  let id: number
  try {
    id = ctx.stores.alerts.fire({ rule_id: rule.id, sector_id: c.sector_id, subject: c.subject, ticket_id: c.ticket_id, user_id: c.user_id, details: c.details, fired_at: now })
  } catch (err) {
    if (String(err).includes('UNIQUE')) return null
    throw err
  }
  const alert = ctx.stores.alerts.get(id)!
  recordSupervisionEvent(ctx, ['supervisor'], 'alert.fired', alertEventData(alert))
  if (rule.webhook_url) ctx.stores.alerts.enqueueDelivery(id, 'alert.fired', now)
  return alert
}

/** Call inside a write transaction: clears one alert (false when it was cleared already). */
function clear(ctx: Context, rule: AlertRule | null, alert: Alert, now: number): boolean {
  if (!ctx.stores.alerts.clear(alert.id, now)) return false
  recordSupervisionEvent(ctx, ['supervisor'], 'alert.cleared', alertEventData(ctx.stores.alerts.get(alert.id)!))
  if (rule?.webhook_url && rule.active) ctx.stores.alerts.enqueueDelivery(alert.id, 'alert.cleared', now)
  return true
}

/** May this rule fire for this subject now (cool-down after a clear; event rules fire once)? */
function mayFire(ctx: Context, rule: AlertRule, subject: string, now: number): boolean {
  const last = ctx.stores.alerts.lastOf(rule.id, subject)
  if (!last) return true
  if (rule.kind === 'negative_survey') return false
  if (last.cleared_at === null) return false
  return now - last.cleared_at >= rule.cooldown_min * MINUTE
}

export interface EvaluationResult {
  fired: Alert[]
  cleared: number
}

/** One evaluation of every rule. Synchronous; one short transaction per change. */
export function evaluateAlerts(ctx: Context, now = Date.now()): EvaluationResult {
  const fired: Alert[] = []
  let cleared = 0
  for (const rule of ctx.stores.alerts.rules()) {
    const active = ctx.stores.alerts.activeOfRule(rule.id)
    if (!rule.active) {
      // A rule switched off takes its alerts with it.
      for (const a of active) if (write(ctx.db, () => clear(ctx, rule, a, now))) cleared++
      continue
    }
    const current = new Map(candidatesOf(ctx, rule, now).map((c) => [c.subject, c]))
    if (rule.kind !== 'negative_survey') {
      for (const a of active) {
        if (current.has(a.subject)) continue
        if (write(ctx.db, () => clear(ctx, rule, a, now))) cleared++
      }
    }
    const activeSubjects = new Set(active.map((a) => a.subject))
    for (const [subject, c] of current) {
      if (activeSubjects.has(subject) || !mayFire(ctx, rule, subject, now)) continue
      const alert = write(ctx.db, () => (mayFire(ctx, rule, subject, now) ? fire(ctx, rule, c, now) : null))
      if (alert) fired.push(alert)
    }
  }
  if (fired.length || cleared) ctx.hub.wake()
  return { fired, cleared }
}

/** Acknowledges an alert (it leaves the live lists; an active one still clears by itself). */
export function acknowledgeAlert(ctx: Context, alertId: number, userId: number, now = Date.now()): boolean {
  const done = write(ctx.db, () => {
    if (!ctx.stores.alerts.ack(alertId, userId, now)) return false
    recordSupervisionEvent(ctx, ['supervisor'], 'alert.acked', alertEventData(ctx.stores.alerts.get(alertId)!))
    return true
  })
  if (done) ctx.hub.wake()
  return done
}
