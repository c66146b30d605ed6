// The page a refused single sign-on ends on: what happened, in the user's language, and the way back.
import type { MessageKey } from '../../src/i18n'
import { Layout } from '../layout'
import type { View } from '../view'

export function SsoErrorPage({ v, message }: { v: View; message: MessageKey }) {
  return (
    <Layout v={v} title={v.t('sso.error_title')}>
      <div class="narrow card">
        <h1>{v.escape('sso.error_title')}</h1>
        <div class="flash error" role="alert">
          {v.escape(message)}
        </div>
        <p>
          <a class="button" href="/login">
            {v.escape('sso.error_back')}
          </a>
        </p>
      </div>
    </Layout>
  )
}
