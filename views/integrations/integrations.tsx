// Integrations pages: outgoing webhooks (list, new, one subscription with its delivery log), the
// API rate limit and webhook settings, and the data-retention job (preview, run now, last runs).
import type { RetentionPreview, RetentionRun } from '../../src/lgpd/retention'
import type { RateLimitConfig } from '../../src/integrations/rate-limit'
import { WEBHOOK_PATTERNS, type WebhookSettings } from '../../src/integrations/webhooks'
import type { Delivery, Webhook } from '../../src/integrations/webhooks-store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, DataTable, FieldError, Flash, PostButton } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export interface WebhookFormValues {
  url: string
  description: string
  events: string[]
  active: boolean
}

export type WebhookRow = Webhook & { pending: number; owner: string }

const STATUS_LABEL: Record<Delivery['status'], MessageKey> = {
  pending: 'integrations.status_pending',
  delivered: 'integrations.status_delivered',
  failed: 'integrations.status_failed',
}
const STATUS_CLASS: Record<Delivery['status'], string> = { pending: 'badge', delivered: 'badge ok', failed: 'badge off' }

function WebhookState({ v, w }: { v: View; w: Webhook }) {
  return w.active ? <span class="badge ok">{v.escape('integrations.active')}</span> : <span class="badge off">{v.escape('integrations.inactive')}</span>
}

function WebhookFields({ v, values, problems, disabled = false }: { v: View; values: WebhookFormValues; problems: Problems; disabled?: boolean }) {
  return (
    <div class="grid">
      <div>
        <label for="wh-url">{v.escape('integrations.url')}</label>
        <input id="wh-url" type="url" name="url" required maxlength="500" value={values.url} placeholder="https://" disabled={disabled} aria-describedby="wh-url-hint" />
        <p class="hint" id="wh-url-hint">
          {v.escape('integrations.url_hint')}
        </p>
        <FieldError v={v} problems={problems} field="url" />
      </div>
      <div>
        <label for="wh-description">{v.escape('integrations.description')}</label>
        <input id="wh-description" type="text" name="description" maxlength="200" value={values.description} disabled={disabled} />
        <FieldError v={v} problems={problems} field="description" />
      </div>
      <fieldset>
        <legend>{v.escape('integrations.events')}</legend>
        {WEBHOOK_PATTERNS.map((p) => (
          <label class="inline">
            <input type="checkbox" name="events" value={p} checked={values.events.includes(p)} disabled={disabled} /> <code>{p}</code>
          </label>
        ))}
        <p class="hint">{v.escape('integrations.events_hint')}</p>
        <FieldError v={v} problems={problems} field="events" />
      </fieldset>
      <div>
        <label class="inline">
          <input type="checkbox" name="active" value="1" checked={values.active} disabled={disabled} /> {v.escape('integrations.active_label')}
        </label>
      </div>
    </div>
  )
}

function SecretOnce({ v, secret }: { v: View; secret: string }) {
  return (
    <div class="flash info" role="status">
      <p>{v.escape('integrations.secret_once')}</p>
      <p class="secret" id="webhook-secret" safe>
        {secret}
      </p>
    </div>
  )
}

/** How a receiver checks a delivery (the same text as the OpenAPI description, in the user's language). */
function SigningHelp({ v }: { v: View }) {
  return (
    <details class="card" id="signing">
      <summary>{v.escape('integrations.signing_title')}</summary>
      <p>{v.escape('integrations.signing_body')}</p>
      <ul>
        <li>
          <code>X-Kumquat-Event</code>, <code>X-Kumquat-Event-Id</code>, <code>X-Kumquat-Delivery</code>, <code>X-Kumquat-Timestamp</code>
        </li>
        <li>
          <code>X-Kumquat-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp + "." + body))</code>
        </li>
      </ul>
      <p>{v.escape('integrations.signing_verify')}</p>
      <p>{v.escape('integrations.signing_retries')}</p>
      <p>{v.escape('integrations.signing_visibility')}</p>
    </details>
  )
}

export interface IntegrationsPageProps {
  v: View
  webhooks: WebhookRow[] | null
  values: WebhookFormValues
  problems: Problems
  secret: { id: number; secret: string } | null
  flash: MessageKey | null
  settings: { rate: RateLimitConfig; webhooks: WebhookSettings } | null
  retention: { preview: RetentionPreview; runs: RetentionRun[]; running: boolean } | null
}

export function IntegrationsPage(p: IntegrationsPageProps) {
  const { v } = p
  return (
    <Layout v={v} title={v.t('nav.integrations')}>
      <h1>{v.escape('nav.integrations')}</h1>
      <Flash v={v} kind="ok" message={p.flash} />
      {p.webhooks ? <WebhooksSection {...p} webhooks={p.webhooks} /> : ''}
      {p.settings ? <SettingsSection v={v} settings={p.settings} problems={p.problems} /> : ''}
      {p.retention ? <RetentionSection v={v} {...p.retention} /> : ''}
    </Layout>
  )
}

