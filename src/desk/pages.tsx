// Agent pages for tickets: the list (tabs, search, pages), the conversation of one ticket with its
// composer (text, internal note, file), retries of failed sends and failed downloads, the files
// themselves (session-authenticated), and the HTML the live stream pushes for ticket/message events.
// Visibility is decided per ticket (visibility.ts): a ticket the viewer may not see answers 404,
// exactly like one that does not exist — and so do its files, messages and retry buttons.
import { auditTicketView } from '../audit/ticket-view'
import { clientIp } from '../http/client-ip'
import { existsSync } from 'node:fs'
import { Elysia } from 'elysia'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import type { Viewer } from '../http/auth'
import { checkSessionCsrf, CSRF_HEADER } from '../http/csrf'
import { HttpError, notFound } from '../http/errors'
import { buildView, html, isHtmx, pageViewer, readCheckedForm, redirect } from '../http/pages'
import type { MessageKey } from '../i18n'
import { recordMessageUpdated } from '../channels/whatsapp/statuses'
import type { StoredEvent } from '../realtime/events-store'
import { Composer, ConversationPage, MessageItem, TicketHead, type ComposerMode, type ComposerValues, type MessageView, type TicketHeadData } from '../../views/desk/conversation'
import { HomeMine, HomeQueue, TABS, TicketRow, TicketsPage, TicketsRows, type ListState, type TicketRowData, type TicketTab } from '../../views/desk/tickets'
import type { View } from '../../views/view'
import { detectFileType, extensionForMime, safeFilename, sizeProblem } from './file-types'
import { mediaPath, storeMediaFile } from './media-files'
import type { Message } from './messages-store'
import { queueOutbound, windowOpen } from './outbound'
import type { Ticket } from './tickets-store'
import { canSeeTicket, visibilityOf } from './visibility'

const PAGE_SIZE = 25
/** Very long conversations show their newest messages only. */
const CONVERSATION_LIMIT = 500
const HOME_LIMIT = 20
/** WhatsApp's limits (whatsapp.md §4); notes are ours. Counted in characters (code points). */
const TEXT_MAX = 4096
const CAPTION_MAX = 1024
const NOTE_MAX = 10_000

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}
const chars = (s: string) => [...s].length

/** An `<hx-partial>`: htmx swaps its content into every element the target selects (none: ignored). */
export const partial = (target: string, swap: string, body: JSX.Element) => `<hx-partial hx-target="${target}" hx-swap="${swap}">${body}</hx-partial>`

/** `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266 / 8187): the name never goes out raw. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%;]/g, '_')
  const encoded = encodeURIComponent(filename).replace(/['()*!]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

// ---- data for the views -------------------------------------------------------------------------

/** Channel, sector and assignee names for ticket rows and headers, looked up once per request. */
export function namer(ctx: Context, v: View) {
  const channels = new Map<number, string>()
  const sectors = new Map<number, string | null>()
  const users = new Map<number, string | null>()
  const channel = (t: Ticket) => {
    if (!channels.has(t.channel_id)) channels.set(t.channel_id, ctx.stores.channels.get(t.channel_id)?.name ?? v.t(`channel.${t.channel_type as 'whatsapp'}`))
    return channels.get(t.channel_id)!
  }
  const sector = (t: Ticket) => {
    if (t.sector_id === null) return null
    if (!sectors.has(t.sector_id)) sectors.set(t.sector_id, ctx.stores.sectors.get(t.sector_id)?.name ?? null)
    return sectors.get(t.sector_id)!
  }
  const assignee = (t: Ticket) => {
    if (t.assignee_id === null) return null
    if (!users.has(t.assignee_id)) users.set(t.assignee_id, ctx.stores.users.get(t.assignee_id)?.name ?? null)
    return users.get(t.assignee_id)!
  }
  return (t: Ticket): TicketRowData & TicketHeadData => ({ t, channel: channel(t), sector: sector(t), assignee: assignee(t) })
}

