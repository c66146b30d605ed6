// What a customer's message means for templates and notices: an opt-out word ("parar", "sair")
// from someone who got a template from us in the last 30 days marks the contact so bulk notices
// skip it (the same word typed in an ordinary conversation, e.g. to leave a bot menu, does not); a
// reply to one of our templates is labelled with the template it answers (the agent sees it).
// Runs inside the delivery's write transaction.
import type { Context } from '../context'
import type { InboundMessage } from '../channels/whatsapp/parse'
import { recordMessageUpdated } from '../channels/whatsapp/statuses'
import { templateReplyOf } from './send'
import { isOptOut } from './validation'

export { isOptOut }

/** An opt-out word counts from someone who got one of our templates this recently. */
export const OPT_OUT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000

/** Marks the contact opted out of bulk notices; true when it was not before. Call inside a write transaction. */
export function markOptOut(ctx: Context, contactId: number): boolean {
  const changed = ctx.stores.recipients.optOut(contactId)
  if (changed) ctx.log.info({ contact_id: contactId }, 'contact opted out of notices')
  return changed
}

/** The text a customer typed or tapped (text, a template's quick-reply button, an interactive reply). */
const replyText = (m: InboundMessage): string | null =>
  m.type === 'text' || m.type === 'button' ? m.text : m.type === 'interactive' ? (m.interactive?.title ?? m.text) : null

/** Call inside the write transaction that stored the message (after it was stored). */
export function noteInboundMessage(ctx: Context, m: InboundMessage) {
  const channel = ctx.stores.channels.byLookup('whatsapp', m.phoneNumberId)
  if (!channel) return
  if (isOptOut(replyText(m))) {
    const contact = ctx.stores.contacts.byKey(channel.id, m.contactKey)
    const lastTemplate = contact ? ctx.stores.recipients.lastTemplateAt(contact.id) : null
    if (contact && lastTemplate !== null && lastTemplate > Date.now() - OPT_OUT_WINDOW_MS) markOptOut(ctx, contact.id)
  }
  const reply = templateReplyOf(ctx, channel.id, m.context?.id)
  if (!reply) return
  const message = ctx.stores.messages.byExternal(channel.id, m.providerId)
  if (!message || message.direction !== 'in' || message.extra?.template_reply) return
  const extra = { ...(message.extra ?? {}), template_reply: { template_id: reply.template_id, name: reply.name, language: reply.language, message_id: reply.message_id } }
  ctx.stores.messages.setExtraAndText(message.id, extra, message.text)
  recordMessageUpdated(ctx, message.id)
}
