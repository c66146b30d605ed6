// Alerts: the live strip in the notices area of every page (for supervisors), the alerts page
// (open until acknowledged, then history), and the rules page (admins).
import { ALERT_KINDS, type Alert, type AlertKind, type AlertRule } from '../../src/alerts/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, DataTable, Empty } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

export interface AlertNames {
  sector(id: number | null): string
  agent(id: number | null): string
}

export const KIND_LABEL: Record<AlertKind, MessageKey> = {
  queue_wait: 'alerts.kind_queue_wait',
  no_agent: 'alerts.kind_no_agent',
  first_response: 'alerts.kind_first_response',
  customer_waiting: 'alerts.kind_customer_waiting',
  negative_survey: 'alerts.kind_negative_survey',
}

const str = (x: unknown) => (typeof x === 'string' || typeof x === 'number' ? String(x) : '')

/** What happened, in one sentence. */
export function alertText(v: View, a: Alert, names: AlertNames): string {
  const d = a.details
  const sector = names.sector(a.sector_id)
  switch (a.kind) {
    case 'queue_wait':
      return v.t('alerts.text_queue_wait', { sector, n: str(d.waiting), minutes: a.threshold_min })
    case 'no_agent':
      return v.t('alerts.text_no_agent', { sector, n: str(d.waiting) })
    case 'first_response':
      return v.t('alerts.text_first_response', { protocol: str(d.protocol), agent: names.agent(a.user_id), minutes: a.threshold_min })
    case 'customer_waiting':
      return v.t('alerts.text_customer_waiting', { protocol: str(d.protocol), minutes: a.threshold_min })
    case 'negative_survey':
      return v.t('alerts.text_negative_survey', { protocol: str(d.protocol), kind: str(d.kind).toUpperCase(), score: str(d.score) })
  }
}

function AlertItem({ v, a, names }: { v: View; a: Alert; names: AlertNames }) {
  return (
    <li id={`alert-${a.id}`} class={`flash ${a.cleared_at === null ? 'error' : 'info'}`} data-alert={a.kind}>
      <div class="row spread">
        <span>
          <strong safe>{alertText(v, a, names)}</strong>{' '}
          <span class="muted small" safe>
            {v.date(a.fired_at)}
          </span>{' '}
          {a.cleared_at !== null ? <span class="badge ok">{v.escape('alerts.cleared')}</span> : <span class="badge off">{v.escape('alerts.active')}</span>}
        </span>
        <span class="row">
          {a.ticket_id !== null ? (
            <a class="small" href={`/monitoring/tickets/${a.ticket_id}`}>
              {v.escape('alerts.open_ticket')}
            </a>
          ) : (
            ''
          )}
          {a.acked_at === null ? (
            <form method="post" action={`/alerts/${a.id}/ack`} hx-post={`/alerts/${a.id}/ack`} hx-swap="none" class="inline-form">
              <CsrfField v={v} />
              <button type="submit" class="small secondary">
                {v.escape('alerts.ack')}
              </button>
            </form>
          ) : (
            <span class="muted small" safe>
              {v.t('alerts.acked_by', { name: names.agent(a.acked_by), when: v.date(a.acked_at) })}
            </span>
          )}
        </span>
      </div>
    </li>
  )
}

/** The strip in every page's notices area: the newest unacknowledged alerts of the viewer's scope. */
export function AlertsLive({ v, alerts, total, names, chime }: { v: View; alerts: Alert[]; total: number; names: AlertNames; chime: boolean }) {
  if (alerts.length === 0) return ''
  return (
    <div class="alerts-live" role="region" aria-label={v.t('alerts.title')}>
      <ul class="ticket-list">
        {alerts.map((a) => (
          <AlertItem v={v} a={a} names={names} />
        ))}
      </ul>
      {total > alerts.length ? (
        <p class="small">
          <a href="/alerts">{v.escape('alerts.more', { n: total - alerts.length })}</a>
        </p>
      ) : (
        ''
      )}
      {chime ? <audio src="/alerts/sound.wav" autoplay data-chime></audio> : ''}
    </div>
  )
}

