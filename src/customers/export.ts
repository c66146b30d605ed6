// CSV export of customers (the list's current search), streamed page by page so 100,000 customers
// never sit in memory at once. The columns are the import's (import.ts): exported, edited in a
// spreadsheet and imported again. Exporting needs customers.export and is audited (who, when,
// whether filtered — never the filter itself, which may be a CPF).
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { csvCell, csvResponse } from '../reports/csv'
import { isoDay } from '../reports/period'
import { formatCode } from './code'
import { customerSearchOf, formatPhone } from './customers'

/** Rows per database read while streaming. */
const PAGE = 500

export const EXPORT_COLUMNS = ['id', 'nome', 'codigo', 'tipo_codigo', 'tipo', 'email', 'telefone', 'notas', 'criado_em', 'atualizado_em'] as const

const line = (cells: (string | number | null)[]) => cells.map(csvCell).join(',') + '\r\n'

export function exportCustomersCsv(ctx: Context, user: User, q: string, ip: string | null): Response {
  const search = q ? customerSearchOf(q) : null
  write(ctx.db, () => ctx.stores.audit.record({ actor_id: user.id, action: 'customer.export_csv', object_type: 'customer', ip, details: { filtered: search !== null } }))
  const types = new Map(ctx.stores.customers.types.list().map((t) => [t.id, t.name]))
  // Every custom field key once (the same key may exist in several types): one column each.
  const keys = [...new Set(ctx.stores.customers.fields.all().map((f) => f.key))]
  const encoder = new TextEncoder()
  let before = Number.MAX_SAFE_INTEGER
  let started = false
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true
        // A BOM: Excel reads the accents right.
        controller.enqueue(encoder.encode('\ufeff' + line([...EXPORT_COLUMNS, ...keys])))
        return
      }
      const rows = ctx.stores.customers.list({ search, before, limit: PAGE })
      if (!rows.length) {
        controller.close()
        return
      }
      const values = keys.length ? ctx.stores.customers.fields.valuesOfMany(rows.map((c) => c.id)) : new Map<number, Map<string, string>>()
      let out = ''
      for (const c of rows) {
        const v = values.get(c.id)
        out += line([
          c.id,
          c.name,
          c.code ? formatCode(c.code, c.code_type) : '',
          c.code_type ?? '',
          c.type_id !== null ? (types.get(c.type_id) ?? '') : '',
          c.email ?? '',
          c.phone ? formatPhone(c.phone) : '',
          c.notes ?? '',
          new Date(c.created_at).toISOString(),
          new Date(c.updated_at).toISOString(),
          ...keys.map((k) => v?.get(k) ?? ''),
        ])
      }
      before = rows[rows.length - 1].id
      controller.enqueue(encoder.encode(out))
    },
  })
  const day = isoDay(Date.now(), ctx.config.timeZone) // the company's date, not UTC's (a day ahead after 21:00)
  return csvResponse(`clientes-${day}.csv`, body)
}
