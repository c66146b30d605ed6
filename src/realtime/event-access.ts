// Who may receive an event, for every consumer of the events table that acts for a user: the API
// and page streams (realtime/routes.tsx) and outgoing webhooks (integrations/webhook-delivery.ts).
import type { User } from '../admin/users-store'
import { canSeeTicket } from '../desk/visibility'
import type { StoredEvent } from './events-store'

export interface EventTicket {
  id: number
  assignee_id: number | null
  confidential: boolean
  sector_id: number | null
}

/** The ticket an event is about, from its data (ticket events carry the ticket, message events a `ticket`). */
export function ticketOfEvent(ev: StoredEvent): EventTicket | null {
  if (ev.name === 'ticket.created' || ev.name === 'ticket.updated') return ev.data as never
  if (ev.name === 'message.created' || ev.name === 'message.updated') return ((ev.data as { ticket?: unknown }).ticket ?? null) as never
  return null
}

/**
 * One of the user's topics, and — for a confidential ticket, whose events its sector's topic also
 * carries — only when the user may see that ticket.
 */
export function eventVisibleTo(user: User, topics: Set<string>, ev: StoredEvent): boolean {
  if (!ev.topics.some((x) => topics.has(x))) return false
  const ticket = ticketOfEvent(ev)
  return !ticket?.confidential || canSeeTicket(user, ticket)
}
