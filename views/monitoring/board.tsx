// The live monitoring page (monitoramento): sectors, agents, and the tickets waiting and open. The
// board is also the fragment the page's own event stream (/monitoring/stream) swaps in when
// something changes; the action panel beside it is not touched by those swaps.
import type { AgentBoard, Board, SectorBoard, TicketBoard, WaitLevel } from '../../src/monitoring/board'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, DataTable, Empty, PresenceDot } from '../components'
import { Layout } from '../layout'
import { duration } from '../reports/format'
import type { View } from '../view'

const LEVEL_CLASS: Record<WaitLevel, string> = { ok: 'badge ok', warn: 'badge status-queued', late: 'badge off' }
const LEVEL_LABEL: Record<WaitLevel, MessageKey> = { ok: 'monitoring.level_ok', warn: 'monitoring.level_warn', late: 'monitoring.level_late' }

/** A wait, coloured against the sector's target (the level is also said in words). */
export function WaitBadge({ v, ms, level }: { v: View; ms: number | null; level: WaitLevel }) {
  if (ms === null) return <span class="muted">{v.escape('monitoring.answered')}</span>
  return (
    <span class={LEVEL_CLASS[level]} title={v.t(LEVEL_LABEL[level])} data-level={level}>
      <span safe>{duration(ms)}</span>
      <span class="skip" safe>{` (${v.t(LEVEL_LABEL[level])})`}</span>
    </span>
  )
}

export function MonitoringPage({ v, board }: { v: View; board: Board }) {
  return (
    <Layout v={v} title={v.t('monitoring.title')}>
      <div class="row spread">
        <h1>{v.escape('monitoring.title')}</h1>
        <span class="muted small">{v.escape(board.scope.all ? 'monitoring.scope_all' : 'monitoring.scope_sectors')}</span>
      </div>
      <div id="monitoring-live" hx-sse:connect="/monitoring/stream" hx-swap="none"></div>
      <div id="monitoring-flash" role="status" aria-live="polite"></div>
      <div id="monitoring-panel"></div>
      <BoardView v={v} board={board} />
    </Layout>
  )
}

export function BoardView({ v, board }: { v: View; board: Board }) {
  return (
    <div id="monitoring-board" data-updated={String(board.now)}>
      <p class="muted small">{v.escape('monitoring.updated_at', { when: v.date(board.now) })}</p>
      <h2>{v.escape('monitoring.sectors')}</h2>
      {board.sectors.length === 0 ? <Empty title={v.t('monitoring.no_sectors')} hint={v.t('monitoring.no_sectors_hint')} /> : <SectorsTable v={v} sectors={board.sectors} />}
      <h2>{v.escape('monitoring.agents')}</h2>
      {board.agents.length === 0 ? <Empty title={v.t('monitoring.no_agents')} /> : <AgentsTable v={v} agents={board.agents} />}
      <h2>{v.escape('monitoring.waiting_title', { n: board.waiting_total })}</h2>
      <TicketsTable v={v} rows={board.waiting} kind="queued" total={board.waiting_total} />
      <h2>{v.escape('monitoring.open_title', { n: board.open_total })}</h2>
      <TicketsTable v={v} rows={board.open} kind="open" total={board.open_total} />
    </div>
  )
}

function SectorsTable({ v, sectors }: { v: View; sectors: SectorBoard[] }) {
  return (
    <DataTable
      v={v}
      wrap
      class="monitoring-sectors"
      head={['monitoring.col_sector', 'monitoring.col_in_bot', 'monitoring.col_waiting', 'monitoring.col_longest', 'monitoring.col_open', 'monitoring.col_closed_today', 'monitoring.col_agents']}
      rows={sectors}
      row={(s) => (
        <tr id={`monitor-sector-${s.id}`}>
          <td safe>{s.name}</td>
          <td data-cell="in_bot">{s.in_bot}</td>
          <td data-cell="waiting">{s.waiting}</td>
          <td>{s.waiting ? <WaitBadge v={v} ms={s.longest_wait_ms} level={s.level} /> : <span class="muted">—</span>}</td>
          <td data-cell="open">{s.open}</td>
          <td data-cell="closed_today">{s.closed_today}</td>
          <td>
            <span title={v.t('presence.available')}>
              <PresenceDot status="available" /> <span data-cell="available">{s.available}</span>
            </span>{' '}
            <span title={v.t('presence.paused')}>
              <PresenceDot status="paused" /> <span data-cell="paused">{s.paused}</span>
            </span>{' '}
            <span title={v.t('presence.offline')}>
              <PresenceDot status="offline" /> <span data-cell="offline">{s.offline}</span>
            </span>
            <span class="skip">{v.escape('monitoring.agents_counts', { available: s.available, paused: s.paused, offline: s.offline })}</span>
          </td>
        </tr>
      )}
    />
  )
}

const TYPE_LABEL: Record<string, MessageKey> = { whatsapp: 'monitoring.type_whatsapp', webchat: 'monitoring.type_webchat', email: 'monitoring.type_email' }

