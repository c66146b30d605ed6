// Reports benchmark: the dashboard for one month of a year of data (scripts/generate-year.ts:
// 1 million tickets, 10 million messages). Goal (issue 7): the dashboard for a month renders in
// < 500 ms.
//
//   node_modules/.bin/bun scripts/generate-year.ts --data-dir /tmp/kq-year
//   node_modules/.bin/bun scripts/bench/reports.ts --data-dir /tmp/kq-year [--month 2026-04] [--runs 7]
//
// Measures, on the real server over HTTP with an admin session: GET /reports for the month (the
// whole page: every query, the SVG charts, the tables), with each filter (sector, channel, agent),
// GET /api/v1/reports/summary, a drill-down page and a CSV; then the live monitoring board. Each
// is run `--runs` times after one cold run; the cold run and the median are reported. The query
// plans show which index each pass uses. The database is opened as generated (no ANALYZE).
//
// Durations default to business time (src/reports/filters.ts). So that it does real work, every
// sector without a calendar gets one here (Mon–Fri 08–12 and 13–18, national holidays) — the bench
// says when it does; the elapsed-time dashboard is measured too, and, in process, the business clock
// alone over the month's durations.
import { loadConfig } from '../../src/config'
import { createContext } from '../../src/context'
import { write } from '../../src/db/open'
import { businessClock } from '../../src/hours/business-clock'
import { saveCalendar, saveSectorHours } from '../../src/hours/hours'
import { parsePeriod } from '../../src/reports/period'
import { createLogger } from '../../src/logger'
import { startServer } from '../../src/server'
import { log, median, r1 } from './support'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1])
const DATA_DIR = args.get('data-dir') ?? '/tmp/kumquat-year'
const RUNS = Number(args.get('runs') ?? 7)

const config = loadConfig({ ...process.env, KUMQUAT_DATA_DIR: DATA_DIR, KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', LOG_LEVEL: 'silent' })
const ctx = createContext(config, createLogger('silent'))
const one = <T>(sql: string) => ctx.db.query<T, []>(sql).get()!
const tickets = one<{ n: number }>('SELECT count(*) AS n FROM tickets').n
const messages = one<{ n: number | null }>('SELECT max(id) AS n FROM messages').n ?? 0
const span = one<{ a: number; b: number }>('SELECT min(created_at) AS a, max(created_at) AS b FROM tickets')
// The month: --month, or the last whole month of the data.
const month = args.get('month') ?? new Date(span.b - 31 * 86_400_000).toISOString().slice(0, 7)
const [y, m] = month.split('-').map(Number)
const from = `${month}-01`
const to = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10)
log(`${tickets.toLocaleString()} tickets, ${messages.toLocaleString()} messages (${new Date(span.a).toISOString().slice(0, 10)} … ${new Date(span.b).toISOString().slice(0, 10)}); month ${from} … ${to}`)

// The query plans of the passes (which index each uses).
const plan = (sql: string) => {
  // prepare + finalize: a cached EXPLAIN statement would keep the shutdown checkpoint from running.
  const st = ctx.db.prepare<{ detail: string }, []>(`EXPLAIN QUERY PLAN ${sql}`)
  const detail = st.all().map((r) => r.detail).find((d) => /tickets|SCAN|SEARCH/.test(d))
  st.finalize()
  return detail
}
log(`plan created: ${plan(`SELECT t.created_at/900000, count(*) FROM tickets t WHERE t.created_at >= 1 AND t.created_at < 2 AND (NULL IS NULL OR t.channel_id = 1) GROUP BY 1`)}`)
log(`plan closed:  ${plan(`SELECT count(*) FROM tickets t WHERE t.closed_at >= 1 AND t.closed_at < 2 AND (NULL IS NULL OR t.assignee_id = 1)`)}`)
log(`plan waits:   ${plan(`SELECT t.assigned_at - t.queued_at FROM tickets t WHERE t.assigned_at >= 1 AND t.assigned_at < 2 AND t.queued_at >= 1 AND t.queued_at <= t.assigned_at`)}`)
log(`plan handle:  ${plan(`SELECT t.closed_at - t.assigned_at FROM tickets t WHERE t.closed_at >= 1 AND t.closed_at < 2 AND t.assigned_at >= 1 AND t.assigned_at <= t.closed_at`)}`)

const adminId = ctx.stores.users.byEmail('admin@example.com')!.id
{
  const bare = ctx.stores.sectors.list().filter((s) => !s.business_hours_id)
  if (bare.length) {
    const cal = ctx.stores.hours.list().find((c) => c.name === 'Bench') ?? saveCalendar(ctx, adminId, { name: 'Bench' }, null, null)
    for (const s of bare) saveSectorHours(ctx, adminId, s.id, { business_hours_id: cal.id }, null)
    log(`${bare.length} sectors got the calendar "Bench" (Mon–Fri 08–12, 13–18, national holidays)`)
  }
}

// In process: what business time adds to a month — the clock over every duration the dashboard
// reads (waits, handles, first responses), against the same loop in elapsed time.
{
  const period = parsePeriod(from, to, ctx.config.timeZone)
  const f = { period, sectorId: null, channelId: null, agentId: null, scope: { all: true, sectorIds: [] } }
  const spans = [...ctx.stores.reports.waits(f), ...ctx.stores.reports.firstResponses(f)]
  for (const r of ctx.stores.reports.closed(f)) if (r[5] !== null) spans.push([r[2], r[5], r[6], r[7]])
  const loop = (clock: (s: number | null, a: number, b: number) => number) => {
    const t0 = performance.now()
    let sum = 0
    for (const [, a, b, s] of spans) sum += clock(s, a, b)
    return { ms: performance.now() - t0, sum }
  }
  const business: number[] = []
  const elapsed: number[] = []
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now()
    const clock = businessClock(ctx, period.from, period.to)
    const b = loop(clock)
    business.push(performance.now() - t0)
    elapsed.push(loop((_s, a, b) => b - a).ms)
    if (i === 0) log(`business time of the month: ${Math.round(b.sum / 3_600_000).toLocaleString()} h over ${spans.length.toLocaleString()} durations`)
  }
  log(`business clock over ${spans.length.toLocaleString()} durations: median ${r1(median(business))} ms (tables included; the elapsed-time loop: ${r1(median(elapsed))} ms)`)
}

