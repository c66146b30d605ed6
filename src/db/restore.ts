// `kumquat restore FILE`: puts a backup (the database snapshot FILE and, beside it, FILE.media.tar)
// into an EMPTY data directory. It refuses a directory that has a database (and says so when a
// server is running on it), checks the snapshot before copying anything, verifies every media file
// against its content hash, and moves things into place last (database last of all), so an
// interrupted restore never looks like a finished one.
import { Database } from 'bun:sqlite'
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { TarError, readTar } from '../ops/tar'
import { mediaArchivePath, verifySnapshot } from './backup'
import { databasePath } from './open'
import { deriveKey, unseal } from './sealed'

export class RestoreRefused extends Error {}

export interface RestoreResult {
  dataDir: string
  database: { file: string; bytes: number; schema: number; users: number | null; tickets: number | null }
  media: { archive: string; files: number; bytes: number; damaged: string[] } | null
  /** where the key for the channel credentials comes from now */
  secretKey: 'from-backup' | 'kept' | 'env' | 'missing'
  channels: { total: number; readable: number }
  warnings: string[]
  ms: number
}

/**
 * Processes holding POSIX/OFD locks on these files (Linux /proc/locks): a running SQLite
 * connection keeps one on the database's -shm file in WAL mode. Empty where /proc is missing.
 */
export function lockHolders(paths: string[]): number[] {
  let text: string
  try {
    text = readFileSync('/proc/locks', 'utf8')
  } catch {
    return []
  }
  const inodes = new Set<string>()
  for (const p of paths) {
    try {
      inodes.add(String(statSync(p, { bigint: true }).ino))
    } catch {
      // gone meanwhile
    }
  }
  const pids = new Set<number>()
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(?:->\s+)?\S+\s+\S+\s+\S+\s+(-?\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/i.exec(line)
    if (!m) continue
    const pid = Number(m[1])
    if (inodes.has(m[2]) && pid !== process.pid) pids.add(pid)
  }
  return [...pids].sort((a, b) => a - b)
}

/** Throws RestoreRefused unless the data dir is empty of Kumquat data (a database or media files). */
export function checkRestoreTarget(dataDir: string): void {
  const db = databasePath(dataDir)
  const present = [db, `${db}-wal`, `${db}-shm`].filter((p) => existsSync(p))
  if (present.length) {
    const pids = lockHolders(present)
    if (pids.length) {
      throw new RestoreRefused(`a running Kumquat (pid ${pids.join(', ')}) is using ${dataDir}: stop it, then restore into an EMPTY data directory (set KUMQUAT_DATA_DIR to a new folder)`)
    }
    throw new RestoreRefused(
      `${dataDir} already has a database (${present.map((p) => p.slice(dataDir.length + 1)).join(', ')}): restore only goes into an empty data directory — move these away first or set KUMQUAT_DATA_DIR to a new folder`,
    )
  }
  const media = join(dataDir, 'media')
  if (existsSync(media) && readdirSync(media).length) throw new RestoreRefused(`${media} is not empty: restore only goes into an empty data directory`)
  const leftovers = existsSync(dataDir) ? readdirSync(dataDir).filter((f) => /\.restoring-\d+$/.test(f)) : []
  if (leftovers.length) throw new RestoreRefused(`${dataDir} has leftovers of an interrupted restore (${leftovers.join(', ')}): remove them and run restore again`)
}

function fsyncPath(path: string) {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function count(db: Database, table: string): number | null {
  const exists = db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)!.n
  return exists ? db.query<{ n: number }, []>(`SELECT count(*) AS n FROM "${table.replace(/"/g, '')}"`).get()!.n : null
}

/** Which of the candidate keys decrypts the channel credentials in the database (first one wins). */
function channelSecrets(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true })
  try {
    const has = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'channels'").get()!.n
    if (!has) return []
    return db.query<{ secrets: string }, []>("SELECT secrets FROM channels WHERE secrets != ''").all().map((r) => r.secrets)
  } finally {
    db.close()
  }
}

function readable(secrets: string[], key: string | null): number {
  if (!key) return 0
  const k = deriveKey(key)
  let ok = 0
  for (const s of secrets) {
    try {
      unseal(k, s)
      ok++
    } catch {
      // another key
    }
  }
  return ok
}

