// Routing runs after the request that woke it (issue 9): `PUT /api/v1/me/presence` used to run a
// whole routing pass before answering (p50 25–85 ms under load). The request now answers first;
// the pass comes after and still assigns the waiting ticket.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'

let s: TestServer
let wa: WhatsAppRig

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
})
afterAll(async () => {
  await s.stop()
  await wa.meta.stop()
})

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(10)
  }
}

test('PUT /api/v1/me/presence answers before the routing pass it wakes, which then assigns the waiting ticket', async () => {
  // A customer waits in the sector; its only agent is offline.
  const waId = '5583977770001'
  expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'Alguém aí?')))).status).toBe(200)
  await until(() => {
    const c = s.ctx.stores.contacts.byKey(wa.channelId, waId)
    return c !== null && s.ctx.stores.tickets.lastOfContact(c.id)?.status === 'queued'
  })
  const ticketId = s.ctx.stores.tickets.lastOfContact(s.ctx.stores.contacts.byKey(wa.channelId, waId)!.id)!.id
  const { user, token } = await seedUser(s.ctx, { email: 'wake@example.com', sector_ids: [wa.sectorId] })

  // Observed from inside the server: the moment the response leaves the app (the server records
  // its metrics sample right before handing it to Bun) and the moment routing assigns the ticket.
  // Nothing can be assigned before the presence change commits, inside that same request.
  const order: string[] = []
  const observe = s.ctx.metrics.observe.bind(s.ctx.metrics)
  s.ctx.metrics.observe = (method, route, status, seconds) => {
    if (method === 'PUT' && route === '/api/v1/me/presence') order.push(`answered ${status}`)
    observe(method, route, status, seconds)
  }
  const assign = s.ctx.stores.tickets.assign
  s.ctx.stores.tickets.assign = (...args: Parameters<typeof assign>) => {
    order.push(`assigned ${args[0]}`)
    return assign(...args)
  }
  try {
    const res = await fetch(`${s.url}/api/v1/me/presence`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'available' }) })
    expect(res.status).toBe(200)
    await until(() => s.ctx.stores.tickets.get(ticketId)!.assignee_id === user.id)
  } finally {
    s.ctx.metrics.observe = observe
    s.ctx.stores.tickets.assign = assign
  }
  expect(order).toEqual(['answered 200', `assigned ${ticketId}`])
})
