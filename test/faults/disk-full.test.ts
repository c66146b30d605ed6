// Fault: the data dir's disk fills up (a small tmpfs mounted as the data dir). Webhooks must be
// answered 5xx (Meta retries) rather than acknowledged and lost; /healthz and /metrics must say
// so; a media download that cannot be written is retried; when space returns everything recovers
// without a restart, and every acknowledged or redelivered message exists exactly once.
// Needs root and mount(2) (tmpfs); where that is not allowed the test is skipped, saying why.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { killAll, tempDir } from '../e2e/support'
import { deliver, provision, startKumquat, textDelivery, until, wamid, type Kumquat, type Provisioned } from './support'

const SIZE_MB = 16
const mountDir = tempDir('kumquat-diskfull-')
const mounted = (() => {
  const r = Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', `size=${SIZE_MB}m,mode=0755`, 'tmpfs', mountDir], { stderr: 'pipe' })
  if (r.exitCode === 0) return null
  return `cannot mount a tmpfs here (${r.stderr.toString().trim() || `exit ${r.exitCode}`}; needs root and mount permission)`
})()
if (mounted) console.log(`SKIP disk-full fault test: ${mounted}`)

let meta: FakeMeta
let k: Kumquat
let p: Provisioned
const filler = join(mountDir, 'filler')

beforeAll(async () => {
  if (mounted) return
  meta = startFakeMeta()
  k = await startKumquat({ dataDir: join(mountDir, 'data'), env: { LOG_LEVEL: 'info', KUMQUAT_DISK_MIN_FREE_MB: '2' } })
  p = await provision(k, meta)
}, 60_000)

afterAll(async () => {
  await k?.stop()
  killAll()
  await meta?.stop()
  if (!mounted) {
    const u = Bun.spawnSync(['umount', mountDir])
    if (u.exitCode !== 0) Bun.spawnSync(['umount', '-l', mountDir])
  }
  rmSync(mountDir, { recursive: true, force: true })
  if (k) rmSync(k.dir, { recursive: true, force: true })
})

/** Writes zeros until the file system says ENOSPC; returns the bytes written. */
function fillDisk(): number {
  const fd = openSync(filler, 'a')
  let written = 0
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512]) {
      const chunk = new Uint8Array(size)
      for (;;) {
        try {
          written += writeSync(fd, chunk)
        } catch {
          break
        }
      }
    }
  } finally {
    closeSync(fd)
  }
  return written
}

const healthz = async () => {
  const res = await fetch(k.base + '/healthz')
  return { status: res.status, body: (await res.json()) as { status: string; checks: { storage: string } } }
}
const gauge = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(k.base + '/metrics')).text())?.[1])

