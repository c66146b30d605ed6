// Surveys benchmark (issue 6): what the ticket's `survey` field costs. Ticket reads join the latest
// survey by primary key (tickets.survey_id → surveys.id) instead of one query per ticket; this
// times the ticket list (50 and 200 rows, then ticketJson for each) and a single-ticket read, with
// the join and with the same SELECT without it, on 20,000 tickets of which half have a survey.
// In-process, real SQLite file in a temp dir. Prints a table and, last, one JSON line.
//
//   node_modules/.bin/bun scripts/bench/surveys.ts
//   BENCH_TICKETS=50000 BENCH_RUNS=300 node_modules/.bin/bun scripts/bench/surveys.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config'
import { createContext } from '../../src/context'
import { write } from '../../src/db/open'
import { ticketJson } from '../../src/desk/json'
import type { Ticket } from '../../src/desk/tickets-store'
import { createLogger } from '../../src/logger'

const TICKETS = Number(process.env.BENCH_TICKETS ?? 20_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 200)

const dir = mkdtempSync(join(tmpdir(), 'kumquat-bench-surveys-'))
const ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dir, LOG_LEVEL: 'silent' }), createLogger('silent'))
try {
  const now = Date.now()
  write(ctx.db, () => {
    const sector = ctx.stores.sectors.create({ name: 'Suporte', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'csat', require_classification: false })
    const channel = ctx.stores.channels.create({ type: 'whatsapp', name: 'Loja', sector_id: sector, bot_flow_id: null, webhook_key: 'bench'.repeat(8), settings: {}, secrets: {}, lookup_key: null })
    const contact = ctx.db.query<{ id: number }, [number, string, number]>('INSERT INTO contacts (channel_id, external_key, name, created_at, updated_at) VALUES (?1, ?2, ?2, ?3, ?3) RETURNING id')
    const ticket = ctx.db.query<{ id: number }, [string, number, number, number, number]>(
      "INSERT INTO tickets (protocol, channel_id, contact_id, status, sector_id, created_at, closed_at, updated_at) VALUES (?1, ?2, ?3, 'closed', ?4, ?5, ?5, ?5) RETURNING id",
    )
    for (let i = 0; i < TICKETS; i++) {
      const c = contact.get(channel, `5583${String(i).padStart(9, '0')}`, now - i * 1000)!.id
      const t = ticket.get(`B${String(i).padStart(13, '0')}`, channel, c, sector, now - i * 1000)!.id
      if (i % 2 === 0) {
        const id = ctx.stores.surveys.create({ ticket_id: t, contact_id: c, channel_id: channel, sector_id: sector, agent_id: null, kind: 'csat', question: 'Q', comment_question: null, thanks: 'T', sent_at: now, expires_at: now + 86_400_000 })
        ctx.stores.surveys.setScore(id, 1 + (i % 5), false, now)
      }
    }
  })
  ctx.db.run('ANALYZE')

  // The list query of src/desk/tickets-store.ts, with its SELECT as before the survey join (and
  // the same with the join, so both run the same WHERE), for comparison.
  const COLUMNS = `t.id, t.protocol, t.channel_id, ch.type AS channel_type, t.contact_id, c.name AS contact_name,
            c.external_key AS contact_key, c.phone AS contact_phone, t.status, t.sector_id, t.assignee_id,
            t.customer_id, t.anonymous, t.confidential, t.classification_id, t.last_inbound_at, t.created_at,
            t.queued_at, t.assigned_at, t.first_response_at, t.closed_at, t.updated_at,
            t.notes, t.close_note, t.last_read_message_id`
  const SURVEY = `, sv.kind AS survey_kind, sv.score AS survey_score, sv.comment AS survey_comment, sv.sent_at AS survey_sent_at, sv.answered_at AS survey_answered_at`
  const FROM = 'FROM tickets t JOIN contacts c ON c.id = t.contact_id JOIN channels ch ON ch.id = t.channel_id'
  const WHERE = `WHERE t.id < $before
       AND ($status IS NULL OR t.status = $status)
       AND ($sector IS NULL OR t.sector_id = $sector)
       AND ($assignee IS NULL OR t.assignee_id = $assignee)
       AND ($channel IS NULL OR t.channel_id = $channel)
       AND ($since IS NULL OR t.updated_at >= $since)
       AND ($q IS NULL OR t.protocol = $q OR c.name LIKE $like ESCAPE '\\' OR c.external_key LIKE $like ESCAPE '\\')
       AND ($all = 1 OR t.assignee_id = $uid OR t.sector_id IN (SELECT sector_id FROM user_sectors WHERE user_id = $uid))
       AND (t.confidential = 0 OR t.assignee_id = $uid OR $conf = 1)
     ORDER BY t.id DESC LIMIT $limit`
  type P = Record<string, string | number | null>
  const plain = ctx.db.query<Ticket, P>(`SELECT ${COLUMNS} ${FROM} ${WHERE}`)
  const joined = ctx.db.query<Ticket, P>(`SELECT ${COLUMNS}${SURVEY} ${FROM} LEFT JOIN surveys sv ON sv.id = t.survey_id ${WHERE}`)
  const params = (before: number, limit: number): P => ({ before, limit, status: null, sector: null, assignee: null, channel: null, since: null, q: null, like: null, all: 1, uid: 0, conf: 1 })
  const plainOne = ctx.db.query<Ticket, [number]>(`SELECT ${COLUMNS} ${FROM} WHERE t.id = ?`)
  // One extra query per ticket (the design avoided): the latest survey by ticket.
  const perTicket = ctx.db.query<{ kind: string }, [number]>('SELECT kind, score, comment, sent_at, answered_at FROM surveys WHERE ticket_id = ? ORDER BY id DESC LIMIT 1')
  const all = { userId: 0, all: true, confidential: true }

  const time = (fn: () => void) => {
    for (let i = 0; i < 20; i++) fn()
    const xs: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now()
      fn()
      xs.push(performance.now() - t0)
    }
    xs.sort((a, b) => a - b)
    return { p50: Math.round(xs[Math.floor(xs.length / 2)] * 1000) / 1000, p99: Math.round(xs[Math.floor(xs.length * 0.99)] * 1000) / 1000 }
  }
  const before = TICKETS + 1
  const results: Record<string, { p50: number; p99: number }> = {}
  for (const limit of [50, 200]) {
    results[`list ${limit} + ticketJson, without the join`] = time(() => void plain.all(params(before, limit)).map(ticketJson))
    results[`list ${limit} + ticketJson, with the join`] = time(() => void joined.all(params(before, limit)).map(ticketJson))
    results[`list ${limit} + ticketJson, the store (with the join)`] = time(() => void ctx.stores.tickets.list({ before, limit }, all).map(ticketJson))
    results[`list ${limit} + ticketJson, a query per ticket`] = time(() => void plain.all(params(before, limit)).map((t) => (perTicket.get(t.id), ticketJson(t))))
  }
  let id = 1
  results['get one + ticketJson, with the join'] = time(() => void ticketJson(ctx.stores.tickets.get((id = (id % TICKETS) + 1))!))
  results['get one + ticketJson, without the join'] = time(() => void ticketJson(plainOne.get((id = (id % TICKETS) + 1))!))

  console.log(`tickets: ${TICKETS} (half with a survey), runs: ${RUNS}`)
  console.log('what'.padEnd(52), 'p50 ms'.padStart(9), 'p99 ms'.padStart(9))
  for (const [k, v] of Object.entries(results)) console.log(k.padEnd(52), String(v.p50).padStart(9), String(v.p99).padStart(9))
  console.log(JSON.stringify({ bench: 'surveys', tickets: TICKETS, runs: RUNS, results }))
} finally {
  ctx.db.close()
  rmSync(dir, { recursive: true, force: true })
}
