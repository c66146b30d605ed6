import type { Profile } from '../../src/admin/profiles-store'
import type { Sector } from '../../src/admin/sectors-store'
import { CHANNEL_TYPES, type Limits, type User } from '../../src/admin/users-store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash, PresenceDot } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export function UsersPage({ v, users, q, next, prevAfter, flash }: { v: View; users: User[]; q: string; next: number | null; prevAfter: boolean; flash?: MessageKey | null }) {
  return (
    <Layout v={v} title={v.t('users.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <div class="row spread">
        <h1>{v.escape('users.title')}</h1>
        {v.can('users.manage') ? (
          <a class="button" href="/admin/users/new">
            {v.escape('users.new')}
          </a>
        ) : (
          ''
        )}
      </div>
      <input
        type="search"
        name="q"
        value={q}
        placeholder={v.t('users.search')}
        aria-label={v.t('users.search')}
        hx-get="/admin/users/rows"
        hx-trigger="input changed delay:300ms, search"
        hx-target="#users-rows"
        hx-swap="outerHTML"
        hx-push-url="false"
      />
      <UsersRows v={v} users={users} q={q} next={next} prevAfter={prevAfter} />
    </Layout>
  )
}

/** The table and pager; also the fragment returned to the search box. */
export function UsersRows({ v, users, q, next, prevAfter }: { v: View; users: User[]; q: string; next: number | null; prevAfter: boolean }) {
  const qs = q ? `&q=${encodeURIComponent(q)}` : ''
  return (
    <div id="users-rows" class="spaced">
      {users.length === 0 ? (
        <Empty title={v.t('users.empty')} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('users.name')}</th>
                <th class="optional">{v.escape('users.email')}</th>
                <th>{v.escape('users.profile')}</th>
                <th>{v.escape('users.presence')}</th>
                <th>{v.escape('users.status')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr>
                  <td>
                    {v.can('users.manage') ? (
                      <a href={`/admin/users/${u.id}`} safe>
                        {u.name}
                      </a>
                    ) : (
                      <span safe>{u.name}</span>
                    )}
                  </td>
                  <td class="optional" safe>
                    {u.email}
                  </td>
                  <td safe>{u.profile_name}</td>
                  <td id={`user-${u.id}-presence`}>
                    <PresenceCell v={v} user={u} />
                  </td>
                  <td>{u.active ? <span class="badge ok">{v.escape('users.active')}</span> : <span class="badge off">{v.escape('users.inactive')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="pagination">
        {prevAfter ? <a href={`/admin/users?${qs.slice(1)}`}>← {v.escape('list.previous')}</a> : <span></span>}
        {next ? <a href={`/admin/users?after=${next}${qs}`}>{v.escape('list.next')} →</a> : ''}
      </nav>
    </div>
  )
}

export const PresenceCell = ({ v, user }: { v: View; user: Pick<User, 'presence' | 'presence_reason'> }) => (
  <span class="row">
    <PresenceDot status={user.presence} />
    <span safe>{v.t(`presence.${user.presence}`) + (user.presence_reason ? ` — ${user.presence_reason}` : '')}</span>
  </span>
)

export interface UserFormValues {
  name: string
  email: string
  profile_id: number | null
  sector_ids: number[]
  limits: Limits
  password_login_disabled: boolean
}

export function UserFormPage({ v, user, values, problems, profiles, sectors }: { v: View; user: User | null; values: UserFormValues; problems: Problems; profiles: Profile[]; sectors: Sector[] }) {
  const title = user ? v.t('users.edit') : v.t('users.new')
  const action = user ? `/admin/users/${user.id}` : '/admin/users'
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  return (
    <Layout v={v} title={title}>
      <p>
        <a href="/admin/users">← {v.escape('users.title')}</a>
      </p>
      <div class="card">
        <h1 safe>{user ? user.name : title}</h1>
        {Object.keys(problems).length ? (
          <div class="flash error" role="alert">
            {v.escape('form.fix_errors')}
          </div>
        ) : (
          ''
        )}
        <form method="post" action={action} novalidate>
          <CsrfField v={v} />
          <label for="name">{v.escape('users.name')}</label>
          <input id="name" name="name" type="text" required maxlength="120" value={values.name} aria-invalid={invalid('name')} />
          <FieldError v={v} problems={problems} field="name" />
          <label for="email">{v.escape('users.email')}</label>
          <input id="email" name="email" type="email" required value={values.email} aria-invalid={invalid('email')} />
          <FieldError v={v} problems={problems} field="email" />
          <label for="password">{v.escape('users.password')}</label>
          <input id="password" name="password" type="password" autocomplete="new-password" minlength="8" aria-invalid={invalid('password')} />
          <p class="hint">{v.escape('users.password_hint')}</p>
          <FieldError v={v} problems={problems} field="password" />
          <label class="inline">
            <input type="checkbox" name="password_login_disabled" value="1" checked={values.password_login_disabled} aria-describedby="password_login_disabled-hint" /> {v.escape('users.password_login_disabled')}
          </label>
          <p class="hint" id="password_login_disabled-hint">
            {v.escape('users.password_login_disabled_hint')}
          </p>
          <label for="profile">{v.escape('users.profile')}</label>
          <select id="profile" name="profile" aria-invalid={invalid('profile')}>
            {profiles.map((p) => (
              <option value={String(p.id)} selected={values.profile_id === p.id} safe>
                {p.name}
              </option>
            ))}
          </select>
          <FieldError v={v} problems={problems} field="profile" />
          <fieldset>
            <legend>{v.escape('users.sectors')}</legend>
            {sectors.length ? (
              <div class="checks">
                {sectors.map((s) => (
                  <label class="inline">
                    <input type="checkbox" name="sector_ids" value={String(s.id)} checked={values.sector_ids.includes(s.id)} />
                    <span safe>{s.name}</span>
                  </label>
                ))}
              </div>
            ) : (
              <p class="muted">{v.escape('users.no_sectors')}</p>
            )}
            <FieldError v={v} problems={problems} field="sector_ids" />
          </fieldset>
          <fieldset>
            <legend>{v.escape('users.limits')}</legend>
            <div class="limits">
              {CHANNEL_TYPES.map((c) => (
                <div>
                  <label for={`limit-${c}`}>{v.escape(`channel.${c}`)}</label>
                  <input id={`limit-${c}`} name={`limits.${c}`} type="number" min="0" max="1000" value={String(values.limits[c])} />
                </div>
              ))}
            </div>
            <FieldError v={v} problems={problems} field="limits" />
          </fieldset>
          <div class="actions">
            <button type="submit">{v.escape('form.save')}</button>
            <a class="button secondary" href="/admin/users">
              {v.escape('form.cancel')}
            </a>
          </div>
        </form>
        {user && user.id !== v.user?.id ? (
          <form method="post" action={`/admin/users/${user.id}/${user.active ? 'deactivate' : 'activate'}`} class="actions" data-confirm={(user.active ? v.t('users.deactivate') : v.t('users.activate')) + '?'}>
            <CsrfField v={v} />
            <button type="submit" class={user.active ? 'danger' : 'secondary'}>
              {user.active ? v.escape('users.deactivate') : v.escape('users.activate')}
            </button>
          </form>
        ) : (
          ''
        )}
      </div>
    </Layout>
  )
}
