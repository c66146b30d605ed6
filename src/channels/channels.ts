// Creating, changing and testing channels (WhatsApp numbers for now), shared by the API and the
// admin pages: one validation, one transaction per change (the channel and its audit entry commit
// together). Secrets (access token, app secret, verify token) are sealed by the store, never
// returned, never audited, never logged — only the names of the ones replaced are recorded.
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, HttpError, notFound, type FieldProblem } from '../http/errors'
import { randomToken } from '../http/tokens'
import { t, type Lang } from '../i18n'
import type { Channel, ChannelType, WhatsAppSecrets, WhatsAppSettings } from './store'
import { checkSectorAndFlow } from './sector-flow'
import { explainGraphError } from './whatsapp/errors'
import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION, GraphError, graphClient } from './whatsapp/graph'
import { createWebchatChannel, updateWebchatChannel, webchatJson, type WebchatInput } from './webchat/settings'

/** What a caller may send (API JSON, or the admin form turned into the same shape). */
export interface ChannelInput {
  type?: unknown
  name?: unknown
  phone_number_id?: unknown
  waba_id?: unknown
  access_token?: unknown
  app_secret?: unknown
  verify_token?: unknown
  graph_base_url?: unknown
  graph_version?: unknown
  sector_id?: unknown
  bot_flow_id?: unknown
  /** web chat (src/channels/webchat/settings.ts) */
  allowed_origins?: unknown
  title?: unknown
  greeting?: unknown
  colors?: unknown
  prechat?: unknown
  consent_text?: unknown
  policy_url?: unknown
  uploads?: unknown
  max_file_bytes?: unknown
}

const FIELDS = ['type', 'name', 'phone_number_id', 'waba_id', 'access_token', 'app_secret', 'verify_token', 'graph_base_url', 'graph_version', 'sector_id', 'bot_flow_id'] as const
const SECRET_FIELDS = ['access_token', 'app_secret', 'verify_token'] as const
type SecretField = (typeof SECRET_FIELDS)[number]

export const SUPPORTED_TYPES: readonly ChannelType[] = ['whatsapp', 'webchat']

export const META_ID = /^[0-9]{1,30}$/
export const GRAPH_VERSION = /^v[0-9]{1,3}\.[0-9]{1,3}$/
/** Access token and app secret: printable ASCII without spaces (they go into a header / an HMAC key). */
const TOKEN = /^[\x21-\x7e]{1,1000}$/
/** Verify token: whatever the admin types in Meta's dashboard, minus whitespace and control characters. */
const VERIFY_TOKEN = /^[^\s\p{Cc}]{1,1000}$/u

export interface CleanWhatsApp {
  name: string
  sector_id: number
  bot_flow_id: number | null
  settings: WhatsAppSettings
  secrets: WhatsAppSecrets
  /** Names of the secrets given in this change (for the audit; never their values). */
  secretsGiven: SecretField[]
}

/** A caller asked for a channel type this version does not set up (webchat and e-mail come later). */
export function assertSupportedType(body: unknown) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return
  const type = (body as { type?: unknown }).type
  if (typeof type === 'string' && !(SUPPORTED_TYPES as readonly string[]).includes(type)) {
    throw badRequest('unsupported_channel_type', 'channels.unsupported_type', [{ field: 'type', key: 'channels.unsupported_type' }])
  }
}

/** `https://host[:port][/path]` with no credentials, query or fragment; trailing slashes dropped. */
export function normaliseGraphBaseUrl(raw: string): string | null {
  if (raw.length > 500) return null
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return null
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname || u.username || u.password || u.search || u.hash) return null
  return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, '')
}

const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : null)

/**
 * Checks every field present (all required ones when creating) over the existing channel; returns
 * the clean channel or the problems. Secrets missing on a change keep their stored value; the
 * verify token is generated when a new channel comes without one. Nothing is written here.
 */
