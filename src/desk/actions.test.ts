// Ticket actions through the real HTTP server and the real routing worker: customers write through
// signed webhooks (whatsappRig), agents act with bearer tokens. Every action and every refusal.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { SseReader } from '../../test/support/sse'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import { write } from '../db/open'
import type { Ticket } from './tickets-store'

let s: TestServer
type Who = { token: string; id: number; name: string }

const api = (path: string, token: string | null, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } })
const send = (method: string, path: string, who: Who | null, body?: unknown) =>
  api(path, who?.token ?? null, body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
const post = (path: string, who: Who | null, body?: unknown) => send('POST', path, who, body)
const patch = (path: string, who: Who | null, body: unknown) => send('PATCH', path, who, body)
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; details?: { field: string }[] } }).error

let seq = 0
async function person(profile: string, sectors: number[], presence: 'available' | 'paused' | 'offline' = 'available'): Promise<Who> {
  const n = ++seq
  const { user, token } = await seedUser(s.ctx, { email: `p${n}@example.com`, name: `Pessoa ${n}`, profile, sector_ids: sectors })
  const who = { token, id: user.id, name: user.name }
  if (presence !== 'offline') expect((await send('PUT', '/api/v1/me/presence', who, { status: presence })).status).toBe(200)
  return who
}
const setPresence = (who: Who, status: string) => send('PUT', '/api/v1/me/presence', who, { status })

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(10)
  }
}
const ticket = (id: number): Ticket => s.ctx.stores.tickets.get(id)!
const pendingOffer = (id: number) => s.ctx.stores.offers.pendingOfTicket(id)

let phone = 0
/** A customer writes on WhatsApp; resolves with their ticket (queued and routed by the server). */
async function customerWrites(wa: WhatsAppRig, text = 'Olá', waId = `55839${String(7000000 + ++phone)}`): Promise<number> {
  expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, text)))).status).toBe(200)
  let id = 0
  await until(() => {
    const contact = s.ctx.stores.contacts.byKey(wa.channelId, waId)
    const t = contact ? s.ctx.stores.tickets.lastOfContact(contact.id) : null
    const seen = t !== null && s.ctx.stores.messages.ofTicket(t.id, 0, 1000).some((m) => m.direction === 'in' && m.text === text)
    if (seen) id = t!.id
    return seen
  })
  return id
}
const waIdOf = (id: number) => ticket(id).contact_key

function setSector(id: number, o: { routing?: 'auto' | 'offer'; require_classification?: boolean }) {
  const sector = s.ctx.stores.sectors.get(id)!
  write(s.ctx.db, () => s.ctx.stores.sectors.update(id, { ...sector, ...o }))
  s.ctx.wake.routing()
}
const sectorNamed = (name: string) => write(s.ctx.db, () => s.ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))

beforeAll(async () => {
  s = await startTestServer()
})
afterAll(async () => {
  await s.stop()
})

