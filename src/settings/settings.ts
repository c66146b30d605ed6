// General and communication settings, kept in the `settings` table (key → JSON). Environment
// variables give the first values (KUMQUAT_TIME_ZONE, KUMQUAT_LANGUAGE, KUMQUAT_SESSION_DAYS, ...);
// what an admin saves here wins from then on. Every save is one transaction with its audit entry
// (which fields changed, never secret values).
//
// Readers elsewhere: the desk reads 'desk.reopen_window_minutes' (desk/actions.ts), sessions read
// sessionLifetime() (http/auth.ts), user passwords go through passwordProblem() (admin/users.ts),
// customer-facing texts through messageFor() (the protocol message, out-of-hours, ...).
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, type FieldProblem } from '../http/errors'
import { isLang, t, type Lang, type MessageKey } from '../i18n'

/** What the retention job does to old closed tickets (src/lgpd/retention.ts); 'delete' cannot be undone. */
export const RETENTION_MODES = ['anonymize', 'media', 'delete'] as const
export type RetentionMode = (typeof RETENTION_MODES)[number]

export interface PasswordPolicy {
  min_length: number
  /** at least one letter and one digit */
  letters_and_digits: boolean
  /** at least one character that is neither a letter nor a digit */
  symbol: boolean
}

export interface GeneralSettings {
  company_name: string
  time_zone: string
  language: Lang
  reopen_window_minutes: number
  /** the default of "classification required to close" for new sectors */
  require_classification: boolean
  /** closed tickets older than `months`: 'anonymize' clears message texts and media, 'media' removes media files only, 'delete' deletes the tickets; 0 = keep */
  retention_months: number
  retention_mode: RetentionMode
  /** how long a browser session lasts without activity, and with "keep me signed in" */
  session_hours: number
  remember_days: number
  password: PasswordPolicy
}

const KEY_GENERAL = 'general'
/** Read by the desk (desk/actions.ts REOPEN_WINDOW_SETTING, same name and default; not imported to keep this module light). */
const REOPEN_WINDOW_SETTING = 'desk.reopen_window_minutes'
const DEFAULT_REOPEN_WINDOW_MINUTES = 60
const KEY_LOGO = 'general.logo'
const KEY_MESSAGES = 'messages'

export function defaultGeneral(ctx: Context): GeneralSettings {
  return {
    company_name: 'Kumquat',
    time_zone: ctx.config.timeZone,
    language: ctx.config.defaultLanguage,
    reopen_window_minutes: DEFAULT_REOPEN_WINDOW_MINUTES,
    require_classification: false,
    retention_months: 0,
    retention_mode: 'anonymize',
    session_hours: ctx.config.sessionDays * 24,
    remember_days: ctx.config.rememberDays,
    password: { min_length: 8, letters_and_digits: false, symbol: false },
  }
}

/** The environment's values, remembered before any saved setting is applied over them. */
const envDefaults = new WeakMap<Context, GeneralSettings>()

export function generalSettings(ctx: Context): GeneralSettings {
  if (!envDefaults.has(ctx)) envDefaults.set(ctx, defaultGeneral(ctx))
  const base = envDefaults.get(ctx)!
  const stored = ctx.stores.settings.get<Partial<GeneralSettings>>(KEY_GENERAL) ?? {}
  const reopen = ctx.stores.settings.get<number>(REOPEN_WINDOW_SETTING)
  return {
    ...base,
    ...stored,
    password: { ...base.password, ...(stored.password ?? {}) },
    reopen_window_minutes: typeof reopen === 'number' ? reopen : base.reopen_window_minutes,
  }
}

/**
 * Puts the saved time zone and default language into the running config, which pages, dates and
 * protocol numbers read (called at start and after each save).
 */
export function applyToConfig(ctx: Context) {
  const g = generalSettings(ctx)
  ctx.config.timeZone = g.time_zone
  ctx.config.defaultLanguage = g.language
}

const validZone = (z: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z })
    return z.length <= 64
  } catch {
    return false
  }
}

const int = (v: unknown, min: number, max: number): number | null => {
  const n = typeof v === 'string' && /^\d{1,9}$/.test(v.trim()) ? Number(v.trim()) : v
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : null
}
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : v === '1' || v === 'true' ? true : v === '0' || v === 'false' || v === '' ? false : null)

export type GeneralInput = { [K in keyof GeneralSettings]?: unknown } & { password?: unknown }