export function validateWhatsApp(ctx: Context, input: ChannelInput, existing: Channel | null) {
  const problems: FieldProblem[] = []
  const creating = existing === null
  const need = (v: unknown) => creating || v !== undefined

  for (const key of Object.keys(input)) {
    if (!(FIELDS as readonly string[]).includes(key)) problems.push({ field: key, key: 'channels.valid_unknown_field' })
  }
  if (input.type !== undefined && input.type !== (existing?.type ?? 'whatsapp')) {
    problems.push({ field: 'type', key: creating ? 'channels.unsupported_type' : 'channels.valid_type' })
  }

  const current = (existing?.settings ?? {}) as Partial<WhatsAppSettings>
  const settings: WhatsAppSettings = {
    ...current,
    phone_number_id: current.phone_number_id ?? '',
    waba_id: current.waba_id ?? '',
    graph_base_url: current.graph_base_url ?? DEFAULT_GRAPH_BASE_URL,
    graph_version: current.graph_version ?? DEFAULT_GRAPH_VERSION,
  }
  let name = existing?.name ?? ''

  if (need(input.name)) {
    const v = trimmed(input.name)
    if (!v || v.length > 120) problems.push({ field: 'name', key: 'valid.name' })
    else name = v
  }
  if (need(input.phone_number_id)) {
    const v = trimmed(input.phone_number_id)
    if (!v || !META_ID.test(v)) problems.push({ field: 'phone_number_id', key: 'channels.valid_phone_number_id' })
    else settings.phone_number_id = v
  }
  if (need(input.waba_id)) {
    const v = trimmed(input.waba_id)
    if (!v || !META_ID.test(v)) problems.push({ field: 'waba_id', key: 'channels.valid_waba_id' })
    else settings.waba_id = v
  }
  if (input.graph_base_url !== undefined) {
    const v = trimmed(input.graph_base_url)
    const url = v ? normaliseGraphBaseUrl(v) : null
    if (!url) problems.push({ field: 'graph_base_url', key: 'channels.valid_graph_base_url' })
    else settings.graph_base_url = url
  }
  if (input.graph_version !== undefined) {
    const v = trimmed(input.graph_version)
    if (!v || !GRAPH_VERSION.test(v)) problems.push({ field: 'graph_version', key: 'channels.valid_graph_version' })
    else settings.graph_version = v
  }
  const { sectorId, botFlowId } = checkSectorAndFlow(ctx, input, existing, problems)

  const secrets: WhatsAppSecrets = existing ? ctx.stores.channels.secrets<WhatsAppSecrets>(existing.id) : { access_token: '', app_secret: '', verify_token: '' }
  const secretsGiven: SecretField[] = []
  for (const field of SECRET_FIELDS) {
    const raw = input[field]
    if (raw === undefined) {
      if (creating && field !== 'verify_token') problems.push({ field, key: 'channels.valid_token' })
      continue
    }
    const v = trimmed(raw)
    if (!v || !(field === 'verify_token' ? VERIFY_TOKEN : TOKEN).test(v)) {
      problems.push({ field, key: field === 'verify_token' ? 'channels.valid_verify_token' : 'channels.valid_token' })
    } else {
      secrets[field] = v
      secretsGiven.push(field)
    }
  }
  if (!secrets.verify_token) secrets.verify_token = randomToken(24)

  const value: CleanWhatsApp = { name, sector_id: sectorId, bot_flow_id: botFlowId, settings, secrets, secretsGiven }
  return { value, problems }
}

const exists = () => new HttpError(409, 'channel_exists', 'channels.exists', {}, [{ field: 'phone_number_id', key: 'channels.exists' }])

/** The non-secret settings worth recording in the audit log. */
const auditSettings = (s: WhatsAppSettings) => ({ phone_number_id: s.phone_number_id, waba_id: s.waba_id, graph_base_url: s.graph_base_url, graph_version: s.graph_version })

export function createChannel(ctx: Context, actorId: number | null, input: ChannelInput, ip: string | null = null): Channel {
  assertSupportedType(input)
  if (input.type === 'webchat') return createWebchatChannel(ctx, actorId, input as WebchatInput, ip)
  const { value, problems } = validateWhatsApp(ctx, input, null)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const lookup = value.settings.phone_number_id
  const id = write(ctx.db, () => {
    // Checked inside the write transaction (BEGIN IMMEDIATE): no other writer can slip in between.
    if (ctx.stores.channels.byLookup('whatsapp', lookup)) throw exists()
    const id = ctx.stores.channels.create({
      type: 'whatsapp',
      name: value.name,
      sector_id: value.sector_id,
      bot_flow_id: value.bot_flow_id,
      webhook_key: randomToken(24),
      settings: { ...value.settings },
      secrets: { ...value.secrets },
      lookup_key: lookup,
    })
    ctx.stores.audit.record({
      actor_id: actorId,
      action: 'channel.create',
      object_type: 'channel',
      object_id: id,
      ip,
      details: { type: 'whatsapp', name: value.name, sector_id: value.sector_id, bot_flow_id: value.bot_flow_id, ...auditSettings(value.settings), verify_token_generated: !value.secretsGiven.includes('verify_token') },
    })
    return id
  })
  ctx.log.info({ channel_id: id, type: 'whatsapp' }, 'channel created')
  return ctx.stores.channels.get(id)!
}

