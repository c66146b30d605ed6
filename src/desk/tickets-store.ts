// Tickets (atendimentos). Listing applies visibility in SQL: a user sees the tickets of their
// sectors and the ones assigned to them, unless their profile sees all; confidential tickets only
// by their assignee or a profile allowed to.
import type { Database } from 'bun:sqlite'

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
}

interface Row extends Omit<Ticket, 'anonymous' | 'confidential'> {
  anonymous: number
  confidential: number
}
const toTicket = (r: Row): Ticket => ({ ...r, anonymous: r.anonymous === 1, confidential: r.confidential === 1 })

const SELECT = `
  SELECT t.id, t.protocol, t.channel_id, ch.type AS channel_type, t.contact_id, c.name AS contact_name,
         c.external_key AS contact_key, c.phone AS contact_phone, t.status, t.sector_id, t.assignee_id,
         t.customer_id, t.anonymous, t.confidential, t.classification_id, t.last_inbound_at, t.created_at,
         t.queued_at, t.assigned_at, t.first_response_at, t.closed_at, t.updated_at
  FROM tickets t JOIN contacts c ON c.id = t.contact_id JOIN channels ch ON ch.id = t.channel_id`

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
  updated_since?: number
  q?: string
  before: number
  limit: number
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
       AND ($since IS NULL OR t.updated_at >= $since)
       AND ($q IS NULL OR t.protocol = $q OR c.name LIKE $like ESCAPE '\\' OR c.external_key LIKE $like ESCAPE '\\')
       AND ($all = 1 OR t.assignee_id = $uid OR t.sector_id IN (SELECT sector_id FROM user_sectors WHERE user_id = $uid))
       AND (t.confidential = 0 OR t.assignee_id = $uid OR $conf = 1)
     ORDER BY t.id DESC LIMIT $limit`,
  )

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
    list(f: TicketFilter, v: Visibility): Ticket[] {
      const q = f.q?.trim() || null
      return list
        .all({
          before: f.before,
          status: f.status ?? null,
          sector: f.sector_id ?? null,
          assignee: f.assignee_id ?? null,
          channel: f.channel_id ?? null,
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
