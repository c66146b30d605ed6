// Sending the survey when an agent closes a ticket (desk/actions.ts closeTicket, inside its
// transaction). Not sent:
// - for tickets that ended in pre-service (bot, inactivity, out of hours): those never pass
//   through closeTicket, and a ticket no agent ever took (assigned_at empty) has no service to rate;
// - when the WhatsApp 24-hour window is closed: only templates go out then, and a survey template
//   would need Meta's approval per installation;
// - when no survey is configured (settings.ts has the rule).
// Anonymous and confidential tickets do get it: the answer adds only a score and a comment to a
// ticket the company already holds, and leaving them out would bias the results.
import type { Context } from '../context'
import { insertOutbound, windowOpen } from '../desk/outbound'
import type { Ticket } from '../desk/tickets-store'
import { t } from '../i18n'
import { BODY_MAX, BUTTON_TITLE_MAX, BUTTONS_MAX, LIST_ROWS_MAX } from '../bot/render'
import { optionsOf, SCALES, type SurveyOption } from './scale'
import { surveyFor, type EffectiveSurvey } from './settings'
import type { SurveyKind } from './store'

const HOUR = 3_600_000

/** Call inside the close transaction. Returns the number of messages queued (0 or 1). */
export function sendSurveyOnClose(ctx: Context, ticket: Ticket, now = Date.now()): number {
  if (ticket.assigned_at === null) return 0
  // The window as if the ticket were still open (a closed ticket reports none).
  if (!windowOpen({ ...ticket, status: 'open' }, now)) return 0
  const survey = surveyFor(ctx, ticket)
  if (!survey) return 0
  const id = ctx.stores.surveys.create({
    ticket_id: ticket.id,
    contact_id: ticket.contact_id,
    channel_id: ticket.channel_id,
    sector_id: ticket.sector_id,
    agent_id: ticket.assignee_id,
    kind: survey.kind,
    question: survey.question,
    comment_question: survey.comment_question,
    thanks: survey.thanks,
    sent_at: now,
    expires_at: now + survey.window_hours * HOUR,
  })
  const fresh = ctx.stores.tickets.get(ticket.id)!
  const message = insertOutbound(ctx, fresh, surveyMessage(ctx, id, survey, ticket.channel_type))
  ctx.stores.surveys.setMessage(id, message.id)
  return 1
}

/** The text every channel can show: the question and the options, one a line. */
function plainText(question: string, kind: SurveyKind, options: SurveyOption[]): string {
  const lines = kind === 'nps' ? [`${SCALES.nps.min} … ${SCALES.nps.max}`] : options.map((o) => o.title)
  return `${question}\n\n${lines.join('\n')}`
}

/**
 * WhatsApp: reply buttons when the scale has at most 3 options, a list when at most 10 (CSAT, CES);
 * NPS has 11, one more than a list holds — the list offers 1 to 10 and the text asks to type 0
 * (typed numbers are always accepted). `extra.survey` carries every option for other channels.
 */
export function surveyMessage(ctx: Context, surveyId: number, s: Pick<EffectiveSurvey, 'kind' | 'question' | 'comment_question'>, channelType: string) {
  const lang = ctx.config.defaultLanguage
  const options = optionsOf(s.kind, surveyId, lang)
  const text = plainText(s.question, s.kind, options)
  const extra: Record<string, unknown> = {
    survey: {
      id: surveyId,
      kind: s.kind,
      question: s.question,
      comment_question: s.comment_question,
      options: options.map((o) => ({ id: o.id, title: o.title })),
    },
  }
  if (channelType === 'email') return { author: 'system' as const, type: 'text', text, extra }
  const { min, max } = SCALES[s.kind]
  const listed = options.length > LIST_ROWS_MAX ? options.filter((o) => o.score !== 0) : options
  const hint = options.length > LIST_ROWS_MAX ? t(lang, 'surveys.type_zero_hint') : t(lang, 'surveys.type_hint', { min, max })
  const body = `${s.question}\n\n${hint}`.slice(0, BODY_MAX)
  if (listed.length <= BUTTONS_MAX && listed.every((o) => o.title.length <= BUTTON_TITLE_MAX)) {
    extra.interactive = { type: 'button', body: { text: body }, action: { buttons: listed.map((o) => ({ type: 'reply', reply: { id: o.id, title: o.title } })) } }
  } else {
    extra.interactive = {
      type: 'list',
      body: { text: body },
      action: { button: t(lang, 'surveys.list_button'), sections: [{ rows: listed.slice(0, LIST_ROWS_MAX).map((o) => ({ id: o.id, title: o.title })) }] },
    }
  }
  return { author: 'system' as const, type: 'interactive', text, extra }
}
