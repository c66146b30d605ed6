// Outgoing webhooks against a real local receiver (Bun.serve): subscriptions through the API with
// the SSRF rules; signed deliveries of the events-table JSON, in order per subscription; retries
// with backoff on 5xx, Retry-After honoured on 429, 4xx failing at once; auto-disable with an
// admin notice; confidential tickets only for an owner who may see them; a restart resumes from
// the durable cursor without losing or doubling an event. Backoffs are shortened through
// setWebhookTiming / KUMQUAT_WEBHOOK_POLL_MS (no waiting minutes).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verifySignature } from '../alerts/webhook'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { write } from '../db/open'
import { ticketJson, ticketTopics } from '../desk/json'
import { createLogger } from '../logger'
import { insertTicket, makeChannel, makeSector } from '../reports/fixture'
import { startServer, type Running } from '../server'
import { Browser, seedUser } from '../../test/support/server'
import { backoffMs, retryAfterMs, setWebhookTiming } from './webhook-delivery'
import { checkWebhookUrl, classifyAddress, pinTarget } from './webhook-url'
import { readRateLimit } from './rate-limit'
import { matchesPatterns, saveWebhookSettings, webhookSettings } from './webhooks'

process.env.KUMQUAT_WEBHOOK_POLL_MS = '40'

interface Received {
  headers: Headers
  body: string
}

/** A receiver that answers from a script (then 200) and records every request. */
function receiver() {
  const got: Received[] = []
  let script: (number | [number, Record<string, string>])[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      got.push({ headers: req.headers, body: await req.text() })
      const next = script.shift() ?? 200
      const [status, headers] = Array.isArray(next) ? next : [next, {}]
      return new Response('ok', { status, headers })
    },
  })
  return {
    got,
    url: `http://127.0.0.1:${server.port}/hook`,
    answer(...s: typeof script) {
      script = s
    },
    stop: () => server.stop(true),
  }
}

async function until(cond: () => boolean, ms = 8000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await Bun.sleep(20)
  }
}

let dataDir: string
let ctx: Context
let server: Running
let url: string
let admin: { token: string; id: number }
let agent: { token: string; id: number }
let sector: number
let channel: number
const rx = receiver()

async function boot() {
  const config = loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
  ctx = createContext(config, createLogger('silent'))
  setWebhookTiming(ctx, { baseMs: 30, maxDelayMs: 200 })
  server = await startServer(ctx)
  url = `http://127.0.0.1:${server.port}`
}

const api = (token: string, method: string, path: string, body?: unknown) =>
  fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })

/** Records a ticket event the way the desk does (in a write transaction); returns its id. */
function ticketEvent(o: { confidential?: boolean; name?: 'ticket.created' | 'ticket.updated' } = {}): number {
  const id = insertTicket(ctx, { channel_id: channel, status: 'queued', sector_id: sector, created_at: Date.now(), confidential: o.confidential })
  const t = ctx.stores.tickets.get(id)!
  const ev = write(ctx.db, () => ctx.stores.events.record(ticketTopics(t), o.name ?? 'ticket.created', ticketJson(t)))
  ctx.hub.wake()
  return ev
}

const deliveries = (webhookId: number) =>
  ctx.db.query<{ id: number; event_id: number; status: string; attempts: number; response_status: number | null; next_attempt_at: number; updated_at: number }, [number]>(
    'SELECT id, event_id, status, attempts, response_status, next_attempt_at, updated_at FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id',
  ).all(webhookId)

