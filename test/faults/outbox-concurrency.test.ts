// Fault: the Graph API hangs for some recipients (a send that never answers until the client's
// 15 s timeout). Other tickets' messages still go out at once — the outbox sends different tickets
// concurrently — while the hung tickets' messages wait their turn and then go out once each, in
// the order they were written. Against the compiled binary and scripts/fake-meta.ts (its `to`
// fault knob holds one recipient's sends).
import { expect, test } from 'bun:test'
import { api, deliver, faultRig, textDelivery, until, untilDrained } from './support'

const HUNG = ['5583990000201', '5583990000202']
const FINE = ['5583990000301', '5583990000302', '5583990000303']
const REPLIES = 3

const rig = faultRig({ LOG_LEVEL: 'warn' })

const textOf = (body: unknown) => String(((body as { text?: { body?: string } }).text?.body) ?? '')
const held = (waId: string) => rig.meta.state.requests.some((r) => r.path.endsWith('/messages') && (r.body as { to?: string })?.to === `+${waId}` && r.status === null)

test('one recipient’s hung sends hold only their own ticket; order per ticket is kept', async () => {
  const { meta, k, p } = rig
  // The first send to each HUNG recipient never gets an answer (the app gives up after 15 s).
  for (const waId of HUNG) {
    const r = await fetch(meta.url + '/_fake/faults', { method: 'POST', body: JSON.stringify({ path: '/*/*/messages', method: 'POST', to: waId, timeout: true, count: 1 }) })
    expect(r.status).toBe(201)
  }
  // The hung customers write first, so their rows are the oldest in the outbox.
  for (const waId of [...HUNG, ...FINE]) expect((await deliver(k, p, textDelivery(p.phoneNumberId, waId, `Olá, sou ${waId}`).body)).status).toBe(200)
  const tickets = await until(async () => {
    const r = await api(k, p.token, 'GET', '/api/v1/tickets?limit=50')
    return r.json?.data?.length === HUNG.length + FINE.length ? (r.json.data as { id: number; contact: { wa_id: string } }[]) : null
  }, 10_000, 'five tickets')
  const ticketOf = new Map(tickets.map((t) => [t.contact.wa_id, t.id]))
  await until(() => HUNG.every(held), 10_000, 'the hung recipients’ first sends held by the API')
  const hungSince = Date.now()

  // Agents answer everyone while those calls hang.
  for (let i = 1; i <= REPLIES; i++) {
    for (const waId of [...HUNG, ...FINE]) {
      const r = await api(k, p.token, 'POST', `/api/v1/tickets/${ticketOf.get(waId)}/messages`, { text: `Resposta ${i} para ${waId}` })
      expect({ status: r.status, body: r.text }).toMatchObject({ status: 201 })
    }
  }

  // Every FINE ticket's messages went out while the HUNG calls were still held: nothing waited for them.
  const fineDone = () => FINE.every((waId) => meta.state.messages.filter((m) => m.waId === waId && textOf(m.body).startsWith('Resposta ')).length === REPLIES)
  await until(fineDone, 12_000, 'the other tickets’ replies sent')
  const fineMs = Date.now() - hungSince
  expect(HUNG.every(held)).toBe(true)
  // Nothing of a hung ticket overtook its held first message.
  for (const waId of HUNG) expect(meta.state.messages.filter((m) => m.waId === waId)).toEqual([])

  // After the timeout the held messages are retried, and each hung ticket drains in order.
  const queued = await untilDrained(k, meta, "type = 'text'", 40_000, 'the outbox drained after the timeouts')
  await Bun.sleep(300) // nothing more should come
  for (const waId of [...HUNG, ...FINE]) {
    const sentTexts = meta.state.messages.filter((m) => m.waId === waId).map((m) => textOf(m.body))
    const queuedTexts = queued.filter((q) => q.ticket_id === ticketOf.get(waId)).map((q) => q.text ?? '')
    expect(sentTexts).toEqual(queuedTexts) // exactly once each, in the order written
    expect(sentTexts.filter((t) => t.startsWith('Resposta '))).toEqual(Array.from({ length: REPLIES }, (_, i) => `Resposta ${i + 1} para ${waId}`))
  }
  const db = k.db()
  try {
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE direction = 'out' AND status IN ('queued', 'failed')").get()!.n).toBe(0)
  } finally {
    db.close()
  }
  console.log(`outbox concurrency: other tickets' ${FINE.length * REPLIES} replies out ${fineMs} ms after two recipients' sends hung; all drained ${Date.now() - hungSince} ms after`)
}, 90_000)
