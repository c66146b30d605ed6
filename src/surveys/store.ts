// Satisfaction surveys (migration 0010): the settings per sector and channel, one row per survey
// sent at a ticket's close, and the reads of the results page.
import type { Database } from 'bun:sqlite'
import { surveyReader } from '../reports/surveys'

export type SurveyKind = 'csat' | 'nps' | 'ces'
export type ChannelKind = 'inherit' | 'none' | SurveyKind
export type SurveyStatus = 'sent' | 'commenting' | 'answered'

export interface SurveySettingsRow {
  sector_id: number | null
  channel_id: number | null
  kind: ChannelKind
  question: string | null
  comment_question: string | null
  window_hours: number
  thanks: string | null
  updated_at: number
}

export interface Survey {
  id: number
  ticket_id: number
  contact_id: number
  channel_id: number
  sector_id: number | null
  agent_id: number | null
  kind: SurveyKind
  status: SurveyStatus
  question: string
  comment_question: string | null
  thanks: string
  score: number | null
  comment: string | null
  sent_at: number
  expires_at: number
  answered_at: number | null
  commented_at: number | null
  notice_at: number | null
  message_id: number | null
}

export type NewSurvey = Pick<Survey, 'ticket_id' | 'contact_id' | 'channel_id' | 'sector_id' | 'agent_id' | 'kind' | 'question' | 'comment_question' | 'thanks' | 'sent_at' | 'expires_at'>

/** The results' filters: answered in [from, to), by the sector/agent/channel at close, within a scope. */
export interface ResultsFilter {
  from: number
  to: number
  kind: SurveyKind | null
  sectorId: number | null
  agentId: number | null
  channelId: number | null
  /** every sector (scope "all") or only these */
  all: boolean
  sectorIds: number[]
}

export interface AnswerRow {
  id: number
  ticket_id: number
  protocol: string
  kind: SurveyKind
  score: number
  comment: string | null
  answered_at: number
  sector_id: number | null
  agent_id: number | null
  channel_id: number
  confidential: number
}

// The survey's sector, or its channel's when it had none (the same rule as the reports).
const SECTOR = '(CASE WHEN s.sector_id IS NOT NULL THEN s.sector_id ELSE (SELECT c.sector_id FROM channels c WHERE c.id = s.channel_id) END)'
const WHERE = `s.answered_at >= $from AND s.answered_at < $to AND s.score IS NOT NULL
  AND ($kind IS NULL OR s.kind = $kind)
  AND ($channel IS NULL OR s.channel_id = $channel)
  AND ($agent IS NULL OR s.agent_id = $agent)
  AND ($sector IS NULL OR ${SECTOR} = $sector)
  AND ($all = 1 OR ${SECTOR} IN (SELECT value FROM json_each($sectors)))`

const COLUMNS = `id, ticket_id, contact_id, channel_id, sector_id, agent_id, kind, status, question, comment_question, thanks,
  score, comment, sent_at, expires_at, answered_at, commented_at, notice_at, message_id`

type Params = Record<string, string | number | null>

