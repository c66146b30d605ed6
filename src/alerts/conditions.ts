// The live conditions alert rules watch, read from the tickets, agents, messages and survey
// answers as they are now. Each returns one row per subject the condition holds for; the
// evaluation (evaluate.ts) fires what is new and clears what is gone. Waiting is measured in each
// sector's business time (evaluate.ts gives the cutoffs): the SQL reads with the latest possible
// cutoff (elapsed time, never shorter than business time) and the caller keeps the rows whose
// sector's own cutoff they pass.
import type { Database } from 'bun:sqlite'

export interface SectorCondition {
  sector_id: number
  n: number
  /** queued_at of the ticket waiting longest */
  oldest: number
  /** the ticket waiting longest */
  ticket_id: number
}

export interface TicketCondition {
  id: number
  protocol: string
  sector_id: number | null
  assignee_id: number | null
  since: number
}

export interface SurveyCondition {
  ticket_id: number
  protocol: string
  sector_id: number | null
  assignee_id: number | null
  kind: string
  score: number
  answered_at: number
}

/** CSAT 1–5, NPS 0–10, CES 1–7 (7 = very easy): at or below these an answer is negative. */
export const NEGATIVE_AT_MOST: Record<string, number> = { csat: 2, nps: 6, ces: 3 }

export function conditionsStore(db: Database) {
  // Queued tickets waiting since at or before the cutoff, longest first.
  const queued = db.query<{ id: number; sector_id: number; since: number }, [number]>(
    `SELECT t.id, t.sector_id, coalesce(t.queued_at, t.created_at) AS since FROM tickets t
     WHERE t.status = 'queued' AND t.sector_id IS NOT NULL AND coalesce(t.queued_at, t.created_at) <= ?
     ORDER BY since, t.id`,
  )
  // Sectors with tickets waiting and no active member available; `since` = when that began: the
  // later of the longest wait and the last presence change of a member (the last one to leave).
  const noAgent = db.query<SectorCondition & { since: number }, []>(
    `SELECT t.sector_id, count(*) AS n, min(coalesce(t.queued_at, t.created_at)) AS oldest,
            (SELECT o.id FROM tickets o WHERE o.status = 'queued' AND o.sector_id = t.sector_id ORDER BY coalesce(o.queued_at, o.created_at), o.id LIMIT 1) AS ticket_id,
            max(min(coalesce(t.queued_at, t.created_at)),
                coalesce((SELECT max(u.presence_since) FROM user_sectors us JOIN users u ON u.id = us.user_id WHERE us.sector_id = t.sector_id AND u.active = 1), 0)) AS since
     FROM tickets t
     WHERE t.status = 'queued' AND t.sector_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM user_sectors us JOIN users u ON u.id = us.user_id
                       WHERE us.sector_id = t.sector_id AND u.active = 1 AND u.presence = 'available')
     GROUP BY t.sector_id`,
  )
  // Open tickets assigned at or before the cutoff whose agent has not written since (a first
  // reply recorded before the current assignment — a transfer — does not count for the new agent).
  const firstResponse = db.query<TicketCondition, [number]>(
    `SELECT t.id, t.protocol, t.sector_id, t.assignee_id, t.assigned_at AS since FROM tickets t
     WHERE t.status = 'open' AND t.assigned_at <= ?
       AND (t.first_response_at IS NULL OR t.first_response_at < t.assigned_at)
       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'out' AND m.author = 'agent'
                       AND m.type != 'note' AND m.created_at >= t.assigned_at)`,
  )
  // Open tickets whose newest message (notes, reactions and system lines aside) is the
  // customer's, written at or before the cutoff.
  const customerWaiting = db.query<TicketCondition, [number]>(
    `SELECT x.id, x.protocol, x.sector_id, x.assignee_id, lm.created_at AS since FROM (
       SELECT t.id, t.protocol, t.sector_id, t.assignee_id,
              (SELECT m.id FROM messages m WHERE m.ticket_id = t.id AND m.type NOT IN ('note', 'reaction') AND m.author != 'system'
                ORDER BY m.id DESC LIMIT 1) AS last_id
       FROM tickets t WHERE t.status = 'open'
     ) x JOIN messages lm ON lm.id = x.last_id
     WHERE lm.direction = 'in' AND lm.created_at <= ?`,
  )

  let surveys: ReturnType<typeof db.query<SurveyCondition, [number]>> | null = null
  let surveysCheckedAt = 0
  const surveyColumns = db.query<{ name: string }, []>("SELECT name FROM pragma_table_info('surveys')")
  function surveyQuery() {
    if (surveys || Date.now() - surveysCheckedAt < 60_000) return surveys
    surveysCheckedAt = Date.now()
    const have = new Set(surveyColumns.all().map((c) => c.name))
    if (!['ticket_id', 'kind', 'score', 'answered_at'].every((c) => have.has(c))) return null
    surveys = db.query<SurveyCondition, [number]>(
      `SELECT s.ticket_id, t.protocol, t.sector_id, t.assignee_id, s.kind, s.score, s.answered_at
       FROM surveys s JOIN tickets t ON t.id = s.ticket_id
       WHERE s.answered_at >= ? AND s.score IS NOT NULL
         AND ((s.kind = 'csat' AND s.score <= ${NEGATIVE_AT_MOST.csat}) OR (s.kind = 'nps' AND s.score <= ${NEGATIVE_AT_MOST.nps}) OR (s.kind = 'ces' AND s.score <= ${NEGATIVE_AT_MOST.ces}))
       ORDER BY s.answered_at`,
    )
    return surveys
  }

  return {
    /** Per sector, the queued tickets waiting since at or before its cutoff (`latest`: the latest of the cutoffs). */
    queueWait(latest: number, cutoffOf: (sectorId: number) => number = () => latest): SectorCondition[] {
      const bySector = new Map<number, SectorCondition>()
      for (const t of queued.all(latest)) {
        if (t.since > cutoffOf(t.sector_id)) continue
        const c = bySector.get(t.sector_id)
        if (c) c.n++
        else bySector.set(t.sector_id, { sector_id: t.sector_id, n: 1, oldest: t.since, ticket_id: t.id })
      }
      return [...bySector.values()]
    },
    noAgent: () => noAgent.all(),
    firstResponse: (cutoff: number): TicketCondition[] => firstResponse.all(cutoff),
    customerWaiting: (cutoff: number): TicketCondition[] => customerWaiting.all(cutoff),
    /** Negative answers given since `since`; empty while there is no surveys table. */
    negativeSurveys(since: number): SurveyCondition[] {
      const q = surveyQuery()
      return q ? q.all(since) : []
    },
  }
}
export type ConditionsStore = ReturnType<typeof conditionsStore>
