// The people notices go to: when one last got a message from us (per-number pacing, about one
// message every 6 s to the same person), and the opt-out mark bulk notices respect. Plain SQL.
import type { Database } from 'bun:sqlite'

export function recipientsStore(db: Database) {
  // The newest message we queued or sent to this person, on any of their tickets (tickets_contact_open, messages_ticket).
  const lastOutbound = db.query<{ at: number | null }, [number]>(
    `SELECT max(m.created_at) AS at FROM tickets t JOIN messages m ON m.ticket_id = t.id
     WHERE t.contact_id = ? AND m.direction = 'out' AND m.type != 'note'`,
  )
  // The newest template we sent this person (opt-out words count only from people who get notices).
  const lastTemplate = db.query<{ at: number | null }, [number]>(
    `SELECT max(m.created_at) AS at FROM tickets t JOIN messages m ON m.ticket_id = t.id
     WHERE t.contact_id = ? AND m.direction = 'out' AND m.type = 'template'`,
  )
  const optOut = db.query<unknown, [number, number]>('UPDATE contacts SET opted_out = 1, updated_at = ? WHERE id = ? AND opted_out = 0')
  return {
    lastOutboundAt: (contactId: number): number | null => lastOutbound.get(contactId)?.at ?? null,
    lastTemplateAt: (contactId: number): number | null => lastTemplate.get(contactId)?.at ?? null,
    /** True when the contact was not opted out before. Call inside a write transaction. */
    optOut: (contactId: number): boolean => optOut.run(Date.now(), contactId).changes > 0,
  }
}
export type RecipientsStore = ReturnType<typeof recipientsStore>
