// The conversation view of one ticket: its header, the messages (oldest first) and the composer.
// A message is also the fragment the live stream appends or replaces, so what an agent sees after
// a reload is exactly what arrived live. Everything the customer wrote — text, names, file names,
// contact cards, emoji — is escaped and sits inside an `hx-ignore` element (a second line of
// defence: even markup that slipped through would not be processed by htmx).
import { explainGraphError, isKnownGraphError } from '../../src/channels/whatsapp/errors'
import type { Media } from '../../src/desk/media-store'
import type { Message } from '../../src/desk/messages-store'
import type { Ticket } from '../../src/desk/tickets-store'
import { CsrfField } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'
import { StatusBadge, contactName } from './tickets'

/** A message with what it shows besides itself: its file, the reactions on it, the quoted message. */
export interface MessageView {
  m: Message
  media: Media | null
  /** Current reactions (emoji), one per reacting person. */
  reactions: string[]
  quote: Message | null
}

export interface TicketHeadData {
  t: Ticket
  channel: string
  sector: string | null
  assignee: string | null
}

/** What the composer shows: free text (window open), notes only (window closed) or nothing (closed ticket). */
export type ComposerMode = 'full' | 'notes' | 'closed'

export interface ComposerValues {
  text: string
  note: boolean
}

export interface ConversationPageProps {
  v: View
  head: TicketHeadData
  messages: MessageView[]
  /** Messages older than the ones shown were left out (very long conversations). */
  truncated: boolean
  /** The newest event id when the page was read: the live stream resumes from it (no gap, no double). */
  cursor: number
  composer: { mode: ComposerMode; values: ComposerValues; error: string | null }
}

export function ConversationPage(p: ConversationPageProps) {
  const { v, head } = p
  return (
    <Layout v={v} title={v.t('desk.ticket_title', { protocol: head.t.protocol })}>
      <p class="crumbs">
        <a href="/tickets">← {v.escape('desk.back_to_list')}</a>
      </p>
      <div class="ticket-page">
        <TicketHead v={v} head={head} />
        <section class="conversation card" aria-label={v.t('desk.conversation')}>
          {p.truncated ? <p class="muted small center">{v.escape('desk.older_hidden')}</p> : ''}
          <div
            id={`conversation-${head.t.id}`}
            class="messages"
            role="log"
            aria-live="polite"
            data-conversation
            data-event-cursor={String(p.cursor)}
            data-empty={v.t('desk.conversation_empty')}
          >
            {p.messages.map((mv) => (
              <MessageItem v={v} mv={mv} />
            ))}
          </div>
          <Composer v={v} t={head.t} mode={p.composer.mode} values={p.composer.values} error={p.composer.error} />
        </section>
      </div>
    </Layout>
  )
}

export function TicketHead({ v, head }: { v: View; head: TicketHeadData }) {
  const { t } = head
  return (
    <header id={`ticket-head-${t.id}`} class="ticket-head card">
      <div class="row spread">
        <h1>
          {v.escape('desk.protocol')} <span class="protocol" safe>{t.protocol}</span>
        </h1>
        <StatusBadge v={v} status={t.status} />
      </div>
      <dl class="facts">
        <div>
          <dt>{v.escape('desk.contact')}</dt>
          <dd>
            <strong class="contact-name" hx-ignore safe>
              {contactName(v, t)}
            </strong>{' '}
            <span class="muted wa-id" safe>
              {t.channel_type === 'whatsapp' ? `+${t.contact_key}` : t.contact_key}
            </span>
          </dd>
        </div>
        <div>
          <dt>{v.escape('desk.channel')}</dt>
          <dd safe>{head.channel}</dd>
        </div>
        <div>
          <dt>{v.escape('desk.sector')}</dt>
          <dd safe>{head.sector ?? v.t('desk.no_sector')}</dd>
        </div>
        <div>
          <dt>{v.escape('desk.assignee')}</dt>
          <dd safe>{head.assignee ?? v.t('desk.unassigned')}</dd>
        </div>
      </dl>
    </header>
  )
}

