import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { write } from '../db/open'
import {
  backupFileName,
  backupRunner,
  lastRun,
  latestSlot,
  nextSlot,
  pruneBackups,
  saveSchedule,
  scheduleOf,
  startScheduledBackups,
  zonedTime,
} from './scheduled-backup'
import { settingsStore } from './settings-store'

const SP = 'America/Sao_Paulo'
const NY = 'America/New_York'
const temps: string[] = []
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kumquat-backups-'))
  temps.push(d)
  return d
}

let s: TestServer
let admin: Browser
let agentToken = ''

beforeAll(async () => {
  s = await startTestServer()
  await seedUser(s.ctx, { email: 'ana@example.com', profile: 'admin' })
  agentToken = (await seedUser(s.ctx, { email: 'bia@example.com', profile: 'agent' })).token
  admin = new Browser(s.url)
  await admin.login('ana@example.com')
})
afterAll(async () => {
  await s.stop()
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

const metric = async (name: string) => {
  const text = await (await fetch(s.url + '/metrics')).text()
  const m = new RegExp(`^${name} (-?[0-9.e+]+)$`, 'm').exec(text)
  return m ? Number(m[1]) : null
}

async function waitIdle(timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (backupRunner(s.ctx).running) {
    if (Date.now() > deadline) throw new Error('backup still running')
    await Bun.sleep(50)
  }
}

describe('schedule arithmetic in the installation time zone', () => {
  test('latest and next 02:30 in São Paulo (UTC−3)', () => {
    const noon = Date.UTC(2026, 10, 25, 15, 0) // 12:00 local
    expect(latestSlot(noon, '02:30', SP)).toBe(Date.UTC(2026, 10, 25, 5, 30))
    expect(nextSlot(noon, '02:30', SP)).toBe(Date.UTC(2026, 10, 26, 5, 30))
    const oneAm = Date.UTC(2026, 10, 25, 4, 0) // 01:00 local: today's slot is still ahead
    expect(latestSlot(oneAm, '02:30', SP)).toBe(Date.UTC(2026, 10, 24, 5, 30))
    expect(nextSlot(oneAm, '02:30', SP)).toBe(Date.UTC(2026, 10, 25, 5, 30))
    // Exactly at the slot: it is the latest, and the next is tomorrow.
    const at = Date.UTC(2026, 10, 25, 5, 30)
    expect(latestSlot(at, '02:30', SP)).toBe(at)
    expect(nextSlot(at, '02:30', SP)).toBe(at + 86_400_000)
    // New Year's Eve rolls the date over.
    expect(nextSlot(Date.UTC(2027, 0, 1, 2, 59), '23:59', SP)).toBe(Date.UTC(2027, 0, 1, 2, 59) + 86_400_000)
  })

  test('one slot a day across daylight-saving changes (New York)', () => {
    expect(zonedTime(2026, 7, 1, 2, 30, NY)).toBe(Date.UTC(2026, 6, 1, 6, 30)) // EDT, UTC−4
    expect(zonedTime(2026, 12, 1, 2, 30, NY)).toBe(Date.UTC(2026, 11, 1, 7, 30)) // EST, UTC−5
    for (const time of ['02:30', '01:30', '00:00', '23:59']) {
      let t = Date.UTC(2026, 2, 1)
      let days = 0
      while (t < Date.UTC(2026, 11, 31)) {
        const next = nextSlot(t, time, NY)
        expect(next).toBeGreaterThan(t)
        if (days > 0) expect(Math.abs(next - t - 86_400_000)).toBeLessThanOrEqual(3_600_000)
        t = next
        days++
      }
      expect(days).toBeGreaterThanOrEqual(299)
      expect(days).toBeLessThanOrEqual(306)
    }
  })

  test('file names follow the local wall clock and never collide', () => {
    const d = temp()
    const at = Date.UTC(2026, 10, 25, 5, 30, 7)
    expect(backupFileName(d, at, SP)).toBe(join(d, 'kumquat-20261125-023007.db'))
    writeFileSync(join(d, 'kumquat-20261125-023007.db'), '')
    expect(backupFileName(d, at, SP)).toBe(join(d, 'kumquat-20261125-023007-2.db'))
  })

  test('pruning keeps the newest N of OUR backups and never touches other files', () => {
    const d = temp()
    const ours = ['kumquat-20260101-023000.db', 'kumquat-20260102-023000.db', 'kumquat-20260102-023000-2.db', 'kumquat-20260103-023000.db']
    for (const f of ours) {
      writeFileSync(join(d, f), '')
      writeFileSync(join(d, f + '.media.tar'), '')
    }
    writeFileSync(join(d, 'kumquat-manual.db'), '')
    writeFileSync(join(d, 'notes.txt'), '')
    expect(pruneBackups(d, 2).sort()).toEqual(['kumquat-20260101-023000.db', 'kumquat-20260102-023000.db'])
    expect(readdirSync(d).sort()).toEqual(
      ['kumquat-20260102-023000-2.db', 'kumquat-20260102-023000-2.db.media.tar', 'kumquat-20260103-023000.db', 'kumquat-20260103-023000.db.media.tar', 'kumquat-manual.db', 'notes.txt'].sort(),
    )
  })
})

describe('backups page, runner and metrics', () => {
  test('needs settings.manage: an agent gets 403, anonymous goes to login', async () => {
    const agent = new Browser(s.url)
    await agent.login('bia@example.com')
    expect((await agent.fetch('/admin/backups')).status).toBe(403)
    expect((await agent.fetch('/admin/backups/status')).status).toBe(403)
    expect((await new Browser(s.url).fetch('/admin/backups')).status).toBe(303)
    expect(agentToken).toStartWith('kq_')
  })

  test('before any backup: metrics say none yet; the page says so', async () => {
    expect(await metric('kumquat_backup_last_status')).toBe(-1)
    expect(await metric('kumquat_backup_last_success_timestamp_seconds')).toBe(0)
    expect(await metric('kumquat_storage_writable')).toBe(1)
    const html = await (await admin.fetch('/admin/backups')).text()
    expect(html).toContain('Nenhum backup')
    expect(html).toContain('name="folder"')
    expect(html).toContain(join(s.dataDir, 'backups')) // default folder
  })

  test('saving: bad values come back with field errors (and what was typed); good ones are stored', async () => {
    const csrf = await admin.csrf('/admin/backups')
    const bad = await admin.post('/admin/backups', { _csrf: csrf, enabled: '1', time: '25:00', keep: '0', folder: 'relative/path' })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('Use o formato HH:MM')
    expect(html).toContain('Informe um número de 1 a 365')
    expect(html).toContain('caminho absoluto')
    expect(html).toContain('value="relative/path"')
    expect(scheduleOf(s.ctx).enabled).toBe(false)

    const noCsrf = await admin.post('/admin/backups', { enabled: '1', time: '03:00', keep: '3', folder: temp() })
    expect(noCsrf.status).toBe(403)

    const folder = join(temp(), 'nightly')
    const ok = await admin.post('/admin/backups', { _csrf: csrf, enabled: '1', time: '03:15', keep: '3', folder })
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe('/admin/backups?ok=ops.saved')
    expect(scheduleOf(s.ctx)).toMatchObject({ enabled: true, time: '03:15', keep: 3, folder })
    const page = await (await admin.fetch('/admin/backups?ok=ops.saved')).text()
    expect(page).toContain('Configuração de backup salva')
    expect(page).toContain('Próximo backup automático')
    const audit = s.ctx.db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit_log WHERE action = 'backup.schedule'").get()!.n
    expect(audit).toBe(1)
  })

  test('"back up now" runs in a child process; the page and /metrics show the result', async () => {
    const csrf = await admin.csrf('/admin/backups')
    const res = await admin.post('/admin/backups/run', { _csrf: csrf })
    expect(res.status).toBe(303)
    expect(backupRunner(s.ctx).running).toBe(true)
    // While it runs, the status fragment polls itself.
    const running = await (await admin.fetch('/admin/backups/status')).text()
    if (backupRunner(s.ctx).running) expect(running).toContain('hx-trigger="every 2s"')
    await waitIdle()
    const last = lastRun(s.ctx)!
    expect(last).toMatchObject({ ok: true, trigger: 'manual', error: null })
    expect(existsSync(last.file!)).toBe(true)
    expect(existsSync(last.file + '.media.tar')).toBe(true)
    expect(last.bytes).toBeGreaterThan(last.db_bytes)
    const fragment = await (await admin.fetch('/admin/backups/status')).text()
    expect(fragment).not.toContain('hx-trigger')
    expect(fragment).toContain(last.file!)
    expect(fragment).toContain('OK')
    expect(await metric('kumquat_backup_last_status')).toBe(1)
    expect(await metric('kumquat_backup_last_success_timestamp_seconds')).toBe(Math.floor(last.finished_at / 1000))
    expect(await metric('kumquat_backup_running')).toBe(0)
  })

  test('a failed backup shows the reason, sets the status gauge to 0, keeps the last success time', async () => {
    const before = await metric('kumquat_backup_last_success_timestamp_seconds')
    const blocked = join(temp(), 'a-file')
    writeFileSync(blocked, 'not a folder')
    // Saved directly: the page would refuse this folder.
    write(s.ctx.db, () => settingsStore(s.ctx.db).set('backup.schedule', { ...scheduleOf(s.ctx), folder: join(blocked, 'sub') }))
    const run = await backupRunner(s.ctx).start('manual')
    expect(run.ok).toBe(false)
    expect(run.error).toContain('cannot use the folder')
    expect(await metric('kumquat_backup_last_status')).toBe(0)
    expect(await metric('kumquat_backup_last_success_timestamp_seconds')).toBe(before)
    const html = await (await admin.fetch('/admin/backups')).text()
    expect(html).toContain('Falhou')
    expect(html).toContain('Último backup bem-sucedido')
  })

  test('the schedule runs a due backup once (catching up a missed slot), then prunes to keep N', async () => {
    const folder = temp()
    for (const day of ['01', '02', '03']) writeFileSync(join(folder, `kumquat-202601${day}-031500.db`), '')
    const now = Date.now()
    const minuteAgo = new Intl.DateTimeFormat('en-GB', { timeZone: s.ctx.config.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now - 60_000)
    write(s.ctx.db, () => settingsStore(s.ctx.db).set('backup.schedule', { enabled: true, time: minuteAgo, keep: 2, folder, saved_at: now - 2 * 86_400_000 }))
    const worker = startScheduledBackups(s.ctx, 50)
    try {
      const deadline = Date.now() + 20_000
      while (lastRun(s.ctx)?.trigger !== 'schedule' || backupRunner(s.ctx).running) {
        if (Date.now() > deadline) throw new Error('the scheduled backup did not run')
        await Bun.sleep(50)
      }
      const run = lastRun(s.ctx)!
      expect(run).toMatchObject({ ok: true, trigger: 'schedule', scheduled_for: latestSlot(Date.now(), minuteAgo, s.ctx.config.timeZone) })
      expect(run.pruned.length).toBe(2)
      // keep = 2: the new one and the newest old one.
      expect(readdirSync(folder).filter((f) => f.endsWith('.db')).length).toBe(2)
      // Not again for the same slot.
      await Bun.sleep(400)
      expect(lastRun(s.ctx)!.started_at).toBe(run.started_at)
      expect(settingsStore(s.ctx.db).get<number>('backup.slot_done')).toBe(run.scheduled_for)
    } finally {
      await worker.stop()
    }
  })

  test('enabling the schedule after today\'s time does not start a backup at once', async () => {
    const folder = temp()
    const minuteAgo = new Intl.DateTimeFormat('en-GB', { timeZone: s.ctx.config.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.now() - 60_000)
    write(s.ctx.db, () => settingsStore(s.ctx.db).set('backup.slot_done', 0))
    saveSchedule(s.ctx, null, { enabled: true, time: minuteAgo, keep: 2, folder })
    const worker = startScheduledBackups(s.ctx, 20)
    await Bun.sleep(300)
    await worker.stop()
    expect(readdirSync(folder)).toEqual([])
  })

  test('/healthz reports the storage check', async () => {
    const body = await (await fetch(s.url + '/healthz')).json()
    expect(body).toMatchObject({ status: 'ok', checks: { database: 'ok', storage: expect.stringMatching(/^(ok|low)$/) } })
  })
})