export function updateChannel(ctx: Context, actorId: number | null, existing: Channel, input: ChannelInput, ip: string | null = null): Channel {
  if (existing.type === 'webchat') return updateWebchatChannel(ctx, actorId, existing, input as WebchatInput, ip)
  if (existing.type !== 'whatsapp') throw badRequest('unsupported_channel_type', 'channels.unsupported_type')
  write(ctx.db, () => {
    // Validated over the channel as it is inside the write transaction (validation is synchronous
    // and cheap), so fields and secrets not given keep what a concurrent change just stored.
    const fresh = ctx.stores.channels.get(existing.id)
    if (!fresh) throw notFound()
    const { value, problems } = validateWhatsApp(ctx, input, fresh)
    if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
    const lookup = value.settings.phone_number_id
    const other = ctx.stores.channels.byLookup('whatsapp', lookup)
    if (other && other.id !== fresh.id) throw exists()
    const settings: Record<string, unknown> = { ...value.settings }
    if (lookup !== (fresh.settings as Partial<WhatsAppSettings>).phone_number_id) {
      // Another number: what the last test learnt about the old one no longer applies.
      settings.display_phone_number = null
      settings.verified_name = null
      settings.quality_rating = null
    }
    ctx.stores.channels.update(fresh.id, { name: value.name, sector_id: value.sector_id, bot_flow_id: value.bot_flow_id, settings, secrets: { ...value.secrets }, lookup_key: lookup })
    ctx.stores.audit.record({
      actor_id: actorId,
      action: 'channel.update',
      object_type: 'channel',
      object_id: fresh.id,
      ip,
      details: { name: value.name, sector_id: value.sector_id, bot_flow_id: value.bot_flow_id, ...auditSettings(value.settings), secrets_replaced: value.secretsGiven },
    })
  })
  return ctx.stores.channels.get(existing.id)!
}

export const webhookUrl = (ctx: Context, c: Pick<Channel, 'type' | 'webhook_key'>) => `${ctx.config.baseUrl}/webhooks/${c.type}/${c.webhook_key}`

/** The verify token, for the one place it is shown (the channel page, to admins). */
export const verifyTokenOf = (ctx: Context, c: Channel): string => ctx.stores.channels.secrets<WhatsAppSecrets>(c.id).verify_token ?? ''

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** The channel as the API shows it: never a secret; the webhook URL to paste into Meta's dashboard. */
export function channelJson(ctx: Context, c: Channel) {
  const s = c.settings as Partial<WhatsAppSettings>
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    sector_id: c.sector_id,
    bot_flow_id: c.bot_flow_id,
    status: c.status,
    status_reason: c.status_reason,
    active: c.active,
    phone_number_id: str(s.phone_number_id),
    waba_id: str(s.waba_id),
    graph_base_url: str(s.graph_base_url),
    graph_version: str(s.graph_version),
    display_phone_number: str(s.display_phone_number),
    verified_name: str(s.verified_name),
    quality_rating: str(s.quality_rating),
    // A web chat receives no webhook: its visitors call /webchat/<channel_key>/... (webchat/protocol.ts).
    webhook_url: c.type === 'whatsapp' ? webhookUrl(ctx, c) : null,
    created_at: new Date(c.created_at).toISOString(),
    updated_at: new Date(c.updated_at).toISOString(),
    ...(c.type === 'webchat' ? webchatJson(ctx, c) : {}),
  }
}

// ---- connection test ---------------------------------------------------------------------------

