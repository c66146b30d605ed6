// A WhatsApp channel: the new-channel form, and the channel page (webhook details to paste into
// Meta's dashboard, the connection test, the activation journey and the settings form).
// Secrets are write-only: the form never carries a stored (or just typed) secret back; the verify
// token is shown once here, in the webhook card, to admins.
import type { Sector } from '../../src/admin/sectors-store'
import type { TestResult } from '../../src/channels/channels'
import type { Channel } from '../../src/channels/store'
import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION } from '../../src/channels/whatsapp/graph'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'
import { StatusBadge } from './channels'
import { ActivationGuide } from './guide'

export interface ChannelFormValues {
  name: string
  phone_number_id: string
  waba_id: string
  graph_base_url: string
  graph_version: string
  sector_id: number | null
}

interface PhoneInfo {
  display_phone_number: string | null
  verified_name: string | null
  quality_rating: string | null
}

const QUALITY: Record<string, MessageKey> = {
  GREEN: 'channels.quality_green',
  YELLOW: 'channels.quality_yellow',
  RED: 'channels.quality_red',
  UNKNOWN: 'channels.quality_unknown',
  NA: 'channels.quality_unknown',
}
const qualityLabel = (v: View, q: string | null) => (q ? (QUALITY[q.toUpperCase()] ? v.t(QUALITY[q.toUpperCase()]) : q) : v.t('channels.quality_unknown'))

function PhoneInfoList({ v, info }: { v: View; info: PhoneInfo }) {
  return (
    <dl class="facts">
      <dt>{v.escape('channels.verified_name')}</dt>
      <dd safe>{info.verified_name ?? '—'}</dd>
      <dt>{v.escape('channels.display_phone_number')}</dt>
      <dd safe>{info.display_phone_number ?? '—'}</dd>
      <dt>{v.escape('channels.quality')}</dt>
      <dd safe>{qualityLabel(v, info.quality_rating)}</dd>
    </dl>
  )
}

/** The outcome of "Testar conexão" (the fragment htmx swaps in), or the last known good answer. */
export function TestResultView({ v, result, last }: { v: View; result: TestResult | null; last: PhoneInfo | null }) {
  if (result?.ok) {
    return (
      <div class="flash ok" role="status">
        <strong>{v.escape('channels.test_ok')}</strong>
        {result.resumed ? <p>{v.escape('channels.test_resumed')}</p> : ''}
        <PhoneInfoList v={v} info={result} />
      </div>
    )
  }
  if (result && !result.ok) {
    return (
      <div class="flash error" role="alert">
        <strong>{v.escape('channels.test_failed')}</strong>
        <p safe>{result.error.message}</p>
        {result.error.details ? (
          <details>
            <summary>{v.escape('channels.test_details')}</summary>
            <code safe>{`${result.error.code}: ${result.error.details}`}</code>
          </details>
        ) : (
          ''
        )}
      </div>
    )
  }
  if (last?.display_phone_number || last?.verified_name) {
    return (
      <div>
        <p class="muted">{v.escape('channels.test_last')}</p>
        <PhoneInfoList v={v} info={last} />
      </div>
    )
  }
  return <p class="muted">{v.escape('channels.test_never')}</p>
}

export function CopyField({ v, id, value }: { v: View; id: string; value: string }) {
  return (
    <div class="row">
      <code class="secret" id={id} safe>
        {value}
      </code>
      <button type="button" class="small secondary" data-copy={id} data-copied={v.t('channels.copied')}>
        {v.escape('channels.copy')}
      </button>
    </div>
  )
}

