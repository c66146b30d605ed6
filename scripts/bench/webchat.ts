// WebChat benchmark (issue 10): how many idle visitor streams one process holds, and what the widget
// costs to download. Starts the compiled binary, creates a web-chat channel through the API, opens
// N visitor sessions (POST /webchat/:key/sessions) and N idle SSE streams (GET /webchat/:key/events)
// held by 2+ client processes, then prints the server's RSS at idle (goal: 2,000 streams < 300 MB)
// and the transferred size of GET /webchat.js, raw and gzipped (goal < 30 KB gzipped). Last, one
// visitor writes and its own stream must get the message (the streams are live, not just open).
//
//   node_modules/.bin/bun scripts/bench/webchat.ts
//   BENCH_STREAMS=2000 BENCH_CLIENTS=2 node_modules/.bin/bun scripts/bench/webchat.ts
//   BENCH_BINARY=dist/kumquat …   (use an existing binary instead of building the working tree)
//
// The binary is built from the working tree into a temp dir (dist/ is left alone), like
// scripts/bench/workspace.ts. Visitors come from many addresses, as on the internet: the sessions
// are opened from 200 loopback addresses (127.0.1.x, node:http's localAddress), so the per-IP limits
// (20 sessions per 10 minutes, 600 POSTs a minute) are not what is measured. Descriptor limits are
// raised to the hard limit in the server's and the clients' shells. Prints a table and, last, one
// JSON line. Children and temp dirs are removed at the end.
import http from 'node:http'
import { join, resolve } from 'node:path'
import { loadConfig } from '../../src/config'
import { createContext, type Context } from '../../src/context'
import { write } from '../../src/db/open'
import { createLogger } from '../../src/logger'
import { freePort, lineReader, log, r1, rssMb, spawnChild, tempDir, waitHealthy } from './support'

const ROOT = resolve(import.meta.dir, '../..')
const BUN = process.execPath
const STREAMS = Number(process.env.BENCH_STREAMS ?? 2000)
const CLIENTS = Math.max(2, Number(process.env.BENCH_CLIENTS ?? 2))
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 3000)
const GOALS = { rssMb: 300, widgetGzipKb: 30 }
const ORIGIN = 'https://loja.example'

