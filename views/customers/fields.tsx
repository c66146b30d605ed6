// Campos personalizados: the inputs of a customer type's fields (the customer page, the protocol
// form's create and "Dados adicionais" forms), and the admin page of a type's fields. Labels,
// options and values are admin- or customer-provided text: `safe` always.
import type { CustomField } from '../../src/customers/fields-store'
import type { CustomerType } from '../../src/customers/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

const KIND_LABEL: Record<CustomField['kind'], MessageKey> = {
  text: 'customer_fields.kind_text',
  number: 'customer_fields.kind_number',
  date: 'customer_fields.kind_date',
  choice: 'customer_fields.kind_choice',
}

/** The form name of a field's input. */
export const fieldInputName = (key: string) => `field.${key}`

/** What the inputs show: stored values (canonical text) or exactly what was typed. */
export type FieldFormValues = Record<string, string>

/**
 * The inputs of a type's custom fields, in their order, inside a box that the type select
 * re-renders (GET /customers/field-inputs) when another type is chosen. Empty when no fields.
 */
export function CustomFieldInputs({ v, fields, values, problems, prefix = '' }: { v: View; fields: CustomField[]; values: FieldFormValues; problems: Problems; prefix?: string }) {
  const box = `${prefix}custom-fields`
  if (!fields.length) return <div id={box} class="custom-fields"></div>
  return (
    <fieldset id={box} class="custom-fields">
      <legend>{v.escape('customer_fields.section')}</legend>
      {fields.map((f) => {
        const id = `${prefix}cf-${f.key}`
        const problem = `fields.${f.key}`
        const value = values[f.key] ?? ''
        const common = { id, name: fieldInputName(f.key), required: f.required, 'aria-invalid': problems[problem] ? 'true' : undefined, 'aria-describedby': problems[problem] ? `${problem}-error` : undefined }
        return (
          <>
            <label for={id}>
              <span safe>{f.label}</span>
              {f.required ? <span class="muted small"> ({v.escape('customer_fields.required_label')})</span> : ''}
            </label>
            {f.kind === 'choice' ? (
              <select {...common}>
                <option value="">{v.escape('customer_fields.choose')}</option>
                {f.options.map((o) => (
                  <option value={o} selected={o === value} safe>
                    {o}
                  </option>
                ))}
              </select>
            ) : f.kind === 'date' ? (
              <input {...common} type="date" value={value} />
            ) : f.kind === 'number' ? (
              <input {...common} type="text" inputmode="decimal" maxlength="40" autocomplete="off" value={value} placeholder={v.t('customer_fields.number_hint')} />
            ) : (
              <input {...common} type="text" maxlength="1000" autocomplete="off" value={value} />
            )}
            <FieldError v={v} problems={problems} field={problem} />
          </>
        )
      })}
    </fieldset>
  )
}

// ---- the admin page of a type's fields ------------------------------------------------------------

export interface FieldDraft {
  key: string
  label: string
  kind: string
  options: string
  required: boolean
  position: string
}

export const fieldDraft = (f: CustomField | null): FieldDraft => ({
  key: f?.key ?? '',
  label: f?.label ?? '',
  kind: f?.kind ?? 'text',
  options: f?.options.join('\n') ?? '',
  required: f?.required ?? false,
  position: f ? String(f.position) : '',
})

/** The failed form, to show again with what was typed: the new-field form (null) or a field's row. */
export interface FieldFormState {
  fieldId: number | null
  draft: FieldDraft
  problems: Problems
}

function FieldForm({ v, type, field, draft, problems }: { v: View; type: CustomerType; field: CustomField | null; draft: FieldDraft; problems: Problems }) {
  const p = field ? `f${field.id}-` : 'new-'
  const action = field ? `/admin/customer-types/${type.id}/fields/${field.id}` : `/admin/customer-types/${type.id}/fields`
  const err = (name: string) =>
    problems[name] ? (
      <p class="field-error" id={`${p}${name}-error`}>
        {v.escape(problems[name]!)}
      </p>
    ) : (
      ''
    )
  return (
    <form method="post" action={action} class="field-form" novalidate>
      <CsrfField v={v} />
      <div class="grid-fields">
        <div>
          <label for={`${p}label`}>{v.escape('customer_fields.label')}</label>
          <input id={`${p}label`} name="label" type="text" required maxlength="80" value={draft.label} aria-invalid={problems.label ? 'true' : undefined} />
          {err('label')}
        </div>
        <div>
          <label for={`${p}key`}>{v.escape('customer_fields.key')}</label>
          {field ? (
            <input id={`${p}key`} type="text" value={field.key} disabled class="protocol" />
          ) : (
            <input id={`${p}key`} name="key" type="text" required maxlength="40" pattern="[a-z][a-z0-9_]*" autocomplete="off" spellcheck="false" class="protocol" value={draft.key} aria-invalid={problems.key ? 'true' : undefined} aria-describedby={`${p}key-hint`} />
          )}
          {field ? '' : <p class="hint" id={`${p}key-hint`}>{v.escape('customer_fields.key_hint')}</p>}
          {err('key')}
        </div>
        <div>
          <label for={`${p}kind`}>{v.escape('customer_fields.kind')}</label>
          {field ? (
            <input id={`${p}kind`} type="text" value={v.t(KIND_LABEL[field.kind])} disabled />
          ) : (
            <select id={`${p}kind`} name="kind" aria-invalid={problems.kind ? 'true' : undefined}>
              {(Object.keys(KIND_LABEL) as CustomField['kind'][]).map((k) => (
                <option value={k} selected={draft.kind === k}>
                  {v.escape(KIND_LABEL[k])}
                </option>
              ))}
            </select>
          )}
          {err('kind')}
        </div>
        <div>
          <label for={`${p}position`}>{v.escape('customer_fields.position')}</label>
          <input id={`${p}position`} name="position" type="number" min="1" max="999" value={draft.position} aria-invalid={problems.position ? 'true' : undefined} />
          {err('position')}
        </div>
      </div>
      {!field || field.kind === 'choice' ? (
        <>
          <label for={`${p}options`}>{v.escape('customer_fields.options')}</label>
          <textarea id={`${p}options`} name="options" rows="3" aria-describedby={`${p}options-hint`} aria-invalid={problems.options ? 'true' : undefined} safe>
            {draft.options}
          </textarea>
          <p class="hint" id={`${p}options-hint`}>
            {v.escape('customer_fields.options_hint')}
          </p>
          {err('options')}
        </>
      ) : (
        ''
      )}
      <label class="inline">
        <input type="checkbox" name="required" value="1" checked={draft.required} /> {v.escape('customer_fields.required_label')}
      </label>
      <div class="actions">
        <button type="submit" class={field ? 'small' : ''}>
          {field ? v.escape('form.save') : v.escape('customer_fields.add')}
        </button>
      </div>
    </form>
  )
}

