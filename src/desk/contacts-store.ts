import type { Database } from 'bun:sqlite'

export interface Contact {
  id: number
  channel_id: number
  external_key: string
  name: string | null
  phone: string | null
  customer_id: number | null
  opted_out: boolean
  created_at: number
  updated_at: number
}

interface Row extends Omit<Contact, 'opted_out'> {
  opted_out: number
}
const toContact = (r: Row): Contact => ({ ...r, opted_out: r.opted_out === 1 })
const COLUMNS = 'id, channel_id, external_key, name, phone, customer_id, opted_out, created_at, updated_at'

export function contactsStore(db: Database) {
  const byId = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM contacts WHERE id = ?`)
  const byKey = db.query<Row, [number, string]>(`SELECT ${COLUMNS} FROM contacts WHERE channel_id = ? AND external_key = ?`)
  // Creates the contact or refreshes its profile name (a name change on WhatsApp updates ours).
  const upsert = db.query<Row, [number, string, string | null, string | null, number, number]>(
    `INSERT INTO contacts (channel_id, external_key, name, phone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (channel_id, external_key) DO UPDATE SET
       name = coalesce(excluded.name, contacts.name),
       updated_at = CASE WHEN excluded.name IS NOT contacts.name AND excluded.name IS NOT NULL THEN excluded.updated_at ELSE contacts.updated_at END
     RETURNING ${COLUMNS}`,
  )
  const rekey = db.query<unknown, [string, string | null, number, number]>('UPDATE contacts SET external_key = ?, phone = ?, updated_at = ? WHERE id = ?')
  return {
    get: (id: number): Contact | null => {
      const r = byId.get(id)
      return r ? toContact(r) : null
    },
    byKey: (channelId: number, key: string): Contact | null => {
      const r = byKey.get(channelId, key)
      return r ? toContact(r) : null
    },
    /** Call inside a write transaction. */
    upsert: (channelId: number, key: string, name: string | null, phone: string | null): Contact =>
      toContact(upsert.get(channelId, key, name, phone, Date.now(), Date.now())!),
    /** The customer changed their number (WhatsApp `system` message). */
    rekey: (id: number, key: string, phone: string | null) => rekey.run(key, phone, Date.now(), id),
  }
}
export type ContactsStore = ReturnType<typeof contactsStore>
