// The SQL behind the dashboard, GET /api/v1/reports/summary and the drill-down lists. Each pass
// reads one time column over the period through its covering index (migration 0008).
//
// Definitions (the same for the page, the API and the drill-down lists):
// - the ticket's sector is its own, or — while it has none (in the bot) — its channel's;
// - filters: channel = the ticket's channel; agent = the ticket's assignee (the agent who holds or
//   held it last); sector as above; a scope other than "all" keeps the sectors in scope only;
// - created: created_at in the period; closed: closed_at in the period;
// - abandoned: closed in the period with no agent reply (first_response_at empty) after it entered
//   a queue (queued_at set) — or closed in the bot for inactivity (pre_service outcome 'abandoned');
// - closed by the bot (containment): closed in the period, never queued, never assigned, and its
//   pre-service ended 'resolved' by the bot (a close out of hours is neither);
// - wait (TME) = assigned_at − queued_at, handle (TMA) = closed_at − assigned_at, first response
//   = first_response_at − assigned_at, each over the tickets with both times in the period (a
//   ticket transferred after its first reply, whose first_response_at precedes its current
//   assigned_at, has no first-response time);
// - each duration also in business time: its part inside the business hours of the ticket's sector
//   (holidays excluded; src/hours/business-clock.ts), elapsed time for a sector without a calendar.
import type { Database } from 'bun:sqlite'
import type { Scope } from '../monitoring/scope'
import type { Period } from './period'
import { BUCKET_MS } from './period'

export interface ReportFilter {
  period: Period
  sectorId: number | null
  channelId: number | null
  agentId: number | null
  scope: Scope
}

type Params = Record<string, string | number | null>

const RS = '(CASE WHEN t.sector_id IS NOT NULL THEN t.sector_id ELSE (SELECT c.sector_id FROM channels c WHERE c.id = t.channel_id) END)'
const FILTERS = `
  AND ($channel IS NULL OR t.channel_id = $channel)
  AND ($agent IS NULL OR t.assignee_id = $agent)
  AND ($sector IS NULL OR ${RS} = $sector)
  AND ($all = 1 OR ${RS} IN (SELECT value FROM json_each($sectors)))`

// Closed without an agent: the bot's pre-service (migration 0007, table pre_service) records how
// it ended — 'resolved' by the bot, 'abandoned' (inactivity), 'out_of_hours'. Without that table
// (older schema) the last 'closed' history entry tells: no actor = the system. "No assignee" is
// written coalesce(assignee_id, 0) = 0 so the planner never trades the period's index for the
// assignee index (a year of unassigned tickets).
const PRE_OUTCOME = `(SELECT p.outcome FROM pre_service p WHERE p.ticket_id = t.id)`
const SYSTEM_CLOSE = `(SELECT h.actor_id IS NULL FROM ticket_history h WHERE h.ticket_id = t.id AND h.action = 'closed' ORDER BY h.id DESC LIMIT 1)`
const definitions = (preService: boolean) => ({
  abandoned: preService
    ? `(t.first_response_at IS NULL AND (t.queued_at IS NOT NULL OR (coalesce(t.assignee_id, 0) = 0 AND ${PRE_OUTCOME} = 'abandoned')))`
    : `(t.first_response_at IS NULL AND t.queued_at IS NOT NULL)`,
  bot: preService
    ? `(t.queued_at IS NULL AND coalesce(t.assignee_id, 0) = 0 AND ${PRE_OUTCOME} = 'resolved')`
    : `(t.queued_at IS NULL AND coalesce(t.assignee_id, 0) = 0 AND ${SYSTEM_CLOSE} = 1)`,
})

const CREATED_WHERE = `t.created_at >= $from AND t.created_at < $to`
const CLOSED_WHERE = `t.closed_at >= $from AND t.closed_at < $to`
const WAIT_WHERE = `t.assigned_at >= $from AND t.assigned_at < $to AND t.queued_at >= $from AND t.queued_at <= t.assigned_at`
const HANDLE_WHERE = `t.closed_at >= $from AND t.closed_at < $to AND t.assigned_at >= $from AND t.assigned_at <= t.closed_at`
const FR_WHERE = `t.first_response_at >= $from AND t.first_response_at < $to AND t.assigned_at >= $from AND t.assigned_at <= t.first_response_at`

export const METRICS = ['created', 'closed', 'abandoned', 'bot', 'wait', 'handle', 'first_response'] as const
export type Metric = (typeof METRICS)[number]

/** The WHERE of each metric's tickets (drill-down lists count exactly what the numbers count). */
const metricWhere = (d: ReturnType<typeof definitions>): Record<Metric, string> => ({
  created: CREATED_WHERE,
  closed: CLOSED_WHERE,
  abandoned: `${CLOSED_WHERE} AND ${d.abandoned}`,
  bot: `${CLOSED_WHERE} AND ${d.bot}`,
  wait: WAIT_WHERE,
  handle: HANDLE_WHERE,
  first_response: FR_WHERE,
})

/** [15-minute bucket, channel] of each ticket created in the period. */
export type CreatedRow = [number, number]
/**
 * [channel, classification, assignee, abandoned 0/1, closed by the bot 0/1, assigned_at when it
 * has a handle time (else null), closed_at, sector] of each ticket closed in the period.
 */
export type ClosedRow = [number, number | null, number | null, number, number, number | null, number, number | null]
/** A duration with what the tables break it down by: [channel or agent, start, end, sector]. */
export type SpanRow<K> = [K, number, number, number | null]

