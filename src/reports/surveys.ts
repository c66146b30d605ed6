// Survey answers for the reports (CSAT 1–5, NPS 0–10, CES 1–7), from the surveys table
// (migration 0010, src/surveys/). An answer counts in the period it was given (answered_at), under
// the sector, agent and channel of the ticket when it was closed (kept on the survey row: a ticket
// reopened and moved later does not move its old answer).
import type { Database } from 'bun:sqlite'
import type { ReportFilter } from './store'

export interface SurveyResults {
  /** Always true since migration 0010 (kept for the callers that still ask). */
  available: boolean
  csat: { responses: number; avg: number | null }
  nps: { responses: number; score: number | null; promoters: number; passives: number; detractors: number }
  ces: { responses: number; avg: number | null }
}

// The survey's sector at close, or its channel's when the ticket had none.
const RS = '(CASE WHEN s.sector_id IS NOT NULL THEN s.sector_id ELSE (SELECT c.sector_id FROM channels c WHERE c.id = s.channel_id) END)'

type Params = Record<string, string | number | null>
type Answer = { kind: string; score: number }

export const round1 = (x: number) => Math.round(x * 10) / 10

export function surveyReader(db: Database) {
  const query = db.query<Answer, Params>(
    `SELECT s.kind, s.score FROM surveys s
     WHERE s.answered_at >= $from AND s.answered_at < $to AND s.score IS NOT NULL
       AND ($channel IS NULL OR s.channel_id = $channel)
       AND ($agent IS NULL OR s.agent_id = $agent)
       AND ($sector IS NULL OR ${RS} = $sector)
       AND ($all = 1 OR ${RS} IN (SELECT value FROM json_each($sectors)))`,
  )
  return {
    available: () => true,
    results(f: ReportFilter): SurveyResults {
      const out: SurveyResults = {
        available: true,
        csat: { responses: 0, avg: null },
        nps: { responses: 0, score: null, promoters: 0, passives: 0, detractors: 0 },
        ces: { responses: 0, avg: null },
      }
      const rows = query.all({
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
