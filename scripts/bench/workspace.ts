// Workspace benchmark (issue 4): (a) SSE fan-out — 1,000 agents of one sector connected to
// /api/v1/events on the compiled binary, signed webhooks delivered one at a time, and the time from
// each webhook to its message.created on EVERY stream; (b) the server-side render of the workspace
// (/workspace/:id, the full page and the htmx panel) for a ticket with a 2,000-message conversation
// in a database of 10,000 tickets, timed in-process with app.handle.
//
//   node_modules/.bin/bun scripts/bench/workspace.ts
//   BENCH_STREAMS=1000 BENCH_WEBHOOKS=30 BENCH_GAP_MS=300 BENCH_RENDERS=50 node_modules/.bin/bun scripts/bench/workspace.ts
//   BENCH_INPROCESS=1 …   (fan-out against an in-process server instead of the binary)
//
// The binary is built from the working tree into a temp dir (dist/ is left alone). The streams are
// held by 2 client processes (BUN_CONFIG_MAX_HTTP_REQUESTS raised past Bun's default of 256 open
// fetches per process; one process parsing 1,000 streams would measure itself); every process reads the same clock
// (performance.timeOrigin + performance.now()). The server's open-file limit is raised to the hard
// limit in its own shell (`ulimit -n`); 1,000 streams need ~1,050 descriptors on each side.
//
// Goals: p99 fan-out < 200 ms for 1,000 streams; workspace render < 50 ms. Prints a table and, last,
// one JSON line. All traffic stays on 127.0.0.1; children and temp dirs are removed at the end.
import { join, resolve } from 'node:path'
import { signBody } from '../../src/channels/whatsapp/signature'
import { loadConfig } from '../../src/config'
import { createContext, type Context } from '../../src/context'
import { write } from '../../src/db/open'
import { createLogger } from '../../src/logger'
import { PANEL_MESSAGES } from '../../src/desk/workspace'
import { freePort, lineReader, log, median, pct, r1, rssMb, spawnChild as spawn, tempDir, waitHealthy } from './support'

const ROOT = resolve(import.meta.dir, '../..')
const BUN = process.execPath
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000)
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 30)
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 300)
const RENDERS = Number(process.env.BENCH_RENDERS ?? 50)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 2)
const IN_PROCESS = process.env.BENCH_INPROCESS === '1'
const SECRET = 'bench-app-secret'
const PHONE = '1099000042'
const GOALS = { fanoutP99Ms: 200, renderMs: 50 }

// ---- bookkeeping ---------------------------------------------------------------------------------
const clock = () => performance.timeOrigin + performance.now()

/** The context a bench database is prepared with (the server opens the same folder afterwards). */
function benchContext(dataDir: string): Context {
  const config = loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
  return createContext(config, createLogger('silent'))
}

// ---- (a) SSE fan-out ---------------------------------------------------------------------------------

/** One client process: holds its share of the streams, timestamps every message.created of the bench. */
const CLIENT = `
const tokens = JSON.parse(await Bun.file(process.env.TOKENS).text())
const base = process.env.BASE
const clock = () => performance.timeOrigin + performance.now()
const seen = {}
let ready = 0
const open = async (token) => {
  const res = await fetch(base + '/api/v1/events', { headers: { authorization: 'Bearer ' + token } })
  if (res.status !== 200) { console.log('FAIL ' + res.status); return }
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let counted = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    const now = clock()
    buffer += decoder.decode(value, { stream: true })
    if (!counted && buffer.includes('id:')) { counted = true; if (++ready === tokens.length) console.log('READY') }
    let cut
    while ((cut = buffer.indexOf('\\n\\n')) >= 0) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      if (!block.includes('event: message.created')) continue
      const m = /"external_id":"(wamid\\.wsbench\\.[^"]+)"/.exec(block)
      // The message's own created_at comes first in the event (the ticket's follows): when it was committed.
      const c = /"created_at":"([^"]+)"/.exec(block)
      if (m) (seen[m[1]] ??= []).push([now, c ? Date.parse(c[1]) : NaN])
    }
  }
}
for (const t of tokens) open(t)
for await (const line of console) {
  if (line.trim() === 'dump') { console.log('RESULT ' + JSON.stringify(seen)); process.exit(0) }
}
`

