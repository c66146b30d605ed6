// The single sign-on settings page (/admin/sso): the provider, the client registered there, who may
// get in, and a "test discovery" button that checks the provider before anything is saved.
import type { Profile } from '../../src/admin/profiles-store'
import type { Sector } from '../../src/admin/sectors-store'
import type { MessageKey } from '../../src/i18n'
import type { SsoFormValues } from '../../src/sso/settings'
import { CsrfField, FieldError, FixErrors, Flash, SaveActions } from '../components'
import { Layout } from '../layout'
import { SettingsTabs } from '../settings/settings'
import type { Problems, View } from '../view'

export interface DiscoveryResult {
  ok: boolean
  issuer?: string
  keys?: number
  /** The refusal, already in the viewer's language. */
  reason?: string
}

export function SsoSettingsPage(p: {
  v: View
  values: SsoFormValues
  problems: Problems
  hasSecret: boolean
  redirectUri: string
  profiles: Profile[]
  sectors: Sector[]
  flash?: MessageKey | null
  test?: DiscoveryResult | null
}) {
  const { v, values, problems } = p
  const editable = v.can('settings.edit')
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  const described = (f: string, hint?: string) => [hint, problems[f] ? `${f}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <Layout v={v} title={v.t('sso.title')}>
      <h1>{v.escape('sso.title')}</h1>
      <SettingsTabs v={v} />
      <p class="muted">{v.escape('sso.intro')}</p>
      <Flash v={v} kind="ok" message={p.flash} />
      <FixErrors v={v} problems={problems} />
      <form method="post" action="/admin/sso" novalidate>
        <CsrfField v={v} />
        <fieldset class="card">
          <legend>{v.escape('sso.provider')}</legend>
          <label for="kind">{v.escape('sso.kind')}</label>
          <select id="kind" name="kind" aria-invalid={invalid('kind')} disabled={!editable}>
            <option value="microsoft" selected={values.kind === 'microsoft'}>
              {v.escape('sso.kind_microsoft')}
            </option>
            <option value="generic" selected={values.kind === 'generic'}>
              {v.escape('sso.kind_generic')}
            </option>
          </select>
          <FieldError v={v} problems={problems} field="kind" />
          <label for="label">{v.escape('sso.label')}</label>
          <input id="label" name="label" type="text" maxlength="40" required value={values.label} aria-invalid={invalid('label')} aria-describedby={described('label', 'label-hint')} disabled={!editable} />
          <p class="hint" id="label-hint">
            {v.escape('sso.label_hint')}
          </p>
          <FieldError v={v} problems={problems} field="label" />
          <label for="tenant_id">{v.escape('sso.tenant_id')}</label>
          <input id="tenant_id" name="tenant_id" type="text" autocomplete="off" spellcheck="false" value={values.tenant_id} aria-invalid={invalid('tenant_id')} aria-describedby={described('tenant_id', 'tenant_id-hint')} disabled={!editable} />
          <p class="hint" id="tenant_id-hint">
            {v.escape('sso.tenant_hint')}
          </p>
          <FieldError v={v} problems={problems} field="tenant_id" />
          <label for="issuer_url">{v.escape('sso.issuer_url')}</label>
          <input id="issuer_url" name="issuer_url" type="text" inputmode="url" autocomplete="off" spellcheck="false" value={values.issuer_url} aria-invalid={invalid('issuer_url')} aria-describedby={described('issuer_url', 'issuer_url-hint')} disabled={!editable} />
          <p class="hint" id="issuer_url-hint">
            {v.escape('sso.issuer_hint')}
          </p>
          <FieldError v={v} problems={problems} field="issuer_url" />
          <label for="client_id">{v.escape('sso.client_id')}</label>
          <input id="client_id" name="client_id" type="text" autocomplete="off" spellcheck="false" value={values.client_id} aria-invalid={invalid('client_id')} aria-describedby={described('client_id')} disabled={!editable} />
          <FieldError v={v} problems={problems} field="client_id" />
          <label for="client_secret">{v.escape('sso.client_secret')}</label>
          <input id="client_secret" name="client_secret" type="password" autocomplete="new-password" value="" aria-invalid={invalid('client_secret')} aria-describedby={described('client_secret', 'client_secret-hint')} disabled={!editable} />
          <p class="hint" id="client_secret-hint">
            {v.escape('sso.client_secret_hint')} {p.hasSecret ? v.escape('sso.client_secret_stored') : ''}
          </p>
          <FieldError v={v} problems={problems} field="client_secret" />
          <label for="scopes">{v.escape('sso.scopes')}</label>
          <input id="scopes" name="scopes" type="text" spellcheck="false" value={values.scopes} aria-invalid={invalid('scopes')} aria-describedby={described('scopes', 'scopes-hint')} disabled={!editable} />
          <p class="hint" id="scopes-hint">
            {v.escape('sso.scopes_hint')}
          </p>
          <FieldError v={v} problems={problems} field="scopes" />
          <label for="redirect_uri">{v.escape('sso.redirect_uri')}</label>
          <input id="redirect_uri" type="text" readonly value={p.redirectUri} />
          {editable ? (
            <div class="actions">
              <button type="submit" class="secondary" formaction="/admin/sso/test" hx-post="/admin/sso/test" hx-target="#sso-test" hx-swap="innerHTML">
                {v.escape('sso.test')}
              </button>
            </div>
          ) : (
            ''
          )}
          <div id="sso-test" aria-live="polite">
            <DiscoveryOutcome v={v} test={p.test ?? null} />
          </div>
        </fieldset>
        <fieldset class="card">
          <legend>{v.escape('sso.users')}</legend>
          <label class="inline">
            <input type="checkbox" name="auto_create" value="1" checked={values.auto_create} aria-describedby="auto_create-hint" disabled={!editable} /> {v.escape('sso.auto_create')}
          </label>
          <p class="hint" id="auto_create-hint">
            {v.escape('sso.auto_create_hint')}
          </p>
          <label for="default_profile_id">{v.escape('sso.default_profile')}</label>
          <select id="default_profile_id" name="default_profile_id" aria-invalid={invalid('default_profile_id')} aria-describedby={described('default_profile_id')} disabled={!editable}>
            <option value="">{v.escape('sso.default_profile_none')}</option>
            {p.profiles
              .filter((x) => x.key !== 'admin')
              .map((x) => (
                <option value={String(x.id)} selected={values.default_profile_id === String(x.id)} safe>
                  {x.name}
                </option>
              ))}
          </select>
          <FieldError v={v} problems={problems} field="default_profile_id" />
          <fieldset>
            <legend>{v.escape('sso.default_sectors')}</legend>
            {p.sectors.length ? (
              <div class="checks">
                {p.sectors.map((s) => (
                  <label class="inline">
                    <input type="checkbox" name="default_sector_ids" value={String(s.id)} checked={values.default_sector_ids.includes(String(s.id))} disabled={!editable} />
                    <span safe>{s.name}</span>
                  </label>
                ))}
              </div>
            ) : (
              <p class="muted">{v.escape('sso.no_sectors')}</p>
            )}
            <FieldError v={v} problems={problems} field="default_sector_ids" />
          </fieldset>
          <label for="allowed_domains">{v.escape('sso.allowed_domains')}</label>
          <textarea id="allowed_domains" name="allowed_domains" rows="3" spellcheck="false" aria-invalid={invalid('allowed_domains')} aria-describedby={described('allowed_domains', 'allowed_domains-hint')} disabled={!editable} safe>
            {values.allowed_domains}
          </textarea>
          <p class="hint" id="allowed_domains-hint">
            {v.escape('sso.allowed_domains_hint')}
          </p>
          <FieldError v={v} problems={problems} field="allowed_domains" />
          <label class="inline">
            <input type="checkbox" name="enabled" value="1" checked={values.enabled} aria-describedby="enabled-hint" disabled={!editable} /> {v.escape('sso.enabled')}
          </label>
          <p class="hint" id="enabled-hint">
            {v.escape('sso.enabled_hint')}
          </p>
        </fieldset>
        <SaveActions v={v} show={editable} />
      </form>
    </Layout>
  )
}

/** The result of "test discovery"; also the fragment htmx swaps into #sso-test. */
export function DiscoveryOutcome({ v, test }: { v: View; test: DiscoveryResult | null }) {
  if (!test) return ''
  return test.ok ? (
    <div class="flash ok" role="status">
      {v.escape('sso.test_ok', { issuer: test.issuer ?? '', keys: test.keys ?? 0 })}
    </div>
  ) : (
    <div class="flash error" role="alert">
      {v.escape('sso.test_failed', { reason: test.reason ?? '' })}
    </div>
  )
}
