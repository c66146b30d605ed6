// Online, consistent backups. The database: VACUUM INTO a temporary file (bun:sqlite has no backup
// API), check it, then rename into place so a half-written file never carries the final name. The
// media store: copied AFTER the snapshot into `<file>.media.tar` — it is append-only and
// content-addressed (a file is on disk before the row that names it commits), so every file the
// snapshot refers to is there; files added meanwhile are harmless extras.
import { Database } from 'bun:sqlite'
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { TarWriter } from '../ops/tar'

export interface BackupResult {
  file: string
  bytes: number
  ms: number
}

export interface MediaArchiveResult {
  file: string
  /** media files archived */
  files: number
  /** their bytes (the archive adds headers and padding) */
  bytes: number
  archiveBytes: number
  /** files whose bytes no longer match their name (damaged on disk): archived as found, reported; restore skips them */
  damaged: string[]
}

export interface FullBackupResult {
  database: BackupResult & { schema: number }
  media: MediaArchiveResult
  /** whether data/secret.key went into the archive (it decrypts the channel credentials) */
  secretKey: boolean
  ms: number
}

export const mediaArchivePath = (dbFile: string) => `${resolve(dbFile)}.media.tar`
const partial = (file: string) => `${file}.partial-${process.pid}`

export function backupDatabase(db: Database, target: string): BackupResult {
  const started = performance.now()
  const file = resolve(target)
  if (existsSync(file)) throw new Error(`${file} already exists; choose a new file name`)
  const tmp = partial(file)
  rmSync(tmp, { force: true })
  try {
    db.query('VACUUM INTO ?').run(tmp)
    verifySnapshot(tmp)
    chmodSync(tmp, 0o600) // customer data: readable by the service user only
    renameSync(tmp, file)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  return { file, bytes: statSync(file).size, ms: Math.round(performance.now() - started) }
}

/** integrity_check on a snapshot file; returns its schema version. */
export function verifySnapshot(file: string): number {
  const check = new Database(file, { readonly: true })
  try {
    const { integrity_check } = check.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()!
    if (integrity_check !== 'ok') throw new Error(`backup failed its integrity check: ${integrity_check}`)
    const hasMigrations = check.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()!.n
    if (!hasMigrations) return 0
    return check.query<{ v: number | null }, []>('SELECT max(version) AS v FROM schema_migrations').get()?.v ?? 0
  } finally {
    check.close()
  }
}

/** The media store's files, in a stable order: `<2 hex>/<64 hex>` (temp files are skipped). */
export function listMediaFiles(mediaDir: string): { rel: string; path: string; size: number; mtimeMs: number }[] {
  if (!existsSync(mediaDir)) return []
  const out: { rel: string; path: string; size: number; mtimeMs: number }[] = []
  for (const dir of readdirSync(mediaDir).sort()) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue
    const sub = join(mediaDir, dir)
    if (!statSync(sub).isDirectory()) continue
    for (const name of readdirSync(sub).sort()) {
      if (!/^[0-9a-f]{64}$/.test(name) || !name.startsWith(dir)) continue
      const path = join(sub, name)
      const st = statSync(path)
      if (st.isFile()) out.push({ rel: `${dir}/${name}`, path, size: st.size, mtimeMs: st.mtimeMs })
    }
  }
  return out
}

/** Copies the media store (and the generated secret key, when given) into a tar; every file hashed on the way. */
export function archiveMedia(mediaDir: string, target: string, secretKeyFile: string | null = null): MediaArchiveResult & { secretKey: boolean } {
  const file = resolve(target)
  if (existsSync(file)) throw new Error(`${file} already exists; choose a new file name`)
  const tmp = partial(file)
  rmSync(tmp, { force: true })
  const tar = new TarWriter(tmp)
  let files = 0
  let bytes = 0
  let secretKey = false
  const damaged: string[] = []
  try {
    if (secretKeyFile && existsSync(secretKeyFile)) {
      tar.addBytes('secret.key', readFileSync(secretKeyFile), { mode: 0o600 })
      secretKey = true
    }
    for (const m of listMediaFiles(mediaDir)) {
      // Hashed on the way: a file damaged on disk is still archived (as found) but reported, and
      // restore leaves it out.
      const hasher = new Bun.CryptoHasher('sha256')
      tar.addFile(`media/${m.rel}`, m.path, m.size, { mtimeMs: m.mtimeMs, mode: 0o600, onChunk: (c) => hasher.update(c) })
      if (hasher.digest('hex') !== m.rel.slice(3)) damaged.push(m.rel)
      files++
      bytes += m.size
    }
    tar.finish()
    renameSync(tmp, file)
  } catch (err) {
    tar.close()
    rmSync(tmp, { force: true })
    throw err
  }
  return { file, files, bytes, archiveBytes: statSync(file).size, damaged, secretKey }
}

/**
 * `kumquat backup FILE`: the database snapshot (checked) and the media store beside it. If the
 * media copy fails (disk full…) the snapshot is removed too: a backup is both files or none.
 */
export function backupAll(db: Database, o: { target: string; mediaDir: string; secretKeyFile?: string | null }): FullBackupResult {
  const started = performance.now()
  const file = resolve(o.target)
  const tarFile = mediaArchivePath(file)
  if (existsSync(tarFile)) throw new Error(`${tarFile} already exists; choose a new file name`)
  const database = backupDatabase(db, file)
  const schema = verifySnapshot(file)
  let media: ReturnType<typeof archiveMedia>
  try {
    media = archiveMedia(o.mediaDir, tarFile, o.secretKeyFile ?? null)
  } catch (err) {
    rmSync(file, { force: true })
    throw err
  }
  const { secretKey, ...mediaResult } = media
  return { database: { ...database, schema }, media: mediaResult, secretKey, ms: Math.round(performance.now() - started) }
}
