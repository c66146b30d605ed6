// The surveys' settings page and API, the results page (filters, NPS on a known set, comments,
// CSV) and the reports reading real answers — with permission checks (surveys.view / surveys.edit).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { write } from '../db/open'
import { insertTicket, makeChannel, makeSector } from '../reports/fixture'
import { isoDay } from '../reports/period'
import type { SurveyKind } from './store'

let s: TestServer
let admin: { email: string; token: string; id: number }
let supervisor: { email: string; token: string }
let agent: { email: string; token: string }
let sectorA: number
let sectorB: number
let channelA: number
let tickets: Record<string, number> = {}

const DAY = 86_400_000
const now = Date.now()

/** An answered survey on a closed ticket of the sector, `daysAgo` days ago. */
function answered(sectorId: number, channelId: number, kind: SurveyKind, score: number, o: { comment?: string; daysAgo?: number; agentId?: number | null } = {}) {
  const at = now - (o.daysAgo ?? 0) * DAY - 60_000
  const ticketId = insertTicket(s.ctx, { channel_id: channelId, status: 'closed', sector_id: sectorId, assignee_id: o.agentId ?? null, created_at: at - 3_600_000, assigned_at: at - 3_000_000, closed_at: at - 600_000 })
  write(s.ctx.db, () => {
    const t = s.ctx.stores.tickets.get(ticketId)!
    const id = s.ctx.stores.surveys.create({ ticket_id: ticketId, contact_id: t.contact_id, channel_id: channelId, sector_id: sectorId, agent_id: o.agentId ?? null, kind, question: 'Q', comment_question: null, thanks: 'Obrigado', sent_at: at - 600_000, expires_at: at + DAY })
    s.ctx.stores.surveys.setScore(id, score, false, at)
    if (o.comment) s.ctx.stores.surveys.setComment(id, o.comment, at)
  })
  return ticketId
}

const api = (token: string, path: string, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } })

async function signedIn(email: string) {
  const b = new Browser(s.url)
  await b.login(email)
  return b
}

beforeAll(async () => {
  s = await startTestServer()
  sectorA = makeSector(s.ctx, 'Suporte')
  sectorB = makeSector(s.ctx, 'Vendas')
  channelA = makeChannel(s.ctx, 'WhatsApp Loja', sectorA)
  const a = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })
  admin = { email: 'admin@example.com', token: a.token, id: a.user.id }
  supervisor = { email: 'super@example.com', token: (await seedUser(s.ctx, { email: 'super@example.com', profile: 'supervisor', sector_ids: [sectorA, sectorB] })).token }
  agent = { email: 'agente@example.com', token: (await seedUser(s.ctx, { email: 'agente@example.com', profile: 'agent', sector_ids: [sectorA] })).token }
  const ana = (await seedUser(s.ctx, { email: 'ana@example.com', profile: 'agent', name: 'Ana Atendente', sector_ids: [sectorA] })).user.id
  // NPS, known set in sector A: promoters 10,10,9,9,10 · passives 8,7 · detractors 6,0,3 → (5 − 3) / 10 = 20
  for (const [i, score] of [10, 10, 9, 8, 7, 6, 0, 3, 9, 10].entries()) answered(sectorA, channelA, 'nps', score, { daysAgo: i % 3, agentId: i < 5 ? ana : null })
  // CSAT in sector A: 5, 4, 2 → average 3.7, satisfied 66.7 %; one hostile comment
  tickets.hostile = answered(sectorA, channelA, 'csat', 5, { comment: '<script>alert(1)</script> ótimo, =1+1' })
  answered(sectorA, channelA, 'csat', 4)
  answered(sectorA, channelA, 'csat', 2, { comment: 'Demorou' })
  // Sector B: NPS all detractors (filtered out when looking at sector A)
  answered(sectorB, channelA, 'nps', 1)
  answered(sectorB, channelA, 'nps', 2)
  // An answer from before the period (40 days ago) does not count in "the last 30 days"
  answered(sectorA, channelA, 'ces', 7, { daysAgo: 40 })
}, 30_000)
afterAll(() => s.stop())

