// Survey answers for the reports (CSAT 1–5, NPS 0–10, CES 1–7). The surveys feature (issue 6)
// owns the table; until it exists the reports say "no surveys". It is looked for at run time: a
// table `surveys` with at least ticket_id, kind ('csat' | 'nps' | 'ces'), score and answered_at
// (ms). Found once, its statement is prepared once.
import type { Database } from 'bun:sqlite'
import type { ReportFilter } from './store'

export interface SurveyResults {
  /** false: there is no surveys table (yet). */
  available: boolean
  csat: { responses: number; avg: number | null }
  nps: { responses: number; score: number | null; promoters: number; passives: number; detractors: number }
  ces: { responses: number; avg: number | null }
}

const REQUIRED = ['ticket_id', 'kind', 'score', 'answered_at']
const RS = '(CASE WHEN t.sector_id IS NOT NULL THEN t.sector_id ELSE (SELECT c.sector_id FROM channels c WHERE c.id = t.channel_id) END)'

type Params = Record<string, string | number | null>
type Answer = { kind: string; score: number }

export const round1 = (x: number) => Math.round(x * 10) / 10

export function surveyReader(db: Database) {
  let query: ReturnType<typeof db.query<Answer, Params>> | null = null
  let checkedAt = 0
  const columns = db.query<{ name: string }, []>("SELECT name FROM pragma_table_info('surveys')")

  function statement() {
    // Look again at most once a minute: the table appears when the surveys feature migrates.
    if (query || Date.now() - checkedAt < 60_000) return query
    checkedAt = Date.now()
    const have = new Set(columns.all().map((c) => c.name))
    if (!REQUIRED.every((c) => have.has(c))) return null
    query = db.query<Answer, Params>(
      `SELECT s.kind, s.score FROM surveys s JOIN tickets t ON t.id = s.ticket_id
       WHERE s.answered_at >= $from AND s.answered_at < $to AND s.score IS NOT NULL
         AND ($channel IS NULL OR t.channel_id = $channel)
         AND ($agent IS NULL OR t.assignee_id = $agent)
         AND ($sector IS NULL OR ${RS} = $sector)
         AND ($all = 1 OR ${RS} IN (SELECT value FROM json_each($sectors)))`,
    )
    return query
  }

  return {
    /** Whether a surveys table exists now. */
    available: () => statement() !== null,
    results(f: ReportFilter): SurveyResults {
      const q = statement()
      const out: SurveyResults = {
        available: q !== null,
        csat: { responses: 0, avg: null },
        nps: { responses: 0, score: null, promoters: 0, passives: 0, detractors: 0 },
        ces: { responses: 0, avg: null },
      }
      if (!q) return out
      const rows = q.all({
        from: f.period.from,
        to: f.period.to,
        channel: f.channelId,
        agent: f.agentId,
        sector: f.sectorId,
        all: f.scope.all ? 1 : 0,
        sectors: JSON.stringify(f.scope.sectorIds),
      })
      let csatSum = 0
      let cesSum = 0
      for (const r of rows) {
        if (r.kind === 'csat') {
          out.csat.responses++
          csatSum += r.score
        } else if (r.kind === 'ces') {
          out.ces.responses++
          cesSum += r.score
        } else if (r.kind === 'nps') {
          out.nps.responses++
          if (r.score >= 9) out.nps.promoters++
          else if (r.score <= 6) out.nps.detractors++
          else out.nps.passives++
        }
      }
      if (out.csat.responses) out.csat.avg = round1(csatSum / out.csat.responses)
      if (out.ces.responses) out.ces.avg = round1(cesSum / out.ces.responses)
      if (out.nps.responses) out.nps.score = round1(((out.nps.promoters - out.nps.detractors) / out.nps.responses) * 100)
      return out
    },
  }
}
export type SurveyReader = ReturnType<typeof surveyReader>
