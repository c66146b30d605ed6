// The agent workspace (/workspace): left, the offers waiting for the agent, their open tickets and
// their sectors' queue; middle, the open ticket's conversation (the conversation view's own
// components) with the contact's earlier tickets collapsed and the composer; right, the protocol
// form (customer, classification, notes, anonymous/confidential) and the contact's past tickets.
// Every region here is also a fragment: the routes answer htmx with them and the live stream swaps
// them in (src/desk/workspace.tsx). Customer-provided text (names, messages, file names) and quick
// replies are always escaped, inside `hx-ignore` elements.
import type { Children } from '@kitajs/html'
import type { Classification } from '../../src/desk/classifications-store'
import type { Message } from '../../src/desk/messages-store'
import type { Offer } from '../../src/desk/offers-store'
import type { Ticket } from '../../src/desk/tickets-store'
import type { Customer, CustomerType } from '../../src/customers/store'
import { formatCode } from '../../src/customers/code'
import { formatPhone } from '../../src/customers/customers'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty } from '../components'
import { CustomerFields, type CustomerFormValues } from '../customers/customers'
import { CustomerFieldsForm, type CustomerFieldsBoxData } from '../customers/fields'
import type { CustomField } from '../../src/customers/fields-store'
import { Layout } from '../layout'
import type { Problems, View } from '../view'
import type { VisitorInfo } from '../../src/channels/webchat/visitor-info'
import { WebchatVisitorBox } from '../channels/webchat-visitor'
import { Composer, MessageItem, TicketHead, authorLabel, type ComposerMode, type ComposerValues, type MessageView, type TicketHeadData } from './conversation'
import { StatusBadge, contactName } from './tickets'

// ---- data the routes hand over ---------------------------------------------------------------------

/** A ticket as a card: what the left column shows about it. */
export interface CardData {
  t: Ticket
  channel: string
  sector: string | null
  /** The newest message (notes included, reactions not): the preview line. */
  last: Message | null
  /** Customer messages after the assignee's read marker. */
  unread: number
  /** When the customer's unanswered message arrived (the wait), or null when the last word was ours. */
  waitingSince: number | null
  /** The newest customer message: a new one is a new notification. */
  lastInboundId: number | null
}

export interface OfferData {
  offer: Offer
  card: CardData
}

export interface LeftData {
  offers: OfferData[]
  mine: CardData[]
  queue: CardData[]
}

export interface ActionsData {
  /** The viewer holds this ticket's pending offer. */
  offer: Offer | null
  /** The viewer may take it from the queue (member of the sector or supervisor, no offer to someone else). */
  canTake: boolean
  /** The viewer may transfer and close it (assignee or supervisor), and the ticket is not closed. */
  canHandle: boolean
}

export interface ProtocolValues {
  classification_id: string
  notes: string
  anonymous: boolean
  confidential: boolean
}

export interface ProtocolData {
  classifications: Classification[]
  values: ProtocolValues
  editable: boolean
  problems: Problems
  error: string | null
  saved: boolean
}

export interface CustomerBoxData {
  customer: Customer | null
  typeName: string | null
  anonymous: boolean
  /** May link/unlink (assignee or supervisor, customers.view). */
  editable: boolean
  canCreate: boolean
  types: CustomerType[]
  /** The inline create form: what was typed and what is wrong with it (after a failed save). */
  create: { values: CustomerFormValues; problems: Problems; open: boolean } | null
  /** the custom fields of the create form's chosen type (after a failed save) */
  createFields?: CustomField[]
  /** the linked customer's custom fields ("Dados adicionais"), null when its type has none */
  fields?: CustomerFieldsBoxData | null
  error: string | null
}

export interface PastTicket {
  t: Ticket
  classification: string | null
}

export interface PanelData {
  head: TicketHeadData
  messages: MessageView[]
  /** Id of the oldest message shown when older ones exist ("carregar anteriores"), else null. */
  olderBefore: number | null
  composer: { mode: ComposerMode; values: ComposerValues; error: string | null }
  actions: ActionsData
  protocol: ProtocolData
  customer: CustomerBoxData
  past: PastTicket[]
  /** How many earlier tickets of this contact the viewer may see (the collapsed history). */
  earlier: number
  /** Shown above the conversation after an action (e.g. "Salvo."). */
  flash: string | null
  /** A web-chat visitor's page, browser and language (src/channels/webchat/visitor-info.ts). */
  webchat?: VisitorInfo | null
}

export interface TransferOption {
  sectorId: number
  sectorName: string
  agents: { id: number; name: string; presence: 'available' | 'paused' | 'offline' }[]
}

export interface TransferValues {
  target: string
  note: string
}

export interface CloseValues {
  classification_id: string
  note: string
}

// ---- formatting shared with public/app.js ----------------------------------------------------------

/** "agora", "3 min", "2 h 05 min": the same words app.js uses when it ticks (data-fmt-* on the root). */
export function waitText(v: View, ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000))
  if (minutes < 1) return v.t('desk.ws_wait_now')
  if (minutes < 60) return v.t('desk.ws_wait_min', { n: minutes })
  return v.t('desk.ws_wait_hours', { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, '0') })
}

