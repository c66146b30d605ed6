// WebChat visitor sessions. The visitor token is never stored: only its sha256, so a copy of the
// database does not let anyone read a visitor's conversation.
import type { Database } from 'bun:sqlite'
import { sha256hex } from '../../http/tokens'

export interface VisitorSession {
  id: number
  channel_id: number
  contact_id: number
  name: string
  email: string | null
  phone: string | null
  code: string | null
  customer_id: number | null
  consent_at: number
  consent_version: number
  page_url: string | null
  user_agent: string | null
  locale: string | null
  created_at: number
  expires_at: number
  last_seen_at: number
}

export interface NewVisitorSession {
  channel_id: number
  contact_id: number
  token: string
  name: string
  email: string | null
  phone: string | null
  code: string | null
  customer_id: number | null
  consent_version: number
  consent_text: string
  page_url: string | null
  user_agent: string | null
  locale: string | null
  ip: string | null
  now: number
  expires_at: number
}

const COLUMNS = 'id, channel_id, contact_id, name, email, phone, code, customer_id, consent_at, consent_version, page_url, user_agent, locale, created_at, expires_at, last_seen_at'

export function webchatStore(db: Database) {
  const insert = db.query<{ id: number }, Record<string, string | number | null>>(
    `INSERT INTO webchat_sessions (channel_id, contact_id, token_hash, name, email, phone, code, customer_id, consent_at, consent_version,
       consent_text, page_url, user_agent, locale, ip, created_at, expires_at, last_seen_at)
     VALUES ($channel_id, $contact_id, $token_hash, $name, $email, $phone, $code, $customer_id, $now, $consent_version,
       $consent_text, $page_url, $user_agent, $locale, $ip, $now, $expires_at, $now) RETURNING id`,
  )
  const byHash = db.query<VisitorSession, [string]>(`SELECT ${COLUMNS} FROM webchat_sessions WHERE token_hash = ?`)
  const byId = db.query<VisitorSession, [number]>(`SELECT ${COLUMNS} FROM webchat_sessions WHERE id = ?`)
  const ofContact = db.query<VisitorSession, [number]>(`SELECT ${COLUMNS} FROM webchat_sessions WHERE contact_id = ? ORDER BY id DESC LIMIT 1`)
  const seen = db.query<unknown, [number, number]>('UPDATE webchat_sessions SET last_seen_at = ? WHERE id = ?')
  const page = db.query<unknown, [string, number, number]>('UPDATE webchat_sessions SET page_url = ?, last_seen_at = ? WHERE id = ?')
  // The visitor's tickets (tickets_contact_open index), for "is this ticket theirs" and the history.
  const ticketIds = db.query<{ id: number }, [number]>('SELECT id FROM tickets WHERE contact_id = ? ORDER BY id')
  // The visitor's conversation across their tickets, by message id (messages_ticket index per ticket).
  const conversation = db.query<{ id: number }, [number, number, number]>(
    `SELECT m.id FROM messages m WHERE m.ticket_id IN (SELECT id FROM tickets WHERE contact_id = ?) AND m.id > ? AND m.type != 'note' ORDER BY m.id LIMIT ?`,
  )
  // The newest messages to the visitor in a ticket (messages_ticket index): the options last shown.
  const lastOutbound = db.query<{ id: number }, [number, number]>(
    `SELECT id FROM messages WHERE ticket_id = ? AND direction = 'out' AND type != 'note' ORDER BY id DESC LIMIT ?`,
  )
  // Messages to the visitor not read yet, up to the id the widget has shown.
  const unreadOutbound = db.query<{ id: number }, [number, number]>(
    `SELECT m.id FROM messages m WHERE m.ticket_id IN (SELECT id FROM tickets WHERE contact_id = ?) AND m.direction = 'out'
       AND m.status IN ('sent', 'delivered') AND m.type != 'note' AND m.id <= ? ORDER BY m.id LIMIT 500`,
  )
  // LGPD anonymisation of a customer's contacts: what the pre-chat form and the browser told us.
  const anonymize = db.query<unknown, [string]>(
    `UPDATE webchat_sessions SET name = '', email = NULL, phone = NULL, code = NULL, customer_id = NULL, page_url = NULL,
       user_agent = NULL, locale = NULL, ip = NULL WHERE contact_id IN (SELECT value FROM json_each(?))`,
  )
  // When someone last wrote in a ticket (messages_ticket index): a new typing burst starts after it.
  const lastWritten = db.query<{ at: number | null }, [number, string]>(
    `SELECT max(created_at) AS at FROM messages WHERE ticket_id = ? AND direction = ? AND type != 'note'`,
  )
  const contactOfTicket = db.query<{ contact_id: number }, [number]>('SELECT contact_id FROM tickets WHERE id = ?')
  return {
    /** Call inside a write transaction. */
    create: (s: NewVisitorSession): number =>
      insert.get({
        channel_id: s.channel_id,
        contact_id: s.contact_id,
        token_hash: sha256hex(s.token),
        name: s.name,
        email: s.email,
        phone: s.phone,
        code: s.code,
        customer_id: s.customer_id,
        consent_version: s.consent_version,
        consent_text: s.consent_text,
        page_url: s.page_url,
        user_agent: s.user_agent,
        locale: s.locale,
        ip: s.ip,
        now: s.now,
        expires_at: s.expires_at,
      })!.id,
    byToken: (token: string): VisitorSession | null => byHash.get(sha256hex(token)),
    get: (id: number): VisitorSession | null => byId.get(id),
    /** The session behind a web-chat contact (the workspace's side panel shows its page and browser). */
    ofContact: (contactId: number): VisitorSession | null => ofContact.get(contactId),
    touch: (id: number, now = Date.now()) => seen.run(now, id),
    /** The page the visitor is on now (the widget says so when it loads on another page). */
    setPage: (id: number, pageUrl: string, now = Date.now()) => page.run(pageUrl, now, id),
    ticketIds: (contactId: number): number[] => ticketIds.all(contactId).map((r) => r.id),
    /** Ids of the visitor-visible messages (no internal notes) of a contact's tickets, oldest first. */
    conversationIds: (contactId: number, afterId: number, limit: number): number[] => conversation.all(contactId, afterId, limit).map((r) => r.id),
    lastOutbound: (ticketId: number, limit: number): number[] => lastOutbound.all(ticketId, limit).map((r) => r.id),
    unreadOutbound: (contactId: number, upToId: number): number[] => unreadOutbound.all(contactId, upToId).map((r) => r.id),
    /** Call inside the anonymisation's write transaction (src/lgpd), with the customer's contact ids. */
    anonymizeContacts: (contactIds: number[]) => anonymize.run(JSON.stringify(contactIds)),
    /** The time of the newest message in a ticket from the visitor ('in') or to them ('out'). */
    lastWrittenAt: (ticketId: number, direction: 'in' | 'out'): number | null => lastWritten.get(ticketId, direction)?.at ?? null,
    contactOfTicket: (ticketId: number): number | null => contactOfTicket.get(ticketId)?.contact_id ?? null,
  }
}
export type WebchatStore = ReturnType<typeof webchatStore>
