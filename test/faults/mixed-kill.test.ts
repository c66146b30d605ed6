// Fault: kill -9 the compiled binary twice in the middle of a mixed load — customers' webhooks in,
// agents' replies out through the API (the fake Graph API answering slowly, so a send is nearly
// always in flight and a backlog waits queued), routing in an `auto` sector and in an `offer` sector with agents accepting,
// transfers between them, closes and reopens. After each restart the load goes on; at the end,
// with Meta's redelivery of what was never acknowledged:
// - every acknowledged inbound message exists exactly once (before and after the redelivery),
//   and so does every message delivered at all;
// - every outbound message is either sent (its wamid recorded by the fake exactly once, its text
//   sent exactly once) or shown failed as "interrupted" (the send was in flight when the process
//   died: the fake may have it once, never twice); nothing is left queued once the outbox drains;
//   every agent message the API acknowledged (201) is stored once;
// - no ticket was assigned twice: replaying each ticket's history, an 'assigned' never happens
//   while it is already assigned, the final assignee is the last one assigned, offers agree with
//   the assignments, and every action the API acknowledged (accept, transfer, close) is recorded.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { OUTBOX_CONCURRENCY } from '../../src/channels/whatsapp/sender'
import { killAll } from '../e2e/support'
import { api, deliver, provision, startKumquat, until, type Kumquat, type Provisioned } from './support'

const CUSTOMERS = 40
const AGENTS = 8
const PHASE_MS = 5000
const KILLS = 2

let meta: FakeMeta
let k: Kumquat
let p: Provisioned
let sectorB = 0
const temps: string[] = []

interface Agent {
  id: number
  token: string
  sectors: number[]
}
const agents: Agent[] = []

beforeAll(async () => {
  meta = startFakeMeta()
  k = await startKumquat({ env: { LOG_LEVEL: 'warn' } })
  temps.push(k.dir)
  p = await provision(k, meta)
  const admin = (method: string, path: string, body?: unknown) => api(k, p.token, method, path, body)

  // No bot: customers go straight to the queue. Sector A (the channel's) assigns at once; sector
  // B offers each ticket to one agent at a time for 5 s. Closing needs no classification.
  expect((await admin('PATCH', `/api/v1/channels/${p.channelId}`, { bot_flow_id: null })).status).toBe(200)
  expect((await admin('PATCH', `/api/v1/sectors/${p.sectorId}`, { routing: 'auto', require_classification: false })).status).toBe(200)
  const b = await admin('POST', '/api/v1/sectors', { name: 'Faults offer', routing: 'offer', offer_timeout_s: 5, require_classification: false })
  expect(b.status).toBe(201)
  sectorB = b.json.id

  // Status webhooks from the fake back to Kumquat (sent, delivered) for every accepted message:
  // the number registered again as provision() did (same WABA and token), with a webhook.
  const n = /^admin(\d+)@/.exec(p.email)![1]
  const registered = await fetch(meta.url + '/_fake/numbers', {
    method: 'POST',
    body: JSON.stringify({ phone_number_id: p.phoneNumberId, waba_id: `20${n}`, access_token: `faults-token-${n}`, webhook_url: k.base + p.webhookPath, app_secret: p.appSecret, auto_statuses: ['sent', 'delivered'], status_delay_ms: 30 }),
  })
  expect(registered.status).toBe(201)

  // Agents: 0–2 in A, 3–5 in A and B, 6–7 in B; four tickets each at most; all available.
  for (let i = 0; i < AGENTS; i++) {
    const sectors = i < 3 ? [p.sectorId] : i < 6 ? [p.sectorId, sectorB] : [sectorB]
    const email = `agent${i}.${p.sectorId}@faults.test`
    const u = await admin('POST', '/api/v1/users', { name: `Agente ${i}`, email, password: 'agent-password-1', profile: 'agent', sector_ids: sectors, limits: { whatsapp: 4 } })
    expect({ status: u.status, text: u.text }).toMatchObject({ status: 201 })
    agents.push({ id: u.json.id, token: '', sectors })
  }
  await Promise.all(
    agents.map(async (a, i) => {
      const tok = await k.cli(['token', 'create', '--email', `agent${i}.${p.sectorId}@faults.test`, '--name', 'mixed'])
      expect(tok.code).toBe(0)
      a.token = tok.stdout.trim()
      expect((await api(k, a.token, 'PUT', '/api/v1/me/presence', { status: 'available' })).status).toBe(200)
    }),
  )
}, 60_000)

