// GET /api/v1/reports/summary (api.md "Reports"): the numbers of a period, the same computation
// as the dashboard page. `reports.view` is checked before the query is validated. Callers whose
// profile is not admin see the sectors in their scope only (src/monitoring/scope.ts): no filter
// means "all my sectors"; a sector outside the scope answers 403.
import { Elysia, t } from 'elysia'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import type { Context } from '../context'
import { forbidden } from '../http/errors'
import { inScope, scopeOf } from '../monitoring/scope'
import { parsePeriod } from './period'
import { computeDashboard, summaryJson } from './summary'

const Id = t.Integer({ minimum: 1 })
const Seconds = t.Nullable(t.Number({ description: 'seconds, one decimal; null when no ticket qualifies' }))
const Stat = (what: string) => t.Object({ avg: Seconds, p90: Seconds }, { description: what })

export const SummarySchema = t.Object({
  tickets: t.Object({
    created: t.Integer({ description: 'tickets created in the period' }),
    closed: t.Integer({ description: 'tickets closed in the period' }),
    abandoned: t.Integer({ description: 'closed in the period without an agent reply after entering a queue (or closed by the bot as abandoned)' }),
  }),
  wait_s: Stat('TME: assigned_at − queued_at, over tickets with both times in the period'),
  handle_s: Stat('TMA: closed_at − assigned_at, over tickets with both times in the period'),
  first_response_s: Stat('first_response_at − assigned_at, over tickets with both times in the period'),
  wait_business_s: t.Optional(Stat('extension: wait_s in business time — only the part inside the business hours of the ticket’s sector counts (holidays excluded); elapsed time for a sector without a calendar. Only with ?time=business')),
  handle_business_s: t.Optional(Stat('extension: handle_s in business time (as wait_business_s)')),
  first_response_business_s: t.Optional(Stat('extension: first_response_s in business time (as wait_business_s)')),
  csat: t.Object({ responses: t.Integer(), avg: t.Nullable(t.Number({ description: '1–5' })) }),
  nps: t.Object({ responses: t.Integer(), score: t.Nullable(t.Number({ description: '% promoters (9–10) − % detractors (0–6)' })) }),
  ces: t.Object({ responses: t.Integer(), avg: t.Nullable(t.Number({ description: '1–7' })) }),
})

const SummaryQuery = t.Object({
  from: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 instant (2026-11-01T03:00:00Z), or a date (2026-11-01) = the start of that day in the installation’s time zone. Default: 30 days before `to`.' })),
  to: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 instant (exclusive), or a date = the end of that day (inclusive day). Default: now.' })),
  sector_id: t.Optional(Id),
  channel_id: t.Optional(Id),
  agent_id: t.Optional(t.Integer({ minimum: 1, description: 'extension: the tickets’ assignee' })),
  time: t.Optional(t.Union([t.Literal('business'), t.Literal('elapsed')], { description: 'extension: `business` adds wait_business_s, handle_business_s and first_response_business_s (the other fields stay elapsed time)' })),
})

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody }

export function reportsApi(ctx: Context) {
  return new Elysia({ prefix: '/api/v1' }).use(apiGuard(ctx)).get(
    '/reports/summary',
    ({ request, query }) => {
      const user = apiViewer(ctx, request).user
      const scope = scopeOf(ctx.db, user)
      const sectorId = query.sector_id ?? null
      if (sectorId !== null && !inScope(scope, sectorId)) throw forbidden()
      const period = parsePeriod(query.from, query.to, ctx.config.timeZone)
      const business = query.time === 'business'
      const d = computeDashboard(ctx, { period, sectorId, channelId: query.channel_id ?? null, agentId: query.agent_id ?? null, scope }, 'elapsed', business)
      return summaryJson(d, business)
    },
    {
      permission: 'reports.view',
      query: SummaryQuery,
      response: { 200: SummarySchema, ...errors },
      detail: {
        tags: ['reports'],
        summary: 'Numbers of a period: tickets created/closed/abandoned, TME, TMA, first response (avg, p90), CSAT, NPS, CES',
        description:
          'The period is [from, to). A ticket without a sector yet (in the bot) counts in its channel’s sector. p90 is the nearest-rank 90th percentile. ' +
          'Survey blocks answer `responses: 0` and null values while there are no survey answers. ' +
          'With `time=business` the `*_business_s` blocks measure the same durations in business time (SLAs): a ticket queued on Friday evening and taken on Monday at 08:10 waited 10 minutes of business time.',
      },
    },
  )
}