const TYPE_KEYS: Record<string, MessageKey> = {
  image: 'desk.type_image',
  audio: 'desk.type_audio',
  video: 'desk.type_video',
  document: 'desk.type_document',
  sticker: 'desk.type_sticker',
  location: 'desk.type_location',
  contacts: 'desk.type_contacts',
}

/** One line about a message: its text (cut), else what it is ("[imagem]"), with who said it when not the customer. */
export function previewOf(v: View, m: Message | null, viewerId: number | null): string {
  if (!m) return v.t('desk.conversation_empty')
  // A transfer's note is what its receiver needs to read first.
  const transfer = m.extra?.transfer as { note?: unknown } | undefined
  if (transfer && typeof transfer.note === 'string' && transfer.note.trim()) {
    const note = transfer.note.replace(/\s+/g, ' ').trim()
    return v.t('desk.ws_transfer_preview', { note: note.length > 120 ? `${note.slice(0, 120)}…` : note })
  }
  const raw = (m.text ?? '').replace(/\s+/g, ' ').trim()
  const body = raw ? (raw.length > 90 ? `${raw.slice(0, 90)}…` : raw) : `[${v.t(TYPE_KEYS[m.type] ?? 'desk.type_message')}]`
  if (m.direction === 'in') return body
  const who = m.author === 'agent' && m.author_id !== null && m.author_id === viewerId ? v.t('desk.ws_you') : authorLabel(v, m)
  return `${who}: ${body}`
}

const GLYPHS: Record<string, string> = { whatsapp: '✆', webchat: '💬', email: '✉' }

export function ChannelIcon({ type, name }: { type: string; name: string }) {
  return (
    <span class={`ch-icon ch-${type}`} role="img" title={name} aria-label={name} safe>
      {GLYPHS[type] ?? '•'}
    </span>
  )
}

/** Status answers of the workspace's forms: 422 redraws the form (errors inline); others borrow the error page's message. */
const flashStatus = { 'hx-status:4xx': `target:#ws-flash select:'.errorpage p:not(:has(a))' swap:innerHTML`, 'hx-status:5xx': `target:#ws-flash select:'.errorpage p:not(:has(a))' swap:innerHTML` }
const formStatus = (id: string) => ({ 'hx-status:422': `target:#${id} swap:outerHTML`, ...flashStatus })

// ---- the page --------------------------------------------------------------------------------------

export function WorkspacePage({ v, left, main, cursor, now }: { v: View; left: LeftData; main: JSX.Element; cursor: number; now: number }) {
  return (
    <Layout v={v} title={v.t('desk.ws_title')} wide live="/events?page=workspace">
      <div
        id="workspace"
        class="workspace"
        data-workspace
        data-event-cursor={String(cursor)}
        data-server-now={String(now)}
        data-fmt-now={v.t('desk.ws_wait_now')}
        data-fmt-min={v.t('desk.ws_wait_min', { n: '{n}' })}
        data-fmt-hours={v.t('desk.ws_wait_hours', { h: '{h}', m: '{m}' })}
        data-fmt-expired={v.t('desk.ws_offer_expired')}
      >
        <aside class="ws-left" aria-label={v.t('desk.ws_left')}>
          <Prefs v={v} />
          <OffersRegion v={v} offers={left.offers} />
          <MineRegion v={v} cards={left.mine} />
          <QueueRegion v={v} cards={left.queue} />
        </aside>
        <div class="ws-center">
          <div id="ws-flash" class="ws-flash" role="alert" aria-live="assertive"></div>
          <div id="ws-main" class="ws-main">
            {main}
          </div>
        </div>
      </div>
    </Layout>
  )
}

/** Sound and browser-notification switches: kept per browser (localStorage) by public/app.js. */
function Prefs({ v }: { v: View }) {
  return (
    <div class="ws-prefs row" role="group" aria-label={v.t('desk.ws_prefs')}>
      <button type="button" class="small secondary" data-pref="sound" aria-pressed="true" data-on={v.t('desk.ws_sound_on')} data-off={v.t('desk.ws_sound_off')}>
        {v.escape('desk.ws_sound_on')}
      </button>
      <button
        type="button"
        class="small secondary"
        data-pref="notify"
        aria-pressed="false"
        data-on={v.t('desk.ws_notify_on')}
        data-off={v.t('desk.ws_notify_off')}
        data-denied={v.t('desk.ws_notify_denied')}
        data-unsupported={v.t('desk.ws_notify_unsupported')}
      >
        {v.escape('desk.ws_notify_off')}
      </button>
    </div>
  )
}

// ---- left: offers, my tickets, the queue ----------------------------------------------------------

export function OffersRegion({ v, offers, error }: { v: View; offers: OfferData[]; error?: string | null }) {
  return (
    <section id="ws-offers" class="ws-offers" aria-label={v.t('desk.ws_offers')} aria-live="assertive">
      {error ? (
        <p class="flash error small" role="alert" safe>
          {error}
        </p>
      ) : (
        ''
      )}
      {offers.map((o) => (
        <OfferCard v={v} o={o} />
      ))}
    </section>
  )
}