interface FanoutResult {
  streams: number
  webhooks: number
  perStream: { p50: number; p99: number; max: number }
  allStreams: { p50: number; p99: number; max: number }
  commit: { p50: number; p99: number; everyP99: number }
  spread: { p50: number; p99: number }
  delivered: number
  expected: number
  ackP50: number
  serverRssMb: number | null
  connectSeconds: number
  target: string
}

async function buildBinary(): Promise<string> {
  const out = join(tempDir('kumquat-wsbench-'), 'kumquat')
  log('building the binary from the working tree (into a temp dir)')
  const p = Bun.spawnSync([BUN, 'scripts/build.ts', out], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
  if (p.exitCode !== 0) throw new Error('build failed')
  return out
}

async function startFakeMeta(): Promise<string> {
  const port = freePort()
  spawn([BUN, join(ROOT, 'scripts/fake-meta.ts'), '--port', String(port), '--host', '127.0.0.1'], ROOT, {})
  const url = `http://127.0.0.1:${port}`
  await waitHealthy(`${url}/_fake/requests`)
  await fetch(`${url}/_fake/numbers`, { method: 'POST', body: JSON.stringify({ phone_number_id: PHONE, waba_id: '2042', access_token: 'bench-token' }) })
  return url
}

/** Sector, WhatsApp channel and STREAMS agents with API tokens, written before the server starts. */
function seedFanout(ctx: Context, metaUrl: string): { tokens: string[]; webhookPath: string } {
  const profile = ctx.stores.profiles.resolve('agent')!
  const webhookKey = 'wsbench' + 'k'.repeat(30)
  const tokens = write(ctx.db, () => {
    const sectorId = ctx.stores.sectors.create({ name: 'Fan-out', routing: 'offer', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
    ctx.stores.channels.create({
      type: 'whatsapp',
      name: 'Bench',
      sector_id: sectorId,
      bot_flow_id: null,
      webhook_key: webhookKey,
      settings: { phone_number_id: PHONE, waba_id: '2042', graph_base_url: metaUrl, graph_version: 'v24.0' },
      secrets: { access_token: 'bench-token', app_secret: SECRET, verify_token: 'bench-verify' },
      lookup_key: PHONE,
    })
    const out: string[] = []
    for (let i = 0; i < STREAMS; i++) {
      // Offline agents: the tickets stay queued in their sector, so every event of it reaches all of them.
      const id = ctx.stores.users.create({ name: `Agente ${i}`, email: `agente${i}@bench.example`, password_hash: null, profile_id: profile.id, sector_ids: [sectorId], limits: { whatsapp: 3, webchat: 3, email: 10 } })
      out.push(ctx.stores.apiTokens.create(id, 'bench').token)
    }
    return out
  })
  return { tokens, webhookPath: `/webhooks/whatsapp/${webhookKey}` }
}

function delivery(i: number, run: string) {
  const waId = `55839${String(70000000 + (i % 5))}`
  const wamid = `wamid.wsbench.${run}.${i}`
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '558330000000', phone_number_id: PHONE },
              contacts: [{ profile: { name: `Cliente ${i % 5}` }, wa_id: waId }],
              messages: [{ from: waId, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `olá ${i} — fan-out 😀` } }],
            },
          },
        ],
      },
    ],
  })
  return { body, wamid, signature: signBody(SECRET, body) }
}

