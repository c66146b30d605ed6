// CSV import of customers: a dry run first (every row checked, nothing written: a preview and the
// rejected rows with their reasons), then the valid rows imported in one transaction, with a
// downloadable CSV of the rejected ones. Columns are found by their header names (nome/name,
// codigo/code/cpf/cnpj, email, telefone/phone, tipo/type, notas/notes and the custom fields' keys;
// others are ignored); each row goes through the same validation as the customer form
// (validateCustomer), plus duplicates within the file and in the database.
// The file: UTF-8 (with or without BOM) or Windows-1252 (older Excel), `;` or `,` separated,
// quoted cells (parseCsv, shared with bulk sending); at most IMPORT_MAX_BYTES and IMPORT_MAX_ROWS.
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { HttpError, notFound } from '../http/errors'
import { t, type Lang, type MessageKey } from '../i18n'
import { toCsv } from '../reports/csv'
import { parseCsv } from '../templates/bulk'
import { foldName, validateCustomer, type CustomerInput } from './customers'
import type { CustomerImport, RejectedRow } from './imports-store'
import type { CustomerValues } from './store'

export const IMPORT_MAX_BYTES = 5 * 1024 * 1024
export const IMPORT_MAX_ROWS = 20_000
/** The import page's request body: room for a file twice too large, so the form can say why it is refused. */
export const IMPORT_BODY_LIMIT = 2 * IMPORT_MAX_BYTES
/** Rows of the preview shown on the page. */
export const PREVIEW_ROWS = 20

type Column = 'name' | 'code' | 'email' | 'phone' | 'type' | 'notes'
const ALIASES: Record<Column, string[]> = {
  name: ['nome', 'name', 'nome_completo', 'razao_social', 'cliente'],
  code: ['codigo', 'code', 'cpf', 'cnpj', 'cpf_cnpj', 'documento', 'cpf_ou_cnpj'],
  email: ['email', 'e_mail'],
  phone: ['telefone', 'phone', 'celular', 'fone', 'whatsapp'],
  type: ['tipo', 'type', 'tipo_de_cliente', 'tipo_cliente'],
  notes: ['notas', 'notes', 'observacoes', 'obs'],
}

/** "Código", "E-mail", " CPF/CNPJ " → codigo, e_mail, cpf_cnpj. */
const headerKey = (h: string) =>
  h
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')

export interface ColumnMap {
  columns: Partial<Record<Column, number>>
  /** custom field key → column */
  fields: Map<string, number>
  /** header cells that map to nothing */
  ignored: string[]
}

export function mapHeader(header: string[], fieldKeys: Set<string>): ColumnMap {
  const map: ColumnMap = { columns: {}, fields: new Map(), ignored: [] }
  header.forEach((raw, i) => {
    const key = headerKey(raw)
    const column = (Object.keys(ALIASES) as Column[]).find((c) => ALIASES[c].includes(key))
    if (column && map.columns[column] === undefined) map.columns[column] = i
    else if (!column && fieldKeys.has(key) && !map.fields.has(key)) map.fields.set(key, i)
    else if (raw.trim()) map.ignored.push(raw.trim())
  })
  return map
}

export interface ValidRow {
  line: number
  cells: string[]
  value: CustomerValues
  fieldWrites: Map<number, string | null>
}

export interface ImportCheck {
  header: string[]
  map: ColumnMap
  total: number
  valid: ValidRow[]
  rejected: RejectedRow[]
}

const fileError = (status: number, code: string, key: MessageKey, vars: Record<string, string | number> = {}) => new HttpError(status, code, key, vars)

/** The file as text: UTF-8 when it is valid UTF-8, else Windows-1252 (what older Excel writes). */
export function decodeCsv(bytes: Uint8Array): string {
  if (bytes.length > IMPORT_MAX_BYTES) {
    throw fileError(413, 'file_too_large', 'customer_import.too_large', { size: (bytes.length / 1024 / 1024).toFixed(1).replace('.', ','), mb: IMPORT_MAX_BYTES / 1024 / 1024 })
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes)
  }
  // A binary file (a spreadsheet saved as .xlsx, an image) is not a CSV.
  if (text.includes('\u0000')) throw fileError(422, 'not_csv', 'customer_import.not_text')
  return text
}