afterAll(async () => {
  await k?.stop()
  killAll()
  await meta?.stop()
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

// ---- the load ---------------------------------------------------------------------------------------

const waIdOf = (i: number) => `55839700${String(i).padStart(5, '0')}`
/** Every inbound delivery made: wamid → customer and whether a 200 came back. */
const inbound = new Map<string, { waId: string; text: string; acked: boolean }>()
/** Agent messages the API answered 201 for: text → message id. */
const agentAcked = new Map<string, number>()
/** Actions the API answered 200 for. */
const acted: { action: 'accept' | 'transfer' | 'close'; ticket: number; user: number }[] = []
const unexpected: string[] = []
let inSeq = 0
let outSeq = 0

function delivery(waId: string, id: string, text: string) {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '558330000000', phone_number_id: p.phoneNumberId },
      contacts: [{ profile: { name: `Cliente ${waId.slice(-3)}` }, wa_id: waId }],
      messages: [{ from: waId, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
    } }] }],
  }
}

async function call(token: string, method: string, path: string, body?: unknown) {
  try {
    return await api(k, token, method, path, body)
  } catch {
    return { status: 0, text: '', json: null, ms: 0 } // the server is down (killed): try again later
  }
}

/** Statuses an agent may meet under races: someone else got there first, the ticket moved on. */
const RACES = new Set([403, 404, 409])

function startLoad() {
  let running = true
  const customer = async (w: number) => {
    while (running) {
      const waId = waIdOf(Math.floor(Math.random() * CUSTOMERS))
      const id = `wamid.mk.${w}.${++inSeq}`
      const text = `cliente ${waId} msg ${inSeq}`
      inbound.set(id, { waId, text, acked: false })
      const r = await deliver(k, p, delivery(waId, id, text))
      if (r.status === 200) inbound.get(id)!.acked = true
      else if (r.status !== 0) unexpected.push(`webhook ${r.status} ${r.text}`)
      await Bun.sleep(r.status === 0 ? 100 : 25)
    }
  }
  const agent = async (a: Agent) => {
    while (running) {
      let down = false
      const mine = await call(a.token, 'GET', `/api/v1/tickets?assignee_id=${a.id}&status=open&limit=10`)
      if (mine.status === 200) {
        for (const t of mine.json.data as { id: number; sector_id: number }[]) {
          if (!running) break
          const text = `agente ${a.id} resposta ${++outSeq}`
          const sent = await call(a.token, 'POST', `/api/v1/tickets/${t.id}/messages`, { text })
          if (sent.status === 201) agentAcked.set(text, sent.json.id)
          else if (sent.status === 0) down = true
          else if (!RACES.has(sent.status)) unexpected.push(`send ${sent.status} ${sent.text}`)
          const dice = Math.random()
          if (dice < 0.2) {
            const r = await call(a.token, 'POST', `/api/v1/tickets/${t.id}/close`, {})
            if (r.status === 200) acted.push({ action: 'close', ticket: t.id, user: a.id })
            else if (r.status !== 0 && !RACES.has(r.status)) unexpected.push(`close ${r.status} ${r.text}`)
          } else if (dice < 0.35) {
            const to = t.sector_id === sectorB ? p.sectorId : sectorB
            const r = await call(a.token, 'POST', `/api/v1/tickets/${t.id}/transfer`, { sector_id: to, note: 'mixed load' })
            if (r.status === 200) acted.push({ action: 'transfer', ticket: t.id, user: a.id })
            else if (r.status !== 0 && !RACES.has(r.status)) unexpected.push(`transfer ${r.status} ${r.text}`)
          }
        }
      } else if (mine.status === 0) down = true
      else unexpected.push(`list ${mine.status} ${mine.text}`)
      // Pull queued tickets of my sectors (offers to me, or on offer to nobody): races routing.
      for (const s of a.sectors) {
        const queued = await call(a.token, 'GET', `/api/v1/tickets?status=queued&sector_id=${s}&limit=5`)
        if (queued.status !== 200) continue
        for (const t of queued.json.data as { id: number }[]) {
          const r = await call(a.token, 'POST', `/api/v1/tickets/${t.id}/accept`)
          if (r.status === 200) acted.push({ action: 'accept', ticket: t.id, user: a.id })
          else if (r.status !== 0 && !RACES.has(r.status)) unexpected.push(`accept ${r.status} ${r.text}`)
        }
      }
      await Bun.sleep(down ? 150 : 100)
    }
  }
  const workers = [...Array.from({ length: 6 }, (_, w) => customer(w)), ...agents.map(agent)]
  return async () => {
    running = false
    await Promise.all(workers)
  }
}

