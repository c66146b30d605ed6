// Turns one stored delivery into contacts, tickets, messages and statuses. Runs inside one write
// transaction per delivery, and is idempotent: a message already stored (same wamid) and a status
// already seen (same wamid + status) change nothing, so replaying a delivery is harmless.
import { botOnMessage, flowForChannel } from '../../bot/engine'
import { endedInPreService } from '../../bot/pre-service'
import type { Context } from '../../context'
import { inheritContactCustomer } from '../../customers/contacts'
import { reopenIfRecent } from '../../desk/actions'
import { insertOutbound } from '../../desk/outbound'
import { messageJson, ticketJson, ticketTopics } from '../../desk/json'
import type { Contact } from '../../desk/contacts-store'
import type { Ticket } from '../../desk/tickets-store'
import { replyOutOfHours } from '../../hours/out-of-hours'
import { messageFor } from '../../settings/settings'
import { surveyAnswerFromMessage } from '../../surveys/answer'
import type { Channel } from '../store'
import { applyStatus, recordMessageUpdated } from './statuses'
import { parseDelivery, parseDeliveryJson, type InboundMessage, type StatusUpdate } from './parse'
import { applyTemplateDelivery } from './template-events'

export interface IngestResult {
  messages: number
  statuses: number
  media: number
  outbound: number
}

/** Call inside a write transaction. `raw` is the delivery exactly as received. */
export function ingestDelivery(ctx: Context, raw: Uint8Array): IngestResult {
  const parsed = parseDelivery(parseDeliveryJson(new TextDecoder().decode(raw)))
  const result: IngestResult = { messages: 0, statuses: 0, media: 0, outbound: 0 }
  for (const m of parsed.messages) ingestMessage(ctx, m, result)
  for (const s of parsed.statuses) ingestStatus(ctx, s, result)
  applyTemplateDelivery(ctx, parsed) // template status/quality/category events; opt-out words and replies to templates
  for (const problem of parsed.errors) ctx.log.warn({ path: problem.path, reason: problem.reason }, 'whatsapp delivery: part not understood')
  for (const a of parsed.accountErrors) ctx.log.warn({ phone_number_id: a.phoneNumberId, errors: a.errors.map((e) => e.code) }, 'whatsapp account error')
  return result
}

// Deliveries are routed by the number they were sent to (several numbers may share one app).
function channelOf(ctx: Context, phoneNumberId: string): Channel | null {
  const channel = ctx.stores.channels.byLookup('whatsapp', phoneNumberId)
  if (!channel) ctx.log.warn({ phone_number_id: phoneNumberId }, 'whatsapp delivery for an unknown number: ignored')
  return channel
}

function ingestMessage(ctx: Context, m: InboundMessage, result: IngestResult) {
  const channel = channelOf(ctx, m.phoneNumberId)
  if (!channel) return
  if (ctx.stores.messages.byExternal(channel.id, m.providerId)) return // redelivery

  let contact = ctx.stores.contacts.upsert(channel.id, m.contactKey, m.profileName, m.waId)
  if (m.type === 'system' && m.system?.newWaId && !ctx.stores.contacts.byKey(channel.id, m.system.newWaId)) {
    ctx.stores.contacts.rekey(contact.id, m.system.newWaId, m.system.newWaId)
    contact = ctx.stores.contacts.get(contact.id)!
  }
  // Edits and revokes change the message they point at; they do not open tickets.
  if ((m.type === 'revoke' || m.type === 'edit') && m.targetMessageId) {
    const target = ctx.stores.messages.byExternal(channel.id, m.targetMessageId)
    if (target) {
      const extra = { ...(target.extra ?? {}), ...(m.type === 'revoke' ? { revoked: true } : { edited: true, original_text: target.extra?.original_text ?? target.text }) }
      ctx.stores.messages.setExtraAndText(target.id, extra, m.type === 'edit' ? (m.text ?? target.text) : target.text)
      recordMessageUpdated(ctx, target.id)
      return
    }
  }

  // An answer to a survey stays on the survey's closed ticket; anything else goes the usual way.
  const survey = surveyAnswerFromMessage(ctx, { contactId: contact.id }, { text: m.text, payload: m.interactive?.id ?? m.buttonPayload }, Date.now(), { deferReplies: true })
  const { ticket, isNew } = survey.ticket ? { ticket: survey.ticket, isNew: false } : ticketFor(ctx, channel, contact)
  const providerAt = m.timestampMs ?? Date.now()
  const mediaId = m.media
    ? ctx.stores.media.insertPending({
        channel_id: channel.id,
        provider_media_id: m.media.id,
        expected_sha256: m.media.sha256,
        mime_type: m.media.mimeType ?? 'application/octet-stream',
        filename: m.media.filename ?? null,
      })
    : null
  if (mediaId) result.media++
  const quoted = m.type === 'reaction' ? m.reaction?.messageId : m.context?.id
  const replyTo = quoted ? ctx.stores.messages.byExternal(channel.id, quoted) : null
  const id = ctx.stores.messages.insert({
    ticket_id: ticket.id,
    channel_id: channel.id,
    direction: 'in',
    author: 'customer',
    type: storedType(m),
    text: m.type === 'reaction' ? (m.reaction?.emoji ?? null) : m.text,
    media_id: mediaId,
    location: m.location ? { ...m.location } : null,
    extra: extraOf(m),
    reply_to_id: replyTo?.id ?? null,
    reply_to_external_id: quoted && !replyTo ? quoted : null,
    external_id: m.providerId,
    status: 'received',
    error_code: m.errors[0]?.code ?? null,
    error_title: m.errors[0]?.title ?? null,
    error_message: m.errors[0]?.details ?? m.errors[0]?.message ?? null,
    provider_at: providerAt,
  })
  ctx.stores.tickets.touchInbound(ticket.id, providerAt)
  const fresh = ctx.stores.tickets.get(ticket.id)!
  const message = ctx.stores.messages.get(id)!
  ctx.stores.events.record(ticketTopics(fresh), 'message.created', { ...messageJson(message, mediaId ? ctx.stores.media.get(mediaId) : null), ticket: ticketJson(fresh) })
  result.messages++
  if (survey.handled) {
    result.outbound += survey.reply() // after the answer, so the conversation reads in order
    return
  }

  if (fresh.status === 'bot') {
    // Pre-service: the bot answers, inside this transaction (it only writes rows and queues messages).
    result.outbound += botOnMessage(ctx, fresh, channel, message)
  } else if (isNew && fresh.status === 'queued') {
    // A ticket entering the queue tells the customer its protocol number (after their message),
    // and outside the sector's hours the out-of-hours message (src/hours/hours.ts).
    const text = messageFor(ctx, 'protocol', ctx.config.defaultLanguage, { channel: 'whatsapp', vars: { protocolo: fresh.protocol } })
    insertOutbound(ctx, fresh, { author: 'system', type: 'text', text })
    result.outbound++
    result.outbound += replyOutOfHours(ctx, fresh)
  }
}

