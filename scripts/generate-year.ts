// A year of customer service for the report benchmark (scripts/bench/reports.ts): sectors,
// channels, agents, classifications, contacts, tickets with their whole life (bot, queue, offer
// to an agent, first reply, close; abandoned ones; the bot's own closes) and their messages.
//
//   node_modules/.bin/bun scripts/generate-year.ts --data-dir /tmp/kq-year
//   node_modules/.bin/bun scripts/generate-year.ts --data-dir /tmp/kq-year --tickets 1000000 --messages 10000000 --end 2026-06-01
//
// Fast on purpose: prepared statements, 20 000 tickets per transaction, `synchronous=OFF` for
// the generation only (the app itself always runs with synchronous=FULL), a seeded PRNG (the same
// arguments make the same data). Times are spread over the 365 days before --end with business
// hours and weekdays heavier than nights and weekends. The admin signs in as
// admin@example.com / "correct horse battery".
import { existsSync } from 'node:fs'
import { openDatabase } from '../src/db/open'
import { migrate } from '../src/db/migrate'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1])
const DATA_DIR = args.get('data-dir') ?? '/tmp/kumquat-year'
const TICKETS = Number(args.get('tickets') ?? 1_000_000)
const MESSAGES = Number(args.get('messages') ?? 10_000_000)
const END = Date.parse(`${args.get('end') ?? '2026-06-01'}T03:00:00Z`)
const DAYS = 365
const SECTORS = 8
const AGENTS_PER_SECTOR = 25
const CHANNELS = 10
const CONTACTS = Math.max(1000, Math.round(TICKETS * 0.4))
const BATCH = 20_000

const MIN = 60_000
const log = (m: string) => process.stderr.write(`· ${m}\n`)

if (existsSync(`${DATA_DIR}/kumquat.db`)) {
  log(`${DATA_DIR}/kumquat.db exists: remove it first (or pick another --data-dir)`)
  process.exit(1)
}

// mulberry32: small, fast, seeded.
let seed = 0x6b756d71
const rnd = () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number) => Math.floor(rnd() * n)
const exp = (mean: number) => Math.round(-Math.log(1 - rnd()) * mean)

const db = openDatabase(DATA_DIR)
migrate(db)
db.exec('PRAGMA synchronous = OFF') // generation only
db.exec('PRAGMA cache_size = -262144') // 256 MB

const started = performance.now()
const now = Date.now()

// ---- people and places ---------------------------------------------------------------------------
const hash = await Bun.password.hash('correct horse battery', { algorithm: 'argon2id' })
const profile = (key: string) => db.query<{ id: number }, [string]>('SELECT id FROM profiles WHERE key = ?').get(key)!.id
const sectorIds: number[] = []
const channelIds: number[] = []
const channelSector = new Map<number, number>()
const agentsOf = new Map<number, number[]>()
const classIds: number[] = []
db.transaction(() => {
  db.query('INSERT INTO users (name, email, password_hash, profile_id, presence_since, created_at, updated_at) VALUES (?, ?, ?, ?, ?5, ?5, ?5)').run('Admin', 'admin@example.com', hash, profile('admin'), now)
  for (let s = 1; s <= SECTORS; s++) {
    const id = db.query<{ id: number }, [string, number]>("INSERT INTO sectors (name, routing, created_at, updated_at) VALUES (?, 'auto', ?2, ?2) RETURNING id").get(`Setor ${s}`, now)!.id
    sectorIds.push(id)
    const agents: number[] = []
    for (let a = 1; a <= AGENTS_PER_SECTOR; a++) {
      const uid = db
        .query<{ id: number }, [string, string, number, number]>('INSERT INTO users (name, email, profile_id, presence_since, created_at, updated_at) VALUES (?, ?, ?, ?4, ?4, ?4) RETURNING id')
        .get(`Atendente ${s}.${a}`, `agent${s}.${a}@example.com`, profile('agent'), now)!.id
      db.query('INSERT INTO user_sectors (user_id, sector_id) VALUES (?, ?)').run(uid, id)
      agents.push(uid)
    }
    agentsOf.set(id, agents)
    const sup = db
      .query<{ id: number }, [string, string, number, number]>('INSERT INTO users (name, email, password_hash, profile_id, presence_since, created_at, updated_at) VALUES (?, ?, NULL, ?, ?4, ?4, ?4) RETURNING id')
      .get(`Supervisor ${s}`, `sup${s}@example.com`, profile('supervisor'), now)!.id
    db.query('INSERT INTO user_sectors (user_id, sector_id) VALUES (?, ?)').run(sup, id)
  }
  for (let c = 1; c <= CHANNELS; c++) {
    const sector = sectorIds[(c - 1) % SECTORS]
    const id = db
      .query<{ id: number }, [string, string, number, string, number]>("INSERT INTO channels (type, name, sector_id, webhook_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?5, ?5) RETURNING id")
      .get(c <= 8 ? 'whatsapp' : 'webchat', `Canal ${c}`, sector, `generated-${c}-${'x'.repeat(24)}`, now)!.id
    channelIds.push(id)
    channelSector.set(id, sector)
  }
  for (let k = 1; k <= 30; k++) classIds.push(db.query<{ id: number }, [string, number]>('INSERT INTO classifications (name, created_at, updated_at) VALUES (?, ?2, ?2) RETURNING id').get(`Classificação ${k}`, now)!.id)
  const contact = db.prepare('INSERT INTO contacts (channel_id, external_key, name, created_at, updated_at) VALUES (?, ?, ?, ?4, ?4)')
  for (let i = 0; i < CONTACTS; i++) contact.run(channelIds[i % CHANNELS], `55${String(8300000000 + i)}`, `Cliente ${i}`, END - DAYS * 86_400_000)
})()
log(`people and places: ${SECTORS} sectors, ${SECTORS * AGENTS_PER_SECTOR} agents, ${CHANNELS} channels, ${CONTACTS} contacts`)

