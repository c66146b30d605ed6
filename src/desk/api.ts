// REST API v1 (../shared/api.md "Tickets", "Messages"): tickets, their messages, sending (text,
// internal note, file) and media downloads. Any token may call these; what it sees is decided per
// ticket (visibility.ts): a ticket the caller may not see answers 404, exactly like one that does
// not exist, and so does a file that only such tickets hold.
import { auditTicketView } from '../audit/ticket-view'
import { clientIp } from '../http/client-ip'
import { existsSync } from 'node:fs'
import { Elysia, t } from 'elysia'
import type { User } from '../admin/users-store'
import { apiGuard, apiViewer } from '../api/guard'
import { decodeCursor, ErrorBody, ListQuery, page } from '../api/pagination'
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, conflict, HttpError, notFound } from '../http/errors'
import type { MessageKey } from '../i18n'
import { sendTemplateToTicket } from '../templates/send'
import { TemplateSend } from '../templates/routes'
import { normaliseCode } from '../customers/code'
import { detectFileType, extensionForMime, MAX_UPLOAD_BYTES, safeFilename, sizeProblem } from './file-types'
import { messageJson, ticketJson } from './json'
import { mediaPath, storeMediaFile } from './media-files'
import type { Message } from './messages-store'
import { queueOutbound, windowOpen } from './outbound'
import type { Ticket } from './tickets-store'
import { canSeeTicket, visibilityOf } from './visibility'

// ---- schemas (they validate input and generate /api/v1/openapi.json) -----------------------------

const DateTime = t.String({ format: 'date-time' })
const OptionalDateTime = t.Nullable(DateTime)
const TicketStatus = t.Union([t.Literal('bot'), t.Literal('queued'), t.Literal('open'), t.Literal('closed')])

export const TicketSchema = t.Object({
  id: t.Integer(),
  protocol: t.String({ description: 'Protocol number: YYYYMMDD + daily sequence, 14 digits' }),
  channel_id: t.Integer(),
  channel_type: t.Union([t.Literal('whatsapp'), t.Literal('webchat'), t.Literal('email')]),
  status: TicketStatus,
  sector_id: t.Nullable(t.Integer()),
  assignee_id: t.Nullable(t.Integer()),
  customer_id: t.Nullable(t.Integer()),
  anonymous: t.Boolean(),
  confidential: t.Boolean(),
  contact: t.Object({ id: t.Integer(), name: t.Nullable(t.String()), wa_id: t.Optional(t.String()), email: t.Optional(t.String({ description: 'web chat: the e-mail the visitor gave' })), phone: t.Nullable(t.String()) }),
  classification_id: t.Nullable(t.Integer()),
  window_expires_at: t.Nullable(DateTime, { description: 'End of the WhatsApp 24-hour window; null when closed, expired or not WhatsApp' }),
  survey: t.Nullable(
    t.Object({
      kind: t.Union([t.Literal('csat'), t.Literal('nps'), t.Literal('ces')]),
      score: t.Nullable(t.Number()),
      comment: t.Nullable(t.String()),
      sent_at: OptionalDateTime,
      answered_at: OptionalDateTime,
    }),
  ),
  created_at: DateTime,
  queued_at: OptionalDateTime,
  assigned_at: OptionalDateTime,
  first_response_at: OptionalDateTime,
  closed_at: OptionalDateTime,
  updated_at: DateTime,
})

const MessageStatus = t.Union([t.Literal('received'), t.Literal('queued'), t.Literal('sent'), t.Literal('delivered'), t.Literal('read'), t.Literal('failed')])

export const MessageSchema = t.Object({
  id: t.Integer(),
  ticket_id: t.Integer(),
  direction: t.Union([t.Literal('in'), t.Literal('out')]),
  author: t.Union([t.Literal('customer'), t.Literal('bot'), t.Literal('agent'), t.Literal('system')]),
  author_id: t.Nullable(t.Integer()),
  type: t.String({ description: 'text | image | audio | video | document | sticker | location | contacts | interactive | button | reaction | template | unsupported | note' }),
  text: t.Nullable(t.String()),
  media: t.Nullable(
    t.Object({
      mime_type: t.String(),
      filename: t.Nullable(t.String()),
      size: t.Nullable(t.Integer()),
      sha256: t.Nullable(t.String()),
      status: t.Union([t.Literal('pending'), t.Literal('ready'), t.Literal('failed')]),
      url: t.String({ description: 'GET it with the same bearer token' }),
    }),
  ),
  location: t.Nullable(t.Object({ latitude: t.Nullable(t.Number()), longitude: t.Nullable(t.Number()), name: t.Nullable(t.String()), address: t.Nullable(t.String()) })),
  reply_to_id: t.Nullable(t.Integer()),
  external_id: t.Nullable(t.String({ description: 'Provider id (WhatsApp wamid)' })),
  status: MessageStatus,
  error: t.Nullable(
    t.Object({
      code: t.Nullable(t.Integer({ description: 'Meta’s error code (whatsapp.md §4); null for our own failures' })),
      title: t.Nullable(t.String({ description: 'Meta’s short title of the error' })),
      message: t.Nullable(t.String({ description: 'The reason in Portuguese (our explanation of a known code), as agents see it' })),
      details: t.Nullable(t.String({ description: 'Meta’s own text of the error, as received (extension)' })),
    }),
  ),
  extra: t.Nullable(t.Record(t.String(), t.Unknown())),
  created_at: DateTime,
  updated_at: DateTime,
})