export function OpenAlerts({ v, alerts, names }: { v: View; alerts: Alert[]; names: AlertNames }) {
  return (
    <div id="alerts-open">
      {alerts.length === 0 ? (
        <Empty title={v.t('alerts.none')} hint={v.t('alerts.none_hint')} />
      ) : (
        <ul class="ticket-list">
          {alerts.map((a) => (
            <AlertItem v={v} a={a} names={names} />
          ))}
        </ul>
      )}
    </div>
  )
}

export function AlertsPage({ v, open, history, names, next }: { v: View; open: Alert[]; history: Alert[]; names: AlertNames; next: number | null }) {
  return (
    <Layout v={v} title={v.t('alerts.title')}>
      <div class="row spread">
        <h1>{v.escape('alerts.title')}</h1>
        {v.can('alerts.manage') ? <a href="/alerts/rules">{v.escape('alerts.rules')}</a> : ''}
      </div>
      <h2>{v.escape('alerts.open')}</h2>
      <OpenAlerts v={v} alerts={open} names={names} />
      <h2>{v.escape('alerts.history')}</h2>
      {history.length === 0 ? (
        <Empty title={v.t('alerts.no_history')} />
      ) : (
        <ul class="ticket-list">
          {history.map((a) => (
            <AlertItem v={v} a={a} names={names} />
          ))}
        </ul>
      )}
      {next ? (
        <nav class="pager">
          <span></span>
          <a href={`/alerts?before=${next}`}>{v.escape('desk.older')} →</a>
        </nav>
      ) : (
        ''
      )}
    </Layout>
  )
}

// ---- rules (admin) -------------------------------------------------------------------------------

export interface RuleValues {
  sector_id: string
  kind: string
  threshold_min: string
  cooldown_min: string
  webhook_url: string
  active: boolean
}

export const emptyRule: RuleValues = { sector_id: '', kind: 'queue_wait', threshold_min: '5', cooldown_min: '10', webhook_url: '', active: true }

export interface RulesPageProps {
  v: View
  rules: AlertRule[]
  sectors: { id: number; name: string; target_s: number }[]
  values: RuleValues
  problems: Partial<Record<string, MessageKey>>
  /** a webhook secret to show once (just created or regenerated) */
  secret: { rule_id: number; secret: string } | null
  flash: MessageKey | null
}

function RuleFields({ v, values, sectors, problems, prefix }: { v: View; values: RuleValues; sectors: RulesPageProps['sectors']; problems: RulesPageProps['problems']; prefix: string }) {
  const err = (f: string) => (problems[f] ? <p class="field-error">{v.escape(problems[f]!)}</p> : '')
  return (
    <div class="grid">
      <div>
        <label for={`${prefix}-kind`}>{v.escape('alerts.kind')}</label>
        <select id={`${prefix}-kind`} name="kind">
          {ALERT_KINDS.map((k) => (
            <option value={k} selected={values.kind === k}>
              {v.escape(KIND_LABEL[k])}
            </option>
          ))}
        </select>
        {err('kind')}
      </div>
      <div>
        <label for={`${prefix}-sector`}>{v.escape('alerts.sector')}</label>
        <select id={`${prefix}-sector`} name="sector_id">
          <option value="">{v.escape('alerts.all_sectors')}</option>
          {sectors.map((s) => (
            <option value={String(s.id)} selected={values.sector_id === String(s.id)} safe>
              {s.name}
            </option>
          ))}
        </select>
        {err('sector_id')}
      </div>
      <div>
        <label for={`${prefix}-threshold`}>{v.escape('alerts.threshold')}</label>
        <input id={`${prefix}-threshold`} type="number" name="threshold_min" min="0" max="1440" value={values.threshold_min} />
        <p class="hint">{v.escape('alerts.threshold_hint')}</p>
        {err('threshold_min')}
      </div>
      <div>
        <label for={`${prefix}-cooldown`}>{v.escape('alerts.cooldown')}</label>
        <input id={`${prefix}-cooldown`} type="number" name="cooldown_min" min="0" max="1440" value={values.cooldown_min} />
        {err('cooldown_min')}
      </div>
      <div>
        <label for={`${prefix}-webhook`}>{v.escape('alerts.webhook')}</label>
        <input id={`${prefix}-webhook`} type="text" name="webhook_url" maxlength="500" value={values.webhook_url} placeholder="https://" />
        <p class="hint">{v.escape('alerts.webhook_hint')}</p>
        {err('webhook_url')}
      </div>
      <div>
        <label class="inline">
          <input type="checkbox" name="active" value="1" checked={values.active} /> {v.escape('alerts.active_rule')}
        </label>
      </div>
    </div>
  )
}

