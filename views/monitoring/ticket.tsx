// A ticket as a supervisor opens it from the monitoring page: read-only (no composer), with the
// whisper (an internal note the customer never sees) for those allowed, and the move panel.
import type { Ticket } from '../../src/desk/tickets-store'
import { CsrfField } from '../components'
import { MessageItem, TicketHead, type MessageView } from '../desk/conversation'
import { Layout } from '../layout'
import type { View } from '../view'

export interface MoveTarget {
  /** `sector:<id>` or `agent:<user id>:<sector id>` */
  value: string
  sector: string
  agent: string | null
  presence: 'available' | 'paused' | 'offline' | null
  current: boolean
}

export interface ReadOnlyTicketProps {
  v: View
  t: Ticket
  sector: string | null
  agent: string | null
  channel: string
  messages: MessageView[]
  canWhisper: boolean
  cursor: number
}

export function ReadOnlyTicketPage(p: ReadOnlyTicketProps) {
  const { v, t } = p
  return (
    <Layout v={v} title={v.t('desk.ticket_title', { protocol: t.protocol })}>
      <p class="crumbs">
        <a href="/monitoring">← {v.escape('monitoring.back')}</a>
      </p>
      <div class="ticket-page">
        <TicketHead v={v} head={{ t, channel: p.channel, sector: p.sector, assignee: p.agent }} />
        <p class="flash info">{v.escape('monitoring.read_only')}</p>
        <div class="row">
          <a class="button secondary small" href={`/monitoring/tickets/${t.id}/move`} hx-get={`/monitoring/tickets/${t.id}/move`} hx-target="#monitoring-panel" hx-swap="innerHTML">
            {v.escape('monitoring.move')}
          </a>
          {t.status === 'queued' ? (
            <form method="post" action={`/monitoring/tickets/${t.id}/take`} class="inline-form">
              <CsrfField v={v} />
              <button type="submit" class="small">
                {v.escape('monitoring.take')}
              </button>
            </form>
          ) : (
            ''
          )}
        </div>
        <div id="monitoring-flash" role="status" aria-live="polite"></div>
        <div id="monitoring-panel"></div>
        <section class="conversation card" aria-label={v.t('desk.conversation')}>
          <div
            id={`conversation-${t.id}`}
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
          {p.canWhisper && t.status !== 'closed' ? (
            <form class="composer" method="post" action={`/monitoring/tickets/${t.id}/note`} hx-post={`/monitoring/tickets/${t.id}/note`} hx-target="#monitoring-flash" hx-swap="innerHTML">
              <CsrfField v={v} />
              <label for="whisper">{v.escape('monitoring.whisper')}</label>
              <textarea id="whisper" name="text" rows="2" maxlength="10000" placeholder={v.t('monitoring.whisper_hint')}></textarea>
              <div class="actions">
                <button type="submit" class="small">
                  {v.escape('monitoring.whisper_send')}
                </button>
              </div>
            </form>
          ) : (
            ''
          )}
        </section>
      </div>
    </Layout>
  )
}

/** Move a ticket: to a sector's queue, or straight to an agent (of a sector in scope, not offline). */
export function MovePanel({ v, t, targets }: { v: View; t: Ticket; targets: MoveTarget[] }) {
  const sectors = targets.filter((x) => x.agent === null)
  const agents = targets.filter((x) => x.agent !== null)
  return (
    <form class="card" method="post" action={`/monitoring/tickets/${t.id}/move`} hx-post={`/monitoring/tickets/${t.id}/move`} hx-target="#monitoring-flash" hx-swap="innerHTML">
      <CsrfField v={v} />
      <h2>{v.escape('monitoring.move_title', { protocol: t.protocol })}</h2>
      <label for={`move-to-${t.id}`}>{v.escape('monitoring.move_to')}</label>
      <select id={`move-to-${t.id}`} name="to" required>
        <option value="">{v.escape('monitoring.move_pick')}</option>
        <optgroup label={v.t('monitoring.move_sectors')}>
          {sectors.map((x) => (
            <option value={x.value} disabled={x.current}>
              {v.escape('monitoring.move_sector_option', { sector: x.sector })}
            </option>
          ))}
        </optgroup>
        <optgroup label={v.t('monitoring.move_agents')}>
          {agents.map((x) => (
            <option value={x.value} disabled={x.current}>
              {v.escape('monitoring.move_agent_option', { agent: x.agent ?? '', sector: x.sector, presence: v.t(`presence.${x.presence ?? 'offline'}`) })}
            </option>
          ))}
        </optgroup>
      </select>
      <label for={`move-note-${t.id}`}>{v.escape('monitoring.move_note')}</label>
      <input id={`move-note-${t.id}`} type="text" name="note" maxlength="2000" />
      <div class="actions">
        <button type="submit">{v.escape('monitoring.move_submit')}</button>
      </div>
    </form>
  )
}

/** The move panel on its own page (without JavaScript). */
export function MovePage({ v, t, panel }: { v: View; t: Ticket; panel: JSX.Element }) {
  return (
    <Layout v={v} title={v.t('monitoring.move_title', { protocol: t.protocol })}>
      <p class="crumbs">
        <a href="/monitoring">← {v.escape('monitoring.back')}</a>
      </p>
      <div id="monitoring-flash" role="status" aria-live="polite"></div>
      {panel}
    </Layout>
  )
}

