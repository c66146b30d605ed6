// A stand-in for Meta's Graph API (WhatsApp Cloud API), for tests and local development.
// It follows the public contract (/work/shared/whatsapp.md §1, §4, §5, §7): same paths, same
// success and error shapes, webhooks signed over the exact bytes. It is deliberately independent
// of Kumquat's own code (it signs with node:crypto, not src/…/signature.ts) so it can catch our
// mistakes instead of sharing them.
//
//   import { startFakeMeta } from '../scripts/fake-meta'
//   const meta = startFakeMeta()            // port 0: a free port
//   await fetch(`${meta.url}/_fake/numbers`, { method: 'POST', body: JSON.stringify({...}) })
//   ... point the channel's Graph base URL at meta.url ...
//   await meta.stop()
//
//   bun scripts/fake-meta.ts [--port N] [--host H] [--demo [--webhook URL --app-secret S --phone-number-id P]]
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'

type Json = Record<string, unknown>

// ---------------------------------------------------------------------------------------------
// State

export interface FakeNumber {
  phoneNumberId: string
  wabaId: string
  accessToken: string
  displayPhoneNumber: string
  verifiedName: string
  qualityRating: string
  /** Where automatic status webhooks go (with appSecret and autoStatuses). */
  webhookUrl: string | null
  appSecret: string | null
  /** Statuses sent for every accepted message, in order, e.g. ["sent", "delivered", "read"]. */
  autoStatuses: string[]
  statusDelayMs: number
  /** Refuse template sends whose template is not APPROVED here (132001) or whose BODY parameter count differs (132000). */
  strictTemplates: boolean
}

export interface FakeMedia {
  id: string
  /** Owner; null for media preloaded without one (any registered token may read it). */
  phoneNumberId: string | null
  bytes: Uint8Array<ArrayBuffer>
  mimeType: string
  /** hex, as the media GET answers */
  sha256: string
  filename: string | null
  uploadedAt: number
}

export interface FakeTemplate {
  id: string
  wabaId: string
  name: string
  language: string
  category: string
  status: string
  parameterFormat: string
  components: unknown[]
  rejectedReason: string | null
}

export interface SentMessage {
  wamid: string
  phoneNumberId: string
  to: string
  waId: string
  type: string
  body: Json
  at: number
}

export interface ReadReceipt {
  phoneNumberId: string
  messageId: string
  typingIndicator: boolean
  at: number
}

export interface RecordedRequest {
  seq: number
  at: number
  method: string
  path: string
  query: Record<string, string>
  /** the bearer token (or access_token query parameter) the caller used */
  token: string | null
  body: unknown
  /** HTTP status answered; null while held by a timeout fault */
  status: number | null
  response: unknown
}

export interface FaultSpec {
  /** Pathname pattern: `*` matches within one segment, `**` across segments. */
  path: string
  method?: string
  /** How many matching requests this fault answers (default 1). */
  count?: number
  status?: number
  error?: { code: number; message?: string; type?: string; error_subcode?: number; error_data?: unknown }
  /** Answer this exact body instead of a Graph error (e.g. an HTML 502 from a proxy). */
  raw_body?: string
  content_type?: string
  /** Seconds, sent as Retry-After. */
  retry_after?: number
  /** Wait before answering (with the fault's error, or normally when no status is given). */
  delay_ms?: number
  /** Never answer: hold the request until the client gives up or the fake stops. */
  timeout?: boolean
  /** Only requests whose JSON body `to` is this number (digits compared; e.g. one customer's sends). */
  to?: string
}

export interface Fault extends Required<Pick<FaultSpec, 'path' | 'count'>>, Omit<FaultSpec, 'path' | 'count'> {
  id: number
  matcher: RegExp
}

export interface WebhookLog {
  at: number
  url: string
  signature: string
  payload: unknown
  status: number | null
  error: string | null
}

export interface FakeMetaState {
  numbers: Map<string, FakeNumber>
  media: Map<string, FakeMedia>
  templates: Map<string, FakeTemplate>
  messages: SentMessage[]
  reads: ReadReceipt[]
  requests: RecordedRequest[]
  faults: Fault[]
  webhooks: WebhookLog[]
}

export interface FakeMeta {
  url: string
  port: number
  stop(): Promise<void>
  state: FakeMetaState
}

function emptyState(): FakeMetaState {
  return { numbers: new Map(), media: new Map(), templates: new Map(), messages: [], reads: [], requests: [], faults: [], webhooks: [] }
}

// ---------------------------------------------------------------------------------------------
// Graph error shape: { error: { message, type, code, error_subcode?, error_data?, fbtrace_id } }

interface GraphErrorExtra {
  type?: string
  error_subcode?: number
  error_data?: unknown
  error_user_title?: string
  error_user_msg?: string
  is_transient?: boolean
}

/** Thrown by handlers and validators; the dispatcher turns it into Meta's error body. */
class GraphFailure extends Error {
  constructor(
    public status: number,
    public code: number,
    message: string,
    public extra: GraphErrorExtra = {},
    public headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

function fbtraceId(): string {
  return randomBytes(17).toString('base64url').slice(0, 23)
}

function graphErrorBody(code: number, message: string, extra: GraphErrorExtra = {}): Json {
  const { type = 'OAuthException', ...rest } = extra
  return { error: { message, type, code, ...rest, fbtrace_id: fbtraceId() } }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers } })
}

// Common failures, worded like the Graph API.
const missing = (param: string) => new GraphFailure(400, 100, `(#100) The parameter ${param} is required.`)
const tooLong = (param: string, max: number) => new GraphFailure(400, 100, `(#100) Param ${param} must be at most ${max} characters long.`)
const notOneOf = (param: string, allowed: readonly string[], got: unknown) =>
  new GraphFailure(400, 100, `(#100) Param ${param} must be one of {${allowed.map((a) => a.toUpperCase()).join(', ')}} - got ${JSON.stringify(got)}.`)
const invalidValue = (details: string) =>
  new GraphFailure(400, 131009, '(#131009) Parameter value is not valid', { error_data: { messaging_product: 'whatsapp', details } })
const noSuchObject = (id: string, method: string) =>
  new GraphFailure(
    400,
    100,
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    { type: 'GraphMethodException', error_subcode: 33 },
  )
