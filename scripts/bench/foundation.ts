// Foundation benchmark of the compiled binary: size, cold start, idle memory, and throughput of an
// authenticated page, an API call and a bare Bun.serve hello-world, all measured in the same run
// with the same load tool so the ratios mean something on any machine.
//
//   node_modules/.bin/bun scripts/bench/foundation.ts            (rebuilds dist/kumquat when stale)
//   BENCH_ROUNDS=3 BENCH_DURATION=4 BENCH_CONNECTIONS=50 BENCH_TOOL=autocannon node_modules/.bin/bun scripts/bench/foundation.ts
//
// The three load targets run interleaved (page, me, bare, page, me, bare, ...) and each figure is
// the median over rounds, ratios the median of per-round ratios: a shared or throttled machine
// then moves all three together instead of skewing whichever target ran during a slow spell.
//
// Prints a table and, last, one JSON line (for CI or a history file). All traffic goes to
// 127.0.0.1; every process and temp dir it makes is removed at the end, also on Ctrl-C.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'

const ROOT = resolve(import.meta.dir, '../..')
const BINARY = join(ROOT, 'dist/kumquat')
const BUN = process.execPath
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DURATION_S = Number(process.env.BENCH_DURATION ?? 4) // seconds per target per round
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const WARMUP_S = 2
const COLD_STARTS = 5
const HOST = '127.0.0.1'
const GOALS = { startMs: 300, rssMb: 120 }
const ADMIN = { email: 'bench@example.com', password: 'bench-password-1234' }

// ---- bookkeeping: every child and temp dir is cleaned up, whatever happens ------------------------
const children = new Set<Subprocess>()
const tempDirs = new Set<string>()

function cleanup() {
  for (const p of children) {
    try {
      p.kill('SIGKILL')
    } catch {}
  }
  children.clear()
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true })
  tempDirs.clear()
}
process.on('exit', cleanup)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup()
    process.exit(130)
  })
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kumquat-bench-'))
  tempDirs.add(d)
  return d
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits
const log = (msg: string) => process.stderr.write(`· ${msg}\n`)

// ---- 1. the binary, rebuilt when any source is newer ---------------------------------------------
function newestMtime(path: string): number {
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.') || entry.endsWith('.test.ts')) continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

function ensureBinary() {
  const inputs = ['src', 'views', 'migrations', 'public', 'package.json', 'scripts/build.ts'].map((p) => join(ROOT, p)).filter(existsSync)
  const sourceTime = Math.max(...inputs.map(newestMtime))
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= sourceTime) return
  log(existsSync(BINARY) ? 'dist/kumquat is older than the sources: rebuilding' : 'dist/kumquat missing: building')
  const build = Bun.spawnSync([BUN, 'scripts/build.ts'], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
  if (build.exitCode !== 0) throw new Error(`build failed (exit ${build.exitCode})`)
}

// ---- processes ----------------------------------------------------------------------------------
async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: HOST, fetch: () => new Response() })
  const port = s.port!
  await s.stop(true)
  return port
}

function kumquatEnv(dir: string, port: number): Record<string, string> {
  // Only what the run needs: no inherited KUMQUAT_* from the developer's shell. Log level stays
  // at the production default (info), so the per-request log line is part of what we measure.
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KUMQUAT_DATA_DIR: join(dir, 'data'),
    KUMQUAT_PORT: String(port),
    KUMQUAT_HOST: HOST,
    KUMQUAT_BASE_URL: `http://${HOST}:${port}`,
    // One token drives tens of thousands of requests per second here: lift the per-token API limit
    // (src/integrations/rate-limit.ts), which would otherwise answer most of them 429.
    KUMQUAT_API_RATE_PER_MINUTE: '1000000',
    KUMQUAT_API_RATE_BURST: '100000',
  }
}

