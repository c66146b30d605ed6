#!/usr/bin/env bun
// Entry point: `kumquat [serve]`, `migrate`, `admin create`, `token create`, `backup FILE`, `restore FILE`, `version`.
import './env-defaults'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pkg from '../package.json' with { type: 'json' }
import { createUser } from './admin/users'
import { ConfigError, envWithBinaryDotEnv, loadConfig, type Config } from './config'
import { createContext } from './context'
import { backupAll } from './db/backup'
import { restoreBackup, RestoreRefused } from './db/restore'
import { currentVersion, DatabaseTooNewError, LATEST_VERSION, migrate } from './db/migrate'
import { databasePath, openDatabase, write } from './db/open'
import { HttpError } from './http/errors'
import { t } from './i18n'
import { createLogger } from './logger'
import { startServer } from './server'

const HELP = `Kumquat ${pkg.version} — customer service in one file

Usage: kumquat [command] [options]

Commands:
  serve                          start the server (default)
  migrate                        apply database migrations and exit
  admin create --email E --password P [--name N]
                                 create an administrator (headless first run)
  token create --email E --name LABEL
                                 create an API token for a user; prints only the token
  backup FILE [--json]           write a consistent, checked snapshot of the database to FILE and the
                                 media files to FILE.media.tar (safe while serving)
  restore FILE                   restore a backup (FILE and FILE.media.tar) into an EMPTY data dir
  version                        print the version
  help                           this text

Settings come from KUMQUAT_* environment variables or a .env file:
  KUMQUAT_PORT (3000), KUMQUAT_HOST (0.0.0.0), KUMQUAT_DATA_DIR (./data), KUMQUAT_BASE_URL,
  KUMQUAT_SECRET_KEY, KUMQUAT_LANGUAGE (pt-BR|en), KUMQUAT_TIME_ZONE (America/Sao_Paulo),
  KUMQUAT_MAX_BODY_BYTES (1048576), KUMQUAT_SESSION_DAYS (1), KUMQUAT_REMEMBER_DAYS (30), LOG_LEVEL (info),
  KUMQUAT_LITESTREAM (0; 1 when Litestream replicates the database), KUMQUAT_DISK_MIN_FREE_MB (256)
`

class UsageError extends Error {}

function fail(message: string, code = 1): never {
  process.stderr.write(`kumquat: ${message}\n`)
  process.exit(code)
}

function options(args: string[], spec: Record<string, { type: 'string' }>) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

async function serve(config: Config) {
  const log = createLogger(config.logLevel)
  const ctx = createContext(config, log)
  const server = await startServer(ctx)
  log.info({ url: config.baseUrl, port: server.port, data_dir: config.dataDir, version: pkg.version }, 'kumquat listening')
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down')
    // Whatever happens, exit within 5 s.
    setTimeout(() => process.exit(0), 4500).unref()
    server.stop().then(
      () => {
        log.flush()
        process.exit(0)
      },
      (err) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

async function adminCreate(config: Config, args: string[]) {
  const { values } = options(args, { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } })
  if (!values.email || !values.password) throw new UsageError('admin create needs --email and --password')
  const ctx = createContext(config, createLogger('warn'))
  const user = await createUser(ctx, null, { name: values.name ?? values.email.split('@')[0], email: values.email, password: values.password, profile: 'admin' })
  process.stdout.write(`admin created: ${user.email} (id ${user.id})\n`)
}

function tokenCreate(config: Config, args: string[]) {
  const { values } = options(args, { email: { type: 'string' }, name: { type: 'string' } })
  if (!values.email || !values.name) throw new UsageError('token create needs --email and --name')
  const label = values.name.trim()
  if (!label || label.length > 80) throw new UsageError('--name must have 1 to 80 characters')
  const ctx = createContext(config, createLogger('warn'))
  const user = ctx.stores.users.byEmail(values.email)
  if (!user || !user.active) fail(`no active user with e-mail ${values.email}`)
  const token = write(ctx.db, () => {
    const created = ctx.stores.apiTokens.create(user.id, label)
    ctx.stores.audit.record({ actor_id: null, action: 'token.create', object_type: 'api_token', object_id: created.id, details: { label, user_id: user.id, via: 'cli' } })
    return created.token
  })
  process.stdout.write(token + '\n')
}

function runMigrate(config: Config) {
  const db = openDatabase(config.dataDir)
  const before = currentVersion(db)
  const applied = migrate(db)
  db.close()
  process.stdout.write(applied.length ? `migrated from schema ${before} to ${LATEST_VERSION} (applied ${applied.join(', ')})\n` : `schema is up to date (${before})\n`)
}

function runBackup(config: Config, args: string[]) {
  const { positionals, values } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: false })
  const file = positionals[0]
  if (!file || positionals.length > 1) throw new UsageError('usage: kumquat backup FILE [--json]')
  if (!existsSync(databasePath(config.dataDir))) fail(`no database in ${config.dataDir} (set KUMQUAT_DATA_DIR)`)
  const db = openDatabase(config.dataDir)
  // The generated key decrypts the channel credentials: it goes with the media archive. A key given
  // in KUMQUAT_SECRET_KEY is the operator's to keep.
  const r = backupAll(db, { target: file, mediaDir: join(config.dataDir, 'media'), secretKeyFile: config.secretKey ? null : join(config.dataDir, 'secret.key') })
  db.close()
  if (values.json) {
    const out = {
      ok: true, file: r.database.file, db_bytes: r.database.bytes, schema: r.database.schema, media_file: r.media.file, media_files: r.media.files,
      media_bytes: r.media.bytes, archive_bytes: r.media.archiveBytes, damaged: r.media.damaged, secret_key: r.secretKey, ms: r.ms,
    }
    return void process.stdout.write(JSON.stringify(out) + '\n')
  }
  process.stdout.write(
    `database: ${r.database.file} (${r.database.bytes} bytes, schema ${r.database.schema}, integrity ok)\n` +
      `media:    ${r.media.file} (${r.media.files} files, ${r.media.bytes} bytes${r.secretKey ? ', with data/secret.key' : ''})\n` +
      `backup written in ${r.ms} ms\n`,
  )
  if (r.media.damaged.length) process.stderr.write(`kumquat: warning: ${r.media.damaged.length} media file(s) do not match their hash (damaged on disk): ${r.media.damaged.join(', ')}\n`)
  if (config.secretKey) process.stderr.write('kumquat: note: KUMQUAT_SECRET_KEY is not in the backup; keep it safe, a restore needs it to read the channel credentials\n')
}