function ChannelForm({ v, channel, values, problems, sectors }: { v: View; channel: Channel | null; values: ChannelFormValues; problems: Problems; sectors: Sector[] }) {
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  const describedBy = (f: string, hint = true) => [hint ? `${f}-hint` : '', problems[f] ? `${f}-error` : ''].filter(Boolean).join(' ') || undefined
  const advancedOpen = Boolean(problems.graph_base_url || problems.graph_version || values.graph_base_url !== DEFAULT_GRAPH_BASE_URL || values.graph_version !== DEFAULT_GRAPH_VERSION)
  const keep = channel !== null
  return (
    <form method="post" action={channel ? `/admin/channels/${channel.id}` : '/admin/channels'} novalidate>
      <CsrfField v={v} />
      <label for="name">{v.escape('channels.name')}</label>
      <input id="name" name="name" type="text" required maxlength="120" value={values.name} aria-invalid={invalid('name')} aria-describedby={describedBy('name')} />
      <p class="hint" id="name-hint">
        {v.escape('channels.name_hint')}
      </p>
      <FieldError v={v} problems={problems} field="name" />

      <label for="sector_id">{v.escape('channels.sector')}</label>
      {sectors.length ? (
        <select id="sector_id" name="sector_id" required aria-invalid={invalid('sector_id')} aria-describedby={describedBy('sector_id')}>
          {values.sector_id === null && sectors.length > 1 ? <option value="">{v.escape('channels.sector_choose')}</option> : ''}
          {sectors.map((s) => (
            <option value={String(s.id)} selected={values.sector_id === s.id} safe>
              {s.name}
            </option>
          ))}
        </select>
      ) : (
        <p class="flash info">
          {v.escape('channels.no_sectors')}{' '}
          <a href="/admin/sectors/new">{v.escape('channels.create_sector')}</a>
        </p>
      )}
      <p class="hint" id="sector_id-hint">
        {v.escape('channels.sector_hint')}
      </p>
      <FieldError v={v} problems={problems} field="sector_id" />

      <label for="phone_number_id">{v.escape('channels.phone_number_id')}</label>
      <input
        id="phone_number_id"
        name="phone_number_id"
        type="text"
        inputmode="numeric"
        required
        maxlength="30"
        autocomplete="off"
        value={values.phone_number_id}
        aria-invalid={invalid('phone_number_id')}
        aria-describedby={describedBy('phone_number_id')}
      />
      <p class="hint" id="phone_number_id-hint">
        {v.escape('channels.phone_number_id_hint')}
      </p>
      <FieldError v={v} problems={problems} field="phone_number_id" />

      <label for="waba_id">{v.escape('channels.waba_id')}</label>
      <input id="waba_id" name="waba_id" type="text" inputmode="numeric" required maxlength="30" autocomplete="off" value={values.waba_id} aria-invalid={invalid('waba_id')} aria-describedby={describedBy('waba_id')} />
      <p class="hint" id="waba_id-hint">
        {v.escape('channels.waba_id_hint')}
      </p>
      <FieldError v={v} problems={problems} field="waba_id" />

      <fieldset>
        <legend>{v.escape('channels.secrets')}</legend>
        <p class="hint">{v.escape('channels.secrets_hint')}</p>
        <label for="access_token">{v.escape('channels.access_token')}</label>
        <input
          id="access_token"
          name="access_token"
          type="password"
          autocomplete="new-password"
          spellcheck="false"
          maxlength="1000"
          required={!keep}
          aria-invalid={invalid('access_token')}
          aria-describedby={describedBy('access_token')}
        />
        <p class="hint" id="access_token-hint">
          {keep ? v.escape('channels.secret_keep') : v.escape('channels.access_token_hint')}
        </p>
        <FieldError v={v} problems={problems} field="access_token" />

        <label for="app_secret">{v.escape('channels.app_secret')}</label>
        <input
          id="app_secret"
          name="app_secret"
          type="password"
          autocomplete="new-password"
          spellcheck="false"
          maxlength="1000"
          required={!keep}
          aria-invalid={invalid('app_secret')}
          aria-describedby={describedBy('app_secret')}
        />
        <p class="hint" id="app_secret-hint">
          {keep ? v.escape('channels.secret_keep') : v.escape('channels.app_secret_hint')}
        </p>
        <FieldError v={v} problems={problems} field="app_secret" />

        <label for="verify_token">{v.escape('channels.verify_token')}</label>
        <input
          id="verify_token"
          name="verify_token"
          type="text"
          autocomplete="off"
          spellcheck="false"
          maxlength="1000"
          aria-invalid={invalid('verify_token')}
          aria-describedby={describedBy('verify_token')}
        />
        <p class="hint" id="verify_token-hint">
          {keep ? v.escape('channels.secret_keep') : v.escape('channels.verify_token_hint_new')}
        </p>
        <FieldError v={v} problems={problems} field="verify_token" />
      </fieldset>

      <details open={advancedOpen}>
        <summary>{v.escape('channels.advanced')}</summary>
        <label for="graph_base_url">{v.escape('channels.graph_base_url')}</label>
        <input id="graph_base_url" name="graph_base_url" type="text" inputmode="url" spellcheck="false" maxlength="500" value={values.graph_base_url} aria-invalid={invalid('graph_base_url')} aria-describedby={describedBy('graph_base_url')} />
        <p class="hint" id="graph_base_url-hint">
          {v.escape('channels.graph_base_url_hint')}
        </p>
        <FieldError v={v} problems={problems} field="graph_base_url" />
        <label for="graph_version">{v.escape('channels.graph_version')}</label>
        <input id="graph_version" name="graph_version" type="text" maxlength="10" value={values.graph_version} aria-invalid={invalid('graph_version')} aria-describedby={describedBy('graph_version')} />
        <p class="hint" id="graph_version-hint">
          {v.escape('channels.graph_version_hint')}
        </p>
        <FieldError v={v} problems={problems} field="graph_version" />
      </details>

      <p class="hint">{v.escape('channels.bot_note')}</p>
      <div class="actions">
        <button type="submit">{v.escape('form.save')}</button>
        <a class="button secondary" href="/admin/channels">
          {v.escape('form.cancel')}
        </a>
      </div>
    </form>
  )
}

