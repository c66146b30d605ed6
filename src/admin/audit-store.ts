// Append-only audit log (triggers in the schema refuse UPDATE and DELETE).
import type { Database } from 'bun:sqlite'

export interface AuditEntry {
  actor_id: number | null
  action: string
  object_type?: string
  object_id?: string | number
  ip?: string | null
  details?: Record<string, unknown>
}

export function auditStore(db: Database) {
  const insert = db.query<unknown, [number, number | null, string, string | null, string | null, string | null, string]>(
    'INSERT INTO audit_log (at, actor_id, action, object_type, object_id, ip, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  return {
    /** Call inside the write transaction of the action it records. */
    record(e: AuditEntry) {
      insert.run(
        Date.now(),
        e.actor_id,
        e.action,
        e.object_type ?? null,
        e.object_id === undefined ? null : String(e.object_id),
        e.ip ?? null,
        JSON.stringify(e.details ?? {}),
      )
    },
  }
}
export type AuditStore = ReturnType<typeof auditStore>
