// What Kumquat holds about one customer (for LGPD requests): their contacts, the tickets of those
// contacts or linked to the customer, the messages and media of those tickets; and the statements
// that anonymise it all in place, keeping the rows (and so the statistics). The ticket-level part
// (anonymizeTickets, releaseMedia, deleteTickets) also serves the data-retention job (retention.ts).
import type { Database } from 'bun:sqlite'

export interface ExportContact {
  id: number
  channel_id: number
  channel_type: string
  external_key: string
  name: string | null
  phone: string | null
  opted_out: number
  created_at: number
}

export interface ExportTicket {
  id: number
  protocol: string
  channel_id: number
  contact_id: number
  status: string
  sector_id: number | null
  assignee_id: number | null
  customer_id: number | null
  classification_id: number | null
  notes: string | null
  close_note: string | null
  created_at: number
  closed_at: number | null
}

export interface ExportMessage {
  id: number
  ticket_id: number
  direction: string
  author: string
  author_id: number | null
  type: string
  text: string | null
  location: string | null
  extra: string | null
  status: string
  created_at: number
  media_id: number | null
  media_mime: string | null
  media_filename: string | null
  media_size: number | null
  media_sha256: string | null
  media_status: string | null
}

const ids = (list: number[]) => JSON.stringify(list)

