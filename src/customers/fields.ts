// Campos personalizados: an admin gives a customer type its own fields (text, number, date, or a
// choice among options; required or optional; in an order; with labels). Values are checked here
// for every way in — the customer page, the protocol form, the API and the CSV import — and stored
// as canonical text: numbers as JS prints them, dates as ISO YYYY-MM-DD, a choice as its option.
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, type FieldProblem } from '../http/errors'
import type { MessageKey } from '../i18n'
import { FIELD_KINDS, type CustomField, type FieldKind } from './fields-store'
import type { CustomerType } from './store'

export const MAX_TEXT_VALUE = 1000
const MAX_OPTIONS = 50
const KEY = /^[a-z][a-z0-9_]{0,39}$/
/** Column names the CSV import already maps to a customer's own data: a field may not take them. */
export const RESERVED_KEYS = new Set(['id', 'name', 'nome', 'code', 'codigo', 'cpf', 'cnpj', 'documento', 'email', 'e_mail', 'phone', 'telefone', 'celular', 'type', 'tipo', 'notes', 'notas', 'observacoes', 'fields', 'created_at', 'updated_at', 'criado_em', 'atualizado_em'])

// ---- values --------------------------------------------------------------------------------------

export type ParsedValue = { value: string | null } | { error: MessageKey }

const blank = (x: unknown) => x === null || x === undefined || (typeof x === 'string' && x.trim() === '')

/** "1500", "1500.5", "1500,50", "1.500,50" (Brazilian thousands) or a JSON number → canonical text. */
function parseNumber(raw: unknown): string | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : null
  if (typeof raw !== 'string') return null
  const s = raw.trim().replace(/\s/g, '')
  let plain: string
  if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(s)) plain = s.replace(/\./g, '').replace(',', '.')
  else if (/^-?\d+,\d+$/.test(s)) plain = s.replace(',', '.')
  else if (/^-?\d+(\.\d+)?$/.test(s)) plain = s
  else return null
  if (plain.replace(/[-.]/g, '').length > 15) return null
  const n = Number(plain)
  return Number.isFinite(n) ? String(n) : null
}

/** ISO YYYY-MM-DD (what a date input sends) or DD/MM/YYYY (Brazilian spreadsheets) → ISO, when a real day. */
function parseDate(raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const s = raw.trim()
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  const br = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s)
  const parts = iso ? [iso[1], iso[2], iso[3]] : br ? [br[3], br[2], br[1]] : null
  if (!parts) return null
  const [y, mo, d] = parts.map(Number)
  const date = new Date(Date.UTC(y, mo - 1, d))
  if (y < 1000 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null
  return parts.join('-')
}

/** Checks one value against its field; blank is `{ value: null }` (the caller checks `required`). */
export function parseFieldValue(field: Pick<CustomField, 'kind' | 'options'>, raw: unknown): ParsedValue {
  if (blank(raw)) return { value: null }
  switch (field.kind) {
    case 'text': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return { error: 'customer_fields.valid_text' }
      const s = String(raw).replace(/\r\n?/g, '\n').trim()
      return s.length > MAX_TEXT_VALUE ? { error: 'customer_fields.valid_text' } : { value: s }
    }
    case 'number': {
      const n = parseNumber(raw)
      return n === null ? { error: 'customer_fields.valid_number' } : { value: n }
    }
    case 'date': {
      const d = parseDate(raw)
      return d === null ? { error: 'customer_fields.valid_date' } : { value: d }
    }
    case 'choice': {
      if (typeof raw !== 'string') return { error: 'customer_fields.valid_choice' }
      const s = raw.trim()
      // The option as the admin wrote it, whatever the case typed.
      const option = field.options.find((o) => o === s) ?? field.options.find((o) => o.toLocaleLowerCase('pt-BR') === s.toLocaleLowerCase('pt-BR'))
      return option === undefined ? { error: 'customer_fields.valid_choice' } : { value: option }
    }
  }
}

/** A stored value as the API gives it: numbers as numbers. */
export const fieldJsonValue = (field: Pick<CustomField, 'kind'>, stored: string): string | number => (field.kind === 'number' ? Number(stored) : stored)

/** A customer's values as the API's `fields: { <key>: value }`: every field of its type, null when empty. */
export function customerFieldsJson(ctx: Context, customer: { id: number; type_id: number | null }): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {}
  if (customer.type_id === null) return out
  const fields = ctx.stores.customers.fields.ofType(customer.type_id)
  if (!fields.length) return out
  const values = ctx.stores.customers.fields.values(customer.id)
  for (const f of fields) {
    const v = values.get(f.id)
    out[f.key] = v === undefined ? null : fieldJsonValue(f, v)
  }
  return out
}

export interface FieldValuesCheck {
  /** field id → canonical value (null clears): what to write */
  writes: Map<number, string | null>
  problems: FieldProblem[]
}

/**
 * Checks the custom-field part of a customer save. `raw` is `{ <key>: value }` or undefined (not
 * sent). Values sent must be fields of the customer's type (after the save); required fields are
 * checked whenever the values are being edited: when sent, when the customer is created with a
 * type, or when its type changes. Problems are named `fields.<key>`.
 */
