// Backup and restore through the compiled binary: `kumquat backup` while serving (database
// snapshot + media archive + generated key), `kumquat restore` refusing a live data dir and
// filling an empty one, and a second server on the restored data that has everything — the same
// token works, messages and media files are identical, channel credentials decrypt. Also "back
// up now" on /admin/backups, which runs the binary itself as a child process.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { Browser } from '../support/server'
import { killAll, tempDir } from '../e2e/support'
import { api, deliver, provision, startKumquat, textDelivery, until, wamid, type Kumquat, type Provisioned } from './support'

let meta: FakeMeta
let k: Kumquat
let p: Provisioned
const out = tempDir('kumquat-backup-out-')
const restoredDir = tempDir('kumquat-restored-')
let photo: Uint8Array

beforeAll(async () => {
  meta = startFakeMeta()
  k = await startKumquat({ env: { LOG_LEVEL: 'warn' } })
  p = await provision(k, meta)
  // A conversation with a text and a photo (downloaded into the media store).
  expect((await deliver(k, p, textDelivery(p.phoneNumberId, '5583990000501', 'quero a segunda via').body)).status).toBe(200)
  photo = crypto.getRandomValues(new Uint8Array(120_000))
  const media = (await (await fetch(meta.url + '/_fake/media', {
    method: 'POST',
    body: JSON.stringify({ mime_type: 'image/jpeg', data_base64: Buffer.from(photo).toString('base64'), phone_number_id: p.phoneNumberId }),
  })).json()) as { id: string; sha256_base64: string }
  const d = textDelivery(p.phoneNumberId, '5583990000501', '', wamid('photo')).body
  const m = d.entry[0].changes[0].value.messages[0] as Record<string, unknown>
  m.type = 'image'
  delete m.text
  m.image = { id: media.id, mime_type: 'image/jpeg', sha256: media.sha256_base64 }
  expect((await deliver(k, p, d)).status).toBe(200)
  await until(() => {
    const db = k.db()
    try {
      return db.query<{ n: number }, []>("SELECT count(*) AS n FROM media WHERE status = 'ready'").get()!.n === 1
    } finally {
      db.close()
    }
  }, 15_000, 'the photo downloaded')
}, 60_000)

afterAll(async () => {
  await k?.stop()
  killAll()
  await meta?.stop()
  for (const d of [out, restoredDir, k?.dir]) if (d) rmSync(d, { recursive: true, force: true })
})

async function messagesOf(base: string) {
  const tickets = (await api({ base }, p.token, 'GET', '/api/v1/tickets?limit=50')).json.data as { id: number; protocol: string }[]
  const all: { ticket: string; text: string | null; type: string; media: { url: string; sha256: string | null } | null }[] = []
  for (const t of tickets) {
    const msgs = (await api({ base }, p.token, 'GET', `/api/v1/tickets/${t.id}/messages?limit=100`)).json.data as { text: string | null; type: string; media: { url: string; sha256: string | null } | null }[]
    for (const m of msgs) all.push({ ticket: t.protocol, text: m.text, type: m.type, media: m.media })
  }
  return all
}

