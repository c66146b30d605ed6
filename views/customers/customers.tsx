// Clientes: the list with search (name, CPF/CNPJ with or without punctuation, e-mail, phone), the
// create/edit form and its live CPF/CNPJ check. Every customer field is hostile text: `safe` always.
import { formatCode } from '../../src/customers/code'
import { formatPhone } from '../../src/customers/customers'
import type { CustomField } from '../../src/customers/fields-store'
import type { Customer, CustomerType } from '../../src/customers/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'
import { CustomFieldInputs, type FieldFormValues } from './fields'

export interface CustomersListState {
  q: string
  customers: Customer[]
  types: Map<number, string>
  /** id to continue from (older), when there is more */
  next: number | null
  /** not the first page */
  paged: boolean
}

const listQuery = (q: string, before?: number) => {
  const p = new URLSearchParams()
  if (q) p.set('q', q)
  if (before) p.set('before', String(before))
  const s = p.toString()
  return s ? `?${s}` : ''
}

/** The code as people write it, or a dash. */
const codeText = (c: Customer): string => (c.code ? formatCode(c.code, c.code_type) : '—')
const phoneText = (c: Customer): string => (c.phone ? formatPhone(c.phone) : '')
const typeName = (state: CustomersListState, c: Customer): string => (c.type_id !== null ? (state.types.get(c.type_id) ?? '') : '')

