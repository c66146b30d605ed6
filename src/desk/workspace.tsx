// The agent workspace (/workspace, /workspace/:ticketId): the screen agents live in all day. Left:
// the offer waiting for them (accept / decline, a countdown), their open tickets as cards (channel,
// preview, wait, unread count from tickets.last_read_message_id) and their sectors' queue. Middle:
// the conversation (the conversation view's components) with the contact's earlier tickets
// collapsed, and the composer (quick replies, drag and drop; the template flow outside the WhatsApp
// window). Right: the protocol form — classification, notes, anonymous/confidential, the customer
// (search, link, create with CPF/CNPJ check digits; its type's custom fields, "Dados adicionais")
// — and the contact's past tickets.
//
// Every action goes through src/desk/actions.ts (accept, decline, transfer, close, updateTicket)
// and src/customers (searchCustomers, createCustomer); the answers are htmx fragments (422 with the
// form and its errors inline) or, without JavaScript, a redirect. Everything else arrives over the
// page stream (`/events?page=workspace`): workspaceLivePartials renders, per viewer, the regions an
// event changes. Visibility is the desk's (canActOnSight: visibility.ts, or holding the ticket's
// offer): a ticket the viewer may not see answers 404 on every route, exactly like a missing one.
import { Elysia } from 'elysia'
import { can } from '../admin/permissions'
import { auditTicketView } from '../audit/ticket-view'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { createCustomer, searchCustomers, updateCustomer } from '../customers/customers'
import { customerInputFromForm, customerValuesFromForm, fieldsFromForm, fieldsOfTypeParam, typedFieldValues } from '../customers/form-fields'
import { fieldsBoxOf } from '../customers/workspace-fields'
import { clientIp } from '../http/client-ip'
import { checkSessionCsrf } from '../http/csrf'
import { HttpError, notFound } from '../http/errors'
import { buildView, html, isHtmx, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import type { StoredEvent } from '../realtime/events-store'
import { TicketHead, MessageItem, Composer } from '../../views/desk/conversation'
import {
  ActionsBar,
  CloseForm,
  CustomerBox,
  CustomerResults,
  EmptyPanel,
  GonePanel,
  HistoryList,
  MineRegion,
  OfferNotice,
  OffersRegion,
  OlderMessages,
  ProtocolForm,
  QueueRegion,
  QuickReplyList,
  TicketPanel,
  TransferForm,
  WorkspacePage,
  actionsSignature,
  customerSignature,
  protocolSignature,
  type ActionsData,
  type CardData,
  type CloseValues,
  type CustomerBoxData,
  type LeftData,
  type OfferData,
  type PanelData,
  type PastTicket,
  type ProtocolData,
  type TransferOption,
  type TransferValues,
} from '../../views/desk/workspace'
import type { Problems, View } from '../../views/view'
import { acceptTicket, canActOnSight, closeTicket, declineOffer, transferTicket, updateTicket } from './actions'
import type { Message } from './messages-store'
import { composerMode, conversationViews, markRead, messageView, namer, partial } from './pages'
import { expandQuickReply, quickRepliesFor } from './quick-replies'
import type { Ticket } from './tickets-store'
import { visibilityOf } from './visibility'
import { visitorInfoOf } from '../channels/webchat/visitor-info'
import { VisitorTypingNote } from '../../views/channels/webchat-visitor'

/**
 * The open ticket shows its newest messages; older ones load on demand ("carregar anteriores").
 * 100 keeps the server-side render of the workspace well under 50 ms even for a 2,000-message
 * conversation (scripts/bench/workspace.ts measures it).
 */
export const PANEL_MESSAGES = 100
const OLDER_PAGE = 100
const MINE_LIMIT = 100
const QUEUE_LIMIT = 30
const PAST_LIMIT = 10
const HISTORY_TICKETS = 5
const HISTORY_MESSAGES = 50
const QUICK_REPLIES = 8

/**
 * The View with one date formatter for the whole render: `v.date` builds an Intl.DateTimeFormat per
 * call (~0.1–0.2 ms each), which dominated a 100-message panel. Same options as formatDateTime
 * (src/i18n), so the same text.
 */
const fastViews = new WeakMap<View, View>()
export function withFastDates(v: View): View {
  let fast = fastViews.get(v)
  if (!fast) {
    const format = new Intl.DateTimeFormat(v.lang, { dateStyle: 'short', timeStyle: 'short', timeZone: v.timeZone })
    fast = { ...v, date: (ms: number) => format.format(ms) }
    fastViews.set(v, fast)
  }
  return fast
}

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}
const optionalId = (raw: string): number | null => (/^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : null)
const supervises = (user: User) => can(user, 'tickets.view_all')
const handles = (user: User, t: Ticket) => t.assignee_id === user.id || supervises(user)

// ---- queries (prepared once per database by bun:sqlite's query cache) ----------------------------