const badToken = (message: string) =>
  new GraphFailure(401, 190, message, {}, { 'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${message}"` })

// ---------------------------------------------------------------------------------------------
// Server

export function startFakeMeta(opts: { port?: number; hostname?: string } = {}): FakeMeta {
  const state = emptyState()
  const held = new Set<() => void>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const ctx: Ctx = { state, held, timers, secret: randomBytes(16).toString('hex'), seq: 0, faultSeq: 0 }
  const hostname = opts.hostname ?? '127.0.0.1'

  const server = Bun.serve({
    port: opts.port ?? 0,
    hostname,
    // Held requests (timeout faults) must outlive Bun's 10 s idle default; 0 disables it.
    idleTimeout: 0,
    fetch: (req) => route(req, ctx),
  })
  const port = server.port ?? 0
  const host = hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    async stop() {
      for (const t of timers) clearTimeout(t)
      for (const release of [...held]) release()
      await server.stop(true)
    },
  }
}

interface Ctx {
  state: FakeMetaState
  held: Set<() => void>
  timers: Set<ReturnType<typeof setTimeout>>
  /** signs media download URLs */
  secret: string
  seq: number
  faultSeq: number
}

const VERSION = /^v\d+\.\d+$/
const MEDIA_DOWNLOAD_PATH = '/whatsapp_business/attachments/'

async function route(req: Request, ctx: Ctx): Promise<Response> {
  const url = new URL(req.url)
  if (url.pathname.startsWith('/_fake/')) return control(req, url, ctx)
  if (url.pathname === '/' || url.pathname === '/_fake') return json({ fake: 'meta', docs: 'POST /_fake/numbers, then use /:version/:phone_number_id/messages' })

  const record = await recordRequest(req, url, ctx)
  const response = await answer(req, url, ctx, record)
  record.status = response.status
  record.response = await peekBody(response)
  return response
}

// Faults first (they stand for Meta misbehaving), then the real handler.
async function answer(req: Request, url: URL, ctx: Ctx, record: RecordedRequest): Promise<Response> {
  const fault = takeFault(ctx.state, req.method, url.pathname, record.body)
  try {
    if (fault) {
      if (fault.delay_ms) await Bun.sleep(fault.delay_ms)
      if (fault.timeout) return await hold(req, ctx)
      if (fault.status !== undefined) return faultResponse(fault)
    }
    if (url.pathname === MEDIA_DOWNLOAD_PATH) return downloadMedia(req, url, ctx)
    return await graph(req, url, ctx, record)
  } catch (err) {
    if (err instanceof GraphFailure) return json(graphErrorBody(err.code, err.message, err.extra), err.status, err.headers)
    console.error('fake-meta: handler crashed', err)
    return json(graphErrorBody(1, 'An unknown error occurred', { is_transient: true }), 500)
  }
}

async function graph(req: Request, url: URL, ctx: Ctx, record: RecordedRequest): Promise<Response> {
  const [version, id, edge, ...rest] = url.pathname.split('/').filter(Boolean)
  if (!version || !VERSION.test(version) || !id || rest.length) {
    throw new GraphFailure(400, 2500, `Unknown path components: ${url.pathname}`)
  }
  const token = record.token
  const method = req.method

  if (edge === 'messages' && method === 'POST') return sendMessage(ctx, numberFor(ctx, id, token, method), record.body)
  if (edge === 'media' && method === 'POST') return uploadMedia(req, ctx, numberFor(ctx, id, token, method))
  if (edge === 'message_templates') return templates(method, url, ctx, wabaFor(ctx, id, token, method), record.body)
  if (edge !== undefined) throw new GraphFailure(400, 2500, `Unknown path components: /${edge}`)

  if (method === 'GET' && ctx.state.numbers.has(id)) return phoneNumberInfo(url, numberFor(ctx, id, token, method))
  if (method === 'GET' && ctx.state.media.has(id)) return mediaInfo(url, ctx, mediaFor(ctx, id, token, method))
  if (method === 'DELETE' && ctx.state.media.has(id)) {
    ctx.state.media.delete(mediaFor(ctx, id, token, method).id)
    return json({ success: true })
  }
  if (method === 'POST' && ctx.state.templates.has(id)) return editTemplate(ctx, templateFor(ctx, id, token, method), record.body)
  requireKnownToken(ctx, token)
  throw noSuchObject(id, method)
}

// ---------------------------------------------------------------------------------------------
// Authorization: a token belongs to the numbers it was registered with (and their WABAs).

function bearer(req: Request, url: URL): string | null {
  const header = req.headers.get('authorization')
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i)
  return match?.[1] ?? url.searchParams.get('access_token')
}

function requireKnownToken(ctx: Ctx, token: string | null): void {
  if (token === null) throw badToken('An active access token must be used to query information about the current user.')
  const known = [...ctx.state.numbers.values()].some((n) => n.accessToken === token)
  if (!known) throw badToken('Invalid OAuth access token - Cannot parse access token')
}

function numberFor(ctx: Ctx, id: string, token: string | null, method: string): FakeNumber {
  requireKnownToken(ctx, token)
  const number = ctx.state.numbers.get(id)
  if (!number || number.accessToken !== token) throw noSuchObject(id, method)
  return number
}

function wabaFor(ctx: Ctx, wabaId: string, token: string | null, method: string): string {
  requireKnownToken(ctx, token)
  const owns = [...ctx.state.numbers.values()].some((n) => n.wabaId === wabaId && n.accessToken === token)
  if (!owns) throw noSuchObject(wabaId, method)
  return wabaId
}

function mediaFor(ctx: Ctx, id: string, token: string | null, method: string): FakeMedia {
  requireKnownToken(ctx, token)
  const media = ctx.state.media.get(id)
  if (!media || !mayReadMedia(ctx, media, token)) throw noSuchObject(id, method)
  return media
}

function mayReadMedia(ctx: Ctx, media: FakeMedia, token: string | null): boolean {
  if (media.phoneNumberId === null) return true
  return ctx.state.numbers.get(media.phoneNumberId)?.accessToken === token
}

function templateFor(ctx: Ctx, id: string, token: string | null, method: string): FakeTemplate {
  const template = ctx.state.templates.get(id)
  if (!template) throw noSuchObject(id, method)
  wabaFor(ctx, template.wabaId, token, method)
  return template
}

// ---------------------------------------------------------------------------------------------
// POST /:v/:phone_number_id/messages

const SEND_TYPES = ['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive', 'template', 'reaction'] as const
const MEDIA_SEND_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker'])

function sendMessage(ctx: Ctx, number: FakeNumber, body: unknown): Response {
  if (!isRecord(body)) throw new GraphFailure(400, 100, '(#100) The parameter messaging_product is required.')
  requireProduct(body)
  if (body.status !== undefined) return markAsRead(ctx, number, body)

  if (body.recipient_type !== undefined && body.recipient_type !== 'individual' && body.recipient_type !== 'group') {
    throw notOneOf('recipient_type', ['individual', 'group'], body.recipient_type)
  }
  const to = requireString(body.to, 'to')
  const waId = to.replace(/\D/g, '')
  if (waId.length < 5 || waId.length > 15 || !/^\+?[\d\s().-]+$/.test(to)) invalidValueThrow(`Invalid WhatsApp phone number: ${to}`)

  const type = body.type === undefined ? 'text' : body.type // Graph defaults type to text
  if (typeof type !== 'string' || !(SEND_TYPES as readonly string[]).includes(type)) throw notOneOf('type', SEND_TYPES, type)
  const payload = body[type]
  if (type === 'contacts') validateContactCards(payload)
  else if (!isRecord(payload)) throw missing(type)
  else validatePayload(ctx, number, type, payload)
  if (body.context !== undefined) {
    if (!isRecord(body.context) || typeof body.context.message_id !== 'string') throw missing("context['message_id']")
  }

  const wamid = newWamid()
  ctx.state.messages.push({ wamid, phoneNumberId: number.phoneNumberId, to, waId, type, body, at: Date.now() })
  scheduleAutoStatuses(ctx, number, wamid, waId)
  const message: Json = { id: wamid }
  if (type === 'template') message.message_status = 'accepted'
  return json({ messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: waId }], messages: [message] })
}

function markAsRead(ctx: Ctx, number: FakeNumber, body: Json): Response {
  if (body.status !== 'read') throw notOneOf('status', ['read'], body.status)
  const messageId = requireString(body.message_id, 'message_id')
  const typing = body.typing_indicator
  if (typing !== undefined && (!isRecord(typing) || typing.type !== 'text')) throw notOneOf("typing_indicator['type']", ['text'], isRecord(typing) ? typing.type : typing)
  ctx.state.reads.push({ phoneNumberId: number.phoneNumberId, messageId, typingIndicator: typing !== undefined, at: Date.now() })
  return json({ success: true })
}

function requireProduct(body: Json): void {
  if (body.messaging_product === undefined) throw missing('messaging_product')
  if (body.messaging_product !== 'whatsapp') throw notOneOf('messaging_product', ['whatsapp'], body.messaging_product)
}

