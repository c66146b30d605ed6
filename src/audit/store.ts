// Reading the append-only audit log (writing is src/admin/audit-store.ts, inside each action's
// transaction). Newest first, keyset-paginated by id; filters by actor, action (exact, or a prefix
// ending in '.'), object, and a time range.
import type { Database } from 'bun:sqlite'

export interface AuditRow {
  id: number
  at: number
  actor_id: number | null
  actor_name: string | null
  actor_email: string | null
  action: string
  object_type: string | null
  object_id: string | null
  ip: string | null
  details: string
}

export interface AuditQuery {
  actor_id?: number | null
  /** exact action, or a prefix like 'login.' / 'profile.' */
  action?: string | null
  object_type?: string | null
  object_id?: string | null
  from?: number | null
  to?: number | null
  before?: number
  limit: number
}

export function auditLogStore(db: Database) {
  // One statement: each filter is off when its parameter is NULL. Indexes: (at), (actor_id, at), (action, at).
  const search = db.query<AuditRow, { actor: number | null; action: string | null; prefix: string | null; otype: string | null; oid: string | null; from: number | null; to: number | null; before: number; limit: number }>(
    `SELECT a.id, a.at, a.actor_id, u.name AS actor_name, u.email AS actor_email, a.action, a.object_type, a.object_id, a.ip, a.details
       FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
      WHERE a.id < $before
        AND ($actor IS NULL OR a.actor_id = $actor)
        AND ($action IS NULL OR a.action = $action)
        AND ($prefix IS NULL OR (a.action >= $prefix AND a.action < $prefix || char(1114111)))
        AND ($otype IS NULL OR a.object_type = $otype)
        AND ($oid IS NULL OR a.object_id = $oid)
        AND ($from IS NULL OR a.at >= $from)
        AND ($to IS NULL OR a.at < $to)
      ORDER BY a.id DESC LIMIT $limit`,
  )
  const actions = db.query<{ action: string }, []>('SELECT DISTINCT action FROM audit_log ORDER BY action')
  return {
    search(q: AuditQuery): AuditRow[] {
      const a = q.action?.trim() || null
      const prefix = a && a.endsWith('.') ? a : null
      return search.all({
        actor: q.actor_id ?? null,
        action: prefix ? null : a,
        prefix,
        otype: q.object_type ?? null,
        oid: q.object_id ?? null,
        from: q.from ?? null,
        to: q.to ?? null,
        before: q.before ?? Number.MAX_SAFE_INTEGER,
        limit: q.limit,
      })
    },
    /** The actions recorded so far (the page's filter list). */
    actions: (): string[] => actions.all().map((r) => r.action),
  }
}
export type AuditLogStore = ReturnType<typeof auditLogStore>
