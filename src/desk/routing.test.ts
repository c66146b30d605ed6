// Routing (oferta de cards) against a real database: the rules one by one, then a property test
// with random interleavings of everything that can happen, checking the invariants after every
// step, and a multi-process race on one database file.
import { afterAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Limits, PresenceStatus } from '../admin/users-store'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { openDatabase, write } from '../db/open'
import { HttpError } from '../http/errors'
import { createLogger } from '../logger'
import { acceptTicket, closeTicket, declineOffer, reopenIfRecent, transferTicket } from './actions'
import { expireOffers, revalidateOffers, routeAll, routeSector, routingPass } from './routing'
import type { Ticket } from './tickets-store'

// ---- a world on a temp database ---------------------------------------------------------------------

type ChannelType = 'whatsapp' | 'webchat' | 'email'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function world() {
  const dir = mkdtempSync(join(tmpdir(), 'kumquat-routing-'))
  dirs.push(dir)
  const db = openDatabase(dir)
  db.exec('PRAGMA synchronous = OFF') // speed only: the logic is the same
  const ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dir, LOG_LEVEL: 'silent' }), createLogger('silent'), db)
  let wakes = 0
  ctx.wake.routing = () => wakes++
  const profile = (key: string) => ctx.stores.profiles.resolve(key)!.id
  let seq = 0
  const channels = new Map<string, number>()

  const w = {
    ctx,
    dir,
    wakes: () => wakes,
    sector(o: { routing?: 'auto' | 'offer'; timeout?: number; name?: string } = {}) {
      return write(ctx.db, () =>
        ctx.stores.sectors.create({
          name: o.name ?? `Setor ${++seq}`,
          routing: o.routing ?? 'auto',
          offer_timeout_s: o.timeout ?? 30,
          business_hours_id: null,
          survey: 'none',
          require_classification: false,
        }),
      )
    },
    channel(type: ChannelType, sectorId: number) {
      const key = `${type}:${sectorId}`
      if (!channels.has(key)) {
        const id = write(ctx.db, () =>
          ctx.stores.channels.create({ type, name: key, sector_id: sectorId, bot_flow_id: null, webhook_key: `k${++seq}${'x'.repeat(20)}`, settings: {}, secrets: {}, lookup_key: null } as never),
        )
        channels.set(key, id)
      }
      return channels.get(key)!
    },
    agent(o: { sectors: number[]; limits?: Partial<Limits>; presence?: PresenceStatus; profile?: string; name?: string }) {
      const n = ++seq
      const id = write(ctx.db, () => {
        const id = ctx.stores.users.create({
          name: o.name ?? `Agente ${n}`,
          email: `a${n}@example.com`,
          password_hash: null,
          profile_id: profile(o.profile ?? 'agent'),
          sector_ids: o.sectors,
          limits: { whatsapp: 3, webchat: 3, email: 10, ...o.limits },
        })
        ctx.stores.users.setPresence(id, o.presence ?? 'available', null, Date.now())
        return id
      })
      return id
    },
    user: (id: number) => ctx.stores.users.get(id)!,
    presence(id: number, status: PresenceStatus) {
      write(ctx.db, () => ctx.stores.users.setPresence(id, status, null, Date.now()))
    },
    limits(id: number, limits: Partial<Limits>) {
      write(ctx.db, () => ctx.stores.users.update(id, { limits: { ...w.user(id).limits, ...limits } }))
    },
    /** A queued ticket, as the webhook processor makes one (history 'queued'). */
    ticket(o: { sector: number; type?: ChannelType; queuedAt?: number; contact?: string }): number {
      const channelId = w.channel(o.type ?? 'whatsapp', o.sector)
      const now = o.queuedAt ?? Date.now()
      return write(ctx.db, () => {
        const contact = ctx.stores.contacts.upsert(channelId, o.contact ?? `5583${String(++seq).padStart(9, '0')}`, null, null)
        const id = ctx.stores.tickets.create({ protocol: ctx.stores.protocols.next(Date.now(), 'America/Sao_Paulo'), channel_id: channelId, contact_id: contact.id, status: 'queued', sector_id: o.sector, now })
        ctx.stores.history.record({ ticket_id: id, action: 'queued', at: now, to_sector_id: o.sector })
        return id
      })
    },
    t: (id: number): Ticket => ctx.stores.tickets.get(id)!,
    pending: (ticketId: number) => ctx.stores.offers.pendingOfTicket(ticketId),
    history: (ticketId: number) => ctx.stores.history.ofTicket(ticketId).map((h) => h.action),
    /** Moves a pending offer's deadline into the past. */
    timeOut(ticketId: number) {
      ctx.db.run(`UPDATE offers SET expires_at = 0 WHERE ticket_id = ? AND status = 'pending'`, [ticketId])
    },
    close() {
      ctx.db.close()
    },
  }
  return w
}

const catching = (fn: () => unknown): HttpError | null => {
  try {
    fn()
    return null
  } catch (err) {
    if (err instanceof HttpError) return err
    throw err
  }
}