function validatePayload(ctx: Ctx, number: FakeNumber, type: string, p: Json): void {
  if (MEDIA_SEND_TYPES.has(type)) return validateMediaPayload(ctx, type, p)
  switch (type) {
    case 'text': {
      const text = requireString(p.body, "text['body']")
      if (text.length === 0) throw missing("text['body']")
      if (charCount(text) > 4096) throw tooLong("text['body']", 4096)
      if (p.preview_url !== undefined && typeof p.preview_url !== 'boolean') invalidValueThrow('preview_url must be a boolean')
      return
    }
    case 'location':
      if (typeof p.latitude !== 'number' && typeof p.latitude !== 'string') throw missing("location['latitude']")
      if (typeof p.longitude !== 'number' && typeof p.longitude !== 'string') throw missing("location['longitude']")
      return
    case 'interactive':
      return validateInteractive(p)
    case 'template':
      return validateTemplateSend(ctx, number, p)
    case 'reaction':
      requireString(p.message_id, "reaction['message_id']")
      if (p.emoji !== undefined && typeof p.emoji !== 'string') invalidValueThrow('emoji must be a string')
      return
  }
}

function validateContactCards(cards: unknown): void {
  if (!Array.isArray(cards) || cards.length === 0) throw missing('contacts')
  cards.forEach((card, i) => {
    const name = isRecord(card) && isRecord(card.name) ? card.name.formatted_name : undefined
    requireString(name, `contacts[${i}]['name']['formatted_name']`)
  })
}

function validateMediaPayload(ctx: Ctx, type: string, p: Json): void {
  const hasId = p.id !== undefined
  const hasLink = p.link !== undefined
  if (!hasId && !hasLink) throw new GraphFailure(400, 100, `(#100) Param ${type}['id'] or ${type}['link'] is required.`)
  if (hasId && hasLink) invalidValueThrow(`Provide either ${type}['id'] or ${type}['link'], not both`)
  if (hasId && (typeof p.id !== 'string' || !ctx.state.media.has(p.id))) invalidValueThrow(`Invalid media id: ${String(p.id)}`)
  if (hasLink && (typeof p.link !== 'string' || !/^https?:\/\/\S+$/.test(p.link))) invalidValueThrow(`Invalid media link: ${String(p.link)}`)
  if (p.caption !== undefined) {
    if (type === 'audio' || type === 'sticker') invalidValueThrow(`${type} messages do not take a caption`)
    if (typeof p.caption !== 'string') invalidValueThrow('caption must be a string')
    if (charCount(p.caption) > 1024) throw tooLong(`${type}['caption']`, 1024)
  }
  if (p.filename !== undefined && (type !== 'document' || typeof p.filename !== 'string')) invalidValueThrow('filename is only for documents')
}

function validateInteractive(p: Json): void {
  const kinds = ['button', 'list', 'cta_url', 'flow', 'product', 'product_list', 'catalog_message', 'location_request_message', 'address_message', 'call_permission_request'] as const
  if (typeof p.type !== 'string') throw missing("interactive['type']")
  if (!(kinds as readonly string[]).includes(p.type)) throw notOneOf("interactive['type']", kinds, p.type)
  const action = isRecord(p.action) ? p.action : null
  if (p.type !== 'button' && p.type !== 'list') return
  const bodyText = isRecord(p.body) ? p.body.text : undefined
  if (typeof bodyText !== 'string' || bodyText === '') throw missing("interactive['body']['text']")
  if (charCount(bodyText) > 1024) throw tooLong("interactive['body']['text']", 1024)
  if (!action) throw missing("interactive['action']")
  if (p.type === 'button') return validateButtons(action)
  return validateList(action)
}

function validateButtons(action: Json): void {
  const buttons = action.buttons
  if (!Array.isArray(buttons) || buttons.length === 0) throw missing("interactive['action']['buttons']")
  if (buttons.length > 3) invalidValueThrow('Buttons count should be between 1 and 3')
  const ids = new Set<string>()
  buttons.forEach((b, i) => {
    const reply = isRecord(b) && b.type === 'reply' && isRecord(b.reply) ? b.reply : null
    if (!reply) throw missing(`interactive['action']['buttons'][${i}]['reply']`)
    const id = requireString(reply.id, `interactive['action']['buttons'][${i}]['reply']['id']`)
    const title = requireString(reply.title, `interactive['action']['buttons'][${i}]['reply']['title']`)
    if (charCount(title) > 20) throw tooLong(`interactive['action']['buttons'][${i}]['reply']['title']`, 20)
    if (ids.has(id)) invalidValueThrow('Button ids must be unique')
    ids.add(id)
  })
}

function validateList(action: Json): void {
  const button = requireString(action.button, "interactive['action']['button']")
  if (charCount(button) > 20) throw tooLong("interactive['action']['button']", 20)
  const sections = action.sections
  if (!Array.isArray(sections) || sections.length === 0) throw missing("interactive['action']['sections']")
  let rows = 0
  sections.forEach((s, i) => {
    const list = isRecord(s) && Array.isArray(s.rows) ? s.rows : null
    if (!list || list.length === 0) throw missing(`interactive['action']['sections'][${i}]['rows']`)
    if (sections.length > 1 && !(isRecord(s) && typeof s.title === 'string')) throw missing(`interactive['action']['sections'][${i}]['title']`)
    list.forEach((r, j) => {
      const where = `interactive['action']['sections'][${i}]['rows'][${j}]`
      const row = isRecord(r) ? r : {}
      requireString(row.id, `${where}['id']`)
      const title = requireString(row.title, `${where}['title']`)
      if (charCount(title) > 24) throw tooLong(`${where}['title']`, 24)
      if (row.description !== undefined && (typeof row.description !== 'string' || charCount(row.description) > 72)) throw tooLong(`${where}['description']`, 72)
    })
    rows += list.length
  })
  if (rows > 10) invalidValueThrow('Total row count exceed max allowed count: 10')
}

function validateTemplateSend(ctx: Ctx, number: FakeNumber, p: Json): void {
  const name = requireString(p.name, "template['name']")
  const language = isRecord(p.language) ? p.language : null
  const code = requireString(language?.code, "template['language']['code']")
  const components = p.components === undefined ? [] : p.components
  if (!Array.isArray(components)) invalidValueThrow('components must be an array')
  const params = components.flatMap((c) => (isRecord(c) && Array.isArray(c.parameters) ? c.parameters : []))
  for (const param of params) {
    const text = isRecord(param) && param.type === 'text' ? param.text : undefined
    if (typeof text === 'string' && (/[\n\t]/.test(text) || / {5,}/.test(text))) {
      throw new GraphFailure(400, 100, '(#100) Invalid parameter', {
        error_data: { messaging_product: 'whatsapp', details: 'Param text cannot have new-line/tab characters or more than 4 consecutive spaces' },
      })
    }
  }
  if (number.strictTemplates) checkTemplateExists(ctx, number, name, code, components)
}

function checkTemplateExists(ctx: Ctx, number: FakeNumber, name: string, language: string, components: unknown[]): void {
  const template = [...ctx.state.templates.values()].find(
    (t) => t.wabaId === number.wabaId && t.name === name && t.language === language && t.status === 'APPROVED',
  )
  if (!template) {
    throw new GraphFailure(400, 132001, '(#132001) Template name does not exist in the translation', {
      error_data: { messaging_product: 'whatsapp', details: `template name (${name}) does not exist in ${language}` },
    })
  }
  const body = template.components.find((c) => isRecord(c) && String(c.type).toUpperCase() === 'BODY')
  const expected = isRecord(body) && typeof body.text === 'string' ? new Set(body.text.match(/\{\{[^}]+\}\}/g) ?? []).size : 0
  const bodyParams = components.find((c) => isRecord(c) && String(c.type).toLowerCase() === 'body')
  const given = isRecord(bodyParams) && Array.isArray(bodyParams.parameters) ? bodyParams.parameters.length : 0
  if (given !== expected) {
    throw new GraphFailure(400, 132000, '(#132000) Number of parameters does not match the expected number of params', {
      error_data: { messaging_product: 'whatsapp', details: `body: number of localizable_params (${given}) does not match the expected number of params (${expected})` },
    })
  }
}

function requireString(v: unknown, param: string): string {
  if (typeof v !== 'string' || v === '') throw missing(param)
  return v
}

