// Satisfaction surveys (issue 6): the settings page (/admin/surveys: `surveys.view` to see,
// `surveys.edit` to change), the results page (/surveys, `surveys.view`) and its CSV, and the API
// (/api/v1/surveys...). Results cover the viewer's scope (src/monitoring/scope.ts), like the
// reports: a sector outside it answers 403.
import { Elysia, t } from 'elysia'
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import { apiGuard, apiViewer } from '../api/guard'
import { decodeCursor, ErrorBody, page } from '../api/pagination'
import { IdParams } from '../api/schemas'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { forbidden, HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect } from '../http/pages'
import { t as translate, type Lang, type MessageKey } from '../i18n'
import { inScope, scopeOf } from '../monitoring/scope'
import { csvResponse, toCsv } from '../reports/csv'
import { parseFilters } from '../reports/filters'
import { parsePeriod } from '../reports/period'
import type { ReportFilter } from '../reports/store'
import { filterOptions, namesFor } from '../reports/routes'
import { SurveySettingsPage } from '../../views/surveys/settings'
import { ResultsPage, type ResultsValues } from '../../views/surveys/results'
import type { Problems } from '../../views/view'
import { computeResults, resultsFilter } from './results'
import { channelSettings, defaultQuestion, saveChannelSettings, saveSectorSettings, sectorSettings, SURVEY_KINDS, type SettingsInput } from './settings'
import type { AnswerRow, SurveyKind } from './store'

const COMMENTS_PAGE = 20
/** The CSV stops here (a year of a busy installation fits). */
const CSV_MAX_ROWS = 200_000

// ---- API schemas ------------------------------------------------------------------------------------

const Kind = t.Union([t.Literal('csat'), t.Literal('nps'), t.Literal('ces')])
const Texts = {
  question: t.Nullable(t.String({ description: 'null: the built-in question of the kind' })),
  comment_question: t.Nullable(t.String({ description: 'asked after the score; null: no comment asked' })),
  window_hours: t.Integer({ minimum: 1, maximum: 168, description: 'answers are accepted this long after the close' }),
  thanks: t.Nullable(t.String({ description: 'null: the communication settings’ survey_thanks message' })),
}
const SectorSettingsSchema = t.Object({ sector_id: t.Integer(), name: t.String(), kind: t.Union([t.Literal('none'), Kind], { description: 'the sector’s survey (same as sectors.survey)' }), ...Texts })
const ChannelSettingsSchema = t.Object({
  channel_id: t.Integer(),
  name: t.String(),
  type: t.String(),
  kind: t.Union([t.Literal('inherit'), t.Literal('none'), Kind], { description: '`inherit`: the survey of the sector where the ticket is closed; anything else wins over the sector’s' }),
  effective_kind: t.Union([t.Literal('none'), Kind], { description: 'what a ticket closed in the channel’s default sector gets' }),
  ...Texts,
})
const SettingsSchema = t.Object({ sectors: t.Array(SectorSettingsSchema), channels: t.Array(ChannelSettingsSchema) })
const patchOf = (kinds: ReturnType<typeof t.Union>) =>
  t.Object(
    {
      kind: t.Optional(kinds),
      question: t.Optional(t.Nullable(t.String({ maxLength: 1000 }))),
      comment_question: t.Optional(t.Nullable(t.String({ maxLength: 1000 }))),
      window_hours: t.Optional(t.Integer({ minimum: 1, maximum: 168 })),
      thanks: t.Optional(t.Nullable(t.String({ maxLength: 1000 }))),
    },
    { additionalProperties: false },
  )
const SectorPatch = patchOf(t.Union([t.Literal('none'), Kind]))
const ChannelPatch = patchOf(t.Union([t.Literal('inherit'), t.Literal('none'), Kind]))

const FilterQuery = {
  from: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 instant, or a date = the start of that day in the installation’s time zone. Default: 30 days before `to`.' })),
  to: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 instant (exclusive), or a date = the end of that day. Default: now.' })),
  sector_id: t.Optional(t.Integer({ minimum: 1, description: 'the ticket’s sector when it was closed' })),
  channel_id: t.Optional(t.Integer({ minimum: 1 })),
  agent_id: t.Optional(t.Integer({ minimum: 1, description: 'the agent who closed the ticket' })),
}
const AnswerSchema = t.Object({
  id: t.Integer(),
  ticket_id: t.Integer(),
  protocol: t.String(),
  kind: Kind,
  score: t.Integer(),
  comment: t.Nullable(t.String()),
  answered_at: t.String({ format: 'date-time' }),
  sector_id: t.Nullable(t.Integer()),
  agent_id: t.Nullable(t.Integer()),
  channel_id: t.Integer(),
})
const KindResultsSchema = t.Object({
  kind: Kind,
  responses: t.Integer(),
  score: t.Nullable(t.Number({ description: 'CSAT/CES: average score; NPS: % promoters (9–10) − % detractors (0–6)' })),
  satisfied_pct: t.Nullable(t.Number({ description: 'CSAT: % of 4 and 5' })),
  promoters: t.Integer(),
  passives: t.Integer(),
  detractors: t.Integer(),
  distribution: t.Array(t.Object({ score: t.Integer(), count: t.Integer() })),
  series: t.Array(t.Object({ period: t.String({ description: 'YYYY-MM-DD (YYYY-MM past 62 days)' }), responses: t.Integer(), score: t.Number() })),
})
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}
const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && e.status === 400 && e.details?.length ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null
const parseKind = (raw: string | null): SurveyKind | null => (SURVEY_KINDS.includes(raw as SurveyKind) ? (raw as SurveyKind) : null)
const iso = (ms: number) => new Date(ms).toISOString()