describe('results', () => {
  test('NPS on a known set: the API, the reports summary and the page agree (20)', async () => {
    const res = await api(supervisor.token, `/api/v1/surveys/results?sector_id=${sectorA}`)
    expect(res.status).toBe(200)
    const r = (await res.json()) as Record<SurveyKind, { responses: number; score: number | null; promoters: number; passives: number; detractors: number; satisfied_pct: number | null; distribution: { score: number; count: number }[]; series: unknown[] }>
    expect(r.nps).toMatchObject({ responses: 10, score: 20, promoters: 5, passives: 2, detractors: 3 })
    expect(r.nps.distribution.find((d) => d.score === 10)!.count).toBe(3)
    expect(r.nps.series.length).toBe(3)
    expect(r.csat).toMatchObject({ responses: 3, score: 3.7, satisfied_pct: 66.7 })
    expect(r.ces.responses).toBe(0)
    // All sectors: 12 NPS answers, 5 promoters, 5 detractors → 0
    const all = (await (await api(admin.token, '/api/v1/surveys/results')).json()) as typeof r
    expect(all.nps).toMatchObject({ responses: 12, score: 0 })
    const summary = (await (await api(admin.token, `/api/v1/reports/summary?sector_id=${sectorA}`)).json()) as { nps: { responses: number; score: number }; csat: { responses: number; avg: number } }
    expect(summary.nps).toEqual({ responses: 10, score: 20 })
    expect(summary.csat).toEqual({ responses: 3, avg: 3.7 })

    const b = await signedIn(supervisor.email)
    const page = await (await b.fetch(`/surveys?kind=nps&sector_id=${sectorA}`)).text()
    expect(page).toContain('data-kpi="nps">20<')
    expect(page).toContain('<svg class="chart" id="survey-time"')
    expect(page).toContain('<svg class="chart" id="survey-distribution"')
  })

  test('filters: sector, agent and period change the numbers; comments link to tickets and are escaped', async () => {
    const b = await signedIn(supervisor.email)
    const sectorB_ = await (await b.fetch(`/surveys?kind=nps&sector_id=${sectorB}`)).text()
    expect(sectorB_).toContain('data-kpi="nps">-100<')
    const ana = s.ctx.stores.users.byEmail('ana@example.com')!.id
    const byAgent = (await (await api(supervisor.token, `/api/v1/surveys/results?agent_id=${ana}`)).json()) as { nps: { responses: number } }
    expect(byAgent.nps.responses).toBe(5)
    const old = await (await b.fetch(`/surveys?kind=ces`)).text()
    expect(old).toContain('data-kpi="ces">—<') // the CES answer is 40 days old
    // The day as the installation's time zone sees it (a UTC date is yesterday there after 21:00 in São Paulo)
    const day = isoDay(now - 40 * DAY - 60_000, s.ctx.config.timeZone)
    const then = (await (await api(supervisor.token, `/api/v1/surveys/results?from=${day}&to=${day}`)).json()) as { ces: { responses: number; score: number } }
    expect(then.ces).toMatchObject({ responses: 1, score: 7 })

    const csat = await (await b.fetch(`/surveys?kind=csat&sector_id=${sectorA}`)).text()
    expect(csat).not.toContain('<script>alert(1)</script>')
    expect(csat).toContain('&lt;script&gt;alert(1)&lt;/script&gt; ótimo')
    expect(csat).toContain(`href="/tickets/${tickets.hostile}"`)
    expect(csat).toContain('Demorou')
  })

  test('CSV: every answer of the filter, hostile text kept as data', async () => {
    const b = await signedIn(supervisor.email)
    const res = await b.fetch(`/surveys/export.csv?sector_id=${sectorA}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/csv')
    expect(res.headers.get('content-disposition')).toStartWith('attachment; filename="pesquisas-')
    const lines = (await res.text()).replace(/^\ufeff/, '').trim().split('\r\n')
    expect(lines[0]).toBe('Atendimento,Tipo,Nota,Comentário,Setor,Atendente,Canal,answered_at')
    expect(lines).toHaveLength(1 + 13)
    expect(lines.some((l) => l.includes(",CSAT,5,<script>alert(1)</script> ótimo, =1+1,") || l.includes(',CSAT,5,"<script>alert(1)</script> ótimo, =1+1",'))).toBe(true)
  })

  test('permissions: an agent gets 403 on the page, the CSV and the API', async () => {
    const b = await signedIn(agent.email)
    expect((await b.fetch('/surveys')).status).toBe(403)
    expect((await b.fetch('/surveys/export.csv')).status).toBe(403)
    expect((await b.fetch('/admin/surveys')).status).toBe(403)
    expect((await api(agent.token, '/api/v1/surveys/results')).status).toBe(403)
    expect((await api(agent.token, '/api/v1/surveys')).status).toBe(403)
    expect((await api(agent.token, '/api/v1/surveys/settings')).status).toBe(403)
  })

  test('GET /api/v1/surveys lists answers newest first with a cursor', async () => {
    const first = (await (await api(admin.token, '/api/v1/surveys?kind=nps&limit=4')).json()) as { data: { id: number; kind: string; score: number; protocol: string }[]; next_cursor: string | null }
    expect(first.data).toHaveLength(4)
    expect(first.data.every((a) => a.kind === 'nps')).toBe(true)
    expect(first.next_cursor).toBeString()
    const rest = (await (await api(admin.token, `/api/v1/surveys?kind=nps&limit=50&cursor=${first.next_cursor}`)).json()) as typeof first
    expect(rest.data).toHaveLength(8)
    expect(rest.data[0].id).toBeLessThan(first.data[3].id)
  })
})

describe('settings', () => {
  test('the page shows the rule; a supervisor (surveys.view) sees it read-only and cannot post', async () => {
    const b = await signedIn(supervisor.email)
    const res = await b.fetch('/admin/surveys')
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain('Regra: se o canal define um tipo de pesquisa')
    expect(page).toContain('Você pode ver estas configurações, mas não alterá-las.')
    expect(page).toContain('<fieldset disabled>')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]
    expect((await b.post(`/admin/surveys/sectors/${sectorA}`, { _csrf: csrf, kind: 'nps', window_hours: '24' })).status).toBe(403)
    expect((await api(supervisor.token, `/api/v1/surveys/settings/sectors/${sectorA}`, { method: 'PATCH', body: JSON.stringify({ kind: 'nps' }) })).status).toBe(403)
    expect(s.ctx.stores.sectors.get(sectorA)!.survey).toBe('none')
  })

  test('an admin saves a sector and a channel by form; a bad value keeps what was typed and says why', async () => {
    const b = await signedIn(admin.email)
    const csrf = await b.csrf('/admin/surveys')
    const ok = await b.post(`/admin/surveys/sectors/${sectorA}`, { _csrf: csrf, kind: 'csat', question: 'De 1 a 5, como foi?', comment_question: 'Algo a comentar?', window_hours: '12', thanks: '' })
    expect(ok.status).toBe(303)
    expect(s.ctx.stores.sectors.get(sectorA)!.survey).toBe('csat')
    expect(s.ctx.stores.surveys.sectorSettings(sectorA)).toMatchObject({ question: 'De 1 a 5, como foi?', comment_question: 'Algo a comentar?', window_hours: 12, thanks: null })
    const bad = await b.post(`/admin/surveys/channels/${channelA}`, { _csrf: csrf, kind: 'nps', question: 'Pergunta <b>nova</b>', window_hours: '500' })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('O prazo deve ser um número inteiro de 1 a 168 horas.')
    expect(html).toContain('>Pergunta &lt;b&gt;nova&lt;/b&gt;</textarea>')
    expect(s.ctx.stores.surveys.channelSettings(channelA)).toBeNull()
    expect((await b.post(`/admin/surveys/channels/${channelA}`, { _csrf: csrf, kind: 'nps', window_hours: '48' })).status).toBe(303)
    expect(s.ctx.stores.surveys.channelSettings(channelA)).toMatchObject({ kind: 'nps', window_hours: 48 })
    // No CSRF token: refused
    expect((await b.post(`/admin/surveys/channels/${channelA}`, { kind: 'ces', window_hours: '48' })).status).toBe(403)
  })

  test('API: GET lists channels (with the effective kind) and sectors; PATCH validates with details', async () => {
    const patched = await api(admin.token, `/api/v1/surveys/settings/channels/${channelA}`, { method: 'PATCH', body: JSON.stringify({ kind: 'inherit', comment_question: 'Quer comentar?' }) })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ channel_id: channelA, kind: 'inherit', effective_kind: 'csat', comment_question: 'Quer comentar?', window_hours: 48 })
    const list = (await (await api(supervisor.token, '/api/v1/surveys/settings')).json()) as { sectors: { sector_id: number; kind: string }[]; channels: { channel_id: number }[] }
    expect(list.sectors.find((x) => x.sector_id === sectorA)!.kind).toBe('csat')
    expect(list.channels.map((c) => c.channel_id)).toContain(channelA)
    const bad = await api(admin.token, `/api/v1/surveys/settings/sectors/${sectorB}`, { method: 'PATCH', body: JSON.stringify({ kind: 'stars' }) })
    expect(bad.status).toBe(400)
    const tooLong = await api(admin.token, `/api/v1/surveys/settings/sectors/${sectorB}`, { method: 'PATCH', body: JSON.stringify({ question: 'x'.repeat(1001) }) })
    expect(tooLong.status).toBe(400)
    expect((await api(admin.token, '/api/v1/surveys/settings/sectors/999999', { method: 'PATCH', body: '{}' })).status).toBe(404)
  })
})
