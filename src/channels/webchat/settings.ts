// A web-chat channel's settings: validation (API and admin form share it), defaults, and the
// channel as the API shows it. The channel key is public (it goes in the embed snippet) and stored
// as the channel's lookup key, so a visitor request finds its channel by index.
import type { Context } from '../../context'
import { write } from '../../db/open'
import { badRequest, notFound, type FieldProblem } from '../../http/errors'
import { randomToken } from '../../http/tokens'
import { t } from '../../i18n'
import { checkSectorAndFlow } from '../sector-flow'
import type { Channel } from '../store'

export type PrechatMode = 'required' | 'optional' | 'hidden'
export const PRECHAT_MODES: readonly PrechatMode[] = ['required', 'optional', 'hidden']
export const PRECHAT_FIELDS = ['email', 'phone', 'code'] as const
export type PrechatField = (typeof PRECHAT_FIELDS)[number]

export interface WebchatSettings {
  channel_key: string
  allowed_origins: string[]
  title: string
  greeting: string
  colors: { primary: string; text: string }
  prechat: Record<PrechatField, PrechatMode>
  consent_text: string
  policy_url: string | null
  /** Bumped whenever the consent text or policy changes: a session records the version it agreed to. */
  consent_version: number
  uploads: boolean
  max_file_bytes: number
}

export const MIN_FILE_BYTES = 1_000
export const MAX_FILE_BYTES = 20_000_000
export const DEFAULT_FILE_BYTES = 10_000_000
const MAX_ORIGINS = 20
const HEX = /^#[0-9a-fA-F]{6}$/

export const KEY_PATTERN = /^wc_[A-Za-z0-9_-]{16,64}$/
export const newChannelKey = () => `wc_${randomToken(18)}`

/** The fields a web-chat channel takes (besides type, name, sector_id, bot_flow_id). */
export const WEBCHAT_FIELDS = ['allowed_origins', 'title', 'greeting', 'colors', 'prechat', 'consent_text', 'policy_url', 'uploads', 'max_file_bytes'] as const
const ALL_FIELDS: readonly string[] = ['type', 'name', 'sector_id', 'bot_flow_id', ...WEBCHAT_FIELDS]

export type WebchatInput = Partial<Record<(typeof WEBCHAT_FIELDS)[number] | 'type' | 'name' | 'sector_id' | 'bot_flow_id', unknown>>

export function defaultSettings(ctx: Context): Omit<WebchatSettings, 'channel_key' | 'allowed_origins'> {
  const lang = ctx.config.defaultLanguage
  return {
    title: t(lang, 'webchat.default_title'),
    greeting: t(lang, 'webchat.default_greeting'),
    colors: { primary: '#1f6f4a', text: '#ffffff' },
    prechat: { email: 'optional', phone: 'optional', code: 'hidden' },
    consent_text: t(lang, 'webchat.default_consent'),
    policy_url: null,
    consent_version: 1,
    uploads: true,
    max_file_bytes: DEFAULT_FILE_BYTES,
  }
}

/** A stored channel's settings with defaults filled in (settings written by older versions lack fields). */
export function settingsOf(ctx: Context, c: Channel): WebchatSettings {
  const s = c.settings as Partial<WebchatSettings>
  const d = defaultSettings(ctx)
  return {
    ...d,
    ...s,
    channel_key: String(s.channel_key ?? ''),
    allowed_origins: Array.isArray(s.allowed_origins) ? s.allowed_origins : [],
    colors: { ...d.colors, ...(s.colors ?? {}) },
    prechat: { ...d.prechat, ...(s.prechat ?? {}) },
  }
}