function WebhooksSection(p: IntegrationsPageProps & { webhooks: WebhookRow[] }) {
  const { v } = p
  return (
    <section id="webhooks">
      <h2>{v.escape('integrations.webhooks')}</h2>
      <p class="hint">{v.escape('integrations.webhooks_hint')}</p>
      {p.secret ? <SecretOnce v={v} secret={p.secret.secret} /> : ''}
      <DataTable
        v={v}
        id="webhooks-table"
        wrap
        head={['integrations.url', 'integrations.events', 'integrations.state', 'integrations.pending', 'integrations.owner']}
        rows={p.webhooks}
        empty={{ title: v.t('integrations.no_webhooks'), hint: v.t('integrations.no_webhooks_hint') }}
        row={(w) => (
          <tr id={`webhook-${w.id}`}>
            <td>
              <a href={`/admin/integrations/webhooks/${w.id}`} safe>
                {w.url}
              </a>
              {w.description ? (
                <div class="muted small" safe>
                  {w.description}
                </div>
              ) : (
                ''
              )}
            </td>
            <td class="small" safe>
              {w.events.join(', ')}
            </td>
            <td>
              <WebhookState v={v} w={w} />
              {w.disabled_reason ? (
                <div class="muted small" safe>
                  {w.disabled_reason}
                </div>
              ) : (
                ''
              )}
            </td>
            <td>{w.pending}</td>
            <td safe>{w.owner}</td>
          </tr>
        )}
      />
      {v.can('webhooks.create') ? (
        <form class="card spaced" method="post" action="/admin/integrations/webhooks">
          <CsrfField v={v} />
          <h3>{v.escape('integrations.new_webhook')}</h3>
          <WebhookFields v={v} values={p.values} problems={p.problems} />
          <div class="actions">
            <button type="submit">{v.escape('integrations.create')}</button>
          </div>
        </form>
      ) : (
        ''
      )}
      <SigningHelp v={v} />
    </section>
  )
}

function SettingsSection({ v, settings, problems }: { v: View; settings: NonNullable<IntegrationsPageProps['settings']>; problems: Problems }) {
  const disabled = !v.can('settings.edit')
  return (
    <form class="card spaced" id="settings" method="post" action="/admin/integrations/settings">
      <CsrfField v={v} />
      <h2>{v.escape('integrations.settings')}</h2>
      <div class="grid">
        <div>
          <label for="per_minute">{v.escape('integrations.per_minute')}</label>
          <input id="per_minute" type="number" name="per_minute" min="1" max="1000000" required value={String(settings.rate.per_minute)} disabled={disabled} />
          <FieldError v={v} problems={problems} field="per_minute" />
        </div>
        <div>
          <label for="burst">{v.escape('integrations.burst')}</label>
          <input id="burst" type="number" name="burst" min="1" max="100000" required value={String(settings.rate.burst)} disabled={disabled} />
          <FieldError v={v} problems={problems} field="burst" />
        </div>
        <p class="hint">{v.escape('integrations.rate_hint')}</p>
        <div>
          <label for="disable_after">{v.escape('integrations.disable_after')}</label>
          <input id="disable_after" type="number" name="disable_after" min="1" max="1000" required value={String(settings.webhooks.disable_after)} disabled={disabled} />
          <FieldError v={v} problems={problems} field="disable_after" />
        </div>
        <div>
          <label class="inline">
            <input type="checkbox" name="allow_private" value="1" checked={settings.webhooks.allow_private} disabled={disabled} /> {v.escape('integrations.allow_private')}
          </label>
          <p class="hint">{v.escape('integrations.allow_private_hint')}</p>
        </div>
      </div>
      {disabled ? (
        ''
      ) : (
        <div class="actions">
          <button type="submit">{v.escape('integrations.save')}</button>
        </div>
      )}
    </form>
  )
}

function RetentionSection({ v, preview, runs, running }: { v: View; preview: RetentionPreview; runs: RetentionRun[]; running: boolean }) {
  return (
    <section class="card spaced" id="retention">
      <h2>{v.escape('integrations.retention')}</h2>
      {preview.enabled ? (
        <p id="retention-preview">
          {v.escape(`integrations.retention_on_${preview.mode}`, { months: preview.months, date: v.date(preview.cutoff!), n: preview.tickets })}
        </p>
      ) : (
        <p id="retention-preview">{v.escape('integrations.retention_disabled')}</p>
      )}
      <p class="hint">
        {v.escape('integrations.retention_hint')} <a href="/admin/settings">{v.escape('nav.settings')}</a>
      </p>
      {running ? <p class="badge">{v.escape('integrations.retention_running')}</p> : ''}
      {v.can('settings.edit') && preview.enabled ? (
        <PostButton v={v} action="/admin/integrations/retention/run" confirm={v.t('integrations.retention_confirm', { n: preview.tickets })} button="danger" label="integrations.retention_run" />
      ) : (
        ''
      )}
      {runs.length ? (
        <DataTable
          v={v}
          id="retention-runs"
          wrap
          head={['integrations.run_started', 'integrations.run_trigger', 'integrations.run_status', 'integrations.run_tickets', 'integrations.run_files']}
          rows={runs}
          row={(r) => (
            <tr>
              <td safe>{v.date(r.started_at)}</td>
              <td>{v.escape(r.trigger === 'manual' ? 'integrations.trigger_manual' : 'integrations.trigger_schedule')}</td>
              <td>
                {v.escape(r.status === 'done' ? 'integrations.run_done' : r.status === 'failed' ? 'integrations.run_failed' : 'integrations.retention_running')}
                {r.error ? (
                  <div class="muted small" safe>
                    {r.error}
                  </div>
                ) : (
                  ''
                )}
              </td>
              <td>{r.tickets}</td>
              <td>{r.files}</td>
            </tr>
          )}
        />
      ) : (
        ''
      )}
    </section>
  )
}

