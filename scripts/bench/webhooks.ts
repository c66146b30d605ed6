// Webhook ingestion benchmark: signed WhatsApp deliveries against the compiled binary, side by side
// with a bare Bun + bun:sqlite server doing only the signature check and one durable insert, in
// the same run with the same load generator.
//
//   node_modules/.bin/bun scripts/bench/webhooks.ts
//   BENCH_DELIVERIES=6000 BENCH_CONCURRENCY=64 node_modules/.bin/bun scripts/bench/webhooks.ts
//
// Reports deliveries/s, ack latency p50/p99 and end-to-end latency (webhook → message visible on
// the API event stream). Goal (issue 3): ≥ 2,000 deliveries/s, ≥ 0.5 × the bare baseline, p99 ack
// < 50 ms. All traffic stays on 127.0.0.1; children and temp dirs are removed at the end.
import { join, resolve } from 'node:path'
import { signBody } from '../../src/channels/whatsapp/signature'
import { freePort, log, pct, r1, spawnChild as spawn, tempDir, waitHealthy } from './support'

const ROOT = resolve(import.meta.dir, '../..')
const BINARY = join(ROOT, 'dist/kumquat')
const BUN = process.execPath
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 4000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32)
const SECRET = 'bench-app-secret'
const PHONE = '1099000001'


/** Distinct signed deliveries: each a text from one of 200 customers, unique wamid. */
function makeDeliveries(n: number, runId: string) {
  return Array.from({ length: n }, (_, i) => {
    const waId = `55839${String(i % 200).padStart(8, '0')}`
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '558330000000', phone_number_id: PHONE },
        contacts: [{ profile: { name: `Cliente ${i % 200}` }, wa_id: waId }],
        messages: [{ from: waId, id: `wamid.bench.${runId}.${i}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `mensagem ${i} — olá ção 😀` } }],
      } }] }],
    })
    return { body, signature: signBody(SECRET, body), wamid: `wamid.bench.${runId}.${i}` }
  })
}

/** Fires all deliveries with `CONCURRENCY` in flight; returns per-request ack latencies. */
async function load(url: string, deliveries: ReturnType<typeof makeDeliveries>, sentAt?: Map<string, number>) {
  const latencies: number[] = []
  let next = 0
  let errors = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]
        const t0 = performance.now()
        sentAt?.set(d.wamid, t0)
        const res = await fetch(url, { method: 'POST', body: d.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': d.signature } })
        await res.arrayBuffer()
        if (res.status !== 200) errors++
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return { rps: deliveries.length / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), errors, seconds }
}

// ---- the bare baseline: signature check + one insert (WAL, synchronous=FULL), nothing else ----
const BARE = `
import { Database } from 'bun:sqlite'
import { createHmac, timingSafeEqual } from 'node:crypto'
const db = new Database(process.env.DB, { create: true })
db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000')
db.exec('CREATE TABLE IF NOT EXISTS inbound (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL)')
const insert = db.query('INSERT INTO inbound (received_at, body) VALUES (?, ?)')
Bun.serve({ port: Number(process.env.PORT), hostname: '127.0.0.1', async fetch(req) {
  if (req.method === 'GET') return new Response('ok')
  const raw = new Uint8Array(await req.arrayBuffer())
  const expected = Buffer.from('sha256=' + createHmac('sha256', process.env.SECRET).update(raw).digest('hex'))
  const got = Buffer.from(req.headers.get('x-hub-signature-256') ?? '')
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return new Response('bad', { status: 401 })
  db.transaction(() => insert.run(Date.now(), raw)).immediate()
  return new Response('ok')
} })
`

async function benchBare() {
  const dir = tempDir('kumquat-whbench-')
  const port = freePort()
  await Bun.write(join(dir, 'bare.ts'), BARE)
  spawn([BUN, join(dir, 'bare.ts')], dir, { PORT: String(port), DB: join(dir, 'bare.db'), SECRET })
  await waitHealthy(`http://127.0.0.1:${port}/`)
  await load(`http://127.0.0.1:${port}/`, makeDeliveries(300, 'bare-warm'))
  return load(`http://127.0.0.1:${port}/`, makeDeliveries(DELIVERIES, 'bare'))
}

async function benchKumquat() {
  if (!(await Bun.file(BINARY).exists())) Bun.spawnSync([BUN, 'scripts/build.ts'], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
  const dir = tempDir('kumquat-whbench-')
  // The fake Graph API receives the protocol messages Kumquat sends to new customers.
  const metaPort = freePort()
  spawn([BUN, join(ROOT, 'scripts/fake-meta.ts'), '--port', String(metaPort), '--host', '127.0.0.1'], ROOT, {})
  await waitHealthy(`http://127.0.0.1:${metaPort}/_fake/requests`)
  await fetch(`http://127.0.0.1:${metaPort}/_fake/numbers`, { method: 'POST', body: JSON.stringify({ phone_number_id: PHONE, waba_id: '2099', access_token: 'bench-token' }) })

  const port = freePort()
  const env = { KUMQUAT_PORT: String(port), KUMQUAT_HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  const cli = (args: string[]) => Bun.spawnSync([BINARY, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } }).stdout.toString().trim()
  spawn([BINARY, 'serve'], dir, env)
  const base = `http://127.0.0.1:${port}`
  await waitHealthy(`${base}/healthz`)
  cli(['admin', 'create', '--email', 'bench@example.com', '--password', 'bench-password-123'])
  const token = cli(['token', 'create', '--email', 'bench@example.com', '--name', 'bench'])
  const api = (path: string, body: unknown) =>
    fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json())
  const sector = (await api('/api/v1/sectors', { name: 'Bench' })) as { id: number }
  const channel = (await api('/api/v1/channels', {
    type: 'whatsapp', name: 'Bench', phone_number_id: PHONE, waba_id: '2099', access_token: 'bench-token', app_secret: SECRET,
    verify_token: 'bench-verify', graph_base_url: `http://127.0.0.1:${metaPort}`, sector_id: sector.id,
  })) as { webhook_url: string }
  if (!channel.webhook_url) throw new Error(`channel not created: ${JSON.stringify(channel)}`)
  const url = base + new URL(channel.webhook_url).pathname

  // End to end: time from sending a delivery to its message.created on the API stream.
  const sentAt = new Map<string, number>()
  const e2e: number[] = []
  const stream = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } })
  const reader = stream.body!.getReader()
  let buffer = ''
  ;(async () => {
    const decoder = new TextDecoder()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let cut
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        if (!block.includes('event: message.created')) continue
        const m = /"external_id":"(wamid\.bench\.[^"]+)"/.exec(block)
        const t0 = m && sentAt.get(m[1])
        if (t0) e2e.push(performance.now() - t0)
      }
    }
  })()

  await load(url, makeDeliveries(300, 'kq-warm'))
  const result = await load(url, makeDeliveries(DELIVERIES, 'kq'), sentAt)
  // Wait for the processor to catch up (end-to-end latencies arrive as it does).
  const deadline = Date.now() + 60_000
  while (e2e.length < DELIVERIES && Date.now() < deadline) await Bun.sleep(100)
  reader.cancel().catch(() => {})
  return { ...result, e2eP50: pct(e2e, 50), e2eP99: pct(e2e, 99), visible: e2e.length }
}