function sql(ctx: Context) {
  const db = ctx.db
  return {
    // The card's preview: the newest message, reactions and the system's own lines (the protocol
    // number sent to the customer) aside — its notes (a transfer's) count.
    last: db.query<{ id: number }, [number]>(
      "SELECT id FROM messages WHERE ticket_id = ? AND type != 'reaction' AND (author != 'system' OR type = 'note') ORDER BY id DESC LIMIT 1",
    ),
    // The newest message the customer sees or wrote (notes and reactions aside): who spoke last.
    lastSpoken: db.query<{ id: number; direction: 'in' | 'out'; at: number }, [number]>(
      "SELECT id, direction, coalesce(provider_at, created_at) AS at FROM messages WHERE ticket_id = ? AND type NOT IN ('reaction', 'note') ORDER BY id DESC LIMIT 1",
    ),
    lastInbound: db.query<{ id: number }, [number]>("SELECT id FROM messages WHERE ticket_id = ? AND direction = 'in' AND type != 'reaction' ORDER BY id DESC LIMIT 1"),
    unread: db.query<{ n: number }, [number, number]>("SELECT count(*) AS n FROM messages WHERE ticket_id = ?1 AND id > ?2 AND direction = 'in' AND type != 'reaction'"),
    newest: db.query<{ id: number | null }, [number]>('SELECT max(id) AS id FROM messages WHERE ticket_id = ?'),
    // The read marker only moves forward, and only the assignee moves it (no event: it is theirs).
    setRead: db.query<unknown, [number, number, number]>(
      'UPDATE tickets SET last_read_message_id = ?1 WHERE id = ?2 AND assignee_id = ?3 AND (last_read_message_id IS NULL OR last_read_message_id < ?1)',
    ),
    // Where the newest N messages begin (the N+1-th newest), and the page before a message.
    recentFrom: db.query<{ id: number }, [number, number]>('SELECT id FROM messages WHERE ticket_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?'),
    olderFrom: db.query<{ id: number }, [number, number, number]>('SELECT id FROM messages WHERE ticket_id = ? AND id < ? ORDER BY id DESC LIMIT 1 OFFSET ?'),
    // The queue the viewer sees: their sectors' (every sector for supervisors), oldest first.
    queue: db.query<{ id: number }, [number, number, number, number]>(
      `SELECT t.id FROM tickets t
       WHERE t.status = 'queued' AND (?2 = 1 OR t.sector_id IN (SELECT sector_id FROM user_sectors WHERE user_id = ?1))
         AND (t.confidential = 0 OR t.assignee_id = ?1 OR ?3 = 1)
       ORDER BY coalesce(t.queued_at, t.created_at), t.id LIMIT ?4`,
    ),
    // The contact's other tickets, newest first (tickets_contact_open index).
    ofContact: db.query<{ id: number }, [number, number, number]>('SELECT id FROM tickets WHERE contact_id = ? AND id != ? ORDER BY id DESC LIMIT ?'),
    // Transfer targets: active agents of every active sector.
    members: db.query<{ id: number; name: string; presence: 'available' | 'paused' | 'offline'; sector_id: number }, []>(
      `SELECT u.id, u.name, u.presence, us.sector_id FROM user_sectors us JOIN users u ON u.id = us.user_id
       WHERE u.active = 1 ORDER BY u.name COLLATE NOCASE, u.id`,
    ),
    classificationName: db.query<{ name: string }, [number]>('SELECT name FROM classifications WHERE id = ?'),
  }
}

// ---- data for the views ---------------------------------------------------------------------------

type Namer = ReturnType<typeof namer>

/** A ticket as a card (preview, wait, unread). */
function cardOf(ctx: Context, name: Namer, t: Ticket): CardData {
  const q = sql(ctx)
  const lastId = q.last.get(t.id)?.id
  const spoken = q.lastSpoken.get(t.id)
  const row = name(t)
  return {
    t,
    channel: row.channel,
    sector: row.sector,
    last: lastId ? ctx.stores.messages.get(lastId) : null,
    unread: t.status === 'open' && t.assignee_id !== null ? q.unread.get(t.id, t.last_read_message_id ?? 0)!.n : 0,
    waitingSince: spoken?.direction === 'in' ? spoken.at : null,
    lastInboundId: q.lastInbound.get(t.id)?.id ?? null,
  }
}

function offersOf(ctx: Context, v: View, user: User): OfferData[] {
  const name = namer(ctx, v)
  return ctx.stores.offers
    .pendingOfUser(user.id)
    .map((offer) => {
      const t = ctx.stores.tickets.get(offer.ticket_id)
      return t ? { offer, card: cardOf(ctx, name, t) } : null
    })
    .filter((o): o is OfferData => o !== null)
}

function mineOf(ctx: Context, v: View, user: User): CardData[] {
  const name = namer(ctx, v)
  const tickets = ctx.stores.tickets.list({ status: 'open', assignee_id: user.id, before: Number.MAX_SAFE_INTEGER, limit: MINE_LIMIT }, visibilityOf(user))
  // Latest activity first: the newest message, else the assignment.
  return tickets.map((t) => cardOf(ctx, name, t)).sort((a, b) => (b.last?.id ?? 0) - (a.last?.id ?? 0) || b.t.id - a.t.id)
}