function invalidValueThrow(details: string): never {
  throw invalidValue(details)
}

/** Characters as people count them (an emoji is one). */
function charCount(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

function newWamid(): string {
  return 'wamid.HBgM' + randomBytes(30).toString('base64')
}

// ---------------------------------------------------------------------------------------------
// Media: upload, info, download (§5)

interface MediaKind {
  max: number
}
const MB = 1024 * 1024
const MEDIA_TYPES: Record<string, MediaKind> = {
  'image/jpeg': { max: 5 * MB },
  'image/png': { max: 5 * MB },
  'audio/aac': { max: 16 * MB },
  'audio/amr': { max: 16 * MB },
  'audio/mpeg': { max: 16 * MB },
  'audio/mp4': { max: 16 * MB },
  'audio/ogg': { max: 16 * MB },
  'video/mp4': { max: 16 * MB },
  'video/3gpp': { max: 16 * MB },
  'application/pdf': { max: 100 * MB },
  'application/msword': { max: 100 * MB },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { max: 100 * MB },
  'application/vnd.ms-excel': { max: 100 * MB },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { max: 100 * MB },
  'application/vnd.ms-powerpoint': { max: 100 * MB },
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': { max: 100 * MB },
  'text/plain': { max: 100 * MB },
  // Static stickers may be 100 KB, animated 500 KB; we cannot tell them apart, so take the larger.
  'image/webp': { max: 500 * 1024 },
}

const mediaUploadError = (details: string) =>
  new GraphFailure(400, 131053, '(#131053) Media upload error', { error_data: { messaging_product: 'whatsapp', details } })

async function uploadMedia(req: Request, ctx: Ctx, number: FakeNumber): Promise<Response> {
  let form: FormData
  try {
    form = await req.formData()
  } catch {
    throw missing('file')
  }
  const product = form.get('messaging_product')
  if (product === null) throw missing('messaging_product')
  if (product !== 'whatsapp') throw notOneOf('messaging_product', ['whatsapp'], product)
  const file = form.get('file')
  if (!(file instanceof Blob)) throw missing('file')
  const declared = form.get('type')
  const mimeType = typeof declared === 'string' && declared ? declared : file.type
  if (!mimeType) throw missing('type')
  const kind = MEDIA_TYPES[baseMime(mimeType)]
  if (!kind) throw mediaUploadError(`Param file must be a file with one of the following types: ${Object.keys(MEDIA_TYPES).join(', ')}. Received file of type '${mimeType}'.`)
  if (file.size === 0) throw mediaUploadError('Uploaded file is empty')
  if (file.size > kind.max) throw mediaUploadError(`File of ${file.size} bytes is over the ${kind.max} bytes limit for ${baseMime(mimeType)}`)

  const media = storeMedia(ctx, {
    phoneNumberId: number.phoneNumberId,
    bytes: new Uint8Array(await file.arrayBuffer()),
    mimeType,
    filename: file instanceof File && file.name ? file.name : null,
  })
  return json({ id: media.id })
}

function storeMedia(ctx: Ctx, m: { id?: string; phoneNumberId: string | null; bytes: Uint8Array<ArrayBuffer>; mimeType: string; filename: string | null }): FakeMedia {
  const media: FakeMedia = {
    id: m.id ?? numericId(),
    phoneNumberId: m.phoneNumberId,
    bytes: m.bytes,
    mimeType: m.mimeType,
    sha256: createHash('sha256').update(m.bytes).digest('hex'),
    filename: m.filename,
    uploadedAt: Date.now(),
  }
  ctx.state.media.set(media.id, media)
  return media
}

// Media URLs live 5 minutes (§5). The URL mimics lookaside.fbsbx.com and points back at this server.
const MEDIA_URL_TTL_S = 300

function mediaInfo(url: URL, ctx: Ctx, media: FakeMedia): Response {
  const ext = String(Math.floor(Date.now() / 1000) + MEDIA_URL_TTL_S)
  const hash = mediaHash(ctx, media.id, ext)
  const download = `${url.origin}${MEDIA_DOWNLOAD_PATH}?mid=${media.id}&ext=${ext}&hash=${hash}`
  return json({ url: download, mime_type: media.mimeType, sha256: media.sha256, file_size: media.bytes.length, id: media.id, messaging_product: 'whatsapp' })
}

function mediaHash(ctx: Ctx, id: string, ext: string): string {
  return createHmac('sha256', ctx.secret).update(`${id}:${ext}`).digest('base64url')
}

function downloadMedia(req: Request, url: URL, ctx: Ctx): Response {
  if (req.method !== 'GET') return new Response('Method not allowed', { status: 405 })
  const id = url.searchParams.get('mid') ?? ''
  const ext = url.searchParams.get('ext') ?? ''
  const hash = url.searchParams.get('hash') ?? ''
  const media = ctx.state.media.get(id)
  // Lookaside answers 404 for bad, expired or deleted URLs: fetch a new URL then (§5).
  if (!media || hash !== mediaHash(ctx, id, ext) || Number(ext) * 1000 < Date.now()) return new Response('Not found', { status: 404 })
  const token = bearer(req, new URL('http://x'))
  const known = token !== null && [...ctx.state.numbers.values()].some((n) => n.accessToken === token)
  if (!known || !mayReadMedia(ctx, media, token)) return new Response('Unauthorized', { status: 401 })
  return new Response(media.bytes, { headers: { 'content-type': media.mimeType, 'content-length': String(media.bytes.length) } })
}

// ---------------------------------------------------------------------------------------------
// GET /:v/:phone_number_id

function phoneNumberInfo(url: URL, n: FakeNumber): Response {
  const all: Json = {
    verified_name: n.verifiedName,
    code_verification_status: 'VERIFIED',
    display_phone_number: n.displayPhoneNumber,
    quality_rating: n.qualityRating,
    platform_type: 'CLOUD_API',
    throughput: { level: 'STANDARD' },
    id: n.phoneNumberId,
  }
  const fields = url.searchParams.get('fields')
  if (!fields) return json(all)
  const picked: Json = {}
  for (const f of fields.split(',').map((s) => s.trim())) if (f in all) picked[f] = all[f]
  picked.id = n.phoneNumberId
  return json(picked)
}

// ---------------------------------------------------------------------------------------------
// Templates (§7)

const CATEGORIES = ['AUTHENTICATION', 'MARKETING', 'UTILITY'] as const
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/

function templates(method: string, url: URL, ctx: Ctx, wabaId: string, body: unknown): Response {
  if (method === 'GET') return listTemplates(url, ctx, wabaId)
  if (method === 'POST') return createTemplate(ctx, wabaId, body)
  if (method === 'DELETE') return deleteTemplates(url, ctx, wabaId)
  throw noSuchObject(wabaId, method)
}

function templateJson(t: FakeTemplate): Json {
  const out: Json = { name: t.name, parameter_format: t.parameterFormat, components: t.components, language: t.language, status: t.status, category: t.category, id: t.id }
  if (t.rejectedReason) out.rejected_reason = t.rejectedReason
  return out
}

function listTemplates(url: URL, ctx: Ctx, wabaId: string): Response {
  const q = url.searchParams
  const limit = Math.min(Math.max(Number(q.get('limit') ?? 25) || 25, 1), 1000)
  const start = q.get('after') ? decodeCursor(q.get('after')!) : 0
  const all = [...ctx.state.templates.values()].filter(
    (t) =>
      t.wabaId === wabaId &&
      (!q.get('name') || t.name.includes(q.get('name')!)) &&
      (!q.get('status') || t.status === q.get('status')!.toUpperCase()) &&
      (!q.get('category') || t.category === q.get('category')!.toUpperCase()) &&
      (!q.get('language') || t.language === q.get('language')),
  )
  const page = all.slice(start, start + limit)
  const body: Json = { data: page.map(templateJson) }
  if (page.length) {
    const paging: Json = { cursors: { before: encodeCursor(start), after: encodeCursor(start + page.length) } }
    if (start + page.length < all.length) {
      const next = new URL(url)
      next.searchParams.set('limit', String(limit))
      next.searchParams.set('after', encodeCursor(start + page.length))
      next.searchParams.delete('access_token')
      paging.next = next.toString()
    }
    body.paging = paging
  }
  return json(body)
}

function encodeCursor(index: number): string {
  return Buffer.from(`idx:${index}`).toString('base64url')
}

function decodeCursor(cursor: string): number {
  const match = Buffer.from(cursor, 'base64url').toString().match(/^idx:(\d+)$/)
  if (!match) throw invalidParameter('Invalid cursor', 'The paging cursor is not valid.')
  return Number(match[1])
}

const invalidParameter = (title: string, msg: string) =>
  new GraphFailure(400, 100, 'Invalid parameter', { error_user_title: title, error_user_msg: msg })

function createTemplate(ctx: Ctx, wabaId: string, body: unknown): Response {
  if (!isRecord(body)) throw missing('name')
  const name = requireString(body.name, 'name')
  if (!TEMPLATE_NAME.test(name)) {
    throw invalidParameter('Invalid template name', 'Template names can only contain lowercase letters, digits and underscores, up to 512 characters.')
  }
  const language = requireString(body.language, 'language')
  const category = requireString(body.category, 'category').toUpperCase()
  if (!(CATEGORIES as readonly string[]).includes(category)) throw notOneOf('category', CATEGORIES, body.category)
  const parameterFormat = (body.parameter_format === undefined ? 'positional' : String(body.parameter_format)).toUpperCase()
  if (parameterFormat !== 'POSITIONAL' && parameterFormat !== 'NAMED') throw notOneOf('parameter_format', ['positional', 'named'], body.parameter_format)
  const components = validateTemplateComponents(body.components, category)

  const duplicate = [...ctx.state.templates.values()].some((t) => t.wabaId === wabaId && t.name === name && t.language === language)
  if (duplicate) {
    throw new GraphFailure(400, 100, 'Invalid parameter', {
      error_subcode: 2388024,
      error_user_title: 'Content in This Language Already Exists',
      error_user_msg: `There is already ${language} content for this template. You can create a new template and try again.`,
    })
  }
  const template: FakeTemplate = { id: numericId(), wabaId, name, language, category, status: 'PENDING', parameterFormat, components, rejectedReason: null }
  ctx.state.templates.set(template.id, template)
  return json({ id: template.id, status: template.status, category: template.category })
}

function editTemplate(ctx: Ctx, template: FakeTemplate, body: unknown): Response {
  if (!isRecord(body)) throw missing('components')
  if (body.category !== undefined) {
    const category = String(body.category).toUpperCase()
    if (!(CATEGORIES as readonly string[]).includes(category)) throw notOneOf('category', CATEGORIES, body.category)
    template.category = category
  }
  if (body.components !== undefined) template.components = validateTemplateComponents(body.components, template.category)
  // An edited template goes back to review.
  template.status = 'PENDING'
  ctx.state.templates.set(template.id, template)
  return json({ success: true })
}

function deleteTemplates(url: URL, ctx: Ctx, wabaId: string): Response {
  const name = url.searchParams.get('name')
  const hsmId = url.searchParams.get('hsm_id')
  if (!name) throw missing('name')
  const doomed = [...ctx.state.templates.values()].filter((t) => t.wabaId === wabaId && t.name === name && (!hsmId || t.id === hsmId))
  if (!doomed.length) throw invalidParameter('Message template not found', `There is no message template named ${name}.`)
  for (const t of doomed) ctx.state.templates.delete(t.id)
  return json({ success: true })
}

const BUTTON_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP', 'FLOW', 'CATALOG', 'MPM', 'VOICE_CALL'] as const
const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const

function validateTemplateComponents(v: unknown, category: string): unknown[] {
  if (!Array.isArray(v) || v.length === 0) throw missing('components')
  const types = v.map((c, i) => {
    if (!isRecord(c) || typeof c.type !== 'string') throw missing(`components[${i}]['type']`)
    const type = c.type.toUpperCase()
    validateTemplateComponent(type, c, i, category)
    return type
  })
  if (types.filter((t) => t === 'BODY').length !== 1) {
    throw invalidParameter('Message template must have one body', 'A template needs exactly one BODY component.')
  }
  return v
}

function validateTemplateComponent(type: string, c: Json, i: number, category: string): void {
  const text = typeof c.text === 'string' ? c.text : null
  switch (type) {
    case 'HEADER': {
      const format = String(c.format ?? '').toUpperCase()
      if (!(HEADER_FORMATS as readonly string[]).includes(format)) throw notOneOf(`components[${i}]['format']`, HEADER_FORMATS, c.format)
      if (format !== 'TEXT') return
      if (!text) throw missing(`components[${i}]['text']`)
      if (charCount(text) > 60) throw tooLong(`components[${i}]['text']`, 60)
      if ((text.match(/\{\{[^}]+\}\}/g) ?? []).length > 1) throw invalidParameter('Too many variables', 'A text header may have one variable.')
      return
    }
    case 'BODY': {
      if (category === 'AUTHENTICATION' && text === null) return // Meta writes authentication bodies itself
      if (!text) throw missing(`components[${i}]['text']`)
      if (charCount(text) > 1024) throw tooLong(`components[${i}]['text']`, 1024)
      const hasVariables = /\{\{[^}]+\}\}/.test(text)
      const example = isRecord(c.example) ? c.example : null
      if (hasVariables && !(example && (example.body_text !== undefined || example.body_text_named_params !== undefined))) {
        throw invalidParameter('Variables need samples', 'Add sample values (example.body_text) for the body variables.')
      }
      return
    }
    case 'FOOTER':
      if (!text) throw missing(`components[${i}]['text']`)
      if (charCount(text) > 60) throw tooLong(`components[${i}]['text']`, 60)
      return
    case 'BUTTONS':
      return validateTemplateButtons(c.buttons, i)
    default:
      throw notOneOf(`components[${i}]['type']`, ['HEADER', 'BODY', 'FOOTER', 'BUTTONS'], c.type)
  }
}

