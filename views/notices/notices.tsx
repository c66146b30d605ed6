// Notices (avisos): the list in every page's notices area (current, unread, for the viewer, each
// with "Marcar como lida"), and the notices page (current and past, the publish form).
import type { Notice } from '../../src/notices/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, DataTable, PostButton } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

/** The notices area's own content: loaded after the page (GET /notices/area) and kept live. */
export function NoticesAreaContent({ v, notices, alerts }: { v: View; notices: Notice[]; alerts: JSX.Element }) {
  return (
    <>
      <div id="notices-list">
        <NoticesList v={v} notices={notices} />
      </div>
      {v.can('monitoring.view') ? <div id="alerts-live">{alerts}</div> : ''}
    </>
  )
}

export function NoticesList({ v, notices }: { v: View; notices: Notice[] }) {
  if (notices.length === 0) return ''
  return (
    <ul class="ticket-list notices-items" aria-label={v.t('notices.title')}>
      {notices.map((n) => (
        <li id={`notice-${n.id}`} class={`flash ${n.level === 'warning' ? 'error' : 'info'}`} data-level={n.level}>
          <div class="row spread">
            <div>
              <strong safe>{n.title}</strong>
              {n.body ? (
                <p class="msg-text" safe>
                  {n.body}
                </p>
              ) : (
                ''
              )}
            </div>
            <form method="post" action={`/notices/${n.id}/read`} hx-post={`/notices/${n.id}/read`} hx-swap="none" class="inline-form">
              <CsrfField v={v} />
              <button type="submit" class="small secondary">
                {v.escape('notices.mark_read')}
              </button>
            </form>
          </div>
        </li>
      ))}
    </ul>
  )
}

export interface NoticeValues {
  title: string
  body: string
  level: string
  target: string
  sector_id: string
  profile_id: string
  starts_at: string
  ends_at: string
}

export interface NoticesPageProps {
  v: View
  notices: (Notice & { read_at: number | null })[]
  now: number
  next: number | null
  manage: boolean
  sectors: { id: number; name: string }[]
  profiles: { id: number; name: string }[]
  values: NoticeValues
  problems: Partial<Record<string, MessageKey>>
  flash: MessageKey | null
  targetName(n: Notice): string
}

function state(n: Notice, now: number): MessageKey {
  if (n.withdrawn_at !== null) return 'notices.state_withdrawn'
  if (n.starts_at > now) return 'notices.state_scheduled'
  if (n.ends_at <= now) return 'notices.state_ended'
  return 'notices.state_current'
}

