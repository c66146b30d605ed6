// The live monitoring page over HTTP: the board's numbers against a hand-made fixture, scope
// (supervisors see their sectors, admins all, agents nothing), the actions (take, move to a
// sector or an agent, force presence — audited —, read-only view with the whisper), and the
// board's own stream updating when agents act.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { SseReader } from '../../test/support/sse'
import { write } from '../db/open'
import { setPresence } from '../desk/presence'
import { insertTicket, makeChannel, makeSector } from '../reports/fixture'
import { startOfDay } from '../reports/period'
import { buildBoard, waitLevel } from './board'

let s: TestServer
const ids: Record<string, number> = {}
const MIN = 60_000
let admin: Browser
let sup: Browser
let agent: Browser

const csrfOf = async (b: Browser) => b.csrf('/monitoring').catch(() => b.csrf('/notices'))
const htmx = (b: Browser, path: string, fields: Record<string, string>, csrf: string) => b.post(path, fields, { 'hx-request': 'true', 'x-csrf-token': csrf })

beforeAll(async () => {
  s = await startTestServer()
  const ctx = s.ctx
  ids.S1 = makeSector(ctx, 'Vendas')
  ids.S2 = makeSector(ctx, 'Suporte')
  ids.C1 = makeChannel(ctx, 'WhatsApp Vendas', ids.S1)
  ids.C2 = makeChannel(ctx, 'Chat Suporte', ids.S2, 'webchat')
  for (const [name, profile, sectors] of [
    ['ana', 'agent', [ids.S1]],
    ['bia', 'agent', [ids.S1]],
    ['caio', 'agent', [ids.S2]],
    ['sue', 'supervisor', [ids.S1]],
    ['root', 'admin', []],
  ] as const) {
    const { user } = await seedUser(ctx, { email: `${name}@example.com`, name: name[0].toUpperCase() + name.slice(1), profile, sector_ids: [...sectors] })
    ids[name] = user.id
  }
  // Presence: Ana available, Bia paused (almoço), Caio available, the others offline.
  setPresence(ctx, ctx.stores.users.get(ids.ana)!, 'available', null)
  setPresence(ctx, ctx.stores.users.get(ids.bia)!, 'paused', 'almoço')
  setPresence(ctx, ctx.stores.users.get(ids.caio)!, 'available', null)
  // Limits: Ana holds 2 WhatsApp of 2 (full); Caio takes nothing. With Bia paused, the routing
  // worker (running, as in production) has nobody to hand the waiting tickets to.
  write(ctx.db, () => {
    ctx.stores.users.update(ids.ana, { limits: { whatsapp: 2, webchat: 2, email: 0 } })
    ctx.stores.users.update(ids.caio, { limits: { whatsapp: 0, webchat: 0, email: 0 } })
  })

  const now = Date.now()
  const today = startOfDay(now, ctx.config.timeZone)
  const t = (name: string, f: Parameters<typeof insertTicket>[1]) => (ids[name] = insertTicket(ctx, f))
  // S1: one in the bot (no sector yet), two waiting (12 and 1 minute), two open with Ana, one
  // closed today by Ana (handle 10 min), one closed yesterday.
  t('bot1', { channel_id: ids.C1, status: 'bot', created_at: now - 2 * MIN })
  t('q1', { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: now - 12 * MIN, queued_at: now - 12 * MIN, contact_name: 'Zé <b>Fila</b>' })
  t('q2', { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: now - MIN, queued_at: now - MIN })
  t('o1', { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.ana, created_at: now - 30 * MIN, queued_at: now - 30 * MIN, assigned_at: now - 29 * MIN })
  t('o2', { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.ana, created_at: now - 20 * MIN, queued_at: now - 20 * MIN, assigned_at: now - 19 * MIN, confidential: true, contact_name: 'Segredo' })
  // "Today" starts at local midnight: just after it, these times are squeezed into the minutes since.
  const t0 = Math.max(today, now - 12 * MIN)
  const since = (fraction: number) => Math.round(t0 + (now - t0) * fraction)
  t('c1', { channel_id: ids.C1, status: 'closed', sector_id: ids.S1, assignee_id: ids.ana, created_at: t0, queued_at: t0, assigned_at: since(1 / 6), closed_at: since(5 / 6) })
  t('c0', { channel_id: ids.C1, status: 'closed', sector_id: ids.S1, assignee_id: ids.ana, created_at: today - 60 * MIN, queued_at: today - 60 * MIN, assigned_at: today - 59 * MIN, closed_at: today - 30 * MIN })
  // S2: one waiting.
  t('q3', { channel_id: ids.C2, status: 'queued', sector_id: ids.S2, created_at: now - 3 * MIN, queued_at: now - 3 * MIN })
  // The customer of o1 wrote 4 minutes ago and waits for an answer.
  write(ctx.db, () =>
    ctx.stores.messages.insert({ ticket_id: ids.o1, channel_id: ids.C1, direction: 'in', author: 'customer', type: 'text', text: 'Oi?', status: 'received' } as never),
  )
  ctx.db.query('UPDATE messages SET created_at = ? WHERE ticket_id = ?').run(now - 4 * MIN, ids.o1)
  // Bia missed an offer today.
  ctx.db.query("INSERT INTO offers (ticket_id, user_id, status, offered_at, expires_at, responded_at) VALUES (?, ?, 'expired', ?, ?, ?)").run(ids.q1, ids.bia, Math.max(today, now - 5 * MIN), Math.max(today, now - 4 * MIN), Math.max(today, now - 4 * MIN))

  admin = new Browser(s.url)
  sup = new Browser(s.url)
  agent = new Browser(s.url)
  await admin.login('root@example.com')
  await sup.login('sue@example.com')
  await agent.login('ana@example.com')
})
afterAll(() => s.stop())

