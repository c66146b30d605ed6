// Everything a request handler needs, built once per app: config, database, stores, hub, logger.
// Tests build their own context on a temp data dir.
import type { Database } from 'bun:sqlite'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { auditStore } from './admin/audit-store'
import { auditLogStore } from './audit/store'
import { profilesStore } from './admin/profiles-store'
import { sectorsStore } from './admin/sectors-store'
import { usersStore } from './admin/users-store'
import type { Config } from './config'
import { inboundStore } from './channels/inbound-store'
import { outboxStore } from './channels/outbox-store'
import { statusesStore } from './channels/statuses-store'
import { channelsStore } from './channels/store'
import { customersStore } from './customers/store'
import { migrate } from './db/migrate'
import { deriveKey } from './db/sealed'
import { classificationsStore } from './desk/classifications-store'
import { contactsStore } from './desk/contacts-store'
import { historyStore } from './desk/history-store'
import { mediaStore } from './desk/media-store'
import { messagesStore } from './desk/messages-store'
import { offersStore } from './desk/offers-store'
import { protocolStore } from './desk/protocol'
import { quickRepliesStore } from './desk/quick-replies-store'
import { ticketsStore } from './desk/tickets-store'
import { openDatabase } from './db/open'
import { apiTokensStore } from './http/api-tokens-store'
import { Metrics } from './http/metrics'
import { sessionsStore } from './http/sessions-store'
import { randomToken } from './http/tokens'
import type { Logger } from './logger'
import { eventsStore } from './realtime/events-store'
import { Hub } from './realtime/hub'
import { ensureBuiltinFlow } from './bot/default-flow'
import { botStore } from './bot/store'
import { hoursStore } from './hours/store'
import { hierarchyStore } from './hierarchy/store'
import { settingsStore } from './ops/settings-store'
import { profileAdminStore } from './profiles/store'
import { bulkStore } from './templates/bulk-store'
import { recipientsStore } from './templates/recipients-store'
import { templatesStore } from './templates/store'
import { conditionsStore } from './alerts/conditions'
import { alertsStore } from './alerts/store'
import { monitoringStore } from './monitoring/store'
import { noticesStore } from './notices/store'
import { reportsStore } from './reports/store'
import { ssoStore } from './sso/store'
import { webhooksStore } from './integrations/webhooks-store'
import { surveysStore } from './surveys/store'
import { webchatStore } from './channels/webchat/store'

export function createContext(config: Config, log: Logger, db: Database = openDatabase(config.dataDir)) {
  migrate(db)
  const events = eventsStore(db)
  const key = secretKey(config)
  const stores = {
    channels: channelsStore(db, deriveKey(key)),
    contacts: contactsStore(db),
    tickets: ticketsStore(db),
    offers: offersStore(db),
    history: historyStore(db),
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
    auditLog: auditLogStore(db),
    profileAdmin: profileAdminStore(db),
    settings: settingsStore(db),
    hierarchy: hierarchyStore(db),
    customers: customersStore(db),
    classifications: classificationsStore(db),
    quickReplies: quickRepliesStore(db),
    templates: templatesStore(db),
    bulk: bulkStore(db),
    recipients: recipientsStore(db),
    // Supervision (issue 7): reports, live monitoring, alerts, notices.
    reports: reportsStore(db),
    surveys: surveysStore(db), // survey settings, answers and the reports' reader (src/reports/surveys.ts)
    monitoring: monitoringStore(db),
    alerts: alertsStore(db, deriveKey(key)),
    alertConditions: conditionsStore(db),
    notices: noticesStore(db),
    // Pre-service (issue 5): bot flows and conversations, business hours and holidays.
    bot: botStore(db),
    hours: hoursStore(db),
    webchat: webchatStore(db),
    // Integrations (issue 8): outgoing webhooks and their deliveries.
    webhooks: webhooksStore(db, deriveKey(key, 'kumquat/webhook-secrets')),
    // Single sign-on (issue 8): provider settings, logins in flight, linked identities.
    sso: ssoStore(db, deriveKey(key, 'kumquat/sso-secrets')),
    events,
  }
  // The built-in default flow new channels use (created once, in the installation's language).
  ensureBuiltinFlow(db, stores.bot, config.defaultLanguage)
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
    /** Workers (webhook processor, outbox sender, media fetcher, routing) wake each other through these. */
    wake: { inbound: () => {}, outbox: () => {}, media: () => {}, routing: () => {} },
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