async function subscribe(events = ['ticket.*', 'message.*']): Promise<{ id: number; secret: string }> {
  const res = await api(admin.token, 'POST', '/api/v1/webhooks', { url: rx.url, events })
  expect(res.status).toBe(201)
  return (await res.json()) as { id: number; secret: string }
}
const off = (id: number) => write(ctx.db, () => ctx.stores.webhooks.remove(id))

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kumquat-webhooks-'))
  await boot()
  const a = await seedUser(ctx, { email: 'admin@example.com', profile: 'admin' })
  admin = { token: a.token, id: a.user.id }
  sector = makeSector(ctx, 'Vendas')
  channel = makeChannel(ctx, 'WhatsApp', sector)
  const g = await seedUser(ctx, { email: 'agent@example.com', profile: 'agent', sector_ids: [sector] })
  agent = { token: g.token, id: g.user.id }
})
afterAll(async () => {
  await server.stop()
  rx.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('where a webhook may point', () => {
  test('addresses: metadata and link-local never, private only when allowed, https otherwise', async () => {
    expect(classifyAddress('169.254.169.254')).toBe('blocked')
    expect(classifyAddress('::ffff:169.254.169.254')).toBe('blocked')
    expect(classifyAddress('fe80::1')).toBe('blocked')
    expect(classifyAddress('fd00:ec2::254')).toBe('blocked')
    expect(classifyAddress('0.0.0.0')).toBe('blocked')
    expect(classifyAddress('10.1.2.3')).toBe('private')
    expect(classifyAddress('172.20.0.1')).toBe('private')
    expect(classifyAddress('127.0.0.1')).toBe('private')
    expect(classifyAddress('::1')).toBe('private')
    expect(classifyAddress('8.8.8.8')).toBe('public')
    expect(checkWebhookUrl('https://erp.example.com/hook', false).problem).toBeNull()
    expect(checkWebhookUrl('http://erp.example.com/hook', true).problem).toBe('integrations.url_https')
    expect(checkWebhookUrl('http://10.0.0.5/hook', false).problem).toBe('integrations.url_private')
    expect(checkWebhookUrl('http://10.0.0.5/hook', true).problem).toBeNull()
    expect(checkWebhookUrl('http://localhost:8080/', false).problem).toBe('integrations.url_private')
    expect(checkWebhookUrl('http://169.254.169.254/latest/meta-data', true).problem).toBe('integrations.url_blocked')
    expect(checkWebhookUrl('https://user:pw@erp.example.com/', false).problem).toBe('integrations.url_invalid')
    expect(checkWebhookUrl('ftp://erp.example.com/', false).problem).toBe('integrations.url_invalid')
    // A public name that resolves inside is refused before sending.
    expect(await pinTarget('https://evil.example.com/', false, async () => ['169.254.169.254'])).toEqual({ refusal: 'address not allowed (169.254.169.254)' })
    expect(await pinTarget('https://lan.example.com/', false, async () => ['93.184.216.34', '192.168.0.10'])).toEqual({ refusal: 'address not allowed (192.168.0.10)' })
    expect(await pinTarget('https://lan.example.com/', true, async () => ['169.254.169.254'])).toEqual({ refusal: 'address not allowed (169.254.169.254)' })
    expect(await pinTarget('https://none.example.com/', false, async () => [])).toEqual({ refusal: 'name does not resolve' })
    expect(await pinTarget('http://10.0.0.5/', false)).toEqual({ refusal: 'address not allowed (private)' })
  })

  test('a delivery connects to the address that was checked (no second DNS answer: DNS rebinding)', async () => {
    let lookups = 0
    const once = async () => (++lookups === 1 ? ['93.184.216.34'] : ['169.254.169.254'])
    expect(await pinTarget('https://ok.example.com:8443/hook?x=1', false, once)).toEqual({
      target: { url: 'https://93.184.216.34:8443/hook?x=1', init: { headers: { host: 'ok.example.com:8443' }, tls: { serverName: 'ok.example.com' } } },
    })
    expect(lookups).toBe(1)
    expect(await pinTarget('https://v6.example.com/', false, async () => ['2606:2800:220:1::1'])).toMatchObject({ target: { url: 'https://[2606:2800:220:1::1]/' } })
    // An address literal needs no pinning.
    expect(await pinTarget('http://127.0.0.1:9/x', true)).toEqual({ target: { url: 'http://127.0.0.1:9/x', init: {} } })
    // A DNS failure is a network error (retried), not a refusal.
    await expect(pinTarget('https://down.example.com/', false, async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow('ENOTFOUND')

    // The pinned request over real TLS: the receiver's certificate names hooks.example.test (a
    // self-signed test certificate in test/fixtures/tls), the connection goes to 127.0.0.1, and
    // both the certificate check and the Host header use the name.
    const dir = join(import.meta.dir, '../../test/fixtures/tls')
    const cert = await Bun.file(join(dir, 'hooks.example.test.crt')).text()
    const hosts: string[] = []
    const tls = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      tls: { cert, key: await Bun.file(join(dir, 'hooks.example.test.key')).text() },
      fetch(req) {
        hosts.push(req.headers.get('host')!)
        return new Response('ok')
      },
    })
    try {
      const url = `https://hooks.example.test:${tls.port}/hook`
      const pinned = await pinTarget(url, true, async () => ['127.0.0.1'])
      if (!('target' in pinned)) throw new Error(pinned.refusal)
      const { init } = pinned.target
      const res = await fetch(pinned.target.url, { ...init, method: 'POST', body: '{}', tls: { ...init.tls!, ca: cert } })
      expect(res.status).toBe(200)
      expect(hosts).toEqual([`hooks.example.test:${tls.port}`])
      // Without the name in TLS the same certificate does not verify for the address.
      await expect(fetch(pinned.target.url, { method: 'POST', body: '{}', tls: { ca: cert } })).rejects.toThrow()
    } finally {
      tls.stop(true)
    }
  })

  test('the API refuses bad URLs and events with 400 and details, and callers without the permission with 403', async () => {
    saveWebhookSettings(ctx, admin.id, { allow_private: false, disable_after: 10 }, null)
    let res = await api(admin.token, 'POST', '/api/v1/webhooks', { url: rx.url, events: ['ticket.*'] })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; details: { field: string; message: string }[] } }
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.details.map((d) => d.field)).toEqual(['url'])
    expect(body.error.details[0].message).toContain('rede interna')
    saveWebhookSettings(ctx, admin.id, { allow_private: true, disable_after: 10 }, null)
    res = await api(admin.token, 'POST', '/api/v1/webhooks', { url: 'http://169.254.169.254/latest', events: ['ticket.*'] })
    expect(res.status).toBe(400)
    res = await api(admin.token, 'POST', '/api/v1/webhooks', { url: rx.url, events: ['tickets.everything'] })
    expect(res.status).toBe(400)
    res = await api(agent.token, 'POST', '/api/v1/webhooks', { url: 'x' })
    expect(res.status).toBe(403)
    expect((await api(agent.token, 'GET', '/api/v1/webhooks')).status).toBe(403)
    expect(ctx.stores.webhooks.list()).toHaveLength(0)
  })

  test('patterns', () => {
    expect(matchesPatterns('ticket.created', ['ticket.*'])).toBe(true)
    expect(matchesPatterns('message.updated', ['ticket.*'])).toBe(false)
    expect(matchesPatterns('message.updated', ['*'])).toBe(true)
    expect(matchesPatterns('alert.fired', ['*'])).toBe(false) // page-only events never leave
  })
})

