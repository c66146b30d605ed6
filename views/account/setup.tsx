import { CSRF_FIELD } from '../../src/http/csrf'
import { FieldError } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export interface SetupForm {
  name: string
  email: string
}

export function SetupPage({ v, form, problems }: { v: View; form: SetupForm; problems: Problems }) {
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  return (
    <Layout v={v} title={v.t('setup.title')}>
      <div class="narrow card">
        <h1>{v.escape('setup.title')}</h1>
        <p class="muted">{v.escape('setup.intro')}</p>
        {Object.keys(problems).length ? (
          <div class="flash error" role="alert">
            {v.escape('form.fix_errors')}
          </div>
        ) : (
          ''
        )}
        <form method="post" action="/setup" novalidate>
          <input type="hidden" name={CSRF_FIELD} value={v.csrf} />
          <label for="name">{v.escape('users.name')}</label>
          <input id="name" name="name" type="text" required maxlength="120" autocomplete="name" value={form.name} aria-invalid={invalid('name')} />
          <FieldError v={v} problems={problems} field="name" />
          <label for="email">{v.escape('users.email')}</label>
          <input id="email" name="email" type="email" required autocomplete="username" value={form.email} aria-invalid={invalid('email')} />
          <FieldError v={v} problems={problems} field="email" />
          <label for="password">{v.escape('users.password')}</label>
          <input id="password" name="password" type="password" required minlength="8" autocomplete="new-password" aria-invalid={invalid('password')} />
          <FieldError v={v} problems={problems} field="password" />
          <div class="actions">
            <button type="submit">{v.escape('setup.submit')}</button>
          </div>
        </form>
      </div>
    </Layout>
  )
}
