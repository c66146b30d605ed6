// The customer's answer to a survey, from their next messages (WhatsApp ingest, WebChat) or from a
// channel's own answer endpoint (answerSurvey).
//
// A message is an answer when it taps one of the survey's options (`survey:<id>:<score>`), or types
// a score ("5", "nota 4", "dez") while the contact has no ticket in progress and their last
// ticket's survey waits for one. Then:
// - in range and in time: stored on the survey (the ticket's `survey`), a `ticket.updated` event,
//   then the comment question when one is configured (the next text within the window is the
//   comment), then the thank-you message;
// - out of range, or after the window (typed up to LATE_GRACE_MS after it, taps any time): not
//   stored; the customer is told politely once per survey. Another such message later is not
//   swallowed (typed: the normal flow; a tap on an old survey: kept on its ticket, no reply);
// - anything else (a question, a photo, "oi"): handled = false, the normal flow opens or reopens a
//   ticket as usual.
// The customer's message is stored on the survey's (closed) ticket by the caller, which is not
// reopened. Replies are queued after it when the caller asks to defer them (ingest), so the
// conversation reads in order.
import type { Context } from '../context'
import { write } from '../db/open'
import { recordTicketUpdated } from '../desk/routing'
import { insertOutbound } from '../desk/outbound'
import type { Ticket } from '../desk/tickets-store'
import { t } from '../i18n'
import { inRange, readOptionId, readTypedScore, SCALES } from './scale'
import type { Survey } from './store'

/** How long after the window a typed number is still taken for a late answer (and told so). */
export const LATE_GRACE_MS = 24 * 3_600_000
export const MAX_COMMENT = 2000

export interface SurveyInput {
  text: string | null
  /** the id of a tapped button or list row, if any */
  payload: string | null
}

export interface SurveyAnswerResult {
  handled: boolean
  /** messages queued so far (replies), for waking the outbox */
  outbound: number
  /** when handled: the survey's ticket, where the customer's message is to be stored */
  ticket: Ticket | null
  /** queues the deferred replies (once); returns how many */
  reply: () => number
}

const notHandled = (): SurveyAnswerResult => ({ handled: false, outbound: 0, ticket: null, reply: () => 0 })

/**
 * Call inside the delivery's write transaction, before the ticket for the message is chosen.
 * With `deferReplies`, nothing is queued until `reply()` (call it after storing the message).
 */
export function surveyAnswerFromMessage(
  ctx: Context,
  ticketOfContact: { contactId: number },
  input: SurveyInput,
  now = Date.now(),
  o: { deferReplies?: boolean } = {},
): SurveyAnswerResult {
  const contactId = ticketOfContact.contactId
  const tapped = readOptionId(input.payload)
  // Talking to someone again (the ticket reopened, or a new one): a typed number belongs to that
  // conversation. A tap on one of the survey's options is unmistakable and still counts.
  if (!tapped && ctx.stores.tickets.openOfContact(contactId)) return notHandled()
  let survey: Survey | null
  if (tapped) {
    survey = ctx.stores.surveys.get(tapped.surveyId)
    if (!survey || survey.contact_id !== contactId) return notHandled()
  } else {
    survey = ctx.stores.surveys.lastOfContact(contactId)
    // Only the survey of the contact's last ticket waits for typed answers.
    if (!survey || ctx.stores.tickets.lastOfContact(contactId)?.id !== survey.ticket_id) return notHandled()
  }

  const replies: string[] = []
  const decision = decide(ctx, survey, tapped?.score ?? null, tapped ? null : input.text, now, replies)
  if (!decision) return notHandled()

  const ticket = ctx.stores.tickets.get(survey.ticket_id)!
  let queued = false
  const reply = () => {
    if (queued) return 0
    queued = true
    const fresh = ctx.stores.tickets.get(ticket.id)!
    for (const text of replies) insertOutbound(ctx, fresh, { author: 'system', type: 'text', text, extra: { survey_reply: { survey_id: survey.id } } })
    return replies.length
  }
  const outbound = o.deferReplies ? 0 : reply()
  return { handled: true, outbound, ticket, reply }
}