describe('deliveries', () => {
  test('signed, in order, retried with backoff on 5xx until delivered; the log shows it', async () => {
    saveWebhookSettings(ctx, admin.id, { allow_private: true, disable_after: 10 }, null)
    const { id, secret } = await subscribe()
    expect(secret).toStartWith('whsec_')
    rx.got.length = 0
    rx.answer(503, 502) // the first event fails twice, then everything succeeds
    const events = [ticketEvent(), ticketEvent({ name: 'ticket.updated' }), ticketEvent()]
    // Done = recorded as delivered (the receiver sees the request just before the worker records the answer).
    await until(() => deliveries(id).filter((d) => d.status === 'delivered').length === 3)
    // Order per subscription: the receiver never saw a later event before an earlier one was done.
    const seen = rx.got.map((r) => Number(r.headers.get('x-kumquat-event-id')))
    expect(seen).toEqual([events[0], events[0], events[0], events[1], events[2]])
    for (const r of rx.got) {
      const ts = r.headers.get('x-kumquat-timestamp')!
      expect(verifySignature(secret, ts, r.body, r.headers.get('x-kumquat-signature'))).toBe(true)
      expect(verifySignature('wrong', ts, r.body, r.headers.get('x-kumquat-signature'))).toBe(false)
      expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(300)
    }
    // The body is the events-table JSON (what GET /api/v1/events sends as data).
    const stored = ctx.stores.events.after(events[0] - 1, 1)[0]
    expect(rx.got[0].body).toBe(stored.json)
    expect(rx.got[0].headers.get('x-kumquat-event')).toBe('ticket.created')
    // Retries repeat the delivery id.
    expect(new Set(rx.got.slice(0, 3).map((r) => r.headers.get('x-kumquat-delivery'))).size).toBe(1)
    const log = (await (await api(admin.token, 'GET', `/api/v1/webhooks/${id}/deliveries`)).json()) as { data: { event_id: number; status: string; attempts: number; response_status: number }[] }
    expect(log.data.map((d) => [d.event_id, d.status, d.attempts, d.response_status])).toEqual([
      [events[2], 'delivered', 1, 200],
      [events[1], 'delivered', 1, 200],
      [events[0], 'delivered', 3, 200],
    ])
    off(id)
  })

  test('429 waits at least Retry-After; a 4xx fails at once; failures in a row disable it with a notice to admins', async () => {
    saveWebhookSettings(ctx, admin.id, { allow_private: true, disable_after: 2 }, null)
    const { id } = await subscribe()
    rx.got.length = 0
    rx.answer([429, { 'retry-after': '2' }])
    const first = ticketEvent()
    await until(() => deliveries(id).some((d) => d.attempts === 1))
    const d = deliveries(id)[0]
    expect(d.status).toBe('pending')
    expect(d.response_status).toBe(429)
    expect(d.next_attempt_at - d.updated_at).toBeGreaterThanOrEqual(2000)
    // Redirect it to fail for good: 410 is not retried.
    write(ctx.db, () => ctx.db.query('UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE id = ?').run(d.id))
    rx.answer(410, 404)
    ticketEvent()
    await until(() => !ctx.stores.webhooks.get(id)!.active)
    const rows = deliveries(id)
    expect(rows.map((r) => [r.event_id === first, r.status, r.attempts])).toEqual([
      [true, 'failed', 2],
      [false, 'failed', 1],
    ])
    const w = ctx.stores.webhooks.get(id)!
    expect(w.disabled_reason).toContain('2 failed deliveries')
    const notice = ctx.db.query<{ title: string; target: string }, []>("SELECT title, target FROM notices ORDER BY id DESC LIMIT 1").get()!
    expect(notice.title).toBe('Webhook desativado por falhas')
    expect(notice.target).toBe('profile')
    expect(ctx.db.query<{ n: number }, [number]>("SELECT count(*) AS n FROM audit_log WHERE action = 'webhook.disabled' AND object_id = ?").get(String(id) as never)!.n).toBe(1)
    // Redeliver from the log (the API), after switching it back on: it goes out again.
    rx.answer()
    let res = await api(admin.token, 'PATCH', `/api/v1/webhooks/${id}`, { active: true })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { consecutive_failures: number }).consecutive_failures).toBe(0)
    res = await api(admin.token, 'POST', `/api/v1/webhooks/${id}/deliveries/${rows[1].id}/redeliver`)
    expect(res.status).toBe(200)
    await until(() => deliveries(id)[1].status === 'delivered')
    off(id)
  })

  test('a subscription sees what its owner sees: no confidential ticket outside their reach', async () => {
    saveWebhookSettings(ctx, admin.id, { allow_private: true, disable_after: 10 }, null)
    const id = write(ctx.db, () => ctx.stores.webhooks.create({ url: rx.url, description: '', events: ['*'], secret: 's3cret', created_by: agent.id, cursor: ctx.stores.events.newestId(), now: Date.now() }))
    rx.got.length = 0
    const hidden = ticketEvent({ confidential: true })
    const open = ticketEvent()
    await until(() => rx.got.length === 1)
    await Bun.sleep(150)
    expect(rx.got.map((r) => Number(r.headers.get('x-kumquat-event-id')))).toEqual([open])
    expect(deliveries(id).map((d) => d.event_id)).not.toContain(hidden)
    off(id)
  })

  test('a restart resumes from the durable cursor: nothing lost, nothing doubled', async () => {
    const { id } = await subscribe()
    rx.got.length = 0
    rx.answer(503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
    const before = [ticketEvent(), ticketEvent()]
    await until(() => deliveries(id).length === 2 && rx.got.length >= 1)
    await server.stop()
    // While it is down, more events are committed (the CLI, another process).
    const config = loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
    const offline = createContext(config, createLogger('silent'))
    const t = offline.stores.tickets.get(insertTicket(offline, { channel_id: channel, status: 'queued', sector_id: sector, created_at: Date.now() }))!
    const during = write(offline.db, () => offline.stores.events.record(ticketTopics(t), 'ticket.created', ticketJson(t)))
    offline.db.close()
    rx.answer() // the receiver is back
    await boot()
    const after = ticketEvent()
    await until(() => deliveries(id).filter((d) => d.status === 'delivered').length === 4)
    const ok = deliveries(id).filter((d) => d.status === 'delivered').map((d) => d.event_id)
    expect(ok).toEqual([...before, during, after])
    // Each event reached the receiver with 2xx exactly once, in order.
    const delivered = rx.got.filter((_, i) => i >= rx.got.length - 4).map((r) => Number(r.headers.get('x-kumquat-event-id')))
    expect(delivered).toEqual([...before, during, after])
    off(id)
  })
})

