// End-to-end: the REAL compiled binary, copied alone into an empty folder and started there, driven
// over HTTP and through its CLI while it serves. Tests run in order and share one server.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  buildBinary,
  freePort,
  killAll,
  presenceEvents,
  run,
  SseClient,
  SseParser,
  start,
  tempDir,
  waitHealthy,
  type Proc,
} from './support'

const ADMIN = { email: 'admin@kumquat.test', password: 'Admin-pass-Z9q!x7', name: 'Ana Admin' }
const AGENT_A = { email: 'agent.a@kumquat.test', password: 'Agent-A-pass-K3w8', name: 'Bruno Atendente' }
const AGENT_B = { email: 'agent.b@kumquat.test', password: 'Agent-B-pass-P5t2', name: 'Carla Atendente' }
const BAD_TOKEN = 'kq_thisTokenDoesNotExist0000000000000000000'

const temps: string[] = []
let buildDir = ''
let dir = '' // the empty folder the binary runs in
let bin = ''
let port = 0
let base = ''
let server: Proc
const env = () => ({ KUMQUAT_PORT: String(port), KUMQUAT_HOST: '127.0.0.1', LOG_LEVEL: 'info' })
const cli = (args: string[], extraEnv: Record<string, string> = {}) => run(bin, args, { cwd: dir, env: { LOG_LEVEL: 'info', ...extraEnv } })

// Shared state filled by earlier tests.
let adminToken = ''
let agentAToken = ''
let agentBToken = ''
let adminId = 0
let sector1 = 0
let sector2 = 0
let agentA = 0
let agentB = 0
const sse: SseClient[] = []

