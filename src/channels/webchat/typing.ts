// Typing indicators, both ways. They are recorded as events (one small write, at most one per
// conversation and direction every few seconds), so they travel the same hub as everything else:
// an agent's typing to the visitor's stream only (the visitor's own topic), a visitor's typing to
// the assignee's streams (the workspace shows it under the conversation).
import type { Context } from '../../context'
import { write } from '../../db/open'
import type { Ticket } from '../../desk/tickets-store'
import type { User } from '../../admin/users-store'
import type { VisitorSession } from './store'
import { visitorTopic } from './visitor-stream'

/** One typing event per conversation and direction in this time; the widget shows one for ~5 s. */
export const TYPING_EVERY_MS = 3_000

/** Per database (ids are unique only within one; tests run several in one process). */
const lastByCtx = new WeakMap<Context, Map<string, number>>()

/**
 * True when this key may record again now (and remembers that it did): the last typing event is
 * older than TYPING_EVERY_MS, or a message was sent since (a new burst of typing after it shows at
 * once, though the widget hid the indicator when the message came).
 */
function due(ctx: Context, key: string, now: number, lastMessageAt: () => number | null): boolean {
  let last = lastByCtx.get(ctx)
  if (!last) lastByCtx.set(ctx, (last = new Map()))
  const before = last.get(key)
  if (before !== undefined && now - before < TYPING_EVERY_MS && (lastMessageAt() ?? 0) < before) return false
  if (last.size > 50_000) for (const [k, at] of last) if (now - at >= TYPING_EVERY_MS) last.delete(k)
  last.set(key, now)
  return true
}

/** The visitor is typing: the assignee of their open ticket hears it. */
export function recordVisitorTyping(ctx: Context, session: VisitorSession, now = Date.now()) {
  const ticket = ctx.stores.tickets.openOfContact(session.contact_id)
  if (!ticket || ticket.status !== 'open' || ticket.assignee_id === null) return
  if (!due(ctx, `v:${session.id}`, now, () => ctx.stores.webchat.lastWrittenAt(ticket.id, 'in'))) return
  write(ctx.db, () => ctx.stores.events.record([`user:${ticket.assignee_id}`], 'webchat.typing', { ticket_id: ticket.id, who: 'visitor' }))
  ctx.hub.wake()
}

/** An agent is typing in a web-chat ticket: the visitor's stream shows their name. */
export function recordAgentTyping(ctx: Context, user: User, ticket: Ticket, now = Date.now()) {
  if (!due(ctx, `a:${user.id}:${ticket.id}`, now, () => ctx.stores.webchat.lastWrittenAt(ticket.id, 'out'))) return
  write(ctx.db, () => ctx.stores.events.record([visitorTopic(ticket.contact_id)], 'webchat.typing', { ticket_id: ticket.id, who: 'agent', name: user.name }))
  ctx.hub.wake()
}