const list = <T extends ReturnType<typeof t.Object>>(item: T) => t.Object({ data: t.Array(item), next_cursor: t.Nullable(t.String()) })

const TicketParams = t.Object({ ticket: t.String({ maxLength: 20, description: 'Ticket id, or its protocol number (14 digits)' }) })
const MediaParams = t.Object({ id: t.String({ pattern: '^[0-9]{1,15}$' }) })
const Id = t.Integer({ minimum: 1 })

const TicketQuery = t.Object({
  ...ListQuery.properties,
  status: t.Optional(TicketStatus),
  sector_id: t.Optional(Id),
  assignee_id: t.Optional(Id),
  channel_id: t.Optional(Id),
  customer_code: t.Optional(t.String({ maxLength: 20, description: 'CPF or CNPJ (any punctuation) of the linked customer; an unknown code gives an empty list' })),
  updated_since: t.Optional(t.String({ format: 'date-time', description: 'ISO 8601: tickets changed at or after this time' })),
  q: t.Optional(t.String({ maxLength: 100, description: 'Protocol number, or part of the contact’s name or WhatsApp id' })),
})

const SendMessage = t.Object(
  {
    text: t.Optional(t.String({ minLength: 1, maxLength: 4096, description: 'A message to the customer (JSON)' })),
    note: t.Optional(t.String({ minLength: 1, maxLength: 10000, description: 'An internal note, never sent to the customer (JSON)' })),
    template: t.Optional(TemplateSend),
    file: t.Optional(t.File({ description: 'multipart/form-data: image, audio, video, sticker or document; its real type is read from its bytes' })),
    caption: t.Optional(t.String({ maxLength: 1024, description: 'multipart/form-data, with `file` (not for audio or stickers)' })),
  },
  { additionalProperties: false, description: 'Exactly one of `text`, `note`, `template` (JSON) or `file` (multipart, with an optional `caption`)' },
)

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }

// ---- helpers ---------------------------------------------------------------------------------------

const field = (name: string, key: MessageKey) => [{ field: name, key }]
const invalid = (name: string, key: MessageKey, code = 'validation_failed') => badRequest(code, key, field(name, key))

const isJson = (request: Request) => /^application\/(?:[\w.+-]+\+)?json\b/i.test(request.headers.get('content-type') ?? '')
const isMultipart = (request: Request) => /^multipart\/form-data\b/i.test(request.headers.get('content-type') ?? '')

