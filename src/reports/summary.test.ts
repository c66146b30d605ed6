// GET /api/v1/reports/summary against a hand-computed fixture (api.md "Reports"), in the
// installation's time zone (America/Sao_Paulo, UTC−3): tickets that cross local midnight, a ticket
// created the evening before in local time but after midnight UTC, the bot's closes, a transfer
// after the first reply, survey answers, filters, scope and permissions. The dashboard page shows
// the same numbers (one computation).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { write } from '../db/open'
import { insertSurveyAnswer, insertTicket, makeChannel, makeClassification, makeSector } from './fixture'

let s: TestServer
const MIN = 60_000
// 2026-03-01 00:00 in São Paulo (UTC−3) — a Sunday.
const B = Date.parse('2026-03-01T03:00:00Z')
const ids: Record<string, number> = {}
const tokens: Record<string, string> = {}

const get = async (path: string, token: string | null) => {
  const res = await fetch(s.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } }
}
const DAY = 'from=2026-03-01&to=2026-03-01'

beforeAll(async () => {
  s = await startTestServer({ KUMQUAT_TIME_ZONE: 'America/Sao_Paulo' })
  const ctx = s.ctx
  ids.S1 = makeSector(ctx, 'Vendas')
  ids.S2 = makeSector(ctx, 'Suporte')
  ids.C1 = makeChannel(ctx, 'WhatsApp Vendas', ids.S1)
  ids.C2 = makeChannel(ctx, 'WhatsApp Suporte', ids.S2)
  ids.K1 = makeClassification(ctx, 'Dúvida')
  ids.K2 = makeClassification(ctx, 'Reclamação')
  for (const [name, profile, sectors] of [
    ['a1', 'agent', [ids.S1]],
    ['a2', 'agent', [ids.S1, ids.S2]],
    ['sup1', 'supervisor', [ids.S1]],
    ['admin', 'admin', []],
  ] as const) {
    const { user, token } = await seedUser(ctx, { email: `${name}@example.com`, name, profile, sector_ids: [...sectors] })
    ids[name] = user.id
    tokens[name] = token
  }

  const at = (m: number) => B + m * MIN
  const t = (name: string, f: Parameters<typeof insertTicket>[1]) => (ids[name] = insertTicket(ctx, f))
  // T1: an ordinary day's ticket: wait 120 s, first response 60 s, handle 1680 s.
  t('T1', { channel_id: ids.C1, status: 'closed', sector_id: ids.S1, assignee_id: ids.a1, classification_id: ids.K1, created_at: at(60), queued_at: at(60), assigned_at: at(62), first_response_at: at(63), closed_at: at(90), closed_by: ids.a1 })
  // T2: wait 600, first response 300, handle 3000.
  t('T2', { channel_id: ids.C1, status: 'closed', sector_id: ids.S1, assignee_id: ids.a2, classification_id: ids.K1, created_at: at(120), queued_at: at(120), assigned_at: at(130), first_response_at: at(135), closed_at: at(180) })
  // T3: created 23:30 the day before (local) — crosses midnight: closed counts, its wait does not
  // (queued before the period); first response 60 and handle 1800 do.
  t('T3', { channel_id: ids.C1, status: 'closed', sector_id: ids.S1, assignee_id: ids.a1, classification_id: ids.K2, created_at: at(-30), queued_at: at(-30), assigned_at: at(10), first_response_at: at(11), closed_at: at(40) })
  // T4: 22:00 local = 01:00 UTC the next day: created in the period (local day); closed after
  // midnight (not closed in the period, no handle time); wait 300, first response 60.
  t('T4', { channel_id: ids.C2, status: 'closed', sector_id: ids.S2, assignee_id: ids.a2, created_at: at(1320), queued_at: at(1320), assigned_at: at(1325), first_response_at: at(1326), closed_at: at(1470) })
  // T5: waited, nobody answered, a supervisor closed it: abandoned.
  t('T5', { channel_id: ids.C2, status: 'closed', sector_id: ids.S2, created_at: at(200), queued_at: at(200), closed_at: at(260), closed_by: ids.admin })
  // T6: resolved by the bot (no sector yet: counts in its channel's sector S1).
  t('T6', { channel_id: ids.C1, status: 'closed', sector_id: null, created_at: at(300), closed_at: at(305), pre_service: 'resolved', closed_by: null })
  // T7: closed by the bot for inactivity: abandoned, not contained (sector: C2's, S2).
  t('T7', { channel_id: ids.C2, status: 'closed', sector_id: null, created_at: at(400), closed_at: at(420), pre_service: 'abandoned', closed_by: null })
  // T8: still waiting.
  t('T8', { channel_id: ids.C2, status: 'queued', sector_id: ids.S2, created_at: at(500), queued_at: at(500) })
  // T9: open, wait 60, no reply yet.
  t('T9', { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.a1, created_at: at(600), queued_at: at(600), assigned_at: at(601) })
  // T10: the next local day: not in the period.
  t('T10', { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: at(1450), queued_at: at(1450) })
  // T11: answered at 702, transferred to another agent at 760 (assigned_at moves, the first queue
  // time stays): wait 3600, no first-response time (its reply precedes the assignment), handle 2400.
  t('T11', { channel_id: ids.C1, status: 'closed', sector_id: ids.S1, assignee_id: ids.a2, classification_id: ids.K1, created_at: at(700), queued_at: at(700), assigned_at: at(760), first_response_at: at(702), closed_at: at(800) })
  // T12: created the day before, still open: nothing in the period.
  t('T12', { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.a1, created_at: at(-600), queued_at: at(-600), assigned_at: at(-590), first_response_at: at(-589) })

  // Survey answers in the period: CSAT 5, 4, 2 (avg 3.67 → 3.7); NPS 10, 9, 9, 7, 0 (3 promoters,
  // 1 detractor of 5: +40); CES 6. One NPS answer the day after (not counted) and one unanswered.
  for (const [tk, score] of [['T1', 5], ['T2', 4], ['T3', 2]] as const) insertSurveyAnswer(ctx, ids[tk], 'csat', score, at(900))
  for (const [tk, score] of [['T5', 10], ['T4', 9], ['T11', 9], ['T6', 7], ['T7', 0]] as const) insertSurveyAnswer(ctx, ids[tk], 'nps', score, at(910))
  insertSurveyAnswer(ctx, ids.T9, 'ces', 6, at(920))
  insertSurveyAnswer(ctx, ids.T2, 'nps', 0, at(1500))
  insertSurveyAnswer(ctx, ids.T8, 'nps', null, null)
})
afterAll(() => s.stop())

