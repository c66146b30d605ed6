// A web-chat channel: the settings form (new and existing), the embed snippet to paste into the
// site, and the live preview page that embeds the real widget.
import type { Sector } from '../../src/admin/sectors-store'
import type { Flow } from '../../src/bot/store'
import { PRECHAT_FIELDS, PRECHAT_MODES, type PrechatField, type PrechatMode } from '../../src/channels/webchat/settings'
import type { Channel } from '../../src/channels/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'
import { CopyField } from './channel'
import { StatusBadge } from './channels'

/** What the form shows: the stored settings, or what was typed when a save failed. */
export interface WebchatFormValues {
  name: string
  sector_id: number | null
  bot_flow_id: number | null
  allowed_origins: string
  title: string
  greeting: string
  color_primary: string
  color_text: string
  prechat: Record<PrechatField, PrechatMode>
  consent_text: string
  policy_url: string
  uploads: boolean
  max_file_mb: string
}

const FIELD_LABEL: Record<PrechatField, MessageKey> = { email: 'webchat.field_email', phone: 'webchat.field_phone', code: 'webchat.field_code' }
const MODE_LABEL: Record<PrechatMode, MessageKey> = { required: 'webchat.mode_required', optional: 'webchat.mode_optional', hidden: 'webchat.mode_hidden' }