/** The reactions now on a message: the latest one of each person counts; an empty emoji removed it. */
function currentReactions(reactions: Message[]): string[] {
  const latest = new Map<string, Message>()
  for (const r of [...reactions].sort((a, b) => a.id - b.id)) latest.set(`${r.direction}:${r.author_id ?? ''}`, r)
  return [...latest.values()].map((r) => r.text?.trim() ?? '').filter((e) => e !== '')
}

/** One message ready to render (its file, reactions and quote looked up). */
export function messageView(ctx: Context, m: Message): MessageView {
  return {
    m,
    media: m.media_id ? ctx.stores.media.get(m.media_id) : null,
    reactions: currentReactions(ctx.stores.messages.reactionsOf(m.id)),
    quote: m.reply_to_id ? ctx.stores.messages.get(m.reply_to_id) : null,
  }
}

/** A conversation's messages ready to render: reactions folded onto their targets, not listed. */
export function conversationViews(ctx: Context, messages: Message[]): MessageView[] {
  const byId = new Map(messages.map((m) => [m.id, m]))
  const reactions = new Map<number, Message[]>()
  for (const m of messages) if (m.type === 'reaction' && m.reply_to_id !== null) reactions.set(m.reply_to_id, [...(reactions.get(m.reply_to_id) ?? []), m])
  return messages
    .filter((m) => m.type !== 'reaction')
    .map((m) => ({
      m,
      media: m.media_id ? ctx.stores.media.get(m.media_id) : null,
      reactions: currentReactions(reactions.get(m.id) ?? []),
      quote: m.reply_to_id ? (byId.get(m.reply_to_id) ?? ctx.stores.messages.get(m.reply_to_id)) : null,
    }))
}

export const composerMode = (t: Ticket): ComposerMode => (t.status === 'closed' ? 'closed' : windowOpen(t) ? 'full' : 'notes')

/** The home page's lists: the viewer's open tickets, and the queue of their sectors (oldest first). */
export function homeLists(ctx: Context, v: View, user: User): { mine: TicketRowData[]; queue: TicketRowData[] } {
  const vis = visibilityOf(user)
  const name = namer(ctx, v)
  const mine = ctx.stores.tickets.list({ status: 'open', assignee_id: user.id, before: Number.MAX_SAFE_INTEGER, limit: HOME_LIMIT }, vis)
  // The queue waits in order: the longest-waiting first (tickets_status index: status, sector_id).
  const queue = ctx.db
    .query<{ id: number }, [number, number, number]>(
      `SELECT t.id FROM tickets t
       WHERE t.status = 'queued' AND t.sector_id IN (SELECT sector_id FROM user_sectors WHERE user_id = ?1)
         AND (t.confidential = 0 OR t.assignee_id = ?1 OR ?2 = 1)
       ORDER BY coalesce(t.queued_at, t.created_at), t.id LIMIT ?3`,
    )
    .all(user.id, vis.confidential ? 1 : 0, HOME_LIMIT)
    .map((r) => ctx.stores.tickets.get(r.id))
    .filter((t): t is Ticket => t !== null && canSeeTicket(user, t))
  return { mine: mine.map(name), queue: queue.map(name) }
}

// ---- the live stream ----------------------------------------------------------------------------

interface EventRef {
  id: number
  ticket_id?: number
  type?: string
  reply_to_id?: number | null
}

/**
 * HTML for a ticket or message event on a page stream, for one viewer: null when they may not see
 * the ticket (checked now, with the user and the ticket as they are) or nothing shows it. Pages
 * that do not show the target of a partial simply ignore it.
 */
