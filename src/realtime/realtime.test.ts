import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { SseReader } from '../../test/support/sse'
import { formatSse } from './sse-format'

let s: TestServer
const tokens: Record<string, string> = {}
const ids: Record<string, number> = {}

const stream = async (path: string, token: string, lastEventId?: string) => {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (lastEventId) headers['last-event-id'] = lastEventId
  const controller = new AbortController()
  const res = await fetch(s.url + path, { headers, signal: controller.signal })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toStartWith('text/event-stream')
  const reader = new SseReader(res)
  return { reader, close: () => controller.abort() }
}
const presence = (who: string, status: string, reason?: string) =>
  fetch(s.url + '/api/v1/me/presence', { method: 'PUT', headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' }, body: JSON.stringify({ status, reason }) })

beforeAll(async () => {
  s = await startTestServer()
  const [sales, support] = write(s.ctx.db, () => [
    s.ctx.stores.sectors.create({ name: 'Vendas', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }),
    s.ctx.stores.sectors.create({ name: 'Suporte', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }),
  ])
  for (const [name, profile, sectors] of [['ana', 'agent', [sales]], ['bob', 'agent', [sales]], ['cid', 'agent', [support]], ['sue', 'supervisor', []]] as const) {
    const { user, token } = await seedUser(s.ctx, { email: `${name}@example.com`, profile, sector_ids: [...sectors] })
    tokens[name] = token
    ids[name] = user.id
  }
})
afterAll(() => s.stop())

describe('formatSse', () => {
  test('prefixes every line of a multi-line payload with data:', () => {
    expect(formatSse({ id: 7, event: 'x', data: '<p>\n<b>hi</b>\r\n</p>' })).toBe('id: 7\nevent: x\ndata: <p>\ndata: <b>hi</b>\ndata: </p>\n\n')
    expect(formatSse({ id: '1\n2', event: 'a\nb' })).toBe('id: 12\nevent: ab\n\n')
  })
})

describe('GET /api/v1/events', () => {
  test('requires a token', async () => {
    expect((await fetch(s.url + '/api/v1/events')).status).toBe(401)
  })

  test('presence.updated reaches the user, their sector colleagues and supervisors — not other sectors', async () => {
    const ana = await stream('/api/v1/events', tokens.ana)
    const bob = await stream('/api/v1/events', tokens.bob)
    const cid = await stream('/api/v1/events', tokens.cid)
    const sue = await stream('/api/v1/events', tokens.sue)
    expect((await presence('ana', 'paused', 'almoço')).status).toBe(200)
    for (const r of [ana, bob, sue]) {
      const ev = (await r.reader.next())!
      expect(ev.event).toBe('presence.updated')
      expect(Number(ev.id)).toBeGreaterThan(0)
      expect(JSON.parse(ev.data)).toMatchObject({ user_id: ids.ana, status: 'paused', reason: 'almoço' })
    }
    expect(await cid.reader.quiet(300)).toBe(true)
    for (const r of [ana, bob, cid, sue]) r.close()
  })

  test('Last-Event-ID replays exactly what was missed, in order, then continues live', async () => {
    const first = await stream('/api/v1/events', tokens.bob)
    await presence('bob', 'available')
    const seen = (await first.reader.next())!
    first.close()
    await presence('bob', 'paused', 'reunião')
    await presence('bob', 'offline')
    const again = await stream('/api/v1/events', tokens.bob, seen.id)
    const replay = await again.reader.take(2)
    expect(replay.map((e) => JSON.parse(e.data).status)).toEqual(['paused', 'offline'])
    expect(Number(replay[0].id)).toBeGreaterThan(Number(seen.id))
    expect(Number(replay[1].id)).toBeGreaterThan(Number(replay[0].id))
    await presence('bob', 'available')
    expect(JSON.parse((await again.reader.next())!.data).status).toBe('available')
    expect(await again.reader.quiet(200)).toBe(true)
    again.close()
  })

  test('a pruned gap gets a fresh snapshot of the state instead of a partial replay', async () => {
    await presence('bob', 'paused', 'café')
    const newest = s.ctx.stores.events.newestId()
    s.ctx.stores.events.prune(0)
    await presence('ana', 'available')
    const r = await stream('/api/v1/events', tokens.bob, '1')
    const ev = (await r.reader.next())!
    expect(ev.event).toBe('presence.updated')
    expect(JSON.parse(ev.data)).toMatchObject({ user_id: ids.bob, status: 'paused', reason: 'café' })
    expect(newest).toBeGreaterThan(1)
    r.close()
  })

  test('changes committed by another process (the CLI) are picked up', async () => {
    const r = await stream('/api/v1/events', tokens.sue)
    // Simulate another writer: record the event without waking the hub; the poll must find it.
    write(s.ctx.db, () => s.ctx.stores.events.record([`user:${ids.cid}`, 'supervisor'], 'presence.updated', { user_id: ids.cid, status: 'paused' }))
    const ev = (await r.reader.next(2000))!
    expect(JSON.parse(ev.data)).toMatchObject({ user_id: ids.cid })
    r.close()
  })

  test('closing the stream unsubscribes it', async () => {
    await Bun.sleep(200) // let streams closed by earlier tests finish closing
    const before = s.ctx.hub.clientCount
    const r = await stream('/api/v1/events', tokens.sue)
    await Bun.sleep(50)
    expect(s.ctx.hub.clientCount).toBe(before + 1)
    r.close()
    await Bun.sleep(100)
    expect(s.ctx.hub.clientCount).toBe(before)
  })
})

describe('GET /events (pages)', () => {
  test('needs a session; sends HTML partials rendered by the page components', async () => {
    expect((await fetch(s.url + '/events', { redirect: 'manual' })).status).toBe(303)
    const b = new Browser(s.url)
    await b.login('ana@example.com')
    const res = await b.fetch('/events')
    expect(res.headers.get('content-type')).toStartWith('text/event-stream')
    const reader = new SseReader(res)
    await presence('ana', 'paused', '<script>x</script>')
    const ev = (await reader.next())!
    expect(ev.event).toBeUndefined()
    expect(ev.data).toContain(`<hx-partial hx-target="#user-${ids.ana}-presence" hx-swap="innerHTML">`)
    expect(ev.data).toContain('<hx-partial hx-target="#presence" hx-swap="outerHTML"><form id="presence"')
    expect(ev.data).toContain('&lt;script&gt;x&lt;/script&gt;')
    // Attribute values are quoted (a quote inside is &#34;), so only text children could inject.
    expect(ev.data.replace(/value="[^"]*"/g, '')).not.toContain('<script>')
    reader.close()
  })

  test('sends a heartbeat comment so idle proxies keep the stream open', async () => {
    const { sseResponse } = await import('./stream')
    const controller = new AbortController()
    const res = sseResponse({ hub: s.ctx.hub, events: s.ctx.stores.events, signal: controller.signal, topics: new Set(), lastEventId: null, allowed: () => true, render: () => null, snapshot: () => [], heartbeatMs: 20 })
    const reader = res.body!.getReader()
    let text = ''
    while (!text.includes(': ping')) text += new TextDecoder().decode((await reader.read()).value)
    controller.abort()
    expect(text).toContain(': ping\n\n')
  })
})

describe('confidential tickets on the API stream', () => {
  test('only the assignee and profiles with tickets.confidential receive their events; sector colleagues do not', async () => {
    const { ticketJson, ticketTopics } = await import('../desk/json')
    const sales = s.ctx.stores.sectors.byName('Vendas')!.id
    const ticketId = write(s.ctx.db, () => {
      const channel = s.ctx.stores.channels.create({ type: 'whatsapp', name: 'Conf', sector_id: sales, bot_flow_id: null, webhook_key: 'c'.repeat(32), settings: {}, secrets: {}, lookup_key: 'conf-1' })
      const contact = s.ctx.stores.contacts.upsert(channel, '5583900001111', 'Sigilo', null)
      const id = s.ctx.stores.tickets.create({ protocol: s.ctx.stores.protocols.next(Date.now(), 'America/Sao_Paulo'), channel_id: channel, contact_id: contact.id, status: 'open', sector_id: sales, now: Date.now() })
      s.ctx.db.query('UPDATE tickets SET confidential = 1, assignee_id = ? WHERE id = ?').run(ids.ana, id)
      return id
    })
    const ana = await stream('/api/v1/events', tokens.ana)
    const bob = await stream('/api/v1/events', tokens.bob)
    const sue = await stream('/api/v1/events', tokens.sue)
    const t = s.ctx.stores.tickets.get(ticketId)!
    write(s.ctx.db, () => s.ctx.stores.events.record(ticketTopics(t), 'ticket.updated', ticketJson(t)))
    s.ctx.hub.wake()
    for (const r of [ana, sue]) expect(JSON.parse((await r.reader.next())!.data)).toMatchObject({ id: ticketId, confidential: true })
    expect(await bob.reader.quiet(300)).toBe(true)
    // The same for a message event, which carries its ticket.
    write(s.ctx.db, () => s.ctx.stores.events.record(ticketTopics(t), 'message.created', { id: 1, ticket_id: ticketId, text: 'segredo', ticket: ticketJson(t) }))
    s.ctx.hub.wake()
    expect((await ana.reader.next())!.data).toContain('segredo')
    expect(await bob.reader.quiet(300)).toBe(true)
    for (const r of [ana, bob, sue]) r.close()
  })
})
