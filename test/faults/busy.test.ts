// Fault: the database is busy with a long backup, then write-locked by another process for seconds
// (a backup tool or a replicator's checkpoint). Under a steady mixed load (webhooks in, agent
// replies out through the API, API reads), requests slow down but none fails.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { killAll, tempDir } from '../e2e/support'
import { api, deliver, percentile, provision, startKumquat, textDelivery, until, type Kumquat, type Provisioned } from './support'

const BALLAST_MB = 300
const LOCK_MS = 3000

let meta: FakeMeta
let k: Kumquat
let p: Provisioned
const out = tempDir('kumquat-busy-out-')
let tickets: number[] = []

beforeAll(async () => {
  meta = startFakeMeta()
  k = await startKumquat({ env: { LOG_LEVEL: 'warn' } })
  p = await provision(k, meta)
  for (let i = 0; i < 5; i++) expect((await deliver(k, p, textDelivery(p.phoneNumberId, `55839900004${i}0`, 'oi').body)).status).toBe(200)
  tickets = await until(async () => {
    const r = await api(k, p.token, 'GET', '/api/v1/tickets?limit=50')
    return r.json?.data?.length === 5 ? (r.json.data as { id: number }[]).map((t) => t.id) : null
  }, 10_000, 'five tickets')
  // A database big enough for VACUUM INTO to take a while, and media for the archive.
  const db = new Database(join(k.dataDir, 'kumquat.db'))
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('CREATE TABLE IF NOT EXISTS zz_ballast (b BLOB) STRICT')
  const insert = db.query('INSERT INTO zz_ballast (b) VALUES (randomblob(1048576))')
  db.transaction(() => {
    for (let i = 0; i < BALLAST_MB; i++) insert.run()
  }).immediate()
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  db.close()
  for (let i = 0; i < 40; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(512 * 1024))
    const sha = new Bun.CryptoHasher('sha256').update(bytes).digest('hex')
    mkdirSync(join(k.dataDir, 'media', sha.slice(0, 2)), { recursive: true })
    writeFileSync(join(k.dataDir, 'media', sha.slice(0, 2), sha), bytes)
  }
}, 120_000)

afterAll(async () => {
  await k?.stop()
  killAll()
  await meta?.stop()
  rmSync(out, { recursive: true, force: true })
  if (k) rmSync(k.dir, { recursive: true, force: true })
})

interface Sample {
  kind: 'webhook' | 'send' | 'read'
  phase: string
  status: number
  ms: number
}

/** A steady mixed load until stop() — webhooks, agent messages, reads — every answer recorded. */
function load() {
  const samples: Sample[] = []
  let phase = 'baseline'
  let running = true
  let n = 0
  const worker = async (kind: Sample['kind']) => {
    while (running) {
      const i = ++n
      const startedIn = phase // a request belongs to the phase it was sent in
      let r: { status: number; ms: number }
      if (kind === 'webhook') r = await deliver(k, p, textDelivery(p.phoneNumberId, `55839900005${i % 20}`, `carga ${i}`).body)
      else if (kind === 'send') r = await api(k, p.token, 'POST', `/api/v1/tickets/${tickets[i % tickets.length]}/messages`, { text: `resposta ${i}` })
      else r = await api(k, p.token, 'GET', `/api/v1/tickets/${tickets[i % tickets.length]}/messages?limit=20`)
      samples.push({ kind, phase: startedIn, status: r.status, ms: r.ms })
      await Bun.sleep(20)
    }
  }
  const workers = [worker('webhook'), worker('webhook'), worker('send'), worker('read')]
  return {
    samples,
    set phase(p: string) {
      phase = p
    },
    async stop() {
      running = false
      await Promise.all(workers)
    },
  }
}

const summary = (xs: Sample[]) => {
  const ms = xs.map((x) => x.ms)
  return { n: xs.length, p50: Math.round(percentile(ms, 50)), p99: Math.round(percentile(ms, 99)), max: Math.round(Math.max(0, ...ms)) }
}

test('a long backup, then a write lock held for seconds: requests slow down, none fails', async () => {
  const l = load()
  await Bun.sleep(1500)

  // 1. `kumquat backup` of a ~300 MB database and its media while the load runs.
  l.phase = 'backup'
  const backup = await k.cli(['backup', join(out, 'during-load.db')], { LOG_LEVEL: 'warn' })
  expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' })
  expect(backup.stdout).toContain('integrity ok')
  const backupMs = Math.round(backup.ms)

  // 2. Another process holds the write lock for LOCK_MS (less than busy_timeout, 5 s).
  l.phase = 'locked'
  const holder = Bun.spawn(
    [process.execPath, '-e', `
      const { Database } = require('bun:sqlite')
      const db = new Database(${JSON.stringify(join(k.dataDir, 'kumquat.db'))})
      db.exec('PRAGMA busy_timeout = 5000')
      db.exec('BEGIN IMMEDIATE')
      db.exec("INSERT INTO zz_ballast (b) VALUES (x'00')")
      console.log('locked')
      Bun.sleepSync(${LOCK_MS})
      db.exec('COMMIT')
      console.log('released')`],
    { stdout: 'pipe', stderr: 'inherit' },
  )
  const holderOut = await new Response(holder.stdout).text()
  expect(await holder.exited).toBe(0)
  expect(holderOut).toContain('released')
  l.phase = 'after'
  await Bun.sleep(1500)
  await l.stop()

  const byPhase = (ph: string) => l.samples.filter((s) => s.phase === ph)
  const failures = l.samples.filter((s) => s.status < 200 || s.status >= 300)
  const report = Object.fromEntries(['baseline', 'backup', 'locked', 'after'].map((ph) => [ph, summary(byPhase(ph))]))
  console.log(`busy: backup of ${BALLAST_MB} MB + media took ${backupMs} ms under load; latency by phase ${JSON.stringify(report)}; failures ${failures.length}/${l.samples.length}`)
  expect(failures).toEqual([])
  for (const ph of ['baseline', 'backup', 'locked']) expect(byPhase(ph).length).toBeGreaterThan(0)
  // The lock was felt (requests waited for it) but stayed under the busy timeout.
  expect(summary(byPhase('locked')).max).toBeGreaterThan(LOCK_MS * 0.5)
  expect(summary(byPhase('locked')).max).toBeLessThan(5000 + 1000)

  // Everything acknowledged is there, and the snapshot taken under load is sound.
  const snap = new Database(join(out, 'during-load.db'), { readonly: true })
  expect(snap.query<{ r: string }, []>('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' } as never)
  expect(snap.query<{ n: number }, []>('SELECT count(*) AS n FROM zz_ballast').get()!.n).toBeGreaterThanOrEqual(BALLAST_MB)
  snap.close()
}, 120_000)