function validateTemplateButtons(buttons: unknown, i: number): void {
  if (!Array.isArray(buttons) || buttons.length === 0) throw missing(`components[${i}]['buttons']`)
  if (buttons.length > 10) invalidValueThrow('A template may have at most 10 buttons')
  buttons.forEach((b, j) => {
    const where = `components[${i}]['buttons'][${j}]`
    const type = isRecord(b) && typeof b.type === 'string' ? b.type.toUpperCase() : null
    if (!type || !(BUTTON_TYPES as readonly string[]).includes(type)) throw notOneOf(`${where}['type']`, BUTTON_TYPES, isRecord(b) ? b.type : b)
    const label = isRecord(b) ? b.text : undefined
    if (type === 'OTP' || type === 'COPY_CODE') return
    if (typeof label !== 'string' || label === '') throw missing(`${where}['text']`)
    if (charCount(label) > 25) throw tooLong(`${where}['text']`, 25)
  })
}

function numericId(): string {
  // Graph object ids: 15–16 digits, kept as text (they do not all fit in a double).
  return String(1 + Math.floor(Math.random() * 9)) + String(Math.floor(Math.random() * 1e15)).padStart(15, '0')
}

// ---------------------------------------------------------------------------------------------
// Faults

const digitsOf = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).replace(/\D/g, '') : null)

function takeFault(state: FakeMetaState, method: string, path: string, body: unknown = null): Fault | null {
  const to = isRecord(body) ? digitsOf(body.to) : null
  const fault = state.faults.find(
    (f) => f.count > 0 && (!f.method || f.method.toUpperCase() === method) && f.matcher.test(path) && (f.to === undefined || digitsOf(f.to) === to),
  )
  if (!fault) return null
  fault.count--
  if (fault.count === 0) state.faults.splice(state.faults.indexOf(fault), 1)
  return fault
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  const source = escaped.replace(/\*\*|\*/g, (star) => (star === '**' ? '.*' : '[^/]*'))
  return new RegExp(`^${source}$`)
}