function WebchatForm({ v, channel, values, problems, sectors, flows }: { v: View; channel: Channel | null; values: WebchatFormValues; problems: Problems; sectors: Sector[]; flows: Flow[] }) {
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  const described = (f: string, hint = false) => [hint ? `${f}-hint` : '', problems[f] ? `${f}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <form method="post" action={channel ? `/admin/channels/${channel.id}/webchat` : '/admin/channels/new/webchat'} novalidate>
      <CsrfField v={v} />
      <label for="name">{v.escape('channels.name')}</label>
      <input id="name" name="name" type="text" required maxlength="120" value={values.name} aria-invalid={invalid('name')} aria-describedby={described('name')} />
      <FieldError v={v} problems={problems} field="name" />

      <label for="sector_id">{v.escape('channels.sector')}</label>
      <select id="sector_id" name="sector_id" required aria-invalid={invalid('sector_id')} aria-describedby={described('sector_id')}>
        {values.sector_id === null ? <option value="">{v.escape('channels.sector_choose')}</option> : ''}
        {sectors.map((s) => (
          <option value={String(s.id)} selected={values.sector_id === s.id} safe>
            {s.name}
          </option>
        ))}
      </select>
      <FieldError v={v} problems={problems} field="sector_id" />

      <label for="bot_flow_id">{v.escape('webchat.bot_flow')}</label>
      <select id="bot_flow_id" name="bot_flow_id" aria-invalid={invalid('bot_flow_id')} aria-describedby={described('bot_flow_id')}>
        <option value="" selected={values.bot_flow_id === null}>
          {v.escape('webchat.bot_none')}
        </option>
        {flows.map((f) => (
          <option value={String(f.id)} selected={values.bot_flow_id === f.id} safe>
            {f.name}
          </option>
        ))}
      </select>
      <FieldError v={v} problems={problems} field="bot_flow_id" />

      <label for="allowed_origins">{v.escape('webchat.origins')}</label>
      <textarea id="allowed_origins" name="allowed_origins" rows="3" spellcheck="false" required aria-invalid={invalid('allowed_origins')} aria-describedby={described('allowed_origins', true)} safe>
        {values.allowed_origins}
      </textarea>
      <p class="hint" id="allowed_origins-hint">
        {v.escape('webchat.origins_hint')}
      </p>
      <FieldError v={v} problems={problems} field="allowed_origins" />

      <fieldset>
        <legend>{v.escape('webchat.appearance')}</legend>
        <label for="title">{v.escape('webchat.title')}</label>
        <input id="title" name="title" type="text" maxlength="60" required value={values.title} aria-invalid={invalid('title')} aria-describedby={described('title')} />
        <FieldError v={v} problems={problems} field="title" />
        <label for="greeting">{v.escape('webchat.greeting')}</label>
        <textarea id="greeting" name="greeting" rows="2" maxlength="500" aria-invalid={invalid('greeting')} aria-describedby={described('greeting')} safe>
          {values.greeting}
        </textarea>
        <FieldError v={v} problems={problems} field="greeting" />
        <div class="row">
          <div>
            <label for="color_primary">{v.escape('webchat.color_primary')}</label>
            <input id="color_primary" name="color_primary" type="color" value={values.color_primary} aria-invalid={invalid('colors')} />
          </div>
          <div>
            <label for="color_text">{v.escape('webchat.color_text')}</label>
            <input id="color_text" name="color_text" type="color" value={values.color_text} aria-invalid={invalid('colors')} />
          </div>
        </div>
        <FieldError v={v} problems={problems} field="colors" />
      </fieldset>

      <fieldset>
        <legend>{v.escape('webchat.prechat')}</legend>
        <p class="hint">{v.escape('webchat.prechat_hint')}</p>
        {PRECHAT_FIELDS.map((f) => (
          <div>
            <label for={`prechat_${f}`}>{v.escape(FIELD_LABEL[f])}</label>
            <select id={`prechat_${f}`} name={`prechat_${f}`}>
              {PRECHAT_MODES.map((m) => (
                <option value={m} selected={values.prechat[f] === m}>
                  {v.escape(MODE_LABEL[m])}
                </option>
              ))}
            </select>
          </div>
        ))}
        <FieldError v={v} problems={problems} field="prechat" />
      </fieldset>

      <fieldset>
        <legend>{v.escape('webchat.consent')}</legend>
        <label for="consent_text">{v.escape('webchat.consent_text')}</label>
        <textarea id="consent_text" name="consent_text" rows="3" maxlength="2000" required aria-invalid={invalid('consent_text')} aria-describedby={described('consent_text')} safe>
          {values.consent_text}
        </textarea>
        <FieldError v={v} problems={problems} field="consent_text" />
        <label for="policy_url">{v.escape('webchat.policy_url')}</label>
        <input id="policy_url" name="policy_url" type="url" maxlength="500" value={values.policy_url} aria-invalid={invalid('policy_url')} aria-describedby={described('policy_url')} />
        <FieldError v={v} problems={problems} field="policy_url" />
      </fieldset>

      <fieldset>
        <legend>{v.escape('webchat.files')}</legend>
        <label class="check">
          <input type="checkbox" name="uploads" value="1" checked={values.uploads} /> {v.escape('webchat.uploads')}
        </label>
        <label for="max_file_mb">{v.escape('webchat.max_file_mb')}</label>
        <input id="max_file_mb" name="max_file_mb" type="number" min="0.001" max="20" step="0.001" inputmode="decimal" value={values.max_file_mb} aria-invalid={invalid('max_file_bytes')} aria-describedby={described('max_file_bytes')} />
        <FieldError v={v} problems={problems} field="max_file_bytes" />
      </fieldset>

      <div class="actions">
        <button type="submit">{channel ? v.escape('webchat.save') : v.escape('webchat.create')}</button>
        <a class="button secondary" href="/admin/channels">
          {v.escape('form.cancel')}
        </a>
      </div>
    </form>
  )
}

function Problems({ v, problems }: { v: View; problems: Problems }) {
  return Object.keys(problems).length ? (
    <div class="flash error" role="alert">
      {v.escape('form.fix_errors')}
    </div>
  ) : (
    ''
  )
}

/** /admin/channels/new/webchat */
export function NewWebchatPage(p: { v: View; values: WebchatFormValues; problems: Problems; sectors: Sector[]; flows: Flow[] }) {
  const { v } = p
  const title = v.t('webchat.new_title')
  return (
    <Layout v={v} title={title}>
      <p>
        <a href="/admin/channels">← {v.escape('channels.back')}</a>
      </p>
      <div class="card">
        <h1 safe>{title}</h1>
        <Problems v={v} problems={p.problems} />
        <WebchatForm v={v} channel={null} values={p.values} problems={p.problems} sectors={p.sectors} flows={p.flows} />
      </div>
    </Layout>
  )
}

/** /admin/channels/:id/webchat — the snippet, the preview link and the settings. */
export function WebchatPage(p: { v: View; channel: Channel; snippet: string; values: WebchatFormValues; problems: Problems; sectors: Sector[]; flows: Flow[]; flash?: MessageKey | null }) {
  const { v, channel } = p
  return (
    <Layout v={v} title={v.t('webchat.edit_title', { name: channel.name })}>
      <p>
        <a href="/admin/channels">← {v.escape('channels.back')}</a>
      </p>
      <Flash v={v} kind="ok" message={p.flash} />
      <div class="row">
        <h1 safe>{channel.name}</h1>
        <span class="badge">{v.escape('channel.webchat')}</span>
        <StatusBadge v={v} channel={channel} />
      </div>
      <section class="card" aria-labelledby="embed-title">
        <h2 id="embed-title">{v.escape('webchat.embed')}</h2>
        <p>{v.escape('webchat.embed_hint')}</p>
        <CopyField v={v} id="embed-snippet" value={p.snippet} />
        <p>
          <a class="button secondary" href={`/admin/channels/${channel.id}/webchat/preview`} target="_blank" rel="noopener">
            {v.escape('webchat.preview')}
          </a>
        </p>
      </section>
      <section class="card">
        <Problems v={v} problems={p.problems} />
        <WebchatForm v={v} channel={channel} values={p.values} problems={p.problems} sectors={p.sectors} flows={p.flows} />
      </section>
    </Layout>
  )
}

/** /admin/channels/:id/webchat/preview — the real widget on a page of our own origin. */
export function WebchatPreviewPage({ v, channel, scriptUrl, channelKey }: { v: View; channel: Channel; scriptUrl: string; channelKey: string }) {
  return (
    <Layout v={v} title={v.t('webchat.preview_title', { name: channel.name })}>
      <p>
        <a href={`/admin/channels/${channel.id}/webchat`}>← {v.escape('channels.back')}</a>
      </p>
      <div class="card webchat-preview">
        <h1>{v.escape('webchat.preview_title', { name: channel.name })}</h1>
        <p>{v.escape('webchat.preview_hint')}</p>
      </div>
      <script src={scriptUrl} data-channel={channelKey} async></script>
    </Layout>
  )
}
