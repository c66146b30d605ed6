// Business time in the reports and the alerts (issue 5: "Reports use business time for SLAs"), on
// a known calendar — Mon–Fri 08:00–18:00 in São Paulo with the national holidays, so Carnaval 2027
// (8 and 9 February) is closed — and tickets that wait over a night, a weekend and Carnaval. The
// hand-computed business seconds show in the API (?time=business), the dashboard (business hours by
// default, elapsed time on the toggle), the drill-down, the CSV; a waiting alert counts business
// minutes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { candidatesOf } from '../alerts/evaluate'
import { write } from '../db/open'
import { saveCalendar, saveSectorHours } from '../hours/hours'
import { insertTicket, makeChannel, makeSector } from './fixture'

let s: TestServer
let token = ''
const ids: Record<string, number> = {}
const sp = (iso: string) => Date.parse(`${iso}-03:00`)
const WEEK = 'from=2027-02-05&to=2027-02-12'

beforeAll(async () => {
  s = await startTestServer({ KUMQUAT_TIME_ZONE: 'America/Sao_Paulo' })
  const ctx = s.ctx
  ids.S = makeSector(ctx, 'Comercial')
  ids.P = makeSector(ctx, 'Plantão') // no calendar: elapsed time
  ids.C = makeChannel(ctx, 'WhatsApp Comercial', ids.S)
  ids.D = makeChannel(ctx, 'WhatsApp Plantão', ids.P)
  const admin = await seedUser(ctx, { email: 'admin@example.com', name: 'Admin', profile: 'admin' })
  token = admin.token
  const agent = await seedUser(ctx, { email: 'ana@example.com', name: 'Ana', profile: 'agent', sector_ids: [ids.S, ids.P] })
  const cal = saveCalendar(ctx, admin.user.id, { name: 'Seg–Sex 8–18', weekly: ['', '08:00-18:00', '08:00-18:00', '08:00-18:00', '08:00-18:00', '08:00-18:00', ''], national_holidays: true }, null, null)
  saveSectorHours(ctx, admin.user.id, ids.S, { business_hours_id: cal.id }, null)

  const t = (name: string, f: Parameters<typeof insertTicket>[1]) => (ids[name] = insertTicket(ctx, { assignee_id: agent.user.id, ...f }))
  // T1: queued Friday 17:50 before Carnaval, taken Wednesday 08:10 — business wait 10 + 10 min =
  // 1200 s (elapsed 110 h 20 min = 397200 s); first response 300 s; handle 08:10–09:15 = 3900 s.
  t('T1', { channel_id: ids.C, status: 'closed', sector_id: ids.S, created_at: sp('2027-02-05T17:50'), queued_at: sp('2027-02-05T17:50'), assigned_at: sp('2027-02-10T08:10'), first_response_at: sp('2027-02-10T08:15'), closed_at: sp('2027-02-10T09:15') })
  // T2: queued Wednesday 17:30, taken Thursday 08:30 (over the night): business wait 3600 s
  // (elapsed 54000 s); first response 60 s; closed 18:30, after closing: handle 08:30–18:00 = 34200 s
  // (elapsed 36000 s).
  t('T2', { channel_id: ids.C, status: 'closed', sector_id: ids.S, created_at: sp('2027-02-10T17:30'), queued_at: sp('2027-02-10T17:30'), assigned_at: sp('2027-02-11T08:30'), first_response_at: sp('2027-02-11T08:31'), closed_at: sp('2027-02-11T18:30') })
  // T3: a sector without a calendar, on Saturday: 300 s either way.
  t('T3', { channel_id: ids.D, status: 'open', sector_id: ids.P, created_at: sp('2027-02-06T10:00'), queued_at: sp('2027-02-06T10:00'), assigned_at: sp('2027-02-06T10:05') })
})
afterAll(() => s.stop())

