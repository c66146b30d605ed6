// Routing (oferta de cards): hands queued tickets to agents. Each sector routes its queue in one
// of two modes: `auto` assigns at once; `offer` offers the ticket to one agent, who accepts within
// the sector's timeout; a decline or a timeout is a miss (recorded) and the ticket goes to the next
// eligible agent.
//
// Rules (issue 4):
// - Queue order: oldest `queued_at` first (then id). A ticket transferred to a sector keeps its
//   first queue time; a reopened ticket queues anew.
// - Eligible: active, member of the sector, presence 'available', below their simultaneous limit
//   for the ticket's channel type, not offered this ticket during its current stay in the queue
//   (since it last entered a queue by transfer or reopen: offers of an earlier stay do not count, so
//   the agent who handled a reopened ticket may get it again), and not the agent who just sent it
//   back to the queue. Offer mode adds: no pending offer of their own (one card at a time per agent).
// - Limits count open tickets plus pending offers of the channel type: an offer reserves its slot,
//   so accepting never takes an agent over the limit, and auto assignment in another sector cannot
//   fill the slot an offer is waiting on.
// - Choice: fewest tickets held (open + pending offers, every channel), then longest since the last
//   assignment (never assigned first), then lowest id.
// - Offline and paused agents keep their open tickets; they only stop receiving new ones. A pending
//   offer whose agent is no longer eligible (paused, offline, deactivated, removed from the sector,
//   limit lowered) is cancelled (not a miss) by the next pass.
//
// Correctness under concurrency: every decision is its own short BEGIN IMMEDIATE transaction that
// re-reads the ticket and re-runs the eligibility query before writing; the unique index on pending
// offers per ticket backs it up. Reads outside the transaction only skip work.
import type { Sector } from '../admin/sectors-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { startLoop, type WorkerLoop } from '../channels/worker-loop'
import { ticketJson, ticketTopics } from './json'
import type { Offer, OfferStatus } from './offers-store'
import type { CandidateQuery, Ticket } from './tickets-store'
import { sectorRoutable } from '../hours/hours'

export function offerJson(o: Offer) {
  return {
    id: o.id,
    user_id: o.user_id,
    status: o.status,
    offered_at: new Date(o.offered_at).toISOString(),
    expires_at: new Date(o.expires_at).toISOString(),
    responded_at: o.responded_at === null ? null : new Date(o.responded_at).toISOString(),
  }
}

const union = (...lists: string[][]) => [...new Set(lists.flat())]

/**
 * Call inside a write transaction, after changing a ticket: records `ticket.updated` for everyone
 * who saw it before (old assignee, old sector) and everyone who sees it now.
 */
export function recordTicketUpdated(ctx: Context, before: Pick<Ticket, 'id' | 'sector_id' | 'assignee_id'>, after: Ticket) {
  ctx.stores.events.record(union(ticketTopics(before), ticketTopics(after)), 'ticket.updated', ticketJson(after))
}

/** Call inside a write transaction: tells the offered agent (and supervisors) where their offer stands. */
function recordOfferEvent(ctx: Context, t: Ticket, offer: Offer) {
  ctx.stores.events.record([`user:${offer.user_id}`, 'supervisor'], 'ticket.updated', { ...ticketJson(t), offer: offerJson(offer) })
}

/** Who the ticket may not be offered to in its current stay in the queue (see CandidateQuery). */
export function candidateQuery(ctx: Context, t: Ticket, sectorId: number, offerMode: boolean): CandidateQuery {
  const requeue = ctx.stores.history.lastRequeue(t.id)
  return {
    ticket_id: t.id,
    sector_id: sectorId,
    channel_type: t.channel_type,
    offer_mode: offerMode,
    since: requeue?.id ?? 0,
    excluded_user_id: requeue?.action === 'transferred' && requeue.to_user_id === null ? requeue.from_user_id : null,
  }
}

/**
 * Call inside a write transaction: the ticket becomes `userId`'s. Records history 'assigned' and
 * the event. `actorId` null = routing.
 */
