// The visitor endpoints, /webchat/:channel_key/* (the contract is the comment at the top of
// protocol.ts). Every request: the channel by its public key, the Origin checked against the
// channel's allowed origins (CORS headers only for those), the visitor token (hashed lookup; the
// session must belong to this channel and not be expired), per-token and per-IP rate limits.
// A visitor reaches only their own contact's tickets: every id they send (message, media, read
// cursor) is checked against that contact.
import { existsSync } from 'node:fs'
import { Elysia } from 'elysia'
import type { Context } from '../../context'
import { attachmentDisposition } from '../../desk/api'
import { detectFileType, extensionForMime, safeFilename, type FileType } from '../../desk/file-types'
import { mediaPath, storeMediaFile } from '../../desk/media-files'
import { write } from '../../db/open'
import { isSectorOpen, outOfHoursFor } from '../../hours/hours'
import { clientIp } from '../../http/client-ip'
import { badRequest, HttpError, notFound, tooManyRequests } from '../../http/errors'
import { readAtMost } from '../../http/read-limited'
import { Throttle } from '../../http/throttle'
import { langFromAcceptLanguage, t, type Lang } from '../../i18n'
import { answerSurvey } from '../../surveys/answer'
import { recordMessageUpdated } from '../whatsapp/statuses'
import type { Channel } from '../store'
import { ingestVisitorMessage, type VisitorInbound } from './ingest'
import { buttonsOf, surveyOf, visibleToVisitor, visitorMessage, type VisitorButton } from './protocol'
import { pageUrlOf, startSession, TOKEN_PATTERN, validateSession, type SessionInput } from './sessions'
import { KEY_PATTERN, settingsOf, type WebchatSettings } from './settings'
import type { VisitorSession } from './store'
import { transcriptOf } from './transcript'
import { recordVisitorTyping } from './typing'
import { conversationOf, visitorStream } from './visitor-stream'

/** Messages per GET /webchat/:key/messages page. */
const MESSAGES_PAGE = 500

/** JSON bodies: a message is at most 4096 characters; nothing a visitor sends needs more. */
const JSON_BODY_LIMIT = 64 * 1024
const MAX_TEXT = 4096
const MAX_CAPTION = 1024
const MAX_COMMENT = 1000
/** Streams one token may hold open (tabs); the oldest closes when a new one opens past this. */
const MAX_STREAMS_PER_TOKEN = 5

const ALLOWED_HEADERS = 'authorization, content-type, last-event-id'

/** What every visitor handler gets. */
interface Call {
  request: Request
  channel: Channel
  settings: WebchatSettings
  lang: Lang
  ip: string
}
interface AuthedCall extends Call {
  session: VisitorSession
}

const err = (status: number, code: string, key: Parameters<typeof t>[1], details?: HttpError['details']) => new HttpError(status, code, key, {}, details)

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } })
}

function errorJson(e: HttpError, lang: Lang): Response {
  const details = e.details?.map((d) => ({ field: d.field, message: t(lang, d.key) }))
  const res = jsonResponse({ error: { code: e.code, message: t(lang, e.key, e.vars), ...(details?.length ? { details } : {}) } }, e.status)
  if (e.status === 429 && e.vars.seconds) res.headers.set('retry-after', String(e.vars.seconds))
  return res
}

/** Images the widget shows inline, and PDF; typed by their bytes. WhatsApp's detector knows no GIF. */
function visitorFileType(bytes: Uint8Array): (FileType & { kind: 'image' | 'document' }) | null {
  const head = String.fromCharCode(...bytes.subarray(0, 6))
  if (head === 'GIF87a' || head === 'GIF89a') return { mime: 'image/gif', kind: 'image', ext: 'gif' }
  const type = detectFileType(bytes)
  if (!type) return null
  if (type.mime === 'image/jpeg' || type.mime === 'image/png' || type.mime === 'image/webp') return { ...type, kind: 'image' }
  if (type.mime === 'application/pdf') return { ...type, kind: 'document' }
  return null
}

