// Shared by the fault suites: ONE compiled binary per test process (bun test runs the files of a
// run in one process, so the build is shared), a Kumquat started from it on a data dir of the
// test's choosing, provisioned through its own CLI and API, and signed WhatsApp deliveries.
import { afterAll, beforeAll } from 'bun:test'
import { Database } from 'bun:sqlite'
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signBody } from '../../src/channels/whatsapp/signature'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { buildBinary, freePort, killAll, run, start, tempDir, waitHealthy, type Proc } from '../e2e/support'

let built: Promise<string> | null = null

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The compiled binary (built once per process). */
export function binary(): Promise<string> {
  built ??= (async () => {
    // Shared by every file of the run, so no afterAll can remove it (and bun test fires no 'exit'):
    // named by pid, and the builds of earlier runs (dead pids) are swept here.
    for (const name of readdirSync(tmpdir())) {
      const m = /^kumquat-faults-build-(\d+)$/.exec(name)
      if (m && !alive(Number(m[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true })
    }
    const dir = join(tmpdir(), `kumquat-faults-build-${process.pid}`)
    mkdirSync(dir, { recursive: true })
    const bin = join(dir, 'kumquat')
    await buildBinary(bin)
    return bin
  })()
  return built
}

export interface Kumquat {
  proc: Proc
  base: string
  port: number
  dir: string
  dataDir: string
  bin: string
  env: Record<string, string>
  cli(args: string[], extraEnv?: Record<string, string>): ReturnType<typeof run>
  /** SIGTERM and wait (SIGKILL after 6 s). */
  stop(): Promise<number | null>
  /** A read-only look at the database (closed by the caller). */
  db(): Database
}

/** Starts the binary (copied into `dir`) on `dataDir`; waits until /healthz answers. */
export async function startKumquat(o: { dir?: string; dataDir?: string; env?: Record<string, string>; port?: number } = {}): Promise<Kumquat> {
  const src = await binary()
  const dir = o.dir ?? tempDir('kumquat-faults-run-')
  const bin = join(dir, 'kumquat')
  try {
    copyFileSync(src, bin)
  } catch {
    // already there (a restart)
  }
  const dataDir = o.dataDir ?? join(dir, 'data')
  mkdirSync(dataDir, { recursive: true })
  for (let attempt = 1; ; attempt++) {
    const port = o.port ?? freePort()
    const env = { KUMQUAT_PORT: String(port), KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...o.env }
    const proc = start(bin, ['serve'], { cwd: dir, env })
    const base = `http://127.0.0.1:${port}`
    try {
      await waitHealthy(proc, base, 20_000)
    } catch (err) {
      proc.kill()
      await proc.exited
      if (attempt >= 3 || !/in use/i.test(proc.stderr + proc.stdout)) throw err
      continue
    }
    return {
      proc,
      base,
      port,
      dir,
      dataDir,
      bin,
      env,
      cli: (args, extraEnv = {}) => run(bin, args, { cwd: dir, env: { ...env, ...extraEnv } }),
      async stop() {
        proc.kill('SIGTERM')
        const code = await proc.exitWithin(6000)
        if (code === null) {
          proc.kill('SIGKILL')
          return proc.exited
        }
        return code
      },
      db: () => new Database(join(dataDir, 'kumquat.db'), { readonly: true }),
    }
  }
}

export interface Provisioned {
  /** the admin's e-mail and password (for the pages) */
  email: string
  password: string
  token: string
  sectorId: number
  channelId: number
  webhookPath: string
  appSecret: string
  phoneNumberId: string
}

let seq = 0

/**
 * The fault suites measure the server under faults, not the API's per-token rate limit
 * (src/integrations/rate-limit.ts: 600/min, burst 100), which a fuzz run or a load burst would hit
 * first: lifted here, in the settings row the binary reads at its first API request.
 */
export function liftRateLimit(k: Pick<Kumquat, 'dataDir'>) {
  const db = new Database(join(k.dataDir, 'kumquat.db'))
  try {
    db.exec('PRAGMA busy_timeout = 5000')
    db.query('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run('integrations.rate_limit', JSON.stringify({ per_minute: 100_000, burst: 10_000 }))
  } finally {
    db.close()
  }
}

/** An admin (CLI), a token (CLI), a sector and a WhatsApp channel on the fake Graph API (API). */
export async function provision(k: Kumquat, meta: FakeMeta): Promise<Provisioned> {
  const n = ++seq
  liftRateLimit(k)
  const email = `admin${n}@faults.test`
  const created = await k.cli(['admin', 'create', '--email', email, '--password', 'faults-password-1', '--name', 'Admin'])
  if (created.code !== 0) throw new Error(`admin create: ${created.stderr}`)
  const tok = await k.cli(['token', 'create', '--email', email, '--name', 'faults'])
  if (tok.code !== 0) throw new Error(`token create: ${tok.stderr}`)
  const token = tok.stdout.trim()
  const phoneNumberId = `1088${Date.now() % 1e8}${n}`
  const accessToken = `faults-token-${n}`
  const appSecret = `faults-secret-${n}`
  await fetch(meta.url + '/_fake/numbers', { method: 'POST', body: JSON.stringify({ phone_number_id: phoneNumberId, waba_id: `20${n}`, access_token: accessToken }) })
  const sector = await api(k, token, 'POST', '/api/v1/sectors', { name: `Faults ${n}` })
  if (sector.status !== 201) throw new Error(`sector: ${sector.status} ${sector.text}`)
  const channel = await api(k, token, 'POST', '/api/v1/channels', {
    type: 'whatsapp', name: `Faults ${n}`, phone_number_id: phoneNumberId, waba_id: `20${n}`, access_token: accessToken, app_secret: appSecret,
    verify_token: `verify-${n}`, graph_base_url: meta.url, sector_id: sector.json.id,
    // No bot: its reminders would write on their own timer and blur what each fault test measures.
    bot_flow_id: null,
  })
  if (channel.status !== 201) throw new Error(`channel: ${channel.status} ${channel.text}`)
  return { email, password: 'faults-password-1', token, sectorId: sector.json.id, channelId: channel.json.id, webhookPath: new URL(channel.json.webhook_url).pathname, appSecret, phoneNumberId }
}

/**
 * The usual setting of a fault test file: the fake Graph API and a provisioned binary, started
 * before its tests and stopped (data dir removed) after them. The fields are set once beforeAll ran.
 */
export function faultRig(env: Record<string, string>): { meta: FakeMeta; k: Kumquat; p: Provisioned } {
  const rig = {} as { meta: FakeMeta; k: Kumquat; p: Provisioned }
  beforeAll(async () => {
    rig.meta = startFakeMeta()
    rig.k = await startKumquat({ env })
    rig.p = await provision(rig.k, rig.meta)
  }, 60_000)
  afterAll(async () => {
    await rig.k?.stop()
    killAll()
    await rig.meta?.stop()
    if (rig.k) rmSync(rig.k.dir, { recursive: true, force: true })
  })
  return rig
}

export interface Outgoing {
  ticket_id: number
  type: string
  text: string | null
}

/**
 * Waits until the outbox has no send left and the fake Graph API has received at least as many
 * messages as the app wrote out (`types`: the SQL condition on messages.type); returns those
 * outgoing messages in the order written.
 */
export async function untilDrained(k: Kumquat, meta: FakeMeta, types: string, timeoutMs: number, what: string): Promise<Outgoing[]> {
  const outbound = () => {
    const db = k.db()
    try {
      return {
        queued: db.query<Outgoing, []>(`SELECT ticket_id, type, text FROM messages WHERE direction = 'out' AND ${types} ORDER BY id`).all(),
        open: db.query<{ n: number }, []>("SELECT count(*) AS n FROM outbox WHERE kind = 'send' AND status IN ('pending', 'sending')").get()!.n,
      }
    } finally {
      db.close()
    }
  }
  const drained = await until(() => {
    const o = outbound()
    return o.open === 0 && meta.state.messages.length >= o.queued.length ? o : null
  }, timeoutMs, what)
  return drained.queued
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api(k: { base: string }, token: string, method: string, path: string, body?: unknown, o: { raw?: string; contentType?: string } = {}): Promise<{ status: number; text: string; json: any; ms: number }> {
  const started = performance.now()
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  const payload = o.raw ?? (body === undefined ? undefined : JSON.stringify(body))
  if (payload !== undefined) headers['content-type'] = o.contentType ?? 'application/json'
  const res = await fetch(k.base + path, { method, headers, body: payload })
  const text = await res.text()
  let json: unknown = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = null
  }
  return { status: res.status, text, json, ms: performance.now() - started }
}

let wamidSeq = 0
export const wamid = (tag = 'f') => `wamid.${tag}.${Date.now()}.${++wamidSeq}`

/** A Meta-shaped delivery of one text message from `waId`. */
export function textDelivery(phoneNumberId: string, waId: string, text: string, id = wamid()) {
  return {
    id,
    body: {
      object: 'whatsapp_business_account',
      entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '558330000000', phone_number_id: phoneNumberId },
        contacts: [{ profile: { name: `Cliente ${waId.slice(-4)}` }, wa_id: waId }],
        messages: [{ from: waId, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
      } }] }],
    },
  }
}

/** POSTs a body (object or exact string) to the webhook, signed with the app secret. */
export async function deliver(k: { base: string }, p: Pick<Provisioned, 'webhookPath' | 'appSecret'>, body: unknown, signature?: string): Promise<{ status: number; text: string; ms: number }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const started = performance.now()
  try {
    const res = await fetch(k.base + p.webhookPath, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature ?? signBody(p.appSecret, raw) } })
    return { status: res.status, text: await res.text(), ms: performance.now() - started }
  } catch (err) {
    return { status: 0, text: String(err), ms: performance.now() - started }
  }
}

/** Polls until check() is truthy (returns its value) or throws after timeoutMs. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`)
    await Bun.sleep(50)
  }
}

export const percentile = (xs: number[], p: number) => {
  if (!xs.length) return 0
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}