function runCli(dir: string, args: string[]): string {
  const r = Bun.spawnSync([BINARY, ...args], { cwd: dir, env: kumquatEnv(dir, 3000), stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(`kumquat ${args.slice(0, 2).join(' ')} failed (exit ${r.exitCode}): ${r.stderr.toString()}`)
  return r.stdout.toString().trim()
}

/** Starts `kumquat serve` in dir; stdout/stderr go to files there (a full pipe would block pino's sync writes). */
function spawnServer(dir: string, port: number): Subprocess {
  const p = Bun.spawn([BINARY, 'serve'], {
    cwd: dir,
    env: kumquatEnv(dir, port),
    stdout: Bun.file(join(dir, 'stdout.log')),
    stderr: Bun.file(join(dir, 'stderr.log')),
  })
  children.add(p)
  return p
}

async function waitHealthy(port: number, proc: Subprocess, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with code ${proc.exitCode} before /healthz answered`)
    try {
      const res = await fetch(`http://${HOST}:${port}/healthz`)
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {}
    await sleep(2)
  }
  throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms`)
}

async function stop(proc: Subprocess) {
  proc.kill('SIGTERM')
  const exited = await Promise.race([proc.exited.then(() => true), sleep(6000).then(() => false)])
  if (!exited) proc.kill('SIGKILL')
  await proc.exited
  children.delete(proc)
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(m[1]) / 1024
}

// ---- 2. cold start --------------------------------------------------------------------------------
async function coldStart(): Promise<number> {
  const dir = tempDir() // fresh and empty: migrations, secret key and all first-run work included
  const port = await freePort()
  const t0 = performance.now()
  const proc = spawnServer(dir, port)
  await waitHealthy(port, proc)
  const ms = performance.now() - t0
  await stop(proc)
  rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
  return ms
}

// ---- 3. log in like a browser -------------------------------------------------------------------
function cookieFrom(res: Response, name: string): string | null {
  for (const c of res.headers.getSetCookie()) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c)
    if (m && m[1]) return m[1]
  }
  return null
}

async function login(base: string): Promise<string> {
  const page = await fetch(`${base}/login`, { redirect: 'manual' })
  const body = await page.text()
  if (page.status !== 200) throw new Error(`GET /login answered ${page.status}`)
  const pre = cookieFrom(page, 'kq_pre')
  const csrf = /<input[^>]*name="_csrf"[^>]*value="([^"]+)"/.exec(body)?.[1] ?? /<input[^>]*value="([^"]+)"[^>]*name="_csrf"/.exec(body)?.[1]
  if (!pre || !csrf) throw new Error('GET /login gave no kq_pre cookie or _csrf field')
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `kq_pre=${pre}`, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ _csrf: csrf, email: ADMIN.email, password: ADMIN.password, next: '/' }),
  })
  await res.arrayBuffer()
  const session = cookieFrom(res, 'kq_session')
  if (res.status !== 303 || !session) throw new Error(`POST /login answered ${res.status} without a kq_session cookie`)
  return session
}

async function expectOk(url: string, headers: Record<string, string>, what: string): Promise<number> {
  const res = await fetch(url, { headers, redirect: 'manual' })
  const body = await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`${what} answered ${res.status}, expected 200`)
  return body.byteLength
}

// ---- 4. load ------------------------------------------------------------------------------------
interface Load {
  rps: number
  p50Ms: number
  p99Ms: number
  requests: number
  errors: number // non-2xx/3xx plus socket errors
}

const cores = availableParallelism()
// On a small box the load tool and the server share the CPU; one wrk thread leaves the server a core.
const wrkThreads = Math.max(1, Math.min(2, cores - 1))
// BENCH_TOOL=autocannon forces the fallback (autocannon 9 from node_modules).
const WRK = process.env.BENCH_TOOL === 'autocannon' ? null : Bun.which('wrk')
const tool = WRK ? `wrk -t${wrkThreads} -c${CONNECTIONS} -d${DURATION_S}s --latency` : `autocannon -c ${CONNECTIONS} -d ${DURATION_S}`
// autocannon (one Node thread) saturates long before Bun.serve does: its bare figure is a floor.

function wrkMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim())
  if (!m) throw new Error(`cannot read wrk latency "${value}"`)
  const n = Number(m[1])
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000
}

async function runWrk(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const args = [WRK!, `-t${wrkThreads}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency']
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`)
  args.push(url)
  const p = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
  children.add(p)
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  await p.exited
  children.delete(p)
  if (p.exitCode !== 0) throw new Error(`wrk failed: ${err || out}`)
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1]
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1]
  const requests = Number(/(\d+) requests in/.exec(out)?.[1])
  if (!Number.isFinite(rps) || !p50 || !p99) throw new Error(`cannot parse wrk output:\n${out}`)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0
  return { rps, p50Ms: wrkMs(p50), p99Ms: wrkMs(p99), requests, errors: non2xx + socketErrors }
}

async function runAutocannon(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  // autocannon is a Node CLI; run it with node when present, else with this bun.
  const args = [Bun.which('node') ?? BUN, join(ROOT, 'node_modules/autocannon/autocannon.js'), '-c', String(CONNECTIONS), '-d', String(seconds), '--json']
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`)
  args.push(url)
  const p = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
  children.add(p)
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  await p.exited
  children.delete(p)
  if (p.exitCode !== 0) throw new Error(`autocannon failed: ${err || out}`)
  const r = JSON.parse(out)
  return { rps: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, requests: r.requests.total, errors: r.non2xx + r.errors + r.timeouts }
}