export function restoreBackup(o: { source: string; dataDir: string; envSecretKey: string | null; latestSchema: number }): RestoreResult {
  const started = performance.now()
  const source = resolve(o.source)
  const dataDir = resolve(o.dataDir)
  const warnings: string[] = []
  if (!existsSync(source) || !statSync(source).isFile()) throw new RestoreRefused(`${source}: no such backup file`)
  const head = new Uint8Array(16)
  const fd = openSync(source, 'r')
  try {
    readSync(fd, head, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (new TextDecoder().decode(head) !== 'SQLite format 3\0') throw new RestoreRefused(`${source} is not a SQLite database (a Kumquat backup is the .db file; its media archive sits beside it)`)
  checkRestoreTarget(dataDir)

  // 1. The snapshot must be sound and not newer than this binary.
  let schema: number
  try {
    schema = verifySnapshot(source)
  } catch (err) {
    throw new RestoreRefused(`${source} failed its check: ${(err as Error).message}`)
  }
  if (schema === 0) throw new RestoreRefused(`${source} is not a Kumquat database (no schema_migrations table)`)
  if (schema > o.latestSchema) {
    throw new RestoreRefused(`${source} was written by a newer Kumquat (schema ${schema}; this binary knows up to ${o.latestSchema}): restore it with that version or newer`)
  }
  const snap = new Database(source, { readonly: true })
  const users = count(snap, 'users')
  const tickets = count(snap, 'tickets')
  snap.close()

  mkdirSync(dataDir, { recursive: true })
  const suffix = `.restoring-${process.pid}`
  const dbFile = databasePath(dataDir)
  const dbTmp = dbFile + suffix
  const mediaTmp = join(dataDir, 'media' + suffix)
  const keyFile = join(dataDir, 'secret.key')
  let backupKey: string | null = null
  let media: RestoreResult['media'] = null

  try {
    // 2. The database, copied and flushed under a temporary name.
    copyFileSync(source, dbTmp)
    chmodSync(dbTmp, 0o600)
    fsyncPath(dbTmp)

    // 3. The media archive, each file checked against its name (its sha256) before it is kept.
    const archive = mediaArchivePath(source)
    if (existsSync(archive)) {
      media = { archive, files: 0, bytes: 0, damaged: [] }
      const m = media
      mkdirSync(mediaTmp, { recursive: true, mode: 0o700 })
      try {
        readTar(archive, (entry) => {
          if (entry.type === '5') return null
          if (entry.name === 'secret.key' && entry.type === '0') {
            const parts: Uint8Array[] = []
            return (chunk) => {
              if (chunk) parts.push(chunk.slice())
              else backupKey = Buffer.concat(parts).toString('utf8').trim()
            }
          }
          const match = /^media\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(entry.name)
          if (!match || entry.type !== '0' || !match[2].startsWith(match[1])) {
            warnings.push(`skipped unexpected archive entry ${JSON.stringify(entry.name)}`)
            return null
          }
          const dir = join(mediaTmp, match[1])
          mkdirSync(dir, { recursive: true, mode: 0o700 })
          const target = join(dir, match[2])
          const out = openSync(target, 'w', 0o600)
          const hasher = new Bun.CryptoHasher('sha256')
          return (chunk) => {
            if (chunk) {
              hasher.update(chunk)
              let off = 0
              while (off < chunk.length) off += writeSync(out, chunk, off, chunk.length - off)
              return
            }
            fsyncSync(out)
            closeSync(out)
            if (hasher.digest('hex') !== match[2]) {
              rmSync(target, { force: true })
              m.damaged.push(`${match[1]}/${match[2]}`)
              return
            }
            m.files++
            m.bytes += entry.size
          }
        })
      } catch (err) {
        if (err instanceof TarError) throw new RestoreRefused(`${archive} is damaged: ${err.message}`)
        throw err
      }
      if (m.damaged.length) warnings.push(`${m.damaged.length} media file(s) in the archive are damaged and were left out; their messages will show the file as unavailable`)
    } else {
      warnings.push(`no media archive beside the snapshot (${archive}): media files were not restored`)
    }

    // 4. The key that decrypts channel credentials: the environment's, else the one that works.
    const secrets = channelSecrets(dbTmp)
    const existingKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : null
    let secretKey: RestoreResult['secretKey']
    let readableCount: number
    if (o.envSecretKey) {
      secretKey = 'env'
      readableCount = readable(secrets, o.envSecretKey)
    } else if (existingKey && (!backupKey || backupKey === existingKey || readable(secrets, existingKey) >= readable(secrets, backupKey))) {
      secretKey = 'kept'
      readableCount = readable(secrets, existingKey)
    } else if (backupKey) {
      if (existingKey) renameSync(keyFile, `${keyFile}.before-restore-${Date.now()}`)
      const kf = openSync(keyFile, 'wx', 0o600)
      writeSync(kf, backupKey + '\n')
      fsyncSync(kf)
      closeSync(kf)
      secretKey = 'from-backup'
      readableCount = readable(secrets, backupKey)
    } else {
      secretKey = 'missing'
      readableCount = 0
    }
    if (secrets.length && readableCount < secrets.length) {
      warnings.push(
        `the credentials of ${secrets.length - readableCount} of ${secrets.length} channel(s) cannot be decrypted with ${secretKey === 'env' ? 'KUMQUAT_SECRET_KEY' : 'the available key'}: ` +
          'put the old installation\'s secret.key into the data directory (or set KUMQUAT_SECRET_KEY to the old value) before starting, or type the channel credentials again',
      )
    }

    // 5. Into place: media, then the database last.
    if (media) {
      const mediaDir = join(dataDir, 'media')
      if (existsSync(mediaDir)) rmSync(mediaDir, { recursive: true }) // empty (checked above)
      renameSync(mediaTmp, mediaDir)
    }
    renameSync(dbTmp, dbFile)
    fsyncPath(dataDir)
    return {
      dataDir,
      database: { file: dbFile, bytes: statSync(dbFile).size, schema, users, tickets },
      media,
      secretKey,
      channels: { total: secrets.length, readable: readableCount },
      warnings,
      ms: Math.round(performance.now() - started),
    }
  } catch (err) {
    rmSync(dbTmp, { force: true })
    rmSync(mediaTmp, { recursive: true, force: true })
    throw err
  }
}
