// What agents and supervisors do to a ticket: accept, decline, transfer, close, update the protocol
// form — and the reopen rule the webhook processor applies. Each action is one write transaction
// that re-reads the ticket, checks who may act and in what state, writes the change, its history
// and its events; after commit the hub pushes the events and routing re-runs.
//
// Who may act (the API and the pages answer 404 first for a ticket the caller cannot see):
// - accept: the agent holding the ticket's pending offer; a member of the ticket's sector pulling a
//   queued ticket that is on offer to nobody; a profile with `tickets.view_all` on any queued
//   ticket (a pending offer to someone else is cancelled). The assignee accepting again is a no-op.
//   Everyone within their simultaneous limit (409 limit_reached).
// - decline: the agent holding the pending offer.
// - transfer, close, update: the assignee, or a profile with `tickets.view_all`.
//
// Transfers: to a sector → back to 'queued' there, unassigned, keeping the first queue time, and
// routed (the agent who sent it back is not offered it again in that stay). To an agent → assigned
// directly (no offer), in the same sector or in `sector_id` when given; the agent must be active,
// not offline, a member of that sector and within their limit for the channel. Either way the
// conversation gets an internal note from `system` naming who, where to and the note.
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { linkTicketContact } from '../customers/contacts'
import { write } from '../db/open'
import { badRequest, conflict, HttpError } from '../http/errors'
import { t as translate, type MessageKey } from '../i18n'
import { insertOutbound } from './outbound'
import { assignTicket, cancelOffers, endOffer, recordTicketUpdated } from './routing'
import type { Ticket, TicketPatch } from './tickets-store'
import { canSeeTicket } from './visibility'
import { sendSurveyOnClose } from '../surveys/send'

/** Minutes after a close during which the customer writing again reopens the same ticket. */
export const REOPEN_WINDOW_SETTING = 'desk.reopen_window_minutes'
export const DEFAULT_REOPEN_WINDOW_MINUTES = 60
export const MAX_NOTE_LENGTH = 2000
export const MAX_NOTES_LENGTH = 10000

const field = (name: string, key: MessageKey, code = 'validation_failed') => badRequest(code, key, [{ field: name, key }])
const notAssignee = () => new HttpError(403, 'not_assignee', 'desk.not_assignee')
const supervises = (user: User) => can(user, 'tickets.view_all')

/** Whether the user may see the ticket for an action: as visibility.ts says, or as its offered agent. */
export function canActOnSight(ctx: Context, user: User, t: Ticket): boolean {
  if (canSeeTicket(user, t)) return true
  return ctx.stores.offers.pendingOfTicket(t.id)?.user_id === user.id
}

function fresh(ctx: Context, ticketId: number): Ticket {
  const t = ctx.stores.tickets.get(ticketId)
  if (!t) throw new HttpError(404, 'not_found', 'error.not_found')
  return t
}

function mayHandle(user: User, t: Ticket) {
  if (t.assignee_id !== user.id && !supervises(user)) throw notAssignee()
}

/** Room for one more ticket of the channel, counting the agent's pending offers as taken. */
function withinLimit(ctx: Context, userId: number, channelType: string, holdsOfferForIt: boolean): boolean {
  const c = ctx.stores.tickets.capacity(userId, channelType)
  return c.open + c.pending + (holdsOfferForIt ? 0 : 1) <= c.cap
}

const cleanNote = (note: string | null | undefined, name: string, max = MAX_NOTE_LENGTH): string | null => {
  if (note === undefined || note === null) return null
  const v = note.trim()
  if (v.length > max) throw field(name, 'desk.note_too_long_field')
  return v || null
}

function done(ctx: Context, t: Ticket): Ticket {
  ctx.hub.wake()
  ctx.wake.routing()
  return t
}

// ---- accept / decline ----------------------------------------------------------------------------

export function acceptTicket(ctx: Context, user: User, ticketId: number): Ticket {
  const t = write(ctx.db, () => {
    const t = fresh(ctx, ticketId)
    const now = Date.now()
    if (t.status === 'closed') throw conflict('ticket_closed', 'desk.ticket_closed')
    if (t.status === 'open') {
      if (t.assignee_id === user.id) return t
      throw conflict('already_assigned', 'desk.already_assigned')
    }
    if (t.status !== 'queued' || t.sector_id === null) throw conflict('not_queued', 'desk.not_queued')
    const offer = ctx.stores.offers.pendingOfTicket(t.id)
    if (offer?.user_id === user.id) {
      if (offer.expires_at <= now) throw conflict('offer_expired', 'desk.offer_expired')
      if (!withinLimit(ctx, user.id, t.channel_type, true)) throw conflict('limit_reached', 'desk.limit_reached')
      endOffer(ctx, offer, 'accepted', user.id, now)
      return assignTicket(ctx, t, user.id, user.id, now)
    }
    const member = user.sector_ids.includes(t.sector_id)
    if (offer ? !supervises(user) : !supervises(user) && !member) throw conflict('not_offered', 'desk.not_offered')
    if (!withinLimit(ctx, user.id, t.channel_type, false)) throw conflict('limit_reached', 'desk.limit_reached')
    if (offer) endOffer(ctx, offer, 'cancelled', user.id, now)
    return assignTicket(ctx, t, user.id, user.id, now)
  })
  return done(ctx, t)
}