export interface WebhookPageProps {
  v: View
  webhook: WebhookRow
  deliveries: Delivery[]
  next: number | null
  values: WebhookFormValues
  problems: Problems
  secret: string | null
  flash: MessageKey | null
}

export function WebhookPage(p: WebhookPageProps) {
  const { v, webhook: w } = p
  const canEdit = v.can('webhooks.edit')
  return (
    <Layout v={v} title={v.t('integrations.webhook')}>
      <p class="crumbs">
        <a href="/admin/integrations">← {v.escape('nav.integrations')}</a>
      </p>
      <h1 safe>{w.url}</h1>
      <Flash v={v} kind="ok" message={p.flash} />
      {p.secret ? <SecretOnce v={v} secret={p.secret} /> : ''}
      <p>
        <WebhookState v={v} w={w} /> {v.escape('integrations.summary', { pending: w.pending, failures: w.consecutive_failures, owner: w.owner })}
      </p>
      {w.disabled_reason ? (
        <p class="flash error" safe>
          {w.disabled_reason}
        </p>
      ) : (
        ''
      )}
      <form class="card spaced" method="post" action={`/admin/integrations/webhooks/${w.id}`}>
        <CsrfField v={v} />
        <h2>{v.escape('integrations.edit')}</h2>
        <WebhookFields v={v} values={p.values} problems={p.problems} disabled={!canEdit} />
        {canEdit ? (
          <div class="actions">
            <button type="submit">{v.escape('integrations.save')}</button>
          </div>
        ) : (
          ''
        )}
      </form>
      <div class="row">
        {canEdit ? (
          <PostButton v={v} action={`/admin/integrations/webhooks/${w.id}/secret`} class="inline-form" confirm={v.t('integrations.secret_confirm')} button="secondary" label="integrations.new_secret" />
        ) : (
          ''
        )}
        {v.can('webhooks.delete') ? (
          <PostButton v={v} action={`/admin/integrations/webhooks/${w.id}/delete`} class="inline-form" confirm={v.t('integrations.delete_confirm')} button="danger" label="integrations.delete" />
        ) : (
          ''
        )}
      </div>
      <h2>{v.escape('integrations.deliveries')}</h2>
      <DataTable
        v={v}
        id="deliveries"
        wrap
        head={['integrations.delivery', 'integrations.event', 'integrations.state', 'integrations.attempts', 'integrations.response', 'integrations.duration_ms', 'integrations.when', '']}
        rows={p.deliveries}
        empty={{ title: v.t('integrations.no_deliveries'), hint: v.t('integrations.no_deliveries_hint') }}
        row={(d) => (
          <tr id={`delivery-${d.id}`}>
            <td>{d.id}</td>
            <td>
              <code safe>{d.event}</code> <span class="muted small">#{d.event_id}</span>
            </td>
            <td>
              <span class={STATUS_CLASS[d.status]}>{v.escape(STATUS_LABEL[d.status])}</span>
              {d.error ? (
                <div class="muted small" safe>
                  {d.error}
                </div>
              ) : (
                ''
              )}
            </td>
            <td>{d.attempts}</td>
            <td>{d.response_status ?? '—'}</td>
            <td>{d.duration_ms ?? '—'}</td>
            <td class="small">
              <span safe>{d.status === 'pending' ? v.t('integrations.next_retry', { at: v.date(d.next_attempt_at) }) : v.date(d.updated_at)}</span>
            </td>
            <td>
              {canEdit && d.status !== 'pending' ? (
                <PostButton v={v} action={`/admin/integrations/webhooks/${w.id}/deliveries/${d.id}/redeliver`} class="inline-form" button="small secondary" label="integrations.redeliver" />
              ) : (
                ''
              )}
            </td>
          </tr>
        )}
      />
      {p.next !== null ? (
        <p>
          <a href={`/admin/integrations/webhooks/${w.id}?before=${p.next}`}>{v.escape('integrations.older')}</a>
        </p>
      ) : (
        ''
      )}
      <SigningHelp v={v} />
    </Layout>
  )
}