const DEFAULT_FAULT_ERRORS: Record<number, { code: number; message: string; extra?: GraphErrorExtra }> = {
  400: { code: 100, message: 'Invalid parameter' },
  401: { code: 190, message: 'Error validating access token: Session has expired.', extra: { error_subcode: 463 } },
  403: { code: 200, message: '(#200) Permissions error' },
  404: { code: 100, message: 'Unsupported request - method type: get', extra: { type: 'GraphMethodException', error_subcode: 33 } },
  429: { code: 130429, message: '(#130429) Rate limit hit', extra: { error_data: { messaging_product: 'whatsapp', details: 'Cloud API message throughput has been reached.' } } },
  500: { code: 1, message: 'An unknown error occurred', extra: { is_transient: true } },
  503: { code: 2, message: 'Service temporarily unavailable', extra: { is_transient: true } },
}

function faultResponse(fault: Fault): Response {
  const status = fault.status ?? 500
  const headers: Record<string, string> = {}
  if (fault.retry_after !== undefined) headers['retry-after'] = String(fault.retry_after)
  if (fault.raw_body !== undefined) {
    return new Response(fault.raw_body, { status, headers: { 'content-type': fault.content_type ?? 'text/html; charset=utf-8', ...headers } })
  }
  const fallback = DEFAULT_FAULT_ERRORS[status] ?? DEFAULT_FAULT_ERRORS[status >= 500 ? 503 : 400]!
  const given = fault.error
  const code = given?.code ?? fallback.code
  const message = given?.message ?? (given ? `(#${code}) Fake error` : fallback.message)
  const extra: GraphErrorExtra = given
    ? { type: given.type, error_subcode: given.error_subcode, error_data: given.error_data }
    : { ...fallback.extra }
  for (const key of Object.keys(extra) as (keyof GraphErrorExtra)[]) if (extra[key] === undefined) delete extra[key]
  return json(graphErrorBody(code, message, extra), status, headers)
}

/** Never answer; release when the client aborts or the fake stops. */
function hold(req: Request, ctx: Ctx): Promise<Response> {
  return new Promise((resolve) => {
    const release = () => {
      ctx.held.delete(release)
      resolve(new Response(null, { status: 504 }))
    }
    ctx.held.add(release)
    req.signal.addEventListener('abort', release, { once: true })
  })
}

// ---------------------------------------------------------------------------------------------
// Request log

async function recordRequest(req: Request, url: URL, ctx: Ctx): Promise<RecordedRequest> {
  const record: RecordedRequest = {
    seq: ++ctx.seq,
    at: Date.now(),
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    token: bearer(req, url),
    body: await readBody(req),
    status: null,
    response: null,
  }
  ctx.state.requests.push(record)
  return record
}

// Reads a clone so handlers can still read the original (multipart uploads).
async function readBody(req: Request): Promise<unknown> {
  if (req.method === 'GET' || req.method === 'HEAD') return null
  const type = req.headers.get('content-type') ?? ''
  const copy = req.clone()
  if (type.startsWith('multipart/form-data')) {
    try {
      const form = await copy.formData()
      const out: Json = {}
      form.forEach((value, key) => {
        out[key] = value instanceof Blob ? { name: value instanceof File ? value.name : null, type: value.type, size: value.size } : value
      })
      return out
    } catch {
      return null
    }
  }
  const text = await copy.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

async function peekBody(res: Response): Promise<unknown> {
  const type = res.headers.get('content-type') ?? ''
  if (!type.includes('json')) return null
  try {
    return await res.clone().json()
  } catch {
    return null
  }
}

// ---------------------------------------------------------------------------------------------
// Webhooks out: signed over the exact bytes sent (§1)

export interface WebhookResult {
  status: number
  body: string
  signature: string
  payload: unknown
}

async function deliverWebhook(
  ctx: Ctx,
  target: { url: string; appSecret: string; signature?: string; rawBody?: string },
  payload: unknown,
): Promise<WebhookResult> {
  const raw = target.rawBody ?? JSON.stringify(payload)
  const bytes = new TextEncoder().encode(raw)
  const signature = target.signature ?? 'sha256=' + createHmac('sha256', target.appSecret).update(bytes).digest('hex')
  const log: WebhookLog = { at: Date.now(), url: target.url, signature, payload, status: null, error: null }
  ctx.state.webhooks.push(log)
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature, 'user-agent': 'facebookexternalua' },
      body: bytes,
      signal: AbortSignal.timeout(10_000),
    })
    log.status = res.status
    return { status: res.status, body: await res.text(), signature, payload }
  } catch (err) {
    log.error = err instanceof Error ? err.message : String(err)
    throw err
  }
}

function envelope(wabaId: string, value: Json): Json {
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes: [{ value, field: 'messages' }] }] }
}

function numberValue(phoneNumberId: string, displayPhoneNumber: string): Json {
  return { messaging_product: 'whatsapp', metadata: { display_phone_number: displayPhoneNumber, phone_number_id: phoneNumberId } }
}

/** A customer's message as Meta delivers it; shortcuts: `text: "hi"` or `body: "hi"` for text. */
function buildInboundMessage(ctx: Ctx, from: string, input: Json): Json {
  const { id, timestamp, type: givenType, body, ...rest } = input
  const type = typeof givenType === 'string' ? givenType : 'text'
  const message: Json = { from, id: typeof id === 'string' ? id : newWamid(), timestamp: typeof timestamp === 'string' ? timestamp : nowSeconds(), type }
  if (type === 'text' && typeof rest.text === 'string') rest.text = { body: rest.text }
  if (type === 'text' && rest.text === undefined && typeof body === 'string') rest.text = { body }
  const media = rest[type]
  if (isRecord(media) && typeof media.id === 'string') rest[type] = withMediaFacts(ctx, media)
  return { ...message, ...rest }
}

// Fill mime_type and sha256 (base64, as webhooks carry it) from a preloaded media object.
function withMediaFacts(ctx: Ctx, media: Json): Json {
  const known = ctx.state.media.get(String(media.id))
  if (!known) return media
  return { mime_type: known.mimeType, sha256: Buffer.from(known.sha256, 'hex').toString('base64'), ...media }
}

const ERROR_TITLES: Record<number, string> = {
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131049: 'This message was not delivered to maintain healthy ecosystem engagement.',
  131050: 'User has stopped marketing messages',
  131053: 'Media upload error',
  131000: 'Something went wrong',
}