export function declineOffer(ctx: Context, user: User, ticketId: number): Ticket {
  const t = write(ctx.db, () => {
    const t = fresh(ctx, ticketId)
    if (t.status === 'closed') throw conflict('ticket_closed', 'desk.ticket_closed')
    const offer = ctx.stores.offers.pendingOfTicket(t.id)
    if (!offer || offer.user_id !== user.id) throw conflict('not_offered', 'desk.not_offered')
    endOffer(ctx, offer, 'declined', user.id, Date.now())
    return ctx.stores.tickets.get(t.id)!
  })
  return done(ctx, t)
}

// ---- transfer ------------------------------------------------------------------------------------

export interface TransferInput {
  user_id?: number | null
  sector_id?: number | null
  note?: string | null
}

export function transferTicket(ctx: Context, user: User, ticketId: number, input: TransferInput): Ticket {
  const toUserId = input.user_id ?? null
  const toSectorId = input.sector_id ?? null
  if (toUserId === null && toSectorId === null) throw field('user_id', 'desk.transfer_needs_target')
  const note = cleanNote(input.note, 'note')
  const lang = ctx.config.defaultLanguage

  const t = write(ctx.db, () => {
    const t = fresh(ctx, ticketId)
    mayHandle(user, t)
    if (t.status === 'closed') throw conflict('ticket_closed', 'desk.ticket_closed')
    const now = Date.now()

    const sectorId = toSectorId ?? t.sector_id
    const sector = sectorId === null ? null : ctx.stores.sectors.get(sectorId)
    if (!sector || !sector.active) throw field('sector_id', 'desk.transfer_sector_invalid')

    let target: User | null = null
    if (toUserId !== null) {
      target = ctx.stores.users.get(toUserId)
      if (!target || !target.active) throw field('user_id', 'desk.transfer_user_invalid')
      if (!target.sector_ids.includes(sector.id)) throw conflict('user_not_in_sector', 'desk.user_not_in_sector')
      if (target.id === t.assignee_id && sector.id === t.sector_id) throw conflict('already_assigned', 'desk.already_assigned')
      if (target.presence === 'offline') throw conflict('agent_offline', 'desk.agent_offline')
    } else if (sector.id === t.sector_id && t.status !== 'open') {
      throw conflict('already_queued', 'desk.already_queued')
    }

    // A pending offer belongs to the ticket's old place in a queue.
    cancelOffers(ctx, t.id, user.id, now)
    if (target) {
      if (!withinLimit(ctx, target.id, t.channel_type, false)) throw conflict('agent_at_limit', 'desk.agent_at_limit')
      ctx.stores.tickets.moveAssigned(t.id, sector.id, target.id, now)
    } else {
      ctx.stores.tickets.requeue(t.id, sector.id, now)
    }
    ctx.stores.history.record({
      ticket_id: t.id,
      action: 'transferred',
      at: now,
      actor_id: user.id,
      from_user_id: t.assignee_id,
      to_user_id: target?.id ?? null,
      from_sector_id: t.sector_id,
      to_sector_id: sector.id,
      note,
    })
    const after = ctx.stores.tickets.get(t.id)!
    // The note in the conversation: internal (type 'note', never sent), from 'system'.
    const lines = [
      target
        ? translate(lang, 'desk.transfer_message_agent', { by: user.name, to: target.name, sector: sector.name })
        : translate(lang, 'desk.transfer_message_sector', { by: user.name, sector: sector.name }),
    ]
    if (note) lines.push(translate(lang, 'desk.transfer_message_note', { note }))
    insertOutbound(ctx, after, {
      author: 'system',
      author_id: user.id,
      type: 'note',
      text: lines.join('\n'),
      extra: { transfer: { by_user_id: user.id, from_user_id: t.assignee_id, to_user_id: target?.id ?? null, from_sector_id: t.sector_id, to_sector_id: sector.id, note } },
    })
    const final = ctx.stores.tickets.get(t.id)!
    recordTicketUpdated(ctx, t, final)
    return final
  })
  return done(ctx, t)
}

// ---- close ---------------------------------------------------------------------------------------

export interface CloseInput {
  classification_id?: number | null
  note?: string | null
}