log(`${DELIVERIES} signed deliveries, ${CONCURRENCY} in flight, client in this process`)
log('bare Bun + bun:sqlite baseline')
const bare = await benchBare()
log('kumquat (compiled binary)')
const kq = await benchKumquat()
const ratio = kq.rps / bare.rps
const line = (label: string, value: string, note = '') => console.log(`${label.padEnd(44)}${value.padStart(16)}  ${note}`)
console.log(`\nWebhook ingestion — ${DELIVERIES} deliveries, concurrency ${CONCURRENCY}, 127.0.0.1`)
console.log('-'.repeat(100))
line('bare baseline (signature + 1 insert)', `${Math.round(bare.rps)} /s`, `ack p50 ${r1(bare.p50)} ms, p99 ${r1(bare.p99)} ms, errors ${bare.errors}`)
line('kumquat webhook', `${Math.round(kq.rps)} /s`, `ack p50 ${r1(kq.p50)} ms, p99 ${r1(kq.p99)} ms, errors ${kq.errors}`)
line('ratio kumquat / bare', r1(ratio * 100) / 100 + '', 'goal ≥ 0.5')
line('end to end (webhook → message.created)', `p50 ${r1(kq.e2eP50)} ms`, `p99 ${r1(kq.e2eP99)} ms, ${kq.visible}/${DELIVERIES} seen`)
const goals = kq.rps >= 2000 && ratio >= 0.5 && kq.p99 < 50
line('goals (≥ 2000/s, ≥ 0.5 × bare, p99 ack < 50 ms)', goals ? 'met' : 'NOT met')
console.log(JSON.stringify({ bench: 'webhooks', deliveries: DELIVERIES, concurrency: CONCURRENCY, bare: { rps: Math.round(bare.rps), p50: r1(bare.p50), p99: r1(bare.p99) }, kumquat: { rps: Math.round(kq.rps), p50: r1(kq.p50), p99: r1(kq.p99), e2e_p50: r1(kq.e2eP50), e2e_p99: r1(kq.e2eP99), visible: kq.visible }, ratio: r1(ratio * 100) / 100, goals_met: goals }))
process.exit(0)
