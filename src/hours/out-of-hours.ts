// The out-of-hours auto-reply for a ticket entering a queue (the no-bot path of the webhook
// processor; the bot's handoff does the same). See hours.ts for the behaviour by sector setting.
import { closeInPreService } from '../bot/pre-service'
import type { Context } from '../context'
import { insertOutbound } from '../desk/outbound'
import type { Ticket } from '../desk/tickets-store'
import { outOfHoursFor } from './hours'

/**
 * Call inside a write transaction, after the ticket queued (and its protocol message). Outside
 * the sector's hours: sends the out-of-hours message and, when the sector says so, closes the
 * ticket. Returns the number of messages queued (0 inside hours).
 */
export function replyOutOfHours(ctx: Context, ticket: Ticket, now = Date.now(), author: 'system' | 'bot' = 'system'): number {
  const ooh = outOfHoursFor(ctx, ticket.sector_id, now)
  if (!ooh) return 0
  insertOutbound(ctx, ticket, {
    author,
    type: 'text',
    text: ooh.text.replace(/\{protocolo\}/g, ticket.protocol),
    extra: { out_of_hours: { mode: ooh.mode, next_opening: ooh.next_opening === null ? null : new Date(ooh.next_opening).toISOString() } },
  })
  if (ooh.mode === 'close') closeInPreService(ctx, ticket.id, 'out_of_hours', now)
  return 1
}
