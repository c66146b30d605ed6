// Access profiles (perfis de acesso): the list, the permission matrix (editable or read-only), and
// a user's effective permissions. Plain forms: they work without JavaScript.
import type { Permission } from '../../src/admin/permissions'
import type { User } from '../../src/admin/users-store'
import type { MessageKey } from '../../src/i18n'
import { ACTIONS, AREAS, MATRIX_PERMISSIONS, type Area } from '../../src/profiles/matrix'
import type { ProfileRow } from '../../src/profiles/store'
import { CsrfField, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

const builtInLabel = (v: View, p: ProfileRow) => (p.key === 'admin' ? v.t('profiles.locked') : p.key ? v.t('profiles.built_in') : v.t('profiles.custom'))

export function ProfilesPage({ v, profiles, flash }: { v: View; profiles: ProfileRow[]; flash?: MessageKey | null }) {
  return (
    <Layout v={v} title={v.t('profiles.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <div class="row spread">
        <h1>{v.escape('profiles.title')}</h1>
        {v.can('profiles.create') ? (
          <a class="button" href="/admin/profiles/new">
            {v.escape('profiles.new')}
          </a>
        ) : (
          ''
        )}
      </div>
      <p class="hint">{v.escape('profiles.intro')}</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{v.escape('profiles.name')}</th>
              <th>{v.escape('profiles.kind')}</th>
              <th>{v.escape('profiles.users')}</th>
              <th>{v.escape('list.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => (
              <tr>
                <td>
                  <a href={`/admin/profiles/${p.id}`} safe>
                    {p.name}
                  </a>
                  {p.description ? (
                    <div class="muted small" safe>
                      {p.description}
                    </div>
                  ) : (
                    ''
                  )}
                </td>
                <td>
                  <span class="badge" safe>
                    {builtInLabel(v, p)}
                  </span>
                </td>
                <td safe>{String(p.users)}</td>
                <td>
                  {v.can('profiles.create') ? (
                    <a href={`/admin/profiles/new?copy=${p.id}`} aria-label={v.t('profiles.copy_of_label', { name: p.name })}>
                      {v.escape('profiles.copy')}
                    </a>
                  ) : (
                    ''
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  )
}

/**
 * The matrix: one row per area, view/create/edit/delete and the area's special permissions.
 * `editable` renders checkboxes named `permissions`; otherwise ✓ / — marks.
 */
export function Matrix({ v, held, editable, caption }: { v: View; held: ReadonlySet<string>; editable: boolean; caption: string }) {
  const cell = (area: Area, p: Permission | null, label: string) => {
    if (!p) return <td class="center muted" aria-label={v.t('matrix.not_applicable')}>—</td>
    const on = held.has(p)
    const name = `${v.t(area.label)}: ${label}`
    return (
      <td class="center">
        {editable ? (
          <input type="checkbox" name="permissions" value={p} checked={on} aria-label={name} id={`perm-${p}`} />
        ) : on ? (
          <span class="badge ok" title={p} aria-label={`${name}: ${v.t('form.yes')}`}>
            ✓
          </span>
        ) : (
          <span class="muted" title={p} aria-label={`${name}: ${v.t('form.no')}`}>
            ✗
          </span>
        )}
      </td>
    )
  }
  return (
    <div class="table-wrap">
      <table class="matrix">
        <caption class="skip" safe>
          {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">{v.escape('matrix.area')}</th>
            {ACTIONS.map((a) => (
              <th scope="col" class="center">
                {v.escape(`matrix.action.${a}`)}
              </th>
            ))}
            <th scope="col">{v.escape('matrix.other')}</th>
          </tr>
        </thead>
        <tbody>
          {AREAS.map((area) => (
            <tr>
              <th scope="row">
                <span safe>{v.t(area.label)}</span>
                {area.hint ? (
                  <div class="hint small" safe>
                    {v.t(area.hint)}
                  </div>
                ) : (
                  ''
                )}
              </th>
              {ACTIONS.map((a) => cell(area, area.cells[a], v.t(`matrix.action.${a}`)))}
              <td>
                {area.extra.map((e) =>
                  editable ? (
                    <label class="inline">
                      <input type="checkbox" name="permissions" value={e.permission} checked={held.has(e.permission)} id={`perm-${e.permission}`} />
                      <span safe>{v.t(e.label)}</span>
                    </label>
                  ) : (
                    <span class={held.has(e.permission) ? 'badge ok' : 'muted'} safe>
                      {`${held.has(e.permission) ? '✓' : '✗'} ${v.t(e.label)}`}
                    </span>
                  ),
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export interface ProfileFormValues {
  name: string
  description: string
  permissions: string[]
  copy_of: number | null
}

export function ProfileFormPage({ v, profile, values, problems, copyOf, flash, error }: { v: View; profile: ProfileRow | null; values: ProfileFormValues; problems: Problems; copyOf?: ProfileRow | null; flash?: MessageKey | null; error?: string | null }) {
  const creating = profile === null
  const locked = profile?.key === 'admin'
  const canSave = creating ? v.can('profiles.create') : v.can('profiles.edit')
  const editable = canSave && !locked
  const title = creating ? (copyOf ? v.t('profiles.copy_of_label', { name: copyOf.name }) : v.t('profiles.new')) : profile.name
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  return (
    <Layout v={v} title={title}>
      <p>
        <a href="/admin/profiles">← {v.escape('profiles.title')}</a>
      </p>
      <Flash v={v} kind="ok" message={flash} />
      {error ? (
        <div class="flash error" role="alert" safe>
          {error}
        </div>
      ) : (
        ''
      )}
      <div class="card">
        <h1 safe>{title}</h1>
        {locked ? <p class="flash info">{v.escape('profiles.admin_locked')}</p> : ''}
        {profile ? (
          <p class="muted" safe>
            {`${builtInLabel(v, profile)} · ${v.t('profiles.users_count', { count: profile.users })}`}
          </p>
        ) : (
          ''
        )}
        {Object.keys(problems).length ? (
          <div class="flash error" role="alert">
            {v.escape('form.fix_errors')}
          </div>
        ) : (
          ''
        )}
        <form method="post" action={creating ? '/admin/profiles' : `/admin/profiles/${profile.id}`} novalidate>
          <CsrfField v={v} />
          {values.copy_of ? <input type="hidden" name="copy_of" value={String(values.copy_of)} /> : ''}
          <label for="name">{v.escape('profiles.name')}</label>
          <input id="name" name="name" type="text" required maxlength="80" value={values.name} aria-invalid={invalid('name')} disabled={!canSave} />
          <FieldError v={v} problems={problems} field="name" />
          <label for="description">{v.escape('profiles.description')}</label>
          <input id="description" name="description" type="text" maxlength="500" value={values.description} aria-invalid={invalid('description')} disabled={!canSave} />
          <FieldError v={v} problems={problems} field="description" />
          <h2>{v.escape('profiles.matrix')}</h2>
          <p class="hint">{v.escape('profiles.matrix_hint')}</p>
          <Matrix v={v} held={new Set(locked ? MATRIX_PERMISSIONS : values.permissions)} editable={editable} caption={v.t('profiles.matrix')} />
          <FieldError v={v} problems={problems} field="permissions" />
          {canSave ? (
            <div class="actions">
              <button type="submit">{v.escape('form.save')}</button>
              <a class="button secondary" href="/admin/profiles">
                {v.escape('form.cancel')}
              </a>
            </div>
          ) : (
            ''
          )}
        </form>
        {profile && (profile.key === 'supervisor' || profile.key === 'agent') && v.can('profiles.edit') ? (
          <form method="post" action={`/admin/profiles/${profile.id}/restore`} class="actions" data-confirm={v.t('profiles.restore_confirm')}>
            <CsrfField v={v} />
            <button type="submit" class="secondary">
              {v.escape('profiles.restore')}
            </button>
          </form>
        ) : (
          ''
        )}
        {profile && profile.key === null && v.can('profiles.delete') ? (
          <form method="post" action={`/admin/profiles/${profile.id}/delete`} class="actions" data-confirm={v.t('profiles.delete_confirm', { name: profile.name })}>
            <CsrfField v={v} />
            <button type="submit" class="danger" disabled={profile.users > 0}>
              {v.escape('profiles.delete')}
            </button>
            {profile.users > 0 ? <span class="hint">{v.escape('profiles.in_use', { count: profile.users })}</span> : ''}
          </form>
        ) : (
          ''
        )}
      </div>
    </Layout>
  )
}

/** A user's effective permissions: their profile's matrix, read-only. */
export function EffectivePermissions({ v, user, held }: { v: View; user: User; held: ReadonlySet<string> }) {
  return (
    <section class="card" id="effective-permissions">
      <h2>{v.escape('profiles.effective')}</h2>
      <p class="muted">
        {v.escape('profiles.effective_hint', { name: user.name, profile: user.profile_name })}{' '}
        {v.can('profiles.view') ? (
          <a href={`/admin/profiles/${user.profile_id}`} safe>
            {user.profile_name}
          </a>
        ) : (
          ''
        )}
      </p>
      <Matrix v={v} held={held} editable={false} caption={v.t('profiles.effective')} />
    </section>
  )
}

export function EffectivePermissionsPage({ v, user, held }: { v: View; user: User; held: ReadonlySet<string> }) {
  return (
    <Layout v={v} title={v.t('profiles.effective_of', { name: user.name })}>
      <p>
        <a href="/admin/users">← {v.escape('users.title')}</a>
        {v.can('users.edit') ? (
          <>
            {' · '}
            <a href={`/admin/users/${user.id}`} safe>
              {user.name}
            </a>
          </>
        ) : (
          ''
        )}
      </p>
      <h1 safe>{v.t('profiles.effective_of', { name: user.name })}</h1>
      <EffectivePermissions v={v} user={user} held={held} />
    </Layout>
  )
}