/** A status for one of our wamids; shortcut `error_code: n` for failed statuses. */
function buildStatus(ctx: Ctx, input: Json, fallbackRecipient: string | null): Json {
  const { error_code, ...rest } = input
  const id = typeof rest.id === 'string' ? rest.id : ''
  const sent = ctx.state.messages.find((m) => m.wamid === id)
  const status: Json = { id, status: rest.status ?? 'delivered', timestamp: nowSeconds(), recipient_id: sent?.waId ?? fallbackRecipient ?? '' }
  if (status.status === 'sent' || status.status === 'delivered') {
    status.pricing = { billable: true, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' }
  }
  if (typeof error_code === 'number' && rest.errors === undefined) {
    const title = ERROR_TITLES[error_code] ?? 'Error'
    status.errors = [{ code: error_code, title, message: title, error_data: { details: title }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }]
  }
  return { ...status, ...rest }
}

function nowSeconds(): string {
  return String(Math.floor(Date.now() / 1000))
}

function scheduleAutoStatuses(ctx: Ctx, number: FakeNumber, wamid: string, waId: string): void {
  const { webhookUrl, appSecret } = number
  if (!webhookUrl || !appSecret || number.autoStatuses.length === 0) return
  number.autoStatuses.forEach((status, i) => {
    const timer = setTimeout(() => {
      ctx.timers.delete(timer)
      const value = { ...numberValue(number.phoneNumberId, number.displayPhoneNumber), statuses: [buildStatus(ctx, { id: wamid, status }, waId)] }
      deliverWebhook(ctx, { url: webhookUrl, appSecret }, envelope(number.wabaId, value)).catch(() => {})
    }, number.statusDelayMs * (i + 1))
    ctx.timers.add(timer)
  })
}

// ---------------------------------------------------------------------------------------------
// Control API under /_fake/ (plain JSON, not Graph-shaped)

async function control(req: Request, url: URL, ctx: Ctx): Promise<Response> {
  const key = `${req.method} ${url.pathname.replace(/\/+$/, '')}`
  try {
    const body = req.method === 'POST' ? await readJson(req) : {}
    switch (key) {
      case 'POST /_fake/numbers':
        return json(numberJson(addNumber(ctx, body)), 201)
      case 'GET /_fake/numbers':
        return json({ numbers: [...ctx.state.numbers.values()].map(numberJson) })
      case 'POST /_fake/faults':
        return json(addFaults(ctx, body), 201)
      case 'GET /_fake/faults':
        return json({ faults: ctx.state.faults.map(faultJson) })
      case 'DELETE /_fake/faults':
        ctx.state.faults.length = 0
        return json({ ok: true })
      case 'GET /_fake/requests':
        return json({ requests: filterRequests(ctx.state.requests, url) })
      case 'GET /_fake/messages':
        return json({ messages: ctx.state.messages, reads: ctx.state.reads })
      case 'GET /_fake/webhooks':
        return json({ webhooks: ctx.state.webhooks })
      case 'POST /_fake/media':
        return json(preloadMedia(ctx, body), 201)
      case 'POST /_fake/templates':
        return json(templateJson(upsertTemplate(ctx, body)), 201)
      case 'POST /_fake/webhook':
        return await sendWebhookControl(ctx, body)
      case 'POST /_fake/reset':
        reset(ctx)
        return json({ ok: true })
    }
    return json({ error: { message: `no control route ${key}` } }, 404)
  } catch (err) {
    if (err instanceof ControlError) return json({ error: { message: err.message } }, err.status)
    return json({ error: { message: err instanceof Error ? err.message : String(err) } }, 502)
  }
}

class ControlError extends Error {
  constructor(message: string, public status = 400) {
    super(message)
  }
}

async function readJson(req: Request): Promise<Json> {
  const text = await req.text()
  if (!text) return {}
  try {
    const value: unknown = JSON.parse(text)
    if (isRecord(value)) return value
  } catch {}
  throw new ControlError('body must be a JSON object')
}

function need(body: Json, key: string): string {
  const v = body[key]
  if (typeof v === 'string' && v !== '') return v
  if (typeof v === 'number') return String(v)
  throw new ControlError(`${key} is required`)
}

function optionalString(body: Json, key: string): string | null {
  const v = body[key]
  return typeof v === 'string' && v !== '' ? v : null
}

function addNumber(ctx: Ctx, body: Json): FakeNumber {
  const autoStatuses = Array.isArray(body.auto_statuses) ? body.auto_statuses.filter((s): s is string => typeof s === 'string') : []
  const number: FakeNumber = {
    phoneNumberId: need(body, 'phone_number_id'),
    wabaId: need(body, 'waba_id'),
    accessToken: need(body, 'access_token'),
    displayPhoneNumber: optionalString(body, 'display_phone_number') ?? '15551234567',
    verifiedName: optionalString(body, 'verified_name') ?? optionalString(body, 'display_name') ?? 'Kumquat Test',
    qualityRating: optionalString(body, 'quality_rating') ?? 'GREEN',
    webhookUrl: optionalString(body, 'webhook_url'),
    appSecret: optionalString(body, 'app_secret'),
    autoStatuses,
    statusDelayMs: typeof body.status_delay_ms === 'number' ? body.status_delay_ms : 50,
    strictTemplates: body.strict_templates === true,
  }
  ctx.state.numbers.set(number.phoneNumberId, number)
  return number
}

function numberJson(n: FakeNumber): Json {
  return {
    phone_number_id: n.phoneNumberId,
    waba_id: n.wabaId,
    display_phone_number: n.displayPhoneNumber,
    verified_name: n.verifiedName,
    quality_rating: n.qualityRating,
    webhook_url: n.webhookUrl,
    auto_statuses: n.autoStatuses,
    strict_templates: n.strictTemplates,
  }
}

function addFaults(ctx: Ctx, body: Json): Json {
  const specs = Array.isArray(body.faults) ? body.faults : [body]
  const added = specs.map((spec) => {
    if (!isRecord(spec)) throw new ControlError('a fault must be an object')
    const path = need(spec, 'path')
    const count = spec.count === undefined ? 1 : Number(spec.count)
    if (!Number.isInteger(count) || count < 1) throw new ControlError('count must be a positive integer')
    if (spec.status === undefined && !spec.timeout && spec.delay_ms === undefined) throw new ControlError('a fault needs status, timeout or delay_ms')
    const fault: Fault = { ...(spec as Omit<FaultSpec, 'path' | 'count'>), path, count, id: ++ctx.faultSeq, matcher: patternToRegExp(path) }
    ctx.state.faults.push(fault)
    return faultJson(fault)
  })
  return { faults: added }
}

function faultJson(f: Fault): Json {
  const { matcher: _matcher, ...rest } = f
  return rest
}

function filterRequests(requests: RecordedRequest[], url: URL): RecordedRequest[] {
  const path = url.searchParams.get('path')
  const method = url.searchParams.get('method')
  const matcher = path ? patternToRegExp(path) : null
  return requests.filter((r) => (!matcher || matcher.test(r.path)) && (!method || r.method === method.toUpperCase()))
}

function preloadMedia(ctx: Ctx, body: Json): Json {
  const mimeType = need(body, 'mime_type')
  const bytes =
    typeof body.data_base64 === 'string' ? new Uint8Array(Buffer.from(body.data_base64, 'base64')) :
    typeof body.text === 'string' ? new TextEncoder().encode(body.text) :
    null
  if (!bytes) throw new ControlError('data_base64 or text is required')
  const media = storeMedia(ctx, {
    id: optionalString(body, 'id') ?? undefined,
    phoneNumberId: optionalString(body, 'phone_number_id'),
    bytes,
    mimeType,
    filename: optionalString(body, 'filename'),
  })
  return {
    id: media.id,
    mime_type: media.mimeType,
    sha256: media.sha256,
    sha256_base64: Buffer.from(media.sha256, 'hex').toString('base64'),
    file_size: media.bytes.length,
  }
}

function upsertTemplate(ctx: Ctx, body: Json): FakeTemplate {
  const id = optionalString(body, 'id')
  const existing = id
    ? ctx.state.templates.get(id)
    : [...ctx.state.templates.values()].find((t) => t.wabaId === body.waba_id && t.name === body.name && t.language === (body.language ?? t.language))
  if (id && !existing) throw new ControlError(`no template ${id}`, 404)
  const template: FakeTemplate = existing ?? {
    id: numericId(),
    wabaId: need(body, 'waba_id'),
    name: need(body, 'name'),
    language: need(body, 'language'),
    category: 'UTILITY',
    status: 'APPROVED',
    parameterFormat: 'POSITIONAL',
    components: [],
    rejectedReason: null,
  }
  if (typeof body.category === 'string') template.category = body.category.toUpperCase()
  if (typeof body.status === 'string') template.status = body.status.toUpperCase()
  if (Array.isArray(body.components)) template.components = body.components
  if (typeof body.rejected_reason === 'string') template.rejectedReason = body.rejected_reason
  ctx.state.templates.set(template.id, template)
  return template
}

async function sendWebhookControl(ctx: Ctx, body: Json): Promise<Response> {
  const url = need(body, 'url')
  const appSecret = need(body, 'app_secret')
  const target = { url, appSecret, signature: optionalString(body, 'signature') ?? undefined, rawBody: optionalString(body, 'raw_body') ?? undefined }
  // Three forms: exact bytes (raw_body), a ready payload, or the convenience fields.
  const payload =
    target.rawBody !== undefined ? safeParse(target.rawBody) :
    body.payload !== undefined ? body.payload :
    buildConveniencePayload(ctx, body)
  return json(await deliverWebhook(ctx, target, payload))
}

function buildConveniencePayload(ctx: Ctx, body: Json): Json {
  const phoneNumberId = need(body, 'phone_number_id')
  const number = ctx.state.numbers.get(phoneNumberId)
  const wabaId = optionalString(body, 'waba_id') ?? number?.wabaId
  if (!wabaId) throw new ControlError('waba_id is required (or register the number first)')
  const display = optionalString(body, 'display_phone_number') ?? number?.displayPhoneNumber ?? '15551234567'
  const value = numberValue(phoneNumberId, display)
  const from = optionalString(body, 'from')

  const messages = Array.isArray(body.messages) ? body.messages : isRecord(body.message) ? [body.message] : []
  const statuses = Array.isArray(body.statuses) ? body.statuses : isRecord(body.status) ? [body.status] : []
  if (!messages.length && !statuses.length) throw new ControlError('give payload, message(s) or status(es)')
  if (messages.length) {
    if (!from) throw new ControlError('from is required for messages')
    const contact: Json = { profile: { name: optionalString(body, 'name') ?? 'Cliente' }, wa_id: from }
    const userId = optionalString(body, 'user_id')
    if (userId) contact.user_id = userId
    value.contacts = [contact]
    value.messages = messages.map((m) => {
      if (!isRecord(m)) throw new ControlError('each message must be an object')
      return buildInboundMessage(ctx, from, m)
    })
  }
  if (statuses.length) {
    value.statuses = statuses.map((s) => {
      if (!isRecord(s) || typeof s.id !== 'string') throw new ControlError('each status needs an id')
      return buildStatus(ctx, s, from)
    })
  }
  return envelope(wabaId, value)
}

function reset(ctx: Ctx): void {
  for (const t of ctx.timers) clearTimeout(t)
  ctx.timers.clear()
  for (const release of [...ctx.held]) release()
  Object.assign(ctx.state, emptyState())
}

// ---------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function baseMime(mime: string): string {
  return mime.split(';')[0]!.trim().toLowerCase()
}

