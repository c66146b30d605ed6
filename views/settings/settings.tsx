// Settings pages: general (company, time zone, language, desk, retention, sessions, passwords),
// communication (default messages per channel and language), and the tabs between them.
import type { RetentionPreview } from '../../src/lgpd/retention'
import type { GeneralSettings, Messages } from '../../src/settings/settings'
import { MESSAGE_CHANNELS, MESSAGE_KEYS, RETENTION_MODES } from '../../src/settings/settings'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, FieldError, FixErrors, Flash, SaveActions } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export function SettingsTabs({ v }: { v: View }) {
  const tabs: [string, MessageKey][] = [
    ['/admin/settings', 'settings.tab_general'],
    ['/admin/settings/communication', 'settings.tab_communication'],
    ['/admin/backups', 'settings.tab_backups'],
    ['/admin/sso', 'sso.title'],
  ]
  return (
    <nav class="tabs" aria-label={v.t('nav.settings')}>
      {tabs.map(([href, label]) => (
        <a class="tab" href={href} aria-current={v.path === href ? 'page' : undefined}>
          {v.escape(label)}
        </a>
      ))}
    </nav>
  )
}

export interface GeneralFormValues {
  company_name: string
  time_zone: string
  language: string
  reopen_window_minutes: string
  require_classification: boolean
  retention_months: string
  retention_mode: string
  session_hours: string
  remember_days: string
  password_min_length: string
  password_letters_and_digits: boolean
  password_symbol: boolean
}

export const generalValues = (g: GeneralSettings): GeneralFormValues => ({
  company_name: g.company_name,
  time_zone: g.time_zone,
  language: g.language,
  reopen_window_minutes: String(g.reopen_window_minutes),
  require_classification: g.require_classification,
  retention_months: String(g.retention_months),
  retention_mode: g.retention_mode,
  session_hours: String(g.session_hours),
  remember_days: String(g.remember_days),
  password_min_length: String(g.password.min_length),
  password_letters_and_digits: g.password.letters_and_digits,
  password_symbol: g.password.symbol,
})

