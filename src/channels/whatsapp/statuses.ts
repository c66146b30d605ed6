// Applying delivery statuses to our outbound messages (whatsapp.md §3): only upwards
// (sent < delivered < read), `failed` keeps Meta's error, a later delivered/read wins over failed.
import type { Context } from '../../context'
import { messageJson, ticketJson, ticketTopics } from '../../desk/json'
import type { Message, MessageStatus } from '../../desk/messages-store'
import { shouldApplyStatus, type DeliveryStatus, type WaError } from './parse'

/** Our message status for a provider status (`played` is a voice note listened to: read). */
const OURS: Record<DeliveryStatus, MessageStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', played: 'read', failed: 'failed' }

/** Call inside a write transaction. Returns true when the message changed. */
export function applyStatus(ctx: Context, message: Message, status: DeliveryStatus, errors: WaError[]): boolean {
  if (!shouldApplyStatus(message.status, status)) return false
  const ours = OURS[status]
  if (ours === message.status) return false
  const e = errors[0]
  ctx.stores.messages.setStatus(message.id, ours, ours === 'failed' ? { code: e?.code ?? null, title: e?.title ?? null, message: e?.details ?? e?.message ?? null } : null)
  recordMessageUpdated(ctx, message.id)
  return true
}

/** Statuses that arrived before our send stored the wamid: apply them now. Call inside a write transaction. */
export function applyPendingStatuses(ctx: Context, message: Message) {
  if (!message.external_id) return
  for (const s of ctx.stores.statuses.unapplied(message.channel_id, message.external_id)) {
    const current = ctx.stores.messages.get(message.id)!
    applyStatus(ctx, current, s.status as DeliveryStatus, s.errors ? JSON.parse(s.errors) : [])
    ctx.stores.statuses.markApplied(message.channel_id, message.external_id, s.status)
  }
}

/** Records message.updated for live streams. Call inside a write transaction. */
export function recordMessageUpdated(ctx: Context, messageId: number) {
  const m = ctx.stores.messages.get(messageId)!
  const t = ctx.stores.tickets.get(m.ticket_id)!
  const media = m.media_id ? ctx.stores.media.get(m.media_id) : null
  ctx.stores.events.record(ticketTopics(t), 'message.updated', { ...messageJson(m, media), ticket: ticketJson(t) })
}