/** Checks the fields present over the current values; returns the new values and the problems. */
export function validateGeneral(ctx: Context, input: GeneralInput) {
  const out = generalSettings(ctx)
  const problems: FieldProblem[] = []
  const bad = (field: string, key: MessageKey) => problems.push({ field, key })
  if (input.company_name !== undefined) {
    const n = typeof input.company_name === 'string' ? input.company_name.trim() : ''
    if (!n || n.length > 120) bad('company_name', 'settings.valid_company_name')
    else out.company_name = n
  }
  if (input.time_zone !== undefined) {
    if (typeof input.time_zone !== 'string' || !validZone(input.time_zone)) bad('time_zone', 'settings.valid_time_zone')
    else out.time_zone = input.time_zone
  }
  if (input.language !== undefined) {
    if (!isLang(input.language)) bad('language', 'settings.valid_language')
    else out.language = input.language
  }
  const ints: [keyof GeneralSettings, number, number, MessageKey][] = [
    ['reopen_window_minutes', 0, 10_080, 'settings.valid_reopen'],
    ['retention_months', 0, 240, 'settings.valid_retention'],
    ['session_hours', 1, 24 * 90, 'settings.valid_session_hours'],
    ['remember_days', 1, 365, 'settings.valid_remember_days'],
  ]
  for (const [field, min, max, key] of ints) {
    if (input[field] === undefined) continue
    const n = int(input[field], min, max)
    if (n === null) bad(field, key)
    else (out as unknown as Record<string, number>)[field] = n
  }
  if (input.require_classification !== undefined) {
    const b = bool(input.require_classification)
    if (b === null) bad('require_classification', 'form.required')
    else out.require_classification = b
  }
  if (input.retention_mode !== undefined) {
    if (!(RETENTION_MODES as readonly unknown[]).includes(input.retention_mode)) bad('retention_mode', 'settings.valid_retention_mode')
    else out.retention_mode = input.retention_mode as RetentionMode
  }
  if (input.password !== undefined) {
    const p = input.password && typeof input.password === 'object' ? (input.password as Record<string, unknown>) : null
    if (!p) bad('password.min_length', 'settings.valid_password_min')
    else {
      if (p.min_length !== undefined) {
        const n = int(p.min_length, 8, 128)
        if (n === null) bad('password.min_length', 'settings.valid_password_min')
        else out.password.min_length = n
      }
      for (const f of ['letters_and_digits', 'symbol'] as const) {
        if (p[f] === undefined) continue
        const b = bool(p[f])
        if (b === null) bad(`password.${f}`, 'form.required')
        else out.password[f] = b
      }
    }
  }
  return { values: out, problems }
}

export function saveGeneral(ctx: Context, actorId: number | null, input: GeneralInput, ip: string | null): GeneralSettings {
  const before = generalSettings(ctx)
  const { values, problems } = validateGeneral(ctx, input)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const changed = (Object.keys(values) as (keyof GeneralSettings)[]).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(before[k]))
  write(ctx.db, () => {
    const { reopen_window_minutes, ...rest } = values
    ctx.stores.settings.set(KEY_GENERAL, rest)
    ctx.stores.settings.set(REOPEN_WINDOW_SETTING, reopen_window_minutes)
    ctx.stores.audit.record({
      actor_id: actorId,
      action: 'settings.update',
      object_type: 'settings',
      object_id: 'general',
      ip,
      details: { changed, ...Object.fromEntries(changed.map((k) => [k, values[k]])) },
    })
  })
  applyToConfig(ctx)
  return generalSettings(ctx)
}

// ---- passwords and sessions ------------------------------------------------------------------

/** The problem with a new password under the policy, or null when it passes. */
export function passwordProblem(ctx: Context, password: string): MessageKey | null {
  const p = generalSettings(ctx).password
  // At the shipped minimum, the general message ("between 8 and 200 characters") says it exactly.
  if (password.length < p.min_length || password.length > 200) return p.min_length === 8 ? 'valid.password' : 'settings.password_too_short'
  if (p.letters_and_digits && !(/\p{L}/u.test(password) && /\p{Nd}/u.test(password))) return 'settings.password_letters_digits'
  if (p.symbol && !/[^\p{L}\p{Nd}]/u.test(password)) return 'settings.password_symbol'
  return null
}

/** The policy in words, for the hint under password fields. */
export function passwordHint(ctx: Context, lang: Lang): string {
  const p = generalSettings(ctx).password
  const parts = [t(lang, 'settings.password_hint_min', { min: p.min_length })]
  if (p.letters_and_digits) parts.push(t(lang, 'settings.password_hint_letters_digits'))
  if (p.symbol) parts.push(t(lang, 'settings.password_hint_symbol'))
  return parts.join(' ')
}

/** How long a session lives: idle time for a browser session, or the "keep me signed in" length. */
export function sessionLifetime(ctx: Context, remember: boolean): number {
  const g = generalSettings(ctx)
  return remember ? g.remember_days * 86_400_000 : g.session_hours * 3_600_000
}

// ---- logo ---------------------------------------------------------------------------------------

export interface Logo {
  mime: string
  data: string // base64
  updated_at: number
}

export const MAX_LOGO_BYTES = 200 * 1024

