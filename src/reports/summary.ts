// The numbers of a period: what the dashboard shows and GET /api/v1/reports/summary returns (one
// computation for both, so they cannot disagree). Definitions are in store.ts.
//
// Averages and the 90th percentile are in seconds, rounded to one decimal; null when no ticket
// qualifies. p90 is the nearest-rank percentile: the smallest duration that at least 90% of the
// durations do not exceed (sorted ascending, the value at position ceil(0.9 × n)).
import type { Context } from '../context'
import { businessClock, type BusinessClock } from '../hours/business-clock'
import { bucketMapper } from './period'
import type { ReportFilter, SpanRow } from './store'
import { round1, type SurveyResults } from './surveys'

/**
 * How durations are measured: 'elapsed' (tempo corrido, the clock on the wall) or 'business'
 * (horário comercial: only the time inside the sector's business hours counts — SLAs).
 */
export type TimeBasis = 'business' | 'elapsed'
export const TIME_BASES: readonly TimeBasis[] = ['business', 'elapsed']

export interface Stat {
  n: number
  /** seconds, one decimal */
  avg: number | null
  p90: number | null
}

export interface ChannelLine {
  channel_id: number
  created: number
  closed: number
  wait: Stat
}
export interface ClassificationLine {
  classification_id: number | null
  closed: number
  handle_avg: number | null
}
export interface AgentLine {
  agent_id: number
  closed: number
  handle: Stat
  first_response: Stat
}

export interface Times {
  wait: Stat
  handle: Stat
  first_response: Stat
}

export interface Dashboard {
  filter: ReportFilter
  /** the basis of every duration below (headline times and tables) */
  basis: TimeBasis
  /** the headline times in elapsed time and — when asked or the basis — in business time */
  times: { elapsed: Times; business: Times | null }
  created: number
  closed: number
  abandoned: number
  bot: number
  wait: Stat
  handle: Stat
  first_response: Stat
  by_hour: number[]
  by_dow: number[]
  by_channel: ChannelLine[]
  by_classification: ClassificationLine[]
  by_agent: AgentLine[]
  surveys: SurveyResults
  /** how long the computation took (ms), for the page footer and the bench */
  ms: number
}

/** Summary statistics of durations in ms (sorted in place). */
export function stat(ms: Float64Array | number[]): Stat {
  const n = ms.length
  if (n === 0) return { n: 0, avg: null, p90: null }
  const sorted = ms instanceof Float64Array ? ms.sort() : Float64Array.from(ms).sort()
  let sum = 0
  for (let i = 0; i < n; i++) sum += sorted[i]
  return { n, avg: round1(sum / n / 1000), p90: round1(sorted[Math.ceil(0.9 * n) - 1] / 1000) }
}

/** Durations in elapsed time and (with a clock) business time, and grouped by a key in the dashboard's basis. */
function collect<K>(rows: SpanRow<K>[], clock: BusinessClock | null, basis: TimeBasis) {
  const elapsed = new Float64Array(rows.length)
  const business = clock ? new Float64Array(rows.length) : null
  const groups = new Map<K, number[]>()
  for (let i = 0; i < rows.length; i++) {
    const [k, from, to, sector] = rows[i]
    elapsed[i] = to - from
    if (business) business[i] = clock!(sector, from, to)
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(basis === 'business' ? business![i] : elapsed[i])
  }
  return { elapsed, business, groups }
}

