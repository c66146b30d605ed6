// The customer form as sent by a page (the customer page, the protocol form's create form), with the
// custom fields' inputs named `field.<key>`.
import type { Context } from '../context'
import type { Form } from '../http/pages'
import type { CustomerFormValues } from '../../views/customers/customers'
import type { CustomerInput } from './customers'
import type { Customer } from './store'

/** A form's id field: '' → null, digits → a number, anything else stays a string (and fails validation). */
const formId = (raw: string): number | string | null => {
  const s = raw.trim()
  if (!s) return null
  return /^\d{1,15}$/.test(s) ? Number(s) : s
}

/** The customer form as CustomerInput (custom fields: `field.<key>` inputs of the type being saved). */
export const customerInputFromForm = (ctx: Context, form: Form): CustomerInput => {
  const typeId = formId(form.get('type_id'))
  return {
    name: form.get('name'),
    code: form.get('code'),
    type_id: typeId,
    email: form.get('email'),
    phone: form.get('phone'),
    notes: form.get('notes'),
    fields: fieldsFromForm(ctx, form, typeId),
  }
}

export const customerValuesFromForm = (form: Form): CustomerFormValues => ({
  name: form.get('name'),
  code: form.get('code'),
  type_id: form.get('type_id'),
  email: form.get('email'),
  phone: form.get('phone'),
  notes: form.get('notes'),
  fields: typedFieldValues(form),
})

const PREFIX = 'field.'

/**
 * The custom-field values a form sent, for the type being saved: inputs of another type's fields
 * (the type was changed without JavaScript, so the old inputs were still on screen) are left out —
 * the form comes back with the new type's inputs. Undefined when the form has no such input.
 */
export function fieldsFromForm(ctx: Context, form: Form, typeId: unknown): Record<string, string> | undefined {
  const sent = Object.keys(form.fields).filter((k) => k.startsWith(PREFIX))
  if (!sent.length) return undefined
  const keys = new Set(typeof typeId === 'number' ? ctx.stores.customers.fields.ofType(typeId).map((f) => f.key) : [])
  const out: Record<string, string> = {}
  for (const name of sent) {
    const key = name.slice(PREFIX.length)
    if (keys.has(key)) out[key] = form.get(name)
  }
  return out
}

/** What the inputs show after a failed save: exactly what was typed. */
export function typedFieldValues(form: Form): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(form.fields)) if (name.startsWith(PREFIX)) out[name.slice(PREFIX.length)] = form.get(name)
  return out
}

/** A customer's stored values by key (canonical text: what the inputs accept back). */
export function storedFieldValues(ctx: Context, customer: Pick<Customer, 'id' | 'type_id'> | null): Record<string, string> {
  if (!customer || customer.type_id === null) return {}
  const values = ctx.stores.customers.fields.values(customer.id)
  const out: Record<string, string> = {}
  for (const f of ctx.stores.customers.fields.ofType(customer.type_id)) {
    const v = values.get(f.id)
    if (v !== undefined) out[f.key] = v
  }
  return out
}

/** The fields of a form's type select value ('' or not a type: none). */
export function fieldsOfTypeParam(ctx: Context, raw: string) {
  return /^\d{1,15}$/.test(raw.trim()) ? ctx.stores.customers.fields.ofType(Number(raw.trim())) : []
}
