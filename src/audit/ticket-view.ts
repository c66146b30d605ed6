// "Tickets viewed by supervisors": opening a ticket that is not yours, through a profile that sees
// every ticket (tickets.view_all / confidential), is audited. One entry per user and ticket per
// ten minutes, so reloading a page does not flood the log.
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'

const WINDOW_MS = 10 * 60_000
const recent = new WeakMap<Context, Map<string, number>>()

interface Viewed {
  id: number
  assignee_id: number | null
  sector_id: number | null
  confidential: boolean
}

/** Whether seeing this ticket is a supervisor's look at someone else's work (not their own, not their sector's queue). */
export function isSupervisorView(user: User, t: Viewed): boolean {
  if (t.assignee_id === user.id) return false
  if (!can(user, 'tickets.view_all') && !(t.confidential && can(user, 'tickets.confidential'))) return false
  return t.confidential || t.sector_id === null || !user.sector_ids.includes(t.sector_id) || t.assignee_id !== null
}

/** Records 'ticket.viewed' when a supervisor opens a ticket that is not theirs. Call after the visibility check. */
export function auditTicketView(ctx: Context, user: User, t: Viewed, ip: string | null, via: 'page' | 'api', now = Date.now()) {
  if (!isSupervisorView(user, t)) return
  let seen = recent.get(ctx)
  if (!seen) recent.set(ctx, (seen = new Map()))
  const key = `${user.id}:${t.id}`
  const last = seen.get(key)
  if (last !== undefined && now - last < WINDOW_MS) return
  seen.set(key, now)
  if (seen.size > 10_000) for (const [k, at] of seen) if (now - at >= WINDOW_MS) seen.delete(k)
  write(ctx.db, () =>
    ctx.stores.audit.record({ actor_id: user.id, action: 'ticket.viewed', object_type: 'ticket', object_id: t.id, ip, details: { via, assignee_id: t.assignee_id, sector_id: t.sector_id, confidential: t.confidential } }),
  )
}