// ---------------------------------------------------------------------------------------------
// CLI: bun scripts/fake-meta.ts [--port N] [--host H] [--demo ...]

const DEMO_SCRIPT: Json[] = [
  { type: 'text', text: 'Olá, bom dia! 👋' },
  { type: 'text', text: 'Preciso da segunda via do boleto de novembro, por favor.' },
  { type: 'image', image: { caption: 'Foto do boleto antigo' } },
  { type: 'location', location: { latitude: -7.1195, longitude: -34.845, name: 'Escritório', address: 'Av. Epitácio Pessoa, João Pessoa - PB' } },
  { type: 'text', text: 'Meu CPF é o mesmo do cadastro. Obrigado! 😊' },
]

// A 1×1 PNG, so the demo image has real bytes behind its media id.
const DEMO_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      port: { type: 'string', default: '8790' },
      host: { type: 'string', default: '127.0.0.1' },
      demo: { type: 'boolean', default: false },
      webhook: { type: 'string' },
      'app-secret': { type: 'string' },
      'phone-number-id': { type: 'string' },
      'waba-id': { type: 'string', default: '100000000000001' },
      token: { type: 'string', default: 'demo-token' },
      from: { type: 'string', default: '5583988887777' },
      name: { type: 'string', default: 'Maria Cliente' },
      interval: { type: 'string', default: '4' },
    },
  })
  const meta = startFakeMeta({ port: Number(values.port), hostname: values.host })
  console.log(`fake-meta listening on ${meta.url}`)
  const stop = () => meta.stop().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  if (!values.demo) return

  // Register the number up front so the values printed below work at once.
  const webhook = values.webhook
  const secret = values['app-secret']
  const phoneNumberId = values['phone-number-id'] ?? '100000000000002'
  await registerDemoNumber(meta.url, { phoneNumberId, wabaId: values['waba-id'], token: values.token, webhook, secret })
  printDemoHelp(meta.url, values.token, values['waba-id'], phoneNumberId)
  if (!webhook || !secret || !values['phone-number-id']) {
    console.log('\nTo play a customer, restart with: --demo --webhook <url> --app-secret <secret> --phone-number-id <id>')
    return
  }
  await playCustomer(meta, { webhook, secret, phoneNumberId, from: values.from, name: values.name, intervalMs: Number(values.interval) * 1000 })
}

async function registerDemoNumber(
  url: string,
  o: { phoneNumberId: string; wabaId: string; token: string; webhook?: string; secret?: string },
): Promise<void> {
  const body: Json = { phone_number_id: o.phoneNumberId, waba_id: o.wabaId, access_token: o.token, verified_name: 'Kumquat Demo' }
  // With a webhook, the app's replies get sent → delivered → read statuses like on a real phone.
  if (o.webhook && o.secret) Object.assign(body, { webhook_url: o.webhook, app_secret: o.secret, auto_statuses: ['sent', 'delivered', 'read'], status_delay_ms: 700 })
  await fetch(`${url}/_fake/numbers`, { method: 'POST', body: JSON.stringify(body) })
}

function printDemoHelp(url: string, token: string, wabaId: string, phoneNumberId: string): void {
  console.log(`
Fake Meta Graph API — demo mode
  Graph base URL:     ${url}            (versions like /v24.0 are accepted)
  Phone number id:    ${phoneNumberId}
  WABA id:            ${wabaId}
  Access token:       ${token}

Configure the Kumquat WhatsApp channel with the values above (Graph base URL = ${url}).
Useful control calls:
  curl -s ${url}/_fake/requests | jq         # what the app sent
  curl -s ${url}/_fake/messages | jq         # accepted messages and read receipts
  curl -s -XPOST ${url}/_fake/faults -d '{"path":"/*/*/messages","status":429,"retry_after":3,"count":2}'
  curl -s -XPOST ${url}/_fake/webhook -d '{"url":"<webhook>","app_secret":"<secret>","phone_number_id":"${phoneNumberId}","from":"5583988887777","name":"Ana","message":{"type":"text","text":"oi"}}'`)
}

async function playCustomer(
  meta: FakeMeta,
  o: { webhook: string; secret: string; phoneNumberId: string; from: string; name: string; intervalMs: number },
): Promise<void> {
  const post = (path: string, body: Json) =>
    fetch(meta.url + path, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Json }))
  const media = await post('/_fake/media', { mime_type: 'image/png', data_base64: DEMO_PNG, phone_number_id: o.phoneNumberId })
  console.log(`\nPlaying ${o.name} (${o.from}) → ${o.webhook}, one message every ${o.intervalMs / 1000} s; the app's replies get sent/delivered/read statuses.`)
  for (const step of DEMO_SCRIPT) {
    const message = step.type === 'image' ? { ...step, image: { ...(step.image as Json), id: media.body.id } } : step
    const res = await post('/_fake/webhook', { url: o.webhook, app_secret: o.secret, phone_number_id: o.phoneNumberId, from: o.from, name: o.name, message })
    console.log(`  ${String(step.type).padEnd(8)} → webhook answered ${res.status === 200 ? res.body.status : `error ${JSON.stringify(res.body)}`}`)
    await Bun.sleep(o.intervalMs)
  }
  console.log('Customer done; the fake keeps serving the Graph API. Ctrl-C to stop.')
}

if (import.meta.main) await main()