interface Target {
  name: string
  url: string
  headers: Record<string, string>
}

interface Measured {
  rounds: Load[]
  rps: number // medians over rounds
  p50Ms: number
  p99Ms: number
  errors: number // summed
}

/** Warms every target up (JIT, caches; not counted), then runs ROUNDS interleaved rounds. */
async function measureAll<K extends string>(targets: Record<K, Target>): Promise<Record<K, Measured>> {
  const run = WRK ? runWrk : runAutocannon
  const keys = Object.keys(targets) as K[]
  for (const k of keys) {
    log(`warm-up ${WARMUP_S}s: ${targets[k].name}`)
    await run(targets[k].url, targets[k].headers, WARMUP_S)
  }
  const rounds = Object.fromEntries(keys.map((k) => [k, [] as Load[]])) as Record<K, Load[]>
  for (let r = 1; r <= ROUNDS; r++) {
    for (const k of keys) {
      log(`round ${r}/${ROUNDS}, ${DURATION_S}s: ${targets[k].name}`)
      rounds[k].push(await run(targets[k].url, targets[k].headers, DURATION_S))
    }
  }
  return Object.fromEntries(
    keys.map((k) => {
      const l = rounds[k]
      return [k, { rounds: l, rps: median(l.map((x) => x.rps)), p50Ms: median(l.map((x) => x.p50Ms)), p99Ms: median(l.map((x) => x.p99Ms)), errors: l.reduce((a, x) => a + x.errors, 0) }]
    }),
  ) as Record<K, Measured>
}

async function startBare(): Promise<{ proc: Subprocess; port: number }> {
  const port = await freePort()
  const code = `Bun.serve({ port: ${port}, hostname: '${HOST}', fetch: () => new Response('hello world') })`
  const proc = Bun.spawn([BUN, '-e', code], { stdout: 'ignore', stderr: 'inherit' })
  children.add(proc)
  const deadline = performance.now() + 10_000
  for (;;) {
    try {
      const r = await fetch(`http://${HOST}:${port}/`)
      await r.arrayBuffer()
      if (r.ok) break
    } catch {}
    if (performance.now() > deadline) throw new Error('bare Bun.serve did not start')
    await sleep(5)
  }
  return { proc, port }
}

