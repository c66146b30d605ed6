// Fault: the Graph API fails for a while (429 with Retry-After, a request that never answers, then
// 5xx on every attempt — minutes of outage compressed into seconds). Agent messages wait in the
// outbox (status "queued", the page shows "aguardando envio"); once the API recovers every message
// goes out exactly once, in order per ticket. Against the compiled binary and scripts/fake-meta.ts.
import { expect, test } from 'bun:test'
import { Browser } from '../support/server'
import { api, deliver, faultRig, textDelivery, until, untilDrained } from './support'

const CUSTOMERS = ['5583990000101', '5583990000102', '5583990000103']
const PER_TICKET = 3
const OUTAGE_MS = 24_000

const rig = faultRig({ LOG_LEVEL: 'warn' })

type Sent = { to: string; type: string; text: string; at: number; status: number | null }

test('Graph API outage: messages wait queued, then all go out once, in order per ticket', async () => {
  const { meta, k, p } = rig
  // The outage starts before anything is sent: first a request the API never answers (the client
  // gives up after its 15 s timeout), then throughput 429s with Retry-After, a proxy's HTML 503,
  // then 500 for every attempt until we lift it.
  await fetch(meta.url + '/_fake/faults', {
    method: 'POST',
    body: JSON.stringify({
      faults: [
        { path: '/*/*/messages', method: 'POST', timeout: true, count: 1 },
        { path: '/*/*/messages', method: 'POST', status: 429, retry_after: 3, count: 2 },
        { path: '/*/*/messages', method: 'POST', status: 503, raw_body: '<html><body>502 Bad Gateway</body></html>', count: 2 },
        { path: '/*/*/messages', method: 'POST', status: 500, count: 100_000 },
      ],
    }),
  })
  const outageStarted = Date.now()

  // Customers write: one ticket each, with the protocol message queued for them.
  for (const waId of CUSTOMERS) expect((await deliver(k, p, textDelivery(p.phoneNumberId, waId, `Olá, sou ${waId}`).body)).status).toBe(200)
  const tickets = await until(async () => {
    const r = await api(k, p.token, 'GET', '/api/v1/tickets?limit=50')
    return r.json?.data?.length === CUSTOMERS.length ? (r.json.data as { id: number; contact: { wa_id: string } }[]) : null
  }, 10_000, 'three tickets')
  const ticketOf = new Map(tickets.map((t) => [t.contact.wa_id, t.id]))

  // Agents answer through the API while the outage lasts: accepted (201) and queued.
  const expected = new Map<string, string[]>()
  for (let i = 1; i <= PER_TICKET; i++) {
    for (const waId of CUSTOMERS) {
      const text = `Resposta ${i} para ${waId}`
      const r = await api(k, p.token, 'POST', `/api/v1/tickets/${ticketOf.get(waId)}/messages`, { text })
      expect({ status: r.status, body: r.text }).toMatchObject({ status: 201 })
      expect(r.json.status).toBe('queued')
      expected.set(waId, [...(expected.get(waId) ?? []), text])
    }
  }

  // During the outage: nothing accepted by the API, every agent message still queued, visible as such.
  await Bun.sleep(2500)
  expect(meta.state.messages.length).toBe(0)
  for (const waId of CUSTOMERS) {
    const msgs = (await api(k, p.token, 'GET', `/api/v1/tickets/${ticketOf.get(waId)}/messages?limit=50`)).json.data as { author: string; status: string; text: string }[]
    const agent = msgs.filter((m) => m.author === 'agent')
    expect(agent.map((m) => m.status)).toEqual(Array(PER_TICKET).fill('queued'))
  }
  const browser = new Browser(k.base)
  await browser.login(p.email, p.password)
  const page = await (await browser.fetch(`/tickets/${ticketOf.get(CUSTOMERS[0])}`)).text()
  expect(page).toContain('aguardando envio')

  // Keep failing until the outage window is over, then the API recovers.
  await Bun.sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)))
  const failedAttempts = meta.state.requests.filter((r) => r.path.endsWith('/messages') && r.status !== 200).length
  await fetch(meta.url + '/_fake/faults', { method: 'DELETE' })
  const recovered = Date.now()

  // Everything the database queued for customers (the protocol message of each ticket, the
  // agents' replies, anything else automatic) goes out once the outbox drains.
  const drained = await untilDrained(k, meta, "type != 'note'", 45_000, 'the outbox drained after recovery')
  const drainMs = Date.now() - recovered
  await Bun.sleep(500) // nothing more should come
  const total = drained.length
  expect(total).toBeGreaterThanOrEqual(CUSTOMERS.length * PER_TICKET)

  // Exactly once, in the order queued per ticket (whatever the desk sends by itself — protocol
  // number, bot prompts — and then the agents' replies).
  const sent: Sent[] = meta.state.messages.map((m) => ({ to: m.waId, type: m.type, text: String((m.body.text as { body?: string })?.body ?? ''), at: m.at, status: 200 }))
  expect(sent.length).toBe(total)
  for (const waId of CUSTOMERS) {
    const mine = sent.filter((s) => s.to === waId)
    const queued = drained.filter((q) => q.ticket_id === ticketOf.get(waId))
    expect(mine.map((m) => m.type)).toEqual(queued.map((q) => q.type))
    expect(mine.filter((m) => m.type === 'text').map((m) => m.text)).toEqual(queued.filter((q) => q.type === 'text').map((q) => q.text ?? ''))
    expect(mine.filter((m) => m.text.startsWith('Resposta ')).map((m) => m.text)).toEqual(expected.get(waId)!)
  }

  // Retry-After was honoured: the retry of a message answered 429 came at least 3 s later.
  const attempts = meta.state.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'))
  const key = (r: { body: unknown }) => JSON.stringify((r.body as { to?: string; text?: unknown })?.to) + JSON.stringify((r.body as { text?: unknown })?.text)
  for (const [i, r] of attempts.entries()) {
    if (r.status !== 429) continue
    const retry = attempts.slice(i + 1).find((x) => key(x) === key(r))
    expect(retry).toBeDefined()
    expect(retry!.at - r.at).toBeGreaterThanOrEqual(2900)
  }

  // The database agrees: every agent message sent, every outbox row done, none failed.
  const db = k.db()
  try {
    const statuses = db.query<{ status: string; n: number }, []>("SELECT status, count(*) AS n FROM messages WHERE direction = 'out' GROUP BY status").all()
    expect(statuses.filter((s) => s.status !== 'sent' && s.status !== 'delivered' && s.status !== 'read')).toEqual([])
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM outbox WHERE status != 'done'").get()!.n).toBe(0)
    const maxAttempts = db.query<{ m: number }, []>('SELECT max(attempts) AS m FROM outbox').get()!.m
    expect(maxAttempts).toBeGreaterThanOrEqual(3)
    expect(failedAttempts).toBeGreaterThanOrEqual(10) // the timeout, 2 × 429, 2 × 503, then 500s
    console.log(`graph outage: ${failedAttempts} failed attempts over ${Math.round((recovered - outageStarted) / 1000)} s; ${total} messages out ${drainMs} ms after recovery; max attempts per row ${maxAttempts}`)
  } finally {
    db.close()
  }
  // The channel was never paused for a transient outage.
  const channel = await api(k, p.token, 'GET', `/api/v1/channels/${p.channelId}`)
  expect(channel.json.status).toBe('active')
}, 90_000)
