// The numbers of a period: what the dashboard shows and GET /api/v1/reports/summary returns (one
// computation for both, so they cannot disagree). Definitions are in store.ts.
//
// Averages and the 90th percentile are in seconds, rounded to one decimal; null when no ticket
// qualifies. p90 is the nearest-rank percentile: the smallest duration that at least 90% of the
// durations do not exceed (sorted ascending, the value at position ceil(0.9 × n)).
import type { Context } from '../context'
import { bucketMapper } from './period'
import type { ReportFilter } from './store'
import { round1, type SurveyResults } from './surveys'

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

export interface Dashboard {
  filter: ReportFilter
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

/** Durations grouped by a key, and all of them. */
function collect(rows: [number | null, number][]) {
  const all = new Float64Array(rows.length)
  const groups = new Map<number | null, number[]>()
  for (let i = 0; i < rows.length; i++) {
    const [k, ms] = rows[i]
    all[i] = ms
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(ms)
  }
  return { all, groups }
}

export function computeDashboard(ctx: Context, f: ReportFilter): Dashboard {
  const started = performance.now()
  const store = ctx.stores.reports
  const tz = ctx.config.timeZone

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
  const handleAll: number[] = []
  const handleByAgent = new Map<number, number[]>()
  const closedByChannel = new Map<number, number>()
  for (const [ch, cl, ag, ab, bt, handle] of closedRows) {
    abandoned += ab
    bot += bt
    closedByChannel.set(ch, (closedByChannel.get(ch) ?? 0) + 1)
    let c = classes.get(cl)
    if (!c) classes.set(cl, (c = { closed: 0, sum: 0, n: 0 }))
    c.closed++
    if (ag !== null) agentClosed.set(ag, (agentClosed.get(ag) ?? 0) + 1)
    if (handle !== null) {
      c.sum += handle
      c.n++
      handleAll.push(handle)
      if (ag !== null) {
        let h = handleByAgent.get(ag)
        if (!h) handleByAgent.set(ag, (h = []))
        h.push(handle)
      }
    }
  }
  for (const [ch, n] of closedByChannel) channel(ch).closed += n

  const waits = collect(store.waits(f))
  for (const [ch, list] of waits.groups) channel(ch as number).wait = stat(list)
  const firsts = collect(store.firstResponses(f))

  const agentIds = new Set<number>([...agentClosed.keys(), ...handleByAgent.keys(), ...([...firsts.groups.keys()].filter((k) => k !== null) as number[])])
  const by_agent: AgentLine[] = [...agentIds].map((id) => ({
    agent_id: id,
    closed: agentClosed.get(id) ?? 0,
    handle: stat(handleByAgent.get(id) ?? []),
    first_response: stat(firsts.groups.get(id) ?? []),
  }))
  by_agent.sort((a, b) => b.closed - a.closed || a.agent_id - b.agent_id)

  const by_classification: ClassificationLine[] = [...classes].map(([id, c]) => ({ classification_id: id, closed: c.closed, handle_avg: c.n ? round1(c.sum / c.n / 1000) : null }))
  by_classification.sort((a, b) => b.closed - a.closed || (a.classification_id ?? 0) - (b.classification_id ?? 0))
  const by_channel = [...channels.values()].sort((a, b) => b.created - a.created || a.channel_id - b.channel_id)

  return {
    filter: f,
    created: createdRows.length,
    closed: closedRows.length,
    abandoned,
    bot,
    wait: stat(waits.all),
    handle: stat(handleAll),
    first_response: stat(firsts.all),
    by_hour: byHour,
    by_dow: byDow,
    by_channel,
    by_classification,
    by_agent,
    surveys: ctx.stores.surveys.results(f),
    ms: performance.now() - started,
  }
}

/** GET /api/v1/reports/summary's body (api.md "Reports"). */
export function summaryJson(d: Dashboard) {
  return {
    tickets: { created: d.created, closed: d.closed, abandoned: d.abandoned },
    wait_s: { avg: d.wait.avg, p90: d.wait.p90 },
    handle_s: { avg: d.handle.avg, p90: d.handle.p90 },
    first_response_s: { avg: d.first_response.avg, p90: d.first_response.p90 },
    csat: { responses: d.surveys.csat.responses, avg: d.surveys.csat.avg },
    nps: { responses: d.surveys.nps.responses, score: d.surveys.nps.score },
    ces: { responses: d.surveys.ces.responses, avg: d.surveys.ces.avg },
  }
}