export function assignTicket(ctx: Context, t: Ticket, userId: number, actorId: number | null, now: number, note: string | null = null): Ticket {
  ctx.stores.tickets.assign(t.id, userId, now)
  ctx.stores.history.record({ ticket_id: t.id, action: 'assigned', at: now, actor_id: actorId, to_user_id: userId, to_sector_id: t.sector_id, note })
  const after = ctx.stores.tickets.get(t.id)!
  recordTicketUpdated(ctx, t, after)
  return after
}

/**
 * Call inside a write transaction: ends a pending offer (false if it was no longer pending).
 * Declines and expiries are misses ('offer_declined', 'offer_expired'); cancellations are not.
 */
export function endOffer(ctx: Context, offer: Offer, status: Exclude<OfferStatus, 'pending'>, actorId: number | null, now: number): boolean {
  if (!ctx.stores.offers.finish(offer.id, status, now)) return false
  const t = ctx.stores.tickets.get(offer.ticket_id)!
  const action = status === 'declined' ? 'offer_declined' : status === 'expired' ? 'offer_expired' : status === 'cancelled' ? 'offer_cancelled' : null
  if (action) ctx.stores.history.record({ ticket_id: t.id, action, at: now, actor_id: actorId, to_user_id: offer.user_id, to_sector_id: t.sector_id })
  recordOfferEvent(ctx, t, ctx.stores.offers.get(offer.id)!)
  return true
}

/** Call inside a write transaction: cancels the ticket's pending offer, if any. */
export function cancelOffers(ctx: Context, ticketId: number, actorId: number | null, now: number) {
  const offer = ctx.stores.offers.pendingOfTicket(ticketId)
  if (offer) endOffer(ctx, offer, 'cancelled', actorId, now)
}

/**
 * Call inside a write transaction. One routing decision for one ticket, everything re-checked
 * here: the ticket still queued in this sector with no pending offer, the sector's mode, and the
 * agent's eligibility. Returns what was done, or null.
 */
function decide(ctx: Context, ticketId: number, sectorId: number): 'assigned' | 'offered' | null {
  const t = ctx.stores.tickets.get(ticketId)
  if (!t || t.status !== 'queued' || t.sector_id !== sectorId) return null
  const sector = ctx.stores.sectors.get(sectorId)
  if (!sector?.active) return null
  if (ctx.stores.offers.pendingOfTicket(t.id)) return null
  const offerMode = sector.routing === 'offer'
  const [agent] = ctx.stores.tickets.candidates(candidateQuery(ctx, t, sectorId, offerMode))
  if (!agent) return null
  const now = Date.now()
  if (!offerMode) {
    assignTicket(ctx, t, agent.id, null, now)
    return 'assigned'
  }
  const id = ctx.stores.offers.create(t.id, agent.id, now, now + sector.offer_timeout_s * 1000)
  ctx.stores.history.record({ ticket_id: t.id, action: 'offered', at: now, to_user_id: agent.id, to_sector_id: sectorId })
  ctx.stores.events.record(ticketTopics(t), 'ticket.updated', ticketJson(t))
  recordOfferEvent(ctx, t, ctx.stores.offers.get(id)!)
  return 'offered'
}

/** Routes one sector's queue as far as it goes. Synchronous; one transaction per decision. */
export function routeSector(ctx: Context, sectorId: number): number {
  const sector: Sector | null = ctx.stores.sectors.get(sectorId)
  if (!sector?.active) return 0
  // A sector outside its business hours waits for its next opening (the routing timer picks it
  // up then), unless it is set to keep working (src/hours).
  if (!sectorRoutable(ctx, sectorId)) return 0
  const offerMode = sector.routing === 'offer'
  let types = ctx.stores.tickets.openTypes(sectorId, offerMode)
  let made = 0
  let cursor = { queued_at: Number.MIN_SAFE_INTEGER, id: 0 }
  while (types.size > 0) {
    const page = ctx.stores.tickets.queue(sectorId, cursor, 100)
    if (page.length === 0) break
    for (const q of page) {
      cursor = q
      if (!types.has(q.channel_type)) continue
      const t = ctx.stores.tickets.get(q.id)
      // Read-only look first: no write transaction for a ticket nobody can take.
      if (!t || ctx.stores.tickets.candidates(candidateQuery(ctx, t, sectorId, offerMode)).length === 0) continue
      if (write(ctx.db, () => decide(ctx, q.id, sectorId))) {
        made++
        types = ctx.stores.tickets.openTypes(sectorId, offerMode)
        if (types.size === 0) break
      }
    }
  }
  if (made) ctx.hub.wake()
  return made
}

