// Contacts (a channel identity: WhatsApp number, e-mail address, web-chat visitor) as seen from a
// customer: which belong to it, linking and unlinking, and the customer's tickets. The contacts
// table itself belongs to the desk (src/desk/contacts-store.ts); these are the customer-side queries.
import type { Database } from 'bun:sqlite'

export interface CustomerContact {
  id: number
  channel_id: number
  channel_name: string
  channel_type: string
  external_key: string
  name: string | null
  phone: string | null
  customer_id: number | null
  created_at: number
  /** the contact's newest ticket, if any */
  last_ticket_at: number | null
}

export interface CustomerTicket {
  id: number
  protocol: string
  status: string
  channel_type: string
  contact_id: number
  contact_name: string | null
  assignee_id: number | null
  sector_id: number | null
  confidential: boolean
  created_at: number
  closed_at: number | null
}

const CONTACT = `SELECT c.id, c.channel_id, ch.name AS channel_name, ch.type AS channel_type, c.external_key, c.name, c.phone, c.customer_id, c.created_at,
    (SELECT max(t.created_at) FROM tickets t WHERE t.contact_id = c.id) AS last_ticket_at
  FROM contacts c JOIN channels ch ON ch.id = c.channel_id`

export function customerContactsStore(db: Database) {
  const ofCustomer = db.query<CustomerContact, [number]>(`${CONTACT} WHERE c.customer_id = ? ORDER BY c.id`)
  const byId = db.query<CustomerContact, [number]>(`${CONTACT} WHERE c.id = ?`)
  // The picker on the customer page: by number / address / visitor id (contains) or name; unlinked first.
  const search = db.query<CustomerContact, [string, number]>(
    `${CONTACT} WHERE c.external_key NOT LIKE 'anonymized:%' AND (c.external_key LIKE '%' || ?1 || '%' ESCAPE '\\' OR c.phone LIKE '%' || ?1 || '%' ESCAPE '\\' OR c.name LIKE '%' || ?1 || '%' ESCAPE '\\')
     ORDER BY c.customer_id IS NOT NULL, c.id DESC LIMIT ?2`,
  )
  const link = db.query<unknown, [number, number, number]>('UPDATE contacts SET customer_id = ?, updated_at = ? WHERE id = ?')
  const linkIfFree = db.query<unknown, [number, number, number]>('UPDATE contacts SET customer_id = ?, updated_at = ? WHERE id = ? AND customer_id IS NULL')
  const unlink = db.query<unknown, [number, number, number]>('UPDATE contacts SET customer_id = NULL, updated_at = ? WHERE id = ? AND customer_id = ?')
  // The customer a new ticket of this contact starts with (an anonymised one no longer counts).
  const customerOf = db.query<{ id: number }, [number]>(
    'SELECT cu.id FROM contacts c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ? AND cu.anonymized_at IS NULL',
  )
  const tickets = db.query<Omit<CustomerTicket, 'confidential'> & { confidential: number }, [number, number, number]>(
    `SELECT t.id, t.protocol, t.status, ch.type AS channel_type, t.contact_id, c.name AS contact_name, t.assignee_id, t.sector_id, t.confidential, t.created_at, t.closed_at
       FROM tickets t JOIN channels ch ON ch.id = t.channel_id JOIN contacts c ON c.id = t.contact_id
      WHERE t.customer_id = ? AND t.id < ? ORDER BY t.id DESC LIMIT ?`,
  )
  const ticketCount = db.query<{ n: number }, [number]>('SELECT count(*) AS n FROM tickets WHERE customer_id = ?')
  const contactCount = db.query<{ n: number }, [number]>('SELECT count(*) AS n FROM contacts WHERE customer_id = ?')
  const ticketIds = db.query<{ id: number }, [number]>('SELECT id FROM tickets WHERE customer_id = ? ORDER BY id')
  // Merge: everything that names the removed customer names the kept one.
  const moveTickets = db.query<unknown, [number, number, number]>('UPDATE tickets SET customer_id = ?, updated_at = ? WHERE customer_id = ?')
  const moveContacts = db.query<unknown, [number, number, number]>('UPDATE contacts SET customer_id = ?, updated_at = ? WHERE customer_id = ?')
  const moveSessions = db.query<unknown, [number, number]>('UPDATE webchat_sessions SET customer_id = ? WHERE customer_id = ?')

  return {
    ofCustomer: (customerId: number): CustomerContact[] => ofCustomer.all(customerId),
    get: (id: number): CustomerContact | null => byId.get(id),
    search: (text: string, limit: number): CustomerContact[] => search.all(text.replace(/[\\%_]/g, (c) => `\\${c}`), limit),
    /** Call inside a write transaction. */
    link: (contactId: number, customerId: number) => link.run(customerId, Date.now(), contactId),
    /** Call inside a write transaction: links the contact when it belongs to nobody yet. */
    linkIfFree: (contactId: number, customerId: number) => linkIfFree.run(customerId, Date.now(), contactId),
    /** Call inside a write transaction. */
    unlink: (contactId: number, customerId: number) => unlink.run(Date.now(), contactId, customerId),
    customerOf: (contactId: number): number | null => customerOf.get(contactId)?.id ?? null,
    /** The customer's tickets, newest first, before the cursor id. */
    tickets: (customerId: number, before: number, limit: number): CustomerTicket[] =>
      tickets.all(customerId, before, limit).map((r) => ({ ...r, confidential: r.confidential === 1 })),
    ticketCount: (customerId: number): number => ticketCount.get(customerId)!.n,
    contactCount: (customerId: number): number => contactCount.get(customerId)!.n,
    ticketIds: (customerId: number): number[] => ticketIds.all(customerId).map((r) => r.id),
    /** Call inside a write transaction (merge): the tickets, contacts and web-chat sessions of `fromId` become `keepId`'s. */
    moveAll(fromId: number, keepId: number, now: number) {
      moveTickets.run(keepId, now, fromId)
      moveContacts.run(keepId, now, fromId)
      moveSessions.run(keepId, fromId)
    },
  }
}
export type CustomerContactsStore = ReturnType<typeof customerContactsStore>