export function lgpdStore(db: Database) {
  // Their contacts: linked to the customer, or the contact of a ticket linked to them.
  const contacts = db.query<ExportContact, [number]>(
    `SELECT c.id, c.channel_id, ch.type AS channel_type, c.external_key, c.name, c.phone, c.opted_out, c.created_at
       FROM contacts c JOIN channels ch ON ch.id = c.channel_id
      WHERE c.customer_id = ?1 OR c.id IN (SELECT contact_id FROM tickets WHERE customer_id = ?1)
      ORDER BY c.id`,
  )
  // Their tickets: linked to the customer, or of their contacts and linked to nobody else.
  const tickets = db.query<ExportTicket, [number, string]>(
    `SELECT id, protocol, channel_id, contact_id, status, sector_id, assignee_id, customer_id, classification_id, notes, close_note, created_at, closed_at
       FROM tickets WHERE customer_id = ?1
     UNION
     SELECT id, protocol, channel_id, contact_id, status, sector_id, assignee_id, customer_id, classification_id, notes, close_note, created_at, closed_at
       FROM tickets WHERE contact_id IN (SELECT value FROM json_each(?2)) AND (customer_id IS NULL OR customer_id = ?1)
     ORDER BY id`,
  )
  const messages = db.query<ExportMessage, [string]>(
    `SELECT m.id, m.ticket_id, m.direction, m.author, m.author_id, m.type, m.text, m.location, m.extra, m.status, m.created_at,
            m.media_id, md.mime_type AS media_mime, md.filename AS media_filename, md.size AS media_size, md.sha256 AS media_sha256, md.status AS media_status
       FROM messages m LEFT JOIN media md ON md.id = m.media_id
      WHERE m.ticket_id IN (SELECT value FROM json_each(?)) ORDER BY m.ticket_id, m.id`,
  )
  // ---- anonymisation (call inside one write transaction) ----
  const customer = db.query<unknown, [string, number, number, number]>(
    `UPDATE customers SET name = ?, code = NULL, code_type = NULL, email = NULL, phone = NULL, notes = NULL,
       anonymized_at = ?2, updated_at = ?3 WHERE id = ?4`,
  )
  // The external key is the WhatsApp number (wa_id): replaced, so a new message from that number
  // starts a new, unlinked contact.
  const contactsAnon = db.query<unknown, [number, string]>(
    `UPDATE contacts SET name = NULL, phone = NULL, external_key = 'anonymized:' || id, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))`,
  )
  const ticketsAnon = db.query<unknown, [number, string]>(`UPDATE tickets SET notes = NULL, close_note = NULL, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))`)
  const historyAnon = db.query<unknown, [string]>(`UPDATE ticket_history SET note = NULL WHERE ticket_id IN (SELECT value FROM json_each(?)) AND note IS NOT NULL`)
  const messagesAnon = db.query<unknown, [number, string]>(
    `UPDATE messages SET text = NULL, location = NULL, extra = NULL, error_message = NULL, updated_at = ? WHERE ticket_id IN (SELECT value FROM json_each(?))`,
  )
  const mediaOf = db.query<{ id: number; sha256: string | null }, [string]>(
    `SELECT DISTINCT md.id, md.sha256 FROM media md JOIN messages m ON m.media_id = md.id WHERE m.ticket_id IN (SELECT value FROM json_each(?))`,
  )
  // The row stays (type and size count in reports); the file reference and the provider's id go.
  const mediaAnon = db.query<unknown, [number, string]>(
    `UPDATE media SET sha256 = NULL, expected_sha256 = NULL, provider_media_id = NULL, filename = NULL, status = 'failed',
       error = 'anonymized', next_attempt_at = NULL, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))`,
  )
  const sha256Users = db.query<{ n: number }, [string]>(`SELECT count(*) AS n FROM media WHERE sha256 = ?`)
  // The live-events replay buffer holds full resources (message texts, contact names).
  const eventsAnon = db.query<unknown, [string, string]>(
    `DELETE FROM events WHERE EXISTS (SELECT 1 FROM json_each(events.topics) t WHERE t.value IN (SELECT value FROM json_each(?1)))
        OR json_extract(data, '$.ticket_id') IN (SELECT value FROM json_each(?2))
        OR json_extract(data, '$.ticket.id') IN (SELECT value FROM json_each(?2))`,
  )
  // Raw webhook deliveries carry the number and profile name: processed ones are emptied.
  const inboundAnon = db.query<unknown, [string]>(
    `UPDATE inbound_events SET body = CAST('{"redacted":"lgpd"}' AS BLOB)
      WHERE status <> 'pending' AND instr(CAST(body AS TEXT), ?) > 0`,
  )
  // Outgoing webhook deliveries keep the event's resource (src/integrations) for retries.
  const webhookBodiesAnon = db.query<unknown, [string]>(
    `UPDATE webhook_deliveries SET body = '{"redacted":true}' WHERE ticket_id IN (SELECT value FROM json_each(?)) AND body <> '{"redacted":true}'`,
  )
  // A survey's comment is the customer's own words; the score stays (statistics).
  const surveyCommentsAnon = db.query<unknown, [string]>(
    `UPDATE surveys SET comment = NULL WHERE ticket_id IN (SELECT value FROM json_each(?)) AND comment IS NOT NULL`,
  )
  const bulkAnon = db.query<unknown, [string, string]>(
    `UPDATE bulk_rows SET phone = '', wa_id = NULL, params = '[]'
      WHERE contact_id IN (SELECT value FROM json_each(?1)) OR wa_id IN (SELECT value FROM json_each(?2))`,
  )
  // ---- deletion (retention 'delete'; call inside one write transaction) ----
  // Foreign keys are on: every row pointing at a ticket, message, survey or media row that goes is
  // deleted or unlinked first. Each child column has an index (0016), or these would scan per row.
  const messageIdsOf = db.query<{ id: number }, [string]>(`SELECT id FROM messages WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  // Outgoing webhook deliveries of these tickets: their bodies are the tickets' content.
  const webhookDeliveriesDelete = db.query<unknown, [string]>(`DELETE FROM webhook_deliveries WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  // Delivery statuses kept for deduplication, keyed by the provider's message id (no FK).
  const statusesDelete = db.query<unknown, [string]>(
    `DELETE FROM message_statuses WHERE (channel_id, external_id) IN
       (SELECT channel_id, external_id FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND external_id IS NOT NULL)`,
  )
  // A kept message may quote a deleted one (a customer answering an old message in a new ticket):
  // it stays, without the quote. Messages within the deleted set go in one statement, which SQLite
  // checks only at its end, so their own links need no unlinking.
  const repliesUnlink = db.query<unknown, [number, string, string]>(
    `UPDATE messages SET reply_to_id = NULL, updated_at = ?1
      WHERE reply_to_id IN (SELECT value FROM json_each(?2)) AND ticket_id NOT IN (SELECT value FROM json_each(?3))`,
  )
  // Outbox rows (sends, read receipts) of these tickets or their messages: nothing left to send.
  const outboxOfTickets = db.query<unknown, [string]>(`DELETE FROM outbox WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  const outboxOfMessages = db.query<unknown, [string]>(`DELETE FROM outbox WHERE message_id IN (SELECT value FROM json_each(?))`)
  // A bulk notice keeps its lines and their outcome (the run's counts); only the links go.
  const bulkTicketsUnlink = db.query<unknown, [string]>(`UPDATE bulk_rows SET ticket_id = NULL WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  const bulkMessagesUnlink = db.query<unknown, [string]>(`UPDATE bulk_rows SET message_id = NULL WHERE message_id IN (SELECT value FROM json_each(?))`)
  // Surveys: the ticket's pointer to its latest survey first (tickets.survey_id → surveys), then
  // any other survey that names a deleted message as its question, then the surveys themselves.
  const surveyPointersUnlink = db.query<unknown, [string]>(
    `UPDATE tickets SET survey_id = NULL WHERE survey_id IN (SELECT id FROM surveys WHERE ticket_id IN (SELECT value FROM json_each(?)))`,
  )
  const surveyMessagesUnlink = db.query<unknown, [string, string]>(
    `UPDATE surveys SET message_id = NULL WHERE message_id IN (SELECT value FROM json_each(?1)) AND ticket_id NOT IN (SELECT value FROM json_each(?2))`,
  )
  const surveysDelete = db.query<unknown, [string]>(`DELETE FROM surveys WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  // Alerts are the supervisors' record of the service level (a queue alert names its oldest
  // ticket only as an example; pending alert webhooks hang off them): kept, without the link.
  const alertsUnlink = db.query<unknown, [string]>(`UPDATE alerts SET ticket_id = NULL WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  const offersDelete = db.query<unknown, [string]>(`DELETE FROM offers WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  const historyDelete = db.query<unknown, [string]>(`DELETE FROM ticket_history WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  const preServiceDelete = db.query<unknown, [string]>(`DELETE FROM pre_service WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  const retentionMarksDelete = db.query<unknown, [string]>(`DELETE FROM retention_tickets WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  const messagesDelete = db.query<unknown, [string]>(`DELETE FROM messages WHERE ticket_id IN (SELECT value FROM json_each(?))`)
  // Media rows no message uses any more (one a kept message also uses stays, with its file).
  const unusedMediaDelete = db.query<{ id: number; sha256: string | null }, [string]>(
    `DELETE FROM media WHERE id IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.media_id = media.id)
     RETURNING id, sha256`,
  )
  // Only closed tickets, whatever the caller passes: an open conversation is never deleted.
  // (`+status`: look the ids up by primary key, not every closed ticket through tickets_status.)
  const closedOf = db.query<{ id: number }, [string]>(`SELECT id FROM tickets WHERE id IN (SELECT value FROM json_each(?)) AND +status = 'closed'`)
  const ticketsDelete = db.query<unknown, [string]>(`DELETE FROM tickets WHERE id IN (SELECT value FROM json_each(?))`)
  /**
   * Deletes these (closed) tickets with every row that belongs only to them: messages, media rows
   * no kept message uses, outbox rows, offers, history, pre-service, surveys, retention marks,
   * webhook deliveries, delivery statuses and live events. Rows that are not only theirs stay and
   * lose the link: a kept message quoting a deleted one, bulk-notice lines, alerts. Contacts and
   * customers stay (they may have newer tickets). Returns the deleted media rows, for the caller
   * to delete their files after the commit when no other row uses the same file.
   */
  function deleteTickets(ticketIds: number[], now: number): { id: number; sha256: string | null }[] {
    const closed = closedOf.all(ids(ticketIds)).map((r) => r.id)
    if (!closed.length) return []
    const tickets = ids(closed)
    const messages = ids(messageIdsOf.all(tickets).map((m) => m.id))
    const media = ids(mediaOf.all(tickets).map((m) => m.id))
    eventsAnon.run(JSON.stringify(closed.map((id) => `ticket:${id}`)), tickets)
    webhookDeliveriesDelete.run(tickets)
    statusesDelete.run(messages)
    repliesUnlink.run(now, messages, tickets)
    outboxOfTickets.run(tickets)
    outboxOfMessages.run(messages)
    bulkTicketsUnlink.run(tickets)
    bulkMessagesUnlink.run(messages)
    surveyPointersUnlink.run(tickets)
    surveyMessagesUnlink.run(messages, tickets)
    surveysDelete.run(tickets)
    alertsUnlink.run(tickets)
    offersDelete.run(tickets)
    historyDelete.run(tickets)
    preServiceDelete.run(tickets)
    retentionMarksDelete.run(tickets)
    messagesDelete.run(tickets)
    const deleted = unusedMediaDelete.all(media)
    ticketsDelete.run(tickets)
    return deleted
  }
  /**
   * The media rows of these tickets lose their file reference (the rows stay: type and size count
   * in reports); returns the files they used, for the caller to delete after the commit.
   */
  function releaseMedia(ticketIds: number[], now: number): { id: number; sha256: string | null }[] {
    const media = mediaOf.all(ids(ticketIds))
    mediaAnon.run(now, ids(media.map((m) => m.id)))
    return media
  }
  /**
   * The personal content of these tickets — free texts, history notes, messages, media, the
   * live-event buffer and kept webhook bodies — cleared in place; rows, times and scores stay.
   * Used by the LGPD request (one customer) and the retention job (old closed tickets).
   */
  function anonymizeTickets(ticketIds: number[], now: number): { id: number; sha256: string | null }[] {
    ticketsAnon.run(now, ids(ticketIds))
    historyAnon.run(ids(ticketIds))
    messagesAnon.run(now, ids(ticketIds))
    const media = releaseMedia(ticketIds, now)
    eventsAnon.run(JSON.stringify(ticketIds.map((id) => `ticket:${id}`)), ids(ticketIds))
    webhookBodiesAnon.run(ids(ticketIds))
    surveyCommentsAnon.run(ids(ticketIds))
    return media
  }
  return {
    contacts: (customerId: number) => contacts.all(customerId),
    tickets: (customerId: number, contactIds: number[]) => tickets.all(customerId, ids(contactIds)),
    messages: (ticketIds: number[]) => messages.all(ids(ticketIds)),
    anonymize(o: { customerId: number; name: string; contactIds: number[]; externalKeys: string[]; ticketIds: number[]; now: number }): { media: { id: number; sha256: string | null }[] } {
      customer.run(o.name, o.now, o.now, o.customerId)
      contactsAnon.run(o.now, ids(o.contactIds))
      const media = anonymizeTickets(o.ticketIds, o.now)
      for (const key of o.externalKeys) if (key.length >= 6) inboundAnon.run(key)
      bulkAnon.run(ids(o.contactIds), JSON.stringify(o.externalKeys))
      return { media }
    },
    anonymizeTickets,
    releaseMedia,
    deleteTickets,
    /** Whether any media row still uses this file (another customer may have sent the same bytes). */
    fileInUse: (sha256: string): boolean => sha256Users.get(sha256)!.n > 0,
  }
}
export type LgpdStore = ReturnType<typeof lgpdStore>