// ---- the rules ------------------------------------------------------------------------------------

describe('auto', () => {
  test('a queued ticket goes at once to an available member: open, assigned, history and event', () => {
    const w = world()
    const s = w.sector()
    const a = w.agent({ sectors: [s] })
    const tk = w.ticket({ sector: s })
    const lastEvent = w.ctx.stores.events.newestId()
    expect(routeAll(w.ctx)).toBe(1)
    const t = w.t(tk)
    expect(t).toMatchObject({ status: 'open', assignee_id: a })
    expect(t.assigned_at).not.toBeNull()
    expect(w.history(tk)).toEqual(['queued', 'assigned'])
    expect(w.ctx.db.query<{ last_assigned_at: number }, [number]>('SELECT last_assigned_at FROM users WHERE id = ?').get(a)!.last_assigned_at).toBe(t.assigned_at!)
    const events = w.ctx.stores.events.after(lastEvent)
    expect(events.map((e) => e.name)).toEqual(['ticket.updated'])
    expect(events[0].topics).toContain(`user:${a}`)
    expect(events[0].topics).toContain(`sector:${s}`)
    expect((events[0].data as { status: string }).status).toBe('open')
    // Nothing else to do: a second pass changes nothing.
    expect(routeAll(w.ctx)).toBe(0)
  })

  test('nobody available (paused, offline, other sector, deactivated): the ticket waits', () => {
    const w = world()
    const s = w.sector()
    const other = w.sector()
    w.agent({ sectors: [s], presence: 'paused' })
    w.agent({ sectors: [s], presence: 'offline' })
    w.agent({ sectors: [other] })
    const gone = w.agent({ sectors: [s] })
    write(w.ctx.db, () => w.ctx.stores.users.setActive(gone, false))
    const tk = w.ticket({ sector: s })
    expect(routeAll(w.ctx)).toBe(0)
    expect(w.t(tk)).toMatchObject({ status: 'queued', assignee_id: null })
  })
})

describe('offer', () => {
  test('offers the card to one agent with the sector’s timeout; the ticket stays queued until accepted', () => {
    const w = world()
    const s = w.sector({ routing: 'offer', timeout: 20 })
    const a = w.agent({ sectors: [s] })
    const tk = w.ticket({ sector: s })
    const lastEvent = w.ctx.stores.events.newestId()
    const before = Date.now()
    routeAll(w.ctx)
    const offer = w.pending(tk)!
    expect(offer).toMatchObject({ user_id: a, status: 'pending' })
    expect(offer.expires_at - offer.offered_at).toBe(20_000)
    expect(offer.offered_at).toBeGreaterThanOrEqual(before)
    expect(w.t(tk)).toMatchObject({ status: 'queued', assignee_id: null })
    expect(w.history(tk)).toEqual(['queued', 'offered'])
    // The general update, and the offer on the agent's own topic.
    const events = w.ctx.stores.events.after(lastEvent)
    const mine = events.find((e) => e.topics.includes(`user:${a}`))!
    expect(mine.name).toBe('ticket.updated')
    expect((mine.data as { offer: { id: number; expires_at: string } }).offer).toMatchObject({ id: offer.id, status: 'pending', expires_at: new Date(offer.expires_at).toISOString() })
    expect(events.some((e) => e.topics.includes(`sector:${s}`) && !('offer' in (e.data as object)))).toBe(true)

    const t = acceptTicket(w.ctx, w.user(a), tk)
    expect(t).toMatchObject({ status: 'open', assignee_id: a })
    expect(w.ctx.stores.offers.get(offer.id)!.status).toBe('accepted')
    expect(w.history(tk)).toEqual(['queued', 'offered', 'assigned'])
  })

  test('timeout: the miss is recorded and the card goes to the next eligible agent, never back', () => {
    const w = world()
    const s = w.sector({ routing: 'offer' })
    const a = w.agent({ sectors: [s] })
    const b = w.agent({ sectors: [s] })
    const tk = w.ticket({ sector: s })
    routeAll(w.ctx)
    expect(w.pending(tk)!.user_id).toBe(a) // lowest id on a tie
    // Not yet due: nothing expires.
    expect(expireOffers(w.ctx)).toBe(0)
    expect(expireOffers(w.ctx, Date.now() + 31_000)).toBe(1)
    expect(w.history(tk)).toEqual(['queued', 'offered', 'offer_expired'])
    expect(w.ctx.stores.offers.missesOf(a)).toBe(1)
    routingPass(w.ctx)
    expect(w.pending(tk)!.user_id).toBe(b)
    w.timeOut(tk)
    routingPass(w.ctx)
    // Both missed it: it waits in the queue (a supervisor or a member can still take it).
    expect(w.pending(tk)).toBeNull()
    expect(w.t(tk).status).toBe('queued')
    expect(w.history(tk)).toEqual(['queued', 'offered', 'offer_expired', 'offered', 'offer_expired'])
    expect(acceptTicket(w.ctx, w.user(b), tk)).toMatchObject({ status: 'open', assignee_id: b })
  })

  test('decline: a miss, and the next agent gets it; the decliner cannot accept it any more', () => {
    const w = world()
    const s = w.sector({ routing: 'offer' })
    const a = w.agent({ sectors: [s] })
    const b = w.agent({ sectors: [s] })
    const tk = w.ticket({ sector: s })
    routeAll(w.ctx)
    declineOffer(w.ctx, w.user(a), tk)
    expect(w.wakes()).toBeGreaterThan(0)
    expect(w.history(tk)).toEqual(['queued', 'offered', 'offer_declined'])
    expect(w.ctx.stores.offers.missesOf(a)).toBe(1)
    routeAll(w.ctx)
    expect(w.pending(tk)!.user_id).toBe(b)
    expect(catching(() => acceptTicket(w.ctx, w.user(a), tk))?.code).toBe('not_offered')
    expect(catching(() => declineOffer(w.ctx, w.user(a), tk))?.code).toBe('not_offered')
  })

  test('one card at a time per agent: the second ticket waits for the first offer to end', () => {
    const w = world()
    const s = w.sector({ routing: 'offer' })
    const a = w.agent({ sectors: [s] })
    const t1 = w.ticket({ sector: s, queuedAt: 1000 })
    const t2 = w.ticket({ sector: s, queuedAt: 2000 })
    routeAll(w.ctx)
    expect(w.pending(t1)!.user_id).toBe(a)
    expect(w.pending(t2)).toBeNull()
    acceptTicket(w.ctx, w.user(a), t1)
    routeAll(w.ctx)
    expect(w.pending(t2)!.user_id).toBe(a)
  })

  test('a pending offer reserves a slot: auto assignment elsewhere cannot fill it', () => {
    const w = world()
    const offerSector = w.sector({ routing: 'offer' })
    const autoSector = w.sector({ routing: 'auto' })
    const a = w.agent({ sectors: [offerSector, autoSector], limits: { whatsapp: 1 } })
    const t1 = w.ticket({ sector: offerSector, queuedAt: 1000 })
    const t2 = w.ticket({ sector: autoSector, queuedAt: 2000 })
    routeAll(w.ctx)
    expect(w.pending(t1)!.user_id).toBe(a)
    expect(w.t(t2).status).toBe('queued')
    acceptTicket(w.ctx, w.user(a), t1)
    expect(w.ctx.stores.tickets.capacity(a, 'whatsapp')).toEqual({ open: 1, pending: 0, cap: 1 })
  })
})