function FormProblems({ v, problems, retype }: { v: View; problems: Problems; retype: boolean }) {
  if (!Object.keys(problems).length) return ''
  return (
    <div class="flash error" role="alert">
      {v.escape('form.fix_errors')}
      {retype ? <p>{v.escape('channels.retype_secrets')}</p> : ''}
    </div>
  )
}

/** /admin/channels/new */
export function NewChannelPage({ v, values, problems, sectors }: { v: View; values: ChannelFormValues; problems: Problems; sectors: Sector[] }) {
  const title = v.t('channels.new_title')
  return (
    <Layout v={v} title={title}>
      <p>
        <a href="/admin/channels">← {v.escape('channels.back')}</a>
      </p>
      <div class="card">
        <h1 safe>{title}</h1>
        <FormProblems v={v} problems={problems} retype={true} />
        <ChannelForm v={v} channel={null} values={values} problems={problems} sectors={sectors} />
        <p class="hint">{v.escape('channels.webhook_after_save')}</p>
      </div>
      <ActivationGuide v={v} open={true} />
    </Layout>
  )
}

/** /admin/channels/:id — everything about one channel. */
export function ChannelPage({
  v,
  channel,
  webhookUrl,
  verifyToken,
  values,
  problems,
  sectors,
  test,
  flash,
  retype,
}: {
  v: View
  channel: Channel
  webhookUrl: string
  verifyToken: string
  values: ChannelFormValues
  problems: Problems
  sectors: Sector[]
  test: TestResult | null
  flash?: MessageKey | null
  retype?: boolean
}) {
  const s = channel.settings
  const str = (x: unknown) => (typeof x === 'string' && x ? x : null)
  const last: PhoneInfo = { display_phone_number: str(s.display_phone_number), verified_name: str(s.verified_name), quality_rating: str(s.quality_rating) }
  const tested = Boolean(last.display_phone_number || last.verified_name)
  return (
    <Layout v={v} title={channel.name}>
      <p>
        <a href="/admin/channels">← {v.escape('channels.back')}</a>
      </p>
      <Flash v={v} kind="ok" message={flash} />
      <div class="row">
        <h1 safe>{channel.name}</h1>
        <StatusBadge v={v} channel={channel} />
      </div>
      {channel.status === 'paused' ? (
        <div class="flash error" role="alert">
          {v.escape('channels.paused_notice', { reason: channel.status_reason ?? '—' })}
        </div>
      ) : (
        ''
      )}

      <section class="card" aria-labelledby="webhook-title">
        <h2 id="webhook-title">{v.escape('channels.webhook_title')}</h2>
        <p>{v.escape('channels.webhook_intro')}</p>
        <p>
          <strong>{v.escape('channels.webhook_url')}</strong>
        </p>
        <CopyField v={v} id="webhook-url" value={webhookUrl} />
        <p>
          <strong>{v.escape('channels.verify_token')}</strong>
        </p>
        <CopyField v={v} id="verify-token" value={verifyToken} />
        <p class="hint">{v.escape('channels.verify_token_private')}</p>
      </section>

      <section class="card" aria-labelledby="test-title">
        <h2 id="test-title">{v.escape('channels.test_title')}</h2>
        <p class="muted">{v.escape('channels.test_intro')}</p>
        <form
          method="post"
          action={`/admin/channels/${channel.id}/test`}
          class="row"
          hx-post={`/admin/channels/${channel.id}/test`}
          hx-target="#test-result"
          hx-swap="innerHTML"
          hx-disable="find button"
        >
          <CsrfField v={v} />
          <button type="submit">{v.escape('channels.test')}</button>
          <span class="htmx-indicator muted">⏳ {v.escape('channels.testing')}</span>
        </form>
        <div id="test-result" class="spaced" aria-live="polite">
          <TestResultView v={v} result={test} last={last} />
        </div>
      </section>

      <ActivationGuide v={v} open={!tested} />

      <section class="card" aria-labelledby="settings-title">
        <h2 id="settings-title">{v.escape('channels.edit')}</h2>
        <FormProblems v={v} problems={problems} retype={Boolean(retype)} />
        <ChannelForm v={v} channel={channel} values={values} problems={problems} sectors={sectors} />
      </section>
    </Layout>
  )
}
