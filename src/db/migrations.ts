// The embedded, ordered list of migrations. Each file is imported as text so `bun run`, `bun test`
// and the compiled binary see the same bytes (a directory listing of embedded files is unsorted,
// so the order is written here, explicitly).
import m0001 from '../../migrations/0001_init.sql' with { type: 'text' }
import m0002 from '../../migrations/0002_channels_tickets.sql' with { type: 'text' }
import m0003 from '../../migrations/0003_indexes.sql' with { type: 'text' }
import m0004 from '../../migrations/0004_desk.sql' with { type: 'text' }

export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: '0001_init', sql: m0001 },
  { version: 2, name: '0002_channels_tickets', sql: m0002 },
  { version: 3, name: '0003_indexes', sql: m0003 },
  { version: 4, name: '0004_desk', sql: m0004 },
]

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version
