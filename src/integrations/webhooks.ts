// Outgoing webhook subscriptions: which events, where to, and the rules a change follows.
//
// A subscription acts with the permissions of the user who created (or last re-pointed) it: it
// receives exactly the events that user's API event stream would carry (topics and confidential
// tickets, src/realtime/routes.tsx) — never more because someone else edits it. Changing its URL
// or events makes the editor its owner, so nobody can redirect another user's wider view to
// themselves.
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, notFound, type FieldProblem } from '../http/errors'
import { randomToken } from '../http/tokens'
import type { MessageKey } from '../i18n'
import { webhookTiming } from './webhook-delivery'
import { checkWebhookUrl } from './webhook-url'
import type { Webhook } from './webhooks-store'

/** The events a subscription can receive: the API stream's (api.md "Live events"). */
export const WEBHOOK_EVENTS = ['ticket.created', 'ticket.updated', 'message.created', 'message.updated', 'presence.updated'] as const
/** What a subscription may list: an event name, a family (`ticket.*`), or `*` for all of them. */
export const WEBHOOK_PATTERNS = ['*', 'ticket.*', 'message.*', 'presence.*', ...WEBHOOK_EVENTS] as const

export function matchesPatterns(event: string, patterns: readonly string[]): boolean {
  if (!(WEBHOOK_EVENTS as readonly string[]).includes(event)) return false
  return patterns.some((p) => p === '*' || p === event || (p.endsWith('.*') && event.startsWith(p.slice(0, -1))))
}

// ---- integration settings ---------------------------------------------------------------------

export interface WebhookSettings {
  /** http and private-network addresses (an ERP on the LAN) */
  allow_private: boolean
  /** a subscription is switched off after this many deliveries in a row have failed */
  disable_after: number
}
export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = { allow_private: false, disable_after: 10 }
const SETTINGS_KEY = 'integrations.webhooks'

export const webhookSettings = (ctx: Context): WebhookSettings => ({ ...DEFAULT_WEBHOOK_SETTINGS, ...(ctx.stores.settings.get<Partial<WebhookSettings>>(SETTINGS_KEY) ?? {}) })

export function saveWebhookSettings(ctx: Context, actorId: number, s: WebhookSettings, ip: string | null) {
  write(ctx.db, () => {
    ctx.stores.settings.set(SETTINGS_KEY, s)
    ctx.stores.audit.record({ actor_id: actorId, action: 'settings.update', object_type: 'settings', object_id: 'webhooks', ip, details: { ...s } })
  })
}

// ---- validation ---------------------------------------------------------------------------------

export interface WebhookInput {
  url?: unknown
  description?: unknown
  events?: unknown
  active?: unknown
}

export interface ValidWebhook {
  url: string
  description: string
  events: string[]
  active: boolean
}

/** Checks the fields given over `base` (the current subscription on PATCH); lists every problem. */
export function validateWebhook(ctx: Context, input: WebhookInput, base: ValidWebhook | null): { values: ValidWebhook; problems: FieldProblem[] } {
  const problems: FieldProblem[] = []
  const bad = (field: string, key: MessageKey) => problems.push({ field, key })
  const values: ValidWebhook = base ? { ...base, events: [...base.events] } : { url: '', description: '', events: [], active: true }
  if (input.url !== undefined || !base) {
    const check = typeof input.url === 'string' ? checkWebhookUrl(input.url, webhookSettings(ctx).allow_private) : { url: null, problem: 'integrations.url_invalid' as const }
    if (check.problem) bad('url', check.problem)
    else values.url = check.url!
  }
  if (input.description !== undefined) {
    if (typeof input.description !== 'string' || input.description.trim().length > 200) bad('description', 'integrations.description_invalid')
    else values.description = input.description.trim()
  }
  if (input.events !== undefined || !base) {
    const list = Array.isArray(input.events) ? input.events : null
    const known = WEBHOOK_PATTERNS as readonly unknown[]
    if (!list || list.length === 0 || list.length > 20 || !list.every((e) => known.includes(e))) bad('events', 'integrations.events_invalid')
    else values.events = [...new Set(list as string[])]
  }
  if (input.active !== undefined) {
    if (typeof input.active !== 'boolean') bad('active', 'error.validation')
    else values.active = input.active
  }
  return { values, problems }
}

const fail = (problems: FieldProblem[]) => {
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
}

// ---- changes (each one transaction with its audit entry) ------------------------------------------

/** Creates a subscription that starts with the next event; returns it and its secret (shown once). */
export function createWebhook(ctx: Context, actor: User, input: WebhookInput, ip: string | null): { webhook: Webhook; secret: string } {
  const { values, problems } = validateWebhook(ctx, input, null)
  fail(problems)
  const secret = `whsec_${randomToken(24)}`
  const id = write(ctx.db, () => {
    const id = ctx.stores.webhooks.create({ ...values, secret, created_by: actor.id, cursor: ctx.stores.events.newestId(), now: Date.now() })
    if (!values.active) ctx.stores.webhooks.update(id, { ...values, cursor: null, owner: actor.id, now: Date.now() })
    ctx.stores.audit.record({ actor_id: actor.id, action: 'webhook.create', object_type: 'webhook', object_id: id, ip, details: { url: values.url, events: values.events } })
    return id
  })
  return { webhook: ctx.stores.webhooks.get(id)!, secret }
}

export function updateWebhook(ctx: Context, actor: User, id: number, input: WebhookInput, ip: string | null): Webhook {
  const current = ctx.stores.webhooks.get(id)
  if (!current) throw notFound()
  const { values, problems } = validateWebhook(ctx, input, current)
  fail(problems)
  const repointed = values.url !== current.url || JSON.stringify(values.events) !== JSON.stringify(current.events)
  write(ctx.db, () => {
    // Switched back on after a while: resume from the newest event, not from where it stopped
    // (events meanwhile may have left the buffer, and a flood of stale updates helps no one).
    const now = Date.now()
    const cursor = values.active && !current.active ? ctx.stores.events.newestId() : null
    ctx.stores.webhooks.update(id, { ...values, cursor, owner: repointed ? actor.id : current.created_by, now })
    if (cursor !== null) ctx.stores.webhooks.revive(id, now, now + webhookTiming(ctx).maxAgeMs)
    const changed = (['url', 'description', 'events', 'active'] as const).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(current[k]))
    ctx.stores.audit.record({ actor_id: actor.id, action: 'webhook.update', object_type: 'webhook', object_id: id, ip, details: { changed, ...(repointed ? { url: values.url, events: values.events } : {}) } })
  })
  return ctx.stores.webhooks.get(id)!
}

export function deleteWebhook(ctx: Context, actor: User, id: number, ip: string | null) {
  const current = ctx.stores.webhooks.get(id)
  if (!current) throw notFound()
  write(ctx.db, () => {
    ctx.stores.webhooks.remove(id)
    ctx.stores.audit.record({ actor_id: actor.id, action: 'webhook.delete', object_type: 'webhook', object_id: id, ip, details: { url: current.url } })
  })
}

export function rotateWebhookSecret(ctx: Context, actor: User, id: number, ip: string | null): string {
  if (!ctx.stores.webhooks.get(id)) throw notFound()
  const secret = `whsec_${randomToken(24)}`
  write(ctx.db, () => {
    ctx.stores.webhooks.setSecret(id, secret, Date.now())
    ctx.stores.audit.record({ actor_id: actor.id, action: 'webhook.secret', object_type: 'webhook', object_id: id, ip })
  })
  return secret
}
