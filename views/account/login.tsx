import { CSRF_FIELD } from '../../src/http/csrf'
import type { MessageKey } from '../../src/i18n'
import { Flash } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

export interface LoginForm {
  email: string
  remember: boolean
  next: string
}

export function LoginPage({ v, form, error, info, sso }: { v: View; form: LoginForm; error?: string; info?: MessageKey | null; sso?: { label: string } | null }) {
  return (
    <Layout v={v} title={v.t('login.title')}>
      <div class="narrow card">
        <h1 class="row">
          <span>Kumquat</span>
        </h1>
        <Flash v={v} kind="info" message={info} />
        {error ? (
          <div class="flash error" role="alert" safe>
            {error}
          </div>
        ) : (
          ''
        )}
        {sso ? (
          <div class="sso-login">
            <a class="button" href={`/sso/login${form.next !== '/' ? `?next=${encodeURIComponent(form.next)}` : ''}`}>
              {v.escape('sso.login_with', { provedor: sso.label })}
            </a>
            <p class="hint">{v.escape('sso.login_hint', { provedor: sso.label })}</p>
            <p class="muted">{v.escape('sso.login_or')}</p>
          </div>
        ) : (
          ''
        )}
        <form method="post" action="/login">
          <input type="hidden" name={CSRF_FIELD} value={v.csrf} />
          <input type="hidden" name="next" value={form.next} />
          <label for="email">{v.escape('login.email')}</label>
          <input id="email" name="email" type="email" autocomplete="username" required autofocus value={form.email} />
          <label for="password">{v.escape('login.password')}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <label class="inline">
            <input type="checkbox" name="remember" value="1" checked={form.remember} /> {v.escape('login.remember')}
          </label>
          <div class="actions">
            <button type="submit">{v.escape('login.submit')}</button>
          </div>
        </form>
        <p class="muted row">
          <a href="/login?lang=pt-BR" hreflang="pt-BR" lang="pt-BR">
            Português
          </a>
          <a href="/login?lang=en" hreflang="en" lang="en">
            English
          </a>
        </p>
      </div>
    </Layout>
  )
}
