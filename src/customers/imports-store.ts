// CSV imports of customers: the file kept between the dry run and the import, and the rejected rows
// of its last check (for the report and the rejected-rows CSV).
import type { Database } from 'bun:sqlite'

export interface RejectedRow {
  /** the row's number in the file, the header being 1 */
  line: number
  /** the row as it was in the file */
  cells: string[]
  reasons: string[]
}

export interface CustomerImport {
  id: number
  user_id: number
  filename: string
  body: string
  header: string[]
  status: 'preview' | 'imported'
  total: number
  valid: number
  imported: number
  rejected: RejectedRow[]
  created_at: number
  updated_at: number
}

interface Row extends Omit<CustomerImport, 'rejected' | 'header'> {
  rejected: string
  header: string
}

const COLUMNS = 'id, user_id, filename, body, header, status, total, valid, imported, rejected, created_at, updated_at'
const toImport = (r: Row): CustomerImport => ({ ...r, header: JSON.parse(r.header) as string[], rejected: JSON.parse(r.rejected) as RejectedRow[] })

export function customerImportsStore(db: Database) {
  const byId = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM customer_imports WHERE id = ?`)
  const insert = db.query<{ id: number }, [number, string, string, string, number, number, string, number, number]>(
    `INSERT INTO customer_imports (user_id, filename, body, header, status, total, valid, rejected, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'preview', ?, ?, ?, ?, ?) RETURNING id`,
  )
  const finish = db.query<unknown, [number, number, number, string, number, number]>(
    `UPDATE customer_imports SET status = 'imported', body = '', total = ?, valid = ?, imported = ?, rejected = ?, updated_at = ? WHERE id = ? AND status = 'preview'`,
  )
  // Old previews hold whole files of personal data: a day is enough to decide.
  const prune = db.query<unknown, [number]>(`DELETE FROM customer_imports WHERE status = 'preview' AND created_at < ?`)

  return {
    get: (id: number): CustomerImport | null => {
      const r = byId.get(id)
      return r ? toImport(r) : null
    },
    /** Call inside a write transaction. */
    create: (o: { user_id: number; filename: string; body: string; header: string[]; total: number; valid: number; rejected: RejectedRow[] }): number => {
      const now = Date.now()
      return insert.get(o.user_id, o.filename, o.body, JSON.stringify(o.header), o.total, o.valid, JSON.stringify(o.rejected), now, now)!.id
    },
    /** Call inside a write transaction. False when it was already imported (a double click). */
    finish: (id: number, o: { total: number; valid: number; imported: number; rejected: RejectedRow[] }): boolean =>
      finish.run(o.total, o.valid, o.imported, JSON.stringify(o.rejected), Date.now(), id).changes === 1,
    /** Call inside a write transaction. */
    pruneBefore: (at: number) => prune.run(at),
  }
}