export function CustomersPage({ v, state, flash }: { v: View; state: CustomersListState; flash?: MessageKey | null }) {
  return (
    <Layout v={v} title={v.t('customers.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <div class="row spread">
        <h1>{v.escape('customers.title')}</h1>
        <div class="row">
          {v.can('customers.create') ? (
            <a class="button secondary" href="/customers/import">
              {v.escape('customer_import.action')}
            </a>
          ) : (
            ''
          )}
          {v.can('customers.manage') ? (
            <a class="button" href="/customers/new">
              {v.escape('customers.new')}
            </a>
          ) : (
            ''
          )}
        </div>
      </div>
      <form class="search row" method="get" action="/customers" role="search">
        <input
          type="search"
          name="q"
          value={state.q}
          maxlength="100"
          placeholder={v.t('customers.search')}
          aria-label={v.t('customers.search')}
          hx-get="/customers/rows"
          hx-trigger="input changed delay:300ms, search"
          hx-target="#customers-rows"
          hx-swap="outerHTML"
          hx-indicator="#customers-searching"
        />
        <button type="submit" class="secondary">
          {v.escape('customers.search_submit')}
        </button>
        {v.can('customers.export') ? (
          // Exports what the search box holds now (the same form, another action).
          <button type="submit" class="secondary" id="customers-export" formaction="/customers/export.csv">
            {v.escape('customer_export.action')}
          </button>
        ) : (
          ''
        )}
        <span id="customers-searching" class="htmx-indicator muted">
          {v.escape('customers.searching')}
        </span>
      </form>
      <CustomersRows v={v} state={state} />
    </Layout>
  )
}

/** The table and its pager; also the fragment the search box swaps in. */
export function CustomersRows({ v, state }: { v: View; state: CustomersListState }) {
  return (
    <div id="customers-rows" class="spaced">
      {state.customers.length === 0 ? (
        state.q ? (
          <Empty title={v.t('customers.search_empty', { q: state.q })} hint={v.t('customers.search_empty_hint')} />
        ) : (
          <Empty title={v.t('customers.empty')} hint={v.t('customers.empty_hint')} />
        )
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('customers.name')}</th>
                <th>{v.escape('customers.code')}</th>
                <th class="optional">{v.escape('customers.type')}</th>
                <th class="optional">{v.escape('customers.email')}</th>
                <th class="optional">{v.escape('customers.phone')}</th>
                <th class="optional">{v.escape('customers.updated')}</th>
              </tr>
            </thead>
            <tbody hx-ignore>
              {state.customers.map((c) => (
                <tr>
                  <td>
                    <a href={`/customers/${c.id}`} safe>
                      {c.name}
                    </a>
                  </td>
                  <td class="protocol" safe>
                    {codeText(c)}
                  </td>
                  <td class="optional" safe>
                    {typeName(state, c)}
                  </td>
                  <td class="optional" safe>
                    {c.email ?? ''}
                  </td>
                  <td class="optional" safe>
                    {phoneText(c)}
                  </td>
                  <td class="optional" safe>
                    {v.date(c.updated_at)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="pagination">
        {state.paged ? <a href={`/customers${listQuery(state.q)}`}>← {v.escape('customers.newest')}</a> : <span></span>}
        {state.next ? (
          <a href={`/customers${listQuery(state.q, state.next)}`}>
            {v.escape('customers.older')} →
          </a>
        ) : (
          ''
        )}
      </nav>
    </div>
  )
}

/** What the form shows: the stored values, or exactly what was typed when saving failed. */
export interface CustomerFormValues {
  name: string
  code: string
  type_id: string
  email: string
  phone: string
  notes: string
  /** custom fields by key (the type's inputs); absent: none shown yet */
  fields?: FieldFormValues
}

export const customerFormValues = (c: Customer | null, fields: FieldFormValues = {}): CustomerFormValues => ({
  name: c?.name ?? '',
  code: c?.code ? formatCode(c.code, c.code_type) : '',
  type_id: c?.type_id ? String(c.type_id) : '',
  email: c?.email ?? '',
  phone: c?.phone ? formatPhone(c.phone) : '',
  notes: c?.notes ?? '',
  fields,
})

/**
 * The customer fields, for the customer page and for other forms (the protocol form): inputs named
 * name, code, type_id, email, phone, notes, and field.<key> for the type's custom fields; `prefix`
 * keeps their ids unique on a page with other forms. The code input checks itself when it changes
 * (POST /customers/code-check, a fragment); choosing a type brings its custom fields
 * (GET /customers/field-inputs, a fragment).
 */
export function CustomerFields({
  v,
  values,
  problems,
  types,
  customerId,
  prefix = '',
  customFields = [],
}: {
  v: View
  values: CustomerFormValues
  problems: Problems
  types: CustomerType[]
  customerId?: number | null
  prefix?: string
  /** the custom fields of the type shown selected */
  customFields?: CustomField[]
}) {
  const id = (f: string) => `${prefix}${f}`
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  const described = (f: string, hint = false) => [problems[f] ? `${f}-error` : '', hint ? id(`${f}-hint`) : ''].filter(Boolean).join(' ') || undefined
  return (
    <>
      <label for={id('name')}>{v.escape('customers.name')}</label>
      <input id={id('name')} name="name" type="text" required maxlength="200" autocomplete="off" value={values.name} aria-invalid={invalid('name')} aria-describedby={described('name')} />
      <FieldError v={v} problems={problems} field="name" />

      <label for={id('code')}>{v.escape('customers.code')}</label>
      <input
        id={id('code')}
        name="code"
        type="text"
        maxlength="40"
        autocomplete="off"
        spellcheck="false"
        class="protocol"
        value={values.code}
        aria-invalid={invalid('code')}
        aria-describedby={described('code', true)}
        hx-post="/customers/code-check"
        hx-trigger="change"
        hx-target={`#${id('code-check')}`}
        hx-swap="outerHTML"
        hx-vals={customerId ? JSON.stringify({ customer_id: String(customerId) }) : undefined}
      />
      <p class="hint" id={id('code-hint')}>
        {v.escape('customers.code_hint')}
      </p>
      <div id={id('code-check')} aria-live="polite">
        <FieldError v={v} problems={problems} field="code" />
      </div>

      <label for={id('type_id')}>{v.escape('customers.type')}</label>
      <select
        id={id('type_id')}
        name="type_id"
        aria-invalid={invalid('type_id')}
        hx-get="/customers/field-inputs"
        hx-trigger="change"
        hx-target={`#${id('custom-fields')}`}
        hx-swap="outerHTML"
        hx-vals={prefix ? JSON.stringify({ prefix }) : undefined}
      >
        <option value="">{v.escape('customers.type_none')}</option>
        {types.map((t) => (
          <option value={String(t.id)} selected={values.type_id === String(t.id)} safe>
            {t.name}
          </option>
        ))}
      </select>
      <FieldError v={v} problems={problems} field="type_id" />
      <CustomFieldInputs v={v} fields={customFields} values={values.fields ?? {}} problems={problems} prefix={prefix} />

      <label for={id('email')}>{v.escape('customers.email')}</label>
      <input id={id('email')} name="email" type="email" maxlength="254" autocomplete="off" value={values.email} aria-invalid={invalid('email')} aria-describedby={described('email')} />
      <FieldError v={v} problems={problems} field="email" />

      <label for={id('phone')}>{v.escape('customers.phone')}</label>
      <input id={id('phone')} name="phone" type="text" inputmode="tel" maxlength="40" autocomplete="off" value={values.phone} aria-invalid={invalid('phone')} aria-describedby={described('phone', true)} />
      <p class="hint" id={id('phone-hint')}>
        {v.escape('customers.phone_hint')}
      </p>
      <FieldError v={v} problems={problems} field="phone" />

      <label for={id('notes')}>{v.escape('customers.notes')}</label>
      <textarea id={id('notes')} name="notes" rows="4" maxlength="4000" aria-invalid={invalid('notes')} safe>
        {values.notes}
      </textarea>
      <FieldError v={v} problems={problems} field="notes" />
    </>
  )
}

export type CodeCheckResult =
  | { kind: 'ok'; code: string; type: 'cpf' | 'cnpj' }
  | { kind: 'invalid'; key: MessageKey }
  | { kind: 'taken'; customer: Pick<Customer, 'id' | 'name'> }
  | null

/** Under the code input: nothing, "valid CPF: …", the reason it is invalid, or who already has it. */
export function CodeCheck({ v, id, result }: { v: View; id: string; result: CodeCheckResult }) {
  if (!result) return <div id={id} aria-live="polite"></div>
  if (result.kind === 'ok') {
    return (
      <div id={id} aria-live="polite">
        <p class="hint">{v.escape(result.type === 'cpf' ? 'customers.code_ok_cpf' : 'customers.code_ok_cnpj', { code: formatCode(result.code, result.type) })}</p>
      </div>
    )
  }
  if (result.kind === 'invalid') {
    return (
      <div id={id} aria-live="polite">
        <p class="field-error">{v.escape(result.key)}</p>
      </div>
    )
  }
  return (
    <div id={id} aria-live="polite">
      <p class="field-error">
        {v.escape('customers.code_taken_by')}{' '}
        <a href={`/customers/${result.customer.id}`} hx-ignore safe>
          {result.customer.name}
        </a>
      </p>
    </div>
  )
}

export function CustomerFormPage({
  v,
  customer,
  values,
  problems,
  types,
  customFields,
  flash,
  after = '',
}: {
  v: View
  customer: Customer | null
  values: CustomerFormValues
  problems: Problems
  types: CustomerType[]
  customFields: CustomField[]
  flash?: MessageKey | null
  /** what the page shows below the form (the customer's contacts and tickets) */
  after?: JSX.Element
}) {
  const title = customer ? v.t('customers.edit') : v.t('customers.new')
  const canEdit = v.can('customers.manage')
  return (
    <Layout v={v} title={title}>
      <Flash v={v} kind="ok" message={flash} />
      <p>
        <a href="/customers">← {v.escape('customers.title')}</a>
      </p>
      <div class="card">
        <h1 safe>{customer ? customer.name : title}</h1>
        {customer?.code ? (
          <p class="muted protocol" safe>
            {`${customer.code_type === 'cnpj' ? 'CNPJ' : 'CPF'} ${formatCode(customer.code, customer.code_type)}`}
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
        {canEdit ? (
          ''
        ) : (
          <div class="flash info" role="status">
            {v.escape('customers.read_only')}
          </div>
        )}
        <form method="post" action={customer ? `/customers/${customer.id}` : '/customers'} novalidate>
          <CsrfField v={v} />
          {canEdit ? (
            <CustomerFields v={v} values={values} problems={problems} types={types} customerId={customer?.id ?? null} customFields={customFields} />
          ) : (
            <fieldset disabled>
              <CustomerFields v={v} values={values} problems={problems} types={types} customerId={customer?.id ?? null} customFields={customFields} />
            </fieldset>
          )}
          {canEdit ? (
            <div class="actions">
              <button type="submit">{v.escape('form.save')}</button>
              <a class="button secondary" href="/customers">
                {v.escape('form.cancel')}
              </a>
            </div>
          ) : (
            ''
          )}
        </form>
      </div>
      {after}
    </Layout>
  )
}
