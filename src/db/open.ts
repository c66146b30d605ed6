// Opens the one SQLite database with the settings §6 of the design fixes: WAL, synchronous=FULL
// (an acknowledged webhook must survive a power cut), busy_timeout, foreign keys, and a cap on the
// size the WAL file keeps between checkpoints.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** SQLite older than this has the WAL-reset corruption bug. */
export const MIN_SQLITE = '3.51.3'

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

/**
 * What the WAL file is cut back to when SQLite resets it after a checkpoint. Without it the file
 * keeps the size of its largest burst (a backup holding readers, a bulk import) for good. This only
 * truncates a WAL that is being reset anyway: it starts no checkpoint and takes no lock, so it does
 * not fight Litestream (KUMQUAT_LITESTREAM=1), which decides when the WAL is checkpointed and
 * reset; Litestream's own checkpoints then truncate to this size too.
 */
export const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

export function databasePath(dataDir: string): string {
  return join(dataDir, 'kumquat.db')
}

export function openDatabase(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(databasePath(dataDir), { create: true, strict: true })
  const { v } = db.query<{ v: string }, []>('SELECT sqlite_version() AS v').get()!
  if (compareVersions(v, MIN_SQLITE) < 0) {
    db.close()
    throw new Error(`SQLite ${v} is too old: Kumquat needs ${MIN_SQLITE} or newer (WAL-reset corruption fix)`)
  }
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = FULL')
  db.exec(`PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT}`)
  db.exec('PRAGMA foreign_keys = ON')
  return db
}

/**
 * Runs fn in a BEGIN IMMEDIATE transaction (takes the write lock up front, so two writers never
 * deadlock on an upgrade). fn must be synchronous: no await, no network call inside.
 */
export function write<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate()
}