/** POST JSON from a given local address (node:http; fetch cannot choose it). */
function postFrom(localAddress: string, url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; data: unknown }> {
  return new Promise((resolvePost, reject) => {
    const u = new URL(url)
    const payload = JSON.stringify(body)
    const req = http.request(
      { host: u.hostname, port: Number(u.port), path: u.pathname, method: 'POST', localAddress, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (text += c))
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, data: text ? JSON.parse(text) : null }))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

// ---- the server --------------------------------------------------------------------------------------

/** A sector and an admin with an API token, written before the server opens the same folder. */
function seed(dataDir: string): string {
  const config = loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
  const ctx: Context = createContext(config, createLogger('silent'))
  const token = write(ctx.db, () => {
    ctx.stores.sectors.create({ name: 'Site', routing: 'offer', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
    const id = ctx.stores.users.create({ name: 'Admin', email: 'admin@bench.example', password_hash: null, profile_id: ctx.stores.profiles.resolve('admin')!.id, sector_ids: [], limits: { whatsapp: 3, webchat: 3, email: 10 } })
    return ctx.stores.apiTokens.create(id, 'bench').token
  })
  ctx.db.close()
  return token
}

async function binary(): Promise<string> {
  if (process.env.BENCH_BINARY) return resolve(process.env.BENCH_BINARY)
  const out = join(tempDir('kumquat-wcbench-'), 'kumquat')
  log('building the binary from the working tree (into a temp dir)')
  const p = Bun.spawnSync([BUN, 'scripts/build.ts', out], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
  if (p.exitCode !== 0) throw new Error('build failed')
  return out
}

// ---- one client process: holds its share of the visitor streams -------------------------------------
const CLIENT = `
const tokens = JSON.parse(await Bun.file(process.env.TOKENS).text())
const base = process.env.BASE
let ready = 0
const open = async (token, i) => {
  const res = await fetch(base + '/events?token=' + encodeURIComponent(token))
  if (res.status !== 200) { console.log('FAIL ' + res.status); return }
  if (++ready === tokens.length) console.log('READY')
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) { console.log('CLOSED ' + i); return }
    buffer += decoder.decode(value, { stream: true })
    if (buffer.includes('event: message.created')) { console.log('EVENT ' + i); buffer = '' }
    if (buffer.length > 65536) buffer = ''
  }
}
tokens.forEach((t, i) => open(t, i))
for await (const line of console) if (line.trim() === 'exit') process.exit(0)
`

// ---- run ------------------------------------------------------------------------------------------------
const dataDir = tempDir('kumquat-wcbench-')
const adminToken = seed(dataDir)
const exe = await binary()
const port = freePort()
const base = `http://127.0.0.1:${port}`
const server = spawnChild(['/bin/sh', '-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" serve', exe], dataDir, {
  KUMQUAT_PORT: String(port),
  KUMQUAT_HOST: '127.0.0.1',
  KUMQUAT_DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
})
await waitHealthy(`${base}/healthz`)
const rssStart = rssMb(server.pid)

// The channel, through the admin API (api.md "Web chat visitors").
const api = async (path: string, body: unknown) => {
  const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const data = await res.json()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(data)}`)
  return data
}
const sectors = (await (await fetch(base + '/api/v1/sectors', { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { data: { id: number }[] }
const channel = (await api('/api/v1/channels', { type: 'webchat', name: 'Site (bench)', allowed_origins: [ORIGIN], sector_id: sectors.data[0].id, bot_flow_id: null })) as { channel_key: string }
const visitorBase = `${base}/webchat/${channel.channel_key}`

// The widget's transferred size: gzipped as a browser gets it, and uncompressed.
const gz = await fetch(`${base}/webchat.js`, { headers: { 'accept-encoding': 'gzip' }, decompress: false })
const gzBytes = (await gz.arrayBuffer()).byteLength
const raw = await fetch(`${base}/webchat.js`, { headers: { 'accept-encoding': 'identity' } })
const rawBytes = (await raw.arrayBuffer()).byteLength
const served = gz.headers.get('content-encoding') === 'gzip'
const localGz = Bun.gzipSync(new Uint8Array(await Bun.file(join(ROOT, 'public/webchat.js')).arrayBuffer()), { level: 9 }).byteLength

// N visitor sessions, 32 at a time, as the widget opens them (with the site's Origin), from 200 addresses.
log(`opening ${STREAMS} visitor sessions`)
const tokens: string[] = new Array(STREAMS)
const sessionStarted = performance.now()
let next = 0
await Promise.all(
  Array.from({ length: 32 }, async () => {
    for (let i = next++; i < STREAMS; i = next++) {
      const res = await postFrom(`127.0.1.${1 + (i % 200)}`, `${visitorBase}/sessions`, { name: `Visitante ${i}`, email: `v${i}@bench.example`, consent: true, page_url: `${ORIGIN}/produtos`, locale: 'pt-BR' }, { origin: ORIGIN })
      const data = res.data as { visitor_token?: string }
      if (res.status !== 201 || !data.visitor_token) throw new Error(`session ${i}: ${res.status} ${JSON.stringify(data)}`)
      tokens[i] = data.visitor_token
    }
  }),
)
const sessionSeconds = (performance.now() - sessionStarted) / 1000
const rssSessions = rssMb(server.pid)

// N idle streams from CLIENTS processes.
log(`opening ${STREAMS} visitor event streams from ${CLIENTS} client processes`)
const dir = tempDir('kumquat-wcbench-')
await Bun.write(join(dir, 'client.ts'), CLIENT)
const streamsStarted = performance.now()
const clients = await Promise.all(
  Array.from({ length: CLIENTS }, async (_, c) => {
    const mine = tokens.filter((_, i) => i % CLIENTS === c)
    const file = join(dir, `tokens-${c}.json`)
    await Bun.write(file, JSON.stringify(mine))
    const p = spawnChild(['/bin/sh', '-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$1"', BUN, join(dir, 'client.ts')], dir, { TOKENS: file, BASE: visitorBase, BUN_CONFIG_MAX_HTTP_REQUESTS: String(mine.length + 64) }, { stdin: 'pipe', stdout: 'pipe' })
    const nextLine = lineReader(p)
    for (;;) {
      const line = await nextLine()
      if (line === 'READY') break
      if (line.startsWith('FAIL')) throw new Error(`stream refused: ${line}`)
    }
    return { p, nextLine, count: mine.length }
  }),
)
const streamSeconds = (performance.now() - streamsStarted) / 1000
log(`all streams open; idle for ${IDLE_MS} ms`)
await Bun.sleep(IDLE_MS)
Bun.gc(true)
const rssIdle = rssMb(server.pid)

// The streams are live: the last visitor of client 0 writes; its own stream gets message.created.
const probe = clients[0].count - 1
const t0 = performance.now()
const sent = await fetch(`${visitorBase}/messages`, { method: 'POST', headers: { authorization: `Bearer ${tokens[probe * CLIENTS]}`, 'content-type': 'application/json', origin: ORIGIN }, body: JSON.stringify({ text: 'Olá! Tudo bem? 😀' }) })
if (sent.status !== 201) throw new Error(`message: ${sent.status} ${await sent.text()}`)
let probeMs = NaN
for (;;) {
  const line = await clients[0].nextLine()
  if (line === `EVENT ${probe}`) {
    probeMs = performance.now() - t0
    break
  }
  if (line.startsWith('CLOSED')) throw new Error(`a stream closed: ${line}`)
}
const rssAfter = rssMb(server.pid)
for (const c of clients) {
  c.p.stdin!.write('exit\n')
  c.p.stdin!.flush()
}

const line = (label: string, value: string, note = '') => console.log(`${label.padEnd(50)}${value.padStart(16)}  ${note}`)
console.log(`\nWebChat — visitor streams on the compiled binary (127.0.0.1), widget size`)
console.log('-'.repeat(100))
line('server RSS at start (no streams)', `${rssStart ?? '?'} MB`)
line(`visitor sessions opened (POST /sessions, 32 at a time)`, String(STREAMS), `in ${r1(sessionSeconds)} s (${Math.round(STREAMS / sessionSeconds)}/s); RSS ${rssSessions ?? '?'} MB`)
line(`idle visitor SSE streams (${CLIENTS} client processes)`, String(STREAMS), `opened in ${r1(streamSeconds)} s`)
line(`server RSS at idle with ${STREAMS} streams`, `${rssIdle ?? '?'} MB`, `goal < ${GOALS.rssMb} MB; after one message ${rssAfter ?? '?'} MB`)
line('a visitor message → its own stream', `${r1(probeMs)} ms`, `(POST /messages while ${STREAMS} streams are open)`)
line('GET /webchat.js raw', `${rawBytes} B`, `${r1(rawBytes / 1024)} KB`)
line('GET /webchat.js gzipped (as transferred)', `${gzBytes} B`, `${r1(gzBytes / 1024)} KB${served ? '' : ' — NOT served gzipped'}; gzip -9 of the file: ${localGz} B; goal < ${GOALS.widgetGzipKb} KB`)
const rssOk = rssIdle !== null && rssIdle < GOALS.rssMb
const sizeOk = gzBytes < GOALS.widgetGzipKb * 1024
line(`goal: ${STREAMS} idle streams < ${GOALS.rssMb} MB RSS`, rssOk ? 'met' : 'NOT met')
line(`goal: widget < ${GOALS.widgetGzipKb} KB gzipped`, sizeOk ? 'met' : 'NOT met')
console.log(
  JSON.stringify({
    bench: 'webchat',
    streams: STREAMS,
    clients: CLIENTS,
    sessions_per_s: Math.round(STREAMS / sessionSeconds),
    streams_open_s: r1(streamSeconds),
    server_rss_start_mb: rssStart,
    server_rss_sessions_mb: rssSessions,
    server_rss_idle_mb: rssIdle,
    probe_message_ms: r1(probeMs),
    widget_raw_bytes: rawBytes,
    widget_gzip_bytes: gzBytes,
    widget_served_gzip: served,
    goals_met: { rss: rssOk, widget_size: sizeOk },
  }),
)
process.exit(0)