function runRestore(config: Config, args: string[]) {
  const file = args[0]
  if (!file || args.length > 1) throw new UsageError('usage: kumquat restore FILE   (into the empty data dir KUMQUAT_DATA_DIR)')
  let r: ReturnType<typeof restoreBackup>
  try {
    r = restoreBackup({ source: file, dataDir: config.dataDir, envSecretKey: config.secretKey, latestSchema: LATEST_VERSION })
  } catch (err) {
    if (err instanceof RestoreRefused) fail(`restore refused: ${err.message}`)
    throw err
  }
  const counts = [r.database.users !== null ? `${r.database.users} users` : '', r.database.tickets !== null ? `${r.database.tickets} tickets` : ''].filter(Boolean).join(', ')
  const key = { 'from-backup': 'restored from the backup', kept: 'kept the one in the data dir', env: 'KUMQUAT_SECRET_KEY', missing: 'none (a new one is generated at start)' }[r.secretKey]
  process.stdout.write(
    `database: ${r.database.file} (${r.database.bytes} bytes, schema ${r.database.schema}${counts ? `, ${counts}` : ''}, integrity ok)\n` +
      (r.media ? `media:    ${r.media.files} files, ${r.media.bytes} bytes from ${r.media.archive}\n` : 'media:    none restored\n') +
      `secret key: ${key}; channel credentials readable: ${r.channels.readable}/${r.channels.total}\n` +
      `restored into ${r.dataDir} in ${r.ms} ms` +
      (r.database.schema < LATEST_VERSION ? ` — the next start migrates it from schema ${r.database.schema} to ${LATEST_VERSION}\n` : '\n'),
  )
  for (const w of r.warnings) process.stderr.write(`kumquat: warning: ${w}\n`)
}

async function main(argv: string[]) {
  const [command = 'serve', ...rest] = argv
  if (command === 'help' || command === '--help' || command === '-h') return void process.stdout.write(HELP)
  if (command === 'version' || command === '--version') return void process.stdout.write(`kumquat ${pkg.version}\n`)
  const config = loadConfig(envWithBinaryDotEnv())
  switch (command) {
    case 'serve':
      return serve(config)
    case 'migrate':
      return runMigrate(config)
    case 'backup':
      return runBackup(config, rest)
    case 'restore':
      return runRestore(config, rest)
    case 'admin':
      if (rest[0] !== 'create') throw new UsageError('usage: kumquat admin create --email E --password P [--name N]')
      return adminCreate(config, rest.slice(1))
    case 'token':
      if (rest[0] !== 'create') throw new UsageError('usage: kumquat token create --email E --name LABEL')
      return tokenCreate(config, rest.slice(1))
    default:
      throw new UsageError(`unknown command "${command}" (see kumquat --help)`)
  }
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ConfigError) fail(`invalid setting ${err.message}`, 78)
  if (err instanceof UsageError) fail(err.message, 64)
  if (err instanceof DatabaseTooNewError) fail(err.message, 65)
  if (err instanceof HttpError && err.details) fail(err.details.map((d) => `${d.field}: ${t('en', d.key)}`).join('; '))
  // The message is what an installer needs; the stack only when asked for.
  const e = err as Error
  fail(process.env.LOG_LEVEL === 'debug' || !e?.message ? (e?.stack ?? String(err)) : e.message)
})
