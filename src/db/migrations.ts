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
import m0010 from '../../migrations/0010_surveys.sql' with { type: 'text' }
import m0011 from '../../migrations/0011_webchat.sql' with { type: 'text' }
import m0012 from '../../migrations/0012_customers_fields.sql' with { type: 'text' }
import m0013 from '../../migrations/0013_sso.sql' with { type: 'text' }
import m0014 from '../../migrations/0014_integrations.sql' with { type: 'text' }
import m0015 from '../../migrations/0015_ops.sql' with { type: 'text' }
import m0016 from '../../migrations/0016_retention_delete.sql' with { type: 'text' }

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
  { version: 10, name: '0010_surveys', sql: m0010 },
  { version: 11, name: '0011_webchat', sql: m0011 },
  { version: 12, name: '0012_customers_fields', sql: m0012 },
  { version: 13, name: '0013_sso', sql: m0013 },
  { version: 14, name: '0014_integrations', sql: m0014 },
  { version: 15, name: '0015_ops', sql: m0015 },
  { version: 16, name: '0016_retention_delete', sql: m0016 },
]

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version
