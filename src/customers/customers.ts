// Creating, changing and finding customers (and customer types), shared by the API, the customer
// pages and the agent workspace's protocol form. Codes (CPF/CNPJ), e-mails and phones are personal
// data: they never go to the log, and the audit log records which fields changed, not their values.
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, HttpError, type FieldProblem } from '../http/errors'
import { normaliseCode, parseCustomerCode } from './code'
import { checkFieldValues, customerFieldsJson } from './fields'
import type { Customer, CustomerSearch, CustomerType, CustomerValues } from './store'

export interface CustomerInput {
  name?: unknown
  code?: unknown
  type_id?: unknown
  email?: unknown
  phone?: unknown
  notes?: unknown
  /** custom fields of the customer's type: `{ <key>: value }` (fields.ts) */
  fields?: unknown
}

const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']+\.[^\s@<>"']{2,}$/
/** What people type around phone digits: +55 (83) 99999-0000, 83 9999.0000. */
const PHONE_CHARS = /^\+?[0-9\s().\-/]+$/
export const MAX_NAME = 200
export const MAX_NOTES = 4000

const EMPTY: CustomerValues = { name: '', code: null, code_type: null, type_id: null, email: null, phone: null, notes: null }

/** Blank (missing in a form, '' or null) → null; anything else is validated. */
const blank = (x: unknown) => x === null || (typeof x === 'string' && x.trim() === '')

/** A phone as stored: the digits, with the leading + when typed ("+55 (83) 99999-0000" → "+5583999990000"). */
export function normalisePhone(input: string): string | null {
  const s = input.trim()
  if (!PHONE_CHARS.test(s)) return null
  const digits = s.replace(/\D/g, '')
  if (digits.length < 8 || digits.length > 15) return null
  return (s.startsWith('+') ? '+' : '') + digits
}

/**
 * For display: Brazilian numbers as (83) 99999-0000 or +55 (83) 99999-0000; anything else as stored.
 */
export function formatPhone(phone: string): string {
  const m = /^(\+55)?(\d{2})(\d{4,5})(\d{4})$/.exec(phone)
  if (!m || (!m[1] && phone.startsWith('+'))) return phone
  return `${m[1] ? '+55 ' : ''}(${m[2]}) ${m[3]}-${m[4]}`
}

/** Checks every field present (name always when creating) over the current values. */
export function validateCustomer(ctx: Context, raw: CustomerInput, existing: Customer | null) {
  const problems: FieldProblem[] = []
  const out: CustomerValues = existing
    ? { name: existing.name, code: existing.code, code_type: existing.code_type, type_id: existing.type_id, email: existing.email, phone: existing.phone, notes: existing.notes }
    : { ...EMPTY }
  if (raw.name !== undefined || !existing) {
    const name = typeof raw.name === 'string' ? raw.name.trim() : ''
    if (!name || name.length > MAX_NAME) problems.push({ field: 'name', key: 'customers.valid_name' })
    else out.name = name
  }
  if (raw.code !== undefined) {
    if (blank(raw.code)) {
      out.code = null
      out.code_type = null
    } else {
      const parsed = parseCustomerCode(raw.code)
      if ('error' in parsed) problems.push({ field: 'code', key: codeProblem(raw.code) })
      else {
        out.code = parsed.code
        out.code_type = parsed.type
      }
    }
  }
  if (raw.type_id !== undefined) {
    const id = raw.type_id
    if (blank(id)) out.type_id = null
    else if (typeof id !== 'number' || !Number.isInteger(id) || !ctx.stores.customers.types.get(id)) problems.push({ field: 'type_id', key: 'customers.valid_type' })
    else out.type_id = id
  }
  if (raw.email !== undefined) {
    if (blank(raw.email)) out.email = null
    else {
      const email = typeof raw.email === 'string' ? raw.email.trim().toLowerCase() : ''
      if (!EMAIL.test(email) || email.length > 254) problems.push({ field: 'email', key: 'customers.valid_email' })
      else out.email = email
    }
  }
  if (raw.phone !== undefined) {
    if (blank(raw.phone)) out.phone = null
    else {
      const phone = typeof raw.phone === 'string' ? normalisePhone(raw.phone) : null
      if (!phone) problems.push({ field: 'phone', key: 'customers.valid_phone' })
      else out.phone = phone
    }
  }
  if (raw.notes !== undefined) {
    if (blank(raw.notes)) out.notes = null
    else if (typeof raw.notes !== 'string' || raw.notes.length > MAX_NOTES) problems.push({ field: 'notes', key: 'customers.valid_notes' })
    else out.notes = raw.notes.replace(/\r\n?/g, '\n').trim()
  }
  // Custom fields follow the type the customer has after this save (an unknown type: none checked).
  const typeOk = !problems.some((p) => p.field === 'type_id')
  const fieldCheck = checkFieldValues(ctx, { raw: raw.fields, typeId: typeOk ? out.type_id : null, customerId: existing?.id ?? null, typeChanged: existing !== null && out.type_id !== existing.type_id })
  if (typeOk) problems.push(...fieldCheck.problems)
  return { value: out, fieldWrites: fieldCheck.writes, problems }
}