const server = await startServer(ctx)
const base = server.url
// An admin session: the generator made admin@example.com.
let cookie = ''
{
  const page = await fetch(`${base}/login`)
  const pre = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'admin@example.com', password: 'correct horse battery' }),
  })
  cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  if (res.status !== 303 || !cookie) throw new Error(`login failed: ${res.status}`)
}
const token = write(ctx.db, () => ctx.stores.apiTokens.create(adminId, 'bench').token)

const results: { name: string; cold: number; median: number; max: number; bytes: number }[] = []
async function measure(name: string, path: string, headers: Record<string, string> = { cookie }) {
  const times: number[] = []
  let bytes = 0
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now()
    const res = await fetch(base + path, { headers })
    const body = await res.arrayBuffer()
    const ms = performance.now() - t0
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
    bytes = body.byteLength
    times.push(ms)
  }
  const warm = times.slice(1)
  results.push({ name, cold: r1(times[0]), median: r1(median(warm)), max: r1(Math.max(...warm)), bytes })
}

const q = `from=${from}&to=${to}`
const sector = one<{ id: number }>('SELECT id FROM sectors ORDER BY id LIMIT 1').id
const channel = one<{ id: number }>('SELECT id FROM channels ORDER BY id LIMIT 1').id
const agent = one<{ id: number }>("SELECT u.id FROM users u JOIN profiles p ON p.id = u.profile_id WHERE p.key = 'agent' ORDER BY u.id LIMIT 1").id
await measure('dashboard /reports (month, all sectors)', `/reports?${q}`)
await measure('dashboard, elapsed time', `/reports?${q}&time=elapsed`)
await measure('dashboard, one sector', `/reports?${q}&sector_id=${sector}`)
await measure('dashboard, one channel', `/reports?${q}&channel_id=${channel}`)
await measure('dashboard, one agent', `/reports?${q}&agent_id=${agent}`)
await measure('GET /api/v1/reports/summary (month)', `/api/v1/reports/summary?${q}`, { authorization: `Bearer ${token}` })
await measure('GET /api/v1/reports/summary?time=business', `/api/v1/reports/summary?${q}&time=business`, { authorization: `Bearer ${token}` })
await measure('drill-down: abandoned, first page', `/reports/tickets?${q}&metric=abandoned`)
await measure('drill-down: created at 10h, first page', `/reports/tickets?${q}&metric=created&hour=10`)
await measure('drill-down: waits, first page', `/reports/tickets?${q}&metric=wait`)
await measure('CSV by agent', `/reports/export/agents.csv?${q}`)
await measure('dashboard /reports (year)', `/reports?from=${new Date(span.a).toISOString().slice(0, 10)}&to=${new Date(span.b).toISOString().slice(0, 10)}`)
await measure('monitoring board', '/monitoring/board')

console.log(`\nReports on ${tickets.toLocaleString()} tickets / ${messages.toLocaleString()} messages — month ${from}…${to}, ${RUNS} warm runs each (ms):`)
console.log('| what | cold | median | max | KB |')
console.log('|---|---:|---:|---:|---:|')
for (const r of results) console.log(`| ${r.name} | ${r.cold} | ${r.median} | ${r.max} | ${Math.round(r.bytes / 1024)} |`)
const goal = results[0]
console.log(`\nGoal < 500 ms for a month's dashboard: ${goal.median < 500 && goal.cold < 500 ? 'met' : 'NOT met'} (cold ${goal.cold} ms, median ${goal.median} ms).`)
await server.stop()
