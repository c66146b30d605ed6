// Who may see a ticket: its assignee; members of its sector; profiles that see all tickets.
// Confidential tickets: only their assignee and profiles holding 'tickets.confidential' — in every
// list, page, API call, media download and live event.
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Ticket, Visibility } from './tickets-store'

export function visibilityOf(user: User): Visibility {
  return { userId: user.id, all: can(user, 'tickets.view_all'), confidential: can(user, 'tickets.confidential') }
}

export function canSeeTicket(user: User, t: Pick<Ticket, 'assignee_id' | 'confidential' | 'sector_id'>): boolean {
  if (t.assignee_id === user.id) return true
  if (t.confidential && !can(user, 'tickets.confidential')) return false
  if (can(user, 'tickets.view_all')) return true
  return t.sector_id !== null && user.sector_ids.includes(t.sector_id)
}
