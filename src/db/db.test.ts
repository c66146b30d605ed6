import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backupDatabase } from './backup'
import { currentVersion, DatabaseTooNewError, migrate } from './migrate'
import { MIGRATIONS } from './migrations'
import { compareVersions, databasePath, openDatabase } from './open'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kumquat-db-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('openDatabase', () => {
  test('WAL, synchronous FULL, foreign keys and a busy timeout', () => {
    const db = openDatabase(tempDir())
    expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()!.journal_mode).toBe('wal')
    expect(db.query<{ synchronous: number }, []>('PRAGMA synchronous').get()!.synchronous).toBe(2)
    expect(db.query<{ foreign_keys: number }, []>('PRAGMA foreign_keys').get()!.foreign_keys).toBe(1)
    expect(db.query<{ timeout: number }, []>('PRAGMA busy_timeout').get()!.timeout).toBe(5000)
    db.close()
  })

  test('compares SQLite versions numerically', () => {
    expect(compareVersions('3.51.3', '3.51.3')).toBe(0)
    expect(compareVersions('3.9.0', '3.51.3')).toBe(-1)
    expect(compareVersions('3.53.4', '3.51.3')).toBe(1)
  })
})

describe('migrate', () => {
  test('applies every migration once and records it', () => {
    const db = openDatabase(tempDir())
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version))
    expect(migrate(db)).toEqual([])
    expect(currentVersion(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1].version)
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM profiles WHERE key IN ('admin','supervisor','agent')").get()!.n).toBe(3)
    db.close()
  })

  test('a failing migration leaves the previous version intact', () => {
    const db = openDatabase(tempDir())
    migrate(db)
    const broken = [...MIGRATIONS, { version: 999, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT nope FROM nowhere;' }]
    expect(() => migrate(db, broken)).toThrow()
    expect(currentVersion(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1].version)
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeNull()
    db.close()
  })

  test('refuses a database written by a newer binary', () => {
    const db = openDatabase(tempDir())
    migrate(db)
    db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, ?, 0)').run('future')
    expect(() => migrate(db)).toThrow(DatabaseTooNewError)
    db.close()
  })

  test('the audit log is append-only', () => {
    const db = openDatabase(tempDir())
    migrate(db)
    db.query("INSERT INTO audit_log (at, action) VALUES (1, 'x')").run()
    expect(() => db.query("UPDATE audit_log SET action = 'y'").run()).toThrow(/append-only/)
    expect(() => db.query('DELETE FROM audit_log').run()).toThrow(/append-only/)
  })
})

describe('backupDatabase', () => {
  test('writes a consistent, checked snapshot while another connection keeps writing', async () => {
    const dir = tempDir()
    const db = openDatabase(dir)
    migrate(db)
    db.exec('CREATE TABLE t (n INTEGER)')
    const writer = new Database(databasePath(dir))
    writer.exec('PRAGMA busy_timeout = 5000')
    let n = 0
    const timer = setInterval(() => writer.query('INSERT INTO t (n) VALUES (?)').run(++n), 1)
    await Bun.sleep(30)
    const target = join(dir, 'snap.db')
    const result = backupDatabase(db, target)
    clearInterval(timer)
    expect(result.bytes).toBeGreaterThan(0)
    const snap = new Database(target, { readonly: true })
    expect(snap.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()!.integrity_check).toBe('ok')
    const rows = snap.query<{ c: number; m: number }, []>('SELECT count(*) AS c, max(n) AS m FROM t').get()!
    expect(rows.c).toBe(rows.m) // a prefix of the writes, no holes
    snap.close()
    writer.close()
    expect(() => backupDatabase(db, target)).toThrow(/already exists/)
    expect(existsSync(`${target}.partial-${process.pid}`)).toBe(false)
    db.close()
  })
})
