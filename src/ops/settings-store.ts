// Installation settings kept in the `settings` table (key → JSON text). Reads are cheap prepared
// statements; writes go inside the caller's write transaction.
import type { Database } from 'bun:sqlite'

export function settingsStore(db: Database) {
  const get = db.query<{ value: string }, [string]>('SELECT value FROM settings WHERE key = ?')
  const put = db.query<unknown, [string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
  return {
    /** The parsed value, or null when unset or unreadable. */
    get<T>(key: string): T | null {
      const row = get.get(key)
      if (!row) return null
      try {
        return JSON.parse(row.value) as T
      } catch {
        return null
      }
    },
    /** Call inside a write transaction. */
    set(key: string, value: unknown) {
      put.run(key, JSON.stringify(value))
    },
  }
}
export type SettingsStore = ReturnType<typeof settingsStore>