/** `scheme://host[:port]` (http/https), lower case, default port dropped; null when it is not one. */
export function normaliseOrigin(raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const v = raw.trim().replace(/\/$/, '')
  if (!v || v.length > 300 || !/^https?:\/\/[^/?#@\s]+$/i.test(v)) return null
  let u: URL
  try {
    u = new URL(v)
  } catch {
    return null
  }
  if (!u.hostname || u.username || u.password) return null
  return u.origin.toLowerCase()
}

/** An http(s) URL for the privacy policy link. */
function normaliseUrl(raw: string): string | null {
  if (raw.length > 500) return null
  try {
    const u = new URL(raw)
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname && !u.username && !u.password ? u.href : null
  } catch {
    return null
  }
}

const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : null)

export interface CleanWebchat {
  name: string
  sector_id: number
  bot_flow_id: number | null
  settings: WebchatSettings
}

/**
 * Checks every field present (the required ones when creating: name, sector_id, allowed_origins)
 * over the existing channel; returns the clean channel or the problems. Nothing is written here.
 */
export function validateWebchat(ctx: Context, input: WebchatInput, existing: Channel | null): { value: CleanWebchat; problems: FieldProblem[] } {
  const problems: FieldProblem[] = []
  const creating = existing === null
  for (const key of Object.keys(input)) if (!ALL_FIELDS.includes(key)) problems.push({ field: key, key: 'channels.valid_unknown_field' })
  if (!creating && input.type !== undefined && input.type !== 'webchat') problems.push({ field: 'type', key: 'channels.valid_type' })

  const settings: WebchatSettings = existing ? settingsOf(ctx, existing) : { ...defaultSettings(ctx), channel_key: newChannelKey(), allowed_origins: [] }
  let name = existing?.name ?? ''

  if (creating || input.name !== undefined) {
    const v = trimmed(input.name)
    if (!v || v.length > 120) problems.push({ field: 'name', key: 'valid.name' })
    else name = v
  }
  const { sectorId, botFlowId } = checkSectorAndFlow(ctx, input, existing, problems)
  if (creating || input.allowed_origins !== undefined) {
    const raw = input.allowed_origins
    const list = Array.isArray(raw) ? raw.map(normaliseOrigin) : null
    if (!list || list.length === 0 || list.length > MAX_ORIGINS || list.some((o) => o === null)) problems.push({ field: 'allowed_origins', key: 'webchat.valid_origins' })
    else settings.allowed_origins = [...new Set(list as string[])]
  }
  if (input.title !== undefined) {
    const v = trimmed(input.title)
    if (!v || v.length > 60) problems.push({ field: 'title', key: 'webchat.valid_title' })
    else settings.title = v
  }
  if (input.greeting !== undefined) {
    const v = trimmed(input.greeting)
    if (v === null || v.length > 500) problems.push({ field: 'greeting', key: 'webchat.valid_greeting' })
    else settings.greeting = v
  }
  if (input.colors !== undefined) {
    const c = input.colors as { primary?: unknown; text?: unknown } | null
    const ok = c && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).every((k) => k === 'primary' || k === 'text')
    const primary = c?.primary === undefined ? settings.colors.primary : c.primary
    const text = c?.text === undefined ? settings.colors.text : c.text
    if (!ok || typeof primary !== 'string' || typeof text !== 'string' || !HEX.test(primary) || !HEX.test(text)) problems.push({ field: 'colors', key: 'webchat.valid_color' })
    else settings.colors = { primary: primary.toLowerCase(), text: text.toLowerCase() }
  }
  if (input.prechat !== undefined) {
    const p = input.prechat as Record<string, unknown> | null
    const ok = p && typeof p === 'object' && !Array.isArray(p) && Object.entries(p).every(([k, v]) => (k === 'name' ? v === 'required' : (PRECHAT_FIELDS as readonly string[]).includes(k) && (PRECHAT_MODES as readonly unknown[]).includes(v)))
    if (!ok) problems.push({ field: 'prechat', key: 'webchat.valid_prechat' })
    else for (const f of PRECHAT_FIELDS) if (p[f] !== undefined) settings.prechat[f] = p[f] as PrechatMode
  }
  const consentBefore = `${settings.consent_text}\n${settings.policy_url ?? ''}`
  if (input.consent_text !== undefined) {
    const v = trimmed(input.consent_text)
    if (!v || v.length > 2000) problems.push({ field: 'consent_text', key: 'webchat.valid_consent_text' })
    else settings.consent_text = v
  }
  if (input.policy_url !== undefined) {
    const v = input.policy_url === null ? '' : trimmed(input.policy_url)
    const url = v ? normaliseUrl(v) : null
    if (v === null || (v && !url)) problems.push({ field: 'policy_url', key: 'webchat.valid_policy_url' })
    else settings.policy_url = url
  }
  if (!creating && `${settings.consent_text}\n${settings.policy_url ?? ''}` !== consentBefore) settings.consent_version += 1
  if (input.uploads !== undefined) {
    if (typeof input.uploads !== 'boolean') problems.push({ field: 'uploads', key: 'webchat.valid_uploads' })
    else settings.uploads = input.uploads
  }
  if (input.max_file_bytes !== undefined) {
    const n = input.max_file_bytes
    if (!Number.isInteger(n) || (n as number) < MIN_FILE_BYTES || (n as number) > MAX_FILE_BYTES) problems.push({ field: 'max_file_bytes', key: 'webchat.valid_max_file_bytes' })
    else settings.max_file_bytes = n as number
  }
  return { value: { name, sector_id: sectorId, bot_flow_id: botFlowId, settings }, problems }
}

