// Tipos de cliente: add one, rename in place, see how many customers each has.
import type { CustomerType } from '../../src/customers/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export function CustomerTypesPage({
  v,
  types,
  uses,
  fieldCounts = new Map(),
  name,
  problems,
  editing,
  flash,
}: {
  v: View
  types: CustomerType[]
  uses: Map<number, number>
  /** how many custom fields each type has */
  fieldCounts?: Map<number, number>
  /** what was typed in the form that failed (new, or the row being renamed) */
  name: string
  problems: Problems
  /** the type whose rename failed, if any */
  editing: number | null
  flash?: MessageKey | null
}) {
  return (
    <Layout v={v} title={v.t('customer_types.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <h1>{v.escape('customer_types.title')}</h1>
      <p class="muted">{v.escape('customer_types.intro')}</p>
      <div class="card">
        <form method="post" action="/admin/customer-types" class="row" novalidate>
          <CsrfField v={v} />
          <label for="name">{v.escape('customer_types.new')}</label>
          <input
            id="name"
            name="name"
            type="text"
            required
            maxlength="80"
            value={editing === null ? name : ''}
            aria-invalid={editing === null && problems.name ? 'true' : undefined}
          />
          <button type="submit">{v.escape('customer_types.add')}</button>
        </form>
        {editing === null ? <FieldError v={v} problems={problems} field="name" /> : ''}
      </div>
      {types.length === 0 ? (
        <div class="card">
          <Empty title={v.t('customer_types.empty')} hint={v.t('customer_types.empty_hint')} />
        </div>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('customer_types.name')}</th>
                <th>{v.escape('customer_types.customers')}</th>
                <th>{v.escape('customer_fields.title')}</th>
              </tr>
            </thead>
            <tbody>
              {types.map((t) => (
                <tr>
                  <td>
                    <form method="post" action={`/admin/customer-types/${t.id}`} class="row" novalidate>
                      <CsrfField v={v} />
                      <input
                        name="name"
                        type="text"
                        required
                        maxlength="80"
                        value={editing === t.id ? name : t.name}
                        aria-label={v.t('customer_types.name')}
                        aria-invalid={editing === t.id && problems.name ? 'true' : undefined}
                      />
                      <button type="submit" class="small secondary">
                        {v.escape('customer_types.rename')}
                      </button>
                    </form>
                    {editing === t.id ? <FieldError v={v} problems={problems} field="name" /> : ''}
                  </td>
                  <td safe>{String(uses.get(t.id) ?? 0)}</td>
                  <td>
                    <a href={`/admin/customer-types/${t.id}`}>
                      {v.escape('customer_fields.manage')} <span safe>{`(${fieldCounts.get(t.id) ?? 0})`}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  )
}
