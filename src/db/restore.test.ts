import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { storeMediaFile } from '../desk/media-files'
import { createLogger } from '../logger'
import { backupAll, mediaArchivePath } from './backup'
import { LATEST_VERSION } from './migrate'
import { databasePath, write } from './open'
import { checkRestoreTarget, lockHolders, restoreBackup, RestoreRefused } from './restore'

const dirs: string[] = []
const temp = (name = 'kumquat-restore-') => {
  const d = mkdtempSync(join(tmpdir(), name))
  dirs.push(d)
  return d
}
const contexts: Context[] = []
afterEach(() => {
  for (const c of contexts.splice(0)) c.db.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A data dir with a user, a WhatsApp channel (sealed credentials) and two media files. */
function installation(env: Record<string, string> = {}) {
  const dataDir = temp()
  const ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dataDir, ...env }), createLogger('silent'))
  contexts.push(ctx)
  write(ctx.db, () => {
    const sector = ctx.stores.sectors.create({ name: 'Suporte', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
    ctx.stores.channels.create({
      type: 'whatsapp', name: 'Loja', sector_id: sector, bot_flow_id: null, webhook_key: 'k'.repeat(32),
      settings: { phone_number_id: '123' }, secrets: { access_token: 'EAAG-secret', app_secret: 'app' }, lookup_key: '123',
    })
  })
  const a = storeMediaFile(ctx, new TextEncoder().encode('first file'))
  const b = storeMediaFile(ctx, crypto.getRandomValues(new Uint8Array(70_000)))
  return { ctx, dataDir, media: [a, b] }
}

function backup(ctx: Context, secretKeyFile: string | null = join(ctx.config.dataDir, 'secret.key')) {
  const out = temp('kumquat-backups-')
  return backupAll(ctx.db, { target: join(out, 'snap.db'), mediaDir: ctx.mediaDir, secretKeyFile })
}

const restoreInto = (source: string, dataDir: string, envSecretKey: string | null = null) => restoreBackup({ source, dataDir, envSecretKey, latestSchema: LATEST_VERSION })

describe('backup + restore', () => {
  test('round trip: database, media (hash-checked), secret key; channel credentials readable again', () => {
    const { ctx, media } = installation()
    const r = backup(ctx)
    expect(r.database.schema).toBe(LATEST_VERSION)
    expect(r.media).toMatchObject({ files: 2, bytes: 'first file'.length + 70_000, damaged: [] })
    expect(r.secretKey).toBe(true)
    expect(statSync(r.database.file).mode & 0o077).toBe(0) // customer data: not world-readable

    const target = join(temp(), 'data')
    const restored = restoreInto(r.database.file, target)
    expect(restored).toMatchObject({ secretKey: 'from-backup', channels: { total: 1, readable: 1 }, warnings: [] })
    expect(restored.media).toMatchObject({ files: 2, damaged: [] })
    for (const sha of media) expect(readFileSync(join(target, 'media', sha.slice(0, 2), sha))).toEqual(readFileSync(join(ctx.mediaDir, sha.slice(0, 2), sha)))
    expect(readFileSync(join(target, 'secret.key'), 'utf8')).toBe(readFileSync(join(ctx.config.dataDir, 'secret.key'), 'utf8'))
    expect(readdirSync(target).sort()).toEqual(['kumquat.db', 'media', 'secret.key'])

    // The restored installation works: same users/channels, credentials decrypt.
    const again = createContext(loadConfig({ KUMQUAT_DATA_DIR: target }), createLogger('silent'))
    contexts.push(again)
    expect(again.stores.channels.secrets<{ access_token: string }>(again.stores.channels.list()[0].id).access_token).toBe('EAAG-secret')
  })

  test('KUMQUAT_SECRET_KEY: not in the backup; restore checks the env key against the credentials', () => {
    const key = 'e'.repeat(40)
    const { ctx } = installation({ KUMQUAT_SECRET_KEY: key })
    const r = backup(ctx, null)
    expect(r.secretKey).toBe(false)
    const good = restoreInto(r.database.file, join(temp(), 'd'), key)
    expect(good).toMatchObject({ secretKey: 'env', channels: { total: 1, readable: 1 }, warnings: [] })
    const bad = restoreInto(r.database.file, join(temp(), 'd'), 'f'.repeat(40))
    expect(bad.channels).toEqual({ total: 1, readable: 0 })
    expect(bad.warnings.join('\n')).toMatch(/cannot be decrypted.*KUMQUAT_SECRET_KEY/)
    const none = restoreInto(r.database.file, join(temp(), 'd'))
    expect(none.secretKey).toBe('missing')
    expect(none.warnings.join('\n')).toMatch(/secret\.key/)
  })

  test('a stray secret.key in the target (from a first start) is replaced by the backup key that works, and kept aside', () => {
    const { ctx } = installation()
    const r = backup(ctx)
    const target = temp()
    writeFileSync(join(target, 'secret.key'), 'x'.repeat(64) + '\n')
    const restored = restoreInto(r.database.file, target)
    expect(restored.secretKey).toBe('from-backup')
    expect(restored.channels.readable).toBe(1)
    expect(readdirSync(target).some((f) => f.startsWith('secret.key.before-restore-'))).toBe(true)
  })

  test('refuses a data dir with a database, with media, or leftovers; names a live server by pid', async () => {
    const { ctx, dataDir } = installation()
    const r = backup(ctx)
    expect(() => restoreInto(r.database.file, dataDir)).toThrow(RestoreRefused)
    expect(() => restoreInto(r.database.file, dataDir)).toThrow(/already has a database/)

    // Only the WAL left behind would be replayed into the restored file: refused too.
    const walOnly = temp()
    writeFileSync(join(walOnly, 'kumquat.db-wal'), 'x')
    expect(() => checkRestoreTarget(walOnly)).toThrow(/already has a database \(kumquat\.db-wal\)/)

    const withMedia = temp()
    mkdirSync(join(withMedia, 'media/ab'), { recursive: true })
    expect(() => checkRestoreTarget(withMedia)).toThrow(/media is not empty/)

    // Another process with the database open (like a running server) is named.
    const holder = Bun.spawn(
      [process.execPath, '-e', `const { Database } = require('bun:sqlite'); const d = new Database(${JSON.stringify(databasePath(dataDir))}); d.query('SELECT count(*) FROM users').get(); console.log('open'); setInterval(() => {}, 1000)`],
      { stdout: 'pipe', stderr: 'inherit' },
    )
    try {
      const reader = holder.stdout.getReader()
      await reader.read()
      reader.releaseLock()
      expect(lockHolders([`${databasePath(dataDir)}-shm`])).toContain(holder.pid)
      expect(() => checkRestoreTarget(dataDir)).toThrow(new RegExp(`running Kumquat \\(pid ${holder.pid}\\)`))
    } finally {
      holder.kill()
      await holder.exited
    }
  })

  test('refuses what is not a sound Kumquat snapshot, before writing anything', () => {
    const d = temp()
    const target = join(d, 'target')
    writeFileSync(join(d, 'text.db'), 'not a database at all, really')
    expect(() => restoreInto(join(d, 'text.db'), target)).toThrow(/not a SQLite database/)
    expect(() => restoreInto(join(d, 'missing.db'), target)).toThrow(/no such backup file/)

    const other = new Database(join(d, 'other.db'))
    other.exec('CREATE TABLE t (x)')
    other.close()
    expect(() => restoreInto(join(d, 'other.db'), target)).toThrow(/not a Kumquat database/)

    const { ctx } = installation()
    const r = backup(ctx)
    const newer = new Database(r.database.file)
    newer.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_VERSION + 1, 'future', 0)
    newer.close()
    expect(() => restoreInto(r.database.file, target)).toThrow(/newer Kumquat/)
    expect(existsSync(target)).toBe(false)
  })

  test('a damaged media file is left out (and said); a truncated archive refuses the whole restore', () => {
    const { ctx, media } = installation()
    const r = backup(ctx)
    const tar = readFileSync(r.media.file)
    // Flip one byte of the second file's data (the big one): its hash no longer matches its name.
    const at = tar.indexOf(Buffer.from(`media/${media[1].slice(0, 2)}/${media[1]}`)) + 512 + 100
    const damaged = Buffer.from(tar)
    damaged[at] ^= 0xff
    writeFileSync(r.media.file, damaged)
    const target = temp()
    const restored = restoreInto(r.database.file, target)
    expect(restored.media?.damaged).toEqual([`${media[1].slice(0, 2)}/${media[1]}`])
    expect(restored.media?.files).toBe(1)
    expect(existsSync(join(target, 'media', media[1].slice(0, 2), media[1]))).toBe(false)
    expect(restored.warnings.join('\n')).toMatch(/damaged/)

    truncateSync(r.media.file, 2048)
    const target2 = temp()
    expect(() => restoreInto(r.database.file, target2)).toThrow(/damaged: archive truncated/)
    expect(readdirSync(target2)).toEqual([]) // nothing half-restored
  })

  test('without the media archive, the database is restored and the missing media said', () => {
    const { ctx } = installation()
    const r = backup(ctx)
    rmSync(mediaArchivePath(r.database.file))
    const restored = restoreInto(r.database.file, temp())
    expect(restored.media).toBeNull()
    expect(restored.secretKey).toBe('missing')
    expect(restored.warnings.join('\n')).toMatch(/no media archive/)
  })

  test('backup refuses to overwrite, and leaves no half pair when the media copy fails', () => {
    const { ctx } = installation()
    const r = backup(ctx)
    expect(() => backupAll(ctx.db, { target: r.database.file, mediaDir: ctx.mediaDir })).toThrow(/already exists/)
    const out = temp()
    writeFileSync(join(out, 'b.db.media.tar'), 'taken')
    expect(() => backupAll(ctx.db, { target: join(out, 'b.db'), mediaDir: ctx.mediaDir })).toThrow(/already exists/)
    expect(existsSync(join(out, 'b.db'))).toBe(false)
    // The media copy fails (here: its temp name is taken by a folder): the snapshot written
    // before it is removed too — a backup is both files or none.
    const broken = temp()
    mkdirSync(join(broken, `c.db.media.tar.partial-${process.pid}`, 'x'), { recursive: true })
    expect(() => backupAll(ctx.db, { target: join(broken, 'c.db'), mediaDir: ctx.mediaDir })).toThrow()
    expect(readdirSync(broken)).toEqual([`c.db.media.tar.partial-${process.pid}`])
  })
})