describe('accept and decline (offer mode)', () => {
  let wa: WhatsAppRig
  let a: Who
  let b: Who
  let outsider: Who
  let supervisor: Who
  beforeAll(async () => {
    wa = await whatsappRig(s)
    setSector(wa.sectorId, { routing: 'offer' })
    a = await person('agent', [wa.sectorId])
    b = await person('agent', [wa.sectorId])
    outsider = await person('agent', [sectorNamed('Outro setor')])
    supervisor = await person('supervisor', [], 'offline')
  })
  afterAll(() => wa.meta.stop())

  test('a customer message is offered to one agent, live on their stream; only they may accept', async () => {
    const abort = new AbortController()
    const reader = new SseReader(await api('/api/v1/events', a.token, { signal: abort.signal }))
    const id = await customerWrites(wa)
    await until(() => pendingOffer(id) !== null)
    const offer = pendingOffer(id)!
    expect(offer.user_id).toBe(a.id) // tie on load and last assignment: lowest id
    // The offer reaches the agent's API stream as ticket.updated with an `offer` field.
    let offered: { id: number; offer?: { id: number; status: string; expires_at: string } } | null = null
    while (!offered) {
      const ev = await reader.next(3000)
      const data = ev?.event === 'ticket.updated' ? JSON.parse(ev.data) : null
      if (data?.id === id && data.offer) offered = data
    }
    expect(offered.offer).toMatchObject({ id: offer.id, status: 'pending', expires_at: new Date(offer.expires_at).toISOString() })
    abort.abort()

    // b, who holds no offer for it, may neither accept nor decline: 409 not_offered.
    let res = await post(`/api/v1/tickets/${id}/accept`, b)
    expect(res.status).toBe(409)
    expect((await errorOf(res)).code).toBe('not_offered')
    res = await post(`/api/v1/tickets/${id}/decline`, b)
    expect(res.status).toBe(409)
    expect((await errorOf(res)).code).toBe('not_offered')
    // An agent of another sector does not see it at all.
    expect((await post(`/api/v1/tickets/${id}/accept`, outsider)).status).toBe(404)
    expect((await post(`/api/v1/tickets/${id}/accept`, null)).status).toBe(401)
    expect((await post('/api/v1/tickets/999999/accept', a)).status).toBe(404)

    // a accepts, by protocol number.
    res = await post(`/api/v1/tickets/${ticket(id).protocol}/accept`, a)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id, status: 'open', assignee_id: a.id, notes: null, close_note: null })
    expect(s.ctx.stores.offers.get(offer.id)!.status).toBe('accepted')
    // Accepting again is harmless; b now meets an assigned ticket.
    expect((await post(`/api/v1/tickets/${id}/accept`, a)).status).toBe(200)
    res = await post(`/api/v1/tickets/${id}/accept`, b)
    expect(res.status).toBe(409)
    expect((await errorOf(res)).code).toBe('already_assigned')
  })

  test('decline: the miss is recorded and the next agent gets the card', async () => {
    // a holds one ticket now; b holds none: b is first.
    const id = await customerWrites(wa)
    await until(() => pendingOffer(id) !== null)
    expect(pendingOffer(id)!.user_id).toBe(b.id)
    const res = await post(`/api/v1/tickets/${id}/decline`, b)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id, status: 'queued', assignee_id: null })
    await until(() => pendingOffer(id)?.user_id === a.id)
    expect(s.ctx.stores.offers.missesOf(b.id)).toBe(1)
    const history = (await (await api(`/api/v1/tickets/${id}/history`, supervisor.token)).json()) as { data: { action: string; to_user_id: number | null; actor_id: number | null }[] }
    expect(history.data.map((h) => h.action)).toEqual(['queued', 'offered', 'offer_declined', 'offered'])
    expect(history.data[2]).toMatchObject({ to_user_id: b.id, actor_id: b.id })
    // Marked confidential while on offer: the offered agent still sees it to accept; b does not.
    expect((await patch(`/api/v1/tickets/${id}`, supervisor, { confidential: true })).status).toBe(200)
    expect((await post(`/api/v1/tickets/${id}/accept`, b)).status).toBe(404)
    expect((await api(`/api/v1/tickets/${id}`, a.token)).status).toBe(404) // reading stays the assignee's right
    expect((await post(`/api/v1/tickets/${id}/accept`, a)).status).toBe(200)
    expect((await api(`/api/v1/tickets/${id}`, a.token)).status).toBe(200)
  })

  test('a supervisor takes a queued ticket on offer to someone else (the offer is cancelled)', async () => {
    const id = await customerWrites(wa)
    await until(() => pendingOffer(id) !== null)
    const offer = pendingOffer(id)!
    const res = await post(`/api/v1/tickets/${id}/accept`, supervisor)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'open', assignee_id: supervisor.id })
    expect(s.ctx.stores.offers.get(offer.id)!.status).toBe('cancelled')
    // The offered agent's accept now fails: assigned.
    const offered = offer.user_id === a.id ? a : b
    expect((await errorOf(await post(`/api/v1/tickets/${id}/accept`, offered))).code).toBe('already_assigned')
  })

  test('the offer times out: the miss is recorded and it moves on (expiry worker)', async () => {
    await setPresence(a, 'paused')
    const id = await customerWrites(wa)
    await until(() => pendingOffer(id) !== null)
    expect(pendingOffer(id)!.user_id).toBe(b.id)
    s.ctx.db.run(`UPDATE offers SET expires_at = ? WHERE ticket_id = ? AND status = 'pending'`, [Date.now() - 1, id])
    s.ctx.wake.routing()
    await until(() => s.ctx.stores.history.ofTicket(id).some((h) => h.action === 'offer_expired'))
    // a is paused: nobody else may take it; it waits.
    await Bun.sleep(50)
    expect(pendingOffer(id)).toBeNull()
    expect(ticket(id).status).toBe('queued')
    // The card is gone, but a member may pull a waiting ticket from the queue; an outsider may not.
    expect((await errorOf(await post(`/api/v1/tickets/${id}/accept`, outsider))).code).toBe('not_found')
    const res = await post(`/api/v1/tickets/${id}/accept`, b)
    expect(res.status).toBe(200)
    await setPresence(a, 'available')
  })
})