/** Routes every sector with someone waiting. */
export function routeAll(ctx: Context): number {
  let made = 0
  for (const sectorId of ctx.stores.tickets.queuedSectors()) made += routeSector(ctx, sectorId)
  return made
}

/** Expires the offers whose time is up at `now` (a miss for the agent). Returns how many. */
export function expireOffers(ctx: Context, now = Date.now()): number {
  let n = 0
  for (;;) {
    const due = ctx.stores.offers.due(now, 100)
    if (due.length === 0) break
    for (const o of due) {
      const done = write(ctx.db, () => {
        const fresh = ctx.stores.offers.get(o.id)
        if (!fresh || fresh.status !== 'pending' || fresh.expires_at > now) return false
        return endOffer(ctx, fresh, 'expired', null, now)
      })
      if (done) n++
    }
  }
  if (n) ctx.hub.wake()
  return n
}

/** Why a pending offer may no longer stand, or null when it still may. Reads only. */
function offerProblem(ctx: Context, o: Offer): string | null {
  const t = ctx.stores.tickets.get(o.ticket_id)
  if (!t || t.status !== 'queued' || t.sector_id === null) return 'ticket'
  const u = ctx.stores.users.get(o.user_id)
  if (!u?.active) return 'inactive'
  if (u.presence !== 'available') return 'presence'
  if (!u.sector_ids.includes(t.sector_id)) return 'sector'
  // The offer holds one slot already: open + pending (this one included) must fit the limit.
  const c = ctx.stores.tickets.capacity(u.id, t.channel_type)
  if (c.open + c.pending > c.cap) return 'limit'
  return null
}

/**
 * Cancels pending offers whose agent is no longer eligible (paused, offline, deactivated, removed
 * from the sector, limit lowered) so the ticket moves on at once instead of waiting the timeout.
 */
export function revalidateOffers(ctx: Context): number {
  let n = 0
  for (const o of ctx.stores.offers.allPending()) {
    if (!offerProblem(ctx, o)) continue
    const done = write(ctx.db, () => {
      const fresh = ctx.stores.offers.get(o.id)
      if (!fresh || fresh.status !== 'pending' || !offerProblem(ctx, fresh)) return false
      return endOffer(ctx, fresh, 'cancelled', null, Date.now())
    })
    if (done) n++
  }
  if (n) ctx.hub.wake()
  return n
}

/** One full pass: expire due offers, cancel stale ones, route every queue. */
export function routingPass(ctx: Context, now = Date.now()) {
  const expired = expireOffers(ctx, now)
  const cancelled = revalidateOffers(ctx)
  const routed = routeAll(ctx)
  return { expired, cancelled, routed }
}

/** Wakes within this window share one pass (a burst of presence changes, a batch of webhooks). */
export const ROUTING_COALESCE_MS = 10

/**
 * The routing worker: runs a pass when woken (a ticket queued, an agent available, a close, a
 * transfer, a decline, a limit or sector change) and every second as the offer-expiry clock and
 * safety net. A wake only schedules the pass (src/channels/worker-loop.ts): the request that woke
 * it answers first, never waiting for a pass over every queue, and the pass never starts inside the
 * caller's transaction.
 */
export function startRoutingWorker(ctx: Context): WorkerLoop {
  return startLoop(
    'routing',
    ctx.log,
    async () => {
      routingPass(ctx)
      return false
    },
    1000,
    { coalesceMs: ROUTING_COALESCE_MS },
  )
}
