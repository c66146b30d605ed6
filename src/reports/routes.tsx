// The dashboard (/reports), the tickets behind each number (/reports/tickets) and the CSV of every
// table (/reports/export/<table>.csv). All need `reports.view`; the numbers cover the viewer's
// scope (src/monitoring/scope.ts), a sector outside it answers 403.
import { Elysia } from 'elysia'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { notFound } from '../http/errors'
import { buildView, html, pageViewer } from '../http/pages'
import { t as translate, type Lang } from '../i18n'
import { inScope } from '../monitoring/scope'
import { DashboardPage, WEEKDAYS, type Option } from '../../views/reports/dashboard'
import { DrillPage, METRIC_LABEL, metricSpan } from '../../views/reports/tickets'
import { businessClock } from '../hours/business-clock'
import { csvResponse, toCsv, type Cell } from './csv'
import { parseFilters, parseMetric, presets } from './filters'
import { offsetSegments } from './period'
import type { FilterValues } from './filters'
import type { DrillQuery, DrillRow, Metric, ReportFilter } from './store'
import { computeDashboard, type Dashboard, type TimeBasis } from './summary'

const PAGE_SIZE = 50
/** The drill-down CSV stops here (a month of a busy sector fits). */
const CSV_MAX_ROWS = 100_000

/** Names for the ids a report shows, looked up once per request. */
export function namesFor(ctx: Context, lang: Lang) {
  const channels = new Map(ctx.stores.channels.list().map((c) => [c.id, c.name]))
  const sectors = new Map(ctx.stores.sectors.list().map((s) => [s.id, s.name]))
  const classifications = new Map(ctx.stores.classifications.list().map((c) => [c.id, c.name]))
  const users = ctx.stores.reports.userNames()
  return {
    channel: (id: number) => channels.get(id) ?? `#${id}`,
    sector: (id: number | null) => (id === null ? translate(lang, 'desk.no_sector') : (sectors.get(id) ?? `#${id}`)),
    classification: (id: number | null) => (id === null ? translate(lang, 'reports.no_classification') : (classifications.get(id) ?? `#${id}`)),
    agent: (id: number | null): string => (id === null ? '—' : (users.get(id) ?? `#${id}`)),
  }
}

/** The filter selects: sectors in scope, every channel, the agents of the sectors in scope. */
export function filterOptions(ctx: Context, f: ReportFilter): { sectors: Option[]; channels: Option[]; agents: Option[] } {
  const sectors = ctx.stores.sectors.list().filter((s) => inScope(f.scope, s.id))
  const agents = new Map<number, string>()
  for (const s of sectors) for (const u of ctx.stores.users.membersOf(s.id)) agents.set(u.id, u.name)
  return {
    sectors: sectors.map((s) => ({ id: s.id, name: s.name })),
    channels: ctx.stores.channels.list().map((c) => ({ id: c.id, name: c.name })),
    agents: [...agents].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
  }
}

/** The drill-down's extra parameters (hour, weekday, classification), validated. */
function drillExtra(url: URL) {
  const int = (name: string, max: number) => {
    const raw = url.searchParams.get(name)
    return raw && /^\d{1,9}$/.test(raw) && Number(raw) <= max ? Number(raw) : null
  }
  return { hour: int('hour', 23), dow: int('dow', 6), classification: int('classification', 999_999_999) }
}

function drillQuery(ctx: Context, f: ReportFilter, metric: Metric, url: URL, before: number, limit: number): DrillQuery {
  const e = drillExtra(url)
  const segments = offsetSegments(f.period.from, f.period.to, ctx.config.timeZone).map((s) => [s.start, s.end, s.offset])
  return { metric, hour: e.hour, dow: e.dow, classification: e.classification, segments: JSON.stringify(segments), before, limit }
}

/** A drill-down row's duration (ms) in the filters' time basis. */
function drillDuration(ctx: Context, f: ReportFilter, values: FilterValues, metric: Metric) {
  const clock = values.time === 'business' ? businessClock(ctx, f.period.from, f.period.to) : null
  return (r: DrillRow): number | null => {
    const span = metricSpan(metric, r)
    if (!span) return null
    return clock ? clock(r.sector_id, span[0], span[1]) : span[1] - span[0]
  }
}

