// Soak (issue 9): a realistic day compressed into `--duration` seconds against the compiled binary
// and the fake Graph API (scripts/fake-meta.ts, in this process). 200 customers write through the
// fake's customer role (POST /_fake/webhook: Meta-shaped, signed deliveries) — texts, photos, taps
// on the bot's buttons when the channel has a bot flow (the built-in one: greeting, CPF/CNPJ with
// "Pular", menu of sectors, handoff) — and read what comes back from the fake's record. 20 agents
// are API clients (a token each): available, the odd coffee break (paused), answering their
// tickets (texts, files, internal notes), accepting or declining offers that arrive on their SSE
// stream (/api/v1/events, one per agent: 20 streams), transferring to another sector or agent,
// closing. Customers arrive with a two-peak day profile; one who writes again within the reopen
// window (set to 1 minute: a day compressed) reopens their ticket; about a third come back later,
// on a new ticket, through the bot again. Comercial asks for a CSAT survey at the close (src/surveys):
// the survey list that comes is answered with a tap on a row, or now and then a typed number; the
// report counts answers given, surveys sent and answers stored.
//
//   node_modules/.bin/bun scripts/bench/soak.ts                      # 30 minutes
//   node_modules/.bin/bun scripts/bench/soak.ts --duration 600 [--customers 200] [--agents 20] [--no-bot] [--binary PATH]
//
// Reports throughput, p50/p99 latencies (webhook ack, every API call, webhook → SSE, agent reply →
// WhatsApp, customer → bot answer), the server's RSS, open file descriptors (/proc/<pid>/fd: all,
// regular files, sockets left in CLOSE_WAIT) and WAL size over time with least-squares slopes (RSS
// trends up: > 1 MB/min after the warm-up with r² > 0.5), the largest tables, and errors: 5xx,
// network errors, unexpected 4xx, dropped streams, error lines in the server log, failed
// deliveries or sends, acknowledged messages not stored exactly once, messages sent twice, tickets
// assigned twice. Races between agents (409) are counted apart, as conflicts. Prints a table and, last, one
// JSON line; exits 1 when there were errors. `runSoak()` is what test/faults/soak.test.ts calls.
// All traffic stays on 127.0.0.1; the child and the temp dir are removed at the end.
import { Database } from 'bun:sqlite'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Subprocess } from 'bun'
import { startFakeMeta, type FakeMeta, type SentMessage } from '../fake-meta'

const ROOT = resolve(import.meta.dir, '../..')

export interface SoakOptions {
  durationS: number
  customers: number
  agents: number
  /** the channel uses the built-in bot flow (customers go through it) */
  bot: boolean
  /** a compiled binary to run; built from the working tree into the temp dir when absent */
  binary?: string
  /** seconds between samples of RSS, fds and WAL (default: duration / 60, between 2 and 30) */
  sampleEveryS?: number
  /** seconds left out of the trend fits (default: 20 % of the run, between 10 and 120) */
  warmupS?: number
  /** mean idle time of a customer between conversations at the day's peak (default 30 s) */
  idlePeakS?: number
  log?: (line: string) => void
}

export interface Sample {
  t_s: number
  /** taken while the load ran (the trends use only these, after the warm-up) */
  load: boolean
  rss_mb: number
  /** every open descriptor; of them, regular files (database, WAL, media…), sockets, and sockets in CLOSE_WAIT */
  fds: number
  files: number
  sockets: number
  close_wait: number
  wal_mb: number
  db_mb: number
  /** rates over the interval since the previous sample, per second */
  webhooks_s: number
  api_s: number
  out_s: number
}

export interface Trend {
  /** least-squares slope after the warm-up, per minute */
  slope_per_min: number
  r2: number
  first: number
  last: number
  min: number
  max: number
}

export interface LatencyStats {
  n: number
  p50: number
  p99: number
  max: number
}

export interface SoakReport {
  duration_s: number
  customers: number
  agents: number
  bot: boolean
  throughput: {
    webhooks_acked: number
    webhooks_per_s: number
    status_webhooks: number
    api_requests: number
    api_per_s: number
    agent_messages: number
    outbound_to_whatsapp: number
    outbound_per_s: number
    sse_events: number
    conversations: number
    tickets: number
    closes: number
    transfers: number
    accepts: number
    declines: number
    pauses: number
    customer_media: number
    agent_files: number
    survey_answers: number
    /** surveys the server sent at a close, and answers it stored (from the database at the end) */
    surveys_sent: number
    survey_answers_stored: number
  }
  latency_ms: Record<string, LatencyStats>
  samples: Sample[]
  rss_mb: Trend
  fds: Trend & { before_load: number; after_drain: number }
  /** regular files among the descriptors (sockets follow the clients' connection pools) */
  files: Trend & { before_load: number; after_drain: number }
  close_wait_max: number
  wal_mb: { max: number; last: number }
  /** the largest tables and indexes at the end, MB */
  db_tables_mb: Record<string, number>
  rss_trend_up: boolean
  fds_stable: boolean
  conflicts: Record<string, number>
  errors: { total: number; by_kind: Record<string, number>; examples: string[] }
  checks: {
    acked_inbound: number
    acked_stored_once: number
    inbound_failed: number
    outbound_failed: number
    outbound_left_queued: number
    agent_acked: number
    agent_acked_stored: number
    sent_twice: number
    assigned_twice: number
    integrity: string
  }
  server: { exit_code: number | null; log_errors: number; log_warnings: Record<string, number> }
}

// ---- small helpers ---------------------------------------------------------------------------------

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const r1 = (x: number) => Math.round(x * 10) / 10
const r2 = (x: number) => Math.round(x * 100) / 100
const rand = (a: number, b: number) => a + Math.random() * (b - a)
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]
const expo = (mean: number) => -Math.log(1 - Math.random()) * mean

function freePort(): number {
  const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const p = l.port
  l.stop(true)
  return p
}

/** Least-squares fit of y over x (minutes); slope per minute and r². */
export function fit(points: { x: number; y: number }[]): { slope: number; r2: number } {
  const n = points.length
  if (n < 3) return { slope: 0, r2: 0 }
  const mx = points.reduce((a, p) => a + p.x, 0) / n
  const my = points.reduce((a, p) => a + p.y, 0) / n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my)
    sxx += (p.x - mx) ** 2
    syy += (p.y - my) ** 2
  }
  if (sxx === 0) return { slope: 0, r2: 0 }
  const slope = sxy / sxx
  return { slope, r2: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy) }
}