describe('GET /api/v1/reports/summary', () => {
  test('one local day, every sector: the hand-computed numbers', async () => {
    const { status, body } = await get(`/api/v1/reports/summary?${DAY}`, tokens.admin)
    expect(status).toBe(200)
    expect(body).toEqual({
      // created: T1 T2 T4 T5 T6 T7 T8 T9 T11; closed: T1 T2 T3 T5 T6 T7 T11; abandoned: T5 T7
      tickets: { created: 9, closed: 7, abandoned: 2 },
      // waits 60 (T9), 120 (T1), 300 (T4), 600 (T2), 3600 (T11): avg 936, p90 = 5th of 5
      wait_s: { avg: 936, p90: 3600 },
      // handles 1680 (T1), 1800 (T3), 2400 (T11), 3000 (T2): avg 2220, p90 = 4th of 4
      handle_s: { avg: 2220, p90: 3000 },
      // first responses 60 (T1), 60 (T3), 60 (T4), 300 (T2): avg 120, p90 = 4th of 4
      first_response_s: { avg: 120, p90: 300 },
      csat: { responses: 3, avg: 3.7 },
      nps: { responses: 5, score: 40 },
      ces: { responses: 1, avg: 6 },
    })
  })

  test('the same period written as UTC instants gives the same numbers', async () => {
    const a = await get(`/api/v1/reports/summary?${DAY}`, tokens.admin)
    const b = await get('/api/v1/reports/summary?from=2026-03-01T03:00:00Z&to=2026-03-02T03:00:00.000Z', tokens.admin)
    expect(b.body).toEqual(a.body)
    // One hour less at the end (up to 23:00 local): T4 (22:00 created, assigned 22:05) still in, closes unchanged.
    const c = await get('/api/v1/reports/summary?from=2026-03-01T00:00:00-03:00&to=2026-03-01T22:00:00-03:00', tokens.admin)
    expect((c.body.tickets as Record<string, number>).created).toBe(8) // T4 (22:00) falls out: [from, to)
    expect(c.body.wait_s).toEqual({ avg: 1095, p90: 3600 }) // 60 120 600 3600
  })

  test('filters: sector (a ticket in the bot counts in its channel’s sector) and channel', async () => {
    const s2 = await get(`/api/v1/reports/summary?${DAY}&sector_id=${ids.S2}`, tokens.admin)
    expect(s2.status).toBe(200)
    // S2: created T4 T5 T7 T8; closed T5 T7 (both abandoned); wait T4 300; first response T4 60.
    expect(s2.body).toMatchObject({
      tickets: { created: 4, closed: 2, abandoned: 2 },
      wait_s: { avg: 300, p90: 300 },
      handle_s: { avg: null, p90: null },
      first_response_s: { avg: 60, p90: 60 },
      nps: { responses: 3, score: 33.3 }, // T5 10, T4 9, T7 0: (2 − 1) / 3
    })
    const c1 = await get(`/api/v1/reports/summary?${DAY}&channel_id=${ids.C1}`, tokens.admin)
    // C1: created T1 T2 T6 T9 T11; closed T1 T2 T3 T6 T11; none abandoned.
    expect(c1.body.tickets).toEqual({ created: 5, closed: 5, abandoned: 0 })
    expect(c1.body.handle_s).toEqual({ avg: 2220, p90: 3000 })
    const agent = await get(`/api/v1/reports/summary?${DAY}&agent_id=${ids.a1}`, tokens.admin)
    // a1 holds T1 T3 T9: created T1 T9; closed T1 T3; waits 120 (T1), 60 (T9); handles 1680, 1800.
    expect(agent.body).toMatchObject({ tickets: { created: 2, closed: 2, abandoned: 0 }, wait_s: { avg: 90, p90: 120 }, handle_s: { avg: 1740, p90: 1800 } })
  })

  test('an empty period answers zeros and nulls', async () => {
    const { status, body } = await get('/api/v1/reports/summary?from=2025-01-01&to=2025-01-31', tokens.admin)
    expect(status).toBe(200)
    expect(body).toEqual({
      tickets: { created: 0, closed: 0, abandoned: 0 },
      wait_s: { avg: null, p90: null },
      handle_s: { avg: null, p90: null },
      first_response_s: { avg: null, p90: null },
      csat: { responses: 0, avg: null },
      nps: { responses: 0, score: null },
      ces: { responses: 0, avg: null },
    })
  })

  test('a supervisor sees their sectors only; another sector is 403; agents 403; no token 401', async () => {
    const mine = await get(`/api/v1/reports/summary?${DAY}`, tokens.sup1)
    expect(mine.status).toBe(200)
    // S1 only: created T1 T2 T6 T9 T11; closed T1 T2 T3 T6 T11.
    expect(mine.body.tickets).toEqual({ created: 5, closed: 5, abandoned: 0 })
    expect((await get(`/api/v1/reports/summary?${DAY}&sector_id=${ids.S1}`, tokens.sup1)).body).toEqual(mine.body)
    const other = await get(`/api/v1/reports/summary?${DAY}&sector_id=${ids.S2}`, tokens.sup1)
    expect(other.status).toBe(403)
    expect(other.body.error?.code).toBe('forbidden')
    // Permission before validation: an agent gets 403 whatever the query says.
    expect((await get(`/api/v1/reports/summary?${DAY}`, tokens.a1)).status).toBe(403)
    expect((await get('/api/v1/reports/summary?from=nonsense&sector_id=abc', tokens.a1)).status).toBe(403)
    expect((await get(`/api/v1/reports/summary?${DAY}`, null)).status).toBe(401)
  })

  test('bad periods are 400 invalid_period', async () => {
    for (const q of ['from=2026-02-30&to=2026-03-01', 'from=2026-03-02&to=2026-03-01', 'from=yesterday', 'from=2024-01-01&to=2026-01-01', 'to=2026-03-01T10:00']) {
      const r = await get(`/api/v1/reports/summary?${q}`, tokens.admin)
      expect({ q, status: r.status, code: r.body.error?.code }).toEqual({ q, status: 400, code: 'invalid_period' })
    }
  })

  test('the OpenAPI document describes it', async () => {
    const doc = (await (await fetch(s.url + '/api/v1/openapi.json')).json()) as { paths: Record<string, { get?: { responses?: Record<string, unknown> } }> }
    expect(doc.paths['/api/v1/reports/summary']?.get?.responses?.['200']).toBeDefined()
  })
})