/** The CSV's unit of durations: "s" or "s, horário comercial". */
const secondsIn = (lang: Lang, basis: TimeBasis) => (basis === 'business' ? `s, ${translate(lang, 'reports.basis_business')}` : 's')

/** One table of the dashboard as CSV rows. */
function tableCsv(ctx: Context, lang: Lang, table: string, d: Dashboard): { header: string[]; rows: Cell[][] } | null {
  const t = (k: Parameters<typeof translate>[1]) => translate(lang, k)
  const names = namesFor(ctx, lang)
  const unit = secondsIn(lang, d.basis)
  switch (table) {
    case 'summary':
      return {
        header: [t('reports.metric'), t('reports.value')],
        rows: [
          [t('reports.created'), d.created],
          [t('reports.closed'), d.closed],
          [t('reports.abandoned'), d.abandoned],
          [t('reports.bot'), d.bot],
          [`${t('reports.wait')} · ${t('reports.avg')} (${unit})`, d.wait.avg],
          [`${t('reports.wait')} · ${t('reports.p90')} (${unit})`, d.wait.p90],
          [`${t('reports.handle')} · ${t('reports.avg')} (${unit})`, d.handle.avg],
          [`${t('reports.handle')} · ${t('reports.p90')} (${unit})`, d.handle.p90],
          [`${t('reports.first_response')} · ${t('reports.avg')} (${unit})`, d.first_response.avg],
          [`${t('reports.first_response')} · ${t('reports.p90')} (${unit})`, d.first_response.p90],
          ['CSAT · ' + t('reports.responses'), d.surveys.csat.responses],
          ['CSAT · ' + t('reports.score'), d.surveys.csat.avg],
          ['NPS · ' + t('reports.responses'), d.surveys.nps.responses],
          ['NPS · ' + t('reports.score'), d.surveys.nps.score],
          ['CES · ' + t('reports.responses'), d.surveys.ces.responses],
          ['CES · ' + t('reports.score'), d.surveys.ces.avg],
        ],
      }
    case 'times':
      return {
        header: [t('reports.metric'), `${t('reports.avg')} (${unit})`, `${t('reports.p90')} (${unit})`, t('reports.tickets')],
        rows: [
          [t('reports.wait'), d.wait.avg, d.wait.p90, d.wait.n],
          [t('reports.handle'), d.handle.avg, d.handle.p90, d.handle.n],
          [t('reports.first_response'), d.first_response.avg, d.first_response.p90, d.first_response.n],
        ],
      }
    case 'hours':
      return { header: [t('reports.hour'), t('reports.created')], rows: d.by_hour.map((n, h) => [h, n]) }
    case 'weekdays':
      return { header: [t('reports.weekday'), t('reports.created')], rows: d.by_dow.map((n, i) => [t(WEEKDAYS[i]), n]) }
    case 'channels':
      return {
        header: [t('reports.channel'), t('reports.created'), t('reports.closed'), `${t('reports.wait_avg')} (${unit})`, `${t('reports.wait')} · ${t('reports.p90')} (${unit})`],
        rows: d.by_channel.map((c) => [names.channel(c.channel_id), c.created, c.closed, c.wait.avg, c.wait.p90]),
      }
    case 'classifications':
      return {
        header: [t('reports.classification'), t('reports.closed'), `${t('reports.handle_avg')} (${unit})`],
        rows: d.by_classification.map((c) => [names.classification(c.classification_id), c.closed, c.handle_avg]),
      }
    case 'agents':
      return {
        header: [t('reports.agent'), t('reports.closed'), `${t('reports.handle_avg')} (${unit})`, `${t('reports.handle_p90')} (${unit})`, `${t('reports.first_response_avg')} (${unit})`],
        rows: d.by_agent.map((a) => [names.agent(a.agent_id), a.closed, a.handle.avg, a.handle.p90, a.first_response.avg]),
      }
    case 'surveys':
      return {
        header: [t('reports.survey_kind'), t('reports.responses'), t('reports.score')],
        rows: [
          ['CSAT', d.surveys.csat.responses, d.surveys.csat.avg],
          ['NPS', d.surveys.nps.responses, d.surveys.nps.score],
          ['CES', d.surveys.ces.responses, d.surveys.ces.avg],
        ],
      }
  }
  return null
}