export const embedSnippet = (ctx: Context, key: string) => `<script src="${ctx.config.baseUrl}/webchat.js" data-channel="${key}" async></script>`

/** The web-chat part of the channel as the API shows it (added to channelJson). */
export function webchatJson(ctx: Context, c: Channel) {
  const s = settingsOf(ctx, c)
  return {
    channel_key: s.channel_key,
    embed_snippet: embedSnippet(ctx, s.channel_key),
    allowed_origins: s.allowed_origins,
    title: s.title,
    greeting: s.greeting,
    colors: s.colors,
    prechat: { name: 'required' as const, ...s.prechat },
    consent_text: s.consent_text,
    policy_url: s.policy_url,
    uploads: s.uploads,
    max_file_bytes: s.max_file_bytes,
  }
}

const auditOf = (v: CleanWebchat) => ({
  name: v.name,
  sector_id: v.sector_id,
  bot_flow_id: v.bot_flow_id,
  allowed_origins: v.settings.allowed_origins,
  uploads: v.settings.uploads,
  max_file_bytes: v.settings.max_file_bytes,
  prechat: v.settings.prechat,
  consent_version: v.settings.consent_version,
})

/** Creates a web-chat channel and its audit entry in one transaction. */
export function createWebchatChannel(ctx: Context, actorId: number | null, input: WebchatInput, ip: string | null): Channel {
  const { value, problems } = validateWebchat(ctx, input, null)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const id = write(ctx.db, () => {
    const id = ctx.stores.channels.create({
      type: 'webchat',
      name: value.name,
      sector_id: value.sector_id,
      bot_flow_id: value.bot_flow_id,
      webhook_key: randomToken(24),
      settings: { ...value.settings },
      secrets: {},
      lookup_key: value.settings.channel_key,
    })
    ctx.stores.audit.record({ actor_id: actorId, action: 'channel.create', object_type: 'channel', object_id: id, ip, details: { type: 'webchat', ...auditOf(value) } })
    return id
  })
  ctx.log.info({ channel_id: id, type: 'webchat' }, 'channel created')
  return ctx.stores.channels.get(id)!
}

/** Changes a web-chat channel (validated over the row as it is inside the write transaction). */
export function updateWebchatChannel(ctx: Context, actorId: number | null, existing: Channel, input: WebchatInput, ip: string | null): Channel {
  write(ctx.db, () => {
    const fresh = ctx.stores.channels.get(existing.id)
    if (!fresh) throw notFound()
    const { value, problems } = validateWebchat(ctx, input, fresh)
    if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
    ctx.stores.channels.update(fresh.id, { name: value.name, sector_id: value.sector_id, bot_flow_id: value.bot_flow_id, settings: { ...value.settings }, secrets: {}, lookup_key: value.settings.channel_key })
    ctx.stores.audit.record({ actor_id: actorId, action: 'channel.update', object_type: 'channel', object_id: fresh.id, ip, details: auditOf(value) })
  })
  return ctx.stores.channels.get(existing.id)!
}
