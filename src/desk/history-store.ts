// What happened to a ticket, in order (ticket_history): queued, offered, offer missed (declined or
// expired), offer cancelled, assigned, transferred, closed, reopened, updated. Written in the same
// transaction as the change it describes; read by the conversation page and reports.
import type { Database } from 'bun:sqlite'

export type HistoryAction =
  | 'queued'
  | 'offered'
  | 'offer_declined'
  | 'offer_expired'
  | 'offer_cancelled'
  | 'assigned'
  | 'transferred'
  | 'closed'
  | 'reopened'
  | 'updated'

export interface HistoryEntry {
  id: number
  ticket_id: number
  at: number
  actor_id: number | null
  action: HistoryAction
  from_user_id: number | null
  to_user_id: number | null
  from_sector_id: number | null
  to_sector_id: number | null
  note: string | null
}

export interface NewHistoryEntry {
  ticket_id: number
  action: HistoryAction
  at?: number
  actor_id?: number | null
  from_user_id?: number | null
  to_user_id?: number | null
  from_sector_id?: number | null
  to_sector_id?: number | null
  note?: string | null
}

const COLUMNS = 'id, ticket_id, at, actor_id, action, from_user_id, to_user_id, from_sector_id, to_sector_id, note'

export function historyStore(db: Database) {
  const insert = db.query<{ id: number }, Record<string, string | number | null>>(
    `INSERT INTO ticket_history (ticket_id, at, actor_id, action, from_user_id, to_user_id, from_sector_id, to_sector_id, note)
     VALUES ($ticket_id, $at, $actor_id, $action, $from_user_id, $to_user_id, $from_sector_id, $to_sector_id, $note) RETURNING id`,
  )
  const ofTicket = db.query<HistoryEntry, [number]>(`SELECT ${COLUMNS} FROM ticket_history WHERE ticket_id = ? ORDER BY id`)
  // The moment the ticket last (re-)entered a queue by a transfer or a reopen: offers made before
  // it belong to an earlier stay in a queue and do not exclude anyone now.
  const lastRequeue = db.query<HistoryEntry, [number]>(
    `SELECT ${COLUMNS} FROM ticket_history WHERE ticket_id = ? AND action IN ('transferred', 'reopened') ORDER BY id DESC LIMIT 1`,
  )
  return {
    /** Call inside the write transaction of the change. */
    record(e: NewHistoryEntry): number {
      return insert.get({
        ticket_id: e.ticket_id,
        at: e.at ?? Date.now(),
        actor_id: e.actor_id ?? null,
        action: e.action,
        from_user_id: e.from_user_id ?? null,
        to_user_id: e.to_user_id ?? null,
        from_sector_id: e.from_sector_id ?? null,
        to_sector_id: e.to_sector_id ?? null,
        note: e.note ?? null,
      })!.id
    },
    ofTicket: (ticketId: number): HistoryEntry[] => ofTicket.all(ticketId),
    lastRequeue: (ticketId: number): HistoryEntry | null => lastRequeue.get(ticketId),
  }
}
export type HistoryStore = ReturnType<typeof historyStore>