describe('the dashboard page shows the same numbers', () => {
  test('headline numbers, times, hours and weekdays, channels, classifications, agents, surveys; each links to its tickets', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const res = await b.fetch('/reports?from=2026-03-01&to=2026-03-01')
    expect(res.status).toBe(200)
    const html = await res.text()
    const kpi = (id: string) => /<a href="([^"]+)" class="count">([^<]+)<\/a>/.exec(html.slice(html.indexOf(`id="${id}"`)))!
    expect(kpi('kpi-created')[2]).toBe('9')
    expect(kpi('kpi-closed')[2]).toBe('7')
    expect(kpi('kpi-abandoned')[2]).toBe('2')
    expect(kpi('kpi-bot')[2]).toBe('1')
    // Times in words: 936 s = 15 min 36 s; 2220 s = 37 min 00 s; p90 3600 s = 1 h 00 min.
    const times = html.slice(html.indexOf('id="table-times"'), html.indexOf('</table>', html.indexOf('id="table-times"')))
    expect(times).toContain('15 min 36 s')
    expect(times).toContain('1 h 00 min')
    expect(times).toContain('37 min 00 s')
    // By hour (local): 01 02 03 05 06 08 10 11 22 have one each; by weekday: all 9 on Sunday.
    const hours = html.slice(html.indexOf('id="table-hours"'), html.indexOf('</table>', html.indexOf('id="table-hours"')))
    for (const h of ['01', '02', '03', '05', '06', '08', '10', '11', '22']) expect(hours).toMatch(new RegExp(`${h}h</th>\\s*<td>\\s*<a href="[^"]*hour=${Number(h)}[^"]*" class="count">1</a>`))
    expect(hours).toMatch(/00h<\/th>\s*<td>\s*<a href="[^"]*" class="count">0<\/a>/)
    const dow = html.slice(html.indexOf('id="table-dow"'), html.indexOf('</table>', html.indexOf('id="table-dow"')))
    expect(dow).toMatch(/Dom<\/th>\s*<td>\s*<a href="[^"]*dow=0[^"]*" class="count">9<\/a>/)
    // SVG charts with their titles, no style attributes, bars linking to the same tickets.
    expect(html).toContain('<svg class="chart" id="chart-hours"')
    expect(html).not.toContain('style=')
    expect(html).toContain('Dúvida')
    expect(html).toContain('id="table-surveys"')

    // The created-count link lists exactly those tickets.
    const drill = await (await b.fetch(kpi('kpi-created')[1].replace(/&amp;/g, '&'))).text()
    expect(drill.match(/id="drill-\d+"/g)!.length).toBe(9)
    for (const k of ['T1', 'T2', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T11']) expect(drill).toContain(`id="drill-${ids[k]}"`)
    const abandoned = await (await b.fetch(kpi('kpi-abandoned')[1].replace(/&amp;/g, '&'))).text()
    expect([...abandoned.match(/id="drill-\d+"/g)!].sort()).toEqual([`id="drill-${ids.T5}"`, `id="drill-${ids.T7}"`].sort())
    const bot = await (await b.fetch(kpi('kpi-bot')[1].replace(/&amp;/g, '&'))).text()
    expect([...bot.match(/id="drill-\d+"/g)!]).toEqual([`id="drill-${ids.T6}"`])
    // Hour 22 (local) is T4 — found in SQL through the period's offset.
    const h22 = await (await b.fetch('/reports/tickets?metric=created&from=2026-03-01&to=2026-03-01&hour=22')).text()
    expect([...h22.match(/id="drill-\d+"/g)!]).toEqual([`id="drill-${ids.T4}"`])
    const wait = await (await b.fetch('/reports/tickets?metric=wait&from=2026-03-01&to=2026-03-01')).text()
    expect(wait.match(/id="drill-\d+"/g)!.length).toBe(5)
    expect(wait).toContain('1 h 00 min') // T11's wait
    const k1 = await (await b.fetch(`/reports/tickets?metric=closed&from=2026-03-01&to=2026-03-01&classification=${ids.K1}`)).text()
    expect(k1.match(/id="drill-\d+"/g)!.length).toBe(3) // T1 T2 T11
  })

  test('every table exports CSV (formula-safe, with a BOM)', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    for (const table of ['summary', 'times', 'hours', 'weekdays', 'channels', 'classifications', 'agents', 'surveys']) {
      const res = await b.fetch(`/reports/export/${table}.csv?from=2026-03-01&to=2026-03-01`)
      expect({ table, status: res.status, type: res.headers.get('content-type') }).toEqual({ table, status: 200, type: 'text/csv; charset=utf-8' })
      expect(res.headers.get('content-disposition')).toStartWith('attachment; filename=')
      const bytes = new Uint8Array(await res.arrayBuffer())
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]) // UTF-8 BOM: Excel reads the accents right
    }
    const summary = await (await b.fetch('/reports/export/summary.csv?from=2026-03-01&to=2026-03-01')).text()
    expect(summary).toContain('Abertos,9\r\n')
    expect(summary).toContain('Finalizados,7\r\n')
    const hours = await (await b.fetch('/reports/export/hours.csv?from=2026-03-01&to=2026-03-01')).text()
    expect(hours).toContain('\r\n22,1\r\n')
    const tickets = await (await b.fetch('/reports/export/tickets.csv?from=2026-03-01&to=2026-03-01&metric=handle')).text()
    expect(tickets.trim().split('\r\n').length).toBe(5) // header + 4
    expect(tickets).toContain(',1680\r\n')
    expect((await b.fetch('/reports/export/nope.csv')).status).toBe(404)
  })

  test('permissions: an agent gets 403 on the page, the drill-down and the CSV; a supervisor cannot ask for another sector', async () => {
    const agent = new Browser(s.url)
    await agent.login('a1@example.com')
    for (const path of ['/reports', '/reports/tickets?metric=created', '/reports/export/summary.csv']) expect((await agent.fetch(path)).status).toBe(403)
    const sup = new Browser(s.url)
    await sup.login('sup1@example.com')
    expect((await sup.fetch('/reports?from=2026-03-01&to=2026-03-01')).status).toBe(200)
    expect((await sup.fetch(`/reports?from=2026-03-01&to=2026-03-01&sector_id=${ids.S2}`)).status).toBe(403)
    const html = await (await sup.fetch('/reports?from=2026-03-01&to=2026-03-01')).text()
    expect(html).toContain('>5</a>') // created in S1
    expect(html).not.toContain('>Suporte</option>')
  })
})