function trendOf(samples: Sample[], key: 'rss_mb' | 'fds' | 'files', warmupS: number): Trend {
  const after = samples.filter((s) => s.load && s.t_s >= warmupS)
  const use = after.length >= 3 ? after : samples
  const { slope, r2: rr } = fit(use.map((s) => ({ x: s.t_s / 60, y: s[key] })))
  const ys = use.map((s) => s[key])
  return { slope_per_min: r2(slope), r2: r2(rr), first: ys[0] ?? 0, last: ys.at(-1) ?? 0, min: Math.min(...ys), max: Math.max(...ys) }
}

/** Two peaks (late morning, mid-afternoon) over a floor: the intensity of arrivals at x ∈ [0, 1]. */
export const dayProfile = (x: number) => 0.35 + 0.65 * (Math.exp(-(((x - 0.3) / 0.12) ** 2)) + Math.exp(-(((x - 0.7) / 0.12) ** 2)))

/** A small PNG (real header and IHDR) made distinct by random bytes after IEND. */
function png(extra: number): Uint8Array<ArrayBuffer> {
  const base = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
  const out = new Uint8Array(base.length + extra)
  out.set(base)
  out.set(crypto.getRandomValues(new Uint8Array(extra)), base.length)
  return out
}

/** Reads a byte stream to its end, chunk by chunk. */
async function eachChunk(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      onChunk(value)
    }
  } finally {
    reader.releaseLock()
  }
}

/** TCP socket inode → state (hex, /proc/net/tcp: 01 established, 08 close-wait, 0A listen …). */
function tcpStates(): Map<string, string> {
  const states = new Map<string, string>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const row of readFileSync(file, 'utf8').split('\n').slice(1)) {
        const f = row.trim().split(/\s+/)
        if (f.length > 9) states.set(f[9], f[3])
      }
    } catch {}
  }
  return states
}

/** RSS and open descriptors of a process, the descriptors by kind. */
export function procStats(pid: number): { rss_mb: number; fds: number; files: number; sockets: number; close_wait: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    const links: string[] = []
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        links.push(readlinkSync(`/proc/${pid}/fd/${fd}`))
      } catch {} // closed meanwhile
    }
    const tcp = tcpStates()
    let files = 0
    let sockets = 0
    let closeWait = 0
    for (const l of links) {
      if (l.startsWith('/')) files++
      const inode = /^socket:\[(\d+)\]$/.exec(l)?.[1]
      if (inode) {
        sockets++
        if (tcp.get(inode) === '08') closeWait++ // the peer closed, we did not: a leaked connection
      }
    }
    return { rss_mb: r1(kb / 1024), fds: links.length, files, sockets, close_wait: closeWait }
  } catch {
    return { rss_mb: 0, fds: 0, files: 0, sockets: 0, close_wait: 0 }
  }
}
const sizeMb = (path: string) => (existsSync(path) ? r2(statSync(path).size / 1048576) : 0)

// ---- the soak ------------------------------------------------------------------------------------