test.skipIf(!!mounted)('disk full: webhooks answered 5xx (never acknowledged and lost), signalled, recovered when space returns', async () => {
  // Before: a customer is talking, and sends a photo whose download we slow down so that it
  // lands while the disk is full.
  expect((await deliver(k, p, textDelivery(p.phoneNumberId, '5583990000201', 'antes do disco encher').body)).status).toBe(200)
  const photo = crypto.getRandomValues(new Uint8Array(300_000))
  const media = (await (await fetch(meta.url + '/_fake/media', {
    method: 'POST',
    body: JSON.stringify({ mime_type: 'image/jpeg', data_base64: Buffer.from(photo).toString('base64'), phone_number_id: p.phoneNumberId }),
  })).json()) as { id: string; sha256: string; sha256_base64: string }
  await fetch(meta.url + '/_fake/faults', { method: 'POST', body: JSON.stringify({ path: '/whatsapp_business/attachments/', delay_ms: 1500, count: 1 }) })
  const photoId = wamid('photo')
  const photoDelivery = textDelivery(p.phoneNumberId, '5583990000201', '', photoId).body
  const msg = photoDelivery.entry[0].changes[0].value.messages[0] as Record<string, unknown>
  msg.type = 'image'
  delete msg.text
  msg.image = { id: media.id, mime_type: 'image/jpeg', sha256: media.sha256_base64 }
  expect((await deliver(k, p, photoDelivery)).status).toBe(200)
  // Its media row exists (the download is under way, held by the slow fake) before the disk fills.
  await until(() => {
    const db = k.db()
    try {
      return db.query<{ status: string }, [string]>('SELECT status FROM media WHERE provider_media_id = ?').get(media.id)?.status === 'pending'
    } finally {
      db.close()
    }
  }, 5000, 'the photo queued for download')

  // The disk fills up.
  const filled = fillDisk()
  expect(filled).toBeGreaterThan(1024 * 1024)

  // A burst of deliveries while full: each one is either durably stored (200) or refused with a 5xx.
  const results: { id: string; waId: string; text: string; status: number }[] = []
  for (let i = 0; i < 120; i++) {
    const waId = `55839900003${String(i % 10).padStart(2, '0')}`
    const text = `mensagem ${i} com o disco cheio ` + 'x'.repeat(8000)
    const d = textDelivery(p.phoneNumberId, waId, text)
    const r = await deliver(k, p, d.body)
    results.push({ id: d.id, waId, text, status: r.status })
  }
  const statuses = [...new Set(results.map((r) => r.status))].sort()
  const refused = results.filter((r) => r.status !== 200)
  console.log(`disk full: ${filled} bytes of filler; webhook answers ${JSON.stringify(statuses)}; ${refused.length}/${results.length} refused`)
  expect(refused.length).toBeGreaterThan(0)
  for (const r of refused) expect(r.status).toBeGreaterThanOrEqual(500)

  // The admin-visible signal: /healthz 503 with the storage check, the gauges, the log line.
  const h = await until(async () => {
    const x = await healthz()
    return x.status === 503 ? x : null
  }, 5000, '/healthz 503')
  expect(h.body).toMatchObject({ status: 'error', checks: { storage: 'full' } })
  expect(await gauge('kumquat_storage_writable')).toBe(0)
  expect(await gauge('kumquat_storage_low')).toBe(1)
  await until(() => k.proc.stdout.includes('data directory is full'), 20_000, 'the "data directory is full" log line')

  // The photo could not be written: never a file under its final name.
  const shaHex = media.sha256
  const finalPath = join(k.dataDir, 'media', shaHex.slice(0, 2), shaHex)
  expect(existsSync(finalPath)).toBe(false)

  // The slow download has answered meanwhile; its bytes had nowhere to go.
  await until(() => meta.state.requests.some((r) => r.path.startsWith('/whatsapp_business/attachments') && r.status === 200), 5000, 'the photo download answered')
  await until(() => k.proc.stdout.includes('media download failed'), 5000, 'the failed media write logged')
  expect(existsSync(finalPath)).toBe(false)

  // Space returns.
  rmSync(filler)
  await until(async () => (await healthz()).status === 200, 5000, '/healthz back to 200')
  expect(await gauge('kumquat_storage_writable')).toBe(1)

  // Meta redelivers what was not acknowledged; now all of it is taken.
  for (const r of refused) {
    const d = textDelivery(p.phoneNumberId, r.waId, r.text, r.id)
    const again = await deliver(k, p, d.body)
    expect(again.status).toBe(200)
  }

  // Every message exists exactly once; nothing stuck or failed in processing.
  await until(() => {
    const db = k.db()
    try {
      return db.query<{ n: number }, []>("SELECT count(*) AS n FROM inbound_events WHERE status = 'pending'").get()!.n === 0
    } finally {
      db.close()
    }
  }, 30_000, 'inbound events processed')
  const db = k.db()
  try {
    const counts = new Map(db.query<{ external_id: string; n: number }, []>("SELECT external_id, count(*) AS n FROM messages WHERE direction = 'in' GROUP BY external_id").all().map((r) => [r.external_id, r.n]))
    for (const r of results) expect({ id: r.id, n: counts.get(r.id) ?? 0 }).toEqual({ id: r.id, n: 1 })
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM inbound_events WHERE status = 'failed'").get()!.n).toBe(0)
    expect(db.query<{ r: string }, []>('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' } as never)
  } finally {
    db.close()
  }

  // The photo's download is retried and succeeds once there is room.
  await until(() => {
    const db = k.db()
    try {
      return db.query<{ status: string }, [string]>("SELECT status FROM media WHERE sha256 = ? OR (status = 'ready' AND size = 300000)").get(shaHex)?.status === 'ready'
    } finally {
      db.close()
    }
  }, 40_000, 'the photo downloaded after recovery')
  expect(existsSync(finalPath)).toBe(true)

  const mediaFailures = k.proc.stdout.split('\n').filter((l) => l.includes('media download failed'))
  expect(mediaFailures.length).toBeGreaterThan(0) // the write of the photo failed while full, and was retried
  console.log(`disk full: media download failures logged: ${mediaFailures.length}: ${mediaFailures[0]?.slice(0, 300) ?? ''}`)
  // No leftovers of the failed write: a half-written temp file in the media store would waste space forever.
  const leftovers = existsSync(join(k.dataDir, 'media', shaHex.slice(0, 2))) ? readdirSync(join(k.dataDir, 'media', shaHex.slice(0, 2))).filter((f) => f.includes('.tmp-')) : []
  expect(leftovers).toEqual([])
  mkdirSync(join(k.dataDir, 'probe-after'), { recursive: true }) // the disk takes writes again
}, 120_000)
