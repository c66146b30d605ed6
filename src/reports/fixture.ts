// Tickets written straight into the database with exact times, for the report, monitoring and
// alert tests (hand-computed fixtures) — never used by the app itself.
import type { Context } from '../context'
import { write } from '../db/open'

let seq = 0

export function makeSector(ctx: Context, name: string): number {
  return write(ctx.db, () => ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
}

export function makeChannel(ctx: Context, name: string, sectorId: number, type: 'whatsapp' | 'webchat' | 'email' = 'whatsapp'): number {
  const n = ++seq
  return write(ctx.db, () =>
    ctx.stores.channels.create({ type, name, sector_id: sectorId, bot_flow_id: null, webhook_key: `fixture${n}${'k'.repeat(30)}${Date.now()}`, settings: {}, secrets: {}, lookup_key: null }),
  )
}

export function makeClassification(ctx: Context, name: string): number {
  return ctx.db.query<{ id: number }, [string, number]>('INSERT INTO classifications (name, sector_id, created_at, updated_at) VALUES (?, NULL, ?2, ?2) RETURNING id').get(name, Date.now())!.id
}

export interface FixtureTicket {
  channel_id: number
  status: 'bot' | 'queued' | 'open' | 'closed'
  sector_id?: number | null
  assignee_id?: number | null
  classification_id?: number | null
  created_at: number
  queued_at?: number | null
  assigned_at?: number | null
  first_response_at?: number | null
  closed_at?: number | null
  contact_name?: string
  confidential?: boolean
  /** pre_service outcome (the bot's close): 'resolved' | 'abandoned' | 'out_of_hours' */
  pre_service?: string
  /** records history 'closed' with this actor (null: the system) */
  closed_by?: number | null
}

/** Inserts a contact and a ticket with exactly these times; returns the ticket id. */
export function insertTicket(ctx: Context, f: FixtureTicket): number {
  const n = ++seq
  return write(ctx.db, () => {
    const contact = ctx.db
      .query<{ id: number }, [number, string, string, number]>('INSERT INTO contacts (channel_id, external_key, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id')
      .get(f.channel_id, `55830000${String(n).padStart(5, '0')}${Date.now() % 100000}`, f.contact_name ?? `Cliente ${n}`, f.created_at)!.id
    const id = ctx.db
      .query<{ id: number }, Record<string, string | number | null>>(
        `INSERT INTO tickets (protocol, channel_id, contact_id, status, sector_id, assignee_id, classification_id, confidential, created_at, queued_at, assigned_at, first_response_at, closed_at, updated_at)
         VALUES ($protocol, $channel, $contact, $status, $sector, $assignee, $classification, $confidential, $created, $queued, $assigned, $fr, $closed, $created) RETURNING id`,
      )
      .get({
        protocol: `F${Date.now()}${String(n).padStart(6, '0')}`,
        channel: f.channel_id,
        contact,
        status: f.status,
        sector: f.sector_id ?? null,
        assignee: f.assignee_id ?? null,
        classification: f.classification_id ?? null,
        confidential: f.confidential ? 1 : 0,
        created: f.created_at,
        queued: f.queued_at ?? null,
        assigned: f.assigned_at ?? null,
        fr: f.first_response_at ?? null,
        closed: f.closed_at ?? null,
      })!.id
    if (f.pre_service) {
      ctx.db
        .query('INSERT INTO pre_service (ticket_id, status, outcome, last_activity_at, started_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)')
        .run(id, 'done', f.pre_service, f.created_at, f.closed_at ?? f.created_at)
    }
    if (f.closed_by !== undefined && f.closed_at) {
      ctx.stores.history.record({ ticket_id: id, action: 'closed', at: f.closed_at, actor_id: f.closed_by, from_sector_id: f.sector_id ?? null })
    }
    return id
  })
}

/** Records a survey answer (or an unanswered survey: score and answered_at null) for a ticket, as the surveys feature stores it. */
export function insertSurveyAnswer(ctx: Context, ticketId: number, kind: 'csat' | 'nps' | 'ces', score: number | null, answeredAt: number | null) {
  write(ctx.db, () =>
    ctx.db
      .query(
        `INSERT INTO surveys (ticket_id, contact_id, channel_id, sector_id, agent_id, kind, status, question, thanks, score, sent_at, expires_at, answered_at)
         SELECT t.id, t.contact_id, t.channel_id, t.sector_id, t.assignee_id, ?2, ?3, 'Pergunta', 'Obrigado', ?4, t.created_at, t.created_at + 86400000, ?5
         FROM tickets t WHERE t.id = ?1`,
      )
      .run(ticketId, kind, score === null ? 'sent' : 'answered', score, answeredAt),
  )
}
