// Agent presence (disponível / em pausa / offline). A change is one transaction: the user row,
// the audit entry and the `presence.updated` event; the hub pushes it after commit.
import { presenceJson } from '../admin/users'
import type { PresenceStatus, User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest } from '../http/errors'

export const PRESENCE: readonly PresenceStatus[] = ['available', 'paused', 'offline']

/** The topics a presence change is published on: the user, their sectors, and supervisors. */
export const presenceTopics = (u: User) => [`user:${u.id}`, 'supervisor', ...u.sector_ids.map((s) => `sector:${s}`)]

export function presenceEvent(u: User) {
  return { user_id: u.id, name: u.name, ...presenceJson(u) }
}

export function setPresence(ctx: Context, user: User, status: unknown, reason: unknown, actorId = user.id): User {
  if (typeof status !== 'string' || !(PRESENCE as readonly string[]).includes(status)) {
    throw badRequest('validation_failed', 'error.validation', [{ field: 'status', key: 'valid.presence' }])
  }
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.trim().length > 120)) {
    throw badRequest('validation_failed', 'error.validation', [{ field: 'reason', key: 'valid.reason' }])
  }
  // A reason only means something while paused.
  const why = status === 'paused' && typeof reason === 'string' && reason.trim() ? reason.trim() : null
  const updated = write(ctx.db, () => {
    ctx.stores.users.setPresence(user.id, status as PresenceStatus, why, Date.now())
    const u = ctx.stores.users.get(user.id)!
    ctx.stores.events.record(presenceTopics(u), 'presence.updated', presenceEvent(u))
    if (actorId !== user.id) {
      ctx.stores.audit.record({ actor_id: actorId, action: 'presence.force', object_type: 'user', object_id: user.id, details: { status } })
    }
    return u
  })
  ctx.hub.wake()
  // Available: tickets may be routed to them; paused/offline: their pending offer is cancelled.
  ctx.wake.routing()
  return updated
}
