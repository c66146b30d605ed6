// Classificações: one page to add (global or per sector), filter, activate and deactivate; an edit page.
import type { Sector } from '../../src/admin/sectors-store'
import type { Classification } from '../../src/desk/classifications-store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, DataTable, Empty, FieldError, FixErrors, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export interface ClassificationFormValues {
  name: string
  /** '' = every sector */
  sector_id: string
}

/** 'all', 'global' or a sector id. */
export type ClassificationFilter = string

function SectorSelect({ v, id, value, sectors, invalid }: { v: View; id: string; value: string; sectors: Sector[]; invalid?: boolean }) {
  return (
    <select id={id} name="sector_id" aria-invalid={invalid ? 'true' : undefined}>
      <option value="">{v.escape('classifications.all_sectors')}</option>
      {sectors.map((s) => (
        <option value={String(s.id)} selected={value === String(s.id)} safe>
          {s.name}
        </option>
      ))}
    </select>
  )
}

export function ClassificationsPage({
  v,
  classifications,
  sectors,
  filter,
  values,
  problems,
  flash,
}: {
  v: View
  classifications: Classification[]
  sectors: Sector[]
  filter: ClassificationFilter
  values: ClassificationFormValues
  problems: Problems
  flash?: MessageKey | null
}) {
  const sectorName = new Map(sectors.map((s) => [s.id, s.name]))
  const shown = classifications.filter((c) => (filter === 'all' ? true : filter === 'global' ? c.sector_id === null : String(c.sector_id) === filter))
  return (
    <Layout v={v} title={v.t('classifications.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <h1>{v.escape('classifications.title')}</h1>
      <p class="muted">{v.escape('classifications.intro')}</p>

      <div class="card">
        <h2>{v.escape('classifications.new')}</h2>
        <FixErrors v={v} problems={problems} />
        <form method="post" action="/admin/classifications" novalidate>
          <CsrfField v={v} />
          <div class="grid">
            <div>
              <label for="name">{v.escape('classifications.name')}</label>
              <input id="name" name="name" type="text" required maxlength="120" value={values.name} aria-invalid={problems.name ? 'true' : undefined} />
              <FieldError v={v} problems={problems} field="name" />
            </div>
            <div>
              <label for="sector_id">{v.escape('classifications.sector')}</label>
              <SectorSelect v={v} id="sector_id" value={values.sector_id} sectors={sectors} invalid={Boolean(problems.sector_id)} />
              <FieldError v={v} problems={problems} field="sector_id" />
            </div>
          </div>
          <div class="actions">
            <button type="submit">{v.escape('classifications.add')}</button>
          </div>
        </form>
      </div>

      {classifications.length === 0 ? (
        <div class="card">
          <Empty title={v.t('classifications.empty')} hint={v.t('classifications.empty_hint')} />
        </div>
      ) : (
        <>
          <form class="row" method="get" action="/admin/classifications">
            <label for="filter">{v.escape('classifications.filter')}</label>
            <select id="filter" name="sector">
              <option value="all" selected={filter === 'all'}>
                {v.escape('classifications.filter_all')}
              </option>
              <option value="global" selected={filter === 'global'}>
                {v.escape('classifications.all_sectors')}
              </option>
              {sectors.map((s) => (
                <option value={String(s.id)} selected={filter === String(s.id)} safe>
                  {s.name}
                </option>
              ))}
            </select>
            <button type="submit" class="secondary small">
              {v.escape('classifications.filter_apply')}
            </button>
          </form>
          <DataTable
            v={v}
            empty={{ title: v.t('classifications.filter_empty'), box: 'card spaced' }}
            wrap="spaced"
            head={['classifications.name', 'classifications.sector', 'classifications.status', 'list.actions']}
            rows={shown}
            row={(c) => (
              <tr>
                <td safe>{c.name}</td>
                <td safe>{c.sector_id === null ? v.t('classifications.all_sectors') : (sectorName.get(c.sector_id) ?? `#${c.sector_id}`)}</td>
                <td>{c.active ? <span class="badge ok">{v.escape('classifications.active')}</span> : <span class="badge off">{v.escape('classifications.inactive')}</span>}</td>
                <td>
                  <div class="row">
                    <a href={`/admin/classifications/${c.id}`}>{v.escape('classifications.edit_link')}</a>
                    <form method="post" action={`/admin/classifications/${c.id}/${c.active ? 'deactivate' : 'activate'}`}>
                      <CsrfField v={v} />
                      <button type="submit" class="small secondary">
                        {v.escape(c.active ? 'classifications.deactivate' : 'classifications.activate')}
                      </button>
                    </form>
                  </div>
                </td>
              </tr>
            )}
          />
        </>
      )}
    </Layout>
  )
}

export function ClassificationFormPage({ v, classification, values, problems, sectors }: { v: View; classification: Classification; values: ClassificationFormValues; problems: Problems; sectors: Sector[] }) {
  return (
    <Layout v={v} title={v.t('classifications.edit')}>
      <p>
        <a href="/admin/classifications">← {v.escape('classifications.title')}</a>
      </p>
      <div class="card">
        <h1 safe>{classification.name}</h1>
        <FixErrors v={v} problems={problems} />
        <form method="post" action={`/admin/classifications/${classification.id}`} novalidate>
          <CsrfField v={v} />
          <label for="name">{v.escape('classifications.name')}</label>
          <input id="name" name="name" type="text" required maxlength="120" value={values.name} aria-invalid={problems.name ? 'true' : undefined} />
          <FieldError v={v} problems={problems} field="name" />
          <label for="sector_id">{v.escape('classifications.sector')}</label>
          <SectorSelect v={v} id="sector_id" value={values.sector_id} sectors={sectors} invalid={Boolean(problems.sector_id)} />
          <FieldError v={v} problems={problems} field="sector_id" />
          <p class="hint">
            {v.escape('classifications.status')}: {v.escape(classification.active ? 'classifications.active' : 'classifications.inactive')}
          </p>
          <div class="actions">
            <button type="submit">{v.escape('form.save')}</button>
            <a class="button secondary" href="/admin/classifications">
              {v.escape('form.cancel')}
            </a>
          </div>
        </form>
      </div>
    </Layout>
  )
}