export async function runSoak(input: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o: SoakOptions = { durationS: 1800, customers: 200, agents: 20, bot: true, ...input }
  const log = o.log ?? ((m: string) => process.stderr.write(`· ${m}\n`))
  const sampleEvery = o.sampleEveryS ?? Math.min(30, Math.max(2, Math.round(o.durationS / 60)))
  const warmupS = o.warmupS ?? Math.min(120, Math.max(10, Math.round(o.durationS * 0.2)))
  const idlePeakS = o.idlePeakS ?? 30
  const runId = Date.now().toString(36)
  const dir = mkdtempSync(join(tmpdir(), 'kumquat-soak-'))
  const dataDir = join(dir, 'data')
  let server: Subprocess<'ignore', 'pipe', 'pipe'> | null = null
  let meta: FakeMeta | null = null
  const streams: AbortController[] = []

  // ---- bookkeeping of everything measured ----
  const lat = new Map<string, number[]>()
  const errorsByKind = new Map<string, number>()
  const errorExamples: string[] = []
  const conflicts = new Map<string, number>()
  const note = (kind: string, ms: number) => (lat.get(kind) ?? lat.set(kind, []).get(kind)!).push(ms)
  const error = (kind: string, detail: string) => {
    errorsByKind.set(kind, (errorsByKind.get(kind) ?? 0) + 1)
    if (errorExamples.length < 40) errorExamples.push(`${kind}: ${detail.slice(0, 300)}`)
  }
  const conflict = (kind: string, code: string) => conflicts.set(`${kind} ${code}`, (conflicts.get(`${kind} ${code}`) ?? 0) + 1)
  const c = { webhooksAcked: 0, api: 0, agentMessages: 0, sse: 0, conversations: 0, closes: 0, transfers: 0, accepts: 0, declines: 0, pauses: 0, customerMedia: 0, agentFiles: 0, statusWebhooks: 0, surveys: 0 }
  /** customer wamid → when it was sent, and whether Kumquat acknowledged it */
  const inbound = new Map<string, { at: number; acked: boolean }>()
  const seenOnStream = new Set<string>()
  /** agent text (or caption) → when the API accepted it; deleted when it reaches the fake */
  const pendingReplies = new Map<string, number>()
  const agentAcked = new Map<string, number>()
  const serverLog = { errors: 0, warnings: new Map<string, number>() }
  let stopping = false
  const stopWaiters = new Set<() => void>()
  /** Sleeps, but wakes at once when the run is stopping. */
  const nap = (ms: number) =>
    new Promise<void>((r) => {
      if (stopping) return r()
      const done = () => {
        clearTimeout(timer)
        stopWaiters.delete(done)
        r()
      }
      const timer = setTimeout(done, ms)
      stopWaiters.add(done)
    })

  try {
    // ---- the binary, the fake, the server ----
    let bin = join(dir, 'kumquat')
    if (o.binary) copyFileSync(o.binary, bin)
    else {
      log('building the binary from the working tree')
      const b = Bun.spawnSync([process.execPath, 'scripts/build.ts', bin], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() } })
      if (b.exitCode !== 0) throw new Error(`build failed: ${b.stderr.toString()}`)
    }
    meta = startFakeMeta()
    const port = freePort()
    const base = `http://127.0.0.1:${port}`
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), KUMQUAT_PORT: String(port), KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
    const cli = async (args: string[]) => {
      const p = Bun.spawn([bin, ...args], { cwd: dir, env, stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' })
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
      if (code !== 0) throw new Error(`kumquat ${args.join(' ')}: exit ${code}: ${err}`)
      return out.trim()
    }
    await cli(['admin', 'create', '--email', 'soak@kumquat.test', '--password', 'soak-password-1', '--name', 'Soak Admin'])
    const adminToken = await cli(['token', 'create', '--email', 'soak@kumquat.test', '--name', 'soak'])

    server = Bun.spawn([bin, 'serve'], { cwd: dir, env, stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' })
    const pid = server.pid
    const readLines = async (stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) => {
      const decoder = new TextDecoder()
      let buf = ''
      await eachChunk(stream, (chunk) => {
        buf += decoder.decode(chunk, { stream: true })
        let i
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i))
          buf = buf.slice(i + 1)
        }
      })
      if (buf) onLine(buf)
    }
    const logsDone = Promise.all([
      readLines(server.stdout, (line) => {
        let entry: { level?: number; msg?: string; err?: { message?: string } } | null = null
        try {
          entry = JSON.parse(line)
        } catch {
          return
        }
        if ((entry?.level ?? 0) >= 50) {
          serverLog.errors++
          error('server log', `${entry?.msg} ${entry?.err?.message ?? ''}`)
        } else if ((entry?.level ?? 0) >= 40) serverLog.warnings.set(entry?.msg ?? '?', (serverLog.warnings.get(entry?.msg ?? '?') ?? 0) + 1)
      }),
      readLines(server.stderr, (line) => line.trim() && error('server stderr', line)),
    ])
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(base + '/healthz')).ok) break
      } catch {}
      if (server.exitCode !== null || i > 200) throw new Error('the server did not start')
      await Bun.sleep(100)
    }

    // ---- the API, timed and classified ----
    type Reply = { status: number; json: any } // eslint-disable-line @typescript-eslint/no-explicit-any
    /** Statuses that are races between agents, not errors, per kind of call. */
    const RACE: Record<string, number[]> = { accept: [404, 409], decline: [404, 409], transfer: [403, 404, 409], close: [403, 404, 409], send: [403, 404, 409], send_file: [403, 404, 409], messages: [404] }
    const call = async (kind: string, token: string, method: string, path: string, body?: unknown): Promise<Reply> => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` }
      let payload: BodyInit | undefined
      if (body instanceof FormData) payload = body
      else if (body !== undefined) {
        payload = JSON.stringify(body)
        headers['content-type'] = 'application/json'
      }
      const t0 = performance.now()
      try {
        const res = await fetch(base + path, { method, headers, body: payload })
        const text = await res.text()
        if (kind !== 'setup') {
          note(`api ${kind}`, performance.now() - t0)
          c.api++
        }
        let json = null
        try {
          json = text ? JSON.parse(text) : null
        } catch {}
        if (res.status >= 400) {
          if (RACE[kind]?.includes(res.status)) conflict(kind, json?.error?.code ?? String(res.status))
          else error(`api ${kind} ${res.status}`, `${method} ${path}: ${text}`)
        }
        return { status: res.status, json }
      } catch (err) {
        if (!stopping) error(`api ${kind} network`, `${method} ${path}: ${err}`)
        return { status: 0, json: null }
      }
    }
    const admin = async (method: string, path: string, body?: unknown) => {
      const r = await call('setup', adminToken, method, path, body)
      if (r.status >= 300) throw new Error(`setup ${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`)
      return r.json
    }

    // ---- setup: settings, sectors, channel, agents ----
    await admin('PATCH', '/api/v1/settings', { general: { reopen_window_minutes: 1 } })
    const sectorDefs = [
      { name: 'Comercial', routing: 'auto' },
      { name: 'Financeiro', routing: 'offer', offer_timeout_s: 15 },
      { name: 'Suporte', routing: 'auto' },
    ]
    const sectors: { id: number; name: string; routing: string }[] = []
    // Comercial asks for a CSAT survey at the close (stored setting; answered below if one comes).
    for (const s of sectorDefs) sectors.push(await admin('POST', '/api/v1/sectors', { ...s, require_classification: false, survey: s.name === 'Comercial' ? 'csat' : 'none' }))
    const phone = `1099${Date.now() % 1e8}`
    const secret = `soak-secret-${runId}`
    const accessToken = `soak-token-${runId}`
    await fetch(meta.url + '/_fake/numbers', { method: 'POST', body: JSON.stringify({ phone_number_id: phone, waba_id: '2099', access_token: accessToken }) })
    const channel = await admin('POST', '/api/v1/channels', {
      type: 'whatsapp', name: 'Soak', phone_number_id: phone, waba_id: '2099', access_token: accessToken, app_secret: secret,
      verify_token: 'soak-verify', graph_base_url: meta.url, sector_id: sectors[2].id, ...(o.bot ? {} : { bot_flow_id: null }),
    })
    const webhookUrl = base + new URL(channel.webhook_url).pathname
    const hasBot = channel.bot_flow_id !== null
    // Statuses for every accepted message come back as Meta sends them: sent, delivered, read.
    await fetch(meta.url + '/_fake/numbers', {
      method: 'POST',
      body: JSON.stringify({ phone_number_id: phone, waba_id: '2099', access_token: accessToken, webhook_url: webhookUrl, app_secret: secret, auto_statuses: ['sent', 'delivered', 'read'], status_delay_ms: 300 }),
    })
    const photos: string[] = []
    for (let i = 0; i < 12; i++) {
      const bytes = png(2000 + Math.floor(Math.random() * 60_000))
      const m = (await (await fetch(meta.url + '/_fake/media', { method: 'POST', body: JSON.stringify({ mime_type: 'image/png', data_base64: Buffer.from(bytes).toString('base64'), phone_number_id: phone }) })).json()) as { id: string }
      photos.push(m.id)
    }

    interface Agent {
      id: number
      name: string
      email: string
      token: string
      sectors: number[]
    }
    const agents: Agent[] = []
    for (let i = 0; i < o.agents; i++) {
      // Everyone in one sector, a third in a second one too.
      const mine = [sectors[i % 3].id, ...(i % 3 === 0 ? [sectors[(i + 1) % 3].id] : [])]
      const email = `agente${i}@kumquat.test`
      const u = await admin('POST', '/api/v1/users', { name: `Agente ${i}`, email, password: 'agent-password-1', profile: 'agent', sector_ids: mine, limits: { whatsapp: 5 } })
      agents.push({ id: u.id, name: `Agente ${i}`, email, token: '', sectors: mine })
    }
    for (let i = 0; i < agents.length; i += 5) {
      await Promise.all(agents.slice(i, i + 5).map(async (a) => (a.token = await cli(['token', 'create', '--email', a.email, '--name', 'soak']))))
    }
    log(`server pid ${pid} on ${base}; ${o.customers} customers, ${o.agents} agents, ${sectors.length} sectors (Financeiro offers), bot ${hasBot ? 'on' : 'off'}; ${o.durationS} s`)

    // ---- what the fake sent to each customer (the customers' phones) ----
    const phones = new Map<string, SentMessage[]>()
    const phoneWaiters = new Map<string, () => void>()
    let scanned = 0
    let outboundSeen = 0
    const scan = () => {
      const all = meta!.state.messages
      for (; scanned < all.length; scanned++) {
        const m = all[scanned]
        outboundSeen++
        ;(phones.get(m.waId) ?? phones.set(m.waId, []).get(m.waId)!).push(m)
        phoneWaiters.get(m.waId)?.()
        const body = m.body[m.type] as { body?: string; caption?: string } | undefined
        const key = m.type === 'text' ? body?.body : body?.caption
        const t0 = key ? pendingReplies.get(key) : undefined
        if (t0 !== undefined) {
          note('agent reply → WhatsApp', m.at - t0)
          pendingReplies.delete(key!)
        }
      }
    }
    const scanner = setInterval(scan, 25)
    /** The next message the fake sent to waId after index `from` that matches, or null after ms. */
    const nextTo = async (waId: string, from: number, match: (m: SentMessage) => boolean, ms: number): Promise<{ m: SentMessage; i: number } | null> => {
      const deadline = Date.now() + ms
      for (;;) {
        const list = phones.get(waId) ?? []
        for (let i = from; i < list.length; i++) if (match(list[i])) return { m: list[i], i }
        if (Date.now() > deadline || stopping) return null
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.max(1, deadline - Date.now()))
          phoneWaiters.set(waId, () => {
            clearTimeout(t)
            r()
          })
        })
      }
    }

    // ---- customers ----
    let wamidSeq = 0
    const started = Date.now()
    const endsAt = started + o.durationS * 1000
    const dayAt = () => Math.min(1, (Date.now() - started) / (o.durationS * 1000))
    const say = async (waId: string, name: string, message: Record<string, unknown>) => {
      const id = `wamid.soak.${runId}.${++wamidSeq}`
      const sentAt = Date.now()
      inbound.set(id, { at: sentAt, acked: false })
      // Meta retries what it gets no 200 for; so do we (same wamid), three times.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const t0 = performance.now()
        try {
          const res = await fetch(meta!.url + '/_fake/webhook', { method: 'POST', body: JSON.stringify({ url: webhookUrl, app_secret: secret, phone_number_id: phone, from: waId, name, message: { ...message, id } }) })
          const out = (await res.json()) as { status?: number; body?: string; error?: { message?: string } }
          note('webhook ack (via the fake)', performance.now() - t0)
          if (out.status === 200) {
            inbound.get(id)!.acked = true
            c.webhooksAcked++
            return sentAt
          }
          error('webhook', `${res.status} ${out.status ?? ''} ${out.body ?? out.error?.message ?? ''}`)
        } catch (err) {
          error('webhook network', String(err))
        }
        await Bun.sleep(500 * attempt)
      }
      return sentAt
    }
    const customer = async (i: number) => {
      const waId = `55839${String(10_000_000 + i).slice(-8)}`
      const name = `Cliente ${i}`
      await nap(rand(0, idlePeakS * 1000))
      let convo = 0
      while (!stopping && Date.now() < endsAt) {
        convo++
        c.conversations++
        let seen = (phones.get(waId) ?? []).length
        let sentAt = await say(waId, name, { type: 'text', text: pick(['Olá, bom dia!', 'Oi, preciso de ajuda', 'Boa tarde', `Sobre o pedido ${convo}${i}`]) })
        if (hasBot) {
          // The bot's questions: tap "Pular", pick a sector (or ask for a person now and then).
          for (let round = 0; round < 3 && !stopping; round++) {
            const q = await nextTo(waId, seen, (m) => m.type === 'interactive', round === 0 ? 4000 : 8000)
            if (!q) break
            note('customer → bot answer', q.m.at - sentAt)
            seen = q.i + 1
            await nap(rand(400, 2500))
            const inter = q.m.body.interactive as { type: string; action: { buttons?: { reply: { id: string; title: string } }[]; sections?: { rows: { id: string; title: string }[] }[] } }
            if (Math.random() < 0.08) {
              sentAt = await say(waId, name, { type: 'text', text: 'quero falar com um atendente' })
              break
            }
            const choice = inter.type === 'list' ? pick(inter.action.sections!.flatMap((s) => s.rows)) : pick(inter.action.buttons!.map((b) => b.reply))
            const kind = inter.type === 'list' ? 'list_reply' : 'button_reply'
            sentAt = await say(waId, name, { type: 'interactive', interactive: { type: kind, [kind]: { id: choice.id, title: choice.title } }, context: { from: '15551234567', id: q.m.wamid } })
            if (!choice.id.endsWith(':skip')) break // a sector picked: the handoff follows
          }
        }
        // The conversation with a person: a few messages, the odd photo.
        const chatFrom = (phones.get(waId) ?? []).length
        const rounds = Math.floor(rand(2, 6))
        for (let r = 0; r < rounds && !stopping; r++) {
          await nap(rand(1500, 5000))
          if (stopping) break
          if (Math.random() < 0.1) {
            c.customerMedia++
            await say(waId, name, { type: 'image', image: { id: pick(photos), caption: Math.random() < 0.5 ? 'segue a foto' : undefined } })
          } else await say(waId, name, { type: 'text', text: `${pick(['Certo', 'Entendi', 'Mas e o prazo?', 'Obrigado', 'Pode verificar?', 'Qual o valor?'])} (${convo}.${r})` })
        }
        // A survey (or any question) after the close: tap an answer — for a survey (row ids
        // `survey:<id>:<score>`), now and then type the score instead.
        const survey = await nextTo(waId, chatFrom, (m) => m.type === 'interactive', 8000)
        if (survey) {
          await nap(rand(500, 3000))
          const inter = survey.m.body.interactive as { type: string; action: { buttons?: { reply: { id: string; title: string } }[]; sections?: { rows: { id: string; title: string }[] }[] } }
          const choice = inter.type === 'list' ? pick(inter.action.sections?.flatMap((x) => x.rows) ?? []) : pick(inter.action.buttons?.map((b) => b.reply) ?? [])
          const kind = inter.type === 'list' ? 'list_reply' : 'button_reply'
          const typed = choice && /^survey:\d+:\d+$/.test(choice.id) && Math.random() < 0.3 ? choice.id.split(':')[2] : null
          if (choice && !stopping) {
            // Only survey rows count as answers (the same wait also catches a bot menu of a new conversation).
            if (/^survey:\d+:\d+$/.test(choice.id)) c.surveys++
            if (typed) await say(waId, name, { type: 'text', text: typed })
            else await say(waId, name, { type: 'interactive', interactive: { type: kind, [kind]: { id: choice.id, title: choice.title } }, context: { from: '15551234567', id: survey.m.wamid } })
          }
        }
        // Then the customer is away for a while (less at the day's peaks, longer in the quiet
        // hours): mostly back soon with one more thing (the same ticket, reopened within the
        // 1-minute window), sometimes later in the day (a new ticket, through the bot again).
        const away = Math.random() < 0.3 ? expo(4 * idlePeakS * 1000) : expo(idlePeakS * 1000)
        await nap(away / dayProfile(dayAt()))
      }
    }

    // ---- agents ----
    const agentSim = (a: Agent) => {
      let wake: (() => void) | null = null
      const offers = new Set<number>()
      const poke = () => wake?.()
      const tickets = new Map<number, { updated: string; lastSeen: number; lastIn: number; answered: number; replies: number; target: number }>()
      let replySeq = 0
      let pausedUntil = 0

      const stream = async () => {
        let lastId = ''
        while (!stopping) {
          const ac = new AbortController()
          streams.push(ac)
          try {
            const res = await fetch(base + '/api/v1/events', { headers: { authorization: `Bearer ${a.token}`, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }, signal: ac.signal })
            if (res.status !== 200) throw new Error(`status ${res.status}`)
            const decoder = new TextDecoder()
            let buf = ''
            await eachChunk(res.body!, (chunk) => {
              buf += decoder.decode(chunk, { stream: true })
              let cut
              while ((cut = buf.indexOf('\n\n')) >= 0) {
                const block = buf.slice(0, cut)
                buf = buf.slice(cut + 2)
                let event = 'message'
                let data = ''
                for (const line of block.split('\n')) {
                  if (line.startsWith('event:')) event = line.slice(6).trim()
                  else if (line.startsWith('data:')) data += line.slice(5).trimStart()
                  else if (line.startsWith('id:')) lastId = line.slice(3).trim()
                }
                if (!data) continue
                c.sse++
                const ev = JSON.parse(data)
                if (event === 'message.created' && ev.direction === 'in' && ev.external_id && !seenOnStream.has(ev.external_id)) {
                  const sent = inbound.get(ev.external_id)
                  if (sent) {
                    seenOnStream.add(ev.external_id)
                    note('webhook → SSE message.created', Date.now() - sent.at)
                  }
                }
                if (event === 'ticket.updated' && ev.offer?.user_id === a.id && ev.offer.status === 'pending') {
                  offers.add(ev.id)
                  poke()
                } else if ((event === 'message.created' || event === 'ticket.updated') && (ev.ticket?.assignee_id ?? ev.assignee_id) === a.id) poke()
              }
            })
            if (!stopping) error('sse', `${a.name}: the stream ended`)
          } catch (err) {
            if (!stopping) error('sse', `${a.name}: ${err}`)
          }
          if (!stopping) await nap(1000)
        }
      }

      const reply = async (ticketId: number) => {
        const text = `${a.name}: ${pick(['Olá! Vou verificar.', 'Um momento, por favor.', 'Prontinho, resolvido.', 'Pode me confirmar o número do pedido?', 'Encaminhei para o setor.'])} #${a.id}.${++replySeq}`
        const dice = Math.random()
        if (dice < 0.05) await call('note', a.token, 'POST', `/api/v1/tickets/${ticketId}/messages`, { note: `anotação interna ${replySeq}` })
        if (dice > 0.92) {
          const form = new FormData()
          form.set('file', new File([png(1000 + Math.floor(Math.random() * 30_000))], 'comprovante.png', { type: 'image/png' }))
          form.set('caption', text)
          pendingReplies.set(text, Date.now()) // before the call: the send may reach the fake first
          const r = await call('send_file', a.token, 'POST', `/api/v1/tickets/${ticketId}/messages`, form)
          if (r.status === 201) {
            c.agentFiles++
            c.agentMessages++
            agentAcked.set(text, r.json.id)
          } else pendingReplies.delete(text)
          return r.status === 201
        }
        pendingReplies.set(text, Date.now())
        const r = await call('send', a.token, 'POST', `/api/v1/tickets/${ticketId}/messages`, { text })
        if (r.status === 201) {
          c.agentMessages++
          agentAcked.set(text, r.json.id)
        } else pendingReplies.delete(text)
        return r.status === 201
      }

      const finish = async (t: { id: number; sector_id: number }) => {
        const dice = Math.random()
        if (dice < 0.12) {
          const to = pick(sectors.filter((s) => s.id !== t.sector_id))
          const r = await call('transfer', a.token, 'POST', `/api/v1/tickets/${t.id}/transfer`, { sector_id: to.id, note: 'assunto de outro setor' })
          if (r.status === 200) c.transfers++
        } else if (dice < 0.17) {
          const peer = pick(agents.filter((x) => x.id !== a.id && x.sectors.includes(t.sector_id)))
          const r = peer && (await call('transfer', a.token, 'POST', `/api/v1/tickets/${t.id}/transfer`, { user_id: peer.id, note: 'pode continuar?' }))
          if (r && r.status === 200) c.transfers++
        } else {
          const r = await call('close', a.token, 'POST', `/api/v1/tickets/${t.id}/close`, { note: 'resolvido' })
          if (r.status === 200) c.closes++
        }
        tickets.delete(t.id)
      }

      const work = async () => {
        await call('presence', a.token, 'PUT', '/api/v1/me/presence', { status: 'available' })
        while (!stopping) {
          await Promise.race([nap(rand(1500, 2500)), new Promise<void>((r) => (wake = r))])
          wake = null
          if (stopping) break
          // Offers on the stream: accept (or now and then decline) after a look.
          for (const id of [...offers]) {
            offers.delete(id)
            await nap(rand(200, 1500))
            if (stopping) break
            if (Math.random() < 0.1) {
              const r = await call('decline', a.token, 'POST', `/api/v1/tickets/${id}/decline`)
              if (r.status === 200) c.declines++
            } else {
              const r = await call('accept', a.token, 'POST', `/api/v1/tickets/${id}/accept`)
              if (r.status === 200) c.accepts++
            }
          }
          // A coffee break now and then (new tickets stop coming; open ones are still answered).
          const now = Date.now()
          if (pausedUntil && now > pausedUntil) {
            pausedUntil = 0
            await call('presence', a.token, 'PUT', '/api/v1/me/presence', { status: 'available' })
          } else if (!pausedUntil && Math.random() < 0.004) {
            pausedUntil = now + rand(5000, 15000)
            c.pauses++
            await call('presence', a.token, 'PUT', '/api/v1/me/presence', { status: 'paused', reason: 'café' })
          }
          const list = await call('list', a.token, 'GET', `/api/v1/tickets?assignee_id=${a.id}&status=open&limit=50`)
          if (list.status !== 200) continue
          for (const t of list.json.data as { id: number; sector_id: number; updated_at: string }[]) {
            if (stopping) break
            let s = tickets.get(t.id)
            if (!s) tickets.set(t.id, (s = { updated: '', lastSeen: 0, lastIn: 0, answered: 0, replies: 0, target: Math.floor(rand(2, 5)) }))
            if (s.updated === t.updated_at) continue
            const cursor = s.lastSeen ? `&cursor=${Buffer.from(String(s.lastSeen)).toString('base64url')}` : ''
            const msgs = await call('messages', a.token, 'GET', `/api/v1/tickets/${t.id}/messages?limit=200${cursor}`)
            if (msgs.status !== 200) continue
            s.updated = t.updated_at
            for (const m of msgs.json.data as { id: number; direction: string }[]) {
              s.lastSeen = Math.max(s.lastSeen, m.id)
              if (m.direction === 'in') s.lastIn = Math.max(s.lastIn, m.id)
            }
            if (s.lastIn > s.answered) {
              await nap(rand(300, 1500)) // typing
              if (stopping) break
              if (await reply(t.id)) {
                s.answered = s.lastIn
                s.replies++
              }
            } else if (s.replies >= s.target) await finish(t)
          }
        }
      }
      return [stream(), work()]
    }

    // ---- sampling ----
    const samples: Sample[] = []
    let prev = { t: Date.now(), webhooks: 0, api: 0, out: 0 }
    /** The fake's status webhooks (sent, delivered, read) that came back: each must be a 200. */
    const checkStatusWebhooks = () => {
      const open = []
      for (const w of meta!.state.webhooks) {
        if (w.status === null && w.error === null) {
          open.push(w)
          continue
        }
        const value = (w.payload as { entry?: { changes?: { value?: { statuses?: unknown[] } }[] }[] })?.entry?.[0]?.changes?.[0]?.value
        if (!value?.statuses) continue // a customer's message: accounted for by say()
        c.statusWebhooks++
        if (w.status !== 200 && !stopping) error('status webhook', `${w.status ?? ''} ${w.error ?? ''}`)
      }
      // The fake logs every request and webhook: keep only what is still in flight (counters stay).
      meta!.state.webhooks = open
      meta!.state.requests.length = 0
    }
    const sample = () => {
      const now = Date.now()
      const ps = procStats(pid)
      scan()
      checkStatusWebhooks()
      if (samples.length === 0) prev = { t: now, webhooks: c.webhooksAcked, api: c.api, out: outboundSeen }
      const dt = Math.max(0.001, (now - prev.t) / 1000)
      const s: Sample = {
        t_s: Math.round((now - started) / 1000),
        load: !stopping && now < endsAt,
        rss_mb: ps.rss_mb,
        fds: ps.fds,
        files: ps.files,
        sockets: ps.sockets,
        close_wait: ps.close_wait,
        wal_mb: sizeMb(join(dataDir, 'kumquat.db-wal')),
        db_mb: sizeMb(join(dataDir, 'kumquat.db')),
        webhooks_s: r1((c.webhooksAcked - prev.webhooks) / dt),
        api_s: r1((c.api - prev.api) / dt),
        out_s: r1((outboundSeen - prev.out) / dt),
      }
      prev = { t: now, webhooks: c.webhooksAcked, api: c.api, out: outboundSeen }
      samples.push(s)
      log(`t=${String(s.t_s).padStart(5)} s  rss ${s.rss_mb} MB  fds ${s.fds} (${s.files} files, ${s.sockets} sockets${s.close_wait ? `, ${s.close_wait} close-wait` : ''})  wal ${s.wal_mb} MB  db ${s.db_mb} MB  webhooks ${s.webhooks_s}/s  api ${s.api_s}/s  out ${s.out_s}/s`)
      if (server!.exitCode !== null) error('server', `exited with ${server!.exitCode}`)
    }
    sample()
    const before = samples[0]
    const sampler = setInterval(sample, sampleEvery * 1000)

    // ---- run ----
    const work = [...Array.from({ length: o.customers }, (_, i) => customer(i)), ...agents.flatMap(agentSim)]
    const ender = setTimeout(() => {
      stopping = true
      for (const w of [...stopWaiters]) w()
      for (const ac of streams) ac.abort()
    }, o.durationS * 1000)
    await Promise.all(work)
    clearTimeout(ender)
    clearInterval(sampler)
    sample()
    const loadSeconds = (Date.now() - started) / 1000

    // ---- drain: what was acknowledged gets processed, what was queued goes out ----
    const db = new Database(join(dataDir, 'kumquat.db'), { readonly: true })
    const n = (sql: string) => db.query<{ n: number }, []>(sql).get()!.n
    const drainBy = Date.now() + 60_000
    while (Date.now() < drainBy) {
      const pending = n("SELECT count(*) AS n FROM inbound_events WHERE status = 'pending'") + n("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')") + n("SELECT count(*) AS n FROM media WHERE status = 'pending'")
      if (pending === 0) break
      await Bun.sleep(200)
    }
    await Bun.sleep(1000) // the last statuses and fake records
    scan()
    sample()
    const after = samples.at(-1)!
    clearInterval(scanner)

    // ---- checks ----
    const stored = new Map(db.query<{ external_id: string; n: number }, []>("SELECT external_id, count(*) AS n FROM messages WHERE direction = 'in' AND external_id IS NOT NULL GROUP BY external_id").all().map((r) => [r.external_id, r.n]))
    const acked = [...inbound].filter(([, x]) => x.acked)
    const storedOnce = acked.filter(([id]) => stored.get(id) === 1).length
    for (const [id] of acked) if (stored.get(id) !== 1) error('lost or doubled', `${id} stored ${stored.get(id) ?? 0} times`)
    const inboundFailed = n("SELECT count(*) AS n FROM inbound_events WHERE status = 'failed'")
    const outboundFailed = n("SELECT count(*) AS n FROM messages WHERE direction = 'out' AND status = 'failed'")
    const leftQueued = n("SELECT count(*) AS n FROM messages WHERE direction = 'out' AND status = 'queued'")
    if (inboundFailed) error('inbound failed', `${inboundFailed} deliveries failed processing`)
    if (outboundFailed) error('outbound failed', `${outboundFailed} messages failed`)
    if (leftQueued) error('outbound stuck', `${leftQueued} messages still queued after the drain`)
    const mediaFailed = n("SELECT count(*) AS n FROM media WHERE status = 'failed'")
    if (mediaFailed) error('media failed', `${mediaFailed} media downloads failed`)
    // Agent messages the API acknowledged: stored once (texts and captions are unique).
    const agentRows = new Map<string, number[]>()
    for (const r of db.query<{ id: number; text: string }, []>("SELECT id, text FROM messages WHERE author = 'agent' AND direction = 'out' AND type != 'note' AND text IS NOT NULL").all()) {
      agentRows.set(r.text, [...(agentRows.get(r.text) ?? []), r.id])
    }
    let agentStored = 0
    for (const [text, id] of agentAcked) {
      const rows = agentRows.get(text) ?? []
      if (rows.length === 1 && rows[0] === id) agentStored++
      else error('agent message', `${text}: stored ${rows.length} times`)
    }
    // Nothing reached WhatsApp twice: every wamid the fake issued belongs to one message, and no
    // agent text went out twice.
    const outIds = new Map(db.query<{ external_id: string; n: number }, []>("SELECT external_id, count(*) AS n FROM messages WHERE direction = 'out' AND external_id IS NOT NULL GROUP BY external_id").all().map((r) => [r.external_id, r.n]))
    const textsOut = new Map<string, number>()
    let sentTwice = 0
    for (const m of meta.state.messages) {
      if (outIds.get(m.wamid) !== 1) {
        sentTwice++
        error('sent without a message (or twice)', `${m.wamid} to ${m.waId}`)
      }
      const body = m.body[m.type] as { body?: string; caption?: string } | undefined
      const key = m.type === 'text' ? body?.body : body?.caption
      if (key && agentAcked.has(key)) textsOut.set(key, (textsOut.get(key) ?? 0) + 1)
    }
    for (const [text, times] of textsOut) if (times > 1) (sentTwice++, error('sent twice', text))
    // No ticket assigned twice (replaying each ticket's history).
    let assignedTwice = 0
    const holder = new Map<number, number | null>()
    for (const h of db.query<{ ticket_id: number; action: string; to_user_id: number | null }, []>('SELECT ticket_id, action, to_user_id FROM ticket_history ORDER BY id').all()) {
      if (h.action === 'assigned') {
        if ((holder.get(h.ticket_id) ?? null) !== null) (assignedTwice++, error('assigned twice', `ticket ${h.ticket_id}`))
        holder.set(h.ticket_id, h.to_user_id)
      } else if (h.action === 'transferred') holder.set(h.ticket_id, h.to_user_id)
      else if (h.action === 'closed' || h.action === 'reopened') holder.set(h.ticket_id, null)
    }
    const tickets = n('SELECT count(*) AS n FROM tickets')
    const surveysSent = n('SELECT count(*) AS n FROM surveys')
    const surveysAnswered = n('SELECT count(*) AS n FROM surveys WHERE answered_at IS NOT NULL')
    // Where the database's size went (dbstat, when this SQLite has it).
    let tables: Record<string, number> = {}
    try {
      tables = Object.fromEntries(
        db.query<{ name: string; mb: number }, []>('SELECT name, round(sum(pgsize) / 1048576.0, 2) AS mb FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 8').all().map((r) => [r.name, r.mb]),
      )
    } catch {}
    db.close()
    const integrity = (() => {
      const d = new Database(join(dataDir, 'kumquat.db'), { readonly: true })
      try {
        return String(Object.values(d.query<Record<string, string>, []>('PRAGMA quick_check').get() ?? {})[0])
      } finally {
        d.close()
      }
    })()
    if (integrity !== 'ok') error('integrity', integrity)

    // ---- stop the server cleanly ----
    server.kill('SIGTERM')
    const exit = await Promise.race([server.exited, Bun.sleep(15_000).then(() => null)])
    if (exit === null) {
      error('server', 'did not stop within 15 s of SIGTERM')
      server.kill('SIGKILL')
    } else if (exit !== 0) error('server', `exit code ${exit} after SIGTERM`)
    await Promise.race([logsDone, Bun.sleep(2000)])

    const latency: Record<string, LatencyStats> = {}
    for (const [k, xs] of [...lat].sort(([a], [b]) => a.localeCompare(b))) latency[k] = { n: xs.length, p50: r1(pct(xs, 50)), p99: r1(pct(xs, 99)), max: r1(Math.max(...xs)) }
    const rss = trendOf(samples, 'rss_mb', warmupS)
    const fds = { ...trendOf(samples, 'fds', warmupS), before_load: before.fds, after_drain: after.fds }
    const files = { ...trendOf(samples, 'files', warmupS), before_load: before.files, after_drain: after.files }
    const closeWaitMax = Math.max(...samples.map((s) => s.close_wait))
    const total = [...errorsByKind.values()].reduce((a, b) => a + b, 0)
    return {
      duration_s: Math.round(loadSeconds),
      customers: o.customers,
      agents: o.agents,
      bot: hasBot,
      throughput: {
        webhooks_acked: c.webhooksAcked,
        webhooks_per_s: r1(c.webhooksAcked / loadSeconds),
        status_webhooks: c.statusWebhooks,
        api_requests: c.api,
        api_per_s: r1(c.api / loadSeconds),
        agent_messages: c.agentMessages,
        outbound_to_whatsapp: outboundSeen,
        outbound_per_s: r1(outboundSeen / loadSeconds),
        sse_events: c.sse,
        conversations: c.conversations,
        tickets,
        closes: c.closes,
        transfers: c.transfers,
        accepts: c.accepts,
        declines: c.declines,
        pauses: c.pauses,
        customer_media: c.customerMedia,
        agent_files: c.agentFiles,
        survey_answers: c.surveys,
        surveys_sent: surveysSent,
        survey_answers_stored: surveysAnswered,
      },
      latency_ms: latency,
      samples,
      rss_mb: rss,
      fds,
      wal_mb: { max: Math.max(...samples.map((s) => s.wal_mb)), last: samples.at(-1)?.wal_mb ?? 0 },
      db_tables_mb: tables,
      // Up: more than 1 MB a minute after the warm-up, and a real trend (not noise).
      rss_trend_up: rss.slope_per_min > 1 && rss.r2 > 0.5,
      files,
      close_wait_max: closeWaitMax,
      // Stable: files within a small band under load and back where they were after it; no socket
      // left half-closed by the server; all descriptors within the clients' connection pools (the
      // pools of this process and of the fake grow to the peak concurrency and are kept alive).
      fds_stable: files.max - files.min <= 10 && files.last - files.first <= 5 && after.files - before.files <= 5 && closeWaitMax <= 5 && fds.max <= before.fds + 50 + 4 * o.agents,
      conflicts: Object.fromEntries([...conflicts].sort(([a], [b]) => a.localeCompare(b))),
      errors: { total, by_kind: Object.fromEntries(errorsByKind), examples: errorExamples },
      checks: {
        acked_inbound: acked.length,
        acked_stored_once: storedOnce,
        inbound_failed: inboundFailed,
        outbound_failed: outboundFailed,
        outbound_left_queued: leftQueued,
        agent_acked: agentAcked.size,
        agent_acked_stored: agentStored,
        sent_twice: sentTwice,
        assigned_twice: assignedTwice,
        integrity,
      },
      server: { exit_code: exit, log_errors: serverLog.errors, log_warnings: Object.fromEntries(serverLog.warnings) },
    }
  } finally {
    stopping = true
    for (const w of [...stopWaiters]) w()
    for (const ac of streams) ac.abort()
    if (server && server.exitCode === null) server.kill('SIGKILL')
    await meta?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The report as a table (and the RSS/fds/WAL series), for people. */
export function formatReport(r: SoakReport): string {
  const lines: string[] = []
  const line = (label: string, value: string) => lines.push(`${label.padEnd(40)}${value}`)
  lines.push(`\nSoak — ${r.duration_s} s, ${r.customers} customers, ${r.agents} agents (API + SSE), bot ${r.bot ? 'on' : 'off'}`)
  lines.push('-'.repeat(100))
  const t = r.throughput
  line('customer messages acknowledged', `${t.webhooks_acked} (${t.webhooks_per_s}/s), ${t.customer_media} photos; ${t.status_webhooks} status webhooks`)
  line('API requests', `${t.api_requests} (${t.api_per_s}/s); ${t.sse_events} SSE events received`)
  line('outbound to WhatsApp', `${t.outbound_to_whatsapp} (${t.outbound_per_s}/s), ${t.agent_messages} by agents (${t.agent_files} files)`)
  line('conversations / tickets', `${t.conversations} / ${t.tickets}; ${t.accepts} offers accepted, ${t.declines} declined, ${t.transfers} transfers, ${t.closes} closes, ${t.pauses} breaks; surveys: ${t.surveys_sent} sent, ${t.survey_answers} answers given, ${t.survey_answers_stored} stored`)
  lines.push('\nlatency (ms)                            n        p50      p99      max')
  for (const [k, v] of Object.entries(r.latency_ms)) lines.push(`  ${k.padEnd(38)}${String(v.n).padStart(7)}${String(v.p50).padStart(9)}${String(v.p99).padStart(9)}${String(v.max).padStart(9)}`)
  lines.push('\nover time:  t(s)  rss(MB)  fds (files/sockets)  wal(MB)  db(MB)  webhooks/s  api/s  out/s')
  for (const s of r.samples) lines.push(`         ${String(s.t_s).padStart(6)} ${String(s.rss_mb).padStart(8)} ${String(s.fds).padStart(4)} ${`(${s.files}/${s.sockets})`.padStart(10)}      ${String(s.wal_mb).padStart(8)} ${String(s.db_mb).padStart(7)} ${String(s.webhooks_s).padStart(11)} ${String(s.api_s).padStart(6)} ${String(s.out_s).padStart(6)}${s.load ? '' : '  (after the load)'}`)
  lines.push('')
  line('RSS after warm-up', `${r.rss_mb.first} → ${r.rss_mb.last} MB (min ${r.rss_mb.min}, max ${r.rss_mb.max}); slope ${r.rss_mb.slope_per_min} MB/min, r² ${r.rss_mb.r2}: ${r.rss_trend_up ? 'TRENDS UP' : 'no growth trend'}`)
  line('open fds after warm-up', `${r.fds.first} → ${r.fds.last} (min ${r.fds.min}, max ${r.fds.max}); slope ${r.fds.slope_per_min}/min; ${r.fds.before_load} before the load, ${r.fds.after_drain} after`)
  line('  of them regular files', `${r.files.first} → ${r.files.last} (min ${r.files.min}, max ${r.files.max}); ${r.files.before_load} before the load, ${r.files.after_drain} after; CLOSE_WAIT sockets at most ${r.close_wait_max}: ${r.fds_stable ? 'stable' : 'NOT stable'}`)
  line('WAL', `max ${r.wal_mb.max} MB, at the end ${r.wal_mb.last} MB`)
  line('database', `${r.samples.at(-1)?.db_mb ?? 0} MB; largest: ${Object.entries(r.db_tables_mb).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  const k = r.checks
  line('acknowledged customer messages', `${k.acked_stored_once}/${k.acked_inbound} stored exactly once; ${k.inbound_failed} failed processing`)
  line('agent messages', `${k.agent_acked_stored}/${k.agent_acked} acknowledged stored once; ${k.outbound_failed} outbound failed, ${k.outbound_left_queued} left queued, ${k.sent_twice} sent twice`)
  line('assignments', `${k.assigned_twice} tickets assigned twice; integrity ${k.integrity}`)
  line('conflicts (races, not errors)', JSON.stringify(r.conflicts))
  line('server', `exit ${r.server.exit_code} after SIGTERM; ${r.server.log_errors} error lines; warnings ${JSON.stringify(r.server.log_warnings)}`)
  line('errors', `${r.errors.total} ${JSON.stringify(r.errors.by_kind)}`)
  for (const e of r.errors.examples.slice(0, 10)) lines.push(`  ${e}`)
  return lines.join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '1800' },
      customers: { type: 'string', default: '200' },
      agents: { type: 'string', default: '20' },
      'no-bot': { type: 'boolean', default: false },
      binary: { type: 'string' },
      sample: { type: 'string' },
    },
  })
  process.on('SIGINT', () => process.exit(130))
  const report = await runSoak({
    durationS: Number(values.duration),
    customers: Number(values.customers),
    agents: Number(values.agents),
    bot: !values['no-bot'],
    binary: values.binary,
    sampleEveryS: values.sample ? Number(values.sample) : undefined,
  })
  console.log(formatReport(report))
  const { samples, ...summary } = report
  console.log(JSON.stringify({ bench: 'soak', ...summary, samples: samples.map((s) => [s.t_s, s.rss_mb, s.fds, s.files, s.sockets, s.wal_mb]) }))
  process.exit(report.errors.total === 0 ? 0 : 1)
}