export function OfferCard({ v, o }: { v: View; o: OfferData }) {
  const { offer, card } = o
  const { t } = card
  const name = contactName(v, t)
  const seconds = Math.max(0, Math.ceil((offer.expires_at - Date.now()) / 1000))
  return (
    <article
      id={`ws-offer-${offer.id}`}
      class="ws-offer"
      data-ticket-id={String(t.id)}
      data-notify-key={`offer:${offer.id}`}
      data-notify-title={v.t('desk.ws_offer_notify')}
      data-notify-body={`${name} — ${previewOf(v, card.last, null)}`}
      data-notify-url={`/workspace`}
      data-urgent
    >
      <header class="row spread">
        <strong>{v.escape('desk.ws_offer_title')}</strong>
        <span class="countdown" aria-label={v.t('desk.ws_offer_expires')}>
          <span data-expires-at={String(offer.expires_at)} safe>
            {String(seconds)}
          </span>
          {' s'}
        </span>
      </header>
      <p class="ws-card-title">
        <ChannelIcon type={t.channel_type} name={card.channel} />
        <strong class="contact-name" hx-ignore safe>
          {name}
        </strong>
      </p>
      <p class="ws-preview" hx-ignore safe>
        {previewOf(v, card.last, null)}
      </p>
      <p class="muted small">
        <span safe>{card.sector ?? v.t('desk.no_sector')}</span>
        {t.queued_at ? (
          <>
            {' · '}
            {v.escape('desk.ws_queued_for')}{' '}
            <span data-since={String(t.queued_at)} safe>
              {waitText(v, Date.now() - t.queued_at)}
            </span>
          </>
        ) : (
          ''
        )}
      </p>
      <div class="row">
        <form
          method="post"
          action={`/workspace/${t.id}/accept`}
          hx-post={`/workspace/${t.id}/accept`}
          hx-target="#ws-main"
          hx-swap="innerHTML"
          hx-disable="find button"
          {...{ 'hx-status:422': 'target:#ws-offers swap:outerHTML', ...flashStatus }}
        >
          <CsrfField v={v} />
          <button type="submit" class="small">
            {v.escape('desk.ws_offer_accept')}
          </button>
        </form>
        <form
          method="post"
          action={`/workspace/${t.id}/decline`}
          hx-post={`/workspace/${t.id}/decline`}
          hx-target="#ws-offers"
          hx-swap="outerHTML"
          hx-disable="find button"
          {...{ 'hx-status:422': 'target:#ws-offers swap:outerHTML', ...flashStatus }}
        >
          <CsrfField v={v} />
          <button type="submit" class="small secondary">
            {v.escape('desk.ws_offer_decline')}
          </button>
        </form>
      </div>
    </article>
  )
}