export function NoticesPage(p: NoticesPageProps) {
  const { v } = p
  const err = (f: string) => (p.problems[f] ? <p class="field-error">{v.escape(p.problems[f]!)}</p> : '')
  return (
    <Layout v={v} title={v.t('notices.title')}>
      <h1>{v.escape('notices.title')}</h1>
      {p.flash ? <div class="flash ok" role="status">{v.escape(p.flash)}</div> : ''}
      {p.manage ? (
        <form class="card" method="post" action="/notices">
          <CsrfField v={v} />
          <h2>{v.escape('notices.new')}</h2>
          <label for="n-title">{v.escape('notices.field_title')}</label>
          <input id="n-title" type="text" name="title" maxlength="120" required value={p.values.title} />
          {err('title')}
          <label for="n-body">{v.escape('notices.field_body')}</label>
          <textarea id="n-body" name="body" rows="3" maxlength="1000" safe>
            {p.values.body}
          </textarea>
          {err('body')}
          <div class="grid">
            <div>
              <label for="n-level">{v.escape('notices.field_level')}</label>
              <select id="n-level" name="level">
                <option value="info" selected={p.values.level !== 'warning'}>
                  {v.escape('notices.level_info')}
                </option>
                <option value="warning" selected={p.values.level === 'warning'}>
                  {v.escape('notices.level_warning')}
                </option>
              </select>
              {err('level')}
            </div>
            <div>
              <label for="n-target">{v.escape('notices.field_target')}</label>
              <select id="n-target" name="target">
                <option value="all" selected={p.values.target === 'all'}>
                  {v.escape('notices.target_all')}
                </option>
                <option value="sector" selected={p.values.target === 'sector'}>
                  {v.escape('notices.target_sector')}
                </option>
                <option value="profile" selected={p.values.target === 'profile'}>
                  {v.escape('notices.target_profile')}
                </option>
              </select>
              {err('target')}
            </div>
            <div>
              <label for="n-sector">{v.escape('notices.field_sector')}</label>
              <select id="n-sector" name="sector_id">
                <option value="">—</option>
                {p.sectors.map((s) => (
                  <option value={String(s.id)} selected={p.values.sector_id === String(s.id)} safe>
                    {s.name}
                  </option>
                ))}
              </select>
              {err('sector_id')}
            </div>
            <div>
              <label for="n-profile">{v.escape('notices.field_profile')}</label>
              <select id="n-profile" name="profile_id">
                <option value="">—</option>
                {p.profiles.map((s) => (
                  <option value={String(s.id)} selected={p.values.profile_id === String(s.id)} safe>
                    {s.name}
                  </option>
                ))}
              </select>
              {err('profile_id')}
            </div>
            <div>
              <label for="n-starts">{v.escape('notices.field_starts')}</label>
              <input id="n-starts" type="datetime-local" name="starts_at" value={p.values.starts_at} />
              <p class="hint">{v.escape('notices.starts_hint')}</p>
              {err('starts_at')}
            </div>
            <div>
              <label for="n-ends">{v.escape('notices.field_ends')}</label>
              <input id="n-ends" type="datetime-local" name="ends_at" value={p.values.ends_at} />
              <p class="hint">{v.escape('notices.ends_hint')}</p>
              {err('ends_at')}
            </div>
          </div>
          <div class="actions">
            <button type="submit">{v.escape('notices.publish')}</button>
          </div>
        </form>
      ) : (
        ''
      )}
      <h2>{v.escape('notices.list')}</h2>
      <DataTable
        v={v}
        id="notices-table"
        wrap
        head={['notices.field_title', 'notices.field_level', 'notices.field_target', 'notices.when', 'notices.state', '']}
        rows={p.notices}
        empty={{ title: v.t('notices.empty') }}
        row={(n) => (
          <tr id={`notice-row-${n.id}`}>
            <td>
              <strong safe>{n.title}</strong>
              {n.body ? (
                <p class="small msg-text" safe>
                  {n.body}
                </p>
              ) : (
                ''
              )}
            </td>
            <td>{v.escape(n.level === 'warning' ? 'notices.level_warning' : 'notices.level_info')}</td>
            <td safe>{p.targetName(n)}</td>
            <td class="small" safe>
              {`${v.date(n.starts_at)} – ${v.date(n.ends_at)}`}
            </td>
            <td>
              {v.escape(state(n, p.now))}
              {n.read_at !== null ? <span class="muted small"> · {v.escape('notices.read')}</span> : ''}
            </td>
            <td class="row">
              {n.read_at === null && state(n, p.now) === 'notices.state_current' ? (
                <PostButton v={v} action={`/notices/${n.id}/read`} class="inline-form" button="small secondary" label="notices.mark_read" />
              ) : (
                ''
              )}
              {p.manage && n.withdrawn_at === null && n.ends_at > p.now ? (
                <PostButton v={v} action={`/notices/${n.id}/withdraw`} class="inline-form" button="small danger" label="notices.withdraw" />
              ) : (
                ''
              )}
            </td>
          </tr>
        )}
      />
      {p.next ? (
        <nav class="pager">
          <span></span>
          <a href={`/notices?before=${p.next}`}>{v.escape('desk.older')} →</a>
        </nav>
      ) : (
        ''
      )}
    </Layout>
  )
}