// ---- one message -----------------------------------------------------------------------------

const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker'])

/** A string from customer-provided JSON, or null (the shapes are never trusted). */
const str = (x: unknown): string | null => (typeof x === 'string' && x.trim() ? x : null)
const rec = (x: unknown): Record<string, unknown> | null => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null)

export function authorLabel(v: View, m: Message): string {
  switch (m.author) {
    case 'customer':
      return v.t('desk.author_customer')
    case 'bot':
      return v.t('desk.author_bot')
    case 'system':
      return v.t('desk.author_system')
    default:
      return m.author_name ?? v.t('desk.author_agent')
  }
}

function typeLabel(v: View, type: string): string {
  switch (type) {
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker':
    case 'location':
    case 'contacts':
      return v.t(`desk.type_${type}`)
    default:
      return v.t('desk.type_message')
  }
}

function messageClasses(m: Message): string {
  const c = ['msg', m.direction === 'in' ? 'msg-in' : 'msg-out']
  if (m.type === 'note') c.push('msg-note')
  else if (m.author === 'system' || m.type === 'system') c.push('msg-system')
  else if (m.author === 'bot') c.push('msg-bot')
  if (m.status === 'failed' && m.direction === 'out') c.push('msg-failed')
  if (m.extra?.revoked) c.push('msg-revoked')
  return c.join(' ')
}

export function MessageItem({ v, mv, error }: { v: View; mv: MessageView; error?: string | null }) {
  const { m } = mv
  const at = m.provider_at ?? m.created_at
  const extra = m.extra ?? {}
  return (
    <article id={`message-${m.id}`} class={messageClasses(m)} data-type={m.type} data-status={m.status}>
      <header class="msg-meta">
        <span class="msg-author" safe>
          {authorLabel(v, m)}
        </span>
        <time datetime={new Date(at).toISOString()} safe>
          {v.date(at)}
        </time>
        {m.type === 'note' ? <span class="tag note-tag">{v.escape('desk.note_label')}</span> : ''}
        {m.type === 'template' ? <span class="tag">{v.escape('desk.template_label')}</span> : ''}
        {extra.edited ? <span class="tag">{v.escape('desk.edited')}</span> : ''}
        {extra.forwarded ? <span class="tag">{v.escape(extra.forwarded === 'frequently' ? 'desk.forwarded_many' : 'desk.forwarded')}</span> : ''}
      </header>
      <div class="msg-body" hx-ignore>
        {mv.quote ? <Quote v={v} q={mv.quote} /> : ''}
        <Referral v={v} extra={extra} />
        <MessageContent v={v} mv={mv} />
      </div>
      {mv.reactions.length ? (
        <div class="msg-reactions" aria-label={v.t('desk.reactions')} hx-ignore>
          {mv.reactions.map((e) => (
            <span class="reaction" safe>
              {e}
            </span>
          ))}
        </div>
      ) : (
        ''
      )}
      <MessageFoot v={v} mv={mv} />
      {error ? (
        <p class="field-error" role="alert" safe>
          {error}
        </p>
      ) : (
        ''
      )}
    </article>
  )
}

function Quote({ v, q }: { v: View; q: Message }) {
  const text = q.type === 'reaction' ? null : q.text
  const snippet = text ? (text.length > 160 ? `${text.slice(0, 160)}…` : text) : v.t('desk.quote_media', { type: typeLabel(v, q.type) })
  return (
    <blockquote class="msg-quote" cite={`#message-${q.id}`}>
      <span class="quote-label">{v.escape('desk.quote')}</span>{' '}
      <strong safe>{authorLabel(v, q)}</strong>
      <span class="quote-text" safe>
        {snippet}
      </span>
    </blockquote>
  )
}

function Referral({ v, extra }: { v: View; extra: Record<string, unknown> }) {
  const ref = rec(extra.referral)
  if (!ref) return ''
  const headline = str(ref.headline) ?? str(ref.body)
  return (
    <p class="msg-referral">
      <span class="tag">{v.escape('desk.referral')}</span> {headline ? <span safe>{headline}</span> : ''}
    </p>
  )
}