// ---- when tickets arrive ---------------------------------------------------------------------------
// Weights: hours of the day (São Paulo, UTC−3) and weekdays.
const HOUR_W = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 7, 9, 10, 10, 8, 8, 10, 10, 9, 8, 6, 4, 3, 2, 2, 1.5]
const DOW_W = [0.35, 1.1, 1.05, 1, 1, 0.95, 0.55] // Sun..Sat
const hourCum: number[] = []
HOUR_W.reduce((acc, w, i) => (hourCum[i] = acc + w), 0)
const hourTotal = hourCum[23]
const pickHour = () => {
  const x = rnd() * hourTotal
  let h = 0
  while (hourCum[h] < x) h++
  return h
}
const dayStart = (d: number) => END - (DAYS - d) * 86_400_000 // local midnight (UTC−3) of day d
const dayW = Array.from({ length: DAYS }, (_, d) => DOW_W[new Date(dayStart(d) - 3 * 3600_000).getUTCDay()])
const dayTotal = dayW.reduce((a, b) => a + b, 0)
const perDay = dayW.map((w) => Math.floor((w / dayTotal) * TICKETS))
perDay[DAYS - 1] += TICKETS - perDay.reduce((a, b) => a + b, 0)

// ---- tickets and messages ----------------------------------------------------------------------------
const ticket = db.prepare(
  `INSERT INTO tickets (protocol, channel_id, contact_id, status, sector_id, assignee_id, classification_id, created_at, queued_at,
                        assigned_at, first_response_at, closed_at, updated_at, last_inbound_at)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
)
const message = db.prepare(
  `INSERT INTO messages (ticket_id, channel_id, direction, author, author_id, type, text, status, created_at, updated_at)
   VALUES (?, ?, ?, ?, ?, 'text', ?, ?, ?, ?8)`,
)
const pre = db.prepare("INSERT INTO pre_service (ticket_id, status, outcome, last_activity_at, started_at, ended_at) VALUES (?, 'done', ?, ?, ?, ?)")
const texts = ['Olá, preciso de ajuda', 'Qual o status do meu pedido?', 'Obrigado!', 'Um momento, por favor.', 'Pode me informar o CPF?', 'Resolvido, obrigado', 'Segue o comprovante', 'Bom dia']

let made = 0
let messages = 0
const messagesPerTicket = MESSAGES / TICKETS
let nextId = (db.query<{ id: number | null }, []>('SELECT max(id) AS id FROM tickets').get()!.id ?? 0) + 1
const flush = db.transaction((rows: (() => void)[]) => {
  for (const r of rows) r()
})
let pending: (() => void)[] = []

for (let d = 0; d < DAYS && made < TICKETS; d++) {
  const start = dayStart(d)
  const stamp = new Date(start).toISOString().slice(0, 10).replace(/-/g, '')
  const n = Math.min(perDay[d], TICKETS - made)
  const times = Array.from({ length: n }, () => start + pickHour() * 3600_000 + int(3600_000)).sort((a, b) => a - b)
  for (let i = 0; i < n; i++) {
    const id = nextId++
    const created = times[i]
    const ci = int(CHANNELS)
    const channel = channelIds[ci]
    const sector = channelSector.get(channel)!
    const agents = agentsOf.get(sector)!
    const r = rnd()
    let status = 'closed'
    let sectorId: number | null = sector
    let assignee: number | null = null
    let klass: number | null = null
    let queued: number | null = null
    let assigned: number | null = null
    let first: number | null = null
    let closed: number | null = null
    let outcome: string | null = null
    if (r < 0.12) {
      // Resolved by the bot.
      sectorId = null
      closed = created + MIN + int(4 * MIN)
      outcome = 'resolved'
    } else if (r < 0.15) {
      // Abandoned in the bot.
      sectorId = null
      closed = created + 10 * MIN + int(20 * MIN)
      outcome = 'abandoned'
    } else if (r < 0.19) {
      // Gave up in the queue.
      queued = created + 30_000 + int(150_000)
      closed = queued + 5 * MIN + int(55 * MIN)
      outcome = 'handoff'
    } else {
      queued = created + 30_000 + int(150_000)
      assigned = queued + Math.min(exp(120_000), 3600_000)
      first = assigned + 5_000 + exp(60_000)
      closed = first + 2 * MIN + exp(15 * MIN)
      assignee = agents[int(agents.length)]
      klass = rnd() < 0.9 ? classIds[int(classIds.length)] : null
      outcome = 'handoff'
    }
    // The last hours before the end: what has not happened yet is still to come.
    if (closed !== null && closed > END) {
      closed = null
      status = assigned !== null && assigned <= END ? 'open' : queued !== null && queued <= END ? 'queued' : 'bot'
      if (assigned !== null && assigned > END) assigned = null
      if (first !== null && first > END) first = null
      if (status !== 'open') assignee = null
      klass = null
    }
    const protocol = `${stamp}${String(i + 1).padStart(6, '0')}`
    // Contact ids 1.. were made round-robin over the channels: one of this channel's.
    const contact = 1 + ci + CHANNELS * int(Math.floor(CONTACTS / CHANNELS))
    const last = closed ?? END
    const count = Math.max(2, Math.round(messagesPerTicket + (rnd() - 0.5) * messagesPerTicket))
    const todo = Math.min(count, MESSAGES - messages)
    messages += todo
    const a = assignee
    const rowStatus = status
    const [q, as, f, c, sec, k, o] = [queued, assigned, first, closed, sectorId, klass, outcome]
    pending.push(() => {
      ticket.run(protocol, channel, contact, rowStatus, sec, a, k, created, q, as, f, c, c ?? created, created)
      if (o && (o === 'resolved' || o === 'abandoned' || o === 'handoff')) pre.run(id, o, created, created, c ?? (q ?? created))
      const span = Math.max(1, last - created)
      for (let m = 0; m < todo; m++) {
        const inbound = m % 2 === 0
        const at = created + Math.floor((span * m) / todo)
        message.run(id, channel, inbound ? 'in' : 'out', inbound ? 'customer' : a ? 'agent' : 'bot', inbound || !a ? null : a, texts[m % texts.length], inbound ? 'received' : 'read', at)
      }
    })
    made++
    if (pending.length >= BATCH) {
      flush(pending)
      pending = []
      if (made % 100_000 === 0) log(`${made.toLocaleString()} tickets, ${messages.toLocaleString()} messages — ${Math.round((performance.now() - started) / 1000)} s`)
    }
  }
}
flush(pending)
db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
const secs = (performance.now() - started) / 1000
const size = db.query<{ n: number }, []>('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()').get()!.n
log(`done: ${made.toLocaleString()} tickets, ${messages.toLocaleString()} messages in ${secs.toFixed(1)} s; database ${(size / 1e9).toFixed(2)} GB at ${DATA_DIR}`)
db.close()