function queueOf(ctx: Context, v: View, user: User): CardData[] {
  const name = namer(ctx, v)
  const vis = visibilityOf(user)
  const offered = new Set(ctx.stores.offers.pendingOfUser(user.id).map((o) => o.ticket_id))
  return sql(ctx)
    .queue.all(user.id, vis.all ? 1 : 0, vis.confidential ? 1 : 0, QUEUE_LIMIT)
    .map((r) => ctx.stores.tickets.get(r.id))
    .filter((t): t is Ticket => t !== null && !offered.has(t.id) && canActOnSight(ctx, user, t))
    .map((t) => cardOf(ctx, name, t))
}

function leftOf(ctx: Context, v: View, user: User): LeftData {
  return { offers: offersOf(ctx, v, user), mine: mineOf(ctx, v, user), queue: queueOf(ctx, v, user) }
}

function actionsOf(ctx: Context, user: User, t: Ticket): ActionsData {
  const offer = t.status === 'queued' ? ctx.stores.offers.pendingOfTicket(t.id) : null
  const mine = offer?.user_id === user.id ? offer : null
  const canTake = t.status === 'queued' && t.sector_id !== null && !mine && (supervises(user) || (!offer && user.sector_ids.includes(t.sector_id)))
  return { offer: mine, canTake, canHandle: t.status !== 'closed' && handles(user, t) }
}

function protocolOf(ctx: Context, user: User, t: Ticket, o: Partial<ProtocolData> = {}): ProtocolData {
  return {
    classifications: ctx.stores.classifications.activeFor(t.sector_id),
    values: { classification_id: t.classification_id ? String(t.classification_id) : '', notes: t.notes ?? '', anonymous: t.anonymous, confidential: t.confidential },
    editable: handles(user, t),
    problems: {},
    error: null,
    saved: false,
    ...o,
  }
}

function customerBoxOf(ctx: Context, user: User, t: Ticket, o: Partial<CustomerBoxData> = {}): CustomerBoxData {
  const customer = t.customer_id ? ctx.stores.customers.get(t.customer_id) : null
  return {
    customer,
    typeName: customer?.type_id ? (ctx.stores.customers.types.get(customer.type_id)?.name ?? null) : null,
    anonymous: t.anonymous,
    editable: handles(user, t) && can(user, 'customers.view'),
    canCreate: can(user, 'customers.create'),
    types: ctx.stores.customers.types.list(),
    create: null,
    createFields: o.create ? fieldsOfTypeParam(ctx, o.create.values.type_id) : [],
    fields: fieldsBoxOf(ctx, customer, handles(user, t) && can(user, 'customers.edit')),
    error: null,
    ...o,
  }
}

function pastOf(ctx: Context, user: User, t: Ticket): PastTicket[] {
  const q = sql(ctx)
  return q.ofContact
    .all(t.contact_id, t.id, PAST_LIMIT)
    .map((r) => ctx.stores.tickets.get(r.id))
    .filter((p): p is Ticket => p !== null && canActOnSight(ctx, user, p))
    .map((p) => ({ t: p, classification: p.classification_id ? (q.classificationName.get(p.classification_id)?.name ?? null) : null }))
}

interface PanelOptions {
  flash?: string | null
  protocol?: Partial<ProtocolData>
  customer?: Partial<CustomerBoxData>
}

function panelOf(ctx: Context, v: View, user: User, t: Ticket, o: PanelOptions = {}): PanelData {
  const q = sql(ctx)
  const skip = q.recentFrom.get(t.id, PANEL_MESSAGES)
  const messages = ctx.stores.messages.ofTicket(t.id, skip ? skip.id : 0, PANEL_MESSAGES)
  const past = pastOf(ctx, user, t)
  return {
    head: namer(ctx, v)(t),
    messages: conversationViews(ctx, messages),
    olderBefore: skip && messages.length ? messages[0].id : null,
    composer: { mode: composerMode(t), values: { text: '', note: false }, error: null },
    actions: actionsOf(ctx, user, t),
    protocol: protocolOf(ctx, user, t, o.protocol),
    customer: customerBoxOf(ctx, user, t, o.customer),
    past,
    earlier: past.filter((p) => p.t.id < t.id).length,
    flash: o.flash ?? null,
    webchat: visitorInfoOf(ctx, t),
  }
}

function transferOptions(ctx: Context): TransferOption[] {
  const sectors = ctx.stores.sectors.list().filter((s) => s.active)
  const bySector = new Map<number, TransferOption>(sectors.map((s) => [s.id, { sectorId: s.id, sectorName: s.name, agents: [] }]))
  for (const m of sql(ctx).members.all()) bySector.get(m.sector_id)?.agents.push({ id: m.id, name: m.name, presence: m.presence })
  return [...bySector.values()]
}