const fileNameFor = (raw: string, type: FileType) => (type.mime === 'image/gif' ? safeFilename(raw.replace(/\.gif$/i, ''), type) : safeFilename(raw, type))

const mb = (bytes: number) => `${Math.round(bytes / 100_000) / 10} MB`.replace('.', ',')

export function visitorApi(ctx: Context) {
  const limits = {
    sessionsPerIp: Number(process.env.KUMQUAT_WEBCHAT_SESSIONS_PER_IP) || 20,
  }
  const throttles = {
    sessionsPerIp: new Throttle({ max: limits.sessionsPerIp, windowMs: 10 * 60_000 }),
    messagesPerToken: new Throttle({ max: 20, windowMs: 60_000 }),
    postsPerToken: new Throttle({ max: 120, windowMs: 60_000 }),
    postsPerIp: new Throttle({ max: 600, windowMs: 60_000 }),
  }
  const streams = new Map<number, (() => void)[]>()
  const ownOrigin = (() => {
    try {
      return new URL(ctx.config.baseUrl).origin.toLowerCase()
    } catch {
      return null
    }
  })()

  const channelOf = (key: string): Channel | null => {
    if (!KEY_PATTERN.test(key)) return null
    const channel = ctx.stores.channels.byLookup('webchat', key)
    return channel && channel.active ? channel : null
  }

  const corsFor = (origin: string) => ({
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'retry-after, content-disposition',
    vary: 'Origin',
  })

  /**
   * Runs a visitor handler: channel, origin, (token,) limits; errors as JSON with the CORS headers
   * the origin is entitled to, so the widget can read them.
   */
  function visitor(handler: (c: Call) => Response | Promise<Response>): (c: { request: Request; params: { key: string } }) => Promise<Response>
  function visitor(handler: (c: AuthedCall) => Response | Promise<Response>, o: { auth: true; queryToken?: boolean }): (c: { request: Request; params: { key: string } }) => Promise<Response>
  function visitor(handler: (c: AuthedCall) => Response | Promise<Response>, o: { auth?: boolean; queryToken?: boolean } = {}) {
    return async ({ request, params }: { request: Request; params: { key: string } }) => {
      const lang = langFromAcceptLanguage(request.headers.get('accept-language'), ctx.config.defaultLanguage)
      let cors: Record<string, string> = {}
      let res: Response
      try {
        const channel = channelOf(params.key)
        if (!channel) throw err(404, 'channel_not_found', 'webchat.channel_not_found')
        const settings = settingsOf(ctx, channel)
        const origin = request.headers.get('origin')
        if (origin !== null) {
          const o = origin.toLowerCase()
          if (!settings.allowed_origins.includes(o) && o !== ownOrigin && o !== new URL(request.url).origin) throw err(403, 'origin_not_allowed', 'webchat.origin_not_allowed')
          cors = corsFor(origin)
        }
        const ip = clientIp(request) ?? 'unknown'
        const call: Call = { request, channel, settings, lang, ip }
        if (o.auth) {
          // Session creation has its own per-address limit; everything a visitor does after it
          // counts per address and per token.
          if (request.method === 'POST') {
            const wait = throttles.postsPerIp.take(ip)
            if (wait) throw tooManyRequests(wait)
          }
          const session = authenticate(request, channel, o.queryToken ?? false)
          if (request.method === 'POST') {
            const wait = throttles.postsPerToken.take(String(session.id))
            if (wait) throw tooManyRequests(wait)
          }
          res = await handler({ ...call, session })
        } else res = await handler(call as AuthedCall)
      } catch (e) {
        if (!(e instanceof HttpError)) {
          ctx.log.error({ err: e, path: new URL(request.url).pathname.replace(/\/webchat\/[^/]+/, '/webchat/:key') }, 'webchat request failed')
          res = errorJson(new HttpError(500, 'internal_error', 'error.internal'), lang)
        } else res = errorJson(e, lang)
      }
      for (const [k, v] of Object.entries(cors)) res.headers.set(k, v)
      return res
    }
  }

  function authenticate(request: Request, channel: Channel, queryToken: boolean): VisitorSession {
    const header = request.headers.get('authorization')
    let token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null
    if (!token && queryToken) token = new URL(request.url).searchParams.get('token')
    if (!token || !TOKEN_PATTERN.test(token)) throw err(401, 'unauthorized', 'error.unauthorized')
    const session = ctx.stores.webchat.byToken(token)
    // Another channel's token is no token here (a key and a token of two channels read nothing).
    if (!session || session.channel_id !== channel.id) throw err(401, 'unauthorized', 'error.unauthorized')
    if (session.expires_at <= Date.now()) throw err(401, 'session_expired', 'webchat.session_expired')
    return session
  }

  async function readJson(request: Request): Promise<Record<string, unknown>> {
    const bytes = request.body ? await readAtMost(request.body, JSON_BODY_LIMIT) : new Uint8Array()
    if (!bytes) throw new HttpError(413, 'payload_too_large', 'error.too_large', { limit: JSON_BODY_LIMIT })
    if (bytes.length === 0) return {}
    let body: unknown
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    } catch {
      throw badRequest('malformed_json', 'error.malformed_json')
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('malformed_json', 'error.malformed_json')
    return body as Record<string, unknown>
  }

  const names = (c: AuthedCall) => ({ visitor: c.session.name, bot: t(ctx.config.defaultLanguage, 'webchat.bot_name') })
  const toVisitor = (c: AuthedCall, messageId: number) => {
    const m = ctx.stores.messages.get(messageId)!
    return visitorMessage(m, m.media_id ? ctx.stores.media.get(m.media_id) : null, c.settings.channel_key, names(c))
  }

  /** The options the visitor was last shown (a bot menu or a survey) in their latest ticket. */
  function offeredOptions(session: VisitorSession): VisitorButton[] {
    const last = ctx.stores.tickets.lastOfContact(session.contact_id)
    if (!last) return []
    for (const id of ctx.stores.webchat.lastOutbound(last.id, 20)) {
      const m = ctx.stores.messages.get(id)
      if (!m) continue
      const options = surveyOf(m.extra)?.options ?? buttonsOf(m.extra)
      if (options) return options
    }
    return []
  }

  async function messageFromRequest(c: AuthedCall): Promise<VisitorInbound> {
    const type = c.request.headers.get('content-type') ?? ''
    if (type.startsWith('multipart/form-data')) {
      if (!c.settings.uploads) throw err(403, 'uploads_disabled', 'webchat.uploads_disabled')
      const length = Number(c.request.headers.get('content-length') ?? 0)
      const tooLarge = () => new HttpError(413, 'file_too_large', 'webchat.file_too_large', { max: mb(c.settings.max_file_bytes) })
      if (length > c.settings.max_file_bytes + JSON_BODY_LIMIT) throw tooLarge()
      let form: FormData
      try {
        form = await c.request.formData()
      } catch {
        throw badRequest('validation_failed', 'webchat.valid_file', [{ field: 'file', key: 'webchat.valid_file' }])
      }
      const file = form.get('file')
      if (!(file instanceof File) || file.size === 0) throw badRequest('validation_failed', 'webchat.valid_file', [{ field: 'file', key: 'webchat.valid_file' }])
      if (file.size > c.settings.max_file_bytes) throw tooLarge()
      const caption = form.get('caption')
      const text = typeof caption === 'string' && caption.trim() ? caption.trim() : null
      if (text && text.length > MAX_CAPTION) throw badRequest('validation_failed', 'error.validation', [{ field: 'caption', key: 'webchat.valid_text' }])
      const bytes = new Uint8Array(await file.arrayBuffer())
      const fileType = visitorFileType(bytes)
      if (!fileType) throw badRequest('unsupported_file_type', 'webchat.unsupported_file_type', [{ field: 'file', key: 'webchat.unsupported_file_type' }])
      // Stored (fsync'd, by content) before the message that points at it commits.
      const sha256 = storeMediaFile(ctx, bytes)
      const media = { channel_id: c.channel.id, sha256, mime_type: fileType.mime, filename: fileNameFor(file.name, fileType), size: bytes.length }
      return { type: fileType.kind, text, media_id: null, media } as VisitorInbound & { media: typeof media }
    }
    const body = await readJson(c.request)
    if (body.payload !== undefined) {
      const payload = body.payload
      const option = typeof payload === 'string' ? offeredOptions(c.session).find((o) => o.id === payload) : undefined
      if (!option) throw badRequest('invalid_payload', 'webchat.invalid_payload', [{ field: 'payload', key: 'webchat.invalid_payload' }])
      return { type: 'interactive', text: option.title, reply: option }
    }
    const text = typeof body.text === 'string' ? body.text.trim() : ''
    if (!text || text.length > MAX_TEXT) throw badRequest('validation_failed', 'error.validation', [{ field: 'text', key: 'webchat.valid_text' }])
    return { type: 'text', text }
  }

  return (
    new Elysia({ name: 'webchatVisitorApi' })
      .options(
        '/webchat/:key/*',
        visitor(() => new Response(null, { status: 204, headers: { 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': ALLOWED_HEADERS, 'access-control-max-age': '600' } })),
      )
      .get(
        '/webchat/:key/config',
        visitor((c) => {
          const s = c.settings
          const open = isSectorOpen(ctx, c.channel.sector_id)
          const ooh = open ? null : outOfHoursFor(ctx, c.channel.sector_id, Date.now(), c.lang)
          return jsonResponse({
            title: s.title,
            greeting: s.greeting,
            colors: s.colors,
            prechat: { name: 'required', ...s.prechat },
            consent: { text: s.consent_text, policy_url: s.policy_url },
            uploads: s.uploads,
            max_file_bytes: s.max_file_bytes,
            open,
            // The text may name the protocol number, which a visitor without a ticket has not got yet.
            out_of_hours_message: ooh ? ooh.text.replace(/\s*\{protocolo\}/g, '').trim() : null,
          })
        }),
      )
      .post(
        '/webchat/:key/sessions',
        visitor(async (c) => {
          const wait = throttles.sessionsPerIp.take(c.ip)
          if (wait) throw tooManyRequests(wait)
          const input = validateSession((await readJson(c.request)) as SessionInput, c.settings)
          const started = startSession(ctx, c.channel, c.settings, input, { user_agent: c.request.headers.get('user-agent'), ip: c.ip === 'unknown' ? null : c.ip })
          ctx.log.info({ channel_id: c.channel.id, webchat_session: started.id }, 'webchat session started')
          return jsonResponse({ visitor_token: started.token, expires_at: new Date(started.expires_at).toISOString() }, 201)
        }),
        { parse: 'none' },
      )
      .get(
        '/webchat/:key/session',
        visitor(
          (c) => {
            const ticket = ctx.stores.tickets.lastOfContact(c.session.contact_id)
            const agent = ticket?.assignee_id ? ctx.stores.users.get(ticket.assignee_id) : null
            return jsonResponse({
              name: c.session.name,
              ticket: ticket ? { protocol: ticket.protocol, status: ticket.status } : null,
              agent: agent && ticket?.status === 'open' ? { name: agent.name, avatar_url: null } : null,
            })
          },
          { auth: true },
        ),
      )
      .post(
        '/webchat/:key/messages',
        visitor(
          async (c) => {
            const wait = throttles.messagesPerToken.take(String(c.session.id))
            if (wait) throw tooManyRequests(wait)
            const input = (await messageFromRequest(c)) as VisitorInbound & { media?: { channel_id: number; sha256: string; mime_type: string; filename: string; size: number } }
            const { message, outbound } = write(ctx.db, () => {
              const mediaId = input.media ? ctx.stores.media.insertReady(input.media) : null
              const { media: _m, ...inbound } = input
              return ingestVisitorMessage(ctx, c.channel, c.session, { ...inbound, media_id: mediaId })
            })
            ctx.hub.wake()
            ctx.wake.routing()
            if (outbound) ctx.wake.outbox()
            return jsonResponse(toVisitor(c, message.id), 201)
          },
          { auth: true },
        ),
        { parse: 'none' },
      )
      .get(
        '/webchat/:key/messages',
        visitor(
          (c) => {
            // api.md's list shape: `next_cursor` (the last id) when a page is full; `cursor` and
            // `after_id` are the same thing (older widgets send after_id).
            const params = new URL(c.request.url).searchParams
            const raw = params.get('cursor') ?? params.get('after_id')
            const after = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : 0
            const data = conversationOf(ctx, c.session, c.settings.channel_key, names(c), after, MESSAGES_PAGE)
            return jsonResponse({ data, next_cursor: data.length === MESSAGES_PAGE ? String(data[data.length - 1].id) : null })
          },
          { auth: true },
        ),
      )
      .get(
        '/webchat/:key/media/:id',
        visitor(
          (c) => {
            const raw = new URL(c.request.url).pathname.split('/').pop() ?? ''
            const media = /^\d{1,15}$/.test(raw) ? ctx.stores.media.get(Number(raw)) : null
            // Only a file of a message this visitor can see (not another visitor's, not a note's).
            const mine = media ? ctx.stores.messages.byMedia(media.id).some((m) => visibleToVisitor(m) && ctx.stores.webchat.contactOfTicket(m.ticket_id) === c.session.contact_id) : false
            if (!media || !mine || media.status !== 'ready' || !media.sha256) throw notFound()
            const path = mediaPath(ctx, media.sha256)
            if (!existsSync(path)) {
              ctx.log.error({ media_id: media.id }, 'media file missing on disk')
              throw notFound()
            }
            const filename = media.filename || `arquivo-${media.id}.${extensionForMime(media.mime_type)}`
            const inline = media.mime_type.startsWith('image/')
            return new Response(Bun.file(path), {
              headers: {
                'content-type': media.mime_type,
                'content-disposition': attachmentDisposition(filename).replace(/^attachment/, inline ? 'inline' : 'attachment'),
                'x-content-type-options': 'nosniff',
                'content-security-policy': 'sandbox',
                'cache-control': 'private, max-age=3600',
                // The host page shows the image from our origin.
                'cross-origin-resource-policy': 'cross-origin',
              },
            })
          },
          { auth: true, queryToken: true },
        ),
      )
      .get(
        '/webchat/:key/events',
        visitor(
          (c) => {
            const url = new URL(c.request.url)
            const lastEventId = c.request.headers.get('last-event-id') ?? url.searchParams.get('last_event_id')
            // A few tabs at most: past the limit the oldest stream of this token ends.
            const abort = new AbortController()
            const close = () => abort.abort()
            const open = streams.get(c.session.id) ?? []
            open.push(close)
            if (open.length > MAX_STREAMS_PER_TOKEN) open.shift()!()
            streams.set(c.session.id, open)
            const forget = () => {
              const list = streams.get(c.session.id)
              const i = list ? list.indexOf(close) : -1
              if (i >= 0) list!.splice(i, 1)
              if (list && list.length === 0) streams.delete(c.session.id)
            }
            const signal = AbortSignal.any([c.request.signal, abort.signal])
            signal.addEventListener('abort', forget)
            const res = visitorStream(ctx, signal, c.channel, c.settings, c.session, lastEventId)
            write(ctx.db, () => ctx.stores.webchat.touch(c.session.id))
            return res
          },
          { auth: true, queryToken: true },
        ),
      )
      .post(
        '/webchat/:key/typing',
        visitor(
          async (c) => {
            await readJson(c.request)
            recordVisitorTyping(ctx, c.session)
            return new Response(null, { status: 204 })
          },
          { auth: true },
        ),
        { parse: 'none' },
      )
      .post(
        '/webchat/:key/page',
        visitor(
          async (c) => {
            const body = await readJson(c.request)
            const pageUrl = pageUrlOf(body.page_url)
            if (!pageUrl) throw badRequest('validation_failed', 'error.validation', [{ field: 'page_url', key: 'webchat.valid_page_url' }])
            write(ctx.db, () => ctx.stores.webchat.setPage(c.session.id, pageUrl))
            return new Response(null, { status: 204 })
          },
          { auth: true },
        ),
        { parse: 'none' },
      )
      .post(
        '/webchat/:key/read',
        visitor(
          async (c) => {
            const body = await readJson(c.request)
            const upTo = body.up_to_id
            if (!Number.isInteger(upTo) || (upTo as number) < 1) throw badRequest('validation_failed', 'error.validation', [{ field: 'up_to_id', key: 'webchat.valid_up_to_id' }])
            const changed = write(ctx.db, () => {
              // Only this visitor's messages can be marked: the query is bounded by their contact.
              const ids = ctx.stores.webchat.unreadOutbound(c.session.contact_id, upTo as number)
              for (const id of ids) {
                ctx.stores.messages.setStatus(id, 'read')
                recordMessageUpdated(ctx, id)
              }
              return ids.length
            })
            if (changed) ctx.hub.wake()
            return new Response(null, { status: 204 })
          },
          { auth: true },
        ),
        { parse: 'none' },
      )
      .post(
        '/webchat/:key/survey',
        visitor(
          async (c) => {
            const body = await readJson(c.request)
            const score = body.score
            const comment = body.comment === undefined || body.comment === null ? null : body.comment
            if (!Number.isInteger(score)) throw badRequest('validation_failed', 'error.validation', [{ field: 'score', key: 'webchat.survey_out_of_range' }])
            if (comment !== null && (typeof comment !== 'string' || comment.length > MAX_COMMENT)) throw badRequest('validation_failed', 'error.validation', [{ field: 'comment', key: 'webchat.valid_comment' }])
            const ticket = ctx.stores.tickets.lastOfContact(c.session.contact_id)
            if (!ticket) throw err(409, 'survey_not_pending', 'webchat.survey_not_pending')
            const { outcome } = answerSurvey(ctx, ticket.id, score as number, comment as string | null)
            if (outcome === 'out_of_range') throw badRequest('out_of_range', 'webchat.survey_out_of_range', [{ field: 'score', key: 'webchat.survey_out_of_range' }])
            if (outcome === 'expired') throw err(409, 'survey_expired', 'webchat.survey_not_pending')
            if (outcome === 'already_answered') throw err(409, 'survey_already_answered', 'webchat.survey_not_pending')
            if (outcome !== 'answered') throw err(409, 'survey_not_pending', 'webchat.survey_not_pending')
            return jsonResponse({ ok: true })
          },
          { auth: true },
        ),
        { parse: 'none' },
      )
      .get(
        '/webchat/:key/transcript',
        visitor(
          (c) => {
            const { filename, text } = transcriptOf(ctx, c.channel, c.session, c.lang)
            return new Response(text, {
              headers: {
                'content-type': 'text/plain; charset=utf-8',
                'content-disposition': attachmentDisposition(filename),
                'x-content-type-options': 'nosniff',
                'cache-control': 'no-store',
              },
            })
          },
          { auth: true, queryToken: true },
        ),
      )
  )
}