const count = (sql: string) => {
  const db = k.db()
  try {
    return db.query<{ n: number }, []>(sql).get()!.n
  } finally {
    db.close()
  }
}

// ---- the test ---------------------------------------------------------------------------------------

test('kill -9 twice during webhooks in, agent replies out and routing: nothing lost, doubled or assigned twice', async () => {
  // Meta answers every send after 80 ms: the outbox is nearly always in the middle of a call.
  await fetch(meta.url + '/_fake/faults', { method: 'POST', body: JSON.stringify({ path: '/*/*/messages', method: 'POST', delay_ms: 80, count: 1_000_000 }) })
  const stop = startLoad()
  const stats: string[] = []
  for (let kill = 1; kill <= KILLS; kill++) {
    await Bun.sleep(PHASE_MS)
    const before = { acked: [...inbound.values()].filter((x) => x.acked).length, replies: agentAcked.size, actions: acted.length, sending: count("SELECT count(*) AS n FROM outbox WHERE status = 'sending'") }
    k.proc.kill('SIGKILL')
    await k.proc.exited
    stats.push(`kill ${kill}: ${before.acked} webhooks acked, ${before.replies} replies, ${before.actions} actions, ${before.sending} send(s) in flight just before`)
    await Bun.sleep(300) // the load keeps knocking on a dead port
    k = await startKumquat({ dir: k.dir, dataDir: k.dataDir, port: k.port, env: k.env })
  }
  await Bun.sleep(PHASE_MS / 2)
  await stop()
  await fetch(meta.url + '/_fake/faults', { method: 'DELETE' })
  expect(unexpected).toEqual([])

  // 1. What was acknowledged is there, before any redelivery.
  await until(() => count("SELECT count(*) AS n FROM inbound_events WHERE status = 'pending'") === 0, 30_000, 'inbound processed')
  const inCounts = () => {
    const db = k.db()
    try {
      return new Map(db.query<{ external_id: string; n: number }, []>("SELECT external_id, count(*) AS n FROM messages WHERE direction = 'in' GROUP BY external_id").all().map((r) => [r.external_id, r.n]))
    } finally {
      db.close()
    }
  }
  let counts = inCounts()
  const acked = [...inbound].filter(([, x]) => x.acked)
  expect(acked.length).toBeGreaterThan(100)
  expect(acked.filter(([id]) => counts.get(id) !== 1).map(([id]) => ({ id, n: counts.get(id) ?? 0 }))).toEqual([])
  for (const [id] of inbound) expect(counts.get(id) ?? 0).toBeLessThanOrEqual(1)

  // 2. Meta redelivers everything it has no 200 for, and some deliveries it had (it does).
  const unacked = [...inbound].filter(([, x]) => !x.acked)
  let i = 0
  for (const [id, x] of [...unacked, ...acked.filter(() => ++i % 7 === 0)]) {
    const r = await deliver(k, p, delivery(x.waId, id, x.text))
    expect(r.status).toBe(200)
  }
  await until(() => count("SELECT count(*) AS n FROM inbound_events WHERE status = 'pending'") === 0, 30_000, 'redeliveries processed')
  counts = inCounts()
  expect([...inbound.keys()].filter((id) => counts.get(id) !== 1)).toEqual([])
  expect([...counts.keys()].filter((id) => !inbound.has(id))).toEqual([])
  expect(count("SELECT count(*) AS n FROM inbound_events WHERE status = 'failed'")).toBe(0)

  // 3. The outbox drains: nothing pending or in flight; then nothing more reaches the fake.
  await until(() => count("SELECT count(*) AS n FROM outbox WHERE kind = 'send' AND status IN ('pending', 'sending')") === 0, 45_000, 'the outbox drained')
  await Bun.sleep(500)
  const db = k.db()
  try {
    type Out = { id: number; ticket_id: number; author: string; type: string; text: string | null; status: string; external_id: string | null; error_title: string | null; contact: string }
    const out = db.query<Out, []>(
      `SELECT m.id, m.ticket_id, m.author, m.type, m.text, m.status, m.external_id, m.error_title, c.external_key AS contact
       FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
       WHERE m.direction = 'out' AND m.type != 'note' ORDER BY m.id`,
    ).all()
    const fake = meta.state.messages
    const byWamid = new Map<string, number>()
    for (const f of fake) byWamid.set(f.wamid, (byWamid.get(f.wamid) ?? 0) + 1)
    const fakeText = (f: (typeof fake)[number]) => String((f.body.text as { body?: string } | undefined)?.body ?? '')
    const textsAtFake = new Map<string, number>()
    for (const f of fake) if (f.type === 'text') textsAtFake.set(fakeText(f), (textsAtFake.get(fakeText(f)) ?? 0) + 1)

    // Every outbound message: sent once (its wamid at the fake exactly once), or failed as interrupted.
    const statuses = new Map<string, number>()
    for (const m of out) statuses.set(m.status, (statuses.get(m.status) ?? 0) + 1)
    const wrong: unknown[] = []
    let interrupted = 0
    for (const m of out) {
      if (m.status === 'sent' || m.status === 'delivered' || m.status === 'read') {
        if (!m.external_id || byWamid.get(m.external_id) !== 1) wrong.push({ m, why: 'sent but not exactly once at the fake', n: m.external_id ? byWamid.get(m.external_id) : null })
      } else if (m.status === 'failed') {
        interrupted++
        if (m.error_title !== 'interrupted' || m.external_id) wrong.push({ m, why: 'failed for another reason' })
      } else wrong.push({ m, why: 'left ' + m.status })
    }
    expect(wrong).toEqual([])
    // Shown failed: what the API gives the agent for each interrupted message.
    for (const m of out.filter((x) => x.status === 'failed')) {
      const page = await api(k, p.token, 'GET', `/api/v1/tickets/${m.ticket_id}/messages?limit=200&cursor=${Buffer.from(String(m.id - 1)).toString('base64url')}`)
      const shown = (page.json.data as { id: number; status: string; error: { title: string | null } | null }[]).find((x) => x.id === m.id)
      expect({ id: m.id, status: shown?.status, title: shown?.error?.title }).toEqual({ id: m.id, status: 'failed', title: 'interrupted' })
    }
    // No send twice: agent texts are unique, each at the fake at most once; every text the fake got
    // is one of ours; per customer, the fake got between (sent) and (sent + interrupted) messages.
    const agentTexts = new Map<string, Out[]>()
    for (const m of out) if (m.author === 'agent') agentTexts.set(m.text ?? '', [...(agentTexts.get(m.text ?? '') ?? []), m])
    expect([...agentTexts].filter(([, ms]) => ms.length !== 1).map(([t]) => t)).toEqual([])
    expect([...textsAtFake].filter(([, n]) => n > 1)).toEqual([])
    for (const [text, m] of agentTexts) {
      const n = textsAtFake.get(text) ?? 0
      if (m[0].status === 'failed' ? n > 1 : n !== 1) wrong.push({ text, status: m[0].status, atFake: n })
    }
    for (const f of fake) if (!out.some((m) => m.external_id === f.wamid) && !(f.type === 'text' && out.some((m) => m.status === 'failed' && m.text === fakeText(f)))) wrong.push({ phantom: f.wamid, text: fakeText(f) })
    expect(wrong).toEqual([])
    // Every agent message the API acknowledged is stored (once, by its unique text).
    expect([...agentAcked].filter(([text, id]) => agentTexts.get(text)?.[0]?.id !== id).map(([text]) => text)).toEqual([])
    // At most the sends in flight at the two kills were interrupted (up to OUTBOX_CONCURRENCY each).
    expect(interrupted).toBeLessThanOrEqual(KILLS * OUTBOX_CONCURRENCY)
    expect(count("SELECT count(*) AS n FROM outbox WHERE status = 'failed' AND last_error NOT LIKE 'interrupted%'")).toBe(0)

    // 4. No ticket assigned twice. Replay each ticket's history.
    type H = { id: number; ticket_id: number; action: string; actor_id: number | null; to_user_id: number | null }
    const history = db.query<H, []>('SELECT id, ticket_id, action, actor_id, to_user_id FROM ticket_history ORDER BY id').all()
    const tickets = db.query<{ id: number; status: string; assignee_id: number | null }, []>('SELECT id, status, assignee_id FROM tickets').all()
    const doubles: unknown[] = []
    const holder = new Map<number, number | null>()
    let assignments = 0
    let requeues = 0
    for (const h of history) {
      const cur = holder.get(h.ticket_id) ?? null
      if (h.action === 'assigned') {
        assignments++
        if (cur !== null) doubles.push({ ticket: h.ticket_id, history: h.id, already: cur, to: h.to_user_id })
        holder.set(h.ticket_id, h.to_user_id)
      } else if (h.action === 'transferred') {
        holder.set(h.ticket_id, h.to_user_id) // to an agent: theirs at once; to a sector: queued
        requeues++
      } else if (h.action === 'closed' || h.action === 'reopened') holder.set(h.ticket_id, null)
    }
    expect(doubles).toEqual([])
    for (const t of tickets) {
      if (t.status === 'open') expect({ t: t.id, assignee: holder.get(t.id) ?? null }).toEqual({ t: t.id, assignee: t.assignee_id })
      else expect({ t: t.id, assignee: t.assignee_id, held: holder.get(t.id) ?? null }).toEqual({ t: t.id, assignee: t.status === 'closed' ? t.assignee_id : null, held: null })
    }
    // Offers: at most one pending per ticket, none on a ticket no longer queued; each accepted offer
    // is followed by an 'assigned' of the same ticket to the same agent.
    const offers = db.query<{ id: number; ticket_id: number; user_id: number; status: string; responded_at: number | null }, []>('SELECT id, ticket_id, user_id, status, responded_at FROM offers').all()
    const status = new Map(tickets.map((t) => [t.id, t.status]))
    expect(offers.filter((o) => o.status === 'pending' && status.get(o.ticket_id) !== 'queued')).toEqual([])
    const accepted = offers.filter((o) => o.status === 'accepted')
    for (const o of accepted) expect(history.some((h) => h.ticket_id === o.ticket_id && h.action === 'assigned' && h.to_user_id === o.user_id)).toBe(true)
    // Every acknowledged action is recorded.
    const recorded = (a: (typeof acted)[number]) =>
      a.action === 'accept' ? history.some((h) => h.ticket_id === a.ticket && h.action === 'assigned' && h.to_user_id === a.user) : history.some((h) => h.ticket_id === a.ticket && h.action === (a.action === 'close' ? 'closed' : 'transferred') && h.actor_id === a.user)
    expect(acted.filter((a) => !recorded(a))).toEqual([])
    expect(db.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })

    const n = (a: string) => acted.filter((x) => x.action === a).length
    console.log(
      `mixed kill: ${stats.join('; ')}. After restart and redelivery: ${inbound.size} deliveries (${acked.length} acked, ${unacked.length} redelivered), ` +
        `${out.length} outbound (${JSON.stringify(Object.fromEntries(statuses))}, ${interrupted} interrupted), ${agentAcked.size} agent replies acked, ` +
        `${assignments} assignments on ${tickets.length} tickets (${requeues} transfers), ${n('accept')} accepts, ${n('close')} closes, ${offers.length} offers (${accepted.length} accepted); the fake got ${fake.length} messages`,
    )
    // The load did what it is here for.
    expect(n('accept') + n('close') + n('transfer')).toBeGreaterThan(10)
    expect(requeues).toBeGreaterThan(0)
    expect(agentAcked.size).toBeGreaterThan(20)
  } finally {
    db.close()
  }
}, 90_000)