/** Why a code is refused, in words the agent can act on: wrong check digits of a CPF or a CNPJ, or not a code at all. */
export function codeProblem(raw: unknown) {
  const code = typeof raw === 'string' ? normaliseCode(raw) : ''
  if (/^\d{11}$/.test(code)) return 'customers.valid_cpf' as const
  if (/^[0-9A-Z]{12}\d{2}$/.test(code)) return 'customers.valid_cnpj' as const
  return 'customers.valid_code' as const
}

const customerExists = () => new HttpError(409, 'customer_exists', 'customers.exists', {}, [{ field: 'code', key: 'customers.exists' }])

const isUniqueViolation = (e: unknown) => e instanceof Error && /UNIQUE constraint failed: customers\.code/.test(e.message)

function save(ctx: Context, actorId: number | null, input: CustomerInput, existing: Customer | null, ip: string | null): Customer {
  const { value, fieldWrites, problems } = validateCustomer(ctx, input, existing)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  let id: number
  try {
    id = write(ctx.db, () => {
      if (value.code) {
        const other = ctx.stores.customers.byCode(value.code)
        if (other && other.id !== existing?.id) throw customerExists()
      }
      const id = existing ? (ctx.stores.customers.update(existing.id, value), existing.id) : ctx.stores.customers.create(value)
      const fields: string[] = existing ? (Object.keys(value) as (keyof CustomerValues)[]).filter((k) => value[k] !== existing[k]) : (Object.keys(value) as (keyof CustomerValues)[]).filter((k) => value[k] !== null)
      fields.push(...writeFieldValues(ctx, id, value.type_id, existing, fieldWrites))
      ctx.stores.audit.record({ actor_id: actorId, action: existing ? 'customer.update' : 'customer.create', object_type: 'customer', object_id: id, ip, details: { fields } })
      return id
    })
  } catch (e) {
    if (isUniqueViolation(e)) throw customerExists()
    throw e
  }
  return ctx.stores.customers.get(id)!
}

/**
 * Call inside the save's transaction: a type change drops the values of the old type's fields, then
 * the values checked are written. Returns what changed as `fields.<key>` names (for the audit log).
 */
function writeFieldValues(ctx: Context, customerId: number, typeId: number | null, existing: Customer | null, writes: Map<number, string | null>): string[] {
  const store = ctx.stores.customers.fields
  const before = existing ? store.values(customerId) : new Map<number, string>()
  if (existing && existing.type_id !== typeId) store.keepOnlyType(customerId, typeId)
  const changed: string[] = []
  for (const [fieldId, value] of writes) {
    if ((before.get(fieldId) ?? null) === value) continue
    store.setValue(customerId, fieldId, value)
    changed.push(`fields.${store.get(fieldId)?.key ?? fieldId}`)
  }
  return changed
}