async function api(path: string, o: { method?: string; token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...o.headers }
  const token = o.token === undefined ? adminToken : o.token
  if (token) headers.authorization = `Bearer ${token}`
  let body: string | undefined
  if (o.raw !== undefined) body = o.raw
  else if (o.body !== undefined) body = JSON.stringify(o.body)
  if (body !== undefined) headers['content-type'] ??= 'application/json'
  const res = await fetch(base + path, { method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' })
  const text = await res.text()
  let json: any = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = null
  }
  return { status: res.status, headers: res.headers, text, json }
}

function expectApiError(r: { status: number; json: any; text: string; headers: Headers }, status: number) {
  expect({ status: r.status, body: r.text }).toMatchObject({ status })
  expect(r.headers.get('content-type') ?? '').toContain('application/json')
  expect(r.json).toBeObject()
  expect(r.json.error).toBeObject()
  expect(r.json.error.code).toMatch(/^[a-z][a-z0-9_]*$/)
  expect(r.json.error.message).toBeString()
  expect(r.json.error.message.length).toBeGreaterThan(0)
}

async function startServer(): Promise<void> {
  // The port is picked by binding port 0; retry if someone grabbed it in between.
  for (let attempt = 1; ; attempt++) {
    port = freePort()
    base = `http://127.0.0.1:${port}`
    server = start(bin, [], { cwd: dir, env: env() })
    try {
      await waitHealthy(server, base)
      return
    } catch (err) {
      server.kill()
      await server.exited
      if (attempt >= 3 || !/in use/i.test(server.stderr)) throw err
    }
  }
}

beforeAll(async () => {
  buildDir = tempDir('kumquat-e2e-build-')
  dir = tempDir('kumquat-e2e-run-')
  temps.push(buildDir, dir)
  await buildBinary(join(buildDir, 'kumquat'))
  // The binary ALONE in an empty folder: no node_modules, no sources, no .env, no source map.
  bin = join(dir, 'kumquat')
  copyFileSync(join(buildDir, 'kumquat'), bin)
  Bun.spawnSync(['chmod', '+x', bin])
  expect(readdirSync(dir)).toEqual(['kumquat'])
  await startServer()
}, 150_000)

afterAll(async () => {
  for (const s of sse) s.close()
  killAll()
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

describe('compiled binary', () => {
  test('--help lists the commands; version prints the version; the data dir was created', async () => {
    const help = await cli(['--help'])
    expect(help.code).toBe(0)
    for (const c of ['serve', 'migrate', 'admin create', 'token create', 'backup', 'version']) expect(help.stdout).toContain(c)

    const pkg = await Bun.file(join(import.meta.dir, '../../package.json')).json()
    const version = await cli(['version'])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toBe(`kumquat ${pkg.version}`)

    expect(existsSync(join(dir, 'data', 'kumquat.db'))).toBe(true)
    expect(server.stdout).toContain('kumquat listening')
  })

  test('before any user, GET / redirects to /setup', async () => {
    const res = await fetch(base + '/', { redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/setup')
  })

  test('CLI provisions an admin and a token while the server runs', async () => {
    const created = await cli(['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--name', ADMIN.name])
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' })
    expect(created.stdout).toContain(ADMIN.email)
    expect(created.stdout).not.toContain(ADMIN.password)

    const token = await cli(['token', 'create', '--email', ADMIN.email, '--name', 'e2e admin'])
    expect({ code: token.code, stderr: token.stderr }).toEqual({ code: 0, stderr: '' })
    // ONLY the token, one line.
    expect(token.stdout).toMatch(/^kq_[A-Za-z0-9_-]{20,}\n$/)
    adminToken = token.stdout.trim()

    const again = await cli(['admin', 'create', '--email', ADMIN.email, '--password', 'Another-pass-123', '--name', 'Dup'])
    expect(again.code).not.toBe(0)
    expect(again.stdout).toBe('')
    expect(again.stderr).toMatch(/e-?mail/i)
    expect(again.stderr).toMatch(/already|exist|taken|j[aá] (existe|cadastrad)/i)
    expect(again.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace

    // Setup is over: / no longer leads to /setup.
    const res = await fetch(base + '/', { redirect: 'manual' })
    expect(res.headers.get('location') ?? '').not.toBe('/setup')
  })

  test('GET /api/v1/me with the CLI token', async () => {
    const me = await api('/api/v1/me')
    expect(me.status).toBe(200)
    expect(me.json).toMatchObject({ name: ADMIN.name, email: ADMIN.email, profile: 'admin', sector_ids: [] })
    expect(me.json.id).toBeInteger()
    adminId = me.json.id
    expect(Object.keys(me.json.limits).sort()).toEqual(['email', 'webchat', 'whatsapp'])
    for (const v of Object.values(me.json.limits)) expect(v).toBeInteger()
    expect(['available', 'paused', 'offline']).toContain(me.json.presence.status)
    expect(me.json.presence).toHaveProperty('reason')
    expect(new Date(me.json.presence.since).toISOString()).toBe(me.json.presence.since)
  })

  test('sectors and users: create, list with cursor, patch', async () => {
    const s1 = await api('/api/v1/sectors', { body: { name: 'Suporte' } })
    expect(s1.status).toBe(201)
    expect(s1.json).toMatchObject({ name: 'Suporte' })
    expect(s1.json.id).toBeInteger()
    sector1 = s1.json.id
    const s2 = await api('/api/v1/sectors', { body: { name: 'Financeiro', routing: 'offer', survey: 'csat' } })
    expect(s2.status).toBe(201)
    expect(s2.json).toMatchObject({ name: 'Financeiro', routing: 'offer', survey: 'csat' })
    sector2 = s2.json.id

    const a = await api('/api/v1/users', { body: { name: AGENT_A.name, email: AGENT_A.email, password: AGENT_A.password, profile: 'agent', sector_ids: [sector1], limits: { whatsapp: 2 } } })
    expect(a.status).toBe(201)
    expect(a.json).toMatchObject({ name: AGENT_A.name, email: AGENT_A.email, profile: 'agent', sector_ids: [sector1] })
    expect(a.json.limits.whatsapp).toBe(2)
    expect(JSON.stringify(a.json)).not.toContain(AGENT_A.password)
    expect(a.json).not.toHaveProperty('password')
    expect(a.json).not.toHaveProperty('password_hash')
    agentA = a.json.id
    const b = await api('/api/v1/users', { body: { name: AGENT_B.name, email: AGENT_B.email, password: AGENT_B.password, profile: 'agent', sector_ids: [sector2] } })
    expect(b.status).toBe(201)
    agentB = b.json.id

    // Newest first, one per page, following next_cursor to the end.
    const seen: number[] = []
    let cursor: string | null = null
    for (let i = 0; i < 10; i++) {
      const r = await api(`/api/v1/users?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      expect(r.status).toBe(200)
      expect(r.json.data).toHaveLength(1)
      seen.push(r.json.data[0].id)
      cursor = r.json.next_cursor
      if (cursor === null) break
      expect(cursor).toBeString()
    }
    expect(seen).toEqual([agentB, agentA, adminId])

    const patched = await api(`/api/v1/users/${agentA}`, { method: 'PATCH', body: { name: 'Bruno A. Atendente', limits: { webchat: 5 } } })
    expect(patched.status).toBe(200)
    expect(patched.json).toMatchObject({ id: agentA, name: 'Bruno A. Atendente', sector_ids: [sector1] })
    expect(patched.json.limits.webchat).toBe(5)
    const got = await api(`/api/v1/users/${agentA}`)
    expect(got.json.name).toBe('Bruno A. Atendente')

    // Tokens for both agents, from the CLI.
    const ta = await cli(['token', 'create', '--email', AGENT_A.email, '--name', 'e2e agent a'])
    const tb = await cli(['token', 'create', '--email', AGENT_B.email, '--name', 'e2e agent b'])
    expect([ta.code, tb.code]).toEqual([0, 0])
    expect(ta.stdout).toMatch(/^kq_\S+\n$/)
    expect(tb.stdout).toMatch(/^kq_\S+\n$/)
    agentAToken = ta.stdout.trim()
    agentBToken = tb.stdout.trim()
    const meA = await api('/api/v1/me', { token: agentAToken })
    expect(meA.json).toMatchObject({ id: agentA, profile: 'agent', sector_ids: [sector1] })
  })

  test('bad input answers {error:{code,message}} with the right status and writes nothing', async () => {
    const counts = async () => {
      const users = await api('/api/v1/users?limit=200')
      const sectors = await api('/api/v1/sectors?limit=200')
      return { users: users.json.data.length, sectors: sectors.json.data.length, agentA: (await api(`/api/v1/users/${agentA}`)).json }
    }
    const before = await counts()
    const valid = (email: string) => ({ name: 'Nobody', email, password: 'Nobody-pass-123', profile: 'agent' })

    expectApiError(await api('/api/v1/users', { raw: '{"name": "x", "email":' }), 400)
    expectApiError(await api('/api/v1/users', { body: { ...valid('unknown@kumquat.test'), shoe_size: 42 } }), 400)
    expectApiError(await api('/api/v1/users', { body: { ...valid('wrongtype@kumquat.test'), name: 123 } }), 400)
    expectApiError(await api('/api/v1/users', { body: { ...valid('wrongtype2@kumquat.test'), sector_ids: 'all' } }), 400)
    expectApiError(await api('/api/v1/sectors', { body: { name: 'X', routing: 'random' } }), 400)
    expectApiError(await api(`/api/v1/users/${agentA}`, { method: 'PATCH', body: { name: 'Hacked', admin: true } }), 400)
    expectApiError(await api(`/api/v1/users/${agentA}`, { method: 'PATCH', raw: '{"name":"Hacked"' }), 400)

    expectApiError(await api('/api/v1/me', { token: null }), 401)
    expectApiError(await api('/api/v1/users', { token: null, body: valid('notoken@kumquat.test') }), 401)
    expectApiError(await api('/api/v1/me', { token: BAD_TOKEN }), 401)
    expectApiError(await api('/api/v1/users', { token: BAD_TOKEN, body: valid('badtoken@kumquat.test') }), 401)
    expectApiError(await api('/api/v1/events', { token: null }), 401)

    // Lists take 1–200 (0 was a 500); a ticket nobody may see is a 404 before its body is read.
    expectApiError(await api('/api/v1/users?limit=0'), 400)
    expectApiError(await api('/api/v1/sectors?limit=201'), 400)
    expectApiError(await api('/api/v1/users?limit=0', { token: null }), 401)
    expectApiError(await api('/api/v1/tickets/999999/close', { raw: 'garbage' }), 404)

    // Permission before validation: an agent gets 403 whatever it sends.
    expectApiError(await api('/api/v1/users', { token: agentAToken, raw: '{"name": oops' }), 403)
    expectApiError(await api('/api/v1/users', { token: agentAToken, body: { bogus: true } }), 403)
    expectApiError(await api('/api/v1/users', { token: agentAToken, body: valid('byagent@kumquat.test') }), 403)
    expectApiError(await api(`/api/v1/users/${agentB}`, { method: 'PATCH', token: agentAToken, body: { name: 'Hacked' } }), 403)
    expectApiError(await api('/api/v1/users', { token: agentAToken }), 403)

    // Over KUMQUAT_MAX_BODY_BYTES (default 1 MiB).
    const big = JSON.stringify({ ...valid('huge@kumquat.test'), name: 'x'.repeat(1024 * 1024 + 16) })
    expectApiError(await api('/api/v1/users', { raw: big }), 413)

    const after = await counts()
    expect(after).toEqual(before)
    for (const email of ['unknown', 'wrongtype', 'wrongtype2', 'notoken', 'badtoken', 'byagent', 'huge']) {
      const found = await api(`/api/v1/users?q=${email}@kumquat.test`)
      expect(found.json.data).toEqual([])
    }
  })

  test('GET /api/v1/openapi.json is an OpenAPI 3 document with the v1 paths', async () => {
    const res = await fetch(base + '/api/v1/openapi.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type') ?? '').toContain('json')
    const doc = await res.json()
    expect(String(doc.openapi)).toMatch(/^3\.\d+\.\d+$/)
    expect(doc.info?.title).toBeString()
    expect(doc.paths).toBeObject()
    expect(doc.paths['/api/v1/me']?.get).toBeObject()
    expect(doc.paths['/api/v1/me/presence']?.put).toBeObject()
    expect(doc.paths['/api/v1/users']?.get).toBeObject()
    expect(doc.paths['/api/v1/users']?.post).toBeObject()
    expect(doc.paths['/api/v1/sectors']?.get).toBeObject()
    expect(doc.paths['/api/v1/sectors']?.post).toBeObject()
    // Only the API is documented.
    for (const path of Object.keys(doc.paths)) expect(path.startsWith('/api/v1/')).toBe(true)
  })

  test('SSE parser handles multi-line data, comments, CRLF and split chunks', () => {
    const got: string[] = []
    const p = new SseParser((e) => got.push(`${e.id}|${e.event}|${e.data}`))
    const stream = 'retry: 2000\n\nid: 0\n\n: ping\n\nid: 7\nevent: x\ndata: line one\ndata:line two\ndata\n\r\n: ping\r\nid: 8\r\ndata: {"a":1}\r\n\r\ndata: no id\n\n'
    // Feed it one character at a time: every split point must work.
    for (const ch of stream) p.push(ch)
    p.push('', true)
    expect(got).toEqual(['7|x|line one\nline two\n', '8|message|{"a":1}', '8|message|no id'])
    expect(p.comments).toEqual(['ping', 'ping'])
    expect(p.retry).toBe(2000)
  })

  test('SSE: presence.updated reaches the agent and the supervisor, not another sector; Last-Event-ID replays the gap', async () => {
    const auth = (t: string) => ({ authorization: `Bearer ${t}` })
    const streamA = await SseClient.open(base + '/api/v1/events', auth(agentAToken))
    const streamAdmin = await SseClient.open(base + '/api/v1/events', auth(adminToken))
    const streamB = await SseClient.open(base + '/api/v1/events', auth(agentBToken))
    sse.push(streamA, streamAdmin, streamB)
    expect(streamA.response.headers.get('content-type') ?? '').toStartWith('text/event-stream')
    await Promise.all([streamA.ready(), streamAdmin.ready(), streamB.ready()])

    const put = await api('/api/v1/me/presence', { method: 'PUT', token: agentAToken, body: { status: 'paused', reason: 'almoço' } })
    expect(put.status).toBe(200)
    expect(put.json).toMatchObject({ status: 'paused', reason: 'almoço' })

    const isA = (status: string) => (e: { event: string; data: string }) => e.event === 'presence.updated' && JSON.parse(e.data).user_id === agentA && JSON.parse(e.data).status === status
    const evA = await streamA.waitFor(isA('paused'))
    expect(evA.hasId).toBe(true)
    expect(evA.id).toMatch(/^\d+$/)
    expect(JSON.parse(evA.data)).toMatchObject({ user_id: agentA, status: 'paused', reason: 'almoço' })
    const evAdmin = await streamAdmin.waitFor(isA('paused'))
    expect(evAdmin.id).toBe(evA.id)
    expect(JSON.parse(evAdmin.data)).toMatchObject({ user_id: agentA, status: 'paused', reason: 'almoço' })

    // Agent B (another sector) must not see A's change: B changes its own presence afterwards, and
    // the first presence event B's stream carries is B's own (events arrive in id order).
    const putB = await api('/api/v1/me/presence', { method: 'PUT', token: agentBToken, body: { status: 'available' } })
    expect(putB.status).toBe(200)
    const evB = await streamB.waitFor((e) => e.event === 'presence.updated')
    expect(JSON.parse(evB.data)).toMatchObject({ user_id: agentB, status: 'available' })
    expect(Number(evB.id)).toBeGreaterThan(Number(evA.id))
    expect(presenceEvents(streamB.events).filter((e) => e.user_id === agentA)).toEqual([])
    // ...while the supervisor stream sees B's change too.
    await streamAdmin.waitFor((e) => e.event === 'presence.updated' && JSON.parse(e.data).user_id === agentB)

    // Disconnect A, miss two changes, reconnect with Last-Event-ID.
    const lastSeen = streamA.lastEventId
    expect(lastSeen).toBe(evA.id)
    streamA.close()
    await streamA.ended
    const missed1 = await api('/api/v1/me/presence', { method: 'PUT', token: agentAToken, body: { status: 'available' } })
    const missed2 = await api('/api/v1/me/presence', { method: 'PUT', token: agentAToken, body: { status: 'paused', reason: 'reunião' } })
    expect([missed1.status, missed2.status]).toEqual([200, 200])

    const resumed = await SseClient.open(base + '/api/v1/events', { ...auth(agentAToken), 'last-event-id': lastSeen })
    sse.push(resumed)
    await resumed.waitFor(isA('paused'))
    // A live change after the replay marks the end: nothing may come between (no duplicates, no snapshot).
    const live = await api('/api/v1/me/presence', { method: 'PUT', token: agentAToken, body: { status: 'offline' } })
    expect(live.status).toBe(200)
    await resumed.waitFor(isA('offline'))
    const got = presenceEvents(resumed.events)
    expect(got.map((e) => [e.user_id, e.status, e.reason])).toEqual([
      [agentA, 'available', null],
      [agentA, 'paused', 'reunião'],
      [agentA, 'offline', null],
    ])
    const ids = got.map((e) => Number(e.id))
    expect(ids[0]).toBeGreaterThan(Number(lastSeen))
    expect(ids[1]).toBeGreaterThan(ids[0])
    expect(ids[2]).toBeGreaterThan(ids[1])
    expect(new Set(resumed.events.map((e) => e.id)).size).toBe(resumed.events.length)

    // The supervisor stream, which stayed connected, got every change exactly once, in order.
    await streamAdmin.waitFor(isA('offline'))
    const adminSaw = presenceEvents(streamAdmin.events).filter((e) => e.user_id === agentA)
    expect(adminSaw.map((e) => e.status)).toEqual(['paused', 'available', 'paused', 'offline'])
    expect(adminSaw.slice(1).map((e) => e.id)).toEqual(got.map((e) => e.id))

    // B still saw nothing of A.
    expect(presenceEvents(streamB.events).filter((e) => e.user_id === agentA)).toEqual([])
    resumed.close()
    streamB.close()
  })

  test('backup while serving writes a consistent snapshot', async () => {
    const snap = join(tempDir('kumquat-e2e-snap-'), 'snap.db')
    temps.push(join(snap, '..'))
    const r = await cli(['backup', snap])
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(existsSync(snap)).toBe(true)
    const db = new Database(snap, { readonly: true })
    try {
      expect(db.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()?.integrity_check).toBe('ok')
      const emails = db.query<{ email: string }, []>('SELECT email FROM users ORDER BY id').all().map((u) => u.email)
      expect(emails).toEqual([ADMIN.email, AGENT_A.email, AGENT_B.email])
    } finally {
      db.close()
    }
    // The server is still fine.
    expect((await api('/api/v1/me')).status).toBe(200)
    // A second backup to the same file refuses to overwrite it.
    const again = await cli(['backup', snap])
    expect(again.code).not.toBe(0)
  })

  test('migrate on the live data dir: up to date', async () => {
    const r = await cli(['migrate'])
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/up to date/i)
    expect((await api('/api/v1/me')).status).toBe(200)
  })

  // ---- Bugs found by this suite, fixed, and kept as regressions.

  test("a chunked body over KUMQUAT_MAX_BODY_BYTES is refused with 413", async () => {
    // src/app.ts checks only Content-Length; Bun's own cap (src/server.ts) is 8 MiB.
    const body = new TextEncoder().encode(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), email: 'chunked@kumquat.test', profile: 'agent' }))
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < body.length; i += 65536) c.enqueue(body.slice(i, i + 65536))
        c.close()
      },
    })
    const res = await fetch(base + '/api/v1/users', { method: 'POST', body: stream, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' } })
    const text = await res.text()
    expectApiError({ status: res.status, headers: res.headers, text, json: JSON.parse(text || 'null') }, 413)
  })

  /** Resolves when match() holds for an event, the stream ends, or ms pass. */
  const settle = (s: SseClient, match: (e: { event: string; data: string }) => boolean, ms: number) =>
    Promise.race([s.waitFor(match, { timeoutMs: ms }).catch(() => null), s.ended, Bun.sleep(ms)])

  test('a deactivated user\'s open SSE stream stops receiving events', async () => {
    const c = await api('/api/v1/users', { body: { name: 'Deactivated', email: 'deact@kumquat.test', profile: 'agent', sector_ids: [sector1] } })
    expect(c.status).toBe(201)
    const tc = (await cli(['token', 'create', '--email', 'deact@kumquat.test', '--name', 'x'])).stdout.trim()
    const streamC = await SseClient.open(base + '/api/v1/events', { authorization: `Bearer ${tc}` })
    const streamAdmin = await SseClient.open(base + '/api/v1/events', { authorization: `Bearer ${adminToken}` })
    sse.push(streamC, streamAdmin)
    await Promise.all([streamC.ready(), streamAdmin.ready()])
    expect((await api(`/api/v1/users/${c.json.id}`, { method: 'PATCH', body: { active: false } })).status).toBe(200)
    expect((await api('/api/v1/me', { token: tc })).status).toBe(401) // the token no longer works...
    await api('/api/v1/me/presence', { method: 'PUT', token: agentAToken, body: { status: 'paused', reason: 'médico' } })
    const isIt = (e: { event: string; data: string }) => e.event === 'presence.updated' && JSON.parse(e.data).reason === 'médico'
    await streamAdmin.waitFor(isIt)
    await settle(streamC, isIt, 500) // fan-out is synchronous: C had it queued when the admin got it
    streamC.close()
    streamAdmin.close()
    // ...but the stream opened before still carries sector 1's events.
    expect(streamC.events.filter(isIt)).toEqual([])
  })

  test('a user moved to another sector stops receiving the old sector\'s events on an open stream', async () => {
    const c = await api('/api/v1/users', { body: { name: 'Mover', email: 'mover@kumquat.test', profile: 'agent', sector_ids: [sector1] } })
    expect(c.status).toBe(201)
    const tc = (await cli(['token', 'create', '--email', 'mover@kumquat.test', '--name', 'x'])).stdout.trim()
    const streamC = await SseClient.open(base + '/api/v1/events', { authorization: `Bearer ${tc}` })
    sse.push(streamC)
    await streamC.ready()
    expect((await api(`/api/v1/users/${c.json.id}`, { method: 'PATCH', body: { sector_ids: [sector2] } })).status).toBe(200)
    await api('/api/v1/me/presence', { method: 'PUT', token: agentAToken, body: { status: 'paused', reason: 'treinamento' } })
    // C's own change comes after A's: once C sees its own event, A's would have arrived before it.
    await api('/api/v1/me/presence', { method: 'PUT', token: tc, body: { status: 'available' } })
    await settle(streamC, (e) => e.event === 'presence.updated' && JSON.parse(e.data).user_id === c.json.id, 3000)
    streamC.close()
    expect(presenceEvents(streamC.events).filter((e) => e.user_id === agentA)).toEqual([])
  })

  test('a second copy on the same port fails instead of sharing it', async () => {
    const other = tempDir('kumquat-e2e-second-')
    temps.push(other)
    copyFileSync(bin, join(other, 'kumquat'))
    Bun.spawnSync(['chmod', '+x', join(other, 'kumquat')])
    const second = start(join(other, 'kumquat'), [], { cwd: other, env: env() })
    const code = await second.exitWithin(8000)
    second.kill()
    expect({ code, stderr: second.stderr }).toMatchObject({ code: expect.any(Number) })
    expect(code).not.toBe(0)
    expect(second.stderr).toMatch(/port|in use|EADDRINUSE/i)
    // The first one still answers.
    expect((await api('/api/v1/me')).status).toBe(200)
  })

  test('an invalid setting stops the start and names the variable', async () => {
    const other = tempDir('kumquat-e2e-badenv-')
    temps.push(other)
    const r = await run(bin, [], { cwd: other, env: { KUMQUAT_PORT: 'abc' }, timeoutMs: 8000 })
    expect(r.code).not.toBe(0)
    expect(r.code).not.toBeNull()
    expect(r.stderr).toContain('KUMQUAT_PORT')
    expect(existsSync(join(other, 'data'))).toBe(false)
  })

  test('SIGTERM: exits 0 within 5 s, ends open SSE streams, leaves no WAL content', async () => {
    const stream = await SseClient.open(base + '/api/v1/events', { authorization: `Bearer ${adminToken}` })
    sse.push(stream)
    await stream.ready()
    const started = performance.now()
    server.kill('SIGTERM')
    const code = await server.exitWithin(5000)
    const exitMs = performance.now() - started
    expect({ code, stderr: server.stderr }).toEqual({ code: 0, stderr: '' })
    expect(exitMs).toBeLessThan(5000)
    const ended = await Promise.race([stream.ended, Bun.sleep(2000).then(() => 'hanging' as const)])
    // The stream ends cleanly: the hub closes it and the server stops gracefully before forcing.
    expect(ended).toMatchObject({ clean: true })
    expect(stream.done).toBe(true)
    const wal = join(dir, 'data', 'kumquat.db-wal')
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0)
  })

  test('a database newer than the binary stops the start with a clear message', async () => {
    const db = new Database(join(dir, 'data', 'kumquat.db'))
    db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)")
    db.close()
    const r = await run(bin, [], { cwd: dir, env: env(), timeoutMs: 8000 })
    expect(r.code).not.toBe(0)
    expect(r.code).not.toBeNull()
    expect(r.stderr).toMatch(/newer/i)
    expect(r.stderr).toContain('9999')
    // Nothing answered on the port.
    expect(await fetch(base + '/healthz').then(() => 'answered', () => 'refused')).toBe('refused')
  })

  test('request logs: one JSON line per request with method, path, status, ms; no secrets', () => {
    const lines = server.stdout.split('\n').filter((l) => l.trim() !== '')
    expect(lines.length).toBeGreaterThan(10)
    const entries = lines.map((l) => {
      try {
        return JSON.parse(l)
      } catch {
        throw new Error(`stdout line is not JSON: ${l}`)
      }
    })
    const requests = entries.filter((e) => e.msg === 'request')
    expect(requests.length).toBeGreaterThan(10)
    for (const r of requests) {
      expect(r.method).toBeString()
      expect(r.path).toStartWith('/')
      expect(r.status).toBeInteger()
      expect(r.ms).toBeNumber()
    }
    expect(requests.some((r) => r.method === 'GET' && r.path === '/api/v1/me' && r.status === 200)).toBe(true)
    expect(requests.some((r) => r.method === 'POST' && r.path === '/api/v1/users' && r.status === 201)).toBe(true)
    expect(requests.some((r) => r.path === '/api/v1/users' && r.status === 413)).toBe(true)
    expect(requests.some((r) => r.method === 'PUT' && r.path === '/api/v1/me/presence' && r.status === 200)).toBe(true)
    const everything = server.stdout + server.stderr
    for (const secret of [adminToken, agentAToken, agentBToken, BAD_TOKEN, ADMIN.password, AGENT_A.password, AGENT_B.password]) {
      expect(secret.length).toBeGreaterThan(8)
      expect(everything).not.toContain(secret)
    }
    expect(everything.toLowerCase()).not.toContain('bearer')
  })
})
