// Forward-only migrations, recorded in schema_migrations, run at start and by `kumquat migrate`.
import type { Database } from 'bun:sqlite'
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations'

export class DatabaseTooNewError extends Error {
  constructor(public found: number, public supported: number) {
    super(
      `This database was written by a newer Kumquat (schema ${found}; this binary knows up to ${supported}). ` +
        'Run the newer binary, or restore a backup taken before the upgrade.',
    )
  }
}

export function currentVersion(db: Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`)
  const row = db.query<{ v: number | null }, []>('SELECT max(version) AS v FROM schema_migrations').get()
  return row?.v ?? 0
}

/** Applies what is missing; returns the versions applied. Refuses a database newer than the binary. */
export function migrate(db: Database, migrations: Migration[] = MIGRATIONS): number[] {
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0
  const found = currentVersion(db)
  if (found > latest) throw new DatabaseTooNewError(found, latest)
  const applied: number[] = []
  for (const m of migrations) {
    if (m.version <= found) continue
    // Each migration and its record commit together: a crash leaves the previous version intact.
    db.transaction(() => {
      // A migration may be only comments (a reserved number whose feature added no table).
      if (hasStatements(m.sql)) db.exec(m.sql)
      db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      )
    }).immediate()
    applied.push(m.version)
  }
  return applied
}

export { LATEST_VERSION }

const hasStatements = (sql: string) => sql.replace(/--[^\n]*/g, '').trim().length > 0