/** The viewer is the assignee: the conversation is read up to its newest message. */
function markSeen(ctx: Context, t: Ticket, user: User) {
  if (t.assignee_id !== user.id) return
  const newest = sql(ctx).newest.get(t.id)?.id
  if (newest && (t.last_read_message_id ?? 0) < newest) write(ctx.db, () => sql(ctx).setRead.run(newest, t.id, user.id))
  markRead(ctx, t, user)
}

/** Field problems of a refused action (400 with details), else its message — for the form that sent it. */
function problemOf(v: View, e: unknown): { problems: Problems; error: string | null } | null {
  if (!(e instanceof HttpError) || e.status >= 500 || e.status === 404 || e.code === 'csrf_failed') return null
  const problems: Problems = {}
  for (const d of e.details ?? []) if (!(d.field in problems)) problems[d.field] = d.key
  return Object.keys(problems).length ? { problems, error: null } : { problems, error: v.t(e.key, e.vars) }
}
const messageOf = (v: View, p: { problems: Problems; error: string | null }) => p.error ?? Object.values(p.problems).map((k) => v.t(k as MessageKey)).join(' ')

// ---- the live stream ----------------------------------------------------------------------------

interface EventRef {
  id: number
  ticket_id?: number
  offer?: { user_id: number; status: string }
}

const TICKET_EVENTS = new Set(['message.created', 'message.updated', 'ticket.created', 'ticket.updated'])

/** The left column, whole: after a gap in the stream (the page may be stale). */
export function workspaceSnapshot(ctx: Context, view: View, user: User): string {
  const v = withFastDates(view)
  const left = leftOf(ctx, v, user)
  return (
    partial('#ws-offers', 'outerHTML', <OffersRegion v={v} offers={left.offers} />) +
    partial('#ws-mine', 'outerMorph', <MineRegion v={v} cards={left.mine} />) +
    partial('#ws-queue', 'outerMorph', <QueueRegion v={v} cards={left.queue} />)
  )
}

/**
 * HTML for a ticket or message event on a workspace stream, for one viewer, from the state now:
 * the lists of the left column (their own data), and — when they may see the ticket — the parts of
 * its open panel that changed. A ticket they may no longer see leaves their screen.
 */
export function workspaceLivePartials(ctx: Context, view: View, userId: number, ev: StoredEvent): string | null {
  // A web-chat visitor typing (src/channels/webchat/typing.ts): the note under their details.
  if (ev.name === 'webchat.typing') {
    const d = ev.data as { ticket_id?: unknown; who?: unknown }
    return d.who === 'visitor' && Date.now() - ev.at < 10_000 ? partial(`#ws-typing-${Number(d.ticket_id)}`, 'innerHTML', <VisitorTypingNote v={view} />) : null
  }
  if (!TICKET_EVENTS.has(ev.name)) return null
  const v = withFastDates(view)
  const user = ctx.stores.users.get(userId)
  if (!user?.active) return null
  const data = ev.data as EventRef
  const isMessage = ev.name.startsWith('message.')
  const ticket = ctx.stores.tickets.get(Number(isMessage ? data.ticket_id : data.id))
  if (!ticket) return null
  const visible = canActOnSight(ctx, user, ticket)
  const id = ticket.id
  let out = ''

  if (isMessage) {
    if (!visible) return null
    const m = ctx.stores.messages.get(Number(data.id))
    if (!m || m.ticket_id !== id) return null
    if (m.type === 'reaction') {
      const target = m.reply_to_id !== null ? ctx.stores.messages.get(m.reply_to_id) : null
      if (target && target.ticket_id === id) out += partial(`#message-${target.id}`, 'outerHTML', <MessageItem v={v} mv={messageView(ctx, target)} />)
    } else if (ev.name === 'message.created') {
      out += partial(`#conversation-${id}`, 'beforeend', <MessageItem v={v} mv={messageView(ctx, m)} />)
      if (m.direction === 'in' && composerMode(ticket) === 'full') {
        out += partial(`#composer-${id}[data-window=closed]`, 'outerMorph', <Composer v={v} t={ticket} mode="full" values={{ text: '', note: true }} error={null} workspace />)
      }
    } else {
      out += partial(`#message-${m.id}`, 'outerHTML', <MessageItem v={v} mv={messageView(ctx, m)} />)
    }
    if (ev.name === 'message.created') {
      // The card's preview, wait and unread count (and its place in the list).
      if (ticket.status === 'open' && ticket.assignee_id === user.id) out += partial('#ws-mine', 'outerMorph', <MineRegion v={v} cards={mineOf(ctx, v, user)} />)
      else if (ticket.status === 'queued') {
        if (ctx.stores.offers.pendingOfTicket(id)?.user_id === user.id) out += partial('#ws-offers', 'outerHTML', <OffersRegion v={v} offers={offersOf(ctx, v, user)} />)
        else out += partial('#ws-queue', 'outerMorph', <QueueRegion v={v} cards={queueOf(ctx, v, user)} />)
      }
    }
    return out || null
  }

  // A ticket changed: the viewer's lists are redrawn from what they hold now.
  out += workspaceSnapshot(ctx, v, user)
  if (!visible) return out + partial(`#ws-ticket-${id}`, 'outerHTML', <GonePanel v={v} ticketId={id} />)
  out += partial(`#ticket-head-${id}`, 'outerHTML', <TicketHead v={v} head={namer(ctx, v)(ticket)} />)
  // The actions bar only when what it offers changed (an open transfer panel is left alone).
  const actions = actionsOf(ctx, user, ticket)
  out += partial(`#ws-actions-${id}:not([data-sig='${actionsSignature(actions)}'])`, 'outerHTML', <ActionsBar v={v} t={ticket} a={actions} />)
  // The protocol form and the customer box, when someone else changed them and this person is not typing there.
  out += partial(`#ws-protocol-${id}:not([data-sig='${protocolSignature(ticket)}']):not(.dirty)`, 'outerHTML', <ProtocolForm v={v} t={ticket} p={protocolOf(ctx, user, ticket)} />)
  out += partial(`#ws-customer-${id}:not([data-sig='${customerSignature(ticket)}']):not(.dirty)`, 'outerHTML', <CustomerBox v={v} t={ticket} c={customerBoxOf(ctx, user, ticket)} />)
  const mode = composerMode(ticket)
  if (mode === 'closed') out += partial(`#composer-${id}:not(.composer-closed)`, 'outerHTML', <Composer v={v} t={ticket} mode="closed" values={{ text: '', note: false }} error={null} workspace />)
  else out += partial(`#composer-${id}.composer-closed`, 'outerHTML', <Composer v={v} t={ticket} mode={mode} values={{ text: '', note: false }} error={null} workspace />)
  return out
}

