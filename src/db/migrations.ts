// The embedded, ordered list of migrations. Each file is imported as text so `bun run`, `bun test`
// and the compiled binary see the same bytes (a directory listing of embedded files is unsorted,
// so the order is written here, explicitly).
import m0001 from '../../migrations/0001_init.sql' with { type: 'text' }
import m0002 from '../../migrations/0002_channels_tickets.sql' with { type: 'text' }
import m0003 from '../../migrations/0003_indexes.sql' with { type: 'text' }
import m0004 from '../../migrations/0004_desk.sql' with { type: 'text' }
import m0005 from '../../migrations/0005_customer_permissions.sql' with { type: 'text' }
import m0006 from '../../migrations/0006_templates.sql' with { type: 'text' }
import m0007 from '../../migrations/0007_bot_hours.sql' with { type: 'text' }
import m0008 from '../../migrations/0008_monitoring.sql' with { type: 'text' }
import m0009 from '../../migrations/0009_admin.sql' with { type: 'text' }

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
  { version: 5, name: '0005_customer_permissions', sql: m0005 },
  { version: 6, name: '0006_templates', sql: m0006 },
  { version: 7, name: '0007_bot_hours', sql: m0007 },
  { version: 8, name: '0008_monitoring', sql: m0008 },
  { version: 9, name: '0009_admin', sql: m0009 },
]

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version