export function closeTicket(ctx: Context, user: User, ticketId: number, input: CloseInput): Ticket {
  const note = cleanNote(input.note, 'note')
  const closed = write(ctx.db, () => {
    const t = fresh(ctx, ticketId)
    mayHandle(user, t)
    if (t.status === 'closed') throw conflict('ticket_closed', 'desk.ticket_closed')
    const classificationId = input.classification_id ?? t.classification_id
    if (classificationId !== null && !ctx.stores.tickets.classificationFits(classificationId, t.sector_id)) {
      throw field('classification_id', 'desk.classification_invalid')
    }
    const sector = t.sector_id === null ? null : ctx.stores.sectors.get(t.sector_id)
    if (classificationId === null && sector?.require_classification) {
      throw field('classification_id', 'desk.classification_required', 'classification_required')
    }
    const now = Date.now()
    cancelOffers(ctx, t.id, user.id, now)
    ctx.stores.tickets.close(t.id, classificationId, note, now)
    ctx.stores.history.record({ ticket_id: t.id, action: 'closed', at: now, actor_id: user.id, from_user_id: t.assignee_id, from_sector_id: t.sector_id, note })
    const surveys = sendSurveyOnClose(ctx, ctx.stores.tickets.get(t.id)!, now) // src/surveys/send.ts: who gets one
    const after = ctx.stores.tickets.get(t.id)!
    recordTicketUpdated(ctx, t, after)
    return { after, surveys }
  })
  if (closed.surveys) ctx.wake.outbox()
  return done(ctx, closed.after)
}

// ---- the protocol form (PATCH) --------------------------------------------------------------------

export type UpdateInput = TicketPatch

export function updateTicket(ctx: Context, user: User, ticketId: number, input: UpdateInput): Ticket {
  const patch: TicketPatch = {}
  if (input.notes !== undefined) patch.notes = cleanNote(input.notes, 'notes', MAX_NOTES_LENGTH)
  if (input.confidential !== undefined) patch.confidential = input.confidential
  if (input.anonymous !== undefined) patch.anonymous = input.anonymous
  if (input.customer_id !== undefined) patch.customer_id = input.customer_id
  if (input.classification_id !== undefined) patch.classification_id = input.classification_id
  if (patch.anonymous === true && patch.customer_id !== undefined && patch.customer_id !== null) {
    throw field('customer_id', 'desk.customer_on_anonymous')
  }

  const result = write(ctx.db, () => {
    const t = fresh(ctx, ticketId)
    mayHandle(user, t)
    // Anonymous tickets store no customer link.
    if (patch.anonymous === true) patch.customer_id = null
    if (patch.customer_id !== undefined && patch.customer_id !== null) {
      if ((patch.anonymous ?? t.anonymous) === true) throw conflict('ticket_anonymous', 'desk.customer_on_anonymous')
      if (!ctx.stores.tickets.customerExists(patch.customer_id)) throw field('customer_id', 'desk.customer_invalid')
    }
    if (patch.classification_id !== undefined && patch.classification_id !== null && !ctx.stores.tickets.classificationFits(patch.classification_id, t.sector_id)) {
      throw field('classification_id', 'desk.classification_invalid')
    }
    // The contact becomes the customer's (when it is nobody's yet): its next ticket starts identified.
    if (patch.customer_id !== undefined && patch.customer_id !== null) linkTicketContact(ctx, t.contact_id, patch.customer_id)
    const changed = (Object.keys(patch) as (keyof TicketPatch)[]).filter((k) => patch[k] !== t[k])
    if (changed.length === 0) return { ticket: t, changed: false }
    const now = Date.now()
    ctx.stores.tickets.patch(t.id, patch, now)
    ctx.stores.history.record({ ticket_id: t.id, action: 'updated', at: now, actor_id: user.id, note: changed.join(', ') })
    const after = ctx.stores.tickets.get(t.id)!
    recordTicketUpdated(ctx, t, after)
    return { ticket: after, changed: true }
  })
  if (result.changed) ctx.hub.wake()
  return result.ticket
}

// ---- reopen (the webhook processor) ---------------------------------------------------------------

export function reopenWindowMs(ctx: Context): number {
  const raw = ctx.stores.tickets.setting(REOPEN_WINDOW_SETTING)
  const minutes = raw !== null && /^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : DEFAULT_REOPEN_WINDOW_MINUTES
  return minutes * 60_000
}

/**
 * Call inside a write transaction (the delivery's). The contact's last ticket, if it was closed
 * within the reopen window, queues again in its sector (queued now, unassigned; history
 * 'reopened') and is returned; otherwise null and the caller opens a new ticket.
 */
export function reopenIfRecent(ctx: Context, contactId: number, now = Date.now()): Ticket | null {
  const last = ctx.stores.tickets.lastOfContact(contactId)
  if (!last || last.status !== 'closed' || last.closed_at === null || last.sector_id === null) return null
  const window = reopenWindowMs(ctx)
  if (window === 0 || now - last.closed_at > window) return null
  ctx.stores.tickets.reopen(last.id, now)
  ctx.stores.history.record({ ticket_id: last.id, action: 'reopened', at: now, from_user_id: last.assignee_id, to_sector_id: last.sector_id })
  const after = ctx.stores.tickets.get(last.id)!
  recordTicketUpdated(ctx, last, after)
  return after
}
