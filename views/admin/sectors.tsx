import type { Sector, SurveyKind } from '../../src/admin/sectors-store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

const SURVEYS: SurveyKind[] = ['none', 'csat', 'nps', 'ces']
const surveyLabel = (v: View, s: SurveyKind) => (s === 'none' ? v.t('sectors.survey_none') : s.toUpperCase())

export function SectorsPage({ v, sectors, members, flash }: { v: View; sectors: Sector[]; members: Map<number, number>; flash?: MessageKey | null }) {
  return (
    <Layout v={v} title={v.t('sectors.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <div class="row spread">
        <h1>{v.escape('sectors.title')}</h1>
        {v.can('sectors.manage') ? (
          <a class="button" href="/admin/sectors/new">
            {v.escape('sectors.new')}
          </a>
        ) : (
          ''
        )}
      </div>
      {sectors.length === 0 ? (
        <div class="card">
          <Empty title={v.t('sectors.empty')} />
        </div>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('sectors.name')}</th>
                <th>{v.escape('sectors.routing')}</th>
                <th class="optional">{v.escape('sectors.survey')}</th>
                <th>{v.escape('sectors.members')}</th>
              </tr>
            </thead>
            <tbody>
              {sectors.map((s) => (
                <tr>
                  <td>
                    {v.can('sectors.manage') ? (
                      <a href={`/admin/sectors/${s.id}`} safe>
                        {s.name}
                      </a>
                    ) : (
                      <span safe>{s.name}</span>
                    )}
                  </td>
                  <td safe>{s.routing === 'auto' ? v.t('sectors.routing_auto') : `${v.t('sectors.routing_offer')} · ${s.offer_timeout_s}s`}</td>
                  <td class="optional" safe>
                    {surveyLabel(v, s.survey)}
                  </td>
                  <td safe>{String(members.get(s.id) ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  )
}

export interface SectorFormValues {
  name: string
  routing: string
  offer_timeout_s: string
  survey: string
  require_classification: boolean
}

export function SectorFormPage({ v, sector, values, problems }: { v: View; sector: Sector | null; values: SectorFormValues; problems: Problems }) {
  const title = sector ? v.t('sectors.edit') : v.t('sectors.new')
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  return (
    <Layout v={v} title={title}>
      <p>
        <a href="/admin/sectors">← {v.escape('sectors.title')}</a>
      </p>
      <div class="card">
        <h1 safe>{sector ? sector.name : title}</h1>
        {Object.keys(problems).length ? (
          <div class="flash error" role="alert">
            {v.escape('form.fix_errors')}
          </div>
        ) : (
          ''
        )}
        <form method="post" action={sector ? `/admin/sectors/${sector.id}` : '/admin/sectors'} novalidate>
          <CsrfField v={v} />
          <label for="name">{v.escape('sectors.name')}</label>
          <input id="name" name="name" type="text" required maxlength="120" value={values.name} aria-invalid={invalid('name')} />
          <FieldError v={v} problems={problems} field="name" />
          <fieldset>
            <legend>{v.escape('sectors.routing')}</legend>
            <label class="inline">
              <input type="radio" name="routing" value="auto" checked={values.routing === 'auto'} /> {v.escape('sectors.routing_auto')}
            </label>
            <label class="inline">
              <input type="radio" name="routing" value="offer" checked={values.routing === 'offer'} /> {v.escape('sectors.routing_offer')}
            </label>
            <FieldError v={v} problems={problems} field="routing" />
          </fieldset>
          <label for="offer_timeout_s">{v.escape('sectors.offer_timeout')}</label>
          <input id="offer_timeout_s" name="offer_timeout_s" type="number" min="5" max="600" value={values.offer_timeout_s} aria-invalid={invalid('offer_timeout_s')} />
          <FieldError v={v} problems={problems} field="offer_timeout_s" />
          <label for="survey">{v.escape('sectors.survey')}</label>
          <select id="survey" name="survey">
            {SURVEYS.map((s) => (
              <option value={s} selected={values.survey === s} safe>
                {surveyLabel(v, s)}
              </option>
            ))}
          </select>
          <FieldError v={v} problems={problems} field="survey" />
          <label class="inline">
            <input type="checkbox" name="require_classification" value="1" checked={values.require_classification} /> {v.escape('sectors.require_classification')}
          </label>
          <div class="actions">
            <button type="submit">{v.escape('form.save')}</button>
            <a class="button secondary" href="/admin/sectors">
              {v.escape('form.cancel')}
            </a>
          </div>
        </form>
      </div>
    </Layout>
  )
}
