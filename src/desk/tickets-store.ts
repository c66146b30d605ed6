// Tickets (atendimentos). Listing applies visibility in SQL: a user sees the tickets of their
// sectors and the ones assigned to them, unless their profile sees all; confidential tickets only
// by their assignee or a profile allowed to.
import type { Database } from 'bun:sqlite'
import { DEFAULT_LIMITS } from '../admin/users-store'

export type TicketStatus = 'bot' | 'queued' | 'open' | 'closed'

export interface Ticket {
  id: number
  protocol: string
  channel_id: number
  channel_type: string
  contact_id: number
  contact_name: string | null
  contact_key: string
  contact_phone: string | null
  /** a web-chat visitor's e-mail, from their latest session that gave one */
  contact_email: string | null
  status: TicketStatus
  sector_id: number | null
  assignee_id: number | null
  customer_id: number | null
  anonymous: boolean
  confidential: boolean
  classification_id: number | null
  last_inbound_at: number | null
  created_at: number
  queued_at: number | null
  assigned_at: number | null
  first_response_at: number | null
  closed_at: number | null
  updated_at: number
  notes: string | null
  close_note: string | null
  last_read_message_id: number | null
  /** The latest survey (src/surveys, joined by tickets.survey_id); absent on hand-made objects. */
  survey_kind?: 'csat' | 'nps' | 'ces' | null
  survey_score?: number | null
  survey_comment?: string | null
  survey_sent_at?: number | null
  survey_answered_at?: number | null
}

interface Row extends Omit<Ticket, 'anonymous' | 'confidential'> {
  anonymous: number
  confidential: number
}
const toTicket = (r: Row): Ticket => ({ ...r, anonymous: r.anonymous === 1, confidential: r.confidential === 1 })

const SELECT = `
  SELECT t.id, t.protocol, t.channel_id, ch.type AS channel_type, t.contact_id, c.name AS contact_name,
         c.external_key AS contact_key, c.phone AS contact_phone,
         CASE WHEN ch.type = 'webchat' THEN (SELECT ws.email FROM webchat_sessions ws WHERE ws.contact_id = t.contact_id AND ws.email IS NOT NULL ORDER BY ws.id DESC LIMIT 1) END AS contact_email,
         t.status, t.sector_id, t.assignee_id,
         t.customer_id, t.anonymous, t.confidential, t.classification_id, t.last_inbound_at, t.created_at,
         t.queued_at, t.assigned_at, t.first_response_at, t.closed_at, t.updated_at,
         t.notes, t.close_note, t.last_read_message_id,
         sv.kind AS survey_kind, sv.score AS survey_score, sv.comment AS survey_comment, sv.sent_at AS survey_sent_at, sv.answered_at AS survey_answered_at
  FROM tickets t JOIN contacts c ON c.id = t.contact_id JOIN channels ch ON ch.id = t.channel_id
  LEFT JOIN surveys sv ON sv.id = t.survey_id`

export interface Visibility {
  userId: number
  all: boolean // profile sees every ticket (tickets.view_all)
  confidential: boolean // profile sees confidential tickets
}

export interface TicketFilter {
  status?: TicketStatus
  sector_id?: number
  assignee_id?: number
  channel_id?: number
  customer_id?: number
  updated_since?: number
  q?: string
  before: number
  limit: number
}

export interface QueueEntry {
  id: number
  channel_type: string
  queued_at: number
}

export interface CandidateQuery {
  ticket_id: number
  sector_id: number
  channel_type: string
  offer_mode: boolean
  /** ticket_history id where the current stay in a queue began: offers before it exclude nobody. */
  since: number
  /** Who sent the ticket back to the queue (not offered it again in this stay). */
  excluded_user_id: number | null
}

export interface Candidate {
  id: number
  load: number
  last_assigned_at: number | null
}

export interface Capacity {
  open: number
  pending: number
  cap: number
}

export interface TicketPatch {
  customer_id?: number | null
  classification_id?: number | null
  confidential?: boolean
  anonymous?: boolean
  notes?: string | null
}