/**
 * Creates a customer. 400 `validation_failed` with field problems (name, code — CPF/CNPJ check
 * digits —, type_id, email, phone, notes); 409 `customer_exists` (field `code`) when the code is taken.
 */
export function createCustomer(ctx: Context, actorId: number | null, input: CustomerInput, ip: string | null = null): Customer {
  return save(ctx, actorId, input, null, ip)
}

/** Changes the fields present; the same errors as createCustomer. */
export function updateCustomer(ctx: Context, actorId: number | null, existing: Customer, input: CustomerInput, ip: string | null = null): Customer {
  return save(ctx, actorId, input, existing, ip)
}

/**
 * What a typed search looks for: the text in name and e-mail, the code with or without
 * punctuation (prefix, from 3 characters), phone digits (from 4).
 */
export function customerSearchOf(q: string): CustomerSearch {
  const text = q.trim().slice(0, 100)
  const norm = normaliseCode(text)
  const digits = text.replace(/[\s().+\-/]/g, '')
  return {
    text,
    code: /^[0-9A-Z]{3,14}$/.test(norm) ? norm : '',
    digits: /^\d{4,15}$/.test(digits) ? digits : '',
  }
}

/**
 * The protocol form's customer search: by name (starting with or containing), by code with or
 * without punctuation, e-mail or phone. Best first: the exact code, then names starting with q.
 */
export function searchCustomers(ctx: Context, q: string, limit = 10): Customer[] {
  const search = customerSearchOf(q)
  const exact = parseCustomerCode(search.text)
  return ctx.stores.customers.search(search, 'error' in exact ? '' : exact.code, Math.max(1, Math.min(limit, 200)))
}

/** The API's Customer with its custom fields (`fields: { <key>: value }`, an extension of api.md). */
export const customerApiJson = (ctx: Context, c: Customer) => customerJson(c, customerFieldsJson(ctx, c))

/** api.md: `{ id, name, code, code_type, type_id, email, phone, notes, created_at, updated_at }` (+ `fields` when given) */
export function customerJson(c: Customer, fields?: Record<string, string | number | null>) {
  return {
    id: c.id,
    name: c.name,
    code: c.code,
    code_type: c.code_type,
    type_id: c.type_id,
    email: c.email,
    phone: c.phone,
    notes: c.notes,
    created_at: new Date(c.created_at).toISOString(),
    updated_at: new Date(c.updated_at).toISOString(),
    ...(fields ? { fields } : {}),
  }
}

// ---- customer types ----------------------------------------------------------------------------

/** Names compared the way people read them: case-insensitive in Portuguese (accents still count). */
export const foldName = (s: string) => s.normalize('NFC').toLocaleLowerCase('pt-BR')

export function saveCustomerType(ctx: Context, actorId: number, raw: { name?: unknown }, existing: CustomerType | null, ip: string | null): CustomerType {
  const name = typeof raw.name === 'string' ? raw.name.trim() : ''
  const problems: FieldProblem[] = []
  if (!name || name.length > 80) problems.push({ field: 'name', key: 'customer_types.valid_name' })
  else {
    // In JS: SQLite's NOCASE folds ASCII only ("FÍSICA" ≠ "física" there).
    const other = ctx.stores.customers.types.list().find((t) => foldName(t.name) === foldName(name))
    if (other && other.id !== existing?.id) problems.push({ field: 'name', key: 'customer_types.name_taken' })
  }
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const id = write(ctx.db, () => {
    const id = existing ? (ctx.stores.customers.types.rename(existing.id, name), existing.id) : ctx.stores.customers.types.create(name)
    ctx.stores.audit.record({ actor_id: actorId, action: existing ? 'customer_type.update' : 'customer_type.create', object_type: 'customer_type', object_id: id, ip, details: { name } })
    return id
  })
  return ctx.stores.customers.types.get(id)!
}

export function customerTypeJson(t: CustomerType) {
  return { id: t.id, name: t.name, created_at: new Date(t.created_at).toISOString() }
}
