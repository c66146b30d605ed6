// Merging two customers (a duplicate record): in one transaction the removed customer's tickets,
// contacts and web-chat sessions move to the kept one; what the kept one lacks (code, e-mail,
// phone, type, custom-field values) is copied; the removed one's notes are appended; the removed
// one is deleted. Audited; a `ticket.updated` event per moved ticket (its customer changed).
import type { Context } from '../context'
import { write } from '../db/open'
import { recordTicketUpdated } from '../desk/routing'
import { badRequest, conflict, notFound } from '../http/errors'
import { t as translate } from '../i18n'
import { MAX_NOTES } from './customers'
import type { Customer, CustomerValues } from './store'

export interface MergePlan {
  keep: Customer
  from: Customer
  tickets: number
  contacts: number
  /** customer data the kept one lacks and takes from the other */
  copies: ('code' | 'email' | 'phone' | 'type_id')[]
  /** custom-field labels whose values are copied / dropped */
  fieldsCopied: string[]
  fieldsDropped: string[]
  notes: boolean
  /** the kept customer after the merge */
  result: CustomerValues
  /** field id → value to set on the kept customer */
  fieldWrites: Map<number, string>
}

function check(keep: Customer, from: Customer) {
  if (keep.id === from.id) throw badRequest('validation_failed', 'error.validation', [{ field: 'from_id', key: 'customer_merge.same' }])
  if (keep.anonymized_at !== null || from.anonymized_at !== null) throw conflict('customer_anonymized', 'customer_contacts.anonymized')
}

/** What merging `from` into `keep` would do (the preview; the merge recomputes it inside its transaction). */
export function mergePlan(ctx: Context, keep: Customer, from: Customer): MergePlan {
  check(keep, from)
  const store = ctx.stores.customers
  const result: CustomerValues = { name: keep.name, code: keep.code, code_type: keep.code_type, type_id: keep.type_id, email: keep.email, phone: keep.phone, notes: keep.notes }
  const copies: MergePlan['copies'] = []
  if (!keep.code && from.code) {
    result.code = from.code
    result.code_type = from.code_type
    copies.push('code')
  }
  if (!keep.email && from.email) (result.email = from.email), copies.push('email')
  if (!keep.phone && from.phone) (result.phone = from.phone), copies.push('phone')
  if (keep.type_id === null && from.type_id !== null) (result.type_id = from.type_id), copies.push('type_id')
  // Custom fields belong to a type: values of the kept customer's (final) type are copied where it has none.
  const keepValues = store.fields.values(keep.id)
  const fromValues = store.fields.values(from.id)
  const fieldWrites = new Map<number, string>()
  const fieldsCopied: string[] = []
  const fieldsDropped: string[] = []
  const finalFields = result.type_id === null ? [] : store.fields.ofType(result.type_id)
  const finalIds = new Set(finalFields.map((f) => f.id))
  for (const f of finalFields) {
    const v = fromValues.get(f.id)
    if (v === undefined) continue
    if (keepValues.has(f.id)) fieldsDropped.push(f.label)
    else (fieldWrites.set(f.id, v), fieldsCopied.push(f.label))
  }
  for (const [fieldId] of fromValues) {
    if (!finalIds.has(fieldId)) fieldsDropped.push(store.fields.get(fieldId)?.label ?? String(fieldId))
  }
  const notes = Boolean(from.notes)
  return { keep, from, tickets: store.contacts.ticketCount(from.id), contacts: store.contacts.contactCount(from.id), copies, fieldsCopied, fieldsDropped, notes, result, fieldWrites }
}

/** Merges `fromId` into `keep`. 400 (same customer), 404 (no such customer), 409 `customer_anonymized`. */
export function mergeCustomers(ctx: Context, actorId: number, keepId: number, fromId: number, ip: string | null): Customer {
  const now = Date.now()
  const lang = ctx.config.defaultLanguage
  write(ctx.db, () => {
    const keep = ctx.stores.customers.get(keepId)
    const from = ctx.stores.customers.get(fromId)
    if (!keep) throw notFound()
    if (!from) throw badRequest('validation_failed', 'error.validation', [{ field: 'from_id', key: 'error.not_found' }])
    const plan = mergePlan(ctx, keep, from)
    const store = ctx.stores.customers
    if (plan.notes) {
      const appended = [keep.notes, `${translate(lang, 'customer_merge.notes_from', { name: from.name })}\n${from.notes}`].filter(Boolean).join('\n\n')
      plan.result.notes = appended.slice(0, MAX_NOTES)
    }
    const moved = store.contacts.ticketIds(from.id).map((id) => ctx.stores.tickets.get(id)!)
    store.contacts.moveAll(from.id, keep.id, now)
    // The type first (it may come from the removed customer), then the values it lacks.
    if (plan.result.type_id !== keep.type_id) store.fields.keepOnlyType(keep.id, plan.result.type_id)
    for (const [fieldId, value] of plan.fieldWrites) store.fields.setValue(keep.id, fieldId, value)
    // The removed customer goes before the kept one takes its code (codes are unique).
    store.remove(from.id)
    store.update(keep.id, plan.result)
    for (const before of moved) {
      ctx.stores.history.record({ ticket_id: before.id, action: 'updated', at: now, actor_id: actorId, note: 'customer_id' })
      recordTicketUpdated(ctx, before, ctx.stores.tickets.get(before.id)!)
    }
    ctx.stores.audit.record({
      actor_id: actorId,
      action: 'customer.merge',
      object_type: 'customer',
      object_id: keep.id,
      ip,
      details: { from_id: from.id, tickets: moved.length, contacts: plan.contacts, copied: plan.copies, fields_copied: plan.fieldWrites.size, fields_dropped: plan.fieldsDropped.length, notes: plan.notes },
    })
  })
  ctx.hub.wake()
  return ctx.stores.customers.get(keepId)!
}
