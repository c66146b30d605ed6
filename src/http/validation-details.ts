// The per-field messages of a schema validation failure, in the caller's language. Elysia reports
// TypeBox's errors, whose texts are English and talk about schemas ("Expected union value",
// "Property 'status' should be one of: 'string', 'string'"); an integrator — or an admin reading a
// log — needs "Use um destes valores: 'available', 'paused'". One message per field: the first
// error TypeBox gives for it is the most direct one (a missing field before its wrong type).
import { ValueErrorType } from '@sinclair/typebox/errors'
import type { MessageKey } from '../i18n'

export interface SchemaError {
  type?: number
  path?: string
  schema?: Schema
  value?: unknown
}

interface Schema {
  type?: string
  const?: unknown
  enum?: unknown[]
  anyOf?: Schema[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
}

export interface FieldDetail {
  field: string
  key: MessageKey
  vars: Record<string, string | number>
}

const fieldOf = (path: string | undefined) => (path ?? '').replace(/^\//, '').replace(/\//g, '.') || 'body'

/** The allowed values of an enum-like schema (a union of constants or `enum`), or null. */
function allowedValues(schema: Schema | undefined): unknown[] | null {
  if (schema?.enum?.length) return schema.enum
  const consts = schema?.anyOf?.filter((s) => s.const !== undefined).map((s) => s.const)
  return consts?.length && consts.length === schema!.anyOf!.length ? consts : null
}

/** A numeric field's message, with its range when the schema has one. */
function numberDetail(schema: Schema, integer: boolean): Omit<FieldDetail, 'field'> {
  const min = schema.minimum ?? schema.exclusiveMinimum
  const max = schema.maximum ?? schema.exclusiveMaximum
  const kind = integer ? 'integer' : 'number'
  if (min !== undefined && max !== undefined) return { key: `error.field_${kind}_between`, vars: { min, max } }
  if (min !== undefined) return { key: `error.field_${kind}_min`, vars: { min } }
  if (max !== undefined) return { key: `error.field_${kind}_max`, vars: { max } }
  return { key: `error.field_${kind}`, vars: {} }
}

/** TypeBox errors whose message needs nothing from the schema. */
const PLAIN: Partial<Record<number, MessageKey>> = {
  [ValueErrorType.String]: 'error.field_string',
  [ValueErrorType.StringPattern]: 'error.field_format',
  [ValueErrorType.StringFormat]: 'error.field_format',
  [ValueErrorType.Boolean]: 'error.field_boolean',
  [ValueErrorType.Array]: 'error.field_array',
  [ValueErrorType.ArrayUniqueItems]: 'error.field_unique_items',
  [ValueErrorType.Object]: 'error.field_object',
  [ValueErrorType.ObjectAdditionalProperties]: 'error.field_unknown',
}

function detailOf(e: SchemaError): Omit<FieldDetail, 'field'> {
  const schema = e.schema ?? {}
  const values = allowedValues(schema)
  if (e.type === ValueErrorType.ObjectRequiredProperty) return { key: 'error.field_required', vars: {} }
  if (values) return { key: 'error.field_one_of', vars: { values: values.map((v) => JSON.stringify(v)).join(', ') } }
  // Elysia's numeric fields accept a numeric string too: a union whose number branch has the range.
  const numeric = [schema, ...(schema.anyOf ?? [])].find((s) => s.type === 'integer' || s.type === 'number')
  if (numeric) return numberDetail({ ...schema, ...numeric }, numeric.type === 'integer')
  // A text that may also be null: the value given was neither.
  if (schema.anyOf?.some((s) => s.type === 'string') && typeof e.value !== 'string') return { key: 'error.field_string', vars: {} }
  switch (e.type) {
    case ValueErrorType.StringMaxLength:
      return { key: 'error.field_max_length', vars: { max: schema.maxLength ?? 0 } }
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? { key: 'error.field_blank', vars: {} } : { key: 'error.field_min_length', vars: { min: schema.minLength ?? 0 } }
    case ValueErrorType.ArrayMaxItems:
      return { key: 'error.field_max_items', vars: { max: schema.maxItems ?? 0 } }
    case ValueErrorType.ArrayMinItems:
      return { key: 'error.field_min_items', vars: { min: schema.minItems ?? 0 } }
    default:
      return { key: (e.type !== undefined && PLAIN[e.type]) || 'error.field_invalid', vars: {} }
  }
}

/** One detail per field, in the order TypeBox reported them. */
export function validationDetails(errors: SchemaError[]): FieldDetail[] {
  const out = new Map<string, FieldDetail>()
  for (const e of errors) {
    const field = fieldOf(e.path)
    if (!out.has(field)) out.set(field, { field, ...detailOf(e) })
  }
  return [...out.values()]
}
