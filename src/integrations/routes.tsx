// Integrations (issue 8): the admin page (outgoing webhooks and their delivery log, the API rate
// limit and webhook settings, the data-retention job) and the webhooks API (an extension of
// api.md: GET|POST /api/v1/webhooks, GET|PATCH|DELETE /api/v1/webhooks/:id,
// GET /api/v1/webhooks/:id/deliveries, POST …/deliveries/:delivery/redeliver).
import { Elysia, t } from 'elysia'
import { apiGuard, apiViewer } from '../api/guard'
import { decodeCursor, ErrorBody, ListQuery, page } from '../api/pagination'
import type { Context } from '../context'
import { write } from '../db/open'
import { clientIp } from '../http/client-ip'
import { can } from '../admin/permissions'
import { forbidden, HttpError, notFound, type FieldProblem } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { recentRetentionRuns, retentionPreview, retentionRunning, runRetention } from '../lgpd/retention'
import { IntegrationsPage, WebhookPage, type WebhookFormValues } from '../../views/integrations/integrations'
import type { Problems } from '../../views/view'
import { RATE_LIMIT_BOUNDS, readRateLimit, saveRateLimit } from './rate-limit'
import { webhookTiming } from './webhook-delivery'
import { createWebhook, deleteWebhook, rotateWebhookSecret, updateWebhook, webhookSettings, saveWebhookSettings, WEBHOOK_PATTERNS, type WebhookInput } from './webhooks'
import type { Delivery, Webhook } from './webhooks-store'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const webhookJson = (ctx: Context, w: Webhook) => ({
  id: w.id,
  url: w.url,
  description: w.description,
  events: w.events,
  active: w.active,
  disabled_reason: w.disabled_reason,
  consecutive_failures: w.consecutive_failures,
  pending: ctx.stores.webhooks.pendingCount(w.id),
  created_by: w.created_by,
  created_at: iso(w.created_at)!,
  updated_at: iso(w.updated_at)!,
})

export const deliveryJson = (d: Delivery) => ({
  id: d.id,
  event_id: d.event_id,
  event: d.event,
  status: d.status,
  attempts: d.attempts,
  response_status: d.response_status,
  error: d.error,
  duration_ms: d.duration_ms,
  next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null,
  created_at: iso(d.created_at)!,
  updated_at: iso(d.updated_at)!,
})

const SIGNING = `Each delivery is a POST of the event's resource (the same JSON as the \`data\` of GET /api/v1/events) with headers X-Kumquat-Event, X-Kumquat-Event-Id, X-Kumquat-Delivery (the same on every retry), X-Kumquat-Timestamp (unix seconds) and X-Kumquat-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the subscription's secret>. Verify over the raw body in constant time and refuse old timestamps (replays). Answer 2xx; network errors, 408, 429 (Retry-After honoured) and 5xx are retried with exponential backoff for up to 24 h; other answers fail the delivery. One delivery at a time per subscription, in event order. The subscription sees what its creator may see.`

const Pattern = t.Union(WEBHOOK_PATTERNS.map((p) => t.Literal(p)))
const WebhookSchema = t.Object({
  id: t.Integer(),
  url: t.String(),
  description: t.String(),
  events: t.Array(t.String()),
  active: t.Boolean(),
  disabled_reason: t.Union([t.String(), t.Null()]),
  consecutive_failures: t.Integer(),
  pending: t.Integer({ description: 'deliveries waiting' }),
  created_by: t.Integer({ description: 'the user whose permissions the subscription acts with' }),
  created_at: t.String(),
  updated_at: t.String(),
})
const DeliverySchema = t.Object({
  id: t.Integer(),
  event_id: t.Integer(),
  event: t.String(),
  status: t.Union([t.Literal('pending'), t.Literal('delivered'), t.Literal('failed')]),
  attempts: t.Integer(),
  response_status: t.Union([t.Integer(), t.Null()]),
  error: t.Union([t.String(), t.Null()]),
  duration_ms: t.Union([t.Integer(), t.Null()]),
  next_attempt_at: t.Union([t.String(), t.Null()]),
  created_at: t.String(),
  updated_at: t.String(),
})
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody }
const IdParams = t.Object({ id: t.String({ pattern: '^\\d{1,9}$' }) })