export function deskLivePartials(ctx: Context, v: View, userId: number, ev: StoredEvent): string | null {
  if (!['message.created', 'message.updated', 'ticket.created', 'ticket.updated'].includes(ev.name)) return null
  const data = ev.data as EventRef
  const user = ctx.stores.users.get(userId)
  if (!user?.active) return null
  const isMessage = ev.name.startsWith('message.')
  const ticket = ctx.stores.tickets.get(isMessage ? Number(data.ticket_id) : Number(data.id))
  if (!ticket || !canSeeTicket(user, ticket)) return null
  const row = namer(ctx, v)(ticket)
  let out = ''

  if (isMessage) {
    const m = ctx.stores.messages.get(Number(data.id))
    if (!m || m.ticket_id !== ticket.id) return null
    if (m.type === 'reaction') {
      // A reaction is a badge on the message it targets: redraw that one.
      const target = m.reply_to_id !== null ? ctx.stores.messages.get(m.reply_to_id) : null
      if (target && target.ticket_id === ticket.id) out += partial(`#message-${target.id}`, 'outerHTML', <MessageItem v={v} mv={messageView(ctx, target)} />)
    } else if (ev.name === 'message.created') {
      out += partial(`#conversation-${ticket.id}`, 'beforeend', <MessageItem v={v} mv={messageView(ctx, m)} />)
      // The customer wrote again: a composer reduced to notes (window closed) gets its free text
      // back. outerMorph keeps what the agent was typing; the note toggle stays on.
      if (m.direction === 'in' && composerMode(ticket) === 'full') {
        out += partial(`#composer-${ticket.id}[data-window=closed]`, 'outerMorph', <Composer v={v} t={ticket} mode="full" values={{ text: '', note: true }} error={null} />)
      }
    } else {
      out += partial(`#message-${m.id}`, 'outerHTML', <MessageItem v={v} mv={messageView(ctx, m)} />)
    }
  } else {
    out += partial(`#ticket-head-${ticket.id}`, 'outerHTML', <TicketHead v={v} head={row} />)
    const lists = homeLists(ctx, v, user)
    out += partial('#home-mine', 'outerHTML', <HomeMine v={v} rows={lists.mine} />)
    out += partial('#home-queue', 'outerHTML', <HomeQueue v={v} rows={lists.queue} />)
  }
  // The ticket's row in an open list (its status or last update changed).
  out += partial(`#ticket-row-${ticket.id}`, 'outerHTML', <TicketRow v={v} row={row} />)
  return out
}

/**
 * The assignee opening the ticket marks the customer's newest message read at the provider — once
 * per message (the conversation page and the workspace both call it).
 */
export function markRead(ctx: Context, ticket: Ticket, user: User) {
  if (ticket.assignee_id !== user.id || ticket.channel_type !== 'whatsapp') return
  // The newest inbound message the provider knows, and whether it was marked already.
  const latestInbound = ctx.db.query<{ id: number }, [number]>(
    "SELECT id FROM messages WHERE ticket_id = ? AND direction = 'in' AND external_id IS NOT NULL AND type != 'reaction' ORDER BY id DESC LIMIT 1",
  )
  const markReadExists = ctx.db.query<{ id: number }, [number, number]>("SELECT id FROM outbox WHERE ticket_id = ? AND message_id = ? AND kind = 'mark_read' LIMIT 1")
  const latest = latestInbound.get(ticket.id)
  if (!latest || markReadExists.get(ticket.id, latest.id)) return
  const queued = write(ctx.db, () => {
    if (markReadExists.get(ticket.id, latest.id)) return false
    ctx.stores.outbox.enqueue({ channel_id: ticket.channel_id, ticket_id: ticket.id, message_id: latest.id, kind: 'mark_read' })
    return true
  })
  if (queued) ctx.wake.outbox()
}

// ---- routes --------------------------------------------------------------------------------------

interface ComposerForm {
  text: string
  note: boolean
  file: File | null
  /** Sent from the workspace's composer (`ui=workspace`): answered with the workspace's variant. */
  workspace: boolean
}

/**
 * The composer's multipart body. The CSRF check is the one readCheckedForm makes; it is done here
 * because the shared Form does not expose files. An htmx request's header token is checked before
 * the (possibly large) body is read.
 */
