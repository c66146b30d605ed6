// Clientes and tipos de cliente. Plain SQL, prepared once. `code` is stored normalised (code.ts).
import type { Database } from 'bun:sqlite'
import type { CodeType } from './code'
import { customerContactsStore } from './contacts-store'
import { customerFieldsStore } from './fields-store'
import { customerImportsStore } from './imports-store'

export interface Customer {
  id: number
  name: string
  code: string | null
  code_type: CodeType | null
  type_id: number | null
  email: string | null
  phone: string | null
  notes: string | null
  anonymized_at: number | null
  created_at: number
  updated_at: number
}

export interface CustomerValues {
  name: string
  code: string | null
  code_type: CodeType | null
  type_id: number | null
  email: string | null
  phone: string | null
  notes: string | null
}

export interface CustomerType {
  id: number
  name: string
  created_at: number
}

/** A search: `text` against name and e-mail (contains), `code` against the code (prefix), `digits` against the phone (contains). */
export interface CustomerSearch {
  text: string
  code: string
  digits: string
}

const COLUMNS = 'id, name, code, code_type, type_id, email, phone, notes, anonymized_at, created_at, updated_at'

/** LIKE pattern pieces: the user's % and _ are literal. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

// ?1 text (escaped, '' = no text), ?2 code prefix (escaped, '' = none), ?3 phone digits ('' = none).
const MATCH = `(
    (?1 <> '' AND (name LIKE '%' || ?1 || '%' ESCAPE '\\' OR email LIKE '%' || ?1 || '%' ESCAPE '\\'))
    OR (?2 <> '' AND code LIKE ?2 || '%' ESCAPE '\\')
    OR (?3 <> '' AND phone LIKE '%' || ?3 || '%' ESCAPE '\\'))`

export function customersStore(db: Database) {
  const byId = db.query<Customer, [number]>(`SELECT ${COLUMNS} FROM customers WHERE id = ?`)
  const byCode = db.query<Customer, [string]>(`SELECT ${COLUMNS} FROM customers WHERE code = ?`)
  const page = db.query<Customer, [number, number]>(`SELECT ${COLUMNS} FROM customers WHERE id < ? ORDER BY id DESC LIMIT ?`)
  const pageMatching = db.query<Customer, [string, string, string, number, number]>(
    `SELECT ${COLUMNS} FROM customers WHERE ${MATCH} AND id < ?4 ORDER BY id DESC LIMIT ?5`,
  )
  // Best first: the exact code, then names that start with the text, then the rest by name.
  const ranked = db.query<Customer, [string, string, string, string, number]>(
    `SELECT ${COLUMNS} FROM customers WHERE ${MATCH}
     ORDER BY CASE WHEN code = ?4 THEN 0 WHEN ?1 <> '' AND name LIKE ?1 || '%' ESCAPE '\\' THEN 1 ELSE 2 END, name COLLATE NOCASE, id DESC
     LIMIT ?5`,
  )
  const insert = db.query<{ id: number }, [string, string | null, string | null, number | null, string | null, string | null, string | null, number, number]>(
    `INSERT INTO customers (name, code, code_type, type_id, email, phone, notes, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const update = db.query<unknown, [string, string | null, string | null, number | null, string | null, string | null, string | null, number, number]>(
    `UPDATE customers SET name = ?, code = ?, code_type = ?, type_id = ?, email = ?, phone = ?, notes = ?, updated_at = ? WHERE id = ?`,
  )
  const remove = db.query<unknown, [number]>('DELETE FROM customers WHERE id = ?')

  const typesAll = db.query<CustomerType, []>('SELECT id, name, created_at FROM customer_types ORDER BY name COLLATE NOCASE')
  const typeById = db.query<CustomerType, [number]>('SELECT id, name, created_at FROM customer_types WHERE id = ?')
  const typeByName = db.query<CustomerType, [string]>('SELECT id, name, created_at FROM customer_types WHERE name = ? COLLATE NOCASE')
  const typesPage = db.query<CustomerType, [number, number]>('SELECT id, name, created_at FROM customer_types WHERE id < ? ORDER BY id DESC LIMIT ?')
  const typeInsert = db.query<{ id: number }, [string, number]>('INSERT INTO customer_types (name, created_at) VALUES (?, ?) RETURNING id')
  const typeRename = db.query<unknown, [string, number]>('UPDATE customer_types SET name = ? WHERE id = ?')
  const typeUses = db.query<{ type_id: number; n: number }, []>('SELECT type_id, count(*) AS n FROM customers WHERE type_id IS NOT NULL GROUP BY type_id')

  const values = (c: CustomerValues) => [c.name, c.code, c.code_type, c.type_id, c.email, c.phone, c.notes] as const

  return {
    get: (id: number): Customer | null => byId.get(id),
    /** By normalised code (see code.ts). */
    byCode: (code: string): Customer | null => byCode.get(code),
    /** Newest first, before the cursor id; with a search, only the matching ones. */
    list(o: { search?: CustomerSearch | null; before: number; limit: number }): Customer[] {
      const s = o.search
      if (!s || (!s.text && !s.code && !s.digits)) return page.all(o.before, o.limit)
      return pageMatching.all(likeEscape(s.text), likeEscape(s.code), likeEscape(s.digits), o.before, o.limit)
    },
    /** Best matches first (a picker): exact code, then name prefix, then the rest by name. */
    search(s: CustomerSearch, exactCode: string, limit: number): Customer[] {
      if (!s.text && !s.code && !s.digits) return []
      return ranked.all(likeEscape(s.text), likeEscape(s.code), likeEscape(s.digits), exactCode, limit)
    },
    /** Call inside a write transaction. A duplicate code throws SQLite's unique-constraint error. */
    create(c: CustomerValues): number {
      const now = Date.now()
      return insert.get(...values(c), now, now)!.id
    },
    /** Call inside a write transaction. */
    update(id: number, c: CustomerValues) {
      update.run(...values(c), Date.now(), id)
    },
    /** Call inside a write transaction, after moving what references it (merge.ts). */
    remove: (id: number) => remove.run(id),
    /** Custom fields of customer types and their values (fields-store.ts). */
    fields: customerFieldsStore(db),
    /** Contacts linked to customers, and customers' tickets (contacts-store.ts). */
    contacts: customerContactsStore(db),
    /** CSV imports between the dry run and the import (imports-store.ts). */
    imports: customerImportsStore(db),

    types: {
      list: (): CustomerType[] => typesAll.all(),
      /** Newest first, before the cursor id. */
      page: (before: number, limit: number): CustomerType[] => typesPage.all(before, limit),
      get: (id: number): CustomerType | null => typeById.get(id),
      byName: (name: string): CustomerType | null => typeByName.get(name.trim()),
      /** How many customers each type has (type id → count). */
      uses: (): Map<number, number> => new Map(typeUses.all().map((r) => [r.type_id, r.n])),
      /** Call inside a write transaction. */
      create: (name: string): number => typeInsert.get(name, Date.now())!.id,
      /** Call inside a write transaction. */
      rename(id: number, name: string) {
        typeRename.run(name, id)
      },
    },
  }
}
export type CustomersStore = ReturnType<typeof customersStore>