export type TestResult =
  | { ok: true; display_phone_number: string | null; verified_name: string | null; quality_rating: string | null; resumed: boolean }
  | { ok: false; error: { code: string; message: string; graph_code: number | null; details: string | null } }

const hostOf = (url: string) => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** A failed call in plain words (the admin's language), plus a stable code for integrations. */
export function explainTestFailure(err: unknown, graphBaseUrl: string, lang: Lang): Extract<TestResult, { ok: false }>['error'] {
  if (!(err instanceof GraphError)) return { code: 'internal_error', message: t(lang, 'channels.test_unknown'), graph_code: null, details: null }
  const details = err.message ? err.message.slice(0, 300) : null
  if (err.code !== null) {
    // 100 on this call is "object does not exist or no permission": the number id or the token is wrong.
    const message = err.code === 100 ? t(lang, 'channels.test_not_found') : explainGraphError(err.code, lang)
    return { code: `graph_${err.code}`, message, graph_code: err.code, details }
  }
  const host = hostOf(graphBaseUrl)
  if (err.status === null) {
    const timeout = err.message === 'timeout'
    return { code: timeout ? 'timeout' : 'unreachable', message: t(lang, timeout ? 'channels.test_timeout' : 'channels.test_unreachable', { host }), graph_code: null, details }
  }
  if (err.status === 401 || err.status === 403) return { code: `http_${err.status}`, message: explainGraphError(190, lang), graph_code: null, details }
  return { code: `http_${err.status}`, message: t(lang, 'channels.test_http', { status: err.status }), graph_code: null, details }
}

/**
 * Asks the Graph API about the channel's number (display number, verified name, quality). On
 * success the answer is kept in the channel's settings (audited); either way the result is a
 * report, not an error. The network call happens outside any transaction.
 */
export async function testChannel(ctx: Context, actorId: number | null, channel: Channel, lang: Lang, ip: string | null = null): Promise<TestResult> {
  if (channel.type !== 'whatsapp') throw badRequest('unsupported_channel_type', 'channels.unsupported_type')
  const settings = channel.settings as unknown as WhatsAppSettings
  const { access_token } = ctx.stores.channels.secrets<WhatsAppSecrets>(channel.id)
  let info: { display_phone_number: string | null; verified_name: string | null; quality_rating: string | null }
  try {
    const answer = await graphClient(settings, access_token ?? '').phoneInfo()
    info = { display_phone_number: str(answer?.display_phone_number), verified_name: str(answer?.verified_name), quality_rating: str(answer?.quality_rating) }
  } catch (err) {
    const error = explainTestFailure(err, settings.graph_base_url, lang)
    if (!(err instanceof GraphError)) ctx.log.error({ err, channel_id: channel.id }, 'channel test crashed')
    else ctx.log.warn({ channel_id: channel.id, http_status: err.status, graph_code: err.code, code: error.code }, 'channel test failed')
    return { ok: false, error }
  }
  const resumed = write(ctx.db, () => {
    const fresh = ctx.stores.channels.get(channel.id)
    // Changed meanwhile to another number (or deleted): this answer is about a number it no longer has.
    if (!fresh || (fresh.settings as Partial<WhatsAppSettings>).phone_number_id !== settings.phone_number_id) return false
    const secrets = ctx.stores.channels.secrets(channel.id)
    ctx.stores.channels.update(channel.id, { name: fresh.name, sector_id: fresh.sector_id, bot_flow_id: fresh.bot_flow_id, settings: { ...fresh.settings, ...info }, secrets, lookup_key: fresh.settings.phone_number_id as string })
    // The sender pauses a channel on token/permission/lock errors (whatsapp.md §4: "resume when
    // fixed"); a call that works with the stored token now is the proof it is fixed.
    const resume = fresh.status === 'paused'
    if (resume) ctx.stores.channels.setStatus(channel.id, 'active', null)
    ctx.stores.audit.record({ actor_id: actorId, action: 'channel.test', object_type: 'channel', object_id: channel.id, ip, details: { ok: true, verified_name: info.verified_name, quality_rating: info.quality_rating, resumed: resume } })
    return resume
  })
  if (resumed) ctx.wake.outbox()
  ctx.log.info({ channel_id: channel.id, quality_rating: info.quality_rating, resumed }, 'channel test ok')
  return { ok: true, ...info, resumed }
}