describe('limits, presence', () => {
  test('limits are per channel type', () => {
    const w = world()
    const s = w.sector()
    const a = w.agent({ sectors: [s], limits: { whatsapp: 1, email: 2, webchat: 0 } })
    const wa = [w.ticket({ sector: s, type: 'whatsapp' }), w.ticket({ sector: s, type: 'whatsapp' })]
    const mail = [w.ticket({ sector: s, type: 'email' }), w.ticket({ sector: s, type: 'email' }), w.ticket({ sector: s, type: 'email' })]
    const chat = w.ticket({ sector: s, type: 'webchat' })
    expect(routeAll(w.ctx)).toBe(3)
    expect(wa.map((id) => w.t(id).status)).toEqual(['open', 'queued'])
    expect(mail.map((id) => w.t(id).status)).toEqual(['open', 'open', 'queued'])
    expect(w.t(chat).status).toBe('queued')
    // A limit raised: routing takes the next one.
    w.limits(a, { whatsapp: 2 })
    expect(routeAll(w.ctx)).toBe(1)
    expect(w.t(wa[1])).toMatchObject({ status: 'open', assignee_id: a })
    // A slot freed by a close.
    closeTicket(w.ctx, w.user(a), mail[0], {})
    routeAll(w.ctx)
    expect(w.t(mail[2])).toMatchObject({ status: 'open', assignee_id: a })
  })

  test('pausing stops new offers and cancels the pending one (not a miss); open tickets stay', () => {
    const w = world()
    const s = w.sector({ routing: 'offer' })
    const a = w.agent({ sectors: [s] })
    const b = w.agent({ sectors: [s] })
    const held = w.ticket({ sector: s, queuedAt: 1000 })
    routeAll(w.ctx)
    acceptTicket(w.ctx, w.user(a), held)
    const tk = w.ticket({ sector: s, queuedAt: 2000 })
    w.presence(b, 'paused')
    routeAll(w.ctx)
    expect(w.pending(tk)!.user_id).toBe(a)
    w.presence(a, 'paused')
    expect(revalidateOffers(w.ctx)).toBe(1)
    expect(w.history(tk)).toEqual(['queued', 'offered', 'offer_cancelled'])
    expect(w.ctx.stores.offers.missesOf(a)).toBe(0)
    routeAll(w.ctx)
    expect(w.pending(tk)).toBeNull() // both paused
    expect(w.t(held)).toMatchObject({ status: 'open', assignee_id: a })
    w.presence(b, 'available')
    routeAll(w.ctx)
    expect(w.pending(tk)!.user_id).toBe(b)
  })

  test('going offline keeps open tickets; nothing new arrives', () => {
    const w = world()
    const s = w.sector()
    const a = w.agent({ sectors: [s] })
    const t1 = w.ticket({ sector: s })
    routeAll(w.ctx)
    w.presence(a, 'offline')
    const t2 = w.ticket({ sector: s })
    routingPass(w.ctx)
    expect(w.t(t1)).toMatchObject({ status: 'open', assignee_id: a })
    expect(w.t(t2)).toMatchObject({ status: 'queued', assignee_id: null })
  })

  test('removed from the sector or limit lowered: the pending offer is cancelled', () => {
    const w = world()
    const s = w.sector({ routing: 'offer' })
    const a = w.agent({ sectors: [s] })
    const b = w.agent({ sectors: [s] })
    const t1 = w.ticket({ sector: s, queuedAt: 1 })
    const t2 = w.ticket({ sector: s, queuedAt: 2 })
    routeAll(w.ctx)
    expect([w.pending(t1)!.user_id, w.pending(t2)!.user_id]).toEqual([a, b])
    write(w.ctx.db, () => w.ctx.stores.users.update(a, { sector_ids: [] }))
    w.limits(b, { whatsapp: 0 })
    expect(revalidateOffers(w.ctx)).toBe(2)
    expect(w.pending(t1)).toBeNull()
    expect(w.pending(t2)).toBeNull()
  })
})