/** `attachment; filename*=UTF-8''…` (RFC 6266 / 8187): the name is percent-encoded, never raw. */
export function attachmentDisposition(filename: string): string {
  const encoded = encodeURIComponent(filename).replace(/['()*!]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return `attachment; filename*=UTF-8''${encoded}`
}

/**
 * Queues a file from an agent: typed by its bytes, checked against WhatsApp's limits, stored by
 * content, then sent like any message (the window is checked before anything is written). The
 * desk pages can call this too.
 */
export async function queueFile(ctx: Context, user: User, ticket: Ticket, file: File, captionRaw: string | undefined | null): Promise<Message> {
  if (file.size === 0) throw invalid('file', 'desk.file_empty', 'file_empty')
  if (file.size > MAX_UPLOAD_BYTES) throw new HttpError(413, 'file_too_large', 'desk.file_too_large_document', { max: MAX_UPLOAD_BYTES })
  const bytes = new Uint8Array(await file.arrayBuffer())
  const type = detectFileType(bytes, file.name)
  // 400 with the field, as the visitor API answers it (api.md lists no 415 for bad input).
  if (!type) throw new HttpError(400, 'unsupported_file_type', 'desk.file_type_unsupported', {}, [{ field: 'file', key: 'desk.file_type_unsupported' }])
  const problem = sizeProblem(type, bytes.length)
  if (problem) throw new HttpError(413, 'file_too_large', problem.key, { max: problem.max })
  const caption = captionRaw?.trim() || null
  if (caption && (type.kind === 'audio' || type.kind === 'sticker')) throw invalid('caption', 'desk.caption_not_allowed', 'caption_not_allowed')
  if (ticket.status === 'closed') throw conflict('ticket_closed', 'desk.ticket_closed')
  // Refuse before touching the disk; queueOutbound checks again inside its transaction, where the
  // media row is inserted with the message (a refusal there leaves no row; the file on disk is
  // content-addressed and harmless).
  if (!windowOpen(ticket)) throw conflict('whatsapp_window_closed', 'desk.window_closed')
  const sha256 = storeMediaFile(ctx, bytes)
  const insertMedia = () => ctx.stores.media.insertReady({ channel_id: ticket.channel_id, sha256, mime_type: type.mime, filename: safeFilename(file.name, type), size: bytes.length })
  return queueOutbound(ctx, ticket, { author: 'agent', author_id: user.id, type: type.kind, text: caption }, insertMedia)
}

export function deskApi(ctx: Context) {
  // Every ticket holding a message with this file (content-addressed files are shared by bytes,
  // but each media row is reached only through its own messages).
  const ticketsOfMedia = ctx.db.query<{ ticket_id: number }, [number]>('SELECT DISTINCT ticket_id FROM messages WHERE media_id = ?')

  const created = (body: unknown) => new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } })

  /** The ticket by id or protocol, if the user may see it; 404 otherwise (never its content). */
  const visibleTicket = (user: User, ref: string): Ticket => {
    const ticket = ctx.stores.tickets.byRef(ref)
    if (!ticket || !canSeeTicket(user, ticket)) throw notFound()
    return ticket
  }

  // json.ts types its times as `string | null` and the channel type as a string: the schemas above
  // are the precise contract (and Elysia checks every answer against them).
  const ticketOut = (t: Ticket) => ticketJson(t) as typeof TicketSchema.static
  const withMedia = (m: Message) => messageJson(m, m.media_id ? ctx.stores.media.get(m.media_id) : null) as typeof MessageSchema.static

  return new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get(
      '/tickets',
      ({ request, query }) => {
        const viewer = apiViewer(ctx, request)
        const limit = query.limit ?? 50
        const before = decodeCursor(query.cursor)
        // The customer by its code (stored normalised: no punctuation, upper case); none → no ticket.
        let customerId: number | undefined
        if (query.customer_code !== undefined) {
          const customer = ctx.stores.customers.byCode(normaliseCode(query.customer_code))
          if (!customer) return { data: [], next_cursor: null }
          customerId = customer.id
        }
        let since: number | undefined
        if (query.updated_since !== undefined) {
          since = Date.parse(query.updated_since)
          if (Number.isNaN(since)) throw invalid('updated_since', 'error.validation')
        }
        const rows = ctx.stores.tickets.list(
          { status: query.status, sector_id: query.sector_id, assignee_id: query.assignee_id, channel_id: query.channel_id, customer_id: customerId, updated_since: since, q: query.q, before, limit: limit + 1 },
          visibilityOf(viewer.user),
        )
        return page(rows, limit, ticketOut)
      },
      {
        permission: true,
        query: TicketQuery,
        response: { 200: list(TicketSchema), ...errors },
        detail: { tags: ['tickets'], summary: 'List the tickets the caller may see, newest first (filters combine)' },
      },
    )
    .get('/tickets/:ticket', ({ request, params }) => {
      const user = apiViewer(ctx, request).user
      const ticket = visibleTicket(user, params.ticket)
      auditTicketView(ctx, user, ticket, clientIp(request), 'api')
      return ticketOut(ticket)
    }, {
      permission: true,
      params: TicketParams,
      response: { 200: TicketSchema, ...errors },
      detail: { tags: ['tickets'], summary: 'One ticket, by id or protocol number' },
    })
    .get(
      '/tickets/:ticket/messages',
      ({ request, params, query }) => {
        const ticket = visibleTicket(apiViewer(ctx, request).user, params.ticket)
        const limit = query.limit ?? 50
        const after = query.cursor ? decodeCursor(query.cursor) : 0
        return page(ctx.stores.messages.ofTicket(ticket.id, after, limit + 1), limit, withMedia)
      },
      {
        permission: true,
        params: TicketParams,
        query: ListQuery,
        response: { 200: list(MessageSchema), ...errors },
        detail: { tags: ['messages'], summary: 'The ticket’s messages, oldest first' },
      },
    )
    .post(
      '/tickets/:ticket/messages',
      async ({ request, params, body }) => {
        const user = apiViewer(ctx, request).user
        const ticket = visibleTicket(user, params.ticket)
        const forms = (['text', 'note', 'template', 'file'] as const).filter((k) => body[k] !== undefined)
        if (forms.length !== 1) throw invalid(forms[1] ?? 'body', 'desk.message_one_of')
        if (body.caption !== undefined && !body.file) throw invalid('caption', 'desk.caption_needs_file')
        // JSON for text, notes and templates; multipart only for a file.
        if (body.file ? !isMultipart(request) : !isJson(request)) throw new HttpError(415, 'unsupported_media_type', 'error.unsupported_media_type')
        // An approved template (templates.send), inside or outside the 24-hour window (src/templates/send.ts).
        if (body.template) return created(withMedia(sendTemplateToTicket(ctx, user, ticket, body.template)))
        if (ticket.status === 'closed') throw conflict('ticket_closed', 'desk.ticket_closed')

        let message: Message
        if (body.file) message = await queueFile(ctx, user, ticket, body.file, body.caption)
        else if (body.text !== undefined) {
          if (!body.text.trim()) throw invalid('text', 'desk.text_blank')
          message = queueOutbound(ctx, ticket, { author: 'agent', author_id: user.id, type: 'text', text: body.text })
        } else {
          if (!body.note!.trim()) throw invalid('note', 'desk.text_blank')
          message = queueOutbound(ctx, ticket, { author: 'agent', author_id: user.id, type: 'note', text: body.note })
        }
        return created(withMedia(message))
      },
      {
        permission: true,
        params: TicketParams,
        body: SendMessage,
        response: { 201: MessageSchema, ...errors, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody },
        detail: {
          tags: ['messages'],
          summary: 'Send a message, a file or an internal note',
          description:
            'JSON `{ "text" }` (1–4096 characters) or `{ "note" }` (internal, 1–10000, never sent), or multipart/form-data with `file` (+ `caption` ≤ 1024). ' +
            '415 `unsupported_media_type` when the body is neither JSON nor multipart. The file’s type is read from its bytes (400 `unsupported_file_type`, field `file`, when WhatsApp does not take it) and WhatsApp’s limits apply (413 `file_too_large`: image 5 MB, audio/video 16 MB, document 100 MB, sticker 100 KB / 500 KB animated). ' +
            'Answers 201 with the message, status `queued`; it is sent in the background. 409 `ticket_closed` on a closed ticket, 409 `whatsapp_window_closed` more than 24 h after the customer’s last message (send a template). ' +
            '`{ "template": { name, language, params?, header_params?, header_media?, button_params? } }` sends an APPROVED template of the ticket’s channel (permission templates.send), inside or outside the window.',
        },
      },
    )
    .get(
      '/media/:id',
      ({ request, params }) => {
        const user = apiViewer(ctx, request).user
        const media = ctx.stores.media.get(Number(params.id))
        if (!media || media.status !== 'ready' || !media.sha256) throw notFound()
        const visible = ticketsOfMedia.all(media.id).some(({ ticket_id }) => {
          const ticket = ctx.stores.tickets.get(ticket_id)
          return ticket !== null && canSeeTicket(user, ticket)
        })
        if (!visible) throw notFound()
        const path = mediaPath(ctx, media.sha256)
        if (!existsSync(path)) {
          ctx.log.error({ media_id: media.id }, 'media file missing on disk')
          throw notFound()
        }
        const filename = media.filename || `arquivo-${media.id}.${extensionForMime(media.mime_type)}`
        return new Response(Bun.file(path), {
          headers: {
            'content-type': media.mime_type,
            'content-disposition': attachmentDisposition(filename),
            'x-content-type-options': 'nosniff',
            'content-security-policy': 'sandbox',
            'cache-control': 'private, max-age=3600',
          },
        })
      },
      {
        permission: true,
        params: MediaParams,
        detail: {
          tags: ['messages'],
          summary: 'A message’s file, always as an attachment, with the type Kumquat stored',
          responses: {
            200: { description: 'The file’s bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
            401: { description: 'No or invalid token' },
            404: { description: 'No such file, not downloaded yet, or on a ticket the caller may not see' },
          },
        },
      },
    )
}