export function GeneralSettingsPage({
  v,
  values,
  problems,
  zones,
  hasLogo,
  retention,
  flash,
}: {
  v: View
  values: GeneralFormValues
  problems: Problems
  zones: string[]
  hasLogo: boolean
  /** what the next run would do with the saved settings */
  retention: RetentionPreview
  flash?: MessageKey | null
}) {
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  const editable = v.can('settings.edit')
  const num = (id: keyof GeneralFormValues, label: MessageKey, hint: MessageKey, min: number, max: number) => (
    <div>
      <label for={id}>{v.escape(label)}</label>
      <input id={id} name={id} type="number" min={String(min)} max={String(max)} value={String(values[id])} aria-invalid={invalid(id)} aria-describedby={`${id}-hint`} disabled={!editable} />
      <p class="hint" id={`${id}-hint`}>
        {v.escape(hint)}
      </p>
      <FieldError v={v} problems={problems} field={id} />
    </div>
  )
  return (
    <Layout v={v} title={v.t('settings.title')}>
      <h1>{v.escape('settings.title')}</h1>
      <SettingsTabs v={v} />
      <Flash v={v} kind="ok" message={flash} />
      <FixErrors v={v} problems={problems} />
      <form method="post" action="/admin/settings" enctype="multipart/form-data" novalidate>
        <CsrfField v={v} />
        <fieldset class="card">
          <legend>{v.escape('settings.company')}</legend>
          <label for="company_name">{v.escape('settings.company_name')}</label>
          <input id="company_name" name="company_name" type="text" required maxlength="120" value={values.company_name} aria-invalid={invalid('company_name')} disabled={!editable} />
          <FieldError v={v} problems={problems} field="company_name" />
          <label for="logo">{v.escape('settings.logo')}</label>
          {hasLogo ? (
            <p>
              <img src="/branding/logo" alt={v.t('settings.logo_current')} height="48" />
            </p>
          ) : (
            ''
          )}
          <input id="logo" name="logo" type="file" accept="image/png,image/jpeg,image/gif,image/webp" aria-describedby="logo-hint" disabled={!editable} />
          <p class="hint" id="logo-hint">
            {v.escape('settings.logo_hint')}
          </p>
          {hasLogo && editable ? (
            <label class="inline">
              <input type="checkbox" name="remove_logo" value="1" /> {v.escape('settings.logo_remove')}
            </label>
          ) : (
            ''
          )}
          <FieldError v={v} problems={problems} field="logo" />
          <label for="time_zone">{v.escape('settings.time_zone')}</label>
          <select id="time_zone" name="time_zone" aria-invalid={invalid('time_zone')} disabled={!editable}>
            {zones.map((z) => (
              <option value={z} selected={z === values.time_zone} safe>
                {z}
              </option>
            ))}
          </select>
          <FieldError v={v} problems={problems} field="time_zone" />
          <label for="language">{v.escape('settings.language')}</label>
          <select id="language" name="language" disabled={!editable}>
            <option value="pt-BR" selected={values.language === 'pt-BR'}>
              Português (Brasil)
            </option>
            <option value="en" selected={values.language === 'en'}>
              English
            </option>
          </select>
          <p class="hint">{v.escape('settings.language_hint')}</p>
        </fieldset>
        <fieldset class="card">
          <legend>{v.escape('settings.desk')}</legend>
          {num('reopen_window_minutes', 'settings.reopen_window', 'settings.reopen_window_hint', 0, 10080)}
          <label class="inline">
            <input type="checkbox" name="require_classification" value="1" checked={values.require_classification} disabled={!editable} /> {v.escape('settings.require_classification')}
          </label>
          <p class="hint">{v.escape('settings.require_classification_hint')}</p>
        </fieldset>
        <fieldset class="card">
          <legend>{v.escape('settings.retention')}</legend>
          {num('retention_months', 'settings.retention_months', 'settings.retention_keep_hint', 0, 240)}
          <label for="retention_mode">{v.escape('settings.retention_mode')}</label>
          <select id="retention_mode" name="retention_mode" aria-invalid={invalid('retention_mode')} aria-describedby="retention_mode-hint retention_mode-warning" disabled={!editable}>
            {RETENTION_MODES.map((m) => (
              <option value={m} selected={values.retention_mode === m}>
                {v.escape(`settings.retention_mode_${m}`)}
              </option>
            ))}
          </select>
          <p class="hint" id="retention_mode-hint">
            {v.escape('settings.retention_mode_hint')}
          </p>
          {/* Deleting cannot be undone: said always, and loudly while it is the chosen mode. */}
          <p class={values.retention_mode === 'delete' ? 'flash error' : 'hint'} id="retention_mode-warning">
            {v.escape('settings.retention_delete_warning')}
          </p>
          <FieldError v={v} problems={problems} field="retention_mode" />
          {retention.enabled ? (
            <p id="retention-preview">
              {v.escape(`settings.retention_preview_${retention.mode}`, { n: retention.tickets, date: v.date(retention.cutoff!) })}{' '}
              <a href="/admin/integrations#retention">{v.escape('settings.retention_runs_link')}</a>
            </p>
          ) : (
            ''
          )}
        </fieldset>
        <fieldset class="card">
          <legend>{v.escape('settings.security')}</legend>
          {num('session_hours', 'settings.session_hours', 'settings.session_hours_hint', 1, 2160)}
          {num('remember_days', 'settings.remember_days', 'settings.remember_days_hint', 1, 365)}
          {num('password_min_length', 'settings.password_min', 'settings.password_min_hint', 8, 128)}
          <label class="inline">
            <input type="checkbox" name="password_letters_and_digits" value="1" checked={values.password_letters_and_digits} disabled={!editable} /> {v.escape('settings.password_letters_digits_label')}
          </label>
          <label class="inline">
            <input type="checkbox" name="password_symbol" value="1" checked={values.password_symbol} disabled={!editable} /> {v.escape('settings.password_symbol_label')}
          </label>
        </fieldset>
        <SaveActions v={v} show={editable} />
      </form>
    </Layout>
  )
}

export function CommunicationPage({ v, messages, defaults, problems, flash }: { v: View; messages: Messages; defaults: Record<string, Record<string, string>>; problems: Problems; flash?: MessageKey | null }) {
  const editable = v.can('settings.edit')
  const langs = ['pt-BR', 'en'] as const
  return (
    <Layout v={v} title={v.t('settings.communication')}>
      <h1>{v.escape('settings.title')}</h1>
      <SettingsTabs v={v} />
      <Flash v={v} kind="ok" message={flash} />
      <FixErrors v={v} problems={problems} />
      <p class="hint">{v.escape('settings.communication_intro')}</p>
      <form method="post" action="/admin/settings/communication" novalidate>
        <CsrfField v={v} />
        {MESSAGE_KEYS.map((key) => (
          <fieldset class="card">
            <legend>{v.escape(`settings.message.${key}`)}</legend>
            {MESSAGE_CHANNELS.map((channel) => {
              const body = langs.map((lang) => {
                const id = `${key}.${channel}.${lang}`
                return (
                  <div>
                    <label for={id}>{v.escape(lang === 'pt-BR' ? 'settings.in_portuguese' : 'settings.in_english')}</label>
                    <textarea id={id} name={id} rows="2" maxlength="1000" placeholder={channel === 'default' ? defaults[key][lang] : v.t('settings.same_as_default')} aria-invalid={problems[id] ? 'true' : undefined} disabled={!editable} safe>
                      {messages[key]?.[channel]?.[lang] ?? ''}
                    </textarea>
                    <FieldError v={v} problems={problems} field={id} />
                  </div>
                )
              })
              return channel === 'default' ? (
                <div>{body}</div>
              ) : (
                <details open={Boolean(messages[key]?.[channel])}>
                  <summary>{v.escape('settings.per_channel', { channel: v.t(`channel.${channel}`) })}</summary>
                  {body}
                </details>
              )
            })}
          </fieldset>
        ))}
        <SaveActions v={v} show={editable} />
      </form>
    </Layout>
  )
}