/** The message's own content by type (inside the hx-ignore body). */
function MessageContent({ v, mv }: { v: View; mv: MessageView }) {
  const { m } = mv
  const extra = m.extra ?? {}
  if (extra.revoked) {
    return (
      <p class="msg-text">
        <em class="revoked-label">{v.escape('desk.revoked')}</em>
        {m.text ? (
          <del class="revoked-text" safe>
            {m.text}
          </del>
        ) : (
          ''
        )}
      </p>
    )
  }
  if (MEDIA_TYPES.has(m.type)) {
    return (
      <>
        <MediaBlock v={v} m={m} media={mv.media} />
        {m.type === 'audio' && extra.voice ? <span class="muted small">{v.escape('desk.voice_note')}</span> : ''}
        <Text text={m.text} />
        <ProviderError v={v} m={m} />
      </>
    )
  }
  switch (m.type) {
    case 'location':
      return <Location v={v} m={m} />
    case 'contacts':
      return <ContactCards v={v} cards={Array.isArray(extra.contacts) ? extra.contacts : []} fallback={m.text} />
    case 'interactive': {
      const reply = rec(extra.interactive) ?? {}
      const kind = str(reply.kind)
      const label = kind === 'list_reply' ? 'desk.reply_list' : kind === 'nfm_reply' ? 'desk.reply_flow' : 'desk.reply_button'
      const title = str(reply.title) ?? str(reply.description) ?? m.text ?? str(reply.flowName) ?? ''
      return (
        <p class="msg-reply" data-reply-id={str(reply.id) ?? undefined} data-reply-kind={kind ?? undefined}>
          <span class="msg-text" safe>
            {title}
          </span>{' '}
          <span class="tag">{v.escape(label)}</span>
        </p>
      )
    }
    case 'button':
      return (
        <p class="msg-reply" data-reply-id={str(extra.button_payload) ?? undefined}>
          <span class="msg-text" safe>
            {m.text ?? ''}
          </span>{' '}
          <span class="tag">{v.escape('desk.reply_template')}</span>
        </p>
      )
    case 'order': {
      const order = rec(extra.order)
      const count = Array.isArray(order?.productItems) ? order.productItems.length : 0
      return (
        <>
          <p class="tag-line">{v.escape('desk.order', { count })}</p>
          <Text text={m.text} />
        </>
      )
    }
    case 'unsupported': {
      const raw = str(extra.raw_type)
      if (raw === 'revoke') return <p class="msg-text"><em class="revoked-label">{v.escape('desk.revoked')}</em></p>
      if (raw === 'edit' && m.text) {
        return (
          <>
            <Text text={m.text} />
            <span class="tag">{v.escape('desk.edited')}</span>
          </>
        )
      }
      const type = str(extra.unsupported_type) ?? raw ?? '?'
      return (
        <>
          <p class="msg-unsupported">{v.escape('desk.unsupported', { type })}</p>
          <ProviderError v={v} m={m} />
        </>
      )
    }
    default:
      // text, note, template, system and the protocol/transfer lines of the system
      return (
        <>
          <Text text={m.text} />
          {m.direction === 'in' ? <ProviderError v={v} m={m} /> : ''}
        </>
      )
  }
}

const Text = ({ text }: { text: string | null }) =>
  text ? (
    <p class="msg-text" safe>
      {text}
    </p>
  ) : (
    ''
  )

/** An error Meta attached to an inbound message (e.g. 131052: the file was too large to fetch). */
function ProviderError({ v, m }: { v: View; m: Message }) {
  if (m.direction !== 'in' || (m.error_code === null && !m.error_title && !m.error_message)) return ''
  const explained = m.error_code !== null && isKnownGraphError(m.error_code) ? explainGraphError(m.error_code, v.lang) : null
  const detail = m.error_message ?? m.error_title
  return (
    <p class="msg-provider-error" safe>
      {[explained ?? (m.error_code !== null ? explainGraphError(m.error_code, v.lang) : null), detail].filter(Boolean).join(' — ')}
    </p>
  )
}

