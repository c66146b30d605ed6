// The audit log search page. The filter form works without JavaScript (GET); with htmx it swaps
// only the rows and keeps the URL in step.
import type { AuditRow } from '../../src/audit/store'
import { Empty } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

export interface AuditFilters {
  actor: string
  action: string
  object_type: string
  object_id: string
  from: string
  to: string
  before: number | null
}

const qs = (f: AuditFilters, before: number | null) => {
  const p = new URLSearchParams()
  for (const k of ['actor', 'action', 'object_type', 'object_id', 'from', 'to'] as const) if (f[k]) p.set(k, f[k])
  if (before) p.set('before', String(before))
  return p.toString()
}

/** Details as short "key: value" text (values are JSON, shown escaped). */
function detailsText(details: string): string {
  try {
    const obj = JSON.parse(details) as Record<string, unknown>
    return Object.entries(obj)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' · ')
  } catch {
    return details
  }
}

export function AuditPage({ v, filters, actions, rows, next }: { v: View; filters: AuditFilters; actions: string[]; rows: AuditRow[]; next: number | null }) {
  const families = [...new Set(actions.filter((a) => a.includes('.')).map((a) => a.slice(0, a.indexOf('.') + 1)))]
  return (
    <Layout v={v} title={v.t('audit.title')}>
      <h1>{v.escape('audit.title')}</h1>
      <p class="hint">{v.escape('audit.intro')}</p>
      <form method="get" action="/admin/audit" class="card" hx-get="/admin/audit/rows" hx-target="#audit-rows" hx-swap="outerHTML" hx-trigger="submit, change" role="search" aria-label={v.t('audit.search')}>
        <div class="grid">
          <div>
            <label for="actor">{v.escape('audit.actor')}</label>
            <input id="actor" name="actor" type="text" value={filters.actor} placeholder={v.t('audit.actor_placeholder')} maxlength="254" />
          </div>
          <div>
            <label for="action">{v.escape('audit.action')}</label>
            <select id="action" name="action">
              <option value="">{v.escape('audit.any_action')}</option>
              {families.map((f) => (
                <option value={f} selected={filters.action === f} safe>
                  {`${f}*`}
                </option>
              ))}
              {actions.map((a) => (
                <option value={a} selected={filters.action === a} safe>
                  {a}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="object_type">{v.escape('audit.object_type')}</label>
            <input id="object_type" name="object_type" type="text" value={filters.object_type} maxlength="40" placeholder="ticket, customer, user…" />
          </div>
          <div>
            <label for="object_id">{v.escape('audit.object_id')}</label>
            <input id="object_id" name="object_id" type="text" value={filters.object_id} maxlength="80" />
          </div>
          <div>
            <label for="from">{v.escape('audit.from')}</label>
            <input id="from" name="from" type="date" value={filters.from} />
          </div>
          <div>
            <label for="to">{v.escape('audit.to')}</label>
            <input id="to" name="to" type="date" value={filters.to} />
          </div>
        </div>
        <div class="actions">
          <button type="submit">{v.escape('audit.search')}</button>
          <a class="button secondary" href="/admin/audit">
            {v.escape('audit.clear')}
          </a>
        </div>
      </form>
      <AuditRows v={v} filters={filters} rows={rows} next={next} />
    </Layout>
  )
}

export function AuditRows({ v, filters, rows, next }: { v: View; filters: AuditFilters; rows: AuditRow[]; next: number | null }) {
  return (
    <div id="audit-rows" class="spaced">
      {rows.length === 0 ? (
        <Empty title={v.t('audit.empty')} hint={v.t('audit.empty_hint')} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('audit.at')}</th>
                <th>{v.escape('audit.actor')}</th>
                <th>{v.escape('audit.action')}</th>
                <th>{v.escape('audit.object')}</th>
                <th class="optional">{v.escape('audit.ip')}</th>
                <th class="optional">{v.escape('audit.details')}</th>
              </tr>
            </thead>
            <tbody hx-ignore>
              {rows.map((r) => (
                <tr>
                  <td safe>{v.date(r.at)}</td>
                  <td>
                    {r.actor_id === null ? (
                      <span class="muted">{v.escape('audit.system')}</span>
                    ) : (
                      <span title={r.actor_email ?? ''} safe>
                        {r.actor_name ?? `#${r.actor_id}`}
                      </span>
                    )}
                  </td>
                  <td>
                    <code safe>{r.action}</code>
                  </td>
                  <td>{r.object_type ? <span safe>{`${r.object_type} ${r.object_id ?? ''}`}</span> : '—'}</td>
                  <td class="optional" safe>
                    {r.ip ?? '—'}
                  </td>
                  <td class="optional small" safe>
                    {detailsText(r.details)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="pagination">
        {filters.before ? <a href={`/admin/audit?${qs(filters, null)}`}>← {v.escape('audit.newest')}</a> : <span></span>}
        {next ? <a href={`/admin/audit?${qs(filters, next)}`}>{v.escape('audit.older')} →</a> : ''}
      </nav>
    </div>
  )
}
