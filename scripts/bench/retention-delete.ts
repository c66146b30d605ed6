// Data retention, 'delete' mode: how long the job takes to delete old closed tickets with their
// messages (foreign keys on), and how long each batch holds the write lock, on a real SQLite file.
//
//   node_modules/.bin/bun scripts/bench/retention-delete.ts                 (20,000 tickets × 20 messages)
//   BENCH_TICKETS=50000 BENCH_MESSAGES=20 node_modules/.bin/bun scripts/bench/retention-delete.ts
//   BENCH_NO_INDEX=1 ...   drops the child-column indexes of migration 0016 first, to compare
//                          (deleting then scans the child tables once per deleted row: slow)
//
// Half the tickets are old (closed 2 years ago) and go; half are recent and stay. One message in
// ten quotes the one before; one ticket in ten has a survey and a history line. Prints one line per
// step and, last, one JSON line. The temp dir is removed at the end.
import { loadConfig } from '../../src/config'
import { createContext } from '../../src/context'
import { write } from '../../src/db/open'
import { RETENTION_BATCH, runRetention } from '../../src/lgpd/retention'
import { createLogger } from '../../src/logger'
import { saveGeneral } from '../../src/settings/settings'
import { log, tempDir } from './support'

const TICKETS = Number(process.env.BENCH_TICKETS ?? 20_000)
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20)
const NO_INDEX = process.env.BENCH_NO_INDEX === '1'
const DAY = 86_400_000

const ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: tempDir('kumquat-bench-retention-'), LOG_LEVEL: 'silent' }), createLogger('silent'))
// As the app runs (src/lgpd/routes.tsx): freed pages are zeroed.
ctx.db.exec('PRAGMA secure_delete = ON')
if (NO_INDEX) for (const i of ['messages_reply_to', 'surveys_message', 'tickets_survey', 'bulk_rows_ticket', 'bulk_rows_message', 'alerts_ticket']) ctx.db.exec(`DROP INDEX ${i}`)

const now = Date.now()
let t0 = performance.now()
write(ctx.db, () => {
  const db = ctx.db
  const sector = ctx.stores.sectors.create({ name: 'Bench', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
  const channel = ctx.stores.channels.create({ type: 'whatsapp', name: 'Bench', sector_id: sector, bot_flow_id: null, webhook_key: `bench${'k'.repeat(40)}`, settings: {}, secrets: {}, lookup_key: null })
  const contact = db.query('INSERT INTO contacts (channel_id, external_key, created_at, updated_at) VALUES (?, ?, ?, ?)')
  const ticket = db.query<{ id: number }, [number, number, number, number, number]>(
    `INSERT INTO tickets (protocol, channel_id, contact_id, status, sector_id, created_at, closed_at, updated_at) VALUES ('B' || ?1, ?2, ?3, 'closed', ?4, ?5, ?5, ?5) RETURNING id`,
  )
  const message = db.query<{ id: number }, [number, number, number | null, string, number]>(
    `INSERT INTO messages (ticket_id, channel_id, direction, author, type, text, reply_to_id, status, created_at, updated_at) VALUES (?1, ?2, 'in', 'customer', 'text', ?4, ?3, 'received', ?5, ?5) RETURNING id`,
  )
  const survey = db.query<{ id: number }, [number, number, number, number]>(
    `INSERT INTO surveys (ticket_id, contact_id, channel_id, kind, status, question, thanks, score, sent_at, expires_at) VALUES (?1, ?2, ?3, 'csat', 'answered', 'Nota?', 'Obrigado', 5, ?4, ?4) RETURNING id`,
  )
  for (let i = 0; i < TICKETS; i++) {
    const at = i % 2 ? now - 730 * DAY : now - 10 * DAY
    const c = Number(contact.run(channel, `55839${String(i).padStart(8, '0')}`, at, at).lastInsertRowid)
    const t = ticket.get(i, channel, c, sector, at)!.id
    let prev: number | null = null
    for (let j = 0; j < MESSAGES; j++) prev = message.get(t, channel, j % 10 === 9 ? prev : null, `mensagem ${j} do atendimento ${t}`, at)!.id
    if (i % 10 === 1) {
      db.query('UPDATE tickets SET survey_id = ? WHERE id = ?').run(survey.get(t, c, channel, at)!.id, t)
      ctx.stores.history.record({ ticket_id: t, action: 'closed', at })
    }
  }
})
log(`${TICKETS.toLocaleString()} tickets, ${(TICKETS * MESSAGES).toLocaleString()} messages written in ${Math.round(performance.now() - t0)} ms${NO_INDEX ? ' (0016 indexes dropped)' : ''}`)

saveGeneral(ctx, null, { retention_months: 12, retention_mode: 'delete' }, null)
// Time every write transaction (src/db/open.ts write() runs db.transaction(fn).immediate()): the
// write lock is held that long, and requests wait meanwhile.
const batches: number[] = []
const original = ctx.db.transaction.bind(ctx.db)
ctx.db.transaction = ((fn: () => unknown) => {
  const tx = original(fn)
  return {
    immediate: () => {
      const s = performance.now()
      try {
        return tx.immediate()
      } finally {
        batches.push(performance.now() - s)
      }
    },
  }
}) as never
t0 = performance.now()
const run = (await runRetention(ctx, 'manual'))!
const total = performance.now() - t0
const sorted = [...batches].sort((a, b) => a - b)
// The daily run when there is nothing to do: one walk over the tickets after the cut-off.
t0 = performance.now()
await runRetention(ctx, 'schedule')
const idle = performance.now() - t0
const left = ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM tickets').get()!.n
const fk = ctx.db.query('PRAGMA foreign_key_check').all().length
log(`deleted ${run.tickets.toLocaleString()} tickets (batches of ${RETENTION_BATCH}) in ${Math.round(total)} ms; ${left.toLocaleString()} tickets left; foreign_key_check problems: ${fk}`)
log(`write transactions: ${batches.length}, median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`)
log(`a second run (nothing to do): ${Math.round(idle)} ms`)
console.log(
  JSON.stringify({
    tickets: TICKETS,
    messages: TICKETS * MESSAGES,
    no_index: NO_INDEX,
    deleted: run.tickets,
    total_ms: Math.round(total),
    tx_median_ms: Number(sorted[Math.floor(sorted.length / 2)].toFixed(1)),
    tx_max_ms: Number(sorted[sorted.length - 1].toFixed(1)),
    fk_problems: fk,
    idle_run_ms: Math.round(idle),
  }),
)
ctx.db.close()
