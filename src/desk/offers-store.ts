// Oferta de cards: a queued ticket offered to one agent until they accept, decline or time out.
// The database holds at most one pending offer per ticket (offers_one_pending); routing keeps at
// most one pending offer per agent. Status changes only leave 'pending' once (guarded UPDATEs).
import type { Database } from 'bun:sqlite'

export type OfferStatus = 'pending' | 'accepted' | 'declined' | 'expired' | 'cancelled'

export interface Offer {
  id: number
  ticket_id: number
  user_id: number
  status: OfferStatus
  offered_at: number
  expires_at: number
  responded_at: number | null
}

const COLUMNS = 'id, ticket_id, user_id, status, offered_at, expires_at, responded_at'

export function offersStore(db: Database) {
  const insert = db.query<{ id: number }, [number, number, number, number]>(
    `INSERT INTO offers (ticket_id, user_id, status, offered_at, expires_at) VALUES (?, ?, 'pending', ?, ?) RETURNING id`,
  )
  const byId = db.query<Offer, [number]>(`SELECT ${COLUMNS} FROM offers WHERE id = ?`)
  const pendingOfTicket = db.query<Offer, [number]>(`SELECT ${COLUMNS} FROM offers WHERE ticket_id = ? AND status = 'pending'`)
  const pendingOfUser = db.query<Offer, [number]>(`SELECT ${COLUMNS} FROM offers WHERE user_id = ? AND status = 'pending' ORDER BY id`)
  const allPending = db.query<Offer, []>(`SELECT ${COLUMNS} FROM offers WHERE status = 'pending' ORDER BY id`)
  const due = db.query<Offer, [number, number]>(
    `SELECT ${COLUMNS} FROM offers WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`,
  )
  const nextExpiry = db.query<{ at: number | null }, []>(`SELECT min(expires_at) AS at FROM offers WHERE status = 'pending'`)
  const finish = db.query<unknown, [string, number, number]>(
    `UPDATE offers SET status = ?, responded_at = ? WHERE id = ? AND status = 'pending'`,
  )
  const ofTicket = db.query<Offer, [number]>(`SELECT ${COLUMNS} FROM offers WHERE ticket_id = ? ORDER BY id`)
  const misses = db.query<{ n: number }, [number, number]>(
    `SELECT count(*) AS n FROM offers WHERE user_id = ? AND status IN ('declined', 'expired') AND offered_at >= ?`,
  )

  return {
    get: (id: number): Offer | null => byId.get(id),
    /** Call inside a write transaction. Throws if the ticket already has a pending offer. */
    create: (ticketId: number, userId: number, now: number, expiresAt: number): number => insert.get(ticketId, userId, now, expiresAt)!.id,
    pendingOfTicket: (ticketId: number): Offer | null => pendingOfTicket.get(ticketId),
    pendingOfUser: (userId: number): Offer[] => pendingOfUser.all(userId),
    allPending: (): Offer[] => allPending.all(),
    /** Pending offers whose time is up at `now`, oldest deadline first. */
    due: (now: number, limit = 100): Offer[] => due.all(now, limit),
    nextExpiry: (): number | null => nextExpiry.get()?.at ?? null,
    /** Call inside a write transaction. False when the offer was no longer pending. */
    finish(id: number, status: Exclude<OfferStatus, 'pending'>, now: number): boolean {
      return finish.run(status, now, id).changes === 1
    },
    ofTicket: (ticketId: number): Offer[] => ofTicket.all(ticketId),
    /** Offers an agent missed (declined or let expire) since `since`. */
    missesOf: (userId: number, since = 0): number => misses.get(userId, since)!.n,
  }
}
export type OffersStore = ReturnType<typeof offersStore>
