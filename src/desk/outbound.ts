// Everything we say to a customer goes through here: the message row ('queued') and its outbox
// row commit together, the sender worker delivers it, retries and records the outcome. Internal
// notes are stored only (never sent).
import type { Context } from '../context'
import { write } from '../db/open'
import { conflict } from '../http/errors'
import { messageJson, ticketJson, ticketTopics, windowExpiresAt } from './json'
import type { Author, Message } from './messages-store'
import type { Ticket } from './tickets-store'

export interface Outbound {
  author: Author
  author_id?: number | null
  type: string // text | image | audio | video | document | sticker | template | note
  text?: string | null
  media_id?: number | null
  reply_to_id?: number | null
  extra?: Record<string, unknown> | null
}

/** A small margin so a message queued at the last second is not refused by Meta anyway. */
const WINDOW_MARGIN_MS = 60_000

export function windowOpen(t: Ticket, now = Date.now()): boolean {
  if (t.channel_type !== 'whatsapp') return true
  const expires = windowExpiresAt(t)
  return expires !== null && expires - WINDOW_MARGIN_MS > now
}

/** Call inside a write transaction. Records message.created; the caller wakes the hub and sender. */
export function insertOutbound(ctx: Context, t: Ticket, o: Outbound): Message {
  const note = o.type === 'note'
  // Web chat has no provider to call: the committed message is delivered by the visitor's event
  // stream (src/channels/webchat), so it is 'sent' at once and needs no outbox row; the widget's
  // read call marks it read.
  const webchat = t.channel_type === 'webchat'
  const id = ctx.stores.messages.insert({
    ticket_id: t.id,
    channel_id: t.channel_id,
    direction: 'out',
    author: o.author,
    author_id: o.author_id ?? null,
    type: o.type,
    text: o.text ?? null,
    media_id: o.media_id ?? null,
    reply_to_id: o.reply_to_id ?? null,
    extra: o.extra ?? null,
    status: note || webchat ? 'sent' : 'queued',
  })
  if (!note && !webchat) ctx.stores.outbox.enqueue({ channel_id: t.channel_id, ticket_id: t.id, message_id: id, kind: 'send' })
  if (o.author === 'agent' && !note) ctx.stores.tickets.markFirstResponse(t.id, Date.now())
  else ctx.stores.tickets.touch(t.id)
  const message = ctx.stores.messages.get(id)!
  const media = message.media_id ? ctx.stores.media.get(message.media_id) : null
  ctx.stores.events.record(ticketTopics(t), 'message.created', { ...messageJson(message, media), ticket: ticketJson(ctx.stores.tickets.get(t.id)!) })
  return message
}

/**
 * Queues a message from an agent, the API or the system. A closed ticket takes nothing (409
 * ticket_closed); free-form messages need the WhatsApp 24-hour window open (409
 * whatsapp_window_closed); notes and templates do not. `insertMedia` runs inside the same
 * transaction after the checks, so a refused message leaves no orphan media row.
 */
export function queueOutbound(ctx: Context, ticket: Ticket, o: Outbound, insertMedia?: () => number): Message {
  const message = write(ctx.db, () => {
    const t = ctx.stores.tickets.get(ticket.id)!
    if (t.status === 'closed') throw conflict('ticket_closed', 'desk.ticket_closed')
    if (o.type !== 'note' && o.type !== 'template' && !windowOpen(t)) throw conflict('whatsapp_window_closed', 'desk.window_closed')
    return insertOutbound(ctx, t, insertMedia ? { ...o, media_id: insertMedia() } : o)
  })
  ctx.hub.wake()
  ctx.wake.outbox()
  return message
}