export function RulesPage(p: RulesPageProps) {
  const { v } = p
  const sectorName = (id: number | null) => (id === null ? v.t('alerts.all_sectors') : (p.sectors.find((s) => s.id === id)?.name ?? `#${id}`))
  return (
    <Layout v={v} title={v.t('alerts.rules')}>
      <p class="crumbs">
        <a href="/alerts">← {v.escape('alerts.title')}</a>
      </p>
      <h1>{v.escape('alerts.rules')}</h1>
      {p.flash ? <div class="flash ok" role="status">{v.escape(p.flash)}</div> : ''}
      {p.secret ? (
        <div class="flash info" role="status">
          <p>{v.escape('alerts.secret_once')}</p>
          <p class="secret" id="webhook-secret" safe>
            {p.secret.secret}
          </p>
        </div>
      ) : (
        ''
      )}
      <DataTable
        v={v}
        empty={{ title: v.t('alerts.no_rules'), hint: v.t('alerts.no_rules_hint') }}
        wrap
        id="rules"
        head={['alerts.kind', 'alerts.sector', 'alerts.threshold_short', 'alerts.cooldown_short', 'alerts.webhook', 'alerts.state', '']}
        rows={p.rules}
        row={(r) => (
          <tr id={`rule-${r.id}`}>
            <td>{v.escape(KIND_LABEL[r.kind])}</td>
            <td safe>{sectorName(r.sector_id)}</td>
            <td>{r.threshold_min}</td>
            <td>{r.cooldown_min}</td>
            <td class="small" safe>
              {r.webhook_url ?? '—'}
            </td>
            <td>{r.active ? <span class="badge ok">{v.escape('alerts.on')}</span> : <span class="badge">{v.escape('alerts.off')}</span>}</td>
            <td class="row">
              <form method="post" action={`/alerts/rules/${r.id}/toggle`} class="inline-form">
                <CsrfField v={v} />
                <button type="submit" class="small secondary">
                  {v.escape(r.active ? 'alerts.disable' : 'alerts.enable')}
                </button>
              </form>
              {r.webhook_url ? (
                <form method="post" action={`/alerts/rules/${r.id}/secret`} class="inline-form">
                  <CsrfField v={v} />
                  <button type="submit" class="small secondary">
                    {v.escape('alerts.new_secret')}
                  </button>
                </form>
              ) : (
                ''
              )}
              <form method="post" action={`/alerts/rules/${r.id}/delete`} class="inline-form" data-confirm={v.t('alerts.delete_confirm')}>
                <CsrfField v={v} />
                <button type="submit" class="small danger">
                  {v.escape('alerts.delete')}
                </button>
              </form>
            </td>
          </tr>
        )}
      />
      <form class="card spaced" method="post" action="/alerts/rules">
        <CsrfField v={v} />
        <h2>{v.escape('alerts.new_rule')}</h2>
        <RuleFields v={v} values={p.values} sectors={p.sectors} problems={p.problems} prefix="new" />
        <div class="actions">
          <button type="submit">{v.escape('alerts.create')}</button>
        </div>
      </form>
      <form class="card" method="post" action="/alerts/targets">
        <CsrfField v={v} />
        <h2>{v.escape('alerts.targets')}</h2>
        <p class="hint">{v.escape('alerts.targets_hint')}</p>
        <div class="grid">
          {p.sectors.map((s) => (
            <div>
              <label for={`target-${s.id}`} safe>
                {s.name}
              </label>
              <input id={`target-${s.id}`} type="number" name={`target_${s.id}`} min="1" max="1440" value={String(Math.round(s.target_s / 60))} />
            </div>
          ))}
        </div>
        {p.problems.targets ? <p class="field-error">{v.escape(p.problems.targets)}</p> : ''}
        <div class="actions">
          <button type="submit">{v.escape('alerts.save_targets')}</button>
        </div>
      </form>
    </Layout>
  )
}