/**
 * The contact's open ticket; else their last ticket reopened when it was closed within the reopen
 * window (same protocol, queued again); else a new one with a protocol number — in pre-service when
 * the channel has a bot flow, otherwise in the channel's sector queue. Routing runs after the
 * delivery commits (the processor wakes it).
 */
export function ticketFor(ctx: Context, channel: Channel, contact: Contact): { ticket: Ticket; isNew: boolean } {
  const open = ctx.stores.tickets.openOfContact(contact.id)
  if (open) return { ticket: open, isNew: false }
  const now = Date.now()
  // A ticket closed in pre-service (by the bot, by inactivity, out of hours) is not reopened: the
  // customer starts a new conversation.
  const last = ctx.stores.tickets.lastOfContact(contact.id)
  const reopened = last && endedInPreService(ctx, last.id) ? null : reopenIfRecent(ctx, contact.id, now)
  if (reopened) return { ticket: reopened, isNew: false }
  // A channel with a bot flow starts the ticket in pre-service ('bot', the caller runs the flow);
  // without one it queues in the channel's sector at once.
  const bot = flowForChannel(ctx, channel) !== null
  const id = ctx.stores.tickets.create({
    protocol: ctx.stores.protocols.next(now, ctx.config.timeZone),
    channel_id: channel.id,
    contact_id: contact.id,
    status: bot ? 'bot' : 'queued',
    sector_id: channel.sector_id,
    now,
  })
  inheritContactCustomer(ctx, id, contact.id, now)
  const ticket = ctx.stores.tickets.get(id)!
  if (!bot) ctx.stores.history.record({ ticket_id: id, action: 'queued', at: now, to_sector_id: channel.sector_id })
  ctx.stores.events.record(ticketTopics(ticket), 'ticket.created', ticketJson(ticket))
  return { ticket, isNew: true }
}

/** api.md's message types; `order` and `system` are added (api.md changes only by adding). */
function storedType(m: InboundMessage): string {
  switch (m.type) {
    case 'revoke':
    case 'edit':
      return 'unsupported' // pointing at a message we never saw: keep it visible
    default:
      return m.type
  }
}

function extraOf(m: InboundMessage): Record<string, unknown> {
  const extra: Record<string, unknown> = {}
  if (m.contacts) extra.contacts = m.contacts
  if (m.interactive) extra.interactive = m.interactive
  if (m.buttonPayload !== null) extra.button_payload = m.buttonPayload
  if (m.referral) extra.referral = m.referral
  if (m.context?.forwarded || m.context?.frequentlyForwarded) extra.forwarded = m.context.frequentlyForwarded ? 'frequently' : true
  if (m.order) extra.order = m.order
  if (m.system) extra.system = m.system
  if (m.media?.voice) extra.voice = true
  if (m.media?.animated) extra.animated = true
  if (m.errors.length) extra.errors = m.errors
  if (m.type === 'unsupported' || m.rawType !== m.type) extra.raw_type = m.rawType
  if (m.unsupportedType) extra.unsupported_type = m.unsupportedType
  if (m.type === 'reaction' && m.reaction?.messageId) extra.reaction_to = m.reaction.messageId
  return extra
}

function ingestStatus(ctx: Context, s: StatusUpdate, result: IngestResult) {
  const channel = channelOf(ctx, s.phoneNumberId)
  if (!channel) return
  const isNew = ctx.stores.statuses.record(channel.id, s.providerId, s.status, s.timestampMs, s.errors)
  if (!isNew) return // the same (message, status) again
  const message = ctx.stores.messages.byExternal(channel.id, s.providerId)
  // Not ours yet (the send has not stored its wamid): kept, applied when the wamid appears.
  if (!message) return
  applyStatus(ctx, message, s.status, s.errors)
  ctx.stores.statuses.markApplied(channel.id, s.providerId, s.status)
  result.statuses++
}