export function CustomerTypeFieldsPage({
  v,
  type,
  fields,
  usedBy,
  failed,
  flash,
}: {
  v: View
  type: CustomerType
  fields: CustomField[]
  usedBy: Map<number, number>
  failed: FieldFormState | null
  flash?: MessageKey | null
}) {
  const stateOf = (f: CustomField | null) => (failed && failed.fieldId === (f?.id ?? null) ? { draft: failed.draft, problems: failed.problems } : { draft: fieldDraft(f), problems: {} })
  const fresh = stateOf(null)
  return (
    <Layout v={v} title={`${v.t('customer_fields.title')} — ${type.name}`}>
      <Flash v={v} kind="ok" message={flash} />
      <p>
        <a href="/admin/customer-types">← {v.escape('customer_types.title')}</a>
      </p>
      <h1>
        {v.escape('customer_fields.title')}: <span safe>{type.name}</span>
      </h1>
      <p class="muted">{v.escape('customer_fields.intro')}</p>
      {fields.length === 0 ? (
        <div class="card">
          <Empty title={v.t('customer_fields.empty')} hint={v.t('customer_fields.empty_hint')} />
        </div>
      ) : (
        <ol class="custom-field-list">
          {fields.map((f) => {
            const s = stateOf(f)
            return (
              <li class="card" id={`field-${f.id}`}>
                <div class="row spread">
                  <h2 class="small-title">
                    <span safe>{f.label}</span> <span class="muted small protocol" safe>{f.key}</span>{' '}
                    <span class="badge">{v.escape(KIND_LABEL[f.kind])}</span>{' '}
                    <span class="muted small">{v.escape(f.required ? 'customer_fields.required_label' : 'customer_fields.optional')}</span>
                  </h2>
                  <span class="muted small">{v.escape('customer_fields.used_by', { n: usedBy.get(f.id) ?? 0 })}</span>
                </div>
                <FieldForm v={v} type={type} field={f} draft={s.draft} problems={s.problems} />
                <form method="post" action={`/admin/customer-types/${type.id}/fields/${f.id}/delete`} data-confirm={v.t('customer_fields.delete_confirm')}>
                  <CsrfField v={v} />
                  <button type="submit" class="small danger">
                    {v.escape('customer_fields.delete')}
                  </button>
                </form>
              </li>
            )
          })}
        </ol>
      )}
      <div class="card">
        <h2>{v.escape('customer_fields.new')}</h2>
        {Object.keys(fresh.problems).length ? (
          <div class="flash error" role="alert">
            {v.escape('form.fix_errors')}
          </div>
        ) : (
          ''
        )}
        <FieldForm v={v} type={type} field={null} draft={fresh.draft} problems={fresh.problems} />
      </div>
    </Layout>
  )
}

// ---- the protocol form's "Dados adicionais" (the workspace's customer box) -----------------------

export interface CustomerFieldsBoxData {
  defs: CustomField[]
  values: FieldFormValues
  problems: Problems
  /** the assignee (or a supervisor) with customers.edit */
  editable: boolean
  saved: boolean
}

/** The linked customer's custom fields, saved in place; the answer is the customer box again. */
export function CustomerFieldsForm({ v, ticketId, box, f }: { v: View; ticketId: number; box: string; f: CustomerFieldsBoxData }) {
  const hasProblems = Object.keys(f.problems).length > 0
  return (
    <form
      class="ws-customer-fields"
      method="post"
      action={`/workspace/${ticketId}/customer/fields`}
      hx-post={`/workspace/${ticketId}/customer/fields`}
      hx-target={`#${box}`}
      hx-swap="outerHTML"
      hx-disable="find button"
      novalidate
    >
      <CsrfField v={v} />
      {hasProblems ? (
        <p class="field-error" role="alert">
          {v.escape('form.fix_errors')}
        </p>
      ) : (
        ''
      )}
      <fieldset disabled={!f.editable} class="bare">
        <CustomFieldInputs v={v} fields={f.defs} values={f.values} problems={f.problems} prefix={`ws-f${ticketId}-`} />
        {f.editable ? (
          <div class="actions">
            <button type="submit" class="small">
              {v.escape('form.save')}
            </button>
            {f.saved ? (
              <span class="saved small" role="status">
                ✓ {v.escape('customer_fields.ws_saved')}
              </span>
            ) : (
              ''
            )}
          </div>
        ) : (
          ''
        )}
      </fieldset>
    </form>
  )
}
