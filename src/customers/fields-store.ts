// Campos personalizados por tipo de cliente (definitions) and their values per customer. Plain SQL,
// prepared once. Values are text in a canonical form (fields.ts parses and formats them).
import type { Database } from 'bun:sqlite'

export type FieldKind = 'text' | 'number' | 'date' | 'choice'
export const FIELD_KINDS: readonly FieldKind[] = ['text', 'number', 'date', 'choice']

export interface CustomField {
  id: number
  type_id: number
  key: string
  label: string
  kind: FieldKind
  options: string[]
  required: boolean
  position: number
  created_at: number
  updated_at: number
}

interface Row extends Omit<CustomField, 'options' | 'required'> {
  options: string
  required: number
}

export type FieldDefinition = Pick<CustomField, 'key' | 'label' | 'kind' | 'options' | 'required' | 'position'>

const COLUMNS = 'id, type_id, key, label, kind, options, required, position, created_at, updated_at'
const toField = (r: Row): CustomField => ({ ...r, options: JSON.parse(r.options) as string[], required: r.required === 1 })

export function customerFieldsStore(db: Database) {
  const ofType = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM customer_fields WHERE type_id = ? ORDER BY position, id`)
  const all = db.query<Row, []>(`SELECT ${COLUMNS} FROM customer_fields ORDER BY type_id, position, id`)
  const byId = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM customer_fields WHERE id = ?`)
  const insert = db.query<{ id: number }, [number, string, string, string, string, number, number, number, number]>(
    `INSERT INTO customer_fields (type_id, key, label, kind, options, required, position, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const update = db.query<unknown, [string, string, number, number, number, number]>(
    'UPDATE customer_fields SET label = ?, options = ?, required = ?, position = ?, updated_at = ? WHERE id = ?',
  )
  const remove = db.query<unknown, [number]>('DELETE FROM customer_fields WHERE id = ?')
  const setPosition = db.query<unknown, [number, number]>('UPDATE customer_fields SET position = ? WHERE id = ?')
  const nextPosition = db.query<{ p: number }, [number]>('SELECT coalesce(max(position), 0) + 1 AS p FROM customer_fields WHERE type_id = ?')
  const usedBy = db.query<{ n: number }, [number]>('SELECT count(*) AS n FROM customer_field_values WHERE field_id = ?')

  const values = db.query<{ field_id: number; value: string }, [number]>('SELECT field_id, value FROM customer_field_values WHERE customer_id = ?')
  const setValue = db.query<unknown, [number, number, string]>(
    'INSERT INTO customer_field_values (customer_id, field_id, value) VALUES (?, ?, ?) ON CONFLICT (customer_id, field_id) DO UPDATE SET value = excluded.value',
  )
  const clearValue = db.query<unknown, [number, number]>('DELETE FROM customer_field_values WHERE customer_id = ? AND field_id = ?')
  // A customer's values that do not belong to its (new) type.
  const clearOtherTypes = db.query<unknown, [number, number | null]>(
    'DELETE FROM customer_field_values WHERE customer_id = ?1 AND field_id NOT IN (SELECT id FROM customer_fields WHERE type_id IS ?2)',
  )
  const clearAll = db.query<unknown, [number]>('DELETE FROM customer_field_values WHERE customer_id = ?')
  const valuesOfMany = db.query<{ customer_id: number; key: string; value: string }, [string]>(
    `SELECT v.customer_id, f.key, v.value FROM customer_field_values v JOIN customer_fields f ON f.id = v.field_id
      WHERE v.customer_id IN (SELECT value FROM json_each(?))`,
  )

  return {
    /** A type's fields, in their order. */
    ofType: (typeId: number): CustomField[] => ofType.all(typeId).map(toField),
    all: (): CustomField[] => all.all().map(toField),
    get: (id: number): CustomField | null => {
      const r = byId.get(id)
      return r ? toField(r) : null
    },
    /** How many customers have a value in this field. */
    usedBy: (id: number): number => usedBy.get(id)!.n,
    /** Call inside a write transaction. Without a position it goes last. */
    create(typeId: number, d: Omit<FieldDefinition, 'position'> & { position?: number | null }): number {
      const now = Date.now()
      const position = d.position ?? nextPosition.get(typeId)!.p
      return insert.get(typeId, d.key, d.label, d.kind, JSON.stringify(d.options), d.required ? 1 : 0, position, now, now)!.id
    },
    /** Call inside a write transaction. Key and kind never change. */
    update(id: number, d: Pick<FieldDefinition, 'label' | 'options' | 'required' | 'position'>) {
      update.run(d.label, JSON.stringify(d.options), d.required ? 1 : 0, d.position, Date.now(), id)
    },
    /**
     * Call inside a write transaction: puts the field at `position` (1-based) among its type's
     * fields and numbers them all 1..n again, so an order typed twice never ties.
     */
    moveTo(typeId: number, fieldId: number, position: number) {
      const others = ofType.all(typeId).filter((r) => r.id !== fieldId).map((r) => r.id)
      others.splice(Math.max(0, Math.min(position - 1, others.length)), 0, fieldId)
      others.forEach((id, i) => setPosition.run(i + 1, id))
    },
    /** Call inside a write transaction: the field and every value stored in it. */
    remove: (id: number) => remove.run(id),

    /** A customer's stored values: field id → canonical text. */
    values: (customerId: number): Map<number, string> => new Map(values.all(customerId).map((r) => [r.field_id, r.value])),
    /** Values of many customers at once (the CSV export): customer id → key → canonical text. */
    valuesOfMany(customerIds: number[]): Map<number, Map<string, string>> {
      const out = new Map<number, Map<string, string>>()
      for (const r of valuesOfMany.all(JSON.stringify(customerIds))) {
        let m = out.get(r.customer_id)
        if (!m) out.set(r.customer_id, (m = new Map()))
        m.set(r.key, r.value)
      }
      return out
    },
    /** Call inside a write transaction. null clears. */
    setValue(customerId: number, fieldId: number, value: string | null) {
      if (value === null) clearValue.run(customerId, fieldId)
      else setValue.run(customerId, fieldId, value)
    },
    /** Call inside a write transaction: drops values of fields outside the type (after a type change). */
    keepOnlyType: (customerId: number, typeId: number | null) => clearOtherTypes.run(customerId, typeId),
    /** Call inside a write transaction (LGPD anonymisation). */
    clearAll: (customerId: number) => clearAll.run(customerId),
  }
}
export type CustomerFieldsStore = ReturnType<typeof customerFieldsStore>