describe('queue order and choice', () => {
  test('oldest queue time first, whatever the creation order', () => {
    const w = world()
    const s = w.sector()
    const late = w.ticket({ sector: s, queuedAt: 3000 })
    const early = w.ticket({ sector: s, queuedAt: 1000 })
    const middle = w.ticket({ sector: s, queuedAt: 2000 })
    const a = w.agent({ sectors: [s], limits: { whatsapp: 1 } })
    routeAll(w.ctx)
    expect(w.t(early).assignee_id).toBe(a)
    closeTicket(w.ctx, w.user(a), early, {})
    routeAll(w.ctx)
    expect(w.t(middle).assignee_id).toBe(a)
    expect(w.t(late).status).toBe('queued')
  })

  test('a ticket transferred to a sector keeps its queue time (and goes ahead of younger ones)', () => {
    const w = world()
    const s1 = w.sector()
    const s2 = w.sector()
    const a = w.agent({ sectors: [s1] })
    const old = w.ticket({ sector: s1, queuedAt: 1000 })
    routeAll(w.ctx)
    expect(w.t(old).assignee_id).toBe(a)
    const young = w.ticket({ sector: s2, queuedAt: 5000 })
    transferTicket(w.ctx, w.user(a), old, { sector_id: s2, note: 'financeiro' })
    expect(w.t(old)).toMatchObject({ status: 'queued', sector_id: s2, assignee_id: null, queued_at: 1000 })
    const b = w.agent({ sectors: [s2], limits: { whatsapp: 1 } })
    routeAll(w.ctx)
    expect(w.t(old).assignee_id).toBe(b)
    expect(w.t(young).status).toBe('queued')
  })

  test('choice: fewest open tickets, then longest since the last assignment (never first), then lowest id', () => {
    const w = world()
    const s = w.sector()
    const busy = w.agent({ sectors: [s] })
    const recent = w.agent({ sectors: [s] })
    const earlier = w.agent({ sectors: [s] })
    const setLast = (id: number, at: number | null) => w.ctx.db.run('UPDATE users SET last_assigned_at = ? WHERE id = ?', [at, id])
    // busy holds one ticket (of another channel: the load counts every channel).
    w.presence(recent, 'paused')
    w.presence(earlier, 'paused')
    w.ticket({ sector: s, type: 'email' })
    routeAll(w.ctx)
    w.presence(recent, 'available')
    w.presence(earlier, 'available')
    setLast(busy, 1)
    setLast(recent, 5000)
    setLast(earlier, 1000)
    const t1 = w.ticket({ sector: s, queuedAt: 10 })
    expect(routeSector(w.ctx, s)).toBe(1)
    expect(w.t(t1).assignee_id).toBe(earlier) // recent and earlier hold 0; earlier waited longer
    // Now recent (0 open) beats earlier and busy (1 each).
    const t2 = w.ticket({ sector: s, queuedAt: 20 })
    routeAll(w.ctx)
    expect(w.t(t2).assignee_id).toBe(recent)
    // All hold one: never assigned beats the rest; then the lowest id.
    const fresh1 = w.agent({ sectors: [s] })
    const fresh2 = w.agent({ sectors: [s] })
    const t3 = w.ticket({ sector: s, queuedAt: 30 })
    const t4 = w.ticket({ sector: s, queuedAt: 40 })
    routeAll(w.ctx)
    expect([w.t(t3).assignee_id, w.t(t4).assignee_id]).toEqual([fresh1, fresh2])
  })
})