export function checkFieldValues(ctx: Context, o: { raw: unknown; typeId: number | null; customerId: number | null; typeChanged: boolean }): FieldValuesCheck {
  const writes = new Map<number, string | null>()
  const problems: FieldProblem[] = []
  if (o.raw !== undefined && (o.raw === null || typeof o.raw !== 'object' || Array.isArray(o.raw))) {
    return { writes, problems: [{ field: 'fields', key: 'customer_fields.valid_object' }] }
  }
  const raw = (o.raw ?? {}) as Record<string, unknown>
  const fields = o.typeId === null ? [] : ctx.stores.customers.fields.ofType(o.typeId)
  const byKey = new Map(fields.map((f) => [f.key, f]))
  for (const key of Object.keys(raw)) {
    if (!byKey.has(key)) problems.push({ field: `fields.${key}`.slice(0, 60), key: 'customer_fields.unknown' })
  }
  const stored = o.customerId !== null && !o.typeChanged ? ctx.stores.customers.fields.values(o.customerId) : new Map<number, string>()
  const mustCheckRequired = o.raw !== undefined || o.customerId === null || o.typeChanged
  for (const f of fields) {
    let final = stored.get(f.id) ?? null
    if (f.key in raw) {
      const parsed = parseFieldValue(f, raw[f.key])
      if ('error' in parsed) {
        problems.push({ field: `fields.${f.key}`, key: parsed.error })
        continue
      }
      final = parsed.value
      writes.set(f.id, parsed.value)
    }
    if (f.required && final === null && mustCheckRequired) problems.push({ field: `fields.${f.key}`, key: 'customer_fields.required' })
  }
  return { writes, problems }
}

// ---- definitions (the admin page) ------------------------------------------------------------------

export interface FieldInput {
  key?: unknown
  label?: unknown
  kind?: unknown
  options?: unknown
  required?: unknown
  position?: unknown
}

/** Options typed one per line (a form) or given as a list (the API): trimmed, blanks dropped. */
export function optionsOf(raw: unknown): string[] | null {
  const list = typeof raw === 'string' ? raw.split(/\r\n|\n|\r/) : Array.isArray(raw) ? raw : null
  if (!list || list.some((x) => typeof x !== 'string')) return null
  return (list as string[]).map((x) => x.trim()).filter(Boolean)
}

export function saveCustomField(ctx: Context, actorId: number, type: CustomerType, raw: FieldInput, existing: CustomField | null, ip: string | null): CustomField {
  const problems: FieldProblem[] = []
  const key = existing ? existing.key : typeof raw.key === 'string' ? raw.key.trim() : ''
  const kind = existing ? existing.kind : (raw.kind as FieldKind)
  if (!existing) {
    if (!KEY.test(key)) problems.push({ field: 'key', key: 'customer_fields.valid_key' })
    else if (RESERVED_KEYS.has(key)) problems.push({ field: 'key', key: 'customer_fields.key_reserved' })
    else if (ctx.stores.customers.fields.ofType(type.id).some((f) => f.key === key)) problems.push({ field: 'key', key: 'customer_fields.key_taken' })
    if (!FIELD_KINDS.includes(kind)) problems.push({ field: 'kind', key: 'customer_fields.valid_kind' })
  }
  const label = typeof raw.label === 'string' ? raw.label.trim() : ''
  if (!label || label.length > 80) problems.push({ field: 'label', key: 'customer_fields.valid_label' })
  let options: string[] = []
  if (kind === 'choice') {
    const list = optionsOf(raw.options ?? '')
    if (!list || list.length === 0 || list.length > MAX_OPTIONS || list.some((o) => o.length > 80) || new Set(list.map((o) => o.toLocaleLowerCase('pt-BR'))).size !== list.length) {
      problems.push({ field: 'options', key: 'customer_fields.valid_options' })
    } else options = list
    // Stored values must stay among the options: an option in use is not removed.
    if (existing && list) {
      const gone = existing.options.filter((o) => !list.includes(o))
      if (gone.length && ctx.db.query<{ n: number }, [number, string]>('SELECT count(*) AS n FROM customer_field_values WHERE field_id = ? AND value IN (SELECT value FROM json_each(?))').get(existing.id, JSON.stringify(gone))!.n > 0) {
        problems.push({ field: 'options', key: 'customer_fields.option_in_use' })
      }
    }
  }
  const required = raw.required === true || raw.required === '1' || raw.required === 'on'
  let position: number | null = existing?.position ?? null
  if (raw.position !== undefined && raw.position !== '' && raw.position !== null) {
    const p = typeof raw.position === 'number' ? raw.position : /^\d{1,3}$/.test(String(raw.position).trim()) ? Number(String(raw.position).trim()) : NaN
    if (!Number.isInteger(p) || p < 1 || p > 999) problems.push({ field: 'position', key: 'customer_fields.valid_position' })
    else position = p
  }
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const id = write(ctx.db, () => {
    const store = ctx.stores.customers.fields
    const id = existing
      ? (store.update(existing.id, { label, options, required, position: position ?? existing.position }), existing.id)
      : store.create(type.id, { key, label, kind, options, required, position })
    if (position !== null) store.moveTo(type.id, id, position)
    ctx.stores.audit.record({
      actor_id: actorId,
      action: existing ? 'customer_field.update' : 'customer_field.create',
      object_type: 'customer_type',
      object_id: type.id,
      ip,
      details: { field_id: id, key, kind, required },
    })
    return id
  })
  return ctx.stores.customers.fields.get(id)!
}

export function deleteCustomField(ctx: Context, actorId: number, field: CustomField, ip: string | null) {
  write(ctx.db, () => {
    const values = ctx.stores.customers.fields.usedBy(field.id)
    ctx.stores.customers.fields.remove(field.id)
    ctx.stores.audit.record({ actor_id: actorId, action: 'customer_field.delete', object_type: 'customer_type', object_id: field.type_id, ip, details: { field_id: field.id, key: field.key, values } })
  })
}

export function customFieldJson(f: CustomField) {
  return { id: f.id, key: f.key, label: f.label, kind: f.kind, options: f.options, required: f.required, position: f.position }
}