/** A spreadsheet's text marker before a formula-like value (our own export writes '+55…) goes. */
const cleanCell = (c: string | undefined) => (c ?? '').trim().replace(/^'(?=[=+\-@])/, '')

/** Checks every row (reads only). File-level problems (no name column, no rows, too many) throw 422. */
export function checkImport(ctx: Context, text: string, lang: Lang): ImportCheck {
  const all = parseCsv(text)
  const header = (all[0] ?? []).map((h) => h.trim())
  const rows = all.slice(1).map((cells, i) => ({ line: i + 2, cells })).filter((r) => r.cells.some((c) => c.trim() !== ''))
  if (rows.length > IMPORT_MAX_ROWS) throw fileError(422, 'too_many_rows', 'customer_import.too_many_rows', { rows: rows.length, max: IMPORT_MAX_ROWS })
  const allFields = ctx.stores.customers.fields.all()
  const map = mapHeader(header, new Set(allFields.map((f) => f.key)))
  if (map.columns.name === undefined) throw fileError(422, 'no_name_column', 'customer_import.no_name_column')
  if (rows.length === 0) throw fileError(422, 'empty_file', 'customer_import.empty')

  const types = ctx.stores.customers.types.list()
  const typeByName = new Map(types.map((x) => [foldName(x.name.trim()), x]))
  const fieldsOfType = new Map<number, typeof allFields>()
  for (const f of allFields) fieldsOfType.set(f.type_id, [...(fieldsOfType.get(f.type_id) ?? []), f])
  const seenCodes = new Map<string, number>()
  const valid: ValidRow[] = []
  const rejected: RejectedRow[] = []
  const cell = (cells: string[], column: Column) => (map.columns[column] === undefined ? undefined : cleanCell(cells[map.columns[column]!]))

  for (const { line, cells } of rows) {
    const reasons: string[] = []
    const typeName = cell(cells, 'type') ?? ''
    const type = typeName ? typeByName.get(foldName(typeName)) : null
    if (type === undefined) reasons.push(t(lang, 'customer_import.unknown_type', { name: typeName }))
    const typeFields = type ? (fieldsOfType.get(type.id) ?? []) : []
    const fields: Record<string, string> = {}
    for (const [key, col] of map.fields) {
      const value = cleanCell(cells[col])
      if (typeFields.some((f) => f.key === key)) fields[key] = value
      else if (value && type !== undefined) reasons.push(t(lang, 'customer_import.field_problem', { field: key, problem: t(lang, 'customer_fields.unknown') }))
    }
    const input: CustomerInput = {
      name: cell(cells, 'name') ?? '',
      code: cell(cells, 'code'),
      email: cell(cells, 'email'),
      phone: cell(cells, 'phone'),
      notes: cell(cells, 'notes'),
      type_id: type ? type.id : null,
      fields: type && map.fields.size ? fields : undefined,
    }
    const { value, fieldWrites, problems } = validateCustomer(ctx, input, null)
    for (const p of problems) {
      if (p.field.startsWith('fields.')) {
        const key = p.field.slice('fields.'.length)
        const label = typeFields.find((f) => f.key === key)?.label ?? key
        reasons.push(t(lang, 'customer_import.field_problem', { field: label, problem: t(lang, p.key) }))
      } else reasons.push(t(lang, p.key))
    }
    if (value.code && !problems.some((p) => p.field === 'code')) {
      const first = seenCodes.get(value.code)
      if (first !== undefined) reasons.push(t(lang, 'customer_import.dup_file', { line: first }))
      else {
        seenCodes.set(value.code, line)
        if (ctx.stores.customers.byCode(value.code)) reasons.push(t(lang, 'customer_import.dup_db'))
      }
    }
    if (reasons.length) rejected.push({ line, cells, reasons })
    else valid.push({ line, cells, value, fieldWrites })
  }
  return { header, map, total: rows.length, valid, rejected }
}

/** The dry run: checks the file and keeps it (with its rejected rows) for the import. Returns the import's id. */
export function previewImport(ctx: Context, user: User, filename: string, bytes: Uint8Array, lang: Lang): number {
  const text = decodeCsv(bytes)
  const check = checkImport(ctx, text, lang)
  return write(ctx.db, () => {
    // Previews nobody imported are dropped after a day: they hold whole files of personal data.
    ctx.stores.customers.imports.pruneBefore(Date.now() - 24 * 60 * 60 * 1000)
    return ctx.stores.customers.imports.create({ user_id: user.id, filename: filename.slice(0, 200), body: text, header: check.header, total: check.total, valid: check.valid.length, rejected: check.rejected })
  })
}

/** An import its owner may see; anyone else's is a 404. */
export function ownImport(ctx: Context, user: User, id: number): CustomerImport {
  const imp = ctx.stores.customers.imports.get(id)
  if (!imp || imp.user_id !== user.id) throw notFound()
  return imp
}

/**
 * Imports the valid rows of a previewed file in one transaction, checking the file again first
 * (the database may have changed since the dry run). A code taken in the meantime rejects its row.
 */
export function runImport(ctx: Context, user: User, imp: CustomerImport, lang: Lang, ip: string | null): { imported: number; rejected: number } {
  if (imp.status !== 'preview') throw new HttpError(409, 'already_imported', 'customer_import.already')
  const check = checkImport(ctx, imp.body, lang)
  return write(ctx.db, () => {
    const rejected = [...check.rejected]
    let imported = 0
    for (const row of check.valid) {
      if (row.value.code && ctx.stores.customers.byCode(row.value.code)) {
        rejected.push({ line: row.line, cells: row.cells, reasons: [t(lang, 'customer_import.dup_db')] })
        continue
      }
      const id = ctx.stores.customers.create(row.value)
      for (const [fieldId, value] of row.fieldWrites) if (value !== null) ctx.stores.customers.fields.setValue(id, fieldId, value)
      imported++
    }
    rejected.sort((a, b) => a.line - b.line)
    if (!ctx.stores.customers.imports.finish(imp.id, { total: check.total, valid: check.valid.length, imported, rejected })) {
      throw new HttpError(409, 'already_imported', 'customer_import.already')
    }
    ctx.stores.audit.record({ actor_id: user.id, action: 'customer.import', object_type: 'customer_import', object_id: imp.id, ip, details: { imported, rejected: rejected.length } })
    return { imported, rejected: rejected.length }
  })
}

/** The rejected rows as a CSV: the file's own columns, then the line number and the reasons. */
export function rejectedCsv(imp: CustomerImport, lang: Lang): string {
  const width = Math.max(imp.header.length, ...imp.rejected.map((r) => r.cells.length))
  const pad = (cells: string[]) => Array.from({ length: width }, (_, i) => cells[i] ?? '')
  return toCsv(
    [...pad(imp.header), t(lang, 'customer_import.line_column'), t(lang, 'customer_import.reason_column')],
    imp.rejected.map((r) => [...pad(r.cells), r.line, r.reasons.join('; ')]),
  )
}
