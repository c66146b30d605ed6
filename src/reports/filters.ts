// The dashboard's filters as the page's query string (period as local dates, sector, channel,
// agent, time basis), and the links every number carries: the same filters plus what the number
// counts. Durations default to business time (horário comercial): SLAs are promised in business
// hours, and a ticket that arrives on Friday night and is taken on Monday at 08:05 waited five
// minutes of the team's time, not 60 hours; `time=elapsed` shows the clock on the wall.
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { forbidden, HttpError } from '../http/errors'
import type { MessageKey } from '../i18n'
import { inScope, scopeOf } from '../monitoring/scope'
import { DAY, isoDay, localDate, localMidnight, parsePeriod } from './period'
import { METRICS, type Metric, type ReportFilter } from './store'
import type { TimeBasis } from './summary'

export interface FilterValues {
  from: string
  to: string
  sector_id: string
  channel_id: string
  agent_id: string
  time: TimeBasis
}

export interface ParsedFilters {
  values: FilterValues
  filter: ReportFilter
  /** a problem with what was asked (the defaults were used instead) */
  problem: MessageKey | null
}

const id = (raw: string | null): number | null => (raw && /^\d{1,9}$/.test(raw) ? Number(raw) : null)

/** This month so far, as local dates. */
export function defaultDates(ctx: Context, now = Date.now()): { from: string; to: string } {
  const tz = ctx.config.timeZone
  const { y, m } = localDate(now, tz)
  return { from: isoDay(localMidnight(y, m, 1, tz), tz), to: isoDay(now, tz) }
}

/** Reads the filters of a reports page. A sector outside the viewer's scope is 403. */
export function parseFilters(ctx: Context, user: User, url: URL): ParsedFilters {
  const q = url.searchParams
  const defaults = defaultDates(ctx)
  const values: FilterValues = {
    from: (q.get('from') ?? '').trim() || defaults.from,
    to: (q.get('to') ?? '').trim() || defaults.to,
    sector_id: id(q.get('sector_id'))?.toString() ?? '',
    channel_id: id(q.get('channel_id'))?.toString() ?? '',
    agent_id: id(q.get('agent_id'))?.toString() ?? '',
    time: q.get('time') === 'elapsed' ? 'elapsed' : 'business',
  }
  const scope = scopeOf(ctx.db, user)
  const sectorId = id(values.sector_id)
  if (sectorId !== null && !inScope(scope, sectorId)) throw forbidden()
  let problem: MessageKey | null = null
  let period
  try {
    period = parsePeriod(values.from, values.to, ctx.config.timeZone)
  } catch (e) {
    if (!(e instanceof HttpError)) throw e
    problem = 'reports.invalid_period'
    values.from = defaults.from
    values.to = defaults.to
    period = parsePeriod(values.from, values.to, ctx.config.timeZone)
  }
  return {
    values,
    problem,
    filter: { period, sectorId, channelId: id(values.channel_id), agentId: id(values.agent_id), scope },
  }
}

export const parseMetric = (raw: string | null): Metric | null => (METRICS.includes(raw as Metric) ? (raw as Metric) : null)

/** The filters as a query string (empty ones left out), plus extra parameters. */
export function query(values: FilterValues, extra: Record<string, string | number | null | undefined> = {}): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(values)) if (v) p.set(k, v)
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== '') p.set(k, String(v))
  return p.toString()
}

/** Link to the tickets behind a number. */
export const drillHref = (values: FilterValues, metric: Metric, extra: Record<string, string | number | null | undefined> = {}) =>
  `/reports/tickets?${query(values, { metric, ...extra })}`

/** Quick periods: today, yesterday, the last 7 and 30 days, this month, last month. */
export function presets(ctx: Context, now = Date.now()): { key: MessageKey; from: string; to: string }[] {
  const tz = ctx.config.timeZone
  const today = isoDay(now, tz)
  const { y, m } = localDate(now, tz)
  const monthStart = localMidnight(y, m, 1, tz)
  const lastMonthStart = localMidnight(m === 1 ? y - 1 : y, m === 1 ? 12 : m - 1, 1, tz)
  return [
    { key: 'reports.preset_today', from: today, to: today },
    { key: 'reports.preset_yesterday', from: isoDay(now - DAY, tz), to: isoDay(now - DAY, tz) },
    { key: 'reports.preset_7d', from: isoDay(now - 6 * DAY, tz), to: today },
    { key: 'reports.preset_30d', from: isoDay(now - 29 * DAY, tz), to: today },
    { key: 'reports.preset_month', from: isoDay(monthStart, tz), to: today },
    { key: 'reports.preset_last_month', from: isoDay(lastMonthStart, tz), to: isoDay(monthStart - 1, tz) },
  ]
}
