// The end of a ticket's pre-service, shared by the bot and the out-of-hours reply: closing a ticket
// before any person took it (resolved by the bot, abandoned, closed out of hours) and telling
// whether a ticket ended that way (then the customer writing again starts a new conversation with
// the bot instead of reopening it into a queue).
import type { Context } from '../context'
import { cancelOffers, recordTicketUpdated } from '../desk/routing'
import type { Ticket } from '../desk/tickets-store'
import { t } from '../i18n'
import type { PreServiceOutcome } from './store'

type Closing = Extract<PreServiceOutcome, 'resolved' | 'abandoned' | 'out_of_hours'>

const NOTE_KEY = {
  resolved: 'bot.close_note_resolved',
  abandoned: 'bot.close_note_abandoned',
  out_of_hours: 'bot.close_note_out_of_hours',
} as const

/** Call inside a write transaction: marks the pre-service done with the outcome (a row is made when missing). */
export function finishPreService(ctx: Context, ticketId: number, outcome: PreServiceOutcome, now: number) {
  ctx.stores.bot.pre.finish(ticketId, outcome, now)
}

/** Call inside a write transaction: closes the ticket without an agent (history 'closed', no actor). */
export function closeInPreService(ctx: Context, ticketId: number, outcome: Closing, now: number): Ticket {
  const before = ctx.stores.tickets.get(ticketId)!
  cancelOffers(ctx, ticketId, null, now)
  const note = t(ctx.config.defaultLanguage, NOTE_KEY[outcome])
  ctx.stores.tickets.close(ticketId, null, note, now)
  ctx.stores.history.record({ ticket_id: ticketId, action: 'closed', at: now, from_sector_id: before.sector_id, note })
  const after = ctx.stores.tickets.get(ticketId)!
  recordTicketUpdated(ctx, before, after)
  finishPreService(ctx, ticketId, outcome, now)
  return after
}

/** Whether the ticket was closed in pre-service (by the bot, by inactivity, out of hours). */
export function endedInPreService(ctx: Context, ticketId: number): boolean {
  const outcome = ctx.stores.bot.pre.outcome(ticketId)
  return outcome === 'resolved' || outcome === 'abandoned' || outcome === 'out_of_hours'
}