/** The numbers of a period; durations in `basis`, and the headline times in business time too when `withBusiness`. */
export function computeDashboard(ctx: Context, f: ReportFilter, basis: TimeBasis = 'elapsed', withBusiness = basis === 'business'): Dashboard {
  const started = performance.now()
  const store = ctx.stores.reports
  const tz = ctx.config.timeZone
  // Every duration lies inside the period (both its times are in it). Business time costs ~2 binary
  // searches per duration: skipped when nobody asked for it.
  const clock = withBusiness || basis === 'business' ? businessClock(ctx, f.period.from, f.period.to) : null

  const channels = new Map<number, ChannelLine>()
  const channel = (id: number) => {
    let c = channels.get(id)
    if (!c) channels.set(id, (c = { channel_id: id, created: 0, closed: 0, wait: { n: 0, avg: null, p90: null } }))
    return c
  }

  // Created: counted per 15-minute bucket and channel, then mapped to local hours and weekdays.
  const createdRows = store.created(f)
  const perBucket = new Map<number, number>()
  const perChannel = new Map<number, number>()
  for (const [b, ch] of createdRows) {
    perBucket.set(b, (perBucket.get(b) ?? 0) + 1)
    perChannel.set(ch, (perChannel.get(ch) ?? 0) + 1)
  }
  const byHour = new Array<number>(24).fill(0)
  const byDow = new Array<number>(7).fill(0)
  const map = bucketMapper(f.period, tz)
  for (const [b, n] of perBucket) {
    const l = map(b)
    byHour[l.hour] += n
    byDow[l.dow] += n
  }
  for (const [ch, n] of perChannel) channel(ch).created += n

  // Closed: counts by channel, classification and agent; handle times (TMA) of the same rows.
  let abandoned = 0
  let bot = 0
  const closedRows = store.closed(f)
  const classes = new Map<number | null, { closed: number; sum: number; n: number }>()
  const agentClosed = new Map<number, number>()
  const handles: SpanRow<number | null>[] = []
  const closedByChannel = new Map<number, number>()
  for (const [ch, cl, ag, ab, bt, assigned, closedAt, sector] of closedRows) {
    abandoned += ab
    bot += bt
    closedByChannel.set(ch, (closedByChannel.get(ch) ?? 0) + 1)
    let c = classes.get(cl)
    if (!c) classes.set(cl, (c = { closed: 0, sum: 0, n: 0 }))
    c.closed++
    if (ag !== null) agentClosed.set(ag, (agentClosed.get(ag) ?? 0) + 1)
    if (assigned !== null) {
      const ms = basis === 'business' ? clock!(sector, assigned, closedAt) : closedAt - assigned
      c.sum += ms
      c.n++
      handles.push([ag, assigned, closedAt, sector])
    }
  }
  for (const [ch, n] of closedByChannel) channel(ch).closed += n
  const handle = collect(handles, clock, basis)

  const waits = collect(store.waits(f), clock, basis)
  for (const [ch, list] of waits.groups) channel(ch).wait = stat(list)
  const firsts = collect(store.firstResponses(f), clock, basis)

  const agentIds = new Set<number>([...agentClosed.keys(), ...([...handle.groups.keys(), ...firsts.groups.keys()].filter((k) => k !== null) as number[])])
  const by_agent: AgentLine[] = [...agentIds].map((id) => ({
    agent_id: id,
    closed: agentClosed.get(id) ?? 0,
    handle: stat(handle.groups.get(id) ?? []),
    first_response: stat(firsts.groups.get(id) ?? []),
  }))
  by_agent.sort((a, b) => b.closed - a.closed || a.agent_id - b.agent_id)

  const by_classification: ClassificationLine[] = [...classes].map(([id, c]) => ({ classification_id: id, closed: c.closed, handle_avg: c.n ? round1(c.sum / c.n / 1000) : null }))
  by_classification.sort((a, b) => b.closed - a.closed || (a.classification_id ?? 0) - (b.classification_id ?? 0))
  const by_channel = [...channels.values()].sort((a, b) => b.created - a.created || a.channel_id - b.channel_id)

  const times = {
    elapsed: { wait: stat(waits.elapsed), handle: stat(handle.elapsed), first_response: stat(firsts.elapsed) },
    business: clock ? { wait: stat(waits.business!), handle: stat(handle.business!), first_response: stat(firsts.business!) } : null,
  }
  return {
    filter: f,
    basis,
    times,
    created: createdRows.length,
    closed: closedRows.length,
    abandoned,
    bot,
    ...(basis === 'business' ? times.business! : times.elapsed),
    by_hour: byHour,
    by_dow: byDow,
    by_channel,
    by_classification,
    by_agent,
    surveys: ctx.stores.surveys.results(f),
    ms: performance.now() - started,
  }
}

/** GET /api/v1/reports/summary's body (api.md "Reports"); with `business`, the extension's *_business_s blocks too. */
export function summaryJson(d: Dashboard, business = false) {
  const { elapsed, business: b } = d.times
  const avgP90 = (s: Stat) => ({ avg: s.avg, p90: s.p90 })
  return {
    tickets: { created: d.created, closed: d.closed, abandoned: d.abandoned },
    wait_s: avgP90(elapsed.wait),
    handle_s: avgP90(elapsed.handle),
    first_response_s: avgP90(elapsed.first_response),
    csat: { responses: d.surveys.csat.responses, avg: d.surveys.csat.avg },
    nps: { responses: d.surveys.nps.responses, score: d.surveys.nps.score },
    ces: { responses: d.surveys.ces.responses, avg: d.surveys.ces.avg },
    ...(business && b ? { wait_business_s: avgP90(b.wait), handle_business_s: avgP90(b.handle), first_response_business_s: avgP90(b.first_response) } : {}),
  }
}
