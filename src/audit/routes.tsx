// The audit log: a search page (/admin/audit, rows swapped by htmx as filters change) and the API
// (GET /api/v1/audit, api.md). Read-only: nothing in the app updates or deletes an entry (the
// schema's triggers refuse it too).
import { Elysia, t } from 'elysia'
import { apiGuard } from '../api/guard'
import { decodeCursor, encodeCursor, ErrorBody } from '../api/pagination'
import type { Context } from '../context'
import { badRequest } from '../http/errors'
import { buildView, html, pageViewer } from '../http/pages'
import { AuditPage, AuditRows, type AuditFilters } from '../../views/audit/audit'
import type { AuditRow } from './store'

const PAGE_SIZE = 50

export const AuditEntrySchema = t.Object({
  id: t.Integer(),
  at: t.String({ format: 'date-time' }),
  actor_id: t.Nullable(t.Integer({ description: 'the user who acted; null for the system or an unknown e-mail' })),
  action: t.String({ description: 'e.g. login, login.failed, profile.update, settings.update, customer.export, customer.anonymize, ticket.viewed, token.create, user.update' }),
  object_type: t.Nullable(t.String()),
  object_id: t.Nullable(t.String()),
  ip: t.Nullable(t.String({ description: 'where the request came from' })),
  details: t.Record(t.String(), t.Unknown()),
})

const AuditQuery = t.Object(
  {
    actor_id: t.Optional(t.Integer({ minimum: 1 })),
    action: t.Optional(t.String({ maxLength: 80, description: 'exact action, or a prefix ending in "." (e.g. "login.")' })),
    object_type: t.Optional(t.String({ maxLength: 40 })),
    object_id: t.Optional(t.String({ maxLength: 80 })),
    from: t.Optional(t.String({ description: 'ISO 8601; entries at or after' })),
    to: t.Optional(t.String({ description: 'ISO 8601; entries before' })),
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: t.Optional(t.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
)

export const auditJson = (r: AuditRow) => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  actor_id: r.actor_id,
  action: r.action,
  object_type: r.object_type,
  object_id: r.object_id,
  ip: r.ip,
  details: safeDetails(r.details),
})

function safeDetails(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v }
  } catch {
    return {}
  }
}

/** Midnight of a calendar day (YYYY-MM-DD) in a time zone, as epoch ms. */
export function zonedDayStart(day: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return null
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (Number.isNaN(utc)) return null
  // The zone's offset at that moment (twice: the offset may differ at the shifted instant).
  let at = utc
  for (let i = 0; i < 2; i++) at = utc - offsetAt(at, timeZone)
  return at
}

function offsetAt(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  )
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
  return asUtc - Math.floor(ms / 1000) * 1000
}

const isoMs = (field: string, raw: string | undefined): number | null => {
  if (raw === undefined || raw === '') return null
  const ms = Date.parse(raw)
  if (Number.isNaN(ms)) throw badRequest('validation_failed', 'error.validation', [{ field, key: 'error.validation' }])
  return ms
}

export function auditRoutes(ctx: Context) {
  function filtersOf(request: Request): AuditFilters {
    const q = new URL(request.url).searchParams
    const get = (k: string, max: number) => (q.get(k) ?? '').trim().slice(0, max)
    return { actor: get('actor', 254), action: get('action', 80), object_type: get('object_type', 40), object_id: get('object_id', 80), from: get('from', 10), to: get('to', 10), before: Number(q.get('before')) || null }
  }

  function search(f: AuditFilters) {
    let actorId: number | null = null
    let unknownActor = false
    if (f.actor) {
      const u = /^\d{1,15}$/.test(f.actor) ? ctx.stores.users.get(Number(f.actor)) : ctx.stores.users.byEmail(f.actor)
      if (u) actorId = u.id
      else unknownActor = true
    }
    const tz = ctx.config.timeZone
    const from = f.from ? zonedDayStart(f.from, tz) : null
    const toDay = f.to ? zonedDayStart(f.to, tz) : null
    const to = toDay === null ? null : toDay + 86_400_000 // the whole "to" day
    const rows = unknownActor
      ? []
      : ctx.stores.auditLog.search({ actor_id: actorId, action: f.action || null, object_type: f.object_type || null, object_id: f.object_id || null, from, to, before: f.before ?? undefined, limit: PAGE_SIZE + 1 })
    return { rows: rows.slice(0, PAGE_SIZE), next: rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1].id : null }
  }

  const pages = new Elysia()
    .get('/admin/audit', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'audit.view')
      const f = filtersOf(request)
      return html(<AuditPage v={buildView(ctx, request, viewer)} filters={f} actions={ctx.stores.auditLog.actions()} {...search(f)} />)
    })
    .get('/admin/audit/rows', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'audit.view')
      const f = filtersOf(request)
      return html(<AuditRows v={buildView(ctx, request, viewer)} filters={f} {...search(f)} />)
    })

  const api = new Elysia({ prefix: '/api/v1' }).use(apiGuard(ctx)).get(
    '/audit',
    ({ query }) => {
      const limit = query.limit ?? 50
      const rows = ctx.stores.auditLog.search({
        actor_id: query.actor_id ?? null,
        action: query.action ?? null,
        object_type: query.object_type ?? null,
        object_id: query.object_id ?? null,
        from: isoMs('from', query.from),
        to: isoMs('to', query.to),
        before: decodeCursor(query.cursor),
        limit: limit + 1,
      })
      const data = rows.slice(0, limit)
      return { data: data.map(auditJson), next_cursor: rows.length > limit ? encodeCursor(data[data.length - 1].id) : null }
    },
    {
      permission: 'audit.view',
      query: AuditQuery,
      response: { 200: t.Object({ data: t.Array(AuditEntrySchema), next_cursor: t.Nullable(t.String()) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      detail: { tags: ['audit'], summary: 'Search the append-only audit log, newest first (who, when, from where, what)' },
    },
  )

  return new Elysia().use(pages).use(api)
}