export function reportsRoutes(ctx: Context) {
  const viewerOf = (request: Request) => pageViewer(ctx, request, 'reports.view')

  const drillCsv = (user: User, lang: Lang, url: URL) => {
    const { filter, values } = parseFilters(ctx, user, url)
    const metric = parseMetric(url.searchParams.get('metric'))
    if (!metric) throw notFound()
    const names = namesFor(ctx, lang)
    const t = (k: Parameters<typeof translate>[1]) => translate(lang, k)
    const rows = ctx.stores.reports.drill(filter, drillQuery(ctx, filter, metric, url, Number.MAX_SAFE_INTEGER, CSV_MAX_ROWS))
    const duration = drillDuration(ctx, filter, values, metric)
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
    return csvResponse(
      `tickets-${metric}-${values.from}-${values.to}.csv`,
      toCsv(
        [t('desk.col_protocol'), t('desk.col_contact'), t('desk.col_status'), t('reports.channel'), t('reports.sector'), t('reports.agent'), t('reports.classification'), 'created_at', 'queued_at', 'assigned_at', 'first_response_at', 'closed_at', `${t(METRIC_LABEL[metric])} (${secondsIn(lang, values.time)})`],
        rows.map((r) => {
          const ms = duration(r)
          return [r.protocol, r.contact_name, r.status, names.channel(r.channel_id), names.sector(r.sector_id), names.agent(r.assignee_id), r.closed_at === null ? null : names.classification(r.classification_id), iso(r.created_at), iso(r.queued_at), iso(r.assigned_at), iso(r.first_response_at), iso(r.closed_at), ms === null ? null : ms / 1000]
        }),
      ),
    )
  }

  return new Elysia()
    .get('/reports', ({ request }) => {
      const viewer = viewerOf(request)
      const v = buildView(ctx, request, viewer)
      const { filter, values, problem } = parseFilters(ctx, viewer.user, new URL(request.url))
      const d = computeDashboard(ctx, filter, values.time)
      const names = namesFor(ctx, v.lang)
      return html(<DashboardPage v={v} d={d} values={values} problem={problem} {...filterOptions(ctx, filter)} names={names} presets={presets(ctx)} />)
    })
    .get('/reports/tickets', ({ request }) => {
      const viewer = viewerOf(request)
      const v = buildView(ctx, request, viewer)
      const url = new URL(request.url)
      const { filter, values } = parseFilters(ctx, viewer.user, url)
      const metric = parseMetric(url.searchParams.get('metric'))
      if (!metric) throw notFound()
      const beforeRaw = url.searchParams.get('before') ?? ''
      const before = /^\d{1,15}$/.test(beforeRaw) ? Number(beforeRaw) : null
      const rows = ctx.stores.reports.drill(filter, drillQuery(ctx, filter, metric, url, before ?? Number.MAX_SAFE_INTEGER, PAGE_SIZE + 1))
      const e = drillExtra(url)
      const extra: Record<string, string> = {}
      for (const [k, x] of Object.entries(e)) if (x !== null) extra[k] = String(x)
      return html(
        <DrillPage
          v={v}
          metric={metric}
          values={values}
          extra={extra}
          rows={rows.slice(0, PAGE_SIZE)}
          next={rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1].id : null}
          paged={before !== null}
          duration={drillDuration(ctx, filter, values, metric)}
          names={namesFor(ctx, v.lang)}
        />,
      )
    })
    .get('/reports/export/:file', ({ request, params }) => {
      const viewer = viewerOf(request)
      const lang = buildView(ctx, request, viewer).lang
      const url = new URL(request.url)
      const m = /^([a-z]+)\.csv$/.exec(params.file)
      if (!m) throw notFound()
      if (m[1] === 'tickets') return drillCsv(viewer.user, lang, url)
      const { filter, values } = parseFilters(ctx, viewer.user, url)
      const table = tableCsv(ctx, lang, m[1], computeDashboard(ctx, filter, values.time))
      if (!table) throw notFound()
      return csvResponse(`${m[1]}-${values.from}-${values.to}.csv`, toCsv(table.header, table.rows))
    })
}
