// Online, consistent snapshot: VACUUM INTO a temporary file (bun:sqlite has no backup API), check
// it, then rename into place so a half-written file never carries the final name.
import { Database } from 'bun:sqlite'
import { existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { resolve } from 'node:path'

export interface BackupResult {
  file: string
  bytes: number
  ms: number
}

export function backupDatabase(db: Database, target: string): BackupResult {
  const started = performance.now()
  const file = resolve(target)
  if (existsSync(file)) throw new Error(`${file} already exists; choose a new file name`)
  const tmp = `${file}.partial-${process.pid}`
  rmSync(tmp, { force: true })
  try {
    db.query('VACUUM INTO ?').run(tmp)
    const check = new Database(tmp, { readonly: true })
    try {
      const { integrity_check } = check.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()!
      if (integrity_check !== 'ok') throw new Error(`backup failed its integrity check: ${integrity_check}`)
    } finally {
      check.close()
    }
    renameSync(tmp, file)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  return { file, bytes: statSync(file).size, ms: Math.round(performance.now() - started) }
}
