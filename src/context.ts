// Everything a request handler needs, built once per app: config, database, stores, hub, logger.
// Tests build their own context on a temp data dir.
import type { Database } from 'bun:sqlite'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { auditStore } from './admin/audit-store'
import { profilesStore } from './admin/profiles-store'
import { sectorsStore } from './admin/sectors-store'
import { usersStore } from './admin/users-store'
import type { Config } from './config'
import { inboundStore } from './channels/inbound-store'
import { outboxStore } from './channels/outbox-store'
import { statusesStore } from './channels/statuses-store'
import { channelsStore } from './channels/store'
import { migrate } from './db/migrate'
import { deriveKey } from './db/sealed'
import { contactsStore } from './desk/contacts-store'
import { mediaStore } from './desk/media-store'
import { messagesStore } from './desk/messages-store'
import { protocolStore } from './desk/protocol'
import { ticketsStore } from './desk/tickets-store'
import { openDatabase } from './db/open'
import { apiTokensStore } from './http/api-tokens-store'
import { Metrics } from './http/metrics'
import { sessionsStore } from './http/sessions-store'
import { randomToken } from './http/tokens'
import type { Logger } from './logger'
import { eventsStore } from './realtime/events-store'
import { Hub } from './realtime/hub'

export function createContext(config: Config, log: Logger, db: Database = openDatabase(config.dataDir)) {
  migrate(db)
  const events = eventsStore(db)
  const key = secretKey(config)
  const stores = {
    channels: channelsStore(db, deriveKey(key)),
    contacts: contactsStore(db),
    tickets: ticketsStore(db),
    messages: messagesStore(db),
    media: mediaStore(db),
    protocols: protocolStore(db),
    inbound: inboundStore(db),
    statuses: statusesStore(db),
    outbox: outboxStore(db),
    users: usersStore(db),
    sectors: sectorsStore(db),
    profiles: profilesStore(db),
    sessions: sessionsStore(db),
    apiTokens: apiTokensStore(db),
    audit: auditStore(db),
    events,
  }
  return {
    config,
    log,
    db,
    stores,
    hub: new Hub(events, { retention: config.eventRetention, log }),
    metrics: new Metrics(),
    secretKey: key,
    /** Media files, content-addressed. */
    mediaDir: join(config.dataDir, 'media'),
    /** Workers (webhook processor, outbox sender, media fetcher) wake each other through these. */
    wake: { inbound: () => {}, outbox: () => {}, media: () => {} },
    startedAt: Date.now(),
  }
}
export type Context = ReturnType<typeof createContext>

/**
 * KUMQUAT_SECRET_KEY, or a key generated on first start and kept beside the database, so a
 * one-file install needs no set-up. Encrypted columns are only as safe as this file.
 */
function secretKey(config: Config): string {
  if (config.secretKey) return config.secretKey
  const file = join(config.dataDir, 'secret.key')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const key = randomToken(32)
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' })
  return key
}
