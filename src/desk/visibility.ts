// Who may see a ticket: its assignee; members of its sector; profiles that see all tickets.
// Confidential tickets: only the assignee and profiles allowed to (tickets.view_all here, until
// the permission matrix of the admin issue adds a dedicated one).
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Ticket, Visibility } from './tickets-store'

export function visibilityOf(user: User): Visibility {
  const all = can(user, 'tickets.view_all')
  return { userId: user.id, all, confidential: all }
}

export function canSeeTicket(user: User, t: Ticket): boolean {
  if (t.assignee_id === user.id) return true
  if (t.confidential && !can(user, 'tickets.view_all')) return false
  if (can(user, 'tickets.view_all')) return true
  return t.sector_id !== null && user.sector_ids.includes(t.sector_id)
}
