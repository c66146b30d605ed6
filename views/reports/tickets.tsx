// The tickets behind a number of the dashboard (drill-down): the same filters and definitions,
// newest first, a page at a time, and its CSV.
import { query, type FilterValues } from '../../src/reports/filters'
import type { DrillRow, Metric } from '../../src/reports/store'
import type { MessageKey } from '../../src/i18n'
import { Empty } from '../components'
import { statusKey } from '../desk/tickets'
import { Layout } from '../layout'
import type { View } from '../view'
import { duration } from './format'

export const METRIC_LABEL: Record<Metric, MessageKey> = {
  created: 'reports.created',
  closed: 'reports.closed',
  abandoned: 'reports.abandoned',
  bot: 'reports.bot',
  wait: 'reports.wait',
  handle: 'reports.handle',
  first_response: 'reports.first_response',
}

/** The two ends of the duration a metric measures on one ticket (null for counts). */
export function metricSpan(m: Metric, r: DrillRow): [number, number] | null {
  if (m === 'wait' && r.assigned_at !== null && r.queued_at !== null) return [r.queued_at, r.assigned_at]
  if (m === 'handle' && r.closed_at !== null && r.assigned_at !== null) return [r.assigned_at, r.closed_at]
  if (m === 'first_response' && r.first_response_at !== null && r.assigned_at !== null) return [r.assigned_at, r.first_response_at]
  return null
}

export interface DrillProps {
  v: View
  metric: Metric
  values: FilterValues
  extra: Record<string, string>
  rows: DrillRow[]
  next: number | null
  paged: boolean
  /** the metric's duration of a row in ms, in the filters' time basis */
  duration(r: DrillRow): number | null
  names: { channel(id: number): string; sector(id: number | null): string; agent(id: number | null): string; classification(id: number | null): string }
}

export function DrillPage(p: DrillProps) {
  const { v, metric } = p
  const timed = metric === 'wait' || metric === 'handle' || metric === 'first_response'
  const base = { ...p.extra, metric }
  return (
    <Layout v={v} title={v.t('reports.drill_title', { metric: v.t(METRIC_LABEL[metric]) })}>
      <p class="crumbs">
        <a href={`/reports?${query(p.values)}`}>← {v.escape('reports.back')}</a>
      </p>
      <div class="row spread">
        <h1>{v.escape('reports.drill_title', { metric: v.t(METRIC_LABEL[metric]) })}</h1>
        <a class="small" href={`/reports/export/tickets.csv?${query(p.values, base)}`} download="">
          {v.escape('reports.csv')}
        </a>
      </div>
      <p class="muted" safe>
        {v.t('reports.drill_period', { from: p.values.from, to: p.values.to })}
      </p>
      {p.rows.length === 0 ? (
        <Empty title={v.t('reports.drill_empty')} />
      ) : (
        <div class="table-wrap">
          <table id="drill">
            <thead>
              <tr>
                <th>{v.escape('desk.col_protocol')}</th>
                <th>{v.escape('desk.col_contact')}</th>
                <th>{v.escape('desk.col_status')}</th>
                <th>{v.escape('reports.channel')}</th>
                <th>{v.escape('reports.sector')}</th>
                <th>{v.escape('reports.agent')}</th>
                <th>{v.escape('reports.classification')}</th>
                <th>{v.escape('reports.created_at')}</th>
                <th>{v.escape('reports.closed_at')}</th>
                {timed ? <th safe>{`${v.t(METRIC_LABEL[metric])} (${v.t(p.values.time === 'business' ? 'reports.basis_business' : 'reports.basis_elapsed')})`}</th> : ''}
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr id={`drill-${r.id}`}>
                  <td>
                    <a class="protocol" href={`/tickets/${r.id}`} safe>
                      {r.protocol}
                    </a>
                  </td>
                  <td>
                    <span class="contact-name" hx-ignore safe>
                      {r.contact_name?.trim() || v.t('desk.no_name')}
                    </span>
                  </td>
                  <td>{v.escape(statusKey(r.status as 'open'))}</td>
                  <td safe>{p.names.channel(r.channel_id)}</td>
                  <td safe>{p.names.sector(r.sector_id)}</td>
                  <td safe>{p.names.agent(r.assignee_id)}</td>
                  <td safe>{r.closed_at === null ? '—' : p.names.classification(r.classification_id)}</td>
                  <td safe>{v.date(r.created_at)}</td>
                  <td safe>{r.closed_at === null ? '—' : v.date(r.closed_at)}</td>
                  {timed ? <td safe>{duration(p.duration(r))}</td> : ''}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="pagination">
        {p.paged ? <a href={`/reports/tickets?${query(p.values, base)}`}>← {v.escape('desk.newest')}</a> : <span></span>}
        {p.next ? <a href={`/reports/tickets?${query(p.values, { ...base, before: p.next })}`}>{v.escape('desk.older')} →</a> : ''}
      </nav>
    </Layout>
  )
}