/** On other pages: a notice while a ticket is offered to the viewer, gone when the offer ends. */
export function offerNotice(ctx: Context, v: View, userId: number, ev: StoredEvent): string | null {
  const offer = (ev.data as EventRef).offer
  if (ev.name !== 'ticket.updated' || !offer || offer.user_id !== userId) return null
  const pending = ctx.stores.offers.pendingOfUser(userId)
  return partial('#offer-notice', 'delete', '') + (pending.length ? partial('#notices', 'beforeend', <OfferNotice v={v} offer={pending[0]} />) : '')
}

// ---- routes --------------------------------------------------------------------------------------

/** Form values of the protocol form: '' → null ids; the switches count only when the form sent them. */
function protocolInput(form: Form) {
  const raw = form.get('classification_id').trim()
  return {
    classification_id: raw === '' ? null : (optionalId(raw) ?? -1),
    notes: form.has('notes') ? form.get('notes').replace(/\r\n?/g, '\n') : undefined,
    ...(form.has('switches') ? { anonymous: form.get('anonymous') === '1', confidential: form.get('confidential') === '1' } : {}),
  }
}

export function workspaceRoutes(ctx: Context) {
  /** The ticket, if the user may see it (or holds its offer); 404 otherwise — never its content. */
  const visibleTicket = (user: User, raw: string): Ticket => {
    const ticket = ctx.stores.tickets.get(idParam(raw))
    if (!ticket || !canActOnSight(ctx, user, ticket)) throw notFound()
    return ticket
  }

  /** The whole page, with the ticket (or the placeholder) in the middle. */
  const page = (v: View, user: User, main: JSX.Element, status = 200) => {
    // Read first: the page shows at least everything up to the cursor (the stream resumes there).
    const cursor = ctx.stores.events.newestId()
    return html(<WorkspacePage v={v} left={leftOf(ctx, v, user)} main={main} cursor={cursor} now={Date.now()} />, status)
  }

  /** The ticket's panel, and the left column's lists as partials (what an action changed there). */
  const panelAnswer = (v: View, user: User, t: Ticket, o: PanelOptions = {}, headers: Record<string, string> = {}) =>
    html(
      (<TicketPanel v={v} p={panelOf(ctx, v, user, t, o)} />) + workspaceSnapshot(ctx, v, user),
      200,
      headers,
    )

  /** An action answered: htmx gets the panel (or the placeholder when the ticket left the viewer), a form a redirect. */
  const afterAction = (request: Request, v: View, user: User, t: Ticket, flash: MessageKey) => {
    if (!isHtmx(request)) return redirect(canActOnSight(ctx, user, t) && handles(user, t) ? `/workspace/${t.id}` : '/workspace')
    if (canActOnSight(ctx, user, t) && handles(user, t) && t.status !== 'closed') return panelAnswer(v, user, t, { flash: v.t(flash) })
    return html((<EmptyPanel v={v} flash={v.t(flash)} />) + workspaceSnapshot(ctx, v, user), 200, { 'hx-push-url': '/workspace' })
  }

  return (
    new Elysia()
      .get('/workspace', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const v = withFastDates(buildView(ctx, request, viewer))
        return page(v, viewer.user, <EmptyPanel v={v} />)
      })

      // ---- quick replies (before /workspace/:id) ------------------------------------------------
      .get('/workspace/quick-replies', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const url = new URL(request.url)
        const ticket = visibleTicket(viewer.user, url.searchParams.get('ticket') ?? '')
        const v = withFastDates(buildView(ctx, request, viewer))
        const q = (url.searchParams.get('q') ?? '').slice(0, 40)
        const customer = ticket.customer_id ? ctx.stores.customers.get(ticket.customer_id) : null
        const vars = { cliente: customer?.name ?? ticket.contact_name?.trim() ?? '', protocolo: ticket.protocol, atendente: viewer.user.name }
        const replies = quickRepliesFor(ctx, viewer.user, q, QUICK_REPLIES).map((r) => ({ id: r.id, shortcut: r.shortcut, text: expandQuickReply(r.text, vars) }))
        return html(<QuickReplyList v={v} q={q.replace(/^\//, '')} replies={replies} />)
      })

      // ---- one ticket ---------------------------------------------------------------------------
      .get('/workspace/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        // A supervisor opening someone else's ticket is audited, as on the conversation page.
        auditTicketView(ctx, viewer.user, ticket, clientIp(request), 'page')
        markSeen(ctx, ticket, viewer.user)
        const fresh = ctx.stores.tickets.get(ticket.id)!
        // A card clicked in the workspace: only the panel (the list stays); anything else: the page.
        if (isHtmx(request) && (request.headers.get('hx-target') ?? '').endsWith('#ws-main')) {
          return html(<TicketPanel v={v} p={panelOf(ctx, v, viewer.user, fresh)} />)
        }
        return page(v, viewer.user, <TicketPanel v={v} p={panelOf(ctx, v, viewer.user, fresh)} />)
      })
      .post('/workspace/:id/read', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        checkSessionCsrf(request, viewer, null)
        const ticket = visibleTicket(viewer.user, params.id)
        markSeen(ctx, ticket, viewer.user)
        return new Response(null, { status: 204 })
      })
      .get('/workspace/:id/messages', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        const before = optionalId(new URL(request.url).searchParams.get('before') ?? '') ?? Number.MAX_SAFE_INTEGER
        const skip = sql(ctx).olderFrom.get(ticket.id, before, OLDER_PAGE)
        const messages = ctx.stores.messages.ofTicket(ticket.id, skip ? skip.id : 0, OLDER_PAGE).filter((m: Message) => m.id < before)
        const v = withFastDates(buildView(ctx, request, viewer))
        return html(<OlderMessages v={v} ticketId={ticket.id} messages={conversationViews(ctx, messages)} before={skip && messages.length ? messages[0].id : null} />)
      })
      .get('/workspace/:id/history', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        const q = sql(ctx)
        const items = pastOf(ctx, viewer.user, ticket)
          .filter((p) => p.t.id < ticket.id)
          .slice(0, HISTORY_TICKETS)
          .reverse()
          .map(({ t }) => {
            auditTicketView(ctx, viewer.user, t, clientIp(request), 'page')
            const skip = q.recentFrom.get(t.id, HISTORY_MESSAGES)
            return { t, messages: conversationViews(ctx, ctx.stores.messages.ofTicket(t.id, skip ? skip.id : 0, HISTORY_MESSAGES)), truncated: skip !== null }
          })
        return html(<HistoryList v={v} items={items} limit={HISTORY_MESSAGES} />)
      })

      // ---- offers: accept / decline (and taking a queued ticket) -------------------------------
      .post('/workspace/:id/accept', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        await readCheckedForm(request, viewer)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        let accepted: Ticket
        try {
          accepted = acceptTicket(ctx, viewer.user, ticket.id)
        } catch (e) {
          const p = problemOf(v, e)
          if (!p) throw e
          const offers = <OffersRegion v={v} offers={offersOf(ctx, v, viewer.user)} error={messageOf(v, p)} />
          return isHtmx(request) ? html(offers, 422) : page(v, viewer.user, <EmptyPanel v={v} flash={messageOf(v, p)} />, 422)
        }
        if (!isHtmx(request)) return redirect(`/workspace/${accepted.id}`)
        markSeen(ctx, accepted, viewer.user)
        return panelAnswer(v, viewer.user, ctx.stores.tickets.get(accepted.id)!, {}, { 'hx-push-url': `/workspace/${accepted.id}` })
      })
      .post('/workspace/:id/decline', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        await readCheckedForm(request, viewer)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        let error: string | null = null
        try {
          declineOffer(ctx, viewer.user, ticket.id)
        } catch (e) {
          const p = problemOf(v, e)
          if (!p) throw e
          error = messageOf(v, p)
        }
        if (!isHtmx(request)) return redirect('/workspace')
        const after = ctx.stores.tickets.get(ticket.id)!
        let out = (<OffersRegion v={v} offers={offersOf(ctx, v, viewer.user)} error={error} />) as string
        // The open panel of the declined ticket: its accept/decline buttons go (or it leaves the screen).
        if (canActOnSight(ctx, viewer.user, after)) {
          const a = actionsOf(ctx, viewer.user, after)
          out += partial(`#ws-actions-${after.id}`, 'outerHTML', <ActionsBar v={v} t={after} a={a} />)
        } else {
          out += partial(`#ws-ticket-${after.id}`, 'outerHTML', <GonePanel v={v} ticketId={after.id} />)
        }
        return html(out, error ? 422 : 200)
      })

      // ---- transfer ------------------------------------------------------------------------------
      .get('/workspace/:id/transfer', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        if (!handles(viewer.user, ticket)) throw new HttpError(403, 'not_assignee', 'desk.not_assignee')
        const v = withFastDates(buildView(ctx, request, viewer))
        return html(<TransferForm v={v} t={ticket} options={transferOptions(ctx)} values={{ target: '', note: '' }} error={null} />)
      })
      .post('/workspace/:id/transfer', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const form = await readCheckedForm(request, viewer)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        const values: TransferValues = { target: form.get('target'), note: form.get('note') }
        const m = /^(?:sector:(\d{1,15})|user:(\d{1,15}):(\d{1,15}))$/.exec(values.target.trim())
        let after: Ticket
        try {
          if (!m) throw new HttpError(400, 'validation_failed', 'desk.transfer_needs_target', {}, [{ field: 'target', key: 'desk.transfer_needs_target' }])
          const input = m[1] ? { sector_id: Number(m[1]) } : { user_id: Number(m[2]), sector_id: Number(m[3]) }
          after = transferTicket(ctx, viewer.user, ticket.id, { ...input, note: values.note })
        } catch (e) {
          const p = problemOf(v, e)
          if (!p) throw e
          const again = <TransferForm v={v} t={ctx.stores.tickets.get(ticket.id)!} options={transferOptions(ctx)} values={values} error={messageOf(v, p)} />
          return isHtmx(request) ? html(again, 422) : page(v, viewer.user, <EmptyPanel v={v} flash={messageOf(v, p)} />, 422)
        }
        return afterAction(request, v, viewer.user, after, 'desk.ws_transfer_done')
      })

      // ---- close ---------------------------------------------------------------------------------
      .get('/workspace/:id/close', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const ticket = visibleTicket(viewer.user, params.id)
        if (!handles(viewer.user, ticket)) throw new HttpError(403, 'not_assignee', 'desk.not_assignee')
        const v = withFastDates(buildView(ctx, request, viewer))
        return html(closeForm(v, ticket, { classification_id: ticket.classification_id ? String(ticket.classification_id) : '', note: '' }, null))
      })
      .post('/workspace/:id/close', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const form = await readCheckedForm(request, viewer)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        const values: CloseValues = { classification_id: form.get('classification_id'), note: form.get('note') }
        let after: Ticket
        try {
          const raw = values.classification_id.trim()
          after = closeTicket(ctx, viewer.user, ticket.id, { classification_id: raw === '' ? null : (optionalId(raw) ?? -1), note: values.note })
        } catch (e) {
          const p = problemOf(v, e)
          if (!p) throw e
          const again = closeForm(v, ctx.stores.tickets.get(ticket.id)!, values, messageOf(v, p))
          return isHtmx(request) ? html(again, 422) : page(v, viewer.user, <EmptyPanel v={v} flash={messageOf(v, p)} />, 422)
        }
        return afterAction(request, v, viewer.user, after, 'desk.ws_closed_done')
      })

      // ---- the protocol form (PATCH semantics; POST for forms without JavaScript) ----------------
      .patch('/workspace/:id/protocol', ({ request, params }) => saveProtocol(request, params.id))
      .post('/workspace/:id/protocol', ({ request, params }) => saveProtocol(request, params.id))

      // ---- the customer: search, link / unlink, create ------------------------------------------
      .get('/workspace/:id/customers', ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.view')
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        const q = (new URL(request.url).searchParams.get('q') ?? '').trim().slice(0, 100)
        return html(<CustomerResults v={v} t={ticket} q={q} customers={q ? searchCustomers(ctx, q, 8) : []} />)
      })
      .post('/workspace/:id/customer', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.view')
        const form = await readCheckedForm(request, viewer)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        const raw = form.get('customer_id').trim()
        try {
          updateTicket(ctx, viewer.user, ticket.id, { customer_id: raw === '' ? null : (optionalId(raw) ?? -1) })
        } catch (e) {
          const p = problemOf(v, e)
          if (!p) throw e
          return customerAnswer(request, v, viewer.user, ticket.id, { error: messageOf(v, p) }, 422)
        }
        return customerAnswer(request, v, viewer.user, ticket.id)
      })
      .post('/workspace/:id/customer/new', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.create')
        const form = await readCheckedForm(request, viewer)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        // Only who may change the form may create-and-link from it (the link is the point).
        if (!handles(viewer.user, ticket)) throw new HttpError(403, 'not_assignee', 'desk.not_assignee')
        if (ticket.anonymous) return customerAnswer(request, v, viewer.user, ticket.id, { error: v.t('desk.customer_on_anonymous') }, 422)
        try {
          const customer = createCustomer(ctx, viewer.user.id, customerInputFromForm(ctx, form), clientIp(request))
          updateTicket(ctx, viewer.user, ticket.id, { customer_id: customer.id })
        } catch (e) {
          const p = problemOf(v, e)
          if (!p) throw e
          const create = { values: customerValuesFromForm(form), problems: p.problems, open: true }
          return customerAnswer(request, v, viewer.user, ticket.id, { create, error: Object.keys(p.problems).length ? null : p.error }, 422)
        }
        return customerAnswer(request, v, viewer.user, ticket.id)
      })
      // The linked customer's custom fields ("Dados adicionais"): by who may change the form, with customers.edit.
      .post('/workspace/:id/customer/fields', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.edit')
        const form = await readCheckedForm(request, viewer)
        const ticket = visibleTicket(viewer.user, params.id)
        const v = withFastDates(buildView(ctx, request, viewer))
        if (!handles(viewer.user, ticket)) throw new HttpError(403, 'not_assignee', 'desk.not_assignee')
        const customer = ticket.customer_id ? ctx.stores.customers.get(ticket.customer_id) : null
        if (!customer) throw notFound()
        try {
          updateCustomer(ctx, viewer.user.id, customer, { fields: fieldsFromForm(ctx, form, customer.type_id) ?? {} }, clientIp(request))
        } catch (e) {
          const p = problemOf(v, e)
          if (!p) throw e
          const fields = fieldsBoxOf(ctx, customer, true, { values: typedFieldValues(form), problems: p.problems })
          return customerAnswer(request, v, viewer.user, ticket.id, { fields, error: Object.keys(p.problems).length ? null : p.error }, 422)
        }
        return customerAnswer(request, v, viewer.user, ticket.id, { fields: fieldsBoxOf(ctx, ctx.stores.customers.get(customer.id), true, { saved: true }) })
      })
  )

  function closeForm(v: View, t: Ticket, values: CloseValues, error: string | null) {
    const sector = t.sector_id === null ? null : ctx.stores.sectors.get(t.sector_id)
    return <CloseForm v={v} t={t} classifications={ctx.stores.classifications.activeFor(t.sector_id)} required={sector?.require_classification ?? false} values={values} error={error} />
  }

  /** The customer box again (htmx), or back to the workspace (plain form). */
  function customerAnswer(request: Request, v: View, user: User, ticketId: number, o: Partial<CustomerBoxData> = {}, status = 200) {
    if (!isHtmx(request)) return redirect(`/workspace/${ticketId}`)
    const t = ctx.stores.tickets.get(ticketId)!
    return html(<CustomerBox v={v} t={t} c={customerBoxOf(ctx, user, t, o)} />, status)
  }

  async function saveProtocol(request: Request, rawId: string) {
    const viewer = pageViewer(ctx, request)
    const form = await readCheckedForm(request, viewer)
    const ticket = visibleTicket(viewer.user, rawId)
    const v = withFastDates(buildView(ctx, request, viewer))
    const input = protocolInput(form)
    try {
      updateTicket(ctx, viewer.user, ticket.id, input)
    } catch (e) {
      const p = problemOf(v, e)
      if (!p) throw e
      if (!isHtmx(request)) return page(v, viewer.user, <TicketPanel v={v} p={panelOf(ctx, v, viewer.user, ticket, { protocol: { ...p } })} />, 422)
      // What was typed stays; the problems sit beside their fields.
      const values = { classification_id: form.get('classification_id'), notes: form.get('notes'), anonymous: form.get('anonymous') === '1', confidential: form.get('confidential') === '1' }
      return html(<ProtocolForm v={v} t={ticket} p={protocolOf(ctx, viewer.user, ticket, { ...p, values })} />, 422)
    }
    if (!isHtmx(request)) return redirect(`/workspace/${ticket.id}`)
    const after = ctx.stores.tickets.get(ticket.id)
    // Made confidential by a supervisor, say: the ticket may have left this viewer.
    if (!after || !canActOnSight(ctx, viewer.user, after)) return html(<GonePanel v={v} ticketId={ticket.id} />, 200, { 'hx-retarget': `#ws-ticket-${ticket.id}`, 'hx-reswap': 'outerHTML' })
    return html(
      (<ProtocolForm v={v} t={after} p={protocolOf(ctx, viewer.user, after, { saved: true })} />) +
        // Anonymous drops the customer link: the customer box follows.
        partial(`#ws-customer-${after.id}`, 'outerHTML', <CustomerBox v={v} t={after} c={customerBoxOf(ctx, viewer.user, after)} />),
    )
  }
}
