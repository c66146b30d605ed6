// Crash test (issue 3): kill -9 the compiled binary in the middle of a burst of signed webhooks,
// restart it, redeliver what was not acknowledged (as Meta would), and check that every
// acknowledged message exists exactly once and nothing was lost or doubled.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { copyFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { signBody } from '../../src/channels/whatsapp/signature'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { buildBinary, freePort, killAll, run, start, tempDir, waitHealthy, type Proc } from './support'

const SECRET = 'crash-app-secret'
const PHONE = '1077000001'
const TOTAL = 600
const KILL_AFTER_ACKS = 150

let meta: FakeMeta
let dir = ''
let bin = ''
let port = 0
let base = ''
let server: Proc
const temps: string[] = []
const env = () => ({ KUMQUAT_PORT: String(port), KUMQUAT_HOST: '127.0.0.1', LOG_LEVEL: 'warn' })

beforeAll(async () => {
  const build = tempDir('kumquat-crash-build-')
  dir = tempDir('kumquat-crash-run-')
  temps.push(build, dir)
  await buildBinary(join(build, 'kumquat'))
  bin = join(dir, 'kumquat')
  copyFileSync(join(build, 'kumquat'), bin)
  meta = startFakeMeta()
  await fetch(meta.url + '/_fake/numbers', { method: 'POST', body: JSON.stringify({ phone_number_id: PHONE, waba_id: '2077', access_token: 'crash-token' }) })
  port = freePort()
  base = `http://127.0.0.1:${port}`
  server = start(bin, ['serve'], { cwd: dir, env: env() })
  await waitHealthy(server, base)
}, 180_000)

afterAll(async () => {
  killAll()
  await meta?.stop()
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

function delivery(i: number) {
  const waId = `55839${String(i % 40).padStart(8, '0')}`
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '558330000000', phone_number_id: PHONE },
      contacts: [{ profile: { name: `Cliente ${i % 40}` }, wa_id: waId }],
      messages: [{ from: waId, id: `wamid.crash.${i}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `mensagem ${i}` } }],
    } }] }],
  })
  return { body, signature: signBody(SECRET, body) }
}

test('kill -9 during a burst: every acknowledged message exists exactly once after restart and redelivery', async () => {
  const cli = (args: string[]) => run(bin, args, { cwd: dir, env: env() })
  expect((await cli(['admin', 'create', '--email', 'crash@example.com', '--password', 'crash-password-1'])).code).toBe(0)
  const token = (await cli(['token', 'create', '--email', 'crash@example.com', '--name', 'crash'])).stdout.trim()
  expect(token).toStartWith('kq_')
  const post = async (path: string, body: unknown) => {
    const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (res.status !== 201) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`) // say why, if it ever fails
    return res.json()
  }
  const sector = (await post('/api/v1/sectors', { name: 'Crash' })) as { id: number }
  const channel = (await post('/api/v1/channels', {
    type: 'whatsapp', name: 'Crash', phone_number_id: PHONE, waba_id: '2077', access_token: 'crash-token', app_secret: SECRET,
    verify_token: 'crash-verify', graph_base_url: meta.url, sector_id: sector.id,
  })) as { webhook_url: string }
  const path = new URL(channel.webhook_url).pathname

  // The burst: 16 senders; after KILL_AFTER_ACKS acknowledgements the server is killed mid-flight.
  const acked = new Set<number>()
  let next = 0
  let killed = false
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < TOTAL) {
        const i = next++
        const d = delivery(i)
        try {
          const res = await fetch(base + path, { method: 'POST', body: d.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': d.signature } })
          if (res.status === 200) acked.add(i)
        } catch {
          // connection refused or reset: not acknowledged, Meta would retry
        }
        if (!killed && acked.size >= KILL_AFTER_ACKS) {
          killed = true
          server.kill('SIGKILL')
        }
      }
    }),
  )
  expect(killed).toBe(true)
  await server.exited
  expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS)
  expect(acked.size).toBeLessThan(TOTAL)

  // Restart on the same data; Meta redelivers everything it has no 200 for, and (as it does)
  // some deliveries that were acknowledged too.
  server = start(bin, ['serve'], { cwd: dir, env: env() })
  await waitHealthy(server, base)
  const redeliver = [...Array(TOTAL).keys()].filter((i) => !acked.has(i) || i % 10 === 0)
  for (const i of redeliver) {
    const d = delivery(i)
    const res = await fetch(base + path, { method: 'POST', body: d.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': d.signature } })
    expect(res.status).toBe(200)
  }

  // Processing finishes; then look at the database itself.
  const deadline = Date.now() + 60_000
  let pending = -1
  while (Date.now() < deadline) {
    const db = new Database(join(dir, 'data', 'kumquat.db'), { readonly: true })
    pending = db.query<{ n: number }, []>("SELECT count(*) AS n FROM inbound_events WHERE status = 'pending'").get()!.n
    db.close()
    if (pending === 0) break
    await Bun.sleep(200)
  }
  expect(pending).toBe(0)
  server.kill('SIGTERM')
  await server.exited

  const db = new Database(join(dir, 'data', 'kumquat.db'), { readonly: true })
  const rows = db.query<{ external_id: string; n: number }, []>("SELECT external_id, count(*) AS n FROM messages WHERE direction = 'in' GROUP BY external_id").all()
  const counts = new Map(rows.map((r) => [r.external_id, r.n]))
  for (let i = 0; i < TOTAL; i++) expect({ i, n: counts.get(`wamid.crash.${i}`) ?? 0 }).toEqual({ i, n: 1 })
  expect(rows.length).toBe(TOTAL)
  // One ticket per customer (40), each with one protocol number; no failed deliveries.
  expect(db.query<{ n: number }, []>('SELECT count(*) AS n FROM tickets').get()!.n).toBe(40)
  expect(db.query<{ n: number }, []>('SELECT count(DISTINCT protocol) AS n FROM tickets').get()!.n).toBe(40)
  expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM inbound_events WHERE status = 'failed'").get()!.n).toBe(0)
  expect(db.query<{ ok: string }, []>('PRAGMA integrity_check').get()!).toEqual({ integrity_check: 'ok' } as never)
  db.close()
}, 120_000)