describe('requeue stays', () => {
  test('the agent who sent a ticket back is not offered it again; earlier misses do not count after a transfer', () => {
    const w = world()
    const s = w.sector({ routing: 'offer' })
    const a = w.agent({ sectors: [s] })
    const b = w.agent({ sectors: [s] })
    const tk = w.ticket({ sector: s })
    routeAll(w.ctx)
    declineOffer(w.ctx, w.user(a), tk)
    routeAll(w.ctx)
    acceptTicket(w.ctx, w.user(b), tk)
    // b gives it back to the queue: a (who declined in the earlier stay) gets it, b does not.
    transferTicket(w.ctx, w.user(b), tk, { sector_id: s })
    routeAll(w.ctx)
    expect(w.pending(tk)!.user_id).toBe(a)
    declineOffer(w.ctx, w.user(a), tk)
    routeAll(w.ctx)
    expect(w.pending(tk)).toBeNull()
  })

  test('reopen: a ticket closed within the window queues again (now), same protocol; outside it, null', () => {
    const w = world()
    const s = w.sector()
    const a = w.agent({ sectors: [s] })
    const tk = w.ticket({ sector: s, contact: '5583999990001' })
    routeAll(w.ctx)
    closeTicket(w.ctx, w.user(a), tk, { note: 'resolvido' })
    const contactId = w.t(tk).contact_id
    const reopened = write(w.ctx.db, () => reopenIfRecent(w.ctx, contactId))!
    expect(reopened).toMatchObject({ id: tk, status: 'queued', assignee_id: null, closed_at: null, close_note: null, sector_id: s })
    expect(reopened.queued_at!).toBeGreaterThan(w.t(tk).created_at - 1)
    routeAll(w.ctx)
    expect(w.t(tk).assignee_id).toBe(a) // the agent who handled it may get it again
    closeTicket(w.ctx, w.user(a), tk, {})
    w.ctx.db.run(`INSERT INTO settings (key, value) VALUES ('desk.reopen_window_minutes', '5')`)
    expect(write(w.ctx.db, () => reopenIfRecent(w.ctx, contactId, Date.now() + 6 * 60_000))).toBeNull()
    w.ctx.db.run(`UPDATE settings SET value = '0' WHERE key = 'desk.reopen_window_minutes'`)
    expect(write(w.ctx.db, () => reopenIfRecent(w.ctx, contactId))).toBeNull()
    expect(w.history(tk)).toEqual(['queued', 'assigned', 'closed', 'reopened', 'assigned', 'closed'])
  })
})

// ---- the property test ------------------------------------------------------------------------------

type Step =
  | { k: 'ticket'; sector: number; type: number }
  | { k: 'presence'; agent: number; status: PresenceStatus }
  | { k: 'limit'; agent: number; type: number; max: number }
  | { k: 'sectors'; agent: number; mask: number }
  | { k: 'mode'; sector: number; offer: boolean }
  | { k: 'accept'; agent: number; ticket: number }
  | { k: 'decline'; agent: number; ticket: number }
  | { k: 'expire'; ticket: number }
  | { k: 'close'; agent: number; ticket: number }
  | { k: 'transfer'; agent: number; ticket: number; toAgent: number | null; toSector: number | null }
  | { k: 'reopen'; ticket: number }
  | { k: 'route' }

const TYPES: ChannelType[] = ['whatsapp', 'webchat', 'email']
const AGENTS = 4 // the last one is a supervisor
const SECTORS = 2

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('ticket' as const), sector: fc.nat(SECTORS - 1), type: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('presence' as const), agent: fc.nat(AGENTS - 1), status: fc.constantFrom<PresenceStatus>('available', 'available', 'paused', 'offline') }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('limit' as const), agent: fc.nat(AGENTS - 1), type: fc.nat(2), max: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('sectors' as const), agent: fc.nat(AGENTS - 1), mask: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mode' as const), sector: fc.nat(SECTORS - 1), offer: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('accept' as const), agent: fc.nat(AGENTS - 1), ticket: fc.nat(30) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('decline' as const), agent: fc.nat(AGENTS - 1), ticket: fc.nat(30) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('expire' as const), ticket: fc.nat(30) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('close' as const), agent: fc.nat(AGENTS - 1), ticket: fc.nat(30) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('transfer' as const),
      agent: fc.nat(AGENTS - 1),
      ticket: fc.nat(30),
      toAgent: fc.option(fc.nat(AGENTS - 1)),
      toSector: fc.option(fc.nat(SECTORS - 1)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reopen' as const), ticket: fc.nat(30) }) },
  { weight: 5, arbitrary: fc.constant({ k: 'route' as const }) },
)

interface Usage {
  used: number
  cap: number
}

