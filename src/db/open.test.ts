// The WAL cap (issue 9): without journal_size_limit a WAL that once grew (a burst while a backup
// held a reader) keeps that size on disk for good.
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JOURNAL_SIZE_LIMIT, openDatabase } from './open'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

test('the WAL file is capped at 64 MB when SQLite resets it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumquat-open-'))
  dirs.push(dir)
  const db = openDatabase(dir)
  expect(JOURNAL_SIZE_LIMIT).toBe(64 * 1024 * 1024)
  expect(db.query<{ journal_size_limit: number }, []>('PRAGMA journal_size_limit').get()!.journal_size_limit).toBe(JOURNAL_SIZE_LIMIT)
  // It caps the file only: SQLite's PASSIVE auto-checkpoint stays on (Litestream relies on it
  // when it is not running, src/ops/litestream.ts).
  expect(db.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()!.wal_autocheckpoint).toBe(1000)
  db.close()
})