export function surveysStore(db: Database) {
  const settingsAll = db.query<SurveySettingsRow, []>(
    'SELECT sector_id, channel_id, kind, question, comment_question, window_hours, thanks, updated_at FROM survey_settings',
  )
  const settingsOfSector = db.query<SurveySettingsRow, [number]>(
    'SELECT sector_id, channel_id, kind, question, comment_question, window_hours, thanks, updated_at FROM survey_settings WHERE sector_id = ?',
  )
  const settingsOfChannel = db.query<SurveySettingsRow, [number]>(
    'SELECT sector_id, channel_id, kind, question, comment_question, window_hours, thanks, updated_at FROM survey_settings WHERE channel_id = ?',
  )
  const upsertSector = db.query<unknown, Params>(
    `INSERT INTO survey_settings (sector_id, kind, question, comment_question, window_hours, thanks, updated_at)
     VALUES ($id, 'inherit', $question, $comment_question, $window_hours, $thanks, $now)
     ON CONFLICT (sector_id) DO UPDATE SET question = excluded.question, comment_question = excluded.comment_question,
       window_hours = excluded.window_hours, thanks = excluded.thanks, updated_at = excluded.updated_at`,
  )
  const upsertChannel = db.query<unknown, Params>(
    `INSERT INTO survey_settings (channel_id, kind, question, comment_question, window_hours, thanks, updated_at)
     VALUES ($id, $kind, $question, $comment_question, $window_hours, $thanks, $now)
     ON CONFLICT (channel_id) DO UPDATE SET kind = excluded.kind, question = excluded.question, comment_question = excluded.comment_question,
       window_hours = excluded.window_hours, thanks = excluded.thanks, updated_at = excluded.updated_at`,
  )
  const setSectorKind = db.query<unknown, [string, number, number]>('UPDATE sectors SET survey = ?, updated_at = ? WHERE id = ?')

  const insert = db.query<{ id: number }, Params>(
    `INSERT INTO surveys (ticket_id, contact_id, channel_id, sector_id, agent_id, kind, status, question, comment_question, thanks, sent_at, expires_at)
     VALUES ($ticket_id, $contact_id, $channel_id, $sector_id, $agent_id, $kind, 'sent', $question, $comment_question, $thanks, $sent_at, $expires_at)
     RETURNING id`,
  )
  const link = db.query<unknown, [number, number]>('UPDATE tickets SET survey_id = ? WHERE id = ?')
  const setMessage = db.query<unknown, [number, number]>('UPDATE surveys SET message_id = ? WHERE id = ?')
  const byId = db.query<Survey, [number]>(`SELECT ${COLUMNS} FROM surveys WHERE id = ?`)
  const lastOfContact = db.query<Survey, [number]>(`SELECT ${COLUMNS} FROM surveys WHERE contact_id = ? ORDER BY id DESC LIMIT 1`)
  const lastOfTicket = db.query<Survey, [number]>(`SELECT ${COLUMNS} FROM surveys WHERE ticket_id = ? ORDER BY id DESC LIMIT 1`)
  const score = db.query<unknown, [number, string, number, number]>('UPDATE surveys SET score = ?, status = ?, answered_at = ? WHERE id = ?')
  const comment = db.query<unknown, [string, number, number]>("UPDATE surveys SET comment = ?, status = 'answered', commented_at = ? WHERE id = ?")
  const finish = db.query<unknown, [number]>("UPDATE surveys SET status = 'answered' WHERE id = ?")
  const notice = db.query<unknown, [number, number]>('UPDATE surveys SET notice_at = ? WHERE id = ? AND notice_at IS NULL')

  const answers = db.query<AnswerRow, Params>(
    `SELECT s.id, s.ticket_id, t.protocol, s.kind, s.score, s.comment, s.answered_at, s.sector_id, s.agent_id, s.channel_id, t.confidential
     FROM surveys s JOIN tickets t ON t.id = s.ticket_id
     WHERE ${WHERE} AND ($comments = 0 OR s.comment IS NOT NULL) AND s.id < $before
     ORDER BY s.id DESC LIMIT $limit`,
  )
  const scores = db.query<{ kind: SurveyKind; score: number; answered_at: number }, Params>(
    `SELECT s.kind, s.score, s.answered_at FROM surveys s WHERE ${WHERE} ORDER BY s.answered_at`,
  )

  const filterParams = (f: ResultsFilter): Params => ({
    from: f.from,
    to: f.to,
    kind: f.kind,
    channel: f.channelId,
    agent: f.agentId,
    sector: f.sectorId,
    all: f.all ? 1 : 0,
    sectors: JSON.stringify(f.sectorIds),
  })

  return {
    // The reports' numbers (CSAT, NPS, CES over a report filter): src/reports/surveys.ts.
    ...surveyReader(db),
    // ---- settings ----
    allSettings: () => settingsAll.all(),
    sectorSettings: (sectorId: number) => settingsOfSector.get(sectorId),
    channelSettings: (channelId: number) => settingsOfChannel.get(channelId),
    /** Call inside a write transaction. The sector's kind goes to sectors.survey. */
    saveSector(id: number, kind: string, s: { question: string | null; comment_question: string | null; window_hours: number; thanks: string | null }, now: number) {
      setSectorKind.run(kind, now, id)
      upsertSector.run({ id, question: s.question, comment_question: s.comment_question, window_hours: s.window_hours, thanks: s.thanks, now })
    },
    /** Call inside a write transaction. */
    saveChannel(id: number, s: { kind: ChannelKind; question: string | null; comment_question: string | null; window_hours: number; thanks: string | null }, now: number) {
      upsertChannel.run({ id, kind: s.kind, question: s.question, comment_question: s.comment_question, window_hours: s.window_hours, thanks: s.thanks, now })
    },

    // ---- surveys ----
    /** Call inside a write transaction: the survey row, linked as the ticket's latest. */
    create(s: NewSurvey): number {
      const id = insert.get({ ...s })!.id
      link.run(id, s.ticket_id)
      return id
    },
    setMessage: (id: number, messageId: number) => setMessage.run(messageId, id),
    get: (id: number) => byId.get(id),
    lastOfContact: (contactId: number) => lastOfContact.get(contactId),
    lastOfTicket: (ticketId: number) => lastOfTicket.get(ticketId),
    /** Call inside a write transaction: the score; 'commenting' when a comment is asked next. */
    setScore: (id: number, value: number, commenting: boolean, now: number) => score.run(value, commenting ? 'commenting' : 'answered', now, id),
    setComment: (id: number, text: string, now: number) => comment.run(text, now, id),
    /** The comment was not given in time: the survey is done with its score only. */
    finish: (id: number) => finish.run(id),
    /** Marks that the customer was told an answer was not taken; false when they already were. */
    markNotice: (id: number, now: number): boolean => notice.run(now, id).changes > 0,

    // ---- results ----
    /** Every answered score of the filter, oldest first (kind, score, time): the results page aggregates them. */
    scores: (f: ResultsFilter) => scores.all(filterParams(f)),
    /** Answers, newest survey first, keyset-paged by id; `commentsOnly` keeps those with a comment. */
    answers(f: ResultsFilter, o: { commentsOnly: boolean; before?: number; limit: number }): AnswerRow[] {
      return answers.all({
        ...filterParams(f),
        comments: o.commentsOnly ? 1 : 0,
        before: o.before ?? Number.MAX_SAFE_INTEGER,
        limit: o.limit,
      })
    },
  }
}
export type SurveysStore = ReturnType<typeof surveysStore>