/** PNG, JPEG, GIF or WebP by their magic bytes (never SVG: it can carry script). */
export function logoType(bytes: Uint8Array): string | null {
  const b = bytes
  if (b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png'
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length > 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'image/gif'
  if (b.length > 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return 'image/webp'
  return null
}

export const logoOf = (ctx: Context): Logo | null => ctx.stores.settings.get<Logo>(KEY_LOGO)

export function saveLogo(ctx: Context, actorId: number, bytes: Uint8Array | null, ip: string | null) {
  let logo: Logo | null = null
  if (bytes) {
    if (bytes.length > MAX_LOGO_BYTES) throw badRequest('validation_failed', 'error.validation', [{ field: 'logo', key: 'settings.valid_logo_size' }])
    const mime = logoType(bytes)
    if (!mime) throw badRequest('validation_failed', 'error.validation', [{ field: 'logo', key: 'settings.valid_logo_type' }])
    logo = { mime, data: Buffer.from(bytes).toString('base64'), updated_at: Date.now() }
  }
  write(ctx.db, () => {
    if (logo) ctx.stores.settings.set(KEY_LOGO, logo)
    else ctx.db.query('DELETE FROM settings WHERE key = ?').run(KEY_LOGO)
    ctx.stores.audit.record({ actor_id: actorId, action: logo ? 'settings.logo' : 'settings.logo_removed', object_type: 'settings', object_id: 'general', ip, details: logo ? { mime: logo.mime, size: bytes!.length } : {} })
  })
}

// ---- communication: default messages -------------------------------------------------------------

export const MESSAGE_KEYS = ['protocol', 'out_of_hours', 'inactivity', 'survey_thanks'] as const
export type MessageName = (typeof MESSAGE_KEYS)[number]
export const MESSAGE_CHANNELS = ['default', 'whatsapp', 'webchat', 'email'] as const
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number]
export const MAX_MESSAGE = 1000

/** Per message: per channel ('default' for all): per language. Missing = the built-in text. */
export type Messages = Partial<Record<MessageName, Partial<Record<MessageChannel, Partial<Record<Lang, string>>>>>>

/** The built-in texts (catalog keys), used when nothing is configured. */
export const MESSAGE_DEFAULTS: Record<MessageName, MessageKey> = {
  protocol: 'desk.protocol_message',
  out_of_hours: 'comm.default.out_of_hours',
  inactivity: 'comm.default.inactivity',
  survey_thanks: 'comm.default.survey_thanks',
}

export const messagesOf = (ctx: Context): Messages => ctx.stores.settings.get<Messages>(KEY_MESSAGES) ?? {}

/**
 * The text to send a customer: what the admin configured for this channel and language, else for
 * every channel, else the built-in text. `{name}` placeholders take `vars` (e.g. { protocolo }).
 */
export function messageFor(ctx: Context, key: MessageName, lang: Lang, opts: { channel?: Exclude<MessageChannel, 'default'> | null; vars?: Record<string, string | number> } = {}): string {
  const m = messagesOf(ctx)[key]
  const configured = (opts.channel ? m?.[opts.channel]?.[lang] : undefined) || m?.default?.[lang]
  const vars = opts.vars ?? {}
  if (!configured) return t(lang, MESSAGE_DEFAULTS[key], vars)
  return configured.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole))
}

export function saveMessages(ctx: Context, actorId: number | null, input: unknown, ip: string | null): Messages {
  const problems: FieldProblem[] = []
  const out: Messages = {}
  const src = input && typeof input === 'object' ? (input as Record<string, unknown>) : null
  if (!src) throw badRequest('validation_failed', 'error.validation', [{ field: 'messages', key: 'error.validation' }])
  for (const [key, perChannel] of Object.entries(src)) {
    if (!(MESSAGE_KEYS as readonly string[]).includes(key) || !perChannel || typeof perChannel !== 'object') {
      problems.push({ field: key, key: 'error.validation' })
      continue
    }
    for (const [channel, perLang] of Object.entries(perChannel as Record<string, unknown>)) {
      if (!(MESSAGE_CHANNELS as readonly string[]).includes(channel) || !perLang || typeof perLang !== 'object') {
        problems.push({ field: `${key}.${channel}`, key: 'error.validation' })
        continue
      }
      for (const [lang, text] of Object.entries(perLang as Record<string, unknown>)) {
        const field = `${key}.${channel}.${lang}`
        if (!isLang(lang) || (text !== null && typeof text !== 'string')) problems.push({ field, key: 'error.validation' })
        else if (typeof text === 'string' && text.trim().length > MAX_MESSAGE) problems.push({ field, key: 'settings.valid_message' })
        else if (typeof text === 'string' && text.trim()) {
          const k = key as MessageName
          const c = channel as MessageChannel
          out[k] ??= {}
          out[k]![c] ??= {}
          out[k]![c]![lang] = text.trim()
        }
      }
    }
  }
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const before = messagesOf(ctx)
  const changed = MESSAGE_KEYS.filter((k) => JSON.stringify(before[k] ?? {}) !== JSON.stringify(out[k] ?? {}))
  write(ctx.db, () => {
    ctx.stores.settings.set(KEY_MESSAGES, out)
    ctx.stores.audit.record({ actor_id: actorId, action: 'settings.update', object_type: 'settings', object_id: 'messages', ip, details: { changed } })
  })
  return out
}