/** Everything that must hold after every step. Returns the usage per agent and channel type. */
function checkInvariants(ctx: Context, agents: number[], before: Map<string, Usage> | null, newOffersSince: number, fullOfferCheck: boolean): Map<string, Usage> {
  const q = <T,>(sql: string, ...args: (string | number | null)[]) => ctx.db.query<T, (string | number | null)[]>(sql).all(...args)
  // Open ⇔ exactly one assignee; queued and bot tickets have none.
  expect(q(`SELECT id FROM tickets WHERE (status = 'open') != (assignee_id IS NOT NULL) AND status != 'closed'`)).toEqual([])
  // At most one pending offer per ticket and per agent; only on queued tickets.
  expect(q(`SELECT ticket_id FROM offers WHERE status = 'pending' GROUP BY ticket_id HAVING count(*) > 1`)).toEqual([])
  expect(q(`SELECT user_id FROM offers WHERE status = 'pending' GROUP BY user_id HAVING count(*) > 1`)).toEqual([])
  expect(q(`SELECT o.id FROM offers o JOIN tickets t ON t.id = o.ticket_id WHERE o.status = 'pending' AND t.status != 'queued'`)).toEqual([])
  // No agent over their limit — unless the limit was lowered under them, and then never more than before.
  const usage = new Map<string, Usage>()
  for (const id of agents) {
    for (const type of TYPES) {
      const c = ctx.stores.tickets.capacity(id, type)
      const u = { used: c.open + c.pending, cap: c.cap }
      usage.set(`${id}:${type}`, u)
      const allowed = Math.max(u.cap, before?.get(`${id}:${type}`)?.used ?? 0)
      if (u.used > allowed) throw new Error(`agent ${id} holds ${u.used} ${type} (open + offered), limit ${u.cap}`)
    }
  }
  // Offers go only to eligible agents: every new one, and (after a routing pass) every pending one.
  const offers = fullOfferCheck ? ctx.stores.offers.allPending() : ctx.stores.offers.allPending().filter((o) => o.id > newOffersSince)
  for (const o of offers) {
    const t = ctx.stores.tickets.get(o.ticket_id)!
    const u = ctx.stores.users.get(o.user_id)!
    const requeue = ctx.stores.history.lastRequeue(t.id)
    const earlier = ctx.db
      .query<{ n: number }, [number, number, number]>(`SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ? AND id > ? AND action = 'offered' AND to_user_id = ?`)
      .get(t.id, requeue?.id ?? 0, u.id)!.n
    const sentBack = requeue?.action === 'transferred' && requeue.to_user_id === null && requeue.from_user_id === u.id
    const c = ctx.stores.tickets.capacity(u.id, t.channel_type)
    expect({ offer: o.id, active: u.active, presence: u.presence, member: u.sector_ids.includes(t.sector_id!), fits: c.open + c.pending <= c.cap, offeredOnce: earlier === 1, sentBack }).toEqual({
      offer: o.id,
      active: true,
      presence: 'available',
      member: true,
      fits: true,
      offeredOnce: true,
      sentBack: false,
    })
  }
  // No ticket ever held by two agents: replaying each ticket's history gives a legal sequence that
  // ends in the ticket's current state.
  const tickets = q<{ id: number }>('SELECT id FROM tickets')
  for (const { id } of tickets) {
    let state: 'queued' | 'open' | 'closed' = 'queued'
    let holder: number | null = null
    let offered: number | null = null
    for (const h of ctx.stores.history.ofTicket(id)) {
      const where = `ticket ${id}: ${h.action} after ${state}/${holder}/${offered}`
      switch (h.action) {
        case 'queued':
          break
        case 'offered':
          expect([where, state, offered]).toEqual([where, 'queued', null])
          offered = h.to_user_id
          break
        case 'offer_declined':
        case 'offer_expired':
        case 'offer_cancelled':
          expect([where, offered]).toEqual([where, h.to_user_id])
          offered = null
          break
        case 'assigned':
          expect([where, state]).toEqual([where, 'queued'])
          // An accepted offer ends without a history row: only its own agent may follow it.
          if (offered !== null) expect([where, h.to_user_id]).toEqual([where, offered])
          state = 'open'
          holder = h.to_user_id
          offered = null
          break
        case 'transferred':
          expect([where, state === 'closed', offered]).toEqual([where, false, null])
          state = h.to_user_id === null ? 'queued' : 'open'
          holder = h.to_user_id
          break
        case 'closed':
          expect([where, state === 'closed', offered]).toEqual([where, false, null])
          state = 'closed'
          break
        case 'reopened':
          expect([where, state]).toEqual([where, 'closed'])
          state = 'queued'
          holder = null
          break
        case 'updated':
          break
      }
    }
    const t = ctx.stores.tickets.get(id)!
    expect({ id, status: t.status, pending: ctx.stores.offers.pendingOfTicket(id)?.user_id ?? null }).toEqual({ id, status: state, pending: offered })
    if (state !== 'closed') expect({ id, assignee: t.assignee_id }).toEqual({ id, assignee: holder })
  }
  return usage
}