/** What the message does to the survey; fills `replies`. False: not an answer. */
function decide(ctx: Context, s: Survey, tappedScore: number | null, text: string | null, now: number, replies: string[]): boolean {
  const lang = ctx.config.defaultLanguage
  const tapped = tappedScore !== null
  const inTime = now <= s.expires_at

  if (s.status === 'answered') return tapped // a second tap on an answered survey: kept, no reply
  if (s.status === 'commenting') {
    if (tapped) return true
    const comment = (text ?? '').trim()
    if (!inTime || !comment) {
      if (!inTime) ctx.stores.surveys.finish(s.id)
      return false
    }
    ctx.stores.surveys.setComment(s.id, comment.slice(0, MAX_COMMENT), now)
    recordSurveyChange(ctx, s.ticket_id)
    replies.push(s.thanks)
    return true
  }

  // status 'sent': waiting for the score
  const score = tappedScore ?? readTypedScore(text)
  if (score === null) return false
  const late = !inTime
  if (late && !tapped && now > s.expires_at + LATE_GRACE_MS) return false
  if (late || !inRange(s.kind, score)) {
    if (!ctx.stores.surveys.markNotice(s.id, now)) return tapped // told once already
    const { min, max } = SCALES[s.kind]
    replies.push(late ? t(lang, 'surveys.late') : t(lang, 'surveys.out_of_range', { min, max }))
    return true
  }
  storeScore(ctx, s, score, null, now, replies)
  return true
}

function storeScore(ctx: Context, s: Survey, score: number, comment: string | null, now: number, replies: string[]) {
  const askComment = s.comment_question !== null && comment === null
  ctx.stores.surveys.setScore(s.id, score, askComment, now)
  if (comment !== null) ctx.stores.surveys.setComment(s.id, comment.slice(0, MAX_COMMENT), now)
  recordSurveyChange(ctx, s.ticket_id)
  replies.push(askComment ? s.comment_question! : s.thanks)
}

/** The ticket's `survey` changed: `ticket.updated` to everyone who sees the ticket. */
function recordSurveyChange(ctx: Context, ticketId: number) {
  const after = ctx.stores.tickets.get(ticketId)!
  recordTicketUpdated(ctx, after, after)
}

export type AnswerOutcome = 'answered' | 'expired' | 'out_of_range' | 'already_answered' | 'no_survey'

/**
 * For channels with their own answer endpoint (WebChat): the score (and comment) of the ticket's
 * latest survey, with the thank-you message (or the comment question when no comment came and
 * one is configured). Its own transaction; wakes the hub and the outbox.
 */
export function answerSurvey(ctx: Context, ticketId: number, score: number, comment?: string | null, now = Date.now()): { outcome: AnswerOutcome; outbound: number } {
  const result = write(ctx.db, () => {
    const s = ctx.stores.surveys.lastOfTicket(ticketId)
    if (!s) return { outcome: 'no_survey' as const, outbound: 0 }
    if (s.status !== 'sent') return { outcome: 'already_answered' as const, outbound: 0 }
    if (now > s.expires_at) return { outcome: 'expired' as const, outbound: 0 }
    if (!inRange(s.kind, score)) return { outcome: 'out_of_range' as const, outbound: 0 }
    const replies: string[] = []
    const text = comment?.trim() || null
    storeScore(ctx, s, score, text, now, replies)
    const ticket = ctx.stores.tickets.get(ticketId)!
    for (const r of replies) insertOutbound(ctx, ticket, { author: 'system', type: 'text', text: r, extra: { survey_reply: { survey_id: s.id } } })
    return { outcome: 'answered' as const, outbound: replies.length }
  })
  if (result.outbound || result.outcome === 'answered') {
    ctx.hub.wake()
    ctx.wake.outbox()
  }
  return result
}
