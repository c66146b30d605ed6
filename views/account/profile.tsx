import type { ApiToken } from '../../src/http/api-tokens-store'
import type { Session } from '../../src/http/sessions-store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export function ProfilePage({ v, sessions, currentSessionId, tokens, permissions, flash }: { v: View; sessions: Session[]; currentSessionId: number | null; tokens: ApiToken[]; permissions: string[]; flash?: MessageKey | null }) {
  const user = v.user!
  return (
    <Layout v={v} title={v.t('profile.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <h1>{v.escape('profile.title')}</h1>
      <div class="grid">
        <section class="card">
          <h2 safe>{user.name}</h2>
          <p class="muted" safe>
            {`${user.email} · ${user.profile_name}`}
          </p>
          <form method="post" action="/profile/language" class="row">
            <CsrfField v={v} />
            <label for="language">{v.escape('profile.language')}</label>
            <select id="language" name="language">
              <option value="pt-BR" selected={v.lang === 'pt-BR'}>
                Português (Brasil)
              </option>
              <option value="en" selected={v.lang === 'en'}>
                English
              </option>
            </select>
            <button type="submit" class="secondary">
              {v.escape('profile.save')}
            </button>
          </form>
        </section>
        <section class="card">
          <h2>{v.escape('profile.permissions')}</h2>
          {permissions.length ? (
            <ul>
              {permissions.map((p) => (
                <li>
                  <code safe>{p}</code>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{v.escape('profile.permissions_none')}</p>
          )}
        </section>
      </div>
      <section class="card">
        <h2>{v.escape('profile.sessions')}</h2>
        <p class="hint">{v.escape('profile.sessions_hint')}</p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('profile.session_device')}</th>
                <th class="optional">{v.escape('profile.session_ip')}</th>
                <th class="optional">{v.escape('profile.session_started')}</th>
                <th>{v.escape('profile.session_last_seen')}</th>
                <th>{v.escape('list.actions')}</th>
              </tr>
            </thead>
            <tbody hx-target:inherited="closest tr" hx-swap:inherited="delete">
              {sessions.map((s) => (
                <tr id={`session-${s.id}`}>
                  <td safe>{s.user_agent ?? '—'}</td>
                  <td class="optional" safe>
                    {s.ip ?? '—'}
                  </td>
                  <td class="optional" safe>
                    {v.date(s.created_at)}
                  </td>
                  <td safe>{v.date(s.last_seen_at)}</td>
                  <td>
                    {s.id === currentSessionId ? <span class="badge ok">{v.escape('profile.session_current')}</span> : <SessionAction v={v} session={s} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <TokensSection v={v} tokens={tokens} problems={{}} created={null} />
    </Layout>
  )
}

function SessionAction({ v, session }: { v: View; session: Session }) {
  return (
    <button type="button" class="small danger" hx-post={`/profile/sessions/${session.id}/revoke`} hx-confirm={v.t('profile.session_revoke') + '?'}>
      {v.escape('profile.session_revoke')}
    </button>
  )
}

/** The tokens card; re-rendered whole after a create or revoke (htmx swaps #tokens). */
export function TokensSection({ v, tokens, problems, created, label = '' }: { v: View; tokens: ApiToken[]; problems: Problems; created: string | null; label?: string }) {
  return (
    <section class="card" id="tokens">
      <h2>{v.escape('profile.tokens')}</h2>
      <p class="hint">{v.escape('profile.tokens_hint')}</p>
      {created ? (
        <div class="flash ok" role="status">
          <p>{v.escape('profile.token_created')}</p>
          <div class="row">
            <code class="secret" id="new-token" safe>
              {created}
            </code>
            <button type="button" class="small secondary" data-copy="new-token" data-copied="✓">
              ⧉
            </button>
          </div>
        </div>
      ) : (
        ''
      )}
      <form class="row" hx-post="/profile/tokens" hx-target="#tokens" hx-swap="outerHTML">
        <CsrfField v={v} />
        <input type="text" name="label" maxlength="80" required placeholder={v.t('profile.token_label_placeholder')} aria-label={v.t('profile.token_label')} value={label} class="token-label" aria-invalid={problems.label ? 'true' : undefined} />
        <button type="submit">{v.escape('profile.token_create')}</button>
      </form>
      <FieldError v={v} problems={problems} field="label" />
      {tokens.length ? (
        <div class="table-wrap spaced">
          <table>
            <thead>
              <tr>
                <th>{v.escape('profile.token_label')}</th>
                <th>{v.escape('profile.token_prefix')}</th>
                <th class="optional">{v.escape('profile.token_created_at')}</th>
                <th>{v.escape('profile.token_last_used')}</th>
                <th>{v.escape('list.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((tk) => (
                <tr>
                  <td safe>{tk.label}</td>
                  <td>
                    <code safe>{`${tk.prefix}…`}</code>
                  </td>
                  <td class="optional" safe>
                    {v.date(tk.created_at)}
                  </td>
                  <td safe>{tk.last_used_at ? v.date(tk.last_used_at) : v.t('profile.token_never')}</td>
                  <td>
                    <button type="button" class="small danger" hx-post={`/profile/tokens/${tk.id}/revoke`} hx-target="#tokens" hx-swap="outerHTML" hx-confirm={v.t('profile.token_revoke') + '?'}>
                      {v.escape('profile.token_revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Empty title={v.t('profile.tokens_empty')} />
      )}
    </section>
  )
}
