// The protocol form's "Dados adicionais": the custom fields of the ticket's customer, shown and
// saved in the workspace's customer box (src/desk/workspace.tsx, views/customers/fields.tsx).
import type { Context } from '../context'
import type { CustomerFieldsBoxData } from '../../views/customers/fields'
import type { Problems } from '../../views/view'
import { storedFieldValues } from './form-fields'
import type { Customer } from './store'

/** Null when the customer has no type with fields (or was anonymised): nothing to show. */
export function fieldsBoxOf(
  ctx: Context,
  customer: Customer | null,
  editable: boolean,
  o: { values?: Record<string, string>; problems?: Problems; saved?: boolean } = {},
): CustomerFieldsBoxData | null {
  if (!customer || customer.type_id === null || customer.anonymized_at !== null) return null
  const defs = ctx.stores.customers.fields.ofType(customer.type_id)
  if (!defs.length) return null
  return { defs, values: o.values ?? storedFieldValues(ctx, customer), problems: o.problems ?? {}, editable, saved: o.saved ?? false }
}