const formatSize = (v: View, bytes: number | null) => {
  if (!bytes) return ''
  const n = new Intl.NumberFormat(v.lang, { maximumFractionDigits: 1 })
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1_000_000) return `${n.format(bytes / 1000)} KB`
  return `${n.format(bytes / 1_000_000)} MB`
}

function MediaBlock({ v, m, media }: { v: View; m: Message; media: Media | null }) {
  if (!media) return ''
  if (media.status === 'pending') return <p class="media-state">{v.escape('desk.media_downloading')}</p>
  if (media.status === 'failed') return <p class="media-state failed">{v.escape('desk.media_unavailable')}</p>
  const src = `/media/${media.id}`
  switch (m.type) {
    case 'image':
      return (
        <a href={src} class="media-link" download="">
          <img class="media-image" src={src} alt={v.t('desk.media_image')} loading="lazy" />
        </a>
      )
    case 'sticker':
      return <img class="media-sticker" src={src} alt={v.t('desk.media_sticker')} loading="lazy" />
    case 'audio':
      return <audio class="media-audio" controls="" preload="metadata" src={src}></audio>
    case 'video':
      return <video class="media-video" controls src={src}></video>
    default: {
      const name = media.filename ?? v.t('desk.type_document')
      return (
        <a class="media-doc" href={src} download="">
          <span class="doc-icon" aria-hidden="true">
            📄
          </span>
          <span class="doc-name" safe>
            {name}
          </span>
          <span class="muted small" safe>
            {formatSize(v, media.size)}
          </span>
        </a>
      )
    }
  }
}