const api = async (q: string) => {
  const res = await fetch(`${s.url}/api/v1/reports/summary?${q}`, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

describe('GET /api/v1/reports/summary', () => {
  test('?time=business adds the business-time blocks; the contract’s fields stay elapsed time', async () => {
    const body = await api(`${WEEK}&time=business`)
    expect(body).toMatchObject({
      // waits 1200, 3600, 300: avg 1700, p90 3600 (elapsed 397200, 54000, 300)
      wait_s: { avg: 150500, p90: 397200 },
      wait_business_s: { avg: 1700, p90: 3600 },
      // handles 3900 and 34200 (elapsed 3900 and 36000)
      handle_s: { avg: 19950, p90: 36000 },
      handle_business_s: { avg: 19050, p90: 34200 },
      first_response_s: { avg: 180, p90: 300 },
      first_response_business_s: { avg: 180, p90: 300 },
    })
    // Without it: exactly the contract's fields.
    const plain = await api(WEEK)
    expect(Object.keys(plain).sort()).toEqual(['ces', 'csat', 'first_response_s', 'handle_s', 'nps', 'tickets', 'wait_s'])
    expect(plain.wait_s).toEqual({ avg: 150500, p90: 397200 })
    // A sector without a calendar: business time is elapsed time.
    expect(await api(`${WEEK}&time=business&sector_id=${ids.P}`)).toMatchObject({ wait_s: { avg: 300 }, wait_business_s: { avg: 300 } })
  })
})

describe('the dashboard', () => {
  const table = (html: string, id: string) => html.slice(html.indexOf(`id="${id}"`), html.indexOf('</table>', html.indexOf(`id="${id}"`)))

  test('business hours by default; the toggle shows elapsed time; drill-down and CSV follow it', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const html = await (await b.fetch(`/reports?${WEEK}`)).text()
    // The toggle: business hours current, a link to elapsed time keeping the filters.
    const toggle = html.slice(html.indexOf('id="time-basis"'), html.indexOf('</nav>', html.indexOf('id="time-basis"')))
    expect(toggle).toMatch(/aria-current="page"[^>]*>horário comercial</)
    const elapsedHref = /href="([^"]*time=elapsed[^"]*)"/.exec(toggle)![1].replace(/&amp;/g, '&')
    expect(elapsedHref).toContain('from=2027-02-05')
    // 1700 s = 28 min 20 s, p90 3600 s = 1 h 00 min; handle 19050 s = 5 h 17 min; p90 34200 s = 9 h 30 min.
    const times = table(html, 'table-times')
    for (const text of ['28 min 20 s', '1 h 00 min', '5 h 17 min', '9 h 30 min']) expect(times).toContain(text)
    // The agent's handle average is in business time too.
    expect(table(html, 'table-agents')).toContain('5 h 17 min')

    const elapsed = await (await b.fetch(elapsedHref)).text()
    // 150500 s = 41 h 48 min; p90 397200 s = 4 d 14 h; handle 19950 s = 5 h 32 min.
    const times2 = table(elapsed, 'table-times')
    for (const text of ['41 h 48 min', '4 d 14 h', '5 h 32 min']) expect(times2).toContain(text)
    expect(elapsed).toMatch(/aria-current="page"[^>]*>tempo corrido</)

    // Drill-down of the waits: T1 waited 20 business minutes (4 d 14 h on the wall).
    const drill = await (await b.fetch(`/reports/tickets?${WEEK}&metric=wait&time=business`)).text()
    expect(drill.slice(drill.indexOf(`id="drill-${ids.T1}"`))).toMatch(/^[^]*?20 min 00 s/)
    const drillElapsed = await (await b.fetch(`/reports/tickets?${WEEK}&metric=wait&time=elapsed`)).text()
    expect(drillElapsed.slice(drillElapsed.indexOf(`id="drill-${ids.T1}"`))).toMatch(/^[^]*?4 d 14 h/)

    // CSV: the tickets behind the waits and the times table, in the basis asked for.
    const csv = await (await b.fetch(`/reports/export/tickets.csv?${WEEK}&metric=wait`)).text()
    expect(csv).toContain('(s, horário comercial)')
    expect(csv).toContain(',1200\r\n')
    expect(csv).toContain(',3600\r\n')
    const timesCsv = await (await b.fetch(`/reports/export/times.csv?${WEEK}&time=elapsed`)).text()
    expect(timesCsv).toContain('Tempo de espera (TME),150500,397200,3\r\n')
    const timesBusiness = await (await b.fetch(`/reports/export/times.csv?${WEEK}`)).text()
    expect(timesBusiness).toContain('Tempo de espera (TME),1700,3600,3\r\n')
  })
})

describe('alerts count business minutes', () => {
  test('a ticket queued on Friday evening raises "waiting > 15 min" on Wednesday after Carnaval, not over the weekend', () => {
    const ctx = s.ctx
    const queued = insertTicket(ctx, { channel_id: ids.C, status: 'queued', sector_id: ids.S, created_at: sp('2027-02-05T17:50'), queued_at: sp('2027-02-05T17:50') })
    const night = insertTicket(ctx, { channel_id: ids.D, status: 'queued', sector_id: ids.P, created_at: sp('2027-02-05T17:50'), queued_at: sp('2027-02-05T17:50') })
    const rule = write(ctx.db, () => ctx.stores.alerts.createRule({ kind: 'queue_wait', sector_id: null, threshold_min: 15, cooldown_min: 10, webhook_url: null, active: false }, null, null))
    const r = ctx.stores.alerts.rules().find((x) => x.id === rule)!
    const at = (iso: string) => candidatesOf(ctx, r, sp(iso)).map((c) => c.ticket_id)
    // Saturday noon: 10 business minutes for the sector with a calendar; hours for the other.
    expect(at('2027-02-06T12:00')).toEqual([night])
    expect(at('2027-02-09T12:00')).toEqual([night]) // Carnaval Tuesday: still 10 minutes
    expect(at('2027-02-10T08:04')).toEqual([night]) // 14 minutes
    expect(at('2027-02-10T08:06').sort()).toEqual([queued, night].sort()) // 16 minutes
    // A sector set to keep working out of hours counts elapsed time.
    write(ctx.db, () => ctx.stores.hours.setSector({ ...ctx.stores.hours.sector(ids.S), keep_working: true }))
    expect(at('2027-02-06T12:00').sort()).toEqual([queued, night].sort())
  })
})