function runScenario(steps: Step[]) {
  const w = world()
  try {
    const sectors = [w.sector({ routing: 'auto' }), w.sector({ routing: 'offer' })]
    const agents = [
      w.agent({ sectors: [sectors[0]], limits: { whatsapp: 1, webchat: 2, email: 1 } }),
      w.agent({ sectors: [sectors[0], sectors[1]], limits: { whatsapp: 2, webchat: 1, email: 2 } }),
      w.agent({ sectors: [sectors[1]], limits: { whatsapp: 1, webchat: 1, email: 1 } }),
      w.agent({ sectors: [sectors[0], sectors[1]], limits: { whatsapp: 1, webchat: 1, email: 1 }, profile: 'supervisor' }),
    ]
    const tickets: number[] = []
    let usage = checkInvariants(w.ctx, agents, null, 0, true)
    const pick = (i: number) => (tickets.length ? tickets[i % tickets.length] : null)
    for (const step of steps) {
      const lastOffer = w.ctx.db.query<{ id: number | null }, []>('SELECT max(id) AS id FROM offers').get()!.id ?? 0
      const act = (fn: () => unknown) => catching(fn)
      switch (step.k) {
        case 'ticket':
          tickets.push(w.ticket({ sector: sectors[step.sector], type: TYPES[step.type] }))
          break
        case 'presence':
          w.presence(agents[step.agent], step.status)
          break
        case 'limit':
          w.limits(agents[step.agent], { [TYPES[step.type]]: step.max })
          break
        case 'sectors':
          write(w.ctx.db, () => w.ctx.stores.users.update(agents[step.agent], { sector_ids: sectors.filter((_, i) => step.mask & (1 << i)) }))
          break
        case 'mode': {
          const s = w.ctx.stores.sectors.get(sectors[step.sector])!
          write(w.ctx.db, () => w.ctx.stores.sectors.update(s.id, { ...s, routing: step.offer ? 'offer' : 'auto' }))
          break
        }
        case 'accept': {
          const id = pick(step.ticket)
          if (id !== null) act(() => acceptTicket(w.ctx, w.user(agents[step.agent]), id))
          break
        }
        case 'decline': {
          const id = pick(step.ticket)
          if (id !== null) act(() => declineOffer(w.ctx, w.user(agents[step.agent]), id))
          break
        }
        case 'expire': {
          const id = pick(step.ticket)
          if (id !== null) {
            w.timeOut(id)
            expireOffers(w.ctx)
          }
          break
        }
        case 'close': {
          const id = pick(step.ticket)
          if (id !== null) act(() => closeTicket(w.ctx, w.user(agents[step.agent]), id, {}))
          break
        }
        case 'transfer': {
          const id = pick(step.ticket)
          if (id !== null) {
            act(() =>
              transferTicket(w.ctx, w.user(agents[step.agent]), id, {
                user_id: step.toAgent === null ? null : agents[step.toAgent],
                sector_id: step.toSector === null ? null : sectors[step.toSector],
              }),
            )
          }
          break
        }
        case 'reopen': {
          const id = pick(step.ticket)
          if (id !== null) {
            const contact = w.t(id).contact_id
            write(w.ctx.db, () => w.ctx.stores.tickets.openOfContact(contact) ?? reopenIfRecent(w.ctx, contact))
          }
          break
        }
        case 'route':
          routingPass(w.ctx)
          break
      }
      usage = checkInvariants(w.ctx, agents, usage, lastOffer, step.k === 'route')
    }
  } finally {
    w.close()
  }
}

describe('property: random interleavings keep the invariants', () => {
  test('100 runs × 40 steps', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 40, maxLength: 40 }), (steps) => {
        runScenario(steps)
      }),
      { numRuns: 100, verbose: 1 },
    )
  }, 120_000)
})

// ---- several processes routing one database at once ---------------------------------------------