export interface DrillRow {
  id: number
  protocol: string
  status: string
  channel_id: number
  sector_id: number | null
  assignee_id: number | null
  contact_name: string | null
  classification_id: number | null
  created_at: number
  queued_at: number | null
  assigned_at: number | null
  first_response_at: number | null
  closed_at: number | null
}

export interface DrillQuery {
  metric: Metric
  /** Local hour of day / weekday (of created_at), with the period's offset segments as JSON. */
  hour: number | null
  dow: number | null
  segments: string
  /** Closed tickets of one classification (0 = none). */
  classification: number | null
  before: number
  limit: number
}

export function reportsStore(db: Database) {
  const preService = db.query<{ n: number }, []>("SELECT count(*) AS n FROM pragma_table_info('pre_service') WHERE name IN ('ticket_id', 'outcome')").get()!.n === 2
  const { abandoned: ABANDONED, bot: BOT } = definitions(preService)
  const METRIC_WHERE = metricWhere(definitions(preService))
  // One row per ticket, aggregated by the caller: SQLite's GROUP BY would sort every row of the
  // month (measured: twice as slow as handing the rows over).
  const created = db.query<unknown, Params>(`SELECT t.created_at / ${BUCKET_MS}, t.channel_id FROM tickets t WHERE ${CREATED_WHERE} ${FILTERS}`)
  const closed = db.query<unknown, Params>(
    `SELECT t.channel_id, t.classification_id, t.assignee_id,
            CASE WHEN ${ABANDONED} THEN 1 ELSE 0 END,
            CASE WHEN ${BOT} THEN 1 ELSE 0 END,
            CASE WHEN t.assigned_at >= $from AND t.assigned_at <= t.closed_at THEN t.assigned_at END, t.closed_at, t.sector_id
     FROM tickets t WHERE ${CLOSED_WHERE} ${FILTERS}`,
  )
  // Durations as their two ends and the ticket's sector (whose calendar gives the business time;
  // a ticket that was assigned has its own sector), with what the tables break them down by.
  const waits = db.query<unknown, Params>(`SELECT t.channel_id, t.queued_at, t.assigned_at, t.sector_id FROM tickets t WHERE ${WAIT_WHERE} ${FILTERS}`)
  const firsts = db.query<unknown, Params>(`SELECT t.assignee_id, t.assigned_at, t.first_response_at, t.sector_id FROM tickets t WHERE ${FR_WHERE} ${FILTERS}`)
  const userNames = db.query<{ id: number; name: string }, []>('SELECT id, name FROM users')

  // Drill-down: one static statement per metric. Hour/weekday of created_at use the period's
  // offset segments ([start, end, offset] in a JSON array) to find local time in SQL.
  const LOCAL = `(t.created_at + coalesce((SELECT json_extract(s.value, '$[2]') FROM json_each($segments) s
                   WHERE t.created_at >= json_extract(s.value, '$[0]') AND t.created_at < json_extract(s.value, '$[1]')), 0))`
  const drill = Object.fromEntries(
    (Object.keys(METRIC_WHERE) as Metric[]).map((m) => [
      m,
      // The page's ids first (from the period's covering index), then the 50 rows they name.
      db.query<DrillRow, Params>(
        `SELECT t.id, t.protocol, t.status, t.channel_id, t.sector_id, t.assignee_id, c.name AS contact_name, t.classification_id,
                t.created_at, t.queued_at, t.assigned_at, t.first_response_at, t.closed_at
         FROM tickets t JOIN contacts c ON c.id = t.contact_id
         WHERE t.id IN (
           SELECT t.id FROM tickets t
           WHERE ${METRIC_WHERE[m]} ${FILTERS}
             AND t.id < $before
             AND ($hour IS NULL OR (${LOCAL} / 3600000) % 24 = $hour)
             AND ($dow IS NULL OR ((${LOCAL} / 86400000) + 4) % 7 = $dow)
             AND ($classification IS NULL OR coalesce(t.classification_id, 0) = $classification)
           ORDER BY t.id DESC LIMIT $limit)
         ORDER BY t.id DESC`,
      ),
    ]),
  ) as Record<Metric, ReturnType<typeof db.query<DrillRow, Params>>>

  const params = (f: ReportFilter): Params => ({
    from: f.period.from,
    to: f.period.to,
    channel: f.channelId,
    agent: f.agentId,
    sector: f.sectorId,
    all: f.scope.all ? 1 : 0,
    sectors: JSON.stringify(f.scope.sectorIds),
  })

  return {
    created: (f: ReportFilter) => created.values(params(f)) as CreatedRow[],
    closed: (f: ReportFilter) => closed.values(params(f)) as ClosedRow[],
    /** [channel, queued_at, assigned_at, sector] */
    waits: (f: ReportFilter) => waits.values(params(f)) as SpanRow<number>[],
    /** [assignee, assigned_at, first_response_at, sector] */
    firstResponses: (f: ReportFilter) => firsts.values(params(f)) as SpanRow<number | null>[],
    /** Every user's name by id (one query for a report's labels). */
    userNames: (): Map<number, string> => new Map(userNames.all().map((u) => [u.id, u.name])),
    drill(f: ReportFilter, q: DrillQuery): DrillRow[] {
      return drill[q.metric].all({ ...params(f), segments: q.segments, hour: q.hour, dow: q.dow, classification: q.classification, before: q.before, limit: q.limit })
    },
  }
}
export type ReportsStore = ReturnType<typeof reportsStore>