const answerJson = (a: AnswerRow, user: User) => ({
  id: a.id,
  ticket_id: a.ticket_id,
  protocol: a.protocol,
  kind: a.kind,
  score: a.score,
  comment: commentVisible(a, user) ? a.comment : null,
  answered_at: iso(a.answered_at),
  sector_id: a.sector_id,
  agent_id: a.agent_id,
  channel_id: a.channel_id,
})

/** A comment on a confidential ticket is shown only to profiles that may read confidential tickets. */
const commentVisible = (a: Pick<AnswerRow, 'confidential'>, user: User) => a.confidential === 0 || can(user, 'tickets.confidential')

export function surveysRoutes(ctx: Context) {
  const sectorOr404 = (id: number) => ctx.stores.sectors.get(id) ?? (() => { throw notFound() })()
  const channelOr404 = (id: number) => ctx.stores.channels.get(id) ?? (() => { throw notFound() })()
  const allSettings = () => ({
    sectors: ctx.stores.sectors.list().filter((s) => s.active).map((s) => sectorSettings(ctx, s)),
    channels: ctx.stores.channels.list().map((c) => channelSettings(ctx, c)),
  })

  /** The API's filter: the reports' period rules and the caller's scope. */
  const apiFilter = (user: User, q: { from?: string; to?: string; sector_id?: number; channel_id?: number; agent_id?: number }): ReportFilter => {
    const scope = scopeOf(ctx.db, user)
    const sectorId = q.sector_id ?? null
    if (sectorId !== null && !inScope(scope, sectorId)) throw forbidden()
    return { period: parsePeriod(q.from, q.to, ctx.config.timeZone), sectorId, channelId: q.channel_id ?? null, agentId: q.agent_id ?? null, scope }
  }

  // ---- API -------------------------------------------------------------------------------------------
  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get('/surveys/settings', () => allSettings(), {
      permission: 'surveys.view',
      response: { 200: SettingsSchema, ...errors },
      detail: { tags: ['surveys'], summary: 'Which survey each channel and sector sends at close (a channel not on `inherit` wins over the sector)' },
    })
    .patch('/surveys/settings/sectors/:id', ({ request, params, body }) => saveSectorSettings(ctx, apiViewer(ctx, request).user.id, sectorOr404(idParam(params.id)), body as SettingsInput, clientIp(request)), {
      permission: 'surveys.edit',
      params: IdParams,
      body: SectorPatch,
      response: { 200: SectorSettingsSchema, ...errors },
      detail: { tags: ['surveys'], summary: 'Change a sector’s survey (its kind is sectors.survey)' },
    })
    .patch('/surveys/settings/channels/:id', ({ request, params, body }) => saveChannelSettings(ctx, apiViewer(ctx, request).user.id, channelOr404(idParam(params.id)), body as SettingsInput, clientIp(request)), {
      permission: 'surveys.edit',
      params: IdParams,
      body: ChannelPatch,
      response: { 200: ChannelSettingsSchema, ...errors },
      detail: { tags: ['surveys'], summary: 'Change a channel’s survey' },
    })
    .get(
      '/surveys',
      ({ request, query }) => {
        const user = apiViewer(ctx, request).user
        const limit = query.limit ?? 50
        const kind = query.kind ?? null
        const rows = ctx.stores.surveys.answers(resultsFilter(apiFilter(user, query), kind), { commentsOnly: false, before: decodeCursor(query.cursor), limit: limit + 1 })
        return page(rows, limit, (a) => answerJson(a, user))
      },
      {
        permission: 'surveys.view',
        query: t.Object({ ...FilterQuery, kind: t.Optional(Kind), limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: t.Optional(t.String({ maxLength: 64 })) }),
        response: { 200: t.Object({ data: t.Array(AnswerSchema), next_cursor: t.Nullable(t.String()) }), ...errors },
        detail: { tags: ['surveys'], summary: 'Survey answers of a period (answered_at in [from, to)), newest survey first; comments of confidential tickets need tickets.confidential' },
      },
    )
    .get('/surveys/results', ({ request, query }) => computeResults(ctx, apiFilter(apiViewer(ctx, request).user, query)), {
      permission: 'surveys.view',
      query: t.Object(FilterQuery),
      response: { 200: t.Object({ csat: KindResultsSchema, nps: KindResultsSchema, ces: KindResultsSchema }), ...errors },
      detail: { tags: ['surveys'], summary: 'Per kind: responses, score (CSAT/CES average, NPS), distribution and score over time' },
    })

  // ---- pages -----------------------------------------------------------------------------------------
  const settingsPage = (request: Request, o: { flash?: MessageKey | null; failed?: Parameters<typeof SurveySettingsPage>[0]['failed'] } = {}, status = 200) => {
    const viewer = pageViewer(ctx, request, 'surveys.view')
    const v = buildView(ctx, request, viewer)
    const s = allSettings()
    return html(
      <SurveySettingsPage v={v} sectors={s.sectors} channels={s.channels} flash={o.flash} failed={o.failed} defaultQuestion={(k) => (parseKind(k) ? defaultQuestion(ctx, k as SurveyKind) : '')} />,
      status,
    )
  }
  const saveFromForm = async (request: Request, scope: 'sector' | 'channel', rawId: string) => {
    const viewer = pageViewer(ctx, request, 'surveys.edit')
    const form = await readCheckedForm(request, viewer)
    const input = { kind: form.get('kind'), question: form.get('question'), comment_question: form.get('comment_question'), window_hours: form.get('window_hours'), thanks: form.get('thanks') }
    const id = idParam(rawId)
    try {
      if (scope === 'sector') saveSectorSettings(ctx, viewer.user.id, sectorOr404(id), input, clientIp(request))
      else saveChannelSettings(ctx, viewer.user.id, channelOr404(id), input, clientIp(request))
    } catch (e) {
      const problems = problemsOf(e)
      if (!problems) throw e
      const n = Number(input.window_hours)
      const values = { kind: input.kind, question: input.question || null, comment_question: input.comment_question || null, window_hours: Number.isFinite(n) ? n : 24, thanks: input.thanks || null }
      return settingsPage(request, { failed: { form: `${scope}-${id}`, problems, values } }, 422)
    }
    return redirect(`/admin/surveys?ok=surveys.saved#${scope}-${id}`)
  }

  /** The results page's filters: the reports' (period, sector in scope, channel, agent) plus the kind. */
  const pageFilters = (user: User, url: URL) => {
    const parsed = parseFilters(ctx, user, url)
    const kind = parseKind(url.searchParams.get('kind')) ?? 'csat'
    const values: ResultsValues = { ...parsed.values, kind }
    return { ...parsed, values, kind }
  }

  const csv = (user: User, lang: Lang, url: URL) => {
    const { filter, values } = pageFilters(user, url)
    const names = namesFor(ctx, lang)
    const tr = (k: MessageKey) => translate(lang, k)
    const rows = ctx.stores.surveys.answers(resultsFilter(filter), { commentsOnly: false, limit: CSV_MAX_ROWS })
    return csvResponse(
      `pesquisas-${values.from}-${values.to}.csv`,
      toCsv(
        [tr('surveys.ticket'), tr('surveys.results_kind'), tr('surveys.score'), tr('surveys.comment'), tr('reports.sector'), tr('reports.agent'), tr('reports.channel'), 'answered_at'],
        rows.map((a) => [a.protocol, a.kind.toUpperCase(), a.score, commentVisible(a, user) ? a.comment : null, names.sector(a.sector_id), names.agent(a.agent_id), names.channel(a.channel_id), iso(a.answered_at)]),
      ),
    )
  }

  const pages = new Elysia()
    .get('/admin/surveys', ({ request }) => settingsPage(request, { flash: flashKey(request, ['surveys.saved'] as const) }))
    .post('/admin/surveys/sectors/:id', ({ request, params }) => saveFromForm(request, 'sector', params.id))
    .post('/admin/surveys/channels/:id', ({ request, params }) => saveFromForm(request, 'channel', params.id))
    .get('/surveys', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'surveys.view')
      const v = buildView(ctx, request, viewer)
      const url = new URL(request.url)
      const { filter, values, problem, kind } = pageFilters(viewer.user, url)
      const beforeRaw = url.searchParams.get('before') ?? ''
      const before = /^\d{1,15}$/.test(beforeRaw) ? Number(beforeRaw) : undefined
      const rows = ctx.stores.surveys.answers(resultsFilter(filter, kind), { commentsOnly: true, before, limit: COMMENTS_PAGE + 1 })
      const comments = rows.slice(0, COMMENTS_PAGE).map((a) => ({ ...a, visible: commentVisible(a, viewer.user) }))
      return html(
        <ResultsPage
          v={v}
          values={values}
          problem={problem}
          results={computeResults(ctx, filter)}
          comments={comments}
          nextComments={rows.length > COMMENTS_PAGE ? comments[comments.length - 1].id : null}
          {...filterOptions(ctx, filter)}
          names={namesFor(ctx, v.lang)}
        />,
      )
    })
    .get('/surveys/export.csv', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'surveys.view')
      return csv(viewer.user, buildView(ctx, request, viewer).lang, new URL(request.url))
    })

  return new Elysia({ name: 'surveysRoutes' }).use(api).use(pages)
}
