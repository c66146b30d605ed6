// A visitor's message into the desk: the same path as a WhatsApp message (whatsapp/ingest.ts
// ingestMessage): a survey answer stays on the survey's ticket; otherwise the contact's open ticket,
// a recent one reopened, or a new one (pre-service when the channel has a bot); the bot answers,
// or a new queued ticket gets its protocol number and the out-of-hours reply. Runs inside the
// caller's write transaction, so the visitor's 201 is sent only after all of it committed.
import { botOnMessage } from '../../bot/engine'
import type { Context } from '../../context'
import { messageJson, ticketJson, ticketTopics } from '../../desk/json'
import type { Message } from '../../desk/messages-store'
import { insertOutbound } from '../../desk/outbound'
import { recordTicketUpdated } from '../../desk/routing'
import { replyOutOfHours } from '../../hours/out-of-hours'
import { messageFor } from '../../settings/settings'
import { surveyAnswerFromMessage } from '../../surveys/answer'
import type { Channel } from '../store'
import { ticketFor } from '../whatsapp/ingest'
import type { VisitorSession } from './store'

export interface VisitorInbound {
  type: 'text' | 'image' | 'document' | 'interactive'
  text: string | null
  media_id?: number | null
  /** A tapped button or survey option: stored as WhatsApp's parse.ts stores an interactive reply. */
  reply?: { id: string; title: string } | null
}

/** Call inside a write transaction. Returns the stored message and how many replies were queued. */
export function ingestVisitorMessage(ctx: Context, channel: Channel, session: VisitorSession, m: VisitorInbound, now = Date.now()): { message: Message; outbound: number } {
  const contact = ctx.stores.contacts.get(session.contact_id)!
  let outbound = 0
  const survey = surveyAnswerFromMessage(ctx, { contactId: contact.id }, { text: m.text, payload: m.reply?.id ?? null }, now, { deferReplies: true })
  const { ticket, isNew } = survey.ticket ? { ticket: survey.ticket, isNew: false } : ticketFor(ctx, channel, contact)

  // The customer the visitor identified as (their CPF/CNPJ in the pre-chat form) is the ticket's.
  if (isNew && contact.customer_id !== null && ticket.customer_id === null && !ticket.anonymous) {
    ctx.stores.tickets.patch(ticket.id, { customer_id: contact.customer_id }, now)
    recordTicketUpdated(ctx, ticket, ctx.stores.tickets.get(ticket.id)!)
  }

  const id = ctx.stores.messages.insert({
    ticket_id: ticket.id,
    channel_id: channel.id,
    direction: 'in',
    author: 'customer',
    type: m.type,
    text: m.text,
    media_id: m.media_id ?? null,
    extra: m.reply ? { interactive: { kind: 'button_reply', id: m.reply.id, title: m.reply.title, description: null, responseJson: null } } : null,
    status: 'received',
    provider_at: now,
  })
  ctx.stores.tickets.touchInbound(ticket.id, now)
  const fresh = ctx.stores.tickets.get(ticket.id)!
  const message = ctx.stores.messages.get(id)!
  ctx.stores.events.record(ticketTopics(fresh), 'message.created', { ...messageJson(message, m.media_id ? ctx.stores.media.get(m.media_id) : null), ticket: ticketJson(fresh) })

  if (survey.handled) {
    outbound += survey.reply() // after the answer, so the conversation reads in order
  } else if (fresh.status === 'bot') {
    outbound += botOnMessage(ctx, fresh, channel, message, now)
  } else if (isNew && fresh.status === 'queued') {
    const text = messageFor(ctx, 'protocol', ctx.config.defaultLanguage, { channel: 'webchat', vars: { protocolo: fresh.protocol } })
    insertOutbound(ctx, fresh, { author: 'system', type: 'text', text })
    outbound += 1 + replyOutOfHours(ctx, fresh, now)
  }
  return { message, outbound }
}
