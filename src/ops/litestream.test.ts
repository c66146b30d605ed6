// What we control of running beside Litestream (KUMQUAT_LITESTREAM): the pragmas Litestream needs,
// the checkpoints we leave alone, and a shutdown that neither waits for nor resets the WAL under a
// replicator's open read transaction (Litestream keeps one open at all times).
import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { ConfigError, loadConfig } from '../config'
import { databasePath } from '../db/open'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createContext } from '../context'
import { createLogger } from '../logger'
import { startServer } from '../server'
import { seedUser } from '../../test/support/server'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const walSize = (dataDir: string) => {
  const wal = `${databasePath(dataDir)}-wal`
  return existsSync(wal) ? statSync(wal).size : 0
}

/** A stand-in for Litestream's long-lived read transaction on the database. */
function replicator(dataDir: string) {
  const db = new Database(databasePath(dataDir))
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('BEGIN')
  db.query('SELECT count(*) FROM sqlite_master').get()
  return db
}

describe('KUMQUAT_LITESTREAM', () => {
  test('parses as a boolean, off by default, and names the variable when wrong', () => {
    expect(loadConfig({}).litestream).toBe(false)
    expect(loadConfig({ KUMQUAT_LITESTREAM: '1' }).litestream).toBe(true)
    expect(loadConfig({ KUMQUAT_LITESTREAM: 'true' }).litestream).toBe(true)
    expect(loadConfig({ KUMQUAT_LITESTREAM: '0' }).litestream).toBe(false)
    expect(() => loadConfig({ KUMQUAT_LITESTREAM: 'maybe' })).toThrow(ConfigError)
    expect(() => loadConfig({ KUMQUAT_LITESTREAM: 'maybe' })).toThrow(/KUMQUAT_LITESTREAM/)
  })

  for (const on of [false, true]) {
    test(`pragmas Litestream needs are in place (flag ${on ? 'on' : 'off'}); SQLite's PASSIVE auto-checkpoint is kept`, async () => {
      const s = await startTestServer(on ? { KUMQUAT_LITESTREAM: '1' } : {})
      try {
        const p = <T>(sql: string) => s.ctx.db.query<T, []>(sql).get()!
        expect(p<{ journal_mode: string }>('PRAGMA journal_mode').journal_mode).toBe('wal')
        expect(p<{ timeout: number }>('PRAGMA busy_timeout').timeout).toBeGreaterThanOrEqual(5000)
        // Not 0: a PASSIVE checkpoint cannot pass Litestream's reader, and keeps the WAL bounded
        // whenever Litestream is not running.
        expect(p<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint').wal_autocheckpoint).toBe(1000)
        expect(p<{ synchronous: number }>('PRAGMA synchronous').synchronous).toBe(2)
      } finally {
        await s.stop()
      }
    })
  }

  test('flag off: shutdown folds the WAL into the database (TRUNCATE)', async () => {
    const s = await startTestServer()
    await seedUser(s.ctx, { email: 'a@example.com', profile: 'admin' })
    expect(walSize(s.dataDir)).toBeGreaterThan(0)
    const dataDir = s.dataDir
    const db = s.ctx.db
    await stopKeepingData(s)
    expect(walSize(dataDir)).toBe(0)
    expect(() => db.query('SELECT 1').get()).toThrow() // closed
  })

  test('flag on: shutdown leaves the WAL to the replicator — fast, and without resetting it under its reader', async () => {
    const s = await startTestServer({ KUMQUAT_LITESTREAM: '1' })
    await seedUser(s.ctx, { email: 'a@example.com', profile: 'admin' })
    const rep = replicator(s.dataDir)
    // More writes after the replicator's snapshot: a TRUNCATE checkpoint would now have to wait.
    await seedUser(s.ctx, { email: 'b@example.com', profile: 'agent' })
    const before = walSize(s.dataDir)
    expect(before).toBeGreaterThan(0)
    const started = performance.now()
    await stopKeepingData(s)
    const ms = performance.now() - started
    expect(ms).toBeLessThan(2500) // no busy wait on the replicator's lock
    expect(walSize(s.dataDir)).toBeGreaterThanOrEqual(before) // not reset under the replicator
    // The replicator's snapshot is intact, and it can checkpoint itself once it lets go.
    expect(rep.query<{ n: number }, []>('SELECT count(*) AS n FROM users').get()!.n).toBe(1)
    rep.exec('COMMIT')
    const cp = rep.query<{ busy: number }, []>('PRAGMA wal_checkpoint(TRUNCATE)').get()!
    expect(cp.busy).toBe(0)
    expect(rep.query<{ n: number }, []>('SELECT count(*) AS n FROM users').get()!.n).toBe(2)
    rep.close()
  })

  test('why: without the flag, the shutdown TRUNCATE waits out the busy timeout on a replicator\'s reader', async () => {
    const s = await startTestServer()
    await seedUser(s.ctx, { email: 'a@example.com', profile: 'admin' })
    const rep = replicator(s.dataDir)
    await seedUser(s.ctx, { email: 'b@example.com', profile: 'agent' })
    const started = performance.now()
    await stopKeepingData(s)
    const ms = performance.now() - started
    // busy_timeout is 5 s; main.ts exits at 4.5 s whatever happens, so under systemd/Docker this
    // shutdown would be cut short. KUMQUAT_LITESTREAM=1 avoids it.
    expect(ms).toBeGreaterThan(4000)
    rep.exec('COMMIT')
    rep.close()
  }, 15_000)
})

/** Like test/support/server.ts, but stop() keeps the data dir so the WAL can be looked at. */
async function startTestServer(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumquat-litestream-'))
  dirs.push(dataDir)
  const config = loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, ...env })
  const ctx = createContext(config, createLogger('silent'))
  const server = await startServer(ctx)
  return { ctx, dataDir, stop: () => server.stop() }
}
const stopKeepingData = (s: { stop(): Promise<void> }) => s.stop()