describe('concurrency', () => {
  test('four processes routing, accepting and closing on one database never double-assign nor exceed a limit', async () => {
    const w = world()
    const auto = w.sector({ routing: 'auto' })
    const offer = w.sector({ routing: 'offer' })
    const agents = [0, 1, 2, 3, 4].map(() => w.agent({ sectors: [auto, offer], limits: { whatsapp: 3, email: 2 } }))
    const supervisor = w.agent({ sectors: [], profile: 'supervisor', presence: 'offline' })
    for (let i = 0; i < 120; i++) w.ticket({ sector: i % 2 ? offer : auto, type: i % 3 ? 'whatsapp' : 'email', queuedAt: i })
    // Watchdogs inside the database: any moment an agent goes over a limit or holds two cards.
    const used = (user: string, type: string) => `
      (SELECT count(*) FROM tickets o JOIN channels c ON c.id = o.channel_id WHERE o.assignee_id = ${user} AND o.status = 'open' AND c.type = ${type})
      + (SELECT count(*) FROM offers p JOIN tickets pt ON pt.id = p.ticket_id JOIN channels pc ON pc.id = pt.channel_id
         WHERE p.user_id = ${user} AND p.status = 'pending' AND pc.type = ${type})`
    const cap = (user: string, type: string) => `(SELECT max_open FROM user_channel_limits WHERE user_id = ${user} AND channel_type = ${type})`
    const typeOf = (ticket: string) => `(SELECT c.type FROM tickets t JOIN channels c ON c.id = t.channel_id WHERE t.id = ${ticket})`
    w.ctx.db.exec(`
      CREATE TABLE test_violations (what TEXT, user_id INTEGER);
      CREATE TRIGGER test_watch_ticket AFTER UPDATE ON tickets WHEN NEW.status = 'open' BEGIN
        INSERT INTO test_violations SELECT 'limit', NEW.assignee_id
          WHERE ${used('NEW.assignee_id', typeOf('NEW.id'))} > ${cap('NEW.assignee_id', typeOf('NEW.id'))};
      END;
      CREATE TRIGGER test_watch_offer AFTER INSERT ON offers BEGIN
        INSERT INTO test_violations SELECT 'limit', NEW.user_id
          WHERE ${used('NEW.user_id', typeOf('NEW.ticket_id'))} > ${cap('NEW.user_id', typeOf('NEW.ticket_id'))};
        INSERT INTO test_violations SELECT 'two cards', NEW.user_id
          WHERE (SELECT count(*) FROM offers WHERE user_id = NEW.user_id AND status = 'pending') > 1;
      END;`)
    const script = join(w.dir, 'route.ts')
    const src = (p: string) => JSON.stringify(join(import.meta.dir, '..', p))
    // Each process: route, accept a random pending offer as its agent, close a random open ticket
    // as the supervisor — all started at the same instant.
    writeFileSync(
      script,
      `import { loadConfig } from ${src('config')}
import { createContext } from ${src('context')}
import { createLogger } from ${src('logger')}
import { acceptTicket, closeTicket } from ${src('desk/actions')}
import { routingPass } from ${src('desk/routing')}
const ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: ${JSON.stringify(w.dir)}, LOG_LEVEL: 'silent' }), createLogger('silent'))
ctx.db.exec('PRAGMA synchronous = OFF')
const startAt = Number(process.argv[2])
while (Date.now() < startAt) await Bun.sleep(1)
const supervisor = ctx.stores.users.get(${supervisor})!
let routed = 0
for (let i = 0; i < 80; i++) {
  routed += routingPass(ctx).routed
  const offer = ctx.db.query('SELECT ticket_id, user_id FROM offers WHERE status = ? ORDER BY random() LIMIT 1').get('pending') as { ticket_id: number; user_id: number } | null
  if (offer) try { acceptTicket(ctx, ctx.stores.users.get(offer.user_id)!, offer.ticket_id) } catch {}
  const open = ctx.db.query('SELECT id FROM tickets WHERE status = ? ORDER BY random() LIMIT 1').get('open') as { id: number } | null
  if (open && i % 2) try { closeTicket(ctx, supervisor, open.id, {}) } catch {}
}
console.log(routed)
`,
    )
    const startAt = Date.now() + 1500
    const runs = [0, 1, 2, 3].map(() => Bun.spawn([process.execPath, script, String(startAt)], { stdout: 'pipe', stderr: 'pipe' }))
    const results = await Promise.all(runs.map(async (p) => ({ code: await p.exited, out: await new Response(p.stdout).text(), err: await new Response(p.stderr).text() })))
    for (const r of results) expect(r).toMatchObject({ code: 0, err: '' })
    const routed = results.map((r) => Number(r.out.trim()))
    // Every routing decision counted once, by the process that made it.
    const decisions = w.ctx.db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ticket_history WHERE action = 'offered' OR (action = 'assigned' AND actor_id IS NULL)`).get()!.n
    expect(routed.reduce((a, b) => a + b, 0)).toBe(decisions)
    expect(routed.filter((n) => n > 0).length).toBeGreaterThan(1) // they really raced
    checkInvariants(w.ctx, agents, null, 0, true)
    expect(w.ctx.db.query('SELECT what, user_id FROM test_violations').all()).toEqual([])
  }, 60_000)
})

describe('business hours', () => {
  test('a closed sector’s tickets wait; "keep working" sectors route anyway; opening routes them', async () => {
    const { saveCalendar, saveSectorHours } = await import('../hours/hours')
    const w = world()
    const admin = w.agent({ sectors: [], profile: 'admin' })
    // A calendar with no opening hours at all: always closed.
    const closed = saveCalendar(w.ctx, admin, { name: 'Fechado', weekly: ['', '', '', '', '', '', ''], national_holidays: false }, null, null)
    const sector = w.sector()
    saveSectorHours(w.ctx, admin, sector, { business_hours_id: closed.id }, null)
    const agent = w.agent({ sectors: [sector] })
    const ticket = w.ticket({ sector })
    routeSector(w.ctx, sector)
    expect(w.t(ticket)).toMatchObject({ status: 'queued', assignee_id: null })
    // Configured to keep working outside hours: routed.
    saveSectorHours(w.ctx, admin, sector, { keep_working: true }, null)
    routeSector(w.ctx, sector)
    expect(w.t(ticket)).toMatchObject({ status: 'open', assignee_id: agent })
    w.close()
  })
})