// ---- main -----------------------------------------------------------------------------------------
async function main() {
  const began = performance.now()
  ensureBinary()
  const sizeMb = statSync(BINARY).size / 1024 / 1024
  const version = Bun.spawnSync([BINARY, 'version']).stdout.toString().trim()

  log(`cold starts: ${COLD_STARTS} × spawn → first /healthz 200, each in a fresh empty dir`)
  const starts: number[] = []
  for (let i = 0; i < COLD_STARTS; i++) starts.push(await coldStart())
  const startMs = median(starts)

  log('seeding: admin create, token create, serve, log in')
  const dir = tempDir()
  runCli(dir, ['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--name', 'Bench'])
  const token = runCli(dir, ['token', 'create', '--email', ADMIN.email, '--name', 'bench'])
  const port = await freePort()
  const base = `http://${HOST}:${port}`
  const server = spawnServer(dir, port)
  await waitHealthy(port, server)
  const session = await login(base)
  const pageHeaders = { cookie: `kq_session=${session}` }
  const meHeaders = { authorization: `Bearer ${token}` }
  const pageBytes = await expectOk(`${base}/`, pageHeaders, 'GET / with the session cookie')
  const meBytes = await expectOk(`${base}/api/v1/me`, meHeaders, 'GET /api/v1/me with the bearer token')
  for (let i = 0; i < 20; i++) {
    await expectOk(`${base}/`, pageHeaders, 'GET /')
    await expectOk(`${base}/api/v1/me`, meHeaders, 'GET /api/v1/me')
  }
  await sleep(1000) // a moment without traffic: "idle"
  const idleRss = rssMb(server.pid)

  const bare = await startBare()
  const loads = await measureAll({
    page: { name: 'GET / (session cookie)', url: `${base}/`, headers: pageHeaders },
    me: { name: 'GET /api/v1/me (bearer token)', url: `${base}/api/v1/me`, headers: meHeaders },
    bare: { name: 'bare Bun.serve hello-world', url: `http://${HOST}:${bare.port}/`, headers: {} },
  })
  // wrk counts 3xx as success: make sure the page still renders (the session did not lapse).
  await expectOk(`${base}/`, pageHeaders, 'GET / after the load')
  await expectOk(`${base}/api/v1/me`, meHeaders, 'GET /api/v1/me after the load')
  const loadedRss = rssMb(server.pid)
  const peakRss = rssMb(server.pid, 'VmHWM')
  await stop(bare.proc)
  await stop(server)
  cleanup()

  // ---- report -----------------------------------------------------------------------------------
  const ok = (good: boolean) => (good ? 'ok' : 'OVER')
  const rows: [string, string, string][] = [
    ['binary size', `${round(sizeMb)} MB`, ''],
    [`start → /healthz 200 (median of ${COLD_STARTS})`, `${round(startMs)} ms`, `goal < ${GOALS.startMs} ms: ${ok(startMs < GOALS.startMs)}`],
    ['  all cold starts', starts.map((s) => `${Math.round(s)}`).join(', ') + ' ms', ''],
    ['idle RSS (after login + 42 page/API requests)', `${round(idleRss)} MB`, `goal < ${GOALS.rssMb} MB: ${ok(idleRss < GOALS.rssMb)}`],
    ['RSS after load / peak (VmHWM)', `${round(loadedRss)} / ${round(peakRss)} MB`, ''],
  ]
  const spread = (l: Measured) => l.rounds.map((x) => Math.round(x.rps)).join('/')
  const loadRow = (label: string, l: Measured, bytes?: number): [string, string, string] => [
    label,
    `${Math.round(l.rps).toLocaleString('en')} req/s`,
    `p50 ${round(l.p50Ms, 2)} ms, p99 ${round(l.p99Ms, 2)} ms${l.errors ? `, ${l.errors} ERRORS` : ''}${bytes !== undefined ? `, ${bytes} B body` : ''} (rounds: ${spread(l)})`,
  ]
  rows.push(loadRow('(a) GET / page, session cookie', loads.page, pageBytes))
  rows.push(loadRow('(b) GET /api/v1/me, bearer token', loads.me, meBytes))
  rows.push(loadRow('(c) bare Bun.serve hello-world', loads.bare))
  const ratio = (a: Measured) => median(a.rounds.map((x, i) => x.rps / loads.bare.rounds[i].rps))
  const pageRatio = ratio(loads.page)
  const meRatio = ratio(loads.me)
  rows.push(['ratio page / bare (req/s)', `${round(pageRatio, 3)}`, `median of per-round ratios; page p99 ${round(loads.page.p99Ms / loads.bare.p99Ms, 1)}× bare`])
  rows.push(['ratio me / bare (req/s)', `${round(meRatio, 3)}`, `median of per-round ratios; me p99 ${round(loads.me.p99Ms / loads.bare.p99Ms, 1)}× bare`])
  rows.push(['ratio page / me (req/s)', `${round(loads.page.rps / loads.me.rps, 3)}`, ''])

  const w0 = Math.max(...rows.map((r) => r[0].length))
  const w1 = Math.max(...rows.map((r) => r[1].length))
  console.log(`\nKumquat foundation bench — ${version}, bun ${Bun.version}, ${cores} CPUs, load: ${tool} × ${ROUNDS} interleaved rounds (+${WARMUP_S}s warm-up each), 127.0.0.1`)
  console.log('-'.repeat(w0 + w1 + 40))
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`)
  console.log('-'.repeat(w0 + w1 + 40))
  console.log(`total bench time ${Math.round((performance.now() - began) / 1000)} s`)
  const errors = loads.page.errors + loads.me.errors + loads.bare.errors
  const summary = (l: Measured) => ({ rps: Math.round(l.rps), p50_ms: l.p50Ms, p99_ms: l.p99Ms, errors: l.errors, rps_rounds: l.rounds.map((x) => Math.round(x.rps)) })
  console.log(
    JSON.stringify({
      bench: 'foundation',
      version,
      bun: Bun.version,
      cpus: cores,
      tool,
      rounds: ROUNDS,
      binary_mb: round(sizeMb, 2),
      start_ms_median: round(startMs),
      start_ms: starts.map((s) => round(s)),
      idle_rss_mb: round(idleRss),
      loaded_rss_mb: round(loadedRss),
      peak_rss_mb: round(peakRss),
      page: { ...summary(loads.page), body_bytes: pageBytes },
      me: { ...summary(loads.me), body_bytes: meBytes },
      bare: summary(loads.bare),
      ratio_page_bare: round(pageRatio, 3),
      ratio_me_bare: round(meRatio, 3),
      goals_met: startMs < GOALS.startMs && idleRss < GOALS.rssMb && errors === 0,
    }),
  )
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error)?.stack ?? err}`)
  cleanup()
  process.exit(1)
})
