// Hierarchy levels and who reports to whom: one table of levels, one of people (level, manager).
import type { User } from '../../src/admin/users-store'
import type { Level, Placement } from '../../src/hierarchy/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash, PostButton } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export function HierarchyPage({ v, levels, users, placements, problems, values, flash, error }: { v: View; levels: Level[]; users: User[]; placements: Map<number, Placement>; problems: Problems; values: { name: string; rank: string }; flash?: MessageKey | null; error?: string | null }) {
  const editable = v.can('hierarchy.edit')
  const levelName = (id: number | null) => levels.find((l) => l.id === id)?.name ?? '—'
  const userName = (id: number | null) => users.find((u) => u.id === id)?.name ?? '—'
  return (
    <Layout v={v} title={v.t('hierarchy.title')}>
      <h1>{v.escape('hierarchy.title')}</h1>
      <p class="hint">{v.escape('hierarchy.intro')}</p>
      <Flash v={v} kind="ok" message={flash} />
      {error ? (
        <div class="flash error" role="alert" safe>
          {error}
        </div>
      ) : (
        ''
      )}
      <section class="card">
        <h2>{v.escape('hierarchy.levels')}</h2>
        {levels.length === 0 ? (
          <Empty title={v.t('hierarchy.levels_empty')} />
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{v.escape('hierarchy.rank')}</th>
                  <th>{v.escape('hierarchy.name')}</th>
                  <th>{v.escape('hierarchy.people')}</th>
                  {editable ? <th>{v.escape('list.actions')}</th> : ''}
                </tr>
              </thead>
              <tbody>
                {levels.map((l) => (
                  <tr>
                    <td safe>{String(l.rank)}</td>
                    <td safe>{l.name}</td>
                    <td safe>{String(l.users)}</td>
                    {editable ? (
                      <td>
                        <form method="post" action={`/admin/hierarchy/levels/${l.id}`} class="inline-form">
                          <CsrfField v={v} />
                          <input name="name" value={l.name} maxlength="80" aria-label={v.t('hierarchy.name')} />
                          <input name="rank" type="number" min="1" max="100" value={String(l.rank)} aria-label={v.t('hierarchy.rank')} />
                          <button type="submit" class="small secondary">
                            {v.escape('form.save')}
                          </button>
                        </form>
                        {l.users === 0 ? (
                          <PostButton v={v} action={`/admin/hierarchy/levels/${l.id}/delete`} class="inline-form" confirm={v.t('hierarchy.delete_confirm', { name: l.name })} button="small danger" label="hierarchy.delete" />
                        ) : (
                          ''
                        )}
                      </td>
                    ) : (
                      ''
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {editable ? (
          <form method="post" action="/admin/hierarchy/levels" class="row" novalidate>
            <CsrfField v={v} />
            <div>
              <label for="level-name">{v.escape('hierarchy.new_level')}</label>
              <input id="level-name" name="name" maxlength="80" value={values.name} aria-invalid={problems.name ? 'true' : undefined} />
              <FieldError v={v} problems={problems} field="name" />
            </div>
            <div>
              <label for="level-rank">{v.escape('hierarchy.rank')}</label>
              <input id="level-rank" name="rank" type="number" min="1" max="100" value={values.rank} aria-invalid={problems.rank ? 'true' : undefined} />
              <FieldError v={v} problems={problems} field="rank" />
            </div>
            <button type="submit">{v.escape('hierarchy.add')}</button>
          </form>
        ) : (
          ''
        )}
      </section>
      <section class="card">
        <h2>{v.escape('hierarchy.people')}</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('users.name')}</th>
                <th>{v.escape('hierarchy.level')}</th>
                <th>{v.escape('hierarchy.manager')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const p = placements.get(u.id)
                return (
                  <tr>
                    <td safe>{u.name}</td>
                    {editable ? (
                      <td colspan="2">
                        <form method="post" action={`/admin/hierarchy/users/${u.id}`} class="inline-form">
                          <CsrfField v={v} />
                          <select name="level_id" aria-label={v.t('hierarchy.level_of', { name: u.name })}>
                            <option value="">—</option>
                            {levels.map((l) => (
                              <option value={String(l.id)} selected={p?.level_id === l.id} safe>
                                {l.name}
                              </option>
                            ))}
                          </select>
                          <select name="manager_id" aria-label={v.t('hierarchy.manager_of', { name: u.name })}>
                            <option value="">—</option>
                            {users
                              .filter((m) => m.id !== u.id)
                              .map((m) => (
                                <option value={String(m.id)} selected={p?.manager_id === m.id} safe>
                                  {m.name}
                                </option>
                              ))}
                          </select>
                          <button type="submit" class="small secondary">
                            {v.escape('form.save')}
                          </button>
                        </form>
                      </td>
                    ) : (
                      <>
                        <td safe>{levelName(p?.level_id ?? null)}</td>
                        <td safe>{userName(p?.manager_id ?? null)}</td>
                      </>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </section>
    </Layout>
  )
}