const FLASHES = ['integrations.created', 'integrations.saved', 'integrations.deleted', 'integrations.redelivered', 'integrations.retention_started', 'integrations.retention_busy', 'integrations.retention_off'] as const

function problemsOf(e: unknown): Problems | null {
  return e instanceof HttpError && e.status === 400 && e.details ? Object.fromEntries(e.details.map((p: FieldProblem) => [p.field, p.key as MessageKey])) : null
}

function formWebhook(form: Form): { values: WebhookFormValues; input: WebhookInput } {
  const values: WebhookFormValues = { url: form.get('url').trim(), description: form.get('description'), events: form.all('events'), active: form.get('active') === '1' }
  return { values, input: { url: values.url, description: values.description, events: values.events, active: values.active } }
}

export function integrationsRoutes(ctx: Context) {
  const hook = (raw: string) => {
    const w = /^\d{1,9}$/.test(raw) ? ctx.stores.webhooks.get(Number(raw)) : null
    if (!w) throw notFound()
    return w
  }

  const mainPage = (request: Request, viewer: ReturnType<typeof pageViewer>, o: { values?: WebhookFormValues; problems?: Problems; secret?: { id: number; secret: string } | null; flash?: MessageKey | null } = {}, status = 200) => {
    const v = buildView(ctx, request, viewer)
    const owner = (id: number) => ctx.stores.users.get(id)?.name ?? `#${id}`
    return html(
      <IntegrationsPage
        v={v}
        webhooks={v.can('webhooks.view') ? ctx.stores.webhooks.list().map((w) => ({ ...w, pending: ctx.stores.webhooks.pendingCount(w.id), owner: owner(w.created_by) })) : null}
        values={o.values ?? { url: '', description: '', events: ['ticket.*', 'message.*'], active: true }}
        problems={o.problems ?? {}}
        secret={o.secret ?? null}
        flash={o.flash ?? flashKey(request, FLASHES)}
        settings={v.can('settings.view') ? { rate: readRateLimit(ctx), webhooks: webhookSettings(ctx) } : null}
        retention={v.can('settings.view') ? { preview: retentionPreview(ctx), runs: recentRetentionRuns(ctx), running: retentionRunning(ctx) } : null}
      />,
      status,
    )
  }

  const detailPage = (request: Request, viewer: ReturnType<typeof pageViewer>, w: Webhook, o: { values?: WebhookFormValues; problems?: Problems; secret?: string | null; flash?: MessageKey | null } = {}, status = 200) => {
    const raw = new URL(request.url).searchParams.get('before') ?? ''
    const before = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.MAX_SAFE_INTEGER
    const rows = ctx.stores.webhooks.log(w.id, before, 51)
    return html(
      <WebhookPage
        v={buildView(ctx, request, viewer)}
        webhook={{ ...w, pending: ctx.stores.webhooks.pendingCount(w.id), owner: ctx.stores.users.get(w.created_by)?.name ?? `#${w.created_by}` }}
        deliveries={rows.slice(0, 50)}
        next={rows.length > 50 ? rows[49].id : null}
        values={o.values ?? { url: w.url, description: w.description, events: w.events, active: w.active }}
        problems={o.problems ?? {}}
        secret={o.secret ?? null}
        flash={o.flash ?? flashKey(request, FLASHES)}
      />,
      status,
    )
  }

  const pages = new Elysia()
    .get('/admin/integrations', ({ request }) => {
      const viewer = pageViewer(ctx, request)
      if (!can(viewer.user, 'webhooks.view') && !can(viewer.user, 'settings.view')) throw forbidden()
      return mainPage(request, viewer)
    })
    .post('/admin/integrations/webhooks', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'webhooks.create')
      const form = await readCheckedForm(request, viewer)
      const { values, input } = formWebhook(form)
      try {
        const { webhook, secret } = createWebhook(ctx, viewer.user, input, clientIp(request))
        return mainPage(request, viewer, { secret: { id: webhook.id, secret }, flash: 'integrations.created' })
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return mainPage(request, viewer, { values, problems }, 422)
      }
    })
    .get('/admin/integrations/webhooks/:id', ({ request, params }) => detailPage(request, pageViewer(ctx, request, 'webhooks.view'), hook(params.id)))
    .post('/admin/integrations/webhooks/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'webhooks.edit')
      const form = await readCheckedForm(request, viewer)
      const w = hook(params.id)
      const { values, input } = formWebhook(form)
      try {
        updateWebhook(ctx, viewer.user, w.id, input, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return detailPage(request, viewer, w, { values, problems }, 422)
      }
      return redirect(`/admin/integrations/webhooks/${w.id}?ok=integrations.saved`)
    })
    .post('/admin/integrations/webhooks/:id/secret', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'webhooks.edit')
      await readCheckedForm(request, viewer)
      const w = hook(params.id)
      const secret = rotateWebhookSecret(ctx, viewer.user, w.id, clientIp(request))
      return detailPage(request, viewer, ctx.stores.webhooks.get(w.id)!, { secret, flash: 'integrations.saved' })
    })
    .post('/admin/integrations/webhooks/:id/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'webhooks.delete')
      await readCheckedForm(request, viewer)
      deleteWebhook(ctx, viewer.user, hook(params.id).id, clientIp(request))
      return redirect('/admin/integrations?ok=integrations.deleted')
    })
    .post('/admin/integrations/webhooks/:id/deliveries/:delivery/redeliver', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'webhooks.edit')
      await readCheckedForm(request, viewer)
      const w = hook(params.id)
      redeliver(w, params.delivery, viewer.user.id, clientIp(request))
      return redirect(`/admin/integrations/webhooks/${w.id}?ok=integrations.redelivered`)
    })
    .post('/admin/integrations/settings', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.edit')
      const form = await readCheckedForm(request, viewer)
      const int = (name: string, [min, max]: readonly [number, number]) => {
        const raw = form.get(name).trim()
        return /^\d{1,9}$/.test(raw) && Number(raw) >= min && Number(raw) <= max ? Number(raw) : null
      }
      const perMinute = int('per_minute', RATE_LIMIT_BOUNDS.per_minute)
      const burst = int('burst', RATE_LIMIT_BOUNDS.burst)
      const disableAfter = int('disable_after', [1, 1000])
      const problems: Problems = {}
      if (perMinute === null) problems.per_minute = 'integrations.per_minute_invalid'
      if (burst === null) problems.burst = 'integrations.burst_invalid'
      if (disableAfter === null) problems.disable_after = 'integrations.disable_after_invalid'
      if (Object.keys(problems).length) return mainPage(request, viewer, { problems }, 422)
      const ip = clientIp(request)
      saveRateLimit(ctx, viewer.user.id, { per_minute: perMinute!, burst: burst! }, ip)
      saveWebhookSettings(ctx, viewer.user.id, { allow_private: form.get('allow_private') === '1', disable_after: disableAfter! }, ip)
      return redirect('/admin/integrations?ok=integrations.saved#settings')
    })
    .post('/admin/integrations/retention/run', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.edit')
      await readCheckedForm(request, viewer)
      if (!retentionPreview(ctx).enabled) return redirect('/admin/integrations?ok=integrations.retention_off#retention')
      if (retentionRunning(ctx)) return redirect('/admin/integrations?ok=integrations.retention_busy#retention')
      // In the background: a large first run takes a while; the page shows its progress.
      void runRetention(ctx, 'manual', viewer.user.id).catch(() => {})
      return redirect('/admin/integrations?ok=integrations.retention_started#retention')
    })

  function redeliver(w: Webhook, raw: string, actorId: number, ip: string | null) {
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : 0
    const d = id ? ctx.stores.webhooks.delivery(id) : null
    if (!d || d.webhook_id !== w.id) throw notFound()
    const now = Date.now()
    write(ctx.db, () => {
      ctx.stores.webhooks.redeliver(w.id, d.id, now, now + webhookTiming(ctx).maxAgeMs)
      ctx.stores.audit.record({ actor_id: actorId, action: 'webhook.redeliver', object_type: 'webhook', object_id: w.id, ip, details: { delivery_id: d.id } })
    })
  }

  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get(
      '/webhooks',
      ({ query }) => {
        const limit = query.limit ?? 50
        const before = decodeCursor(query.cursor)
        const rows = ctx.stores.webhooks.list().filter((w) => w.id < before).reverse().slice(0, limit + 1)
        return page(rows, limit, (w) => webhookJson(ctx, w))
      },
      { permission: 'webhooks.view', query: ListQuery, response: { 200: t.Object({ data: t.Array(WebhookSchema), next_cursor: t.Union([t.String(), t.Null()]) }), ...errors }, detail: { tags: ['webhooks'], summary: 'Outgoing webhook subscriptions, newest first', description: SIGNING } },
    )
    .post(
      '/webhooks',
      ({ request, body, set }) => {
        const viewer = apiViewer(ctx, request)
        const { webhook, secret } = createWebhook(ctx, viewer.user, body, clientIp(request))
        set.status = 201
        return { ...webhookJson(ctx, webhook), secret }
      },
      {
        permission: 'webhooks.create',
        body: t.Object(
          { url: t.String({ maxLength: 500, description: 'https; http and private addresses only when the integrations setting allows them' }), events: t.Array(Pattern, { minItems: 1, maxItems: 20 }), description: t.Optional(t.String({ maxLength: 200 })), active: t.Optional(t.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 201: t.Composite([WebhookSchema, t.Object({ secret: t.String({ description: 'the signing secret, shown only in this answer' }) })]), ...errors },
        detail: { tags: ['webhooks'], summary: 'Subscribe a URL to events (ticket.*, message.*, presence.*, an event name, or *); audited', description: SIGNING },
      },
    )
    .get('/webhooks/:id', ({ params }) => webhookJson(ctx, hook(params.id)), {
      permission: 'webhooks.view',
      params: IdParams,
      response: { 200: WebhookSchema, ...errors },
      detail: { tags: ['webhooks'], summary: 'One subscription' },
    })
    .patch(
      '/webhooks/:id',
      ({ request, params, body }) => webhookJson(ctx, updateWebhook(ctx, apiViewer(ctx, request).user, hook(params.id).id, body, clientIp(request))),
      {
        permission: 'webhooks.edit',
        params: IdParams,
        body: t.Object(
          { url: t.Optional(t.String({ maxLength: 500 })), events: t.Optional(t.Array(Pattern, { minItems: 1, maxItems: 20 })), description: t.Optional(t.String({ maxLength: 200 })), active: t.Optional(t.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: WebhookSchema, ...errors },
        detail: { tags: ['webhooks'], summary: 'Change a subscription; a new url or events make the caller its owner; switching it back on resumes from the newest event' },
      },
    )
    .delete(
      '/webhooks/:id',
      ({ request, params, set }) => {
        deleteWebhook(ctx, apiViewer(ctx, request).user, hook(params.id).id, clientIp(request))
        set.status = 204
        return null
      },
      { permission: 'webhooks.delete', params: IdParams, detail: { tags: ['webhooks'], summary: 'Delete a subscription and its delivery log; audited' } },
    )
    .get(
      '/webhooks/:id/deliveries',
      ({ params, query }) => {
        const w = hook(params.id)
        const limit = query.limit ?? 50
        return page(ctx.stores.webhooks.log(w.id, decodeCursor(query.cursor), limit + 1), limit, deliveryJson)
      },
      {
        permission: 'webhooks.view',
        params: IdParams,
        query: ListQuery,
        response: { 200: t.Object({ data: t.Array(DeliverySchema), next_cursor: t.Union([t.String(), t.Null()]) }), ...errors },
        detail: { tags: ['webhooks'], summary: 'The delivery log of a subscription, newest first (kept 30 days)' },
      },
    )
    .post(
      '/webhooks/:id/deliveries/:delivery/redeliver',
      ({ request, params }) => {
        const w = hook(params.id)
        redeliver(w, params.delivery, apiViewer(ctx, request).user.id, clientIp(request))
        return deliveryJson(ctx.stores.webhooks.delivery(Number(params.delivery))!)
      },
      {
        permission: 'webhooks.edit',
        params: t.Object({ id: t.String({ pattern: '^\\d{1,9}$' }), delivery: t.String({ pattern: '^\\d{1,15}$' }) }),
        response: { 200: DeliverySchema, ...errors },
        detail: { tags: ['webhooks'], summary: 'Send a delivery again (queued at the head of the subscription; audited)' },
      },
    )

  return new Elysia({ name: 'integrationsRoutes' }).use(pages).use(api)
}
