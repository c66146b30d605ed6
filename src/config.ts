// All settings in one typed object, read from KUMQUAT_* env vars (Bun loads `.env` from the
// working directory; we also read a `.env` beside the binary). Validated at start: a bad value
// stops the process with a message naming the variable.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  port: number
  host: string
  dataDir: string
  baseUrl: string
  secure: boolean // cookies Secure/__Host- when the public URL is https
  secretKey: string | null // null: generated and kept in <dataDir>/secret.key
  logLevel: LogLevel
  maxBodyBytes: number
  sessionDays: number
  rememberDays: number
  defaultLanguage: 'pt-BR' | 'en'
  timeZone: string
  eventRetention: number // how many events the replay buffer keeps
  /** KUMQUAT_LITESTREAM=1: Litestream replicates the database and owns checkpoints (README "Litestream") */
  litestream: boolean
  /** Free space in the data dir below which admins are warned (KUMQUAT_DISK_MIN_FREE_MB) */
  diskMinFreeBytes: number
  /** Days a processed webhook delivery (and a sent outbox row) is kept (KUMQUAT_INBOUND_RETENTION_DAYS, src/ops/housekeeping.ts) */
  inboundRetentionDays: number
  /** Days a delivery that failed processing is kept for inspection (KUMQUAT_INBOUND_FAILED_RETENTION_DAYS) */
  inboundFailedRetentionDays: number
}

export class ConfigError extends Error {
  constructor(public variable: string, message: string) {
    super(`${variable}: ${message}`)
  }
}

type Env = Record<string, string | undefined>

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(name, `must be 1 or 0 (true/false), got "${env[name]}"`)
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(name, `must start with http:// or https://, got "${raw}"`)
  }
  return raw.replace(/\/+$/, '')
}

function timeZone(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw })
  } catch {
    throw new ConfigError(name, `is not a known time zone, got "${raw}"`)
  }
  return raw
}

/** Parses a .env file: KEY=value lines, # comments, optional quotes. */
export function parseDotEnv(text: string): Env {
  const out: Env = {}
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (!m) continue
    let value = m[2]
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1)
    out[m[1]] = value
  }
  return out
}

/** The `.env` beside the executable fills what the environment (and the cwd `.env`) left unset. */
export function envWithBinaryDotEnv(env: Env = process.env): Env {
  const file = join(dirname(process.execPath), '.env')
  if (!existsSync(file) || resolve(file) === resolve('.env')) return env
  return { ...parseDotEnv(readFileSync(file, 'utf8')), ...env }
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'KUMQUAT_PORT', 3000, 0, 65535)
  const baseUrl = url(env, 'KUMQUAT_BASE_URL', `http://localhost:${port || 3000}`)
  const secretKey = env.KUMQUAT_SECRET_KEY || null
  if (secretKey !== null && secretKey.length < 32) {
    throw new ConfigError('KUMQUAT_SECRET_KEY', 'must be at least 32 characters (try: openssl rand -hex 32)')
  }
  const logLevel = oneOf(env, 'LOG_LEVEL', oneOf(env, 'KUMQUAT_LOG_LEVEL', 'info', LEVELS), LEVELS)
  return {
    port,
    host: env.KUMQUAT_HOST || '0.0.0.0',
    dataDir: resolve(env.KUMQUAT_DATA_DIR || './data'),
    baseUrl,
    secure: baseUrl.startsWith('https://'),
    secretKey,
    logLevel,
    maxBodyBytes: int(env, 'KUMQUAT_MAX_BODY_BYTES', 1024 * 1024, 1024, 512 * 1024 * 1024),
    sessionDays: int(env, 'KUMQUAT_SESSION_DAYS', 1, 1, 365),
    rememberDays: int(env, 'KUMQUAT_REMEMBER_DAYS', 30, 1, 365),
    defaultLanguage: oneOf(env, 'KUMQUAT_LANGUAGE', 'pt-BR', ['pt-BR', 'en'] as const),
    timeZone: timeZone(env, 'KUMQUAT_TIME_ZONE', 'America/Sao_Paulo'),
    eventRetention: int(env, 'KUMQUAT_EVENT_BUFFER', 10000, 100, 10_000_000),
    litestream: bool(env, 'KUMQUAT_LITESTREAM', false),
    diskMinFreeBytes: int(env, 'KUMQUAT_DISK_MIN_FREE_MB', 256, 0, 10_000_000) * 1024 * 1024,
    inboundRetentionDays: int(env, 'KUMQUAT_INBOUND_RETENTION_DAYS', 7, 1, 3650),
    inboundFailedRetentionDays: int(env, 'KUMQUAT_INBOUND_FAILED_RETENTION_DAYS', 30, 1, 3650),
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