describe('transfer', () => {
  let wa: WhatsAppRig
  let a: Who
  let b: Who
  let c: Who // same sector, not holding the ticket
  let other: Who // member of the other sector only
  let supervisor: Who
  let otherSector: number
  beforeAll(async () => {
    wa = await whatsappRig(s)
    otherSector = sectorNamed('Financeiro')
    a = await person('agent', [wa.sectorId])
    b = await person('agent', [wa.sectorId], 'paused')
    c = await person('agent', [wa.sectorId], 'paused')
    other = await person('agent', [otherSector], 'paused')
    supervisor = await person('supervisor', [], 'offline')
  })
  afterAll(() => wa.meta.stop())

  test('to an agent: assigned directly, with a system note (not sent) naming who, where to and the note', async () => {
    const id = await customerWrites(wa)
    await until(() => ticket(id).assignee_id === a.id) // auto sector
    const sentBefore = wa.meta.state.messages.length
    const outboxBefore = s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM outbox').get()!.n
    const res = await post(`/api/v1/tickets/${id}/transfer`, a, { user_id: b.id, note: 'Cliente quer <b>segunda via</b>' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'open', assignee_id: b.id, sector_id: wa.sectorId })
    const messages = (await (await api(`/api/v1/tickets/${id}/messages`, b.token)).json()) as { data: { author: string; type: string; text: string; author_id: number; status: string }[] }
    const note = messages.data.at(-1)!
    expect(note).toMatchObject({ author: 'system', type: 'note', author_id: a.id, status: 'sent' })
    expect(note.text).toContain(a.name)
    expect(note.text).toContain(b.name)
    expect(note.text).toContain('Cliente quer <b>segunda via</b>')
    expect(s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM outbox').get()!.n).toBe(outboxBefore)
    await Bun.sleep(50)
    expect(wa.meta.state.messages.length).toBe(sentBefore)
    // a no longer holds it: a may not transfer or close it again.
    let r = await post(`/api/v1/tickets/${id}/transfer`, a, { sector_id: otherSector })
    expect([r.status, (await errorOf(r)).code]).toEqual([403, 'not_assignee'])
    r = await post(`/api/v1/tickets/${id}/close`, c, {})
    expect([r.status, (await errorOf(r)).code]).toEqual([403, 'not_assignee'])
    const history = s.ctx.stores.history.ofTicket(id).at(-1)!
    expect(history).toMatchObject({ action: 'transferred', actor_id: a.id, from_user_id: a.id, to_user_id: b.id, note: 'Cliente quer <b>segunda via</b>' })
  })

  test('refusals: nothing to move to, unknown targets, not a member, offline, at the limit, extra fields', async () => {
    const id = await customerWrites(wa)
    await until(() => ticket(id).assignee_id === a.id)
    const expectError = async (body: unknown, status: number, code: string, field?: string) => {
      const res = await post(`/api/v1/tickets/${id}/transfer`, a, body)
      const err = await errorOf(res)
      expect([res.status, err.code]).toEqual([status, code])
      if (field) expect(err.details?.map((d) => d.field)).toContain(field)
    }
    await expectError({}, 400, 'validation_failed', 'user_id')
    await expectError({ note: 'só nota' }, 400, 'validation_failed', 'user_id')
    await expectError({ user_id: 999999 }, 400, 'validation_failed', 'user_id')
    await expectError({ sector_id: 999999 }, 400, 'validation_failed', 'sector_id')
    await expectError({ user_id: other.id }, 409, 'user_not_in_sector')
    await expectError({ user_id: a.id }, 409, 'already_assigned')
    await expectError({ sector_id: wa.sectorId, priority: 1 }, 400, 'validation_failed')
    await expectError({ user_id: 'b' }, 400, 'validation_failed')
    await setPresence(c, 'offline')
    await expectError({ user_id: c.id }, 409, 'agent_offline')
    await setPresence(c, 'paused')
    write(s.ctx.db, () => s.ctx.stores.users.update(c.id, { limits: { whatsapp: 0, webchat: 3, email: 10 } }))
    await expectError({ user_id: c.id }, 409, 'agent_at_limit')
    expect(ticket(id).assignee_id).toBe(a.id)
  })

  test('to a sector: queued there, unassigned, first queue time kept; the sender is not routed it back', async () => {
    const id = await customerWrites(wa)
    await until(() => ticket(id).assignee_id === a.id)
    const queuedAt = ticket(id).queued_at
    // Back to its own sector's queue: a (the only available member) does not get it back.
    let res = await post(`/api/v1/tickets/${id}/transfer`, a, { sector_id: wa.sectorId, note: 'não é comigo' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'queued', assignee_id: null, sector_id: wa.sectorId })
    await Bun.sleep(50)
    expect(ticket(id)).toMatchObject({ status: 'queued', assignee_id: null, queued_at: queuedAt })
    res = await post(`/api/v1/tickets/${id}/transfer`, supervisor, { sector_id: wa.sectorId })
    expect([res.status, (await errorOf(res)).code]).toEqual([409, 'already_queued'])
    // The supervisor moves it to Financeiro, with an agent there.
    res = await post(`/api/v1/tickets/${id}/transfer`, supervisor, { sector_id: otherSector, user_id: other.id, note: 'boleto' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'open', assignee_id: other.id, sector_id: otherSector })
    // Agents of the first sector no longer see it.
    expect((await api(`/api/v1/tickets/${id}`, c.token)).status).toBe(404)
    expect((await post(`/api/v1/tickets/${id}/close`, c, {})).status).toBe(404)
  })
})

describe('close', () => {
  let wa: WhatsAppRig
  let a: Who
  let b: Who
  let supervisor: Who
  let own: number
  let foreign: number
  let global: number
  let inactive: number
  beforeAll(async () => {
    wa = await whatsappRig(s)
    a = await person('agent', [wa.sectorId])
    b = await person('agent', [wa.sectorId], 'paused')
    supervisor = await person('supervisor', [], 'offline')
    const other = sectorNamed('Suporte técnico')
    const add = (name: string, sector: number | null, active = 1) =>
      s.ctx.db.query<{ id: number }, [string, number | null, number, number]>('INSERT INTO classifications (name, sector_id, active, created_at, updated_at) VALUES (?, ?, ?, ?4, ?4) RETURNING id').get(name, sector, active, Date.now())!.id
    own = add('Dúvida', wa.sectorId)
    foreign = add('Defeito', other)
    global = add('Elogio', null)
    inactive = add('Antiga', wa.sectorId, 0)
  })
  afterAll(() => wa.meta.stop())

  test('required classification → 400 naming the field; foreign or inactive → 400; then closed; closing again → 409', async () => {
    setSector(wa.sectorId, { require_classification: true })
    const id = await customerWrites(wa)
    await until(() => ticket(id).assignee_id === a.id)
    const attempt = async (who: Who, body: unknown) => {
      const res = await post(`/api/v1/tickets/${id}/close`, who, body)
      if (res.status === 200) return { status: res.status, body: (await res.json()) as Record<string, unknown>, error: null }
      return { status: res.status, body: null, error: await errorOf(res) }
    }
    let r = await attempt(a, {})
    expect(r).toMatchObject({ status: 400, error: { code: 'classification_required', details: [{ field: 'classification_id' }] } })
    r = await attempt(a, { classification_id: foreign })
    expect(r).toMatchObject({ status: 400, error: { details: [{ field: 'classification_id' }] } })
    r = await attempt(a, { classification_id: inactive })
    expect(r.status).toBe(400)
    r = await attempt(b, { classification_id: own })
    expect(r).toMatchObject({ status: 403, error: { code: 'not_assignee' } })
    r = await attempt(a, { classification_id: own, note: '  Resolvido por telefone  ', extra: true })
    expect(r.status).toBe(400)
    r = await attempt(a, { classification_id: own, note: '  Resolvido por telefone  ' })
    expect(r).toMatchObject({ status: 200, body: { status: 'closed', classification_id: own, close_note: 'Resolvido por telefone', assignee_id: a.id } })
    expect(r.body?.closed_at).not.toBeNull()
    r = await attempt(a, { classification_id: own })
    expect(r).toMatchObject({ status: 409, error: { code: 'ticket_closed' } })
    // Nor can anyone accept or transfer it.
    expect((await errorOf(await post(`/api/v1/tickets/${id}/accept`, a))).code).toBe('ticket_closed')
    expect((await errorOf(await post(`/api/v1/tickets/${id}/transfer`, a, { user_id: b.id }))).code).toBe('ticket_closed')
    setSector(wa.sectorId, { require_classification: false })
  })

  test('optional classification: a body-less close works; a global classification fits any sector; supervisors close any ticket', async () => {
    const t1 = await customerWrites(wa)
    await until(() => ticket(t1).assignee_id === a.id)
    let res = await post(`/api/v1/tickets/${t1}/close`, a)
    expect(res.status).toBe(200)
    const t2 = await customerWrites(wa)
    await until(() => ticket(t2).assignee_id === a.id)
    res = await post(`/api/v1/tickets/${t2}/close`, supervisor, { classification_id: global })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'closed', classification_id: global })
  })

  test('closing frees a slot: the next queued ticket is routed at once', async () => {
    write(s.ctx.db, () => s.ctx.stores.users.update(a.id, { limits: { whatsapp: 1, webchat: 3, email: 10 } }))
    const t1 = await customerWrites(wa)
    await until(() => ticket(t1).assignee_id === a.id)
    const t2 = await customerWrites(wa)
    await Bun.sleep(50)
    expect(ticket(t2).status).toBe('queued')
    expect((await post(`/api/v1/tickets/${t1}/close`, a, {})).status).toBe(200)
    await until(() => ticket(t2).assignee_id === a.id)
    await post(`/api/v1/tickets/${t2}/close`, a, {})
    write(s.ctx.db, () => s.ctx.stores.users.update(a.id, { limits: { whatsapp: 3, webchat: 3, email: 10 } }))
  })

  test('the customer writing again within the window reopens the ticket (same protocol); later, a new ticket', async () => {
    const id = await customerWrites(wa, 'primeira vez')
    await until(() => ticket(id).assignee_id === a.id)
    const protocol = ticket(id).protocol
    expect((await post(`/api/v1/tickets/${id}/close`, a, { classification_id: own })).status).toBe(200)
    const again = await customerWrites(wa, 'voltei', waIdOf(id))
    expect(again).toBe(id)
    await until(() => ticket(id).status === 'open')
    expect(ticket(id)).toMatchObject({ protocol, assignee_id: a.id, closed_at: null })
    expect(s.ctx.stores.history.ofTicket(id).map((h) => h.action)).toEqual(['queued', 'assigned', 'closed', 'reopened', 'assigned'])
    // Window of 0 minutes: a new ticket with a new protocol.
    expect((await post(`/api/v1/tickets/${id}/close`, a, {})).status).toBe(200)
    s.ctx.db.run(`INSERT INTO settings (key, value) VALUES ('desk.reopen_window_minutes', '0') ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
    const fresh = await customerWrites(wa, 'outro assunto', waIdOf(id))
    expect(fresh).not.toBe(id)
    expect(ticket(fresh).protocol).not.toBe(protocol)
    s.ctx.db.run(`DELETE FROM settings WHERE key = 'desk.reopen_window_minutes'`)
  })
})

describe('PATCH (the protocol form)', () => {
  let wa: WhatsAppRig
  let a: Who
  let b: Who
  let supervisor: Who
  let id: number
  let customer: number
  let classification: number
  beforeAll(async () => {
    wa = await whatsappRig(s)
    a = await person('agent', [wa.sectorId])
    b = await person('agent', [wa.sectorId], 'paused')
    supervisor = await person('supervisor', [], 'offline')
    customer = s.ctx.db.query<{ id: number }, [number]>(`INSERT INTO customers (name, code, code_type, created_at, updated_at) VALUES ('Maria', '52998224725', 'cpf', ?1, ?1) RETURNING id`).get(Date.now())!.id
    classification = s.ctx.db.query<{ id: number }, [number]>(`INSERT INTO classifications (name, sector_id, active, created_at, updated_at) VALUES ('Cobrança', NULL, 1, ?1, ?1) RETURNING id`).get(Date.now())!.id
    id = await customerWrites(wa)
    await until(() => ticket(id).assignee_id === a.id)
  })
  afterAll(() => wa.meta.stop())

  test('the assignee links a customer, picks a classification, writes notes, marks it confidential', async () => {
    const res = await patch(`/api/v1/tickets/${id}`, a, { customer_id: customer, classification_id: classification, notes: 'Prefere contato à tarde', confidential: true })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ customer_id: customer, classification_id: classification, notes: 'Prefere contato à tarde', confidential: true })
    expect(s.ctx.stores.history.ofTicket(id).at(-1)).toMatchObject({ action: 'updated', actor_id: a.id })
    // Confidential: b (same sector) no longer sees it — not even to act.
    expect((await patch(`/api/v1/tickets/${id}`, b, { notes: 'x' })).status).toBe(404)
    expect((await post(`/api/v1/tickets/${id}/close`, b, {})).status).toBe(404)
    expect((await post(`/api/v1/tickets/${id}/accept`, b)).status).toBe(404)
    // A supervisor does, and may change it.
    expect((await patch(`/api/v1/tickets/${id}`, supervisor, { confidential: false, notes: null })).status).toBe(200)
    expect(ticket(id)).toMatchObject({ confidential: false, notes: null })
  })

  test('refusals: not the assignee → 403; unknown customer or foreign classification → 400; extra fields → 400', async () => {
    let res = await patch(`/api/v1/tickets/${id}`, b, { notes: 'minha nota' })
    expect([res.status, (await errorOf(res)).code]).toEqual([403, 'not_assignee'])
    res = await patch(`/api/v1/tickets/${id}`, a, { customer_id: 999999 })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).details?.[0].field).toBe('customer_id')
    const foreign = s.ctx.db.query<{ id: number }, [number, number]>(`INSERT INTO classifications (name, sector_id, active, created_at, updated_at) VALUES ('Outra', ?1, 1, ?2, ?2) RETURNING id`).get(sectorNamed('Vendas'), Date.now())!.id
    res = await patch(`/api/v1/tickets/${id}`, a, { classification_id: foreign })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).details?.[0].field).toBe('classification_id')
    res = await patch(`/api/v1/tickets/${id}`, a, { status: 'closed' })
    expect(res.status).toBe(400)
    res = await patch(`/api/v1/tickets/${id}`, null, { notes: 'x' })
    expect(res.status).toBe(401)
  })

  test('anonymous tickets store no customer link', async () => {
    let res = await patch(`/api/v1/tickets/${id}`, a, { anonymous: true })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ anonymous: true, customer_id: null })
    res = await patch(`/api/v1/tickets/${id}`, a, { customer_id: customer })
    expect([res.status, (await errorOf(res)).code]).toEqual([409, 'ticket_anonymous'])
    res = await patch(`/api/v1/tickets/${id}`, a, { anonymous: true, customer_id: customer })
    expect(res.status).toBe(400)
    res = await patch(`/api/v1/tickets/${id}`, a, { anonymous: false, customer_id: customer })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ anonymous: false, customer_id: customer })
  })

  test('the OpenAPI document lists the actions', async () => {
    const doc = (await (await fetch(s.url + '/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> }
    for (const p of ['/api/v1/tickets/{ticket}/accept', '/api/v1/tickets/{ticket}/decline', '/api/v1/tickets/{ticket}/transfer', '/api/v1/tickets/{ticket}/close']) expect(doc.paths[p]?.post).toBeDefined()
    expect(doc.paths['/api/v1/tickets/{ticket}']?.patch).toBeDefined()
  })
})
