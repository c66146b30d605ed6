// The numbers of the results page and GET /api/v1/surveys/results: per kind the responses, the
// distribution of scores and the score per day (per month past 62 days). CSAT: average and %
// satisfied (4–5). NPS: % promoters (9–10) − % detractors (0–6), one decimal. CES: average.
import { isoDay } from '../reports/period'
import { round1 } from '../reports/surveys'
import type { ReportFilter } from '../reports/store'
import { SCALES } from './scale'
import type { ResultsFilter, SurveyKind } from './store'
import type { Context } from '../context'

export interface KindResults {
  kind: SurveyKind
  responses: number
  /** CSAT/CES: the average score; NPS: the NPS (−100…100) */
  score: number | null
  /** CSAT: % of 4 and 5 */
  satisfied_pct: number | null
  promoters: number
  passives: number
  detractors: number
  /** count per score, min..max */
  distribution: { score: number; count: number }[]
  /** score per day (YYYY-MM-DD) or month (YYYY-MM) with answers */
  series: { period: string; responses: number; score: number }[]
}

export const MAX_DAILY_DAYS = 62

export function npsOf(scores: number[]): number | null {
  if (!scores.length) return null
  const promoters = scores.filter((s) => s >= 9).length
  const detractors = scores.filter((s) => s <= 6).length
  return round1(((promoters - detractors) / scores.length) * 100)
}

const average = (scores: number[]) => (scores.length ? round1(scores.reduce((a, b) => a + b, 0) / scores.length) : null)
const scoreOf = (kind: SurveyKind, scores: number[]) => (kind === 'nps' ? npsOf(scores) : average(scores))

export function kindResults(kind: SurveyKind, rows: { score: number; answered_at: number }[], tz: string, monthly: boolean): KindResults {
  const scores = rows.map((r) => r.score)
  const { min, max } = SCALES[kind]
  const distribution: { score: number; count: number }[] = []
  for (let n = min; n <= max; n++) distribution.push({ score: n, count: scores.filter((s) => s === n).length })
  const byPeriod = new Map<string, number[]>()
  for (const r of rows) {
    const key = monthly ? isoDay(r.answered_at, tz).slice(0, 7) : isoDay(r.answered_at, tz)
    const list = byPeriod.get(key) ?? []
    list.push(r.score)
    byPeriod.set(key, list)
  }
  return {
    kind,
    responses: scores.length,
    score: scoreOf(kind, scores),
    satisfied_pct: kind === 'csat' && scores.length ? round1((scores.filter((s) => s >= 4).length / scores.length) * 100) : null,
    promoters: kind === 'nps' ? scores.filter((s) => s >= 9).length : 0,
    passives: kind === 'nps' ? scores.filter((s) => s === 7 || s === 8).length : 0,
    detractors: kind === 'nps' ? scores.filter((s) => s <= 6).length : 0,
    distribution,
    series: [...byPeriod].map(([period, list]) => ({ period, responses: list.length, score: scoreOf(kind, list)! })),
  }
}

/** The results filter from the reports' filter (same period, sector, channel, agent and scope rules). */
export const resultsFilter = (f: ReportFilter, kind: SurveyKind | null = null): ResultsFilter => ({
  from: f.period.from,
  to: f.period.to,
  kind,
  sectorId: f.sectorId,
  agentId: f.agentId,
  channelId: f.channelId,
  all: f.scope.all,
  sectorIds: f.scope.sectorIds,
})

export function computeResults(ctx: Context, f: ReportFilter): Record<SurveyKind, KindResults> {
  const rows = ctx.stores.surveys.scores(resultsFilter(f))
  const monthly = f.period.to - f.period.from > MAX_DAILY_DAYS * 86_400_000
  const of = (kind: SurveyKind) => kindResults(kind, rows.filter((r) => r.kind === kind), ctx.config.timeZone, monthly)
  return { csat: of('csat'), nps: of('nps'), ces: of('ces') }
}
