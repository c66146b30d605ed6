// The tickets list (filter tabs, active search, cursor pages) and the small ticket lists of the
// home page. A row is also the fragment the live stream swaps when its ticket changes.
import type { Ticket, TicketStatus } from '../../src/desk/tickets-store'
import type { MessageKey } from '../../src/i18n'
import { DataTable, Empty } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

/** A ticket with the names its row shows (looked up once per request by the route). */
export interface TicketRowData {
  t: Ticket
  channel: string
  sector: string | null
  assignee: string | null
}

export type TicketTab = TicketStatus | 'all'
export const TABS: readonly TicketTab[] = ['queued', 'open', 'closed', 'all']
const TAB_LABEL: Record<TicketTab, MessageKey> = { queued: 'desk.tab_queued', open: 'desk.tab_open', closed: 'desk.tab_closed', all: 'desk.tab_all', bot: 'desk.status_bot' }

export const statusKey = (s: TicketStatus): MessageKey => `desk.status_${s}`

export function StatusBadge({ v, status }: { v: View; status: TicketStatus }) {
  return <span class={`badge status-${status}`}>{v.escape(statusKey(status))}</span>
}

/** The contact's display name, or a neutral placeholder (never empty). */
export const contactName = (v: View, t: Ticket) => t.contact_name?.trim() || v.t('desk.no_name')

export interface ListState {
  tab: TicketTab
  q: string
  rows: TicketRowData[]
  /** id to continue from (older tickets), null on the last page */
  next: number | null
  /** true when this is not the first page */
  paged: boolean
}

const listQuery = (tab: TicketTab, q: string, before?: number) => {
  const p = new URLSearchParams()
  if (tab !== 'all') p.set('status', tab)
  if (q) p.set('q', q)
  if (before) p.set('before', String(before))
  const s = p.toString()
  return s ? `?${s}` : ''
}

export function TicketsPage({ v, state }: { v: View; state: ListState }) {
  return (
    <Layout v={v} title={v.t('desk.tickets_title')}>
      <h1>{v.escape('desk.tickets_title')}</h1>
      <nav class="tabs" aria-label={v.t('desk.tabs_label')}>
        {TABS.map((tab) => (
          <a href={`/tickets${listQuery(tab, state.q)}`} class="tab" aria-current={tab === state.tab ? 'page' : undefined}>
            {v.escape(TAB_LABEL[tab])}
          </a>
        ))}
      </nav>
      <form class="search row" method="get" action="/tickets" role="search">
        {state.tab !== 'all' ? <input type="hidden" name="status" value={state.tab} /> : ''}
        <input
          type="search"
          name="q"
          value={state.q}
          maxlength="100"
          placeholder={v.t('desk.search')}
          aria-label={v.t('desk.search')}
          hx-get="/tickets/rows"
          hx-include="closest form"
          hx-trigger="input changed delay:300ms, search"
          hx-target="#tickets-rows"
          hx-swap="outerHTML"
          hx-indicator="#tickets-searching"
        />
        <button type="submit" class="secondary">
          {v.escape('desk.search_submit')}
        </button>
        <span id="tickets-searching" class="htmx-indicator muted">
          {v.escape('desk.searching')}
        </span>
      </form>
      <TicketsRows v={v} state={state} />
    </Layout>
  )
}

/** The table and its pager; also the fragment the search box swaps in. */
export function TicketsRows({ v, state }: { v: View; state: ListState }) {
  return (
    <div id="tickets-rows" class="spaced">
      {state.rows.length === 0 ? (
        state.q ? (
          <Empty title={v.t('desk.search_empty', { q: state.q })} hint={v.t('desk.search_empty_hint')} />
        ) : (
          <Empty title={v.t('desk.list_empty')} hint={v.t('desk.list_empty_hint')} />
        )
      ) : (
        <DataTable
          v={v}
          wrap
          class="tickets"
          head={['desk.col_protocol', 'desk.col_contact', { key: 'desk.col_channel', class: 'optional' }, 'desk.col_status', { key: 'desk.col_sector', class: 'optional' }, 'desk.col_updated']}
          rows={state.rows}
          row={(r) => <TicketRow v={v} row={r} />}
        />
      )}
      <nav class="pager" aria-label="pagination">
        {state.paged ? <a href={`/tickets${listQuery(state.tab, state.q)}`}>← {v.escape('desk.newest')}</a> : <span></span>}
        {state.next ? (
          <a href={`/tickets${listQuery(state.tab, state.q, state.next)}`}>
            {v.escape('desk.older')} →
          </a>
        ) : (
          ''
        )}
      </nav>
    </div>
  )
}

export function TicketRow({ v, row }: { v: View; row: TicketRowData }) {
  const { t } = row
  return (
    <tr id={`ticket-row-${t.id}`}>
      <td>
        <a href={`/tickets/${t.id}`} class="protocol" safe>
          {t.protocol}
        </a>
      </td>
      <td>
        <span class="contact-name" hx-ignore safe>
          {contactName(v, t)}
        </span>
      </td>
      <td class="optional" safe>
        {row.channel}
      </td>
      <td>
        <StatusBadge v={v} status={t.status} />
      </td>
      <td class="optional" safe>
        {row.sector ?? v.t('desk.no_sector')}
      </td>
      <td>
        <time datetime={new Date(t.updated_at).toISOString()} safe>
          {v.date(t.updated_at)}
        </time>
      </td>
    </tr>
  )
}

/** A short list of tickets for the home page (mine, or my sectors' queue). */
export function HomeTicketList({ v, id, rows, empty, hint }: { v: View; id: string; rows: TicketRowData[]; empty: MessageKey; hint?: MessageKey }) {
  return (
    <div id={id}>
      {rows.length === 0 ? (
        <Empty title={v.t(empty)} hint={hint ? v.t(hint) : undefined} />
      ) : (
        <ul class="ticket-list">
          {rows.map(({ t, channel, sector }) => (
            <li>
              <a href={`/tickets/${t.id}`}>
                <strong class="contact-name" hx-ignore safe>
                  {contactName(v, t)}
                </strong>
                <span class="muted" safe>
                  {`${t.protocol} · ${channel}${sector ? ` · ${sector}` : ''}`}
                </span>
                <span class="muted small" safe>
                  {t.status === 'queued' && t.queued_at ? v.t('desk.waiting_since', { time: v.date(t.queued_at) }) : v.date(t.updated_at)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** The home page's "Meus atendimentos" list (also swapped in by the live stream). */
export const HomeMine = ({ v, rows }: { v: View; rows: TicketRowData[] }) => <HomeTicketList v={v} id="home-mine" rows={rows} empty="home.tickets_empty" hint="home.tickets_empty_hint" />
/** The home page's "Fila dos meus setores" list, longest waiting first. */
export const HomeQueue = ({ v, rows }: { v: View; rows: TicketRowData[] }) => <HomeTicketList v={v} id="home-queue" rows={rows} empty="desk.home_queue_empty" hint="desk.home_queue_empty_hint" />