async function readComposerForm(request: Request, viewer: Viewer): Promise<ComposerForm> {
  if (request.headers.get(CSRF_HEADER)) checkSessionCsrf(request, viewer, null)
  let data: FormData
  try {
    data = await request.formData()
  } catch {
    throw new HttpError(415, 'unsupported_media_type', 'error.unsupported_media_type')
  }
  const fields: Record<string, string> = {}
  for (const [k, value] of data.entries()) if (typeof value === 'string' && !(k in fields)) fields[k] = value
  checkSessionCsrf(request, viewer, fields)
  const file = data.get('file')
  return {
    text: (fields.text ?? '').replace(/\r\n?/g, '\n'),
    note: fields.note === '1',
    workspace: fields.ui === 'workspace',
    // Browsers send an empty, nameless part when no file was chosen.
    file: file instanceof File && (file.size > 0 || !!file.name) ? file : null,
  }
}

class ComposerProblem extends Error {
  constructor(
    public status: number,
    public key: MessageKey,
    public vars: Record<string, string | number> = {},
  ) {
    super(key)
  }
}

export function deskPages(ctx: Context) {
  // Where the newest CONVERSATION_LIMIT messages of a ticket begin.
  const recentFrom = ctx.db.query<{ id: number }, [number, number]>('SELECT id FROM messages WHERE ticket_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?')

  /** The ticket, if this user may see it; 404 otherwise (never its content). */
  const visibleTicket = (user: User, raw: string): Ticket => {
    const ticket = ctx.stores.tickets.get(idParam(raw))
    if (!ticket || !canSeeTicket(user, ticket)) throw notFound()
    return ticket
  }

  function listState(request: Request, user: User, v: View): ListState {
    const url = new URL(request.url)
    const status = url.searchParams.get('status')
    const tab: TicketTab = TABS.includes(status as TicketTab) ? (status as TicketTab) : 'all'
    const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100)
    const beforeRaw = url.searchParams.get('before') ?? ''
    const before = /^\d{1,15}$/.test(beforeRaw) ? Number(beforeRaw) : null
    const rows = ctx.stores.tickets.list(
      { status: tab === 'all' ? undefined : tab, q: q || undefined, before: before ?? Number.MAX_SAFE_INTEGER, limit: PAGE_SIZE + 1 },
      visibilityOf(user),
    )
    const next = rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1].id : null
    return { tab, q, rows: rows.slice(0, PAGE_SIZE).map(namer(ctx, v)), next, paged: before !== null }
  }

  function conversationPage(v: View, ticket: Ticket, composer: { values: ComposerValues; error: string | null }, status = 200) {
    // One synchronous read: the event cursor and the messages describe the same moment.
    const cursor = ctx.stores.events.newestId()
    const skip = recentFrom.get(ticket.id, CONVERSATION_LIMIT)
    const messages = ctx.stores.messages.ofTicket(ticket.id, skip ? skip.id : 0, CONVERSATION_LIMIT)
    return html(
      <ConversationPage
        v={v}
        head={namer(ctx, v)(ticket)}
        messages={conversationViews(ctx, messages)}
        truncated={skip !== null}
        cursor={cursor}
        composer={{ mode: composerMode(ticket), ...composer }}
      />,
      status,
    )
  }

  /** Answers a composer POST: the composer again (htmx) or the whole page / a redirect (plain form). */
  function composerAnswer(request: Request, v: View, ticket: Ticket, values: ComposerValues, problem: ComposerProblem | null, workspace = false) {
    const fresh = ctx.stores.tickets.get(ticket.id)!
    const error = problem ? v.t(problem.key, problem.vars) : null
    const status = problem?.status ?? 200
    if (!isHtmx(request)) {
      if (problem) return conversationPage(v, fresh, { values, error }, status)
      return redirect(workspace ? `/workspace/${ticket.id}` : `/tickets/${ticket.id}`)
    }
    return html(<Composer v={v} t={fresh} mode={composerMode(fresh)} values={values} error={error} workspace={workspace} />, status)
  }

  /** Validates and queues what the composer sent; throws ComposerProblem with what to tell the agent. */
  async function send(ticket: Ticket, user: User, form: ComposerForm) {
    if (ticket.status === 'closed') throw new ComposerProblem(409, 'desk.ticket_closed')
    const text = form.text
    if (form.note) {
      if (form.file) throw new ComposerProblem(422, 'desk.note_no_file')
      if (!text.trim()) throw new ComposerProblem(422, 'desk.composer_empty')
      if (chars(text) > NOTE_MAX) throw new ComposerProblem(422, 'desk.note_too_long', { max: NOTE_MAX })
      queueOutbound(ctx, ticket, { author: 'agent', author_id: user.id, type: 'note', text })
      return
    }
    if (!windowOpen(ticket)) throw new ComposerProblem(409, 'desk.window_closed')
    if (!form.file) {
      if (!text.trim()) throw new ComposerProblem(422, 'desk.composer_empty')
      if (chars(text) > TEXT_MAX) throw new ComposerProblem(422, 'desk.composer_too_long', { max: TEXT_MAX })
      queueOutbound(ctx, ticket, { author: 'agent', author_id: user.id, type: 'text', text })
      return
    }
    const bytes = new Uint8Array(await form.file.arrayBuffer())
    if (bytes.length === 0) throw new ComposerProblem(422, 'desk.file_empty')
    const type = detectFileType(bytes, form.file.name)
    if (!type) throw new ComposerProblem(422, 'desk.file_type_unsupported')
    const tooLarge = sizeProblem(type, bytes.length)
    if (tooLarge) throw new ComposerProblem(422, tooLarge.key, { max: tooLarge.max })
    const caption = text.trim() ? text : null
    if (caption && (type.kind === 'audio' || type.kind === 'sticker')) throw new ComposerProblem(422, 'desk.caption_not_allowed')
    if (caption && chars(caption) > CAPTION_MAX) throw new ComposerProblem(422, 'desk.caption_too_long', { max: CAPTION_MAX })
    // The bytes first (content-addressed, harmless if unused); the media row goes in with the
    // message and its outbox row, in one transaction: a refusal leaves no row behind.
    const sha256 = storeMediaFile(ctx, bytes)
    const filename = safeFilename(form.file.name, type)
    queueOutbound(ctx, ticket, { author: 'agent', author_id: user.id, type: type.kind, text: caption }, () =>
      ctx.stores.media.insertReady({ channel_id: ticket.channel_id, sha256, mime_type: type.mime, filename, size: bytes.length }),
    )
  }

  /** After a retry: the message again (htmx swaps it in place), or back to the page. */
  const messageAnswer = (request: Request, v: View, m: Message, error: string | null = null, status = 200) =>
    isHtmx(request) ? html(<MessageItem v={v} mv={messageView(ctx, ctx.stores.messages.get(m.id)!)} error={error} />, status) : redirect(`/tickets/${m.ticket_id}`)

  return (
    new Elysia()
      // ---- list ------------------------------------------------------------------------------
      .get('/tickets', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const v = buildView(ctx, request, viewer)
        return html(<TicketsPage v={v} state={listState(request, viewer.user, v)} />)
      })
      .get('/tickets/rows', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const v = buildView(ctx, request, viewer)
        return html(<TicketsRows v={v} state={listState(request, viewer.user, v)} />)
      })

      // ---- one ticket ------------------------------------------------------------------------
      .get('/tickets/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        markRead(ctx, ticket, viewer.user)
        auditTicketView(ctx, viewer.user, ticket, clientIp(request), 'page')
        return conversationPage(buildView(ctx, request, viewer), ticket, { values: { text: '', note: false }, error: null })
      })
      .post('/tickets/:id/messages', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        const form = await readComposerForm(request, viewer)
        const v = buildView(ctx, request, viewer)
        const values = { text: form.text, note: form.note }
        try {
          await send(ticket, viewer.user, form)
        } catch (e) {
          if (e instanceof ComposerProblem) return composerAnswer(request, v, ticket, values, e, form.workspace)
          if (e instanceof HttpError && e.status === 409) return composerAnswer(request, v, ticket, values, new ComposerProblem(409, e.key, e.vars), form.workspace)
          throw e
        }
        // The message itself reaches this page (and every other one) through the live stream.
        return composerAnswer(request, v, ticket, { text: '', note: form.note }, null, form.workspace)
      })
      .post('/tickets/:id/messages/:mid/retry', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        await readCheckedForm(request, viewer)
        const v = buildView(ctx, request, viewer)
        const m = ctx.stores.messages.get(idParam(params.mid))
        if (!m || m.ticket_id !== ticket.id || m.direction !== 'out' || m.type === 'note') throw notFound()
        if (m.status !== 'failed') return messageAnswer(request, v, m) // a second click: nothing to do
        const current = ctx.stores.tickets.get(ticket.id)!
        if (current.status === 'closed') return messageAnswer(request, v, m, v.t('desk.ticket_closed'), 409)
        if (m.type !== 'template' && !windowOpen(current)) return messageAnswer(request, v, m, v.t('desk.window_closed'), 409)
        write(ctx.db, () => {
          const row = ctx.stores.outbox.ofMessage(m.id)
          if (row) ctx.stores.outbox.requeue(row.id)
          else ctx.stores.outbox.enqueue({ channel_id: m.channel_id, ticket_id: m.ticket_id, message_id: m.id, kind: 'send' })
          ctx.stores.messages.setStatus(m.id, 'queued')
          recordMessageUpdated(ctx, m.id)
        })
        ctx.log.info({ message_id: m.id, user_id: viewer.user.id }, 'send retried by agent')
        ctx.hub.wake()
        ctx.wake.outbox()
        return messageAnswer(request, v, m)
      })
      .post('/tickets/:id/media/:mediaId/retry', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        await readCheckedForm(request, viewer)
        const mediaId = idParam(params.mediaId)
        const holders = ctx.stores.messages.byMedia(mediaId)
        const own = holders.find((m) => m.ticket_id === ticket.id)
        if (!own) throw notFound()
        const requeued = write(ctx.db, () => {
          if (!ctx.stores.media.requeue(mediaId)) return false
          for (const m of holders) recordMessageUpdated(ctx, m.id)
          return true
        })
        if (requeued) {
          ctx.hub.wake()
          ctx.wake.media()
        }
        return messageAnswer(request, buildView(ctx, request, viewer), own)
      })

      // ---- files -----------------------------------------------------------------------------
      .get('/media/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const media = ctx.stores.media.get(idParam(params.id))
        if (!media || media.status !== 'ready' || !media.sha256) throw notFound()
        // Reachable only through a message of a ticket the viewer may see.
        const visible = ctx.stores.messages.byMedia(media.id).some((m) => {
          const t = ctx.stores.tickets.get(m.ticket_id)
          return t !== null && canSeeTicket(viewer.user, t)
        })
        if (!visible) throw notFound()
        const path = mediaPath(ctx, media.sha256)
        if (!existsSync(path)) {
          ctx.log.error({ media_id: media.id }, 'media file missing on disk')
          throw notFound()
        }
        const etag = `"${media.sha256}"`
        const headers: Record<string, string> = {
          'content-type': media.mime_type,
          'content-disposition': attachmentDisposition(media.filename || `arquivo-${media.id}.${extensionForMime(media.mime_type)}`),
          'x-content-type-options': 'nosniff',
          'content-security-policy': 'sandbox',
          'cache-control': 'private, max-age=3600',
          etag,
        }
        if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
        return new Response(Bun.file(path), { headers })
      })
  )
}
