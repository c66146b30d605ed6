#!/usr/bin/env bun
// Entry point: `kumquat [serve]`, `migrate`, `admin create`, `token create`, `backup FILE`, `version`.
import './env-defaults'
import { parseArgs } from 'node:util'
import pkg from '../package.json' with { type: 'json' }
import { createUser } from './admin/users'
import { ConfigError, envWithBinaryDotEnv, loadConfig, type Config } from './config'
import { createContext } from './context'
import { backupDatabase } from './db/backup'
import { currentVersion, DatabaseTooNewError, LATEST_VERSION, migrate } from './db/migrate'
import { openDatabase, write } from './db/open'
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
  backup FILE                    write a consistent snapshot of the database to FILE (safe while serving)
  version                        print the version
  help                           this text

Settings come from KUMQUAT_* environment variables or a .env file:
  KUMQUAT_PORT (3000), KUMQUAT_HOST (0.0.0.0), KUMQUAT_DATA_DIR (./data), KUMQUAT_BASE_URL,
  KUMQUAT_SECRET_KEY, KUMQUAT_LANGUAGE (pt-BR|en), KUMQUAT_TIME_ZONE (America/Sao_Paulo),
  KUMQUAT_MAX_BODY_BYTES (1048576), KUMQUAT_SESSION_DAYS (1), KUMQUAT_REMEMBER_DAYS (30), LOG_LEVEL (info)
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
  const file = args[0]
  if (!file) throw new UsageError('backup needs a target FILE')
  const db = openDatabase(config.dataDir)
  const result = backupDatabase(db, file)
  db.close()
  process.stdout.write(`backup written: ${result.file} (${result.bytes} bytes, ${result.ms} ms, integrity ok)\n`)
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