async function benchFanout(): Promise<FanoutResult> {
  const metaUrl = await startFakeMeta()
  const dataDir = tempDir('kumquat-wsbench-')
  const seedCtx = benchContext(dataDir)
  log(`seeding ${STREAMS} agents with API tokens`)
  const { tokens, webhookPath } = seedFanout(seedCtx, metaUrl)

  let base: string
  let serverPid: number | null = null
  let stopInProcess: (() => Promise<void>) | null = null
  if (IN_PROCESS) {
    seedCtx.db.close()
    const { startServer } = await import('../../src/server')
    const ctx = benchContext(dataDir)
    const running = await startServer(ctx)
    base = `http://127.0.0.1:${running.port}`
    stopInProcess = running.stop
    serverPid = process.pid
  } else {
    seedCtx.db.close()
    const binary = await buildBinary()
    const port = freePort()
    // Raise the server's descriptor limit to the hard limit in its own shell.
    const server = spawn(['/bin/sh', '-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" serve', binary], dataDir, {
      KUMQUAT_PORT: String(port),
      KUMQUAT_HOST: '127.0.0.1',
      KUMQUAT_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    })
    serverPid = server.pid
    base = `http://127.0.0.1:${port}`
  }
  await waitHealthy(`${base}/healthz`)

  // The streams, in CLIENTS processes.
  log(`opening ${STREAMS} /api/v1/events streams from ${CLIENTS} client processes`)
  const dir = tempDir('kumquat-wsbench-')
  await Bun.write(join(dir, 'client.ts'), CLIENT)
  const started = performance.now()
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const mine = tokens.filter((_, i) => i % CLIENTS === c)
      const file = join(dir, `tokens-${c}.json`)
      await Bun.write(file, JSON.stringify(mine))
      const p = spawn(['/bin/sh', '-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$1"', BUN, join(dir, 'client.ts')], dir, { TOKENS: file, BASE: base, BUN_CONFIG_MAX_HTTP_REQUESTS: '1024' }, { stdin: 'pipe', stdout: 'pipe' })
      const nextLine = lineReader(p)
      for (;;) {
        const line = await nextLine()
        if (line === 'READY') break
        if (line.startsWith('FAIL')) throw new Error(`stream refused: ${line}`)
      }
      return { p, nextLine }
    }),
  )
  const connectSeconds = (performance.now() - started) / 1000
  await Bun.sleep(500)
  const rss = serverPid && !IN_PROCESS ? rssMb(serverPid) : null

  // The webhooks, one at a time (fan-out latency, not throughput).
  log(`delivering ${WEBHOOKS} signed webhooks, ${GAP_MS} ms apart`)
  const run = String(Date.now())
  const sentAt = new Map<string, number>()
  const acks: number[] = []
  for (let i = 0; i < WEBHOOKS + 3; i++) {
    const d = delivery(i, run)
    const t0 = clock()
    if (i >= 3) sentAt.set(d.wamid, t0) // the first three warm the paths up
    const res = await fetch(base + webhookPath, { method: 'POST', body: d.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': d.signature } })
    await res.arrayBuffer()
    acks.push(clock() - t0)
    if (res.status !== 200) throw new Error(`webhook ${res.status}`)
    await Bun.sleep(GAP_MS)
  }
  await Bun.sleep(1500)

  // Collect.
  const seen: Record<string, [number, number][]> = {}
  await Promise.all(
    clients.map(async ({ p, nextLine }) => {
      p.stdin!.write('dump\n')
      p.stdin!.flush()
      for (;;) {
        const line = await nextLine()
        if (!line.startsWith('RESULT ')) continue
        for (const [k, v] of Object.entries(JSON.parse(line.slice(7)) as Record<string, [number, number][]>)) (seen[k] ??= []).push(...v)
        break
      }
    }),
  )
  if (stopInProcess) await stopInProcess()

  const perStream: number[] = []
  const allStreams: number[] = []
  const fromCommit: number[] = []
  const allFromCommit: number[] = []
  const spread: number[] = []
  let delivered = 0
  for (const [wamid, t0] of sentAt) {
    const got = seen[wamid] ?? []
    const times = got.map(([t]) => t - t0)
    const afterCommit = got.map(([t, c]) => t - c).filter((x) => Number.isFinite(x))
    delivered += times.length
    perStream.push(...times)
    fromCommit.push(...afterCommit)
    if (times.length === STREAMS) {
      allStreams.push(Math.max(...times))
      allFromCommit.push(Math.max(...afterCommit))
      spread.push(Math.max(...times) - Math.min(...times))
    }
  }
  return {
    streams: STREAMS,
    webhooks: WEBHOOKS,
    perStream: { p50: pct(perStream, 50), p99: pct(perStream, 99), max: Math.max(...perStream) },
    allStreams: { p50: pct(allStreams, 50), p99: pct(allStreams, 99), max: Math.max(...allStreams) },
    // From the commit of the message (its created_at, ms) to each stream: the fan-out alone.
    commit: { p50: pct(fromCommit, 50), p99: pct(fromCommit, 99), everyP99: pct(allFromCommit, 99) },
    // First stream → last stream for one event: the cost of writing it to every stream.
    spread: { p50: pct(spread, 50), p99: pct(spread, 99) },
    delivered,
    expected: WEBHOOKS * STREAMS,
    ackP50: median(acks.slice(3)),
    serverRssMb: rss,
    connectSeconds,
    target: IN_PROCESS ? 'in-process server' : 'compiled binary',
  }
}

// ---- (b) the workspace's server-side render ----------------------------------------------------------

interface RenderResult {
  tickets: number
  messages: number
  shown: number
  page: { median: number; p99: number }
  panel: { median: number; p99: number }
  list: { median: number; p99: number }
  conversationPage: { median: number; p99: number }
  bytes: number
}

async function benchRender(): Promise<RenderResult> {
  const dataDir = tempDir('kumquat-wsbench-')
  const ctx = benchContext(dataDir)
  const TICKETS = 10_000
  const MESSAGES = 2_000
  log(`seeding ${TICKETS} tickets and a ${MESSAGES}-message conversation`)
  const agentProfile = ctx.stores.profiles.resolve('agent')!
  const now = Date.now()
  const { ticketId, userId } = write(ctx.db, () => {
    const sectorId = ctx.stores.sectors.create({ name: 'Atendimento', routing: 'offer', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: true })
    const other = ctx.stores.sectors.create({ name: 'Financeiro', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
    const channelId = ctx.stores.channels.create({
      type: 'whatsapp',
      name: 'Loja',
      sector_id: sectorId,
      bot_flow_id: null,
      webhook_key: 'render' + 'k'.repeat(30),
      settings: { phone_number_id: '1099000043', waba_id: '2043', graph_base_url: 'http://127.0.0.1:9', graph_version: 'v24.0' },
      secrets: { access_token: 't', app_secret: 's', verify_token: 'v' },
      lookup_key: '1099000043',
    })
    const userId = ctx.stores.users.create({ name: 'Ana Atendente', email: 'ana@bench.example', password_hash: null, profile_id: agentProfile.id, sector_ids: [sectorId], limits: { whatsapp: 10, webchat: 3, email: 10 } })
    for (let i = 0; i < 30; i++) ctx.stores.users.create({ name: `Colega ${i}`, email: `colega${i}@bench.example`, password_hash: null, profile_id: agentProfile.id, sector_ids: [i % 2 ? sectorId : other], limits: { whatsapp: 3, webchat: 3, email: 10 } })
    for (let i = 0; i < 12; i++) ctx.stores.classifications.create({ name: `Motivo ${i}`, sector_id: i % 3 ? sectorId : null, active: true })
    const insertContact = ctx.db.query<{ id: number }, [number, string, string, number]>('INSERT INTO contacts (channel_id, external_key, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id')
    const insertTicket = ctx.db.query<{ id: number }, [string, number, number, string, number, number | null, number, number | null, number | null, number]>(
      `INSERT INTO tickets (protocol, channel_id, contact_id, status, sector_id, assignee_id, created_at, queued_at, closed_at, last_inbound_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10) RETURNING id`,
    )
    const insertMessage = ctx.db.query<unknown, [number, number, string, string, number | null, string, string, string, number]>(
      `INSERT INTO messages (ticket_id, channel_id, direction, author, author_id, type, text, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)`,
    )
    const contacts: number[] = []
    for (let c = 0; c < 2_000; c++) contacts.push(insertContact.get(channelId, `55839${String(10000000 + c)}`, `Cliente ${c}`, now)!.id)
    let focus = 0
    for (let i = 0; i < TICKETS; i++) {
      const at = now - (TICKETS - i) * 60_000
      // The agent holds 8 open tickets; the rest are closed or waiting in the queue.
      const mine = i >= TICKETS - 8
      const status = mine ? 'open' : i % 50 === 0 ? 'queued' : 'closed'
      const id = insertTicket.get(`2026${String(i).padStart(10, '0')}`, channelId, contacts[i % contacts.length], status, i % 7 ? sectorId : other, mine ? userId : null, at, status === 'closed' ? at + 30_000 : null, at, at)!.id
      for (let m = 0; m < 6; m++) insertMessage.run(id, channelId, m % 2 ? 'out' : 'in', m % 2 ? 'agent' : 'customer', m % 2 ? userId : null, 'text', `mensagem ${m} do atendimento ${i}`, m % 2 ? 'read' : 'received', at + m * 1000)
      if (i === TICKETS - 1) focus = id
    }
    // The focus ticket: 2,000 messages (customer, agent, some internal notes), from the same contact as 4 earlier tickets.
    for (let m = 0; m < MESSAGES; m++) {
      const out = m % 3 !== 0
      const note = m % 25 === 0
      insertMessage.run(focus, channelId, out ? 'out' : 'in', out ? 'agent' : 'customer', out ? userId : null, note ? 'note' : 'text', `Mensagem número ${m}: ${'texto de exemplo com acentuação e emoji 😀 '.repeat(1 + (m % 3))}`, out ? 'read' : 'received', now - (MESSAGES - m) * 5_000)
    }
    ctx.db.query('UPDATE tickets SET last_inbound_at = ?, last_read_message_id = NULL WHERE id = ?').run(now - 60_000, focus)
    return { ticketId: focus, userId }
  })
  ctx.db.exec('ANALYZE')
  const session = write(ctx.db, () => ctx.stores.sessions.create(userId, { remember: false, ip: null, userAgent: 'bench', lifetimeMs: 3_600_000 }))
  const { createApp } = await import('../../src/app')
  await (await import('../../src/http/assets')).assetsReady
  const app = createApp(ctx)
  const cookie = `kq_session=${session.token}`
  const time = async (path: string, headers: Record<string, string> = {}) => {
    const samples: number[] = []
    let bytes = 0
    for (let i = 0; i < RENDERS + 5; i++) {
      const t0 = performance.now()
      const res = await app.handle(new Request(`http://localhost${path}`, { headers: { cookie, ...headers } }))
      const body = await res.text()
      const ms = performance.now() - t0
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`)
      if (i >= 5) samples.push(ms) // the first renders warm the JIT and the statement cache
      bytes = body.length
    }
    return { median: median(samples), p99: pct(samples, 99), bytes }
  }
  log(`rendering the workspace ${RENDERS} times (full page, htmx panel), the workspace without a ticket, and the conversation page`)
  const page = await time(`/workspace/${ticketId}`)
  const panel = await time(`/workspace/${ticketId}`, { 'hx-request': 'true', 'hx-target': 'div#ws-main' })
  const list = await time('/workspace')
  const conversationPage = await time(`/tickets/${ticketId}`)
  const html = await (await app.handle(new Request(`http://localhost/workspace/${ticketId}`, { headers: { cookie } }))).text()
  const shown = (html.match(/<article id="message-/g) ?? []).length
  ctx.db.close()
  return { tickets: TICKETS, messages: MESSAGES, shown, page, panel, list, conversationPage, bytes: page.bytes }
}

// ---- run -----------------------------------------------------------------------------------------------

const render = await benchRender()
const fanout = await benchFanout()

const line = (label: string, value: string, note = '') => console.log(`${label.padEnd(52)}${value.padStart(18)}  ${note}`)
console.log(`\nWorkspace — SSE fan-out (${fanout.target}, 127.0.0.1) and server-side render (in-process, app.handle)`)
console.log('-'.repeat(110))
line(`streams connected (/api/v1/events, ${CLIENTS} client processes)`, String(fanout.streams), `in ${r1(fanout.connectSeconds)} s; server RSS ${fanout.serverRssMb ?? '?'} MB`)
line(`webhooks (one at a time, ${GAP_MS} ms apart)`, String(fanout.webhooks), `ack p50 ${r1(fanout.ackP50)} ms`)
line('events delivered (message.created × streams)', `${fanout.delivered}/${fanout.expected}`)
line('webhook → event, per stream', `p50 ${r1(fanout.perStream.p50)} ms`, `p99 ${r1(fanout.perStream.p99)} ms, max ${r1(fanout.perStream.max)} ms`)
line('webhook → event on EVERY stream (the last one)', `p50 ${r1(fanout.allStreams.p50)} ms`, `p99 ${r1(fanout.allStreams.p99)} ms, max ${r1(fanout.allStreams.max)} ms`)
line('  from the message row (insert, before fsync) → event', `p50 ${r1(fanout.commit.p50)} ms`, `p99 ${r1(fanout.commit.p99)} ms; on every stream p99 ${r1(fanout.commit.everyP99)} ms`)
line('  first stream → last stream (one event, 1,000 writes)', `p50 ${r1(fanout.spread.p50)} ms`, `p99 ${r1(fanout.spread.p99)} ms`)
line(`render /workspace/:id (full page; ${render.messages} msgs, ${render.tickets} tickets)`, `median ${r1(render.page.median)} ms`, `p99 ${r1(render.page.p99)} ms, ${Math.round(render.bytes / 1024)} KB, newest ${render.shown} messages shown`)
line('render /workspace/:id (htmx panel only)', `median ${r1(render.panel.median)} ms`, `p99 ${r1(render.panel.p99)} ms`)
line('render /workspace (lists, no ticket open)', `median ${r1(render.list.median)} ms`, `p99 ${r1(render.list.p99)} ms`)
line('for comparison: /tickets/:id (conversation page, 500 msgs)', `median ${r1(render.conversationPage.median)} ms`, `p99 ${r1(render.conversationPage.p99)} ms`)
const fanoutOk = fanout.delivered === fanout.expected && fanout.allStreams.p99 < GOALS.fanoutP99Ms
const renderOk = render.page.p99 < GOALS.renderMs && render.panel.p99 < GOALS.renderMs
line(`goal: p99 fan-out < ${GOALS.fanoutP99Ms} ms on every stream`, fanoutOk ? 'met' : 'NOT met')
line(`goal: workspace render < ${GOALS.renderMs} ms (p99)`, renderOk ? 'met' : 'NOT met', `(the panel shows the newest ${PANEL_MESSAGES}; older ones load with "Carregar anteriores")`)
console.log(
  JSON.stringify({
    bench: 'workspace',
    fanout: {
      target: fanout.target,
      streams: fanout.streams,
      webhooks: fanout.webhooks,
      delivered: fanout.delivered,
      expected: fanout.expected,
      per_stream_p50_ms: r1(fanout.perStream.p50),
      per_stream_p99_ms: r1(fanout.perStream.p99),
      every_stream_p50_ms: r1(fanout.allStreams.p50),
      every_stream_p99_ms: r1(fanout.allStreams.p99),
      commit_to_stream_p50_ms: r1(fanout.commit.p50),
      commit_to_stream_p99_ms: r1(fanout.commit.p99),
      commit_to_every_stream_p99_ms: r1(fanout.commit.everyP99),
      first_to_last_stream_p50_ms: r1(fanout.spread.p50),
      first_to_last_stream_p99_ms: r1(fanout.spread.p99),
      ack_p50_ms: r1(fanout.ackP50),
      server_rss_mb: fanout.serverRssMb,
    },
    render: {
      tickets: render.tickets,
      messages: render.messages,
      shown: render.shown,
      page_median_ms: r1(render.page.median),
      page_p99_ms: r1(render.page.p99),
      panel_median_ms: r1(render.panel.median),
      panel_p99_ms: r1(render.panel.p99),
      list_median_ms: r1(render.list.median),
      conversation_page_median_ms: r1(render.conversationPage.median),
    },
    goals_met: { fanout: fanoutOk, render: renderOk },
  }),
)
process.exit(0)
