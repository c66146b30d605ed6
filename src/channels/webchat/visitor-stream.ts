// The visitor's event stream (GET /webchat/:key/events): the shared SSE machinery (realtime/stream.ts:
// replay from Last-Event-ID, hub fan-out, pings) over the events the desk already records, filtered
// to this visitor's tickets and turned into the visitor's shapes (protocol.ts). Nothing agent-only
// passes: internal notes are dropped, and every message is re-read and rebuilt as a VisitorMessage
// (never the API's message or ticket JSON).
import type { Context } from '../../context'
import { t } from '../../i18n'
import type { StoredEvent } from '../../realtime/events-store'
import { formatSse } from '../../realtime/sse-format'
import { sseResponse } from '../../realtime/stream'
import type { Channel } from '../store'
import { visibleToVisitor, visitorMessage, type Names, type VisitorMessage } from './protocol'
import type { WebchatSettings } from './settings'
import type { VisitorSession } from './store'

/** The topic of events meant for one visitor only (agent typing). */
export const visitorTopic = (contactId: number) => `webchat:${contactId}`

/**
 * Which contact a ticket belongs to never changes: remembered for every stream of this database
 * (per context — ticket ids are only unique within one database; tests run several in a process).
 * Bounded; a miss costs one indexed query.
 */
const contactOfTicketByCtx = new WeakMap<Context, Map<number, number | null>>()
function contactOf(ctx: Context, ticketId: number): number | null {
  let contactOfTicket = contactOfTicketByCtx.get(ctx)
  if (!contactOfTicket) contactOfTicketByCtx.set(ctx, (contactOfTicket = new Map()))
  let contact = contactOfTicket.get(ticketId)
  if (contact === undefined) {
    contact = ctx.stores.webchat.contactOfTicket(ticketId)
    if (contactOfTicket.size > 100_000) contactOfTicket.clear()
    // A ticket not found yet may be created later with this id (rolled back insert): not cached.
    if (contact !== null) contactOfTicket.set(ticketId, contact)
  }
  return contact
}

/**
 * The hub matches an event to a stream by its topics; a visitor's tickets can appear while the
 * stream is open (a new conversation after a close), so membership is decided per topic: the
 * ticket topics of this contact's tickets, and the visitor's own topic.
 */
class VisitorTopics extends Set<string> {
  constructor(
    private ctx: Context,
    private contactId: number,
  ) {
    super()
  }
  override has(topic: string): boolean {
    if (topic === visitorTopic(this.contactId)) return true
    if (!topic.startsWith('ticket:')) return false
    const id = Number(topic.slice(7))
    return Number.isInteger(id) && contactOf(this.ctx, id) === this.contactId
  }
}

/** A ticket.updated this close to the ticket's closed_at is the close itself (same transaction). */
const CLOSE_EVENT_MS = 5_000

/** Typing events older than this are not replayed (they describe a moment, not a state). */
const TYPING_FRESH_MS = 10_000

export function visitorStream(ctx: Context, signal: AbortSignal, channel: Channel, settings: WebchatSettings, session: VisitorSession, lastEventId: string | null): Response {
  const key = settings.channel_key
  const names = { visitor: session.name, bot: t(ctx.config.defaultLanguage, 'webchat.bot_name') }
  // Close a ticket's conversation once per stream (ticket.updated repeats for a closed ticket).
  const closedSent = new Set<number>()

  const render = (ev: StoredEvent): string | null => {
    // The session may expire while the stream is open: stop sending.
    if (Date.now() >= session.expires_at) return null
    if (ev.name === 'message.created' || ev.name === 'message.updated') {
      const data = ev.data as { id?: unknown }
      const m = ctx.stores.messages.get(Number(data.id))
      if (!m || !visibleToVisitor(m) || contactOf(ctx, m.ticket_id) !== session.contact_id) return null
      const vm = visitorMessage(m, m.media_id ? ctx.stores.media.get(m.media_id) : null, key, names)
      let out = formatSse({ event: ev.name, data: JSON.stringify(vm), ...(ev.name === 'message.created' && vm.survey ? {} : { id: ev.id }) })
      if (ev.name === 'message.created' && vm.survey) {
        const survey = { message_id: vm.id, kind: vm.survey.kind, question: vm.survey.question, options: vm.survey.options, comment_question: vm.survey.comment_question }
        out += formatSse({ id: ev.id, event: 'survey.requested', data: JSON.stringify(survey) })
      }
      return out
    }
    if (ev.name === 'ticket.updated' || ev.name === 'ticket.created') {
      const t = ev.data as { id?: unknown; protocol?: unknown; status?: unknown; offer?: unknown; closed_at?: unknown }
      // Only the update written by the close itself (later ones — a survey answer, a classification —
      // describe a ticket closed long ago); once per stream.
      const closing = t.status === 'closed' && typeof t.closed_at === 'string' && ev.at - Date.parse(t.closed_at) < CLOSE_EVENT_MS
      if (t.offer !== undefined || !closing || closedSent.has(Number(t.id))) return formatSse({ id: ev.id })
      closedSent.add(Number(t.id))
      return formatSse({ id: ev.id, event: 'conversation.closed', data: JSON.stringify({ protocol: String(t.protocol) }) })
    }
    if (ev.name === 'webchat.typing') {
      const d = ev.data as { who?: unknown; name?: unknown }
      if (d.who !== 'agent' || Date.now() - ev.at > TYPING_FRESH_MS) return formatSse({ id: ev.id })
      return formatSse({ id: ev.id, event: 'agent.typing', data: JSON.stringify({ name: typeof d.name === 'string' ? d.name : null }) })
    }
    return null
  }

  return sseResponse({
    hub: ctx.hub,
    events: ctx.stores.events,
    signal,
    topics: new VisitorTopics(ctx, session.contact_id),
    lastEventId,
    allowed: () => true, // the topics already say "this visitor's tickets"; render re-checks each message
    render,
    // Without Last-Event-ID the widget has just loaded GET /messages. Past the replay buffer, the
    // conversation is sent again as message.created (the widget keys messages by id).
    snapshot: (reason) => (reason === 'fresh' ? [] : conversationOf(ctx, session, key, names).map((vm) => ({ event: 'message.created', data: JSON.stringify(vm) }))),
  })
}

/** The visitor's conversation: every ticket of their contact, oldest first, without internal notes. */
export function conversationOf(ctx: Context, session: VisitorSession, key: string, names: Names, afterId = 0, limit = 500): VisitorMessage[] {
  const out: VisitorMessage[] = []
  for (const id of ctx.stores.webchat.conversationIds(session.contact_id, afterId, limit)) {
    const m = ctx.stores.messages.get(id)
    if (m && visibleToVisitor(m)) out.push(visitorMessage(m, m.media_id ? ctx.stores.media.get(m.media_id) : null, key, names))
  }
  return out
}