describe('the board', () => {
  test('per sector, per agent and the ticket lists, for an admin (every sector)', () => {
    const board = buildBoard(s.ctx, s.ctx.stores.users.get(ids.root)!)
    const s1 = board.sectors.find((x) => x.id === ids.S1)!
    expect(s1).toMatchObject({ in_bot: 1, waiting: 2, open: 2, closed_today: 1, available: 1, paused: 1, offline: 1, target_s: 300, level: 'late' })
    expect(s1.longest_wait_ms).toBeGreaterThanOrEqual(12 * MIN)
    expect(board.sectors.find((x) => x.id === ids.S2)).toMatchObject({ in_bot: 0, waiting: 1, open: 0, available: 1, paused: 0 })
    const ana = board.agents.find((a) => a.id === ids.ana)!
    expect(ana).toMatchObject({ presence: 'available', open: 2, closed_today: 1, missed_today: 0 })
    expect(ana.loads).toEqual([
      { type: 'whatsapp', open: 2, cap: 2 },
      { type: 'webchat', open: 0, cap: 2 },
    ])
    expect(ana.handle_avg_s).toBeGreaterThan(0)
    expect(board.agents.find((a) => a.id === ids.bia)).toMatchObject({ presence: 'paused', reason: 'almoço', missed_today: 1, closed_today: 0 })
    // Waiting: longest first; q1 (12 min) is over the 5-minute target, q2 (1 min) within it.
    expect(board.waiting.map((t) => t.id)).toEqual([ids.q1, ids.q3, ids.q2])
    expect(board.waiting.map((t) => t.level)).toEqual(['late', 'warn', 'ok'])
    // Open: o1's customer waits 4 minutes (amber); o2 has no customer message (answered).
    expect(board.open.map((t) => [t.id, t.level, t.wait_ms === null])).toEqual([
      [ids.o1, 'warn', false],
      [ids.o2, 'ok', true],
    ])
    expect(board.waiting_total).toBe(3)
  })

  test('wait levels against the target', () => {
    expect(waitLevel(null, 300)).toBe('ok')
    expect(waitLevel(149_000, 300)).toBe('ok')
    expect(waitLevel(150_000, 300)).toBe('warn')
    expect(waitLevel(300_000, 300)).toBe('late')
  })

  test('the page: a supervisor sees their sector only; contact names escaped; colour-coded waits said in words', async () => {
    const res = await sup.fetch('/monitoring')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(`id="monitor-sector-${ids.S1}"`)
    expect(html).not.toContain(`id="monitor-sector-${ids.S2}"`)
    expect(html).toContain(`id="monitor-ticket-${ids.q1}"`)
    expect(html).not.toContain(`id="monitor-ticket-${ids.q3}"`)
    expect(html).toContain('Zé &lt;b&gt;Fila&lt;/b&gt;')
    expect(html).toMatch(new RegExp(`id="monitor-ticket-${ids.q1}"[\\s\\S]*?class="badge off"[^>]*data-level="late"`))
    expect(html).toContain('acima da meta')
    expect(html).toContain(`id="monitor-agent-${ids.ana}"`)
    expect(html).not.toContain(`id="monitor-agent-${ids.caio}"`)
    expect(html).toContain('hx-sse:connect="/monitoring/stream"')
    expect(html).not.toContain('style=')
    // The admin sees both sectors.
    const all = await (await admin.fetch('/monitoring')).text()
    expect(all).toContain(`id="monitor-sector-${ids.S2}"`)
    expect(all).toContain(`id="monitor-ticket-${ids.q3}"`)
  })

  test('agents get 403 on the page, the board, the stream and every action', async () => {
    const csrf = await agent.csrf('/notices')
    for (const path of ['/monitoring', '/monitoring/board', '/monitoring/stream', `/monitoring/tickets/${ids.q1}`, `/monitoring/tickets/${ids.q1}/move`]) {
      expect({ path, status: (await agent.fetch(path)).status }).toEqual({ path, status: 403 })
    }
    for (const path of [`/monitoring/tickets/${ids.q1}/take`, `/monitoring/tickets/${ids.q1}/move`, `/monitoring/agents/${ids.bia}/presence`, `/monitoring/tickets/${ids.q1}/note`]) {
      expect({ path, status: (await agent.post(path, { _csrf: csrf, status: 'offline', to: `sector:${ids.S2}`, text: 'x' })).status }).toEqual({ path, status: 403 })
    }
    expect(s.ctx.stores.tickets.get(ids.q1)!.status).toBe('queued')
  })
})