function AgentsTable({ v, agents }: { v: View; agents: AgentBoard[] }) {
  const now = Date.now()
  return (
    <DataTable
      v={v}
      wrap
      class="monitoring-agents"
      head={['monitoring.col_agent', 'monitoring.col_presence', 'monitoring.col_load', 'monitoring.col_closed_today', 'monitoring.col_handle_avg', 'monitoring.col_missed', 'monitoring.col_force']}
      rows={agents}
      row={(a) => (
        <tr id={`monitor-agent-${a.id}`}>
          <td safe>{a.name}</td>
          <td>
            <PresenceDot status={a.presence} /> <span data-cell="presence">{v.escape(`presence.${a.presence}`)}</span>{' '}
            <span class="muted small">{v.escape('monitoring.for', { time: duration(now - a.since) })}</span>
            {a.reason ? (
              <span class="muted small" safe>
                {` · ${a.reason}`}
              </span>
            ) : (
              ''
            )}
          </td>
          <td data-cell="load">
            {a.loads.map((l) => (
              <span class={l.open >= l.cap ? 'badge off' : 'badge'} title={v.t(TYPE_LABEL[l.type])} safe>
                {`${v.t(TYPE_LABEL[l.type])} ${l.open}/${l.cap}`}
              </span>
            ))}
          </td>
          <td data-cell="closed_today">{a.closed_today}</td>
          <td safe>{a.handle_avg_s === null ? '—' : duration(a.handle_avg_s * 1000)}</td>
          <td data-cell="missed">{a.missed_today}</td>
          <td>
            <form class="row" method="post" action={`/monitoring/agents/${a.id}/presence`} hx-post={`/monitoring/agents/${a.id}/presence`} hx-target="#monitoring-flash" hx-swap="innerHTML">
              <CsrfField v={v} />
              <select name="status" aria-label={v.t('monitoring.force_label', { name: a.name })}>
                {(['available', 'paused', 'offline'] as const).map((p) => (
                  <option value={p} selected={a.presence === p}>
                    {v.escape(`presence.${p}`)}
                  </option>
                ))}
              </select>
              <input name="reason" maxlength="120" placeholder={v.t('presence.reason_placeholder')} aria-label={v.t('presence.reason')} />
              <button type="submit" class="small secondary">
                {v.escape('monitoring.force')}
              </button>
            </form>
          </td>
        </tr>
      )}
    />
  )
}

function TicketsTable({ v, rows, kind, total }: { v: View; rows: TicketBoard[]; kind: 'queued' | 'open'; total: number }) {
  if (rows.length === 0) return <Empty title={v.t(kind === 'queued' ? 'monitoring.none_waiting' : 'monitoring.none_open')} />
  return (
    <div class="table-wrap">
      <table class={`monitoring-tickets ${kind}`}>
        <thead>
          <tr>
            <th>{v.escape('monitoring.col_protocol')}</th>
            <th>{v.escape('monitoring.col_contact')}</th>
            <th>{v.escape('monitoring.col_sector')}</th>
            <th>{v.escape('monitoring.col_channel')}</th>
            {kind === 'open' ? <th>{v.escape('monitoring.col_agent')}</th> : ''}
            <th>{v.escape(kind === 'queued' ? 'monitoring.col_wait' : 'monitoring.col_reply_wait')}</th>
            <th>{v.escape('monitoring.col_actions')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr id={`monitor-ticket-${t.id}`}>
              <td>
                <a class="protocol" href={`/monitoring/tickets/${t.id}`} safe>
                  {t.protocol}
                </a>
              </td>
              <td>
                {t.hidden ? (
                  <span class="muted">{v.escape('monitoring.confidential')}</span>
                ) : (
                  <span class="contact-name" hx-ignore safe>
                    {t.contact?.trim() || v.t('desk.no_name')}
                  </span>
                )}
              </td>
              <td safe>{t.sector ?? '—'}</td>
              <td>{v.escape(TYPE_LABEL[t.channel_type] ?? 'monitoring.type_whatsapp')}</td>
              {kind === 'open' ? <td safe>{t.agent ?? '—'}</td> : ''}
              <td>
                <WaitBadge v={v} ms={t.wait_ms} level={t.level} />
              </td>
              <td class="row">
                <a href={`/monitoring/tickets/${t.id}`} class="small">
                  {v.escape('monitoring.open_ticket')}
                </a>
                <a href={`/monitoring/tickets/${t.id}/move`} class="small" hx-get={`/monitoring/tickets/${t.id}/move`} hx-target="#monitoring-panel" hx-swap="innerHTML">
                  {v.escape('monitoring.move')}
                </a>
                {kind === 'queued' ? (
                  <form method="post" action={`/monitoring/tickets/${t.id}/take`} hx-post={`/monitoring/tickets/${t.id}/take`} hx-target="#monitoring-flash" hx-swap="innerHTML" class="inline-form">
                    <CsrfField v={v} />
                    <button type="submit" class="small">
                      {v.escape('monitoring.take')}
                    </button>
                  </form>
                ) : (
                  ''
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > rows.length ? <p class="muted small">{v.escape('monitoring.more', { n: total - rows.length })}</p> : ''}
    </div>
  )
}

/** The answer to an action in the flash area (htmx) — the board itself updates over the stream. */
export function ActionFlash({ v, kind, message }: { v: View; kind: 'ok' | 'error'; message: string }) {
  return (
    <div class={`flash ${kind}`} role={kind === 'error' ? 'alert' : 'status'} safe>
      {message}
    </div>
  )
}