test('backup while serving, restore refuses the live data dir, restores into an empty one, and a server there has everything', async () => {
  const before = await messagesOf(k.base)
  // Traffic goes on during the backup.
  let typing = true
  const traffic = (async () => {
    for (let i = 0; typing; i++) {
      await deliver(k, p, textDelivery(p.phoneNumberId, `55839900006${i % 10}`, `durante o backup ${i}`).body)
      await Bun.sleep(10)
    }
  })()
  const file = join(out, 'kumquat.db')
  const backup = await k.cli(['backup', file])
  typing = false
  await traffic
  expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' })
  expect(backup.stdout).toMatch(/^database: .*kumquat\.db \(\d+ bytes, schema \d+, integrity ok\)$/m)
  expect(backup.stdout).toMatch(/^media: {4}.*kumquat\.db\.media\.tar \(1 files, 120000 bytes, with data\/secret\.key\)$/m)
  expect(backup.stdout).toMatch(/^backup written in \d+ ms$/m)
  expect(readdirSync(out).sort()).toEqual(['kumquat.db', 'kumquat.db.media.tar'])
  const again = await k.cli(['backup', file])
  expect(again.code).not.toBe(0)
  expect(again.stderr).toContain('already exists')

  // Restore onto the running installation: refused, naming the server.
  const live = await k.cli(['restore', file])
  expect(live.code).toBe(1)
  expect(live.stderr).toContain(`running Kumquat (pid ${k.proc.proc.pid})`)
  expect(live.stdout).toBe('')

  // Into an empty data dir.
  const dataDir = join(restoredDir, 'data')
  const restored = await k.cli(['restore', file], { KUMQUAT_DATA_DIR: dataDir })
  expect({ code: restored.code, stderr: restored.stderr }).toEqual({ code: 0, stderr: '' })
  expect(restored.stdout).toMatch(/^database: .*\(\d+ bytes, schema \d+, 1 users, \d+ tickets, integrity ok\)$/m)
  expect(restored.stdout).toContain('media:    1 files, 120000 bytes')
  expect(restored.stdout).toContain('secret key: restored from the backup; channel credentials readable: 1/1')
  const twice = await k.cli(['restore', file], { KUMQUAT_DATA_DIR: dataDir })
  expect(twice.code).toBe(1)
  expect(twice.stderr).toContain('already has a database')

  // The restored server has everything from before the backup started, with identical files.
  const k2 = await startKumquat({ dir: restoredDir, dataDir, env: { LOG_LEVEL: 'warn' } })
  try {
    const me = await api(k2, p.token, 'GET', '/api/v1/me')
    expect(me.status).toBe(200) // the same API token
    const after = await messagesOf(k2.base)
    const key = (m: { ticket: string; text: string | null; type: string }) => `${m.ticket}|${m.type}|${m.text}`
    const restoredKeys = new Set(after.map(key))
    expect(before.length).toBeGreaterThanOrEqual(3)
    for (const m of before) expect({ m, restored: restoredKeys.has(key(m)) }).toEqual({ m, restored: true })
    const image = after.find((m) => m.type === 'image')!
    const bytes = new Uint8Array(await (await fetch(k2.base + new URL(image.media!.url, k2.base).pathname, { headers: { authorization: `Bearer ${p.token}` } })).arrayBuffer())
    expect(bytes).toEqual(photo as Uint8Array<ArrayBuffer>)
    // The channel credentials decrypt on the restored server: the connection test reaches the fake Graph API with the token.
    const testRes = await api(k2, p.token, 'POST', `/api/v1/channels/${p.channelId}/test`)
    expect(testRes.json).toMatchObject({ ok: true })
  } finally {
    await k2.stop()
  }
}, 90_000)

test('"back up now" on /admin/backups runs the compiled binary as a child and shows in /metrics', async () => {
  const b = new Browser(k.base)
  const login = await b.login(p.email, p.password)
  expect(login.status).toBe(303)
  const csrf = await b.csrf('/admin/backups')
  const folder = join(out, 'scheduled')
  const saved = await b.post('/admin/backups', { _csrf: csrf, enabled: '1', time: '03:00', keep: '2', folder })
  expect(saved.status).toBe(303)
  for (let i = 0; i < 3; i++) {
    expect((await b.post('/admin/backups/run', { _csrf: csrf })).status).toBe(303)
    await until(async () => /^kumquat_backup_running 0$/m.test(await (await fetch(k.base + '/metrics')).text()), 30_000, 'backup finished')
  }
  const metrics = await (await fetch(k.base + '/metrics')).text()
  expect(metrics).toMatch(/^kumquat_backup_last_status 1$/m)
  const ts = Number(/^kumquat_backup_last_success_timestamp_seconds (\d+)$/m.exec(metrics)?.[1])
  expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60)
  // keep = 2
  const files = readdirSync(folder).sort()
  expect(files.filter((f) => f.endsWith('.db')).length).toBe(2)
  expect(files.filter((f) => f.endsWith('.media.tar')).length).toBe(2)
  expect(files.some((f) => f.includes('.partial-'))).toBe(false)
  const page = await (await b.fetch('/admin/backups')).text()
  // The last result names one of the kept files (the newest).
  expect(files.filter((f) => f.endsWith('.db')).some((f) => page.includes(join(folder, f)))).toBe(true)
  expect(existsSync(join(folder, files[0]))).toBe(true)
}, 90_000)