describe('actions', () => {
  test('a ticket outside the supervisor’s scope is 404 for every action', async () => {
    const csrf = await csrfOf(sup)
    expect((await sup.fetch(`/monitoring/tickets/${ids.q3}`)).status).toBe(404)
    expect((await htmx(sup, `/monitoring/tickets/${ids.q3}/take`, {}, csrf)).status).toBe(404)
    expect((await htmx(sup, `/monitoring/agents/${ids.caio}/presence`, { status: 'offline' }, csrf)).status).toBe(404)
    expect((await htmx(sup, `/monitoring/tickets/${ids.q1}/move`, { to: `sector:${ids.S2}` }, csrf)).status).toBe(400)
    expect(s.ctx.stores.users.get(ids.caio)!.presence).toBe('available')
  })

  test('force presence: the agent changes, the audit log says who did it', async () => {
    const csrf = await csrfOf(sup)
    const res = await htmx(sup, `/monitoring/agents/${ids.ana}/presence`, { status: 'paused', reason: 'reunião' }, csrf)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('Status de Ana alterado para Em pausa.')
    expect(s.ctx.stores.users.get(ids.ana)).toMatchObject({ presence: 'paused', presence_reason: 'reunião' })
    const audit = s.ctx.db.query<{ actor_id: number; object_id: string; details: string }, []>("SELECT actor_id, object_id, details FROM audit_log WHERE action = 'presence.force' ORDER BY id DESC LIMIT 1").get()!
    expect(audit).toEqual({ actor_id: ids.sue, object_id: String(ids.ana), details: '{"status":"paused"}' })
    // A bad status is a clear message, not a change.
    const bad = await htmx(sup, `/monitoring/agents/${ids.ana}/presence`, { status: 'sleeping' }, csrf)
    expect(bad.status).toBe(400)
    expect(s.ctx.stores.users.get(ids.ana)!.presence).toBe('paused')
    // Without the CSRF token: refused.
    expect((await sup.post(`/monitoring/agents/${ids.ana}/presence`, { status: 'offline' })).status).toBe(403)
  })

  test('take a waiting ticket (actions.accept): it becomes the supervisor’s', async () => {
    const csrf = await csrfOf(sup)
    const res = await htmx(sup, `/monitoring/tickets/${ids.q2}/take`, {}, csrf)
    expect(res.status).toBe(200)
    expect(s.ctx.stores.tickets.get(ids.q2)).toMatchObject({ status: 'open', assignee_id: ids.sue })
    // Taking it again: already assigned (to them) is fine; a closed one is a 409 message.
    const closed = await htmx(sup, `/monitoring/tickets/${ids.c1}/take`, {}, csrf)
    expect(closed.status).toBe(409)
    expect(await closed.text()).toContain('class="flash error"')
  })

  test('move to another agent, then back to the sector’s queue (actions.transfer, with a note)', async () => {
    const csrf = await csrfOf(admin)
    const panel = await (await admin.fetch(`/monitoring/tickets/${ids.o1}/move`, { headers: { 'hx-request': 'true' } })).text()
    expect(panel).toContain(`value="sector:${ids.S2}"`)
    expect(panel).toContain(`value="agent:${ids.bia}:${ids.S1}"`)
    expect(panel).toMatch(new RegExp(`value="agent:${ids.ana}:${ids.S1}" disabled`)) // the current holder
    let res = await htmx(admin, `/monitoring/tickets/${ids.o1}/move`, { to: `agent:${ids.bia}:${ids.S1}`, note: 'cliente VIP' }, csrf)
    expect(res.status).toBe(200)
    expect(s.ctx.stores.tickets.get(ids.o1)).toMatchObject({ status: 'open', assignee_id: ids.bia, sector_id: ids.S1 })
    const note = s.ctx.stores.messages.ofTicket(ids.o1).find((m) => m.author === 'system' && m.type === 'note')!
    expect(note.text).toContain('cliente VIP')
    res = await htmx(admin, `/monitoring/tickets/${ids.o1}/move`, { to: `sector:${ids.S2}` }, csrf)
    expect(res.status).toBe(200)
    expect(s.ctx.stores.tickets.get(ids.o1)).toMatchObject({ status: 'queued', assignee_id: null, sector_id: ids.S2 })
    // Nothing picked: a message.
    expect((await htmx(admin, `/monitoring/tickets/${ids.o1}/move`, { to: '' }, csrf)).status).toBe(400)
  })

  test('open a ticket read-only (audited), whisper an internal note', async () => {
    const res = await admin.fetch(`/monitoring/tickets/${ids.q1}`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Somente leitura')
    expect(html).not.toContain('class="composer"' + ' id="composer')
    expect(html).toContain(`action="/monitoring/tickets/${ids.q1}/note"`)
    const audit = s.ctx.db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM audit_log WHERE action = 'ticket.view' AND object_id = ?").get(String(ids.q1))!
    expect(audit.n).toBe(1)
    const csrf = await csrfOf(admin)
    const sent = await htmx(admin, `/monitoring/tickets/${ids.q1}/note`, { text: 'Atender primeiro, cliente antigo.' }, csrf)
    expect(sent.status).toBe(200)
    const note = s.ctx.stores.messages.ofTicket(ids.q1).at(-1)!
    expect(note).toMatchObject({ type: 'note', author: 'agent', author_id: ids.root, text: 'Atender primeiro, cliente antigo.' })
    expect((await htmx(admin, `/monitoring/tickets/${ids.q1}/note`, { text: '   ' }, csrf)).status).toBe(422)
    // A confidential ticket: only for profiles allowed to see it (supervisors hold tickets.view_all).
    expect((await sup.fetch(`/monitoring/tickets/${ids.o2}`)).status).toBe(200)
  })
})

describe('live', () => {
  test('the board stream sends the board at once, then again (coalesced) when agents act', async () => {
    const abort = new AbortController()
    const res = await admin.fetch('/monitoring/stream', { signal: abort.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/event-stream')
    const reader = new SseReader(res)
    const first = (await reader.next(3000))!
    expect(first.data).toStartWith('<hx-partial hx-target="#monitoring-board" hx-swap="outerMorph">')
    expect(first.data).toContain(`id="monitor-agent-${ids.caio}"`)
    // Caio goes offline, available, paused — three changes in a row: one board shows the last.
    const caio = () => s.ctx.stores.users.get(ids.caio)!
    setPresence(s.ctx, caio(), 'offline', null)
    setPresence(s.ctx, caio(), 'available', null)
    setPresence(s.ctx, caio(), 'paused', 'treinamento')
    const next = (await reader.next(4000))!
    const row = next.data.slice(next.data.indexOf(`id="monitor-agent-${ids.caio}"`))
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('treinamento')
    // A new customer in the queue shows up too.
    const id = insertTicket(s.ctx, { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: Date.now(), queued_at: Date.now() })
    write(s.ctx.db, () => s.ctx.stores.events.record(['supervisor', `sector:${ids.S1}`], 'ticket.created', { id }))
    s.ctx.hub.wake()
    const third = (await reader.next(4000))!
    expect(third.data).toContain(`id="monitor-ticket-${id}"`)
    // Nothing else changed: no further board (until the 10-second refresh).
    expect(await reader.quiet(2000)).toBe(true)
    abort.abort()
    reader.close()
  }, 20_000)
})