export function MineRegion({ v, cards }: { v: View; cards: CardData[] }) {
  return (
    <section id="ws-mine" class="ws-list" aria-labelledby="ws-mine-title">
      <h2 id="ws-mine-title" class="ws-list-title">
        {v.escape('desk.ws_mine')} <span class="badge" safe>{String(cards.length)}</span>
      </h2>
      {cards.length === 0 ? (
        <Empty title={v.t('desk.ws_mine_empty')} hint={v.t('desk.ws_mine_empty_hint')} />
      ) : (
        <ul class="ws-cards">
          {cards.map((c) => (
            <li>
              <TicketCard v={v} card={c} />
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** One of my tickets. Its notify key changes when a new customer message or a (re)assignment arrives. */
export function TicketCard({ v, card }: { v: View; card: CardData }) {
  const { t } = card
  const name = contactName(v, t)
  const key = `card:${t.id}:${t.assigned_at ?? 0}:${card.lastInboundId ?? 0}`
  const fresh = card.unread > 0
  return (
    <a
      id={`ws-card-${t.id}`}
      class={`ws-card${fresh ? ' has-unread' : ''}`}
      href={`/workspace/${t.id}`}
      hx-get={`/workspace/${t.id}`}
      hx-target="#ws-main"
      hx-swap="innerHTML"
      hx-push-url="true"
      data-ticket-id={String(t.id)}
      data-notify-key={key}
      data-notify-title={fresh ? v.t('desk.ws_new_message_notify', { name }) : v.t('desk.ws_assigned_notify', { name })}
      data-notify-body={previewOf(v, card.last, v.user?.id ?? null)}
      data-notify-url={`/workspace/${t.id}`}
    >
      <span class="ws-card-title">
        <ChannelIcon type={t.channel_type} name={card.channel} />
        <strong class="contact-name" hx-ignore safe>
          {name}
        </strong>
        {fresh ? (
          <span class="unread" aria-label={v.t(card.unread === 1 ? 'desk.ws_unread_one' : 'desk.ws_unread', { count: card.unread })} safe>
            {String(card.unread)}
          </span>
        ) : (
          ''
        )}
      </span>
      <span class="ws-preview" hx-ignore safe>
        {previewOf(v, card.last, v.user?.id ?? null)}
      </span>
      <span class="ws-card-foot muted small">
        <span class="protocol" safe>
          {t.protocol}
        </span>
        {card.waitingSince !== null ? (
          <span class="wait" title={v.t('desk.ws_waiting')}>
            ⏱{' '}
            <span data-since={String(card.waitingSince)} safe>
              {waitText(v, Date.now() - card.waitingSince)}
            </span>
          </span>
        ) : (
          ''
        )}
      </span>
    </a>
  )
}

export function QueueRegion({ v, cards }: { v: View; cards: CardData[] }) {
  return (
    <section id="ws-queue" class="ws-list" aria-labelledby="ws-queue-title">
      <h2 id="ws-queue-title" class="ws-list-title">
        {v.escape('desk.ws_queue')} <span class="badge" safe>{String(cards.length)}</span>
      </h2>
      {cards.length === 0 ? (
        <Empty title={v.t('desk.ws_queue_empty')} />
      ) : (
        <ul class="ws-cards">
          {cards.map(({ t, channel, sector, last }) => (
            <li id={`ws-queued-${t.id}`} class="ws-queued">
              <a href={`/workspace/${t.id}`} hx-get={`/workspace/${t.id}`} hx-target="#ws-main" hx-swap="innerHTML" hx-push-url="true" data-ticket-id={String(t.id)} class="ws-card">
                <span class="ws-card-title">
                  <ChannelIcon type={t.channel_type} name={channel} />
                  <strong class="contact-name" hx-ignore safe>
                    {contactName(v, t)}
                  </strong>
                </span>
                <span class="ws-preview" hx-ignore safe>
                  {previewOf(v, last, v.user?.id ?? null)}
                </span>
                <span class="ws-card-foot muted small">
                  <span safe>{sector ?? v.t('desk.no_sector')}</span>
                  {t.queued_at ? (
                    <span class="wait">
                      ⏱{' '}
                      <span data-since={String(t.queued_at)} safe>
                        {waitText(v, Date.now() - t.queued_at)}
                      </span>
                    </span>
                  ) : (
                    ''
                  )}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

// ---- middle + right: one ticket -------------------------------------------------------------------

export function EmptyPanel({ v, flash }: { v: View; flash?: string | null }) {
  return (
    <div id="ws-ticket" class="ws-empty card">
      {flash ? (
        <p class="flash ok" role="status" safe>
          {flash}
        </p>
      ) : (
        ''
      )}
      <Empty title={v.t('desk.ws_pick')} hint={v.t('desk.ws_pick_hint')} />
    </div>
  )
}

/** What replaces an open ticket the viewer may no longer see (moved away, made confidential). */
export function GonePanel({ v, ticketId }: { v: View; ticketId: number }) {
  return (
    <div id={`ws-ticket-${ticketId}`} class="ws-empty card" data-ticket-panel data-ticket-id={String(ticketId)}>
      <Empty title={v.t('desk.ws_gone')} hint={v.t('desk.ws_pick_hint')} />
    </div>
  )
}

export function TicketPanel({ v, p }: { v: View; p: PanelData }) {
  const { t } = p.head
  return (
    <div id={`ws-ticket-${t.id}`} class="ws-ticket" data-ticket-panel data-ticket-id={String(t.id)}>
      <section class="ws-middle" aria-label={v.t('desk.conversation')}>
        <TicketHead v={v} head={p.head} />
        <ActionsBar v={v} t={t} a={p.actions} />
        {p.flash ? (
          <p class="flash ok small" role="status" safe>
            {p.flash}
          </p>
        ) : (
          ''
        )}
        <div class="conversation card">
          {p.earlier > 0 ? (
            <details
              class="ws-history"
              hx-get={`/workspace/${t.id}/history`}
              hx-trigger="toggle once"
              hx-target={`#ws-history-${t.id}`}
              hx-swap="innerHTML"
            >
              <summary>{v.escape('desk.ws_history', { count: p.earlier })}</summary>
              <div id={`ws-history-${t.id}`} class="ws-history-body">
                <p class="muted small">{v.escape('desk.ws_history_loading')}</p>
              </div>
            </details>
          ) : (
            ''
          )}
          <div id={`conversation-${t.id}`} class="messages" role="log" aria-live="polite" data-conversation data-read-url={`/workspace/${t.id}/read`} data-empty={v.t('desk.conversation_empty')}>
            {p.olderBefore !== null ? <OlderButton v={v} ticketId={t.id} before={p.olderBefore} /> : ''}
            {p.messages.map((mv) => (
              <MessageItem v={v} mv={mv} />
            ))}
          </div>
          <Composer v={v} t={t} mode={p.composer.mode} values={p.composer.values} error={p.composer.error} workspace />
        </div>
      </section>
      <aside class="ws-right" aria-label={v.t('desk.ws_protocol_form')}>
        <ProtocolForm v={v} t={t} p={p.protocol} />
        <WebchatVisitorBox v={v} info={p.webchat} />
        <CustomerBox v={v} t={t} c={p.customer} />
        <PastTickets v={v} past={p.past} />
      </aside>
    </div>
  )
}

export function OlderButton({ v, ticketId, before }: { v: View; ticketId: number; before: number }) {
  return (
    <div class="older center">
      <button
        type="button"
        class="small secondary"
        data-load-older
        hx-get={`/workspace/${ticketId}/messages?before=${before}`}
        hx-target="closest .older"
        hx-swap="outerHTML"
        hx-disable="this"
      >
        {v.escape('desk.ws_load_older')}
      </button>
    </div>
  )
}

/** "Carregar anteriores": an older page of messages, and the button for the page before it. */
export function OlderMessages({ v, ticketId, messages, before }: { v: View; ticketId: number; messages: MessageView[]; before: number | null }) {
  return (
    <>
      {before !== null ? <OlderButton v={v} ticketId={ticketId} before={before} /> : ''}
      {messages.map((mv) => (
        <MessageItem v={v} mv={mv} />
      ))}
    </>
  )
}

// ---- actions: accept / decline, transfer, close --------------------------------------------------

/** What the actions bar offers, in short: the live stream redraws it only when this changes. */
export const actionsSignature = (a: ActionsData) => `${a.offer?.id ?? 0}:${a.canTake ? 1 : 0}:${a.canHandle ? 1 : 0}`

export function ActionsBar({ v, t, a }: { v: View; t: Ticket; a: ActionsData }) {
  return (
    <div id={`ws-actions-${t.id}`} class="ws-actions row" role="group" aria-label={v.t('desk.ws_actions')} data-sig={actionsSignature(a)}>
      {a.offer ? (
        <>
          <TicketActionForm v={v} t={t} action="accept">
            <button type="submit">{v.escape('desk.ws_offer_accept')}</button>
          </TicketActionForm>
          <TicketActionForm v={v} t={t} action="decline">
            <button type="submit" class="secondary">
              {v.escape('desk.ws_offer_decline')}
            </button>
          </TicketActionForm>
        </>
      ) : a.canTake ? (
        <TicketActionForm v={v} t={t} action="accept">
          <button type="submit">{v.escape('desk.ws_take')}</button>
        </TicketActionForm>
      ) : (
        ''
      )}
      {a.canHandle ? (
        <>
          <LazyPanel v={v} t={t} action="transfer" label="desk.ws_transfer" />
          <LazyPanel v={v} t={t} action="close" label="desk.ws_close" />
        </>
      ) : (
        ''
      )}
    </div>
  )
}

/** A one-button action on the ticket (accept, decline): the main panel, or the offers on a refusal. */
function TicketActionForm({ v, t, action, children }: { v: View; t: Ticket; action: 'accept' | 'decline'; children: Children }) {
  const target = action === 'accept' ? { 'hx-target': '#ws-main', 'hx-swap': 'innerHTML' } : { 'hx-target': '#ws-offers', 'hx-swap': 'outerHTML' }
  return (
    <form method="post" action={`/workspace/${t.id}/${action}`} hx-post={`/workspace/${t.id}/${action}`} {...target} hx-disable="find button" {...flashStatus} {...{ 'hx-status:422': 'target:#ws-offers swap:outerHTML' }}>
      <CsrfField v={v} />
      {children}
    </form>
  )
}

/** Transfer and close: a <details> whose form is loaded when it opens. */
function LazyPanel({ v, t, action, label }: { v: View; t: Ticket; action: 'transfer' | 'close'; label: MessageKey }) {
  return (
    <details class="ws-action" hx-get={`/workspace/${t.id}/${action}`} hx-trigger="toggle" hx-target={`#ws-${action}-${t.id}`} hx-swap="outerHTML">
      <summary class="button secondary small">{v.escape(label)}</summary>
      <div id={`ws-${action}-${t.id}`} class="ws-panel">
        <p class="muted small">{v.escape('desk.ws_history_loading')}</p>
      </div>
    </details>
  )
}

/** The transfer and close forms: posted with htmx into the main panel, the refusal shown on top. */
function PanelForm({ v, t, id, action, error, children }: { v: View; t: Ticket; id: string; action: 'transfer' | 'close'; error: string | null; children: Children }) {
  return (
    <form
      id={id}
      class="ws-panel"
      method="post"
      action={`/workspace/${t.id}/${action}`}
      hx-post={`/workspace/${t.id}/${action}`}
      hx-target="#ws-main"
      hx-swap="innerHTML"
      hx-disable="find button"
      {...formStatus(id)}
    >
      <CsrfField v={v} />
      {error ? (
        <p class="field-error" role="alert" safe>
          {error}
        </p>
      ) : (
        ''
      )}
      {children}
    </form>
  )
}

const PRESENCE_SUFFIX: Record<string, MessageKey | null> = { available: null, paused: 'desk.ws_paused_suffix', offline: 'desk.ws_offline_suffix' }

/** Transfer to an agent (assigned at once) or to a sector's queue, with a note the receiver reads in the conversation. */
export function TransferForm({ v, t, options, values, error }: { v: View; t: Ticket; options: TransferOption[]; values: TransferValues; error: string | null }) {
  const id = `ws-transfer-${t.id}`
  return (
    <PanelForm v={v} t={t} id={id} action="transfer" error={error}>
      <label for={`${id}-target`}>{v.escape('desk.ws_transfer_to')}</label>
      <select id={`${id}-target`} name="target" required aria-invalid={error ? 'true' : undefined}>
        <option value="">{v.escape('desk.ws_transfer_choose')}</option>
        {options.map((o) => (
          <optgroup label={o.sectorName}>
            <option value={`sector:${o.sectorId}`} selected={values.target === `sector:${o.sectorId}`} safe>
              {v.t('desk.ws_transfer_sector_option', { sector: o.sectorName })}
            </option>
            {o.agents
              .filter((a) => a.id !== t.assignee_id || o.sectorId !== t.sector_id)
              .map((a) => {
                const suffix = PRESENCE_SUFFIX[a.presence]
                const value = `user:${a.id}:${o.sectorId}`
                return (
                  <option value={value} selected={values.target === value} disabled={a.presence === 'offline'} safe>
                    {suffix ? `${a.name} ${v.t(suffix)}` : a.name}
                  </option>
                )
              })}
          </optgroup>
        ))}
      </select>
      <label for={`${id}-note`}>{v.escape('desk.ws_transfer_note')}</label>
      <textarea id={`${id}-note`} name="note" rows="3" maxlength="2000" safe>
        {values.note}
      </textarea>
      <p class="hint">{v.escape('desk.ws_transfer_note_hint')}</p>
      <div class="actions">
        <button type="submit">{v.escape('desk.ws_transfer_submit')}</button>
      </div>
    </PanelForm>
  )
}

export function CloseForm({ v, t, classifications, required, values, error }: { v: View; t: Ticket; classifications: Classification[]; required: boolean; values: CloseValues; error: string | null }) {
  const id = `ws-close-${t.id}`
  return (
    <PanelForm v={v} t={t} id={id} action="close" error={error}>
      <label for={`${id}-classification`}>
        {v.escape('desk.ws_close_classification')} {required ? <span class="muted small">{v.escape('desk.ws_close_required')}</span> : ''}
      </label>
      <select id={`${id}-classification`} name="classification_id" required={required} aria-invalid={error ? 'true' : undefined}>
        <option value="">{v.escape(required ? 'desk.ws_transfer_choose' : 'desk.ws_classification_none')}</option>
        {classifications.map((c) => (
          <option value={String(c.id)} selected={values.classification_id === String(c.id)} safe>
            {c.name}
          </option>
        ))}
      </select>
      <label for={`${id}-note`}>{v.escape('desk.ws_close_note')}</label>
      <textarea id={`${id}-note`} name="note" rows="2" maxlength="2000" safe>
        {values.note}
      </textarea>
      <div class="actions">
        <button type="submit" class="danger">
          {v.escape('desk.ws_close_submit')}
        </button>
      </div>
    </PanelForm>
  )
}

// ---- right: the protocol form, the customer, past tickets ------------------------------------------

/** A short fingerprint of a text (FNV-1a), for the live signatures below. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(36)
}

/**
 * What the protocol form and the customer box show, in short: the live stream redraws them when
 * another tab or person changed the ticket (their signature differs) — unless this person has
 * started typing in them (app.js marks them `dirty`).
 */
export const protocolSignature = (t: Ticket) => `${t.status}.${t.classification_id ?? 0}.${t.anonymous ? 1 : 0}.${t.confidential ? 1 : 0}.${fingerprint(t.notes ?? '')}`
export const customerSignature = (t: Ticket) => `${t.customer_id ?? 0}.${t.anonymous ? 1 : 0}`

export function ProtocolForm({ v, t, p }: { v: View; t: Ticket; p: ProtocolData }) {
  const id = `ws-protocol-${t.id}`
  const err = (f: string) =>
    p.problems[f] ? (
      <p class="field-error" id={`${id}-${f}-error`}>
        {v.escape(p.problems[f]!)}
      </p>
    ) : (
      ''
    )
  return (
    <form
      id={id}
      class="card ws-protocol"
      data-sig={protocolSignature(t)}
      data-dirty-tracking
      method="post"
      action={`/workspace/${t.id}/protocol`}
      hx-patch={`/workspace/${t.id}/protocol`}
      hx-target="this"
      hx-swap="outerHTML"
      hx-disable="find button"
      hx-indicator="find .htmx-indicator"
      {...formStatus(id)}
    >
      <h2>{v.escape('desk.ws_protocol_form')}</h2>
      <CsrfField v={v} />
      <p class="ws-protocol-number">
        <span class="muted small">{v.escape('desk.protocol')}</span>{' '}
        <strong class="protocol" safe>
          {t.protocol}
        </strong>{' '}
        <StatusBadge v={v} status={t.status} />
      </p>
      {p.error ? (
        <p class="field-error" role="alert" safe>
          {p.error}
        </p>
      ) : (
        ''
      )}
      <fieldset disabled={!p.editable} class="bare">
        <label for={`${id}-classification`}>{v.escape('desk.ws_close_classification')}</label>
        <select id={`${id}-classification`} name="classification_id" aria-invalid={p.problems.classification_id ? 'true' : undefined}>
          <option value="">{v.escape('desk.ws_classification_none')}</option>
          {p.classifications.map((c) => (
            <option value={String(c.id)} selected={p.values.classification_id === String(c.id)} safe>
              {c.name}
            </option>
          ))}
        </select>
        {err('classification_id')}
        <label for={`${id}-notes`}>{v.escape('desk.ws_notes')}</label>
        <textarea id={`${id}-notes`} name="notes" rows="4" maxlength="10000" aria-invalid={p.problems.notes ? 'true' : undefined} safe>
          {p.values.notes}
        </textarea>
        {err('notes')}
        <input type="hidden" name="switches" value="1" />
        <label class="inline switch">
          <input type="checkbox" name="anonymous" value="1" role="switch" checked={p.values.anonymous} />
          {v.escape('desk.ws_anonymous')} <span class="hint">{v.escape('desk.ws_anonymous_hint')}</span>
        </label>
        {err('anonymous')}
        <label class="inline switch">
          <input type="checkbox" name="confidential" value="1" role="switch" checked={p.values.confidential} />
          {v.escape('desk.ws_confidential')} <span class="hint">{v.escape('desk.ws_confidential_hint')}</span>
        </label>
        <div class="actions">
          <button type="submit" class="small">
            {v.escape('form.save')}
          </button>
          <span class="htmx-indicator muted small">{v.escape('form.saving')}</span>
          {p.saved ? (
            <span class="saved small" role="status">
              ✓ {v.escape('desk.ws_saved')}
            </span>
          ) : (
            ''
          )}
        </div>
      </fieldset>
      {p.editable ? '' : <p class="hint">{v.escape('desk.ws_readonly')}</p>}
    </form>
  )
}

export function CustomerBox({ v, t, c }: { v: View; t: Ticket; c: CustomerBoxData }) {
  const id = `ws-customer-${t.id}`
  return (
    <section id={id} class="card ws-customer" aria-labelledby={`${id}-title`} data-sig={customerSignature(t)} data-dirty-tracking>
      <h2 id={`${id}-title`}>{v.escape('desk.ws_customer')}</h2>
      {c.error ? (
        <p class="field-error" role="alert" safe>
          {c.error}
        </p>
      ) : (
        ''
      )}
      {c.anonymous ? (
        <p class="muted">{v.escape('desk.ws_customer_anonymous')}</p>
      ) : (
        <>
          {c.customer ? (
            <div class="ws-customer-card" hx-ignore>
              <strong class="customer-name" safe>
                {c.customer.name}
              </strong>
              {c.customer.code ? (
                <span class="protocol" safe>
                  {`${c.customer.code_type === 'cnpj' ? 'CNPJ' : 'CPF'} ${formatCode(c.customer.code, c.customer.code_type)}`}
                </span>
              ) : (
                ''
              )}
              {c.typeName ? <span class="muted small" safe>{c.typeName}</span> : ''}
              {c.customer.email ? <span class="small" safe>{c.customer.email}</span> : ''}
              {c.customer.phone ? <span class="small" safe>{formatPhone(c.customer.phone)}</span> : ''}
            </div>
          ) : (
            <p class="muted">{v.escape('desk.ws_customer_none')}</p>
          )}
          {c.customer && c.fields ? <CustomerFieldsForm v={v} ticketId={t.id} box={id} f={c.fields} /> : ''}
          {c.editable && c.customer ? (
            <form method="post" action={`/workspace/${t.id}/customer`} hx-post={`/workspace/${t.id}/customer`} hx-target={`#${id}`} hx-swap="outerHTML" {...formStatus(id)}>
              <CsrfField v={v} />
              <input type="hidden" name="customer_id" value="" />
              <button type="submit" class="small secondary">
                {v.escape('desk.ws_customer_unlink')}
              </button>
            </form>
          ) : (
            ''
          )}
          {c.editable ? (
            <div class="ws-customer-search" role="search">
              <label for={`${id}-q`}>{v.escape('desk.ws_customer_search_label')}</label>
              <input
                id={`${id}-q`}
                type="search"
                name="q"
                maxlength="100"
                autocomplete="off"
                placeholder={v.t('desk.ws_customer_search')}
                hx-get={`/workspace/${t.id}/customers`}
                hx-trigger="input changed delay:300ms, search"
                hx-target={`#${id}-results`}
                hx-swap="innerHTML"
                hx-indicator={`#${id}-searching`}
              />
              <span id={`${id}-searching`} class="htmx-indicator muted small">
                {v.escape('desk.ws_customer_searching')}
              </span>
              <div id={`${id}-results`} class="ws-customer-results" aria-live="polite"></div>
            </div>
          ) : (
            ''
          )}
          {c.editable && c.canCreate ? <CustomerCreate v={v} t={t} c={c} /> : ''}
        </>
      )}
    </section>
  )
}

function CustomerCreate({ v, t, c }: { v: View; t: Ticket; c: CustomerBoxData }) {
  const box = `ws-customer-${t.id}`
  const create = c.create ?? { values: { name: t.contact_name ?? '', code: '', type_id: '', email: '', phone: t.contact_phone ? `+${t.contact_phone.replace(/^\+/, '')}` : '', notes: '' }, problems: {}, open: false }
  return (
    <details class="ws-customer-new" open={create.open}>
      <summary>{v.escape('desk.ws_customer_new')}</summary>
      <form method="post" action={`/workspace/${t.id}/customer/new`} hx-post={`/workspace/${t.id}/customer/new`} hx-target={`#${box}`} hx-swap="outerHTML" hx-disable="find button" {...formStatus(box)}>
        <CsrfField v={v} />
        {Object.keys(create.problems).length ? (
          <p class="field-error" role="alert">
            {v.escape('form.fix_errors')}
          </p>
        ) : (
          ''
        )}
        <CustomerFields v={v} values={create.values} problems={create.problems} types={c.types} prefix={`ws-c${t.id}-`} customFields={c.createFields ?? []} />
        <div class="actions">
          <button type="submit" class="small">
            {v.escape('desk.ws_customer_create')}
          </button>
        </div>
      </form>
    </details>
  )
}

/** The customer search's answer: each match with a "Vincular" button. */
export function CustomerResults({ v, t, q, customers }: { v: View; t: Ticket; q: string; customers: Customer[] }) {
  if (!q.trim()) return ''
  if (customers.length === 0) return <p class="muted small">{v.escape('desk.ws_customer_results_empty', { q })}</p>
  const box = `ws-customer-${t.id}`
  return (
    <ul class="ws-results">
      {customers.map((c) => (
        <li class="row spread">
          <span hx-ignore>
            <strong safe>{c.name}</strong>{' '}
            {c.code ? (
              <span class="protocol muted small" safe>
                {formatCode(c.code, c.code_type)}
              </span>
            ) : (
              ''
            )}
          </span>
          <form method="post" action={`/workspace/${t.id}/customer`} hx-post={`/workspace/${t.id}/customer`} hx-target={`#${box}`} hx-swap="outerHTML" {...formStatus(box)}>
            <CsrfField v={v} />
            <input type="hidden" name="customer_id" value={String(c.id)} />
            <button type="submit" class="small secondary">
              {v.escape('desk.ws_customer_link')}
            </button>
          </form>
        </li>
      ))}
    </ul>
  )
}

export function PastTickets({ v, past }: { v: View; past: PastTicket[] }) {
  return (
    <section class="card ws-past" aria-labelledby="ws-past-title">
      <h2 id="ws-past-title">{v.escape('desk.ws_past')}</h2>
      {past.length === 0 ? (
        <p class="muted small">{v.escape('desk.ws_past_empty')}</p>
      ) : (
        <ul class="ticket-list">
          {past.map(({ t, classification }) => (
            <li>
              <a href={`/workspace/${t.id}`} hx-get={`/workspace/${t.id}`} hx-target="#ws-main" hx-swap="innerHTML" hx-push-url="true">
                <span class="row spread">
                  <span class="protocol" safe>
                    {t.protocol}
                  </span>
                  <StatusBadge v={v} status={t.status} />
                </span>
                <span class="muted small" safe>
                  {[v.date(t.created_at), classification].filter(Boolean).join(' · ')}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** The collapsed history: the contact's earlier tickets, each with its newest messages (read-only). */
export function HistoryList({ v, items, limit }: { v: View; items: { t: Ticket; messages: MessageView[]; truncated: boolean }[]; limit: number }) {
  if (items.length === 0) return <p class="muted small">{v.escape('desk.ws_history_empty')}</p>
  return (
    <>
      {items.map(({ t, messages, truncated }) => (
        <section class="ws-history-ticket" aria-label={v.t('desk.ticket_title', { protocol: t.protocol })}>
          <h3 class="row spread">
            <span>
              {v.escape('desk.protocol')}{' '}
              <span class="protocol" safe>
                {t.protocol}
              </span>
            </span>
            <span class="muted small" safe>
              {v.date(t.created_at)}
            </span>
          </h3>
          {truncated ? <p class="muted small">{v.escape('desk.ws_history_more', { count: limit })}</p> : ''}
          <div class="messages history">
            {messages.map((mv) => (
              <MessageItem v={v} mv={mv} />
            ))}
          </div>
        </section>
      ))}
    </>
  )
}

// ---- quick replies ----------------------------------------------------------------------------------

export function QuickReplyList({ v, q, replies }: { v: View; q: string; replies: { id: number; shortcut: string; text: string }[] }) {
  if (replies.length === 0) {
    return (
      <p class="qr-empty muted small" safe>
        {v.t('desk.qr_empty', { q })}
      </p>
    )
  }
  return (
    <>
      <ul class="qr-options">
        {replies.map((r, i) => (
          <li id={`qr-opt-${r.id}`} role="option" class="qr-option" aria-selected={i === 0 ? 'true' : 'false'} data-text={r.text}>
            <strong class="qr-shortcut" safe>{`/${r.shortcut}`}</strong>
            <span class="qr-text muted small" hx-ignore safe>
              {r.text.length > 140 ? `${r.text.slice(0, 140)}…` : r.text}
            </span>
          </li>
        ))}
      </ul>
      <p class="qr-hint muted small">{v.escape('desk.qr_hint')}</p>
    </>
  )
}

// ---- elsewhere: the offer notice on other pages --------------------------------------------------------

export function OfferNotice({ v, offer }: { v: View; offer: Offer }) {
  return (
    <div
      id="offer-notice"
      class="flash info row spread"
      role="alert"
      data-notify-key={`offer:${offer.id}`}
      data-notify-title={v.t('desk.ws_offer_notify')}
      data-notify-body={v.t('desk.ws_offer_notice')}
      data-notify-url="/workspace"
      data-urgent
    >
      <span>{v.escape('desk.ws_offer_notice')}</span>
      <a class="button small" href="/workspace">
        {v.escape('desk.ws_offer_notice_link')}
      </a>
    </div>
  )
}
