// Channels (a WhatsApp number, a web-chat widget, a mailbox). Secrets are sealed; settings are
// plain JSON. `lookup_key` routes a delivery to its channel (WhatsApp: phone_number_id).
import type { Database } from 'bun:sqlite'
import { seal, unseal } from '../db/sealed'

export type ChannelType = 'whatsapp' | 'webchat' | 'email'

export interface WhatsAppSettings {
  phone_number_id: string
  waba_id: string
  graph_base_url: string
  graph_version: string
  display_phone_number?: string | null
  verified_name?: string | null
  quality_rating?: string | null
}

export interface WhatsAppSecrets {
  access_token: string
  app_secret: string
  verify_token: string
}

export interface Channel {
  id: number
  type: ChannelType
  name: string
  sector_id: number
  bot_flow_id: number | null
  webhook_key: string
  settings: Record<string, unknown>
  status: 'active' | 'paused' | 'disabled'
  status_reason: string | null
  active: boolean
  created_at: number
  updated_at: number
}

interface Row extends Omit<Channel, 'settings' | 'active'> {
  settings: string
  secrets: string
  lookup_key: string | null
  active: number
}

const COLUMNS = 'id, type, name, sector_id, bot_flow_id, webhook_key, settings, secrets, lookup_key, status, status_reason, active, created_at, updated_at'
const toChannel = ({ secrets: _s, lookup_key: _l, ...r }: Row): Channel => ({ ...r, settings: JSON.parse(r.settings), active: r.active === 1 })

export interface NewChannel {
  type: ChannelType
  name: string
  sector_id: number
  bot_flow_id: number | null
  webhook_key: string
  settings: Record<string, unknown>
  secrets: Record<string, string>
  lookup_key: string | null
}

export function channelsStore(db: Database, key: Buffer) {
  const byId = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM channels WHERE id = ?`)
  const byWebhookKey = db.query<Row, [string]>(`SELECT ${COLUMNS} FROM channels WHERE webhook_key = ?`)
  const byLookup = db.query<Row, [string, string]>(`SELECT ${COLUMNS} FROM channels WHERE type = ? AND lookup_key = ?`)
  const all = db.query<Row, []>(`SELECT ${COLUMNS} FROM channels ORDER BY name COLLATE NOCASE`)
  const page = db.query<Row, [number, number]>(`SELECT ${COLUMNS} FROM channels WHERE id < ? ORDER BY id DESC LIMIT ?`)
  const insert = db.query<{ id: number }, [string, string, number, number | null, string, string, string, string | null, number, number]>(
    `INSERT INTO channels (type, name, sector_id, bot_flow_id, webhook_key, settings, secrets, lookup_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const update = db.query<unknown, [string, number, number | null, string, string, string | null, number, number]>(
    'UPDATE channels SET name = ?, sector_id = ?, bot_flow_id = ?, settings = ?, secrets = ?, lookup_key = ?, updated_at = ? WHERE id = ?',
  )
  const setStatus = db.query<unknown, [string, string | null, number, number]>(
    'UPDATE channels SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?',
  )
  return {
    get: (id: number): Channel | null => {
      const r = byId.get(id)
      return r ? toChannel(r) : null
    },
    byWebhookKey: (k: string): Channel | null => {
      const r = byWebhookKey.get(k)
      return r ? toChannel(r) : null
    },
    byLookup: (type: ChannelType, lookup: string): Channel | null => {
      const r = byLookup.get(type, lookup)
      return r ? toChannel(r) : null
    },
    list: (): Channel[] => all.all().map(toChannel),
    page: (before: number, limit: number): Channel[] => page.all(before, limit).map(toChannel),
    /** The decrypted secrets of a channel (only the code that calls the provider reads them). */
    secrets<T = Record<string, string>>(id: number): T {
      const r = byId.get(id)
      if (!r || !r.secrets) return {} as T
      return JSON.parse(unseal(key, r.secrets)) as T
    },
    /** Call inside a write transaction. */
    create(c: NewChannel): number {
      const now = Date.now()
      return insert.get(c.type, c.name, c.sector_id, c.bot_flow_id, c.webhook_key, JSON.stringify(c.settings), seal(key, JSON.stringify(c.secrets)), c.lookup_key, now, now)!.id
    },
    /** Call inside a write transaction. */
    update(id: number, c: Omit<NewChannel, 'type' | 'webhook_key'>) {
      update.run(c.name, c.sector_id, c.bot_flow_id, JSON.stringify(c.settings), seal(key, JSON.stringify(c.secrets)), c.lookup_key, Date.now(), id)
    },
    setStatus: (id: number, status: Channel['status'], reason: string | null) => setStatus.run(status, reason, Date.now(), id),
  }
}
export type ChannelsStore = ReturnType<typeof channelsStore>