describe('the page', () => {
  test('admins add a webhook (secret shown once, texts escaped), see its log, redeliver, and change the settings; agents may not', async () => {
    saveWebhookSettings(ctx, admin.id, { allow_private: true, disable_after: 10 }, null)
    const b = new Browser(url)
    await b.login('admin@example.com')
    let html = await (await b.fetch('/admin/integrations')).text()
    expect(html).toContain('Webhooks de saída')
    expect(html).toContain('X-Kumquat-Signature')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]
    // Invalid: a metadata address; the form keeps what was typed.
    let res = await b.post('/admin/integrations/webhooks', { _csrf: csrf, url: 'http://169.254.169.254/x', description: 'ERP', events: ['ticket.*'], active: '1' })
    expect(res.status).toBe(422)
    html = await res.text()
    expect(html).toContain('Este endereço não é permitido')
    expect(html).toContain('value="http://169.254.169.254/x"')
    res = await b.post('/admin/integrations/webhooks', { _csrf: csrf, url: rx.url, description: '<script>alert(1)</script>', events: ['ticket.*', 'message.created'], active: '1' })
    expect(res.status).toBe(200)
    html = await res.text()
    const secret = /id="webhook-secret">([^<]+)</.exec(html)![1]
    expect(secret).toStartWith('whsec_')
    expect(html).not.toContain('<script>alert(1)</script>')
    expect(html).toContain('&lt;script&gt;')
    const id = ctx.stores.webhooks.list().at(-1)!.id
    expect(ctx.stores.webhooks.secretOf(id)).toBe(secret)
    // The list never shows the secret again.
    expect(await (await b.fetch('/admin/integrations')).text()).not.toContain(secret)
    rx.got.length = 0
    rx.answer(400)
    const ev = ticketEvent()
    await until(() => deliveries(id).length === 1 && deliveries(id)[0].status === 'failed')
    html = await (await b.fetch(`/admin/integrations/webhooks/${id}`)).text()
    expect(html).toContain(`id="delivery-${deliveries(id)[0].id}"`)
    expect(html).toContain('Falhou')
    expect(html).toContain('HTTP 400')
    res = await b.post(`/admin/integrations/webhooks/${id}/deliveries/${deliveries(id)[0].id}/redeliver`, { _csrf: csrf })
    expect(res.status).toBe(303)
    await until(() => deliveries(id)[0].status === 'delivered')
    expect(rx.got.map((r) => Number(r.headers.get('x-kumquat-event-id')))).toEqual([ev, ev])
    // Settings: bad values are refused with the reason; good ones apply at once.
    res = await b.post('/admin/integrations/settings', { _csrf: csrf, per_minute: '0', burst: '10', disable_after: '5' })
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('Informe de 1 a 1000000.')
    res = await b.post('/admin/integrations/settings', { _csrf: csrf, per_minute: '1200', burst: '200', disable_after: '5', allow_private: '1' })
    expect(res.status).toBe(303)
    expect(readRateLimit(ctx)).toEqual({ per_minute: 1200, burst: 200 })
    expect(webhookSettings(ctx)).toEqual({ allow_private: true, disable_after: 5 })
    // Delete.
    res = await b.post(`/admin/integrations/webhooks/${id}/delete`, { _csrf: csrf })
    expect(res.status).toBe(303)
    expect(ctx.stores.webhooks.get(id)).toBeNull()
    // An agent has no webhooks.* and no settings.*.
    const a = new Browser(url)
    await a.login('agent@example.com')
    expect((await a.fetch('/admin/integrations')).status).toBe(403)
    const agentCsrf = await a.csrf('/profile')
    expect((await a.post('/admin/integrations/webhooks', { _csrf: agentCsrf, url: rx.url, events: ['*'] })).status).toBe(403)
  })
})

describe('backoff', () => {
  test('exponential with jitter, capped; Retry-After in seconds or as a date', () => {
    const t = { baseMs: 1000, maxDelayMs: 60_000 }
    expect(backoffMs(1, t, () => 0)).toBe(500)
    expect(backoffMs(1, t, () => 1)).toBe(1000)
    expect(backoffMs(4, t, () => 1)).toBe(8000)
    expect(backoffMs(20, t, () => 1)).toBe(60_000)
    expect(retryAfterMs('7')).toBe(7000)
    expect(retryAfterMs(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000)
    expect(retryAfterMs('soon')).toBe(0)
  })
})