function Location({ v, m }: { v: View; m: Message }) {
  const loc = m.location ?? {}
  const lat = typeof loc.latitude === 'number' && Number.isFinite(loc.latitude) ? loc.latitude : null
  const lon = typeof loc.longitude === 'number' && Number.isFinite(loc.longitude) ? loc.longitude : null
  const name = str(loc.name)
  const address = str(loc.address)
  return (
    <div class="msg-location">
      <span class="tag">{v.escape('desk.location')}</span>
      {name ? <strong safe>{name}</strong> : ''}
      {address ? <span class="address" safe>{address}</span> : ''}
      {lat !== null && lon !== null ? (
        <a href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`} target="_blank" rel="noopener noreferrer">
          {v.escape('desk.location_open')}
        </a>
      ) : (
        ''
      )}
    </div>
  )
}

function ContactCards({ v, cards, fallback }: { v: View; cards: unknown[]; fallback: string | null }) {
  const shown = cards.map(rec).filter((c): c is Record<string, unknown> => c !== null)
  if (!shown.length) return <Text text={fallback} />
  return (
    <div class="contact-cards">
      {shown.map((c) => {
        const nameObj = rec(c.name)
        const name = str(nameObj?.formatted_name) ?? [str(nameObj?.first_name), str(nameObj?.last_name)].filter(Boolean).join(' ')
        const org = str(rec(c.org)?.company)
        const phones = (Array.isArray(c.phones) ? c.phones : []).map(rec).map((p) => str(p?.phone) ?? str(p?.wa_id)).filter((p): p is string => p !== null)
        const emails = (Array.isArray(c.emails) ? c.emails : []).map(rec).map((e) => str(e?.email)).filter((e): e is string => e !== null)
        return (
          <div class="contact-card">
            <span class="tag">{v.escape('desk.contacts_card')}</span>
            <strong safe>{name || v.t('desk.no_name')}</strong>
            {org ? <span class="muted" safe>{org}</span> : ''}
            {phones.map((p) => (
              <span class="contact-line">
                {v.escape('desk.contact_phone')}: <span safe>{p}</span>
              </span>
            ))}
            {emails.map((e) => (
              <span class="contact-line">
                {v.escape('desk.contact_email')}: <span safe>{e}</span>
              </span>
            ))}
          </div>
        )
      })}
    </div>
  )
}

/** Why a message failed, in plain words: Meta's code explained, else what the provider said. */
export function failureReason(v: View, m: Message): string {
  if (m.error_code !== null && isKnownGraphError(m.error_code)) return explainGraphError(m.error_code, v.lang)
  return m.error_message ?? m.error_title ?? explainGraphError(m.error_code, v.lang)
}

/** Delivery ticks, the failure with "Tentar novamente", or the media retry (outside hx-ignore). */
function MessageFoot({ v, mv }: { v: View; mv: MessageView }) {
  const { m, media } = mv
  const mediaRetry =
    media?.status === 'failed' ? (
      <RetryForm v={v} action={`/tickets/${m.ticket_id}/media/${media.id}/retry`} target={m.id} />
    ) : (
      ''
    )
  if (m.direction !== 'out' || m.type === 'note') return mediaRetry ? <footer class="msg-foot">{mediaRetry}</footer> : ''
  return (
    <footer class="msg-foot">
      {m.status === 'failed' ? (
        <div class="send-failed" role="alert">
          <strong>{v.escape('desk.send_failed')}:</strong>{' '}
          <span class="reason" safe>
            {failureReason(v, m)}
          </span>
          <RetryForm v={v} action={`/tickets/${m.ticket_id}/messages/${m.id}/retry`} target={m.id} />
        </div>
      ) : (
        <Ticks v={v} m={m} />
      )}
      {mediaRetry}
    </footer>
  )
}

function Ticks({ v, m }: { v: View; m: Message }) {
  switch (m.status) {
    case 'queued':
      return (
        <span class="ticks queued">
          <span aria-hidden="true">🕓</span> {v.escape('desk.tick_queued')}
        </span>
      )
    case 'sent':
      return (
        <span class="ticks sent" title={v.t('desk.tick_sent')} aria-label={v.t('desk.tick_sent')}>
          ✓
        </span>
      )
    case 'delivered':
      return (
        <span class="ticks delivered" title={v.t('desk.tick_delivered')} aria-label={v.t('desk.tick_delivered')}>
          ✓✓
        </span>
      )
    case 'read':
      return (
        <span class="ticks read" title={v.t('desk.tick_read')} aria-label={v.t('desk.tick_read')}>
          ✓✓
        </span>
      )
    default:
      return ''
  }
}

/** A "Tentar novamente" button: htmx swaps the message in place; without JavaScript a plain POST. */
function RetryForm({ v, action, target }: { v: View; action: string; target: number }) {
  return (
    <form class="inline-form" method="post" action={action} hx-post={action} hx-target={`#message-${target}`} hx-swap="outerHTML" hx-disable="find button">
      <CsrfField v={v} />
      <button type="submit" class="small secondary">
        {v.escape('desk.retry')}
      </button>
    </form>
  )
}

// ---- composer --------------------------------------------------------------------------------

/**
 * Status handling (htmx 4 swaps every status but 204/304): 409 and 422 are our own answers — the
 * composer again, with the message and what was typed; any other error page (403 CSRF, 413, 5xx)
 * only lends its message to the feedback line, the composer stays as it is.
 */
const statusHandling = (id: number) => {
  const elsewhere = `target:#composer-${id}-feedback select:'.errorpage p:not(:has(a))' swap:innerHTML`
  return { 'hx-status:409': 'swap:outerHTML', 'hx-status:422': 'swap:outerHTML', 'hx-status:4xx': elsewhere, 'hx-status:5xx': elsewhere }
}

/**
 * The composer of a ticket. Typing `/atalho` opens the quick-replies picker (public/app.js asks
 * `data-qr-url` for the matching replies); a file can be dropped on it. `workspace`: the agent
 * workspace's variant — its answers come back as this variant (`ui=workspace`) and, outside the
 * 24-hour window, it links to the template flow (src/templates) when the agent may send templates.
 */
export function Composer({ v, t, mode, values, error, workspace = false }: { v: View; t: Ticket; mode: ComposerMode; values: ComposerValues; error: string | null; workspace?: boolean }) {
  const id = t.id
  if (mode === 'closed') {
    return (
      <div id={`composer-${id}`} class="composer composer-closed" role="status">
        <strong>{v.escape('desk.closed_banner')}</strong> {v.escape('desk.ticket_closed')}
        {error ? (
          <p class="field-error" role="alert" safe>
            {error}
          </p>
        ) : (
          ''
        )}
      </div>
    )
  }
  const action = `/tickets/${id}/messages`
  const notesOnly = mode === 'notes'
  const noteChecked = notesOnly || values.note
  return (
    <form
      id={`composer-${id}`}
      class={`composer${notesOnly ? ' notes-only' : ''}`}
      data-window={notesOnly ? 'closed' : 'open'}
      data-workspace={workspace ? '' : undefined}
      data-dropzone={notesOnly ? undefined : v.t('desk.drop_here')}
      method="post"
      action={action}
      enctype="multipart/form-data"
      hx-post={action}
      hx-encoding="multipart/form-data"
      hx-target="this"
      hx-swap="outerHTML"
      hx-indicator="find .htmx-indicator"
      hx-disable="find button[type=submit]"
      {...statusHandling(id)}
    >
      <CsrfField v={v} />
      {workspace ? <input type="hidden" name="ui" value="workspace" /> : ''}
      {notesOnly ? (
        <div class="window-banner" role="status">
          <strong>{v.escape('desk.window_closed')}</strong>
          <p>{v.escape('desk.window_banner_hint')}</p>
          <div class="row">
            {t.channel_type === 'whatsapp' && v.can('templates.send') ? (
              <>
                <a class="button secondary small" href={`/tickets/${id}/template`}>
                  {v.escape('desk.window_send_template')}
                </a>
                <span class="hint">{v.escape('desk.window_template_hint')}</span>
              </>
            ) : (
              <span class="hint">{v.escape('desk.window_no_template_permission')}</span>
            )}
          </div>
        </div>
      ) : (
        ''
      )}
      <div id={`composer-${id}-feedback`} class="composer-feedback" role="alert">
        {error ? <span safe>{error}</span> : ''}
      </div>
      <label for={`composer-${id}-text`} class="skip">
        {v.escape(notesOnly ? 'desk.composer_note_label' : 'desk.composer_label')}
      </label>
      <textarea
        id={`composer-${id}-text`}
        name="text"
        rows="3"
        data-enter-send
        data-qr-url={`/workspace/quick-replies?ticket=${id}`}
        data-qr-list={`composer-${id}-qr`}
        aria-autocomplete="list"
        aria-controls={`composer-${id}-qr`}
        placeholder={v.t(notesOnly ? 'desk.composer_note_placeholder' : 'desk.composer_placeholder')}
        aria-invalid={error ? 'true' : undefined}
        safe
      >
        {values.text}
      </textarea>
      <div id={`composer-${id}-qr`} class="qr-picker" role="listbox" aria-label={v.t('desk.qr_label')} hidden></div>
      <div class="composer-tools row">
        {notesOnly ? (
          <input type="hidden" name="note" value="1" />
        ) : (
          <>
            <label class="inline note-toggle">
              <input type="checkbox" name="note" value="1" checked={noteChecked} id={`composer-${id}-note`} />
              {v.escape('desk.composer_note')} <span class="hint">({v.escape('desk.composer_note_hint')})</span>
            </label>
            <label class="inline attach">
              <span>{v.escape('desk.composer_attach')}</span>
              <input
                type="file"
                name="file"
                id={`composer-${id}-file`}
                accept="image/jpeg,image/png,image/webp,audio/*,video/mp4,video/3gpp,application/pdf,text/plain,.doc,.docx,.xls,.xlsx,.ppt,.pptx"
              />
            </label>
          </>
        )}
        <span class="grow"></span>
        <span class="htmx-indicator muted">
          {v.escape('desk.composer_sending')}
        </span>
        <button type="submit">{v.escape(notesOnly ? 'desk.composer_save_note' : 'desk.composer_send')}</button>
      </div>
    </form>
  )
}