export function ticketsStore(db: Database) {
  const byId = db.query<Row, [number]>(`${SELECT} WHERE t.id = ?`)
  const byProtocol = db.query<Row, [string]>(`${SELECT} WHERE t.protocol = ?`)
  const openOfContact = db.query<Row, [number]>(`${SELECT} WHERE t.contact_id = ? AND t.status != 'closed' ORDER BY t.id DESC LIMIT 1`)
  const lastOfContact = db.query<Row, [number]>(`${SELECT} WHERE t.contact_id = ? ORDER BY t.id DESC LIMIT 1`)
  const insert = db.query<{ id: number }, [string, number, number, string, number | null, number, number | null, number]>(
    `INSERT INTO tickets (protocol, channel_id, contact_id, status, sector_id, created_at, queued_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const touchInbound = db.query<unknown, [number, number, number]>(
    'UPDATE tickets SET last_inbound_at = max(coalesce(last_inbound_at, 0), ?), updated_at = ? WHERE id = ?',
  )
  const touch = db.query<unknown, [number, number]>('UPDATE tickets SET updated_at = ? WHERE id = ?')
  const firstResponse = db.query<unknown, [number, number]>(
    'UPDATE tickets SET first_response_at = coalesce(first_response_at, ?1), updated_at = ?1 WHERE id = ?2',
  )
  const list = db.query<Row, Record<string, string | number | null>>(
    `${SELECT}
     WHERE t.id < $before
       AND ($status IS NULL OR t.status = $status)
       AND ($sector IS NULL OR t.sector_id = $sector)
       AND ($assignee IS NULL OR t.assignee_id = $assignee)
       AND ($channel IS NULL OR t.channel_id = $channel)
       AND ($customer IS NULL OR t.customer_id = $customer)
       AND ($since IS NULL OR t.updated_at >= $since)
       AND ($q IS NULL OR t.protocol = $q OR c.name LIKE $like ESCAPE '\\' OR c.external_key LIKE $like ESCAPE '\\')
       AND ($all = 1 OR t.assignee_id = $uid OR t.sector_id IN (SELECT sector_id FROM user_sectors WHERE user_id = $uid))
       AND (t.confidential = 0 OR t.assignee_id = $uid OR $conf = 1)
     ORDER BY t.id DESC LIMIT $limit`,
  )

  // ---- routing and actions ------------------------------------------------------------------------

  // Sectors with someone waiting (tickets_status index).
  const queuedSectors = db.query<{ sector_id: number }, []>(
    `SELECT DISTINCT sector_id FROM tickets WHERE status = 'queued' AND sector_id IS NOT NULL`,
  )
  // A sector's queue, oldest queue time first, without the tickets already on offer (tickets_queue index).
  const queue = db.query<QueueEntry, [number, number, number, number]>(
    `SELECT t.id, ch.type AS channel_type, t.queued_at
     FROM tickets t JOIN channels ch ON ch.id = t.channel_id
     WHERE t.sector_id = ?1 AND t.status = 'queued'
       AND (t.queued_at, t.id) > (?2, ?3)
       AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.ticket_id = t.id AND o.status = 'pending')
     ORDER BY t.queued_at, t.id LIMIT ?4`,
  )
  // How much of an agent's simultaneous limit for one channel type is used: open tickets of that
  // type plus pending offers of that type (an offer reserves its slot until it ends).
  const USED = (user: string, type: string) => `
    (SELECT count(*) FROM tickets o JOIN channels oc ON oc.id = o.channel_id
      WHERE o.assignee_id = ${user} AND o.status = 'open' AND oc.type = ${type})`
  const PENDING = (user: string, type: string) => `
    (SELECT count(*) FROM offers p JOIN tickets pt ON pt.id = p.ticket_id JOIN channels pc ON pc.id = pt.channel_id
      WHERE p.user_id = ${user} AND p.status = 'pending' AND pc.type = ${type})`
  const CAP = (user: string, type: string) => `
    coalesce((SELECT l.max_open FROM user_channel_limits l WHERE l.user_id = ${user} AND l.channel_type = ${type}),
             CASE ${type} WHEN 'whatsapp' THEN ${DEFAULT_LIMITS.whatsapp} WHEN 'webchat' THEN ${DEFAULT_LIMITS.webchat} ELSE ${DEFAULT_LIMITS.email} END)`
  // Who may get a ticket of this sector and channel type now: active members of the sector, present
  // ('available'), below their limit for the type, without a pending offer of their own (offer
  // mode), not offered this ticket during its current stay in the queue, not the one who just sent
  // it back. Best first: fewest tickets held (open + pending offers, every channel), then longest
  // since their last assignment (never assigned first), then lowest id.
  const candidates = db.query<Candidate, Record<string, string | number | null>>(
    `SELECT id, load, last_assigned_at FROM (
       SELECT u.id, u.last_assigned_at,
              (SELECT count(*) FROM tickets o WHERE o.assignee_id = u.id AND o.status = 'open')
                + (SELECT count(*) FROM offers p WHERE p.user_id = u.id AND p.status = 'pending') AS load,
              ${USED('u.id', '$type')} + ${PENDING('u.id', '$type')} AS used,
              ${CAP('u.id', '$type')} AS cap
       FROM user_sectors us JOIN users u ON u.id = us.user_id
       WHERE us.sector_id = $sector AND u.active = 1 AND u.presence = 'available'
         AND ($offer = 0 OR NOT EXISTS (SELECT 1 FROM offers p WHERE p.user_id = u.id AND p.status = 'pending'))
         AND NOT EXISTS (SELECT 1 FROM ticket_history h
                         WHERE h.ticket_id = $ticket AND h.id > $since AND h.action = 'offered' AND h.to_user_id = u.id)
         AND u.id IS NOT $excluded
     ) WHERE used < cap
     ORDER BY load, last_assigned_at IS NOT NULL, last_assigned_at, id
     LIMIT $limit`,
  )
  // The channel types some member of the sector could take right now (ignoring per-ticket exclusions).
  const openTypes = db.query<{ type: string }, [number, number]>(
    `SELECT DISTINCT k.type FROM user_sectors us JOIN users u ON u.id = us.user_id
       CROSS JOIN (SELECT 'whatsapp' AS type UNION ALL SELECT 'webchat' UNION ALL SELECT 'email') k
     WHERE us.sector_id = ?1 AND u.active = 1 AND u.presence = 'available'
       AND (?2 = 0 OR NOT EXISTS (SELECT 1 FROM offers p WHERE p.user_id = u.id AND p.status = 'pending'))
       AND ${USED('u.id', 'k.type')} + ${PENDING('u.id', 'k.type')} < ${CAP('u.id', 'k.type')}`,
  )
  const capacity = db.query<Capacity, [number, string]>(
    `SELECT ${USED('?1', '?2')} AS open, ${PENDING('?1', '?2')} AS pending, ${CAP('?1', '?2')} AS cap`,
  )
  const assign = db.query<unknown, [number, number, number]>(
    `UPDATE tickets SET status = 'open', assignee_id = ?1, assigned_at = ?2, updated_at = ?2 WHERE id = ?3`,
  )
  const markAssigned = db.query<unknown, [number, number]>('UPDATE users SET last_assigned_at = ? WHERE id = ?')
  const requeue = db.query<unknown, [number, number, number]>(
    `UPDATE tickets SET status = 'queued', sector_id = ?1, assignee_id = NULL, assigned_at = NULL,
       queued_at = coalesce(queued_at, ?2), updated_at = ?2 WHERE id = ?3`,
  )
  const moveAssigned = db.query<unknown, [number, number, number, number]>(
    `UPDATE tickets SET status = 'open', sector_id = ?1, assignee_id = ?2, assigned_at = ?3, updated_at = ?3 WHERE id = ?4`,
  )
  const close = db.query<unknown, [number | null, string | null, number, number]>(
    `UPDATE tickets SET status = 'closed', classification_id = ?1, close_note = ?2, closed_at = ?3, updated_at = ?3 WHERE id = ?4`,
  )
  const reopen = db.query<unknown, [number, number]>(
    `UPDATE tickets SET status = 'queued', assignee_id = NULL, assigned_at = NULL, first_response_at = NULL,
       closed_at = NULL, close_note = NULL, queued_at = ?1, updated_at = ?1 WHERE id = ?2`,
  )
  const patch = db.query<unknown, Record<string, string | number | null>>(
    `UPDATE tickets SET
       customer_id = CASE WHEN $set_customer = 1 THEN $customer_id ELSE customer_id END,
       classification_id = CASE WHEN $set_classification = 1 THEN $classification_id ELSE classification_id END,
       confidential = coalesce($confidential, confidential),
       anonymous = coalesce($anonymous, anonymous),
       notes = CASE WHEN $set_notes = 1 THEN $notes ELSE notes END,
       updated_at = $now
     WHERE id = $id`,
  )
  const setting = db.query<{ value: string }, [string]>('SELECT value FROM settings WHERE key = ?')
  const classification = db.query<{ id: number; sector_id: number | null; active: number }, [number]>(
    'SELECT id, sector_id, active FROM classifications WHERE id = ?',
  )
  const customerExists = db.query<{ id: number }, [number]>('SELECT id FROM customers WHERE id = ? AND anonymized_at IS NULL')

  const one = (r: Row | null) => (r ? toTicket(r) : null)
  return {
    get: (id: number) => one(byId.get(id)),
    byProtocol: (p: string) => one(byProtocol.get(p)),
    /** `:ticket` in the API is an id or a protocol number (a string of 14 digits). */
    byRef(ref: string): Ticket | null {
      if (/^\d{14}$/.test(ref)) return one(byProtocol.get(ref))
      if (/^\d{1,13}$/.test(ref)) return one(byId.get(Number(ref)))
      return null
    },
    openOfContact: (contactId: number) => one(openOfContact.get(contactId)),
    lastOfContact: (contactId: number) => one(lastOfContact.get(contactId)),
    /** Call inside a write transaction. */
    create(t: { protocol: string; channel_id: number; contact_id: number; status: TicketStatus; sector_id: number | null; now: number }): number {
      return insert.get(t.protocol, t.channel_id, t.contact_id, t.status, t.sector_id, t.now, t.status === 'queued' ? t.now : null, t.now)!.id
    },
    touchInbound: (id: number, providerAt: number) => touchInbound.run(providerAt, Date.now(), id),
    touch: (id: number) => touch.run(Date.now(), id),
    markFirstResponse: (id: number, at: number) => firstResponse.run(at, id),
    /** Sectors with at least one queued ticket. */
    queuedSectors: (): number[] => queuedSectors.all().map((r) => r.sector_id),
    /** A page of a sector's queue after (queued_at, id), oldest first, skipping tickets on offer. */
    queue: (sectorId: number, after: { queued_at: number; id: number }, limit: number): QueueEntry[] =>
      queue.all(sectorId, after.queued_at, after.id, limit),
    /** The agents who may get this ticket now, best first (see `candidates`). */
    candidates(c: CandidateQuery, limit = 1): Candidate[] {
      return candidates.all({
        ticket: c.ticket_id,
        sector: c.sector_id,
        type: c.channel_type,
        offer: c.offer_mode ? 1 : 0,
        since: c.since,
        excluded: c.excluded_user_id,
        limit,
      })
    },
    /** Channel types some member of the sector has room for now. */
    openTypes: (sectorId: number, offerMode: boolean): Set<string> => new Set(openTypes.all(sectorId, offerMode ? 1 : 0).map((r) => r.type)),
    /** An agent's use of their limit for one channel type. */
    capacity: (userId: number, channelType: string): Capacity => capacity.get(userId, channelType)!,
    /** Call inside a write transaction: the ticket becomes the agent's ('open'). */
    assign(id: number, userId: number, now: number) {
      assign.run(userId, now, id)
      markAssigned.run(now, userId)
    },
    /** Call inside a write transaction: moves an open ticket to another sector and/or agent. */
    moveAssigned(id: number, sectorId: number, userId: number, now: number) {
      moveAssigned.run(sectorId, userId, now, id)
      markAssigned.run(now, userId)
    },
    /** Call inside a write transaction: back to a queue, unassigned, keeping its first queue time. */
    requeue: (id: number, sectorId: number, now: number) => requeue.run(sectorId, now, id),
    /** Call inside a write transaction. */
    close: (id: number, classificationId: number | null, note: string | null, now: number) => close.run(classificationId, note, now, id),
    /** Call inside a write transaction: a closed ticket queues again (now) in its sector. */
    reopen: (id: number, now: number) => reopen.run(now, id),
    /** Call inside a write transaction. Fields left undefined keep their value. */
    patch(id: number, p: TicketPatch, now: number) {
      patch.run({
        id,
        now,
        set_customer: p.customer_id !== undefined ? 1 : 0,
        customer_id: p.customer_id ?? null,
        set_classification: p.classification_id !== undefined ? 1 : 0,
        classification_id: p.classification_id ?? null,
        confidential: p.confidential === undefined ? null : p.confidential ? 1 : 0,
        anonymous: p.anonymous === undefined ? null : p.anonymous ? 1 : 0,
        set_notes: p.notes !== undefined ? 1 : 0,
        notes: p.notes ?? null,
      })
    },
    /** Whether a classification may be used on a ticket of this sector (its own or a global one, active). */
    classificationFits(id: number, sectorId: number | null): boolean {
      const c = classification.get(id)
      return c !== null && c.active === 1 && (c.sector_id === null || c.sector_id === sectorId)
    },
    customerExists: (id: number): boolean => customerExists.get(id) !== null,
    /** A value of the settings table (key → text), or null. */
    setting: (key: string): string | null => setting.get(key)?.value ?? null,
    list(f: TicketFilter, v: Visibility): Ticket[] {
      const q = f.q?.trim() || null
      return list
        .all({
          before: f.before,
          status: f.status ?? null,
          sector: f.sector_id ?? null,
          assignee: f.assignee_id ?? null,
          channel: f.channel_id ?? null,
          customer: f.customer_id ?? null,
          since: f.updated_since ?? null,
          q,
          like: q ? `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%` : null,
          all: v.all ? 1 : 0,
          uid: v.userId,
          conf: v.confidential ? 1 : 0,
          limit: f.limit,
        })
        .map(toTicket)
    },
  }
}
export type TicketsStore = ReturnType<typeof ticketsStore>
