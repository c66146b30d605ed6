// The business-hours pages and API over HTTP: permissions, creating and editing a calendar (inline
// errors keep what was typed), holidays, each sector's calendar and out-of-hours behaviour, and
// the sectors API taking a real business_hours_id.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
let admin: Browser
let agent: Browser
let adminToken: string
let agentToken: string
let sectorId: number
const XSS = '<script>alert(1)</script>'

const page = async (b: Browser, path: string) => {
  const res = await b.fetch(path)
  return { status: res.status, html: await res.text() }
}
const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } })
const days = (d: string[]) => Object.fromEntries(d.map((x, i) => [`day_${i}`, x]))

beforeAll(async () => {
  s = await startTestServer()
  sectorId = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Suporte', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  adminToken = (await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })).token
  agentToken = (await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', sector_ids: [sectorId] })).token
  admin = new Browser(s.url)
  agent = new Browser(s.url)
  await admin.login('admin@example.com')
  await agent.login('agent@example.com')
})
afterAll(() => s.stop())

describe('business hours pages', () => {
  test('only admins see and use them', async () => {
    expect((await page(admin, '/')).html).toContain('href="/admin/hours"')
    expect((await page(agent, '/')).html).not.toContain('href="/admin/hours"')
    expect((await page(agent, '/admin/hours')).status).toBe(403)
    const csrf = await agent.csrf('/profile')
    expect((await agent.post('/admin/hours', { _csrf: csrf, name: 'X' })).status).toBe(403)
    expect((await agent.post(`/admin/hours/sectors/${sectorId}`, { _csrf: csrf, business_hours_id: '' })).status).toBe(403)
    expect((await api('/api/v1/business-hours', agentToken)).status).toBe(403)
    expect(s.ctx.stores.hours.list()).toHaveLength(0)
  })

  test('create, then edit the weekly hours: errors inline keep what was typed; national holidays listed', async () => {
    const empty = await page(admin, '/admin/hours')
    expect(empty.html).toContain('Nenhum calendário ainda.')
    let csrf = await admin.csrf('/admin/hours')
    const created = await admin.post('/admin/hours', { _csrf: csrf, name: `Comercial ${XSS}` })
    expect(created.status).toBe(303)
    const location = created.headers.get('location')!
    const id = Number(/\/admin\/hours\/(\d+)\?ok=hours\.created/.exec(location)![1])
    const r = await page(admin, location)
    expect(r.html).toContain('Calendário criado.')
    expect(r.html).toContain('value="08:00-12:00, 13:00-18:00"')
    expect(r.html).toContain('Carnaval (terça-feira)') // the national holidays of this year and the next
    expect(r.html.replace(/value="[^"]*"/g, '')).not.toContain(XSS) // inside an attribute it is inert text
    expect(r.html).toContain('&lt;script&gt;')

    csrf = await admin.csrf(location)
    const bad = await admin.post(`/admin/hours/${id}`, { _csrf: csrf, name: 'Comercial', time_zone: 'America/Sao_Paulo', ...days(['', '08:00-18:00', 'manhã', '18:00-08:00', '', '', '']), national_holidays: '1', message: 'Fechado.' })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('Não entendi: use intervalos como 08:00-12:00')
    expect(html).toContain('Cada intervalo precisa terminar depois de começar')
    expect(html).toContain('value="manhã"')
    expect(s.ctx.stores.hours.get(id)!.name).toBe(`Comercial ${XSS}`)

    const ok = await admin.post(`/admin/hours/${id}`, { _csrf: csrf, name: 'Comercial', time_zone: 'America/Manaus', ...days(['', '8h às 12h, 13h às 18h', '08:00-18:00', '08:00-18:00', '08:00-18:00', '08:00-17:00', '']), message: 'Fechado. Voltamos {abertura}.' })
    expect(ok.headers.get('location')).toBe(`/admin/hours/${id}?ok=hours.saved`)
    expect(s.ctx.stores.hours.get(id)).toMatchObject({ name: 'Comercial', time_zone: 'America/Manaus', national_holidays: false, message: 'Fechado. Voltamos {abertura}.' })
    expect(s.ctx.stores.hours.get(id)!.weekly[1]).toEqual([[480, 720], [780, 1080]])
  })

  test('holidays: add a yearly one, refuse a duplicate date, remove', async () => {
    const cal = s.ctx.stores.hours.list()[0]
    const csrf = await admin.csrf(`/admin/hours/${cal.id}`)
    const added = await admin.post(`/admin/hours/${cal.id}/holidays`, { _csrf: csrf, date: '2026-10-24', name: 'Aniversário de Manaus', recurring: '1' })
    expect(added.headers.get('location')).toBe(`/admin/hours/${cal.id}?ok=hours.holiday_added`)
    const dup = await admin.post(`/admin/hours/${cal.id}/holidays`, { _csrf: csrf, date: '2027-10-24', name: 'De novo', recurring: '1' })
    expect(dup.status).toBe(422)
    expect(await dup.text()).toContain('Já existe um feriado nesta data.')
    const [h] = s.ctx.stores.hours.holidays(cal.id)
    expect(h).toMatchObject({ date: '10-24', recurring: true })
    const shown = await page(admin, `/admin/hours/${cal.id}`)
    expect(shown.html).toContain('Aniversário de Manaus')
    await admin.post(`/admin/hours/${cal.id}/holidays/${h.id}/delete`, { _csrf: csrf })
    expect(s.ctx.stores.hours.holidays(cal.id)).toHaveLength(0)
  })

  test('a sector gets a calendar and its out-of-hours behaviour; a calendar in use cannot be deleted', async () => {
    const cal = s.ctx.stores.hours.list()[0]
    const csrf = await admin.csrf('/admin/hours')
    const res = await admin.post(`/admin/hours/sectors/${sectorId}`, { _csrf: csrf, business_hours_id: String(cal.id), out_of_hours: 'close', keep_working: '1', message: 'Volte {abertura}.' })
    expect(res.headers.get('location')).toBe('/admin/hours?ok=hours.sector_saved')
    expect(s.ctx.stores.sectors.get(sectorId)!.business_hours_id).toBe(cal.id)
    expect(s.ctx.stores.hours.sector(sectorId)).toEqual({ sector_id: sectorId, out_of_hours: 'close', keep_working: true, message: 'Volte {abertura}.' })
    const list = await page(admin, '/admin/hours?ok=hours.sector_saved')
    expect(list.html).toContain('Configuração do setor salva.')
    expect(list.html).toContain('Suporte')
    const refused = await admin.post(`/admin/hours/${cal.id}/delete`, { _csrf: csrf })
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('Este calendário está em uso por um setor.')
    const bad = await admin.post(`/admin/hours/sectors/${sectorId}`, { _csrf: csrf, business_hours_id: '999', out_of_hours: 'queue' })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('Calendário de horários não encontrado.')
  })
})

describe('the API', () => {
  test('calendars: create with the defaults, read with open_now and next_opening, change', async () => {
    const created = await api('/api/v1/business-hours', adminToken, { method: 'POST', body: JSON.stringify({ name: '24 horas', weekly: Array(7).fill('00:00-24:00'), national_holidays: false }) })
    expect(created.status).toBe(201)
    const cal = await created.json()
    expect(cal).toMatchObject({ name: '24 horas', time_zone: 'America/Sao_Paulo', open_now: true, holidays: [], sector_ids: [] })
    expect(cal.next_opening).not.toBeNull()
    const patched = await (await api(`/api/v1/business-hours/${cal.id}`, adminToken, { method: 'PATCH', body: JSON.stringify({ weekly: [[], [], [], [], [], [], []] }) })).json()
    expect(patched).toMatchObject({ open_now: false, next_opening: null })
    const bad = await api('/api/v1/business-hours', adminToken, { method: 'POST', body: JSON.stringify({ name: 'X', weekly: ['x', '', '', '', '', '', ''] }) })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.details[0].field).toBe('day_0')
    const list = await (await api('/api/v1/business-hours', adminToken)).json()
    expect(list.data.map((c: { name: string }) => c.name)).toEqual(['24 horas', 'Comercial'])
  })

  test('sectors take a real business_hours_id; an unknown one is refused', async () => {
    const cal = s.ctx.stores.hours.list().find((c) => c.name === '24 horas')!
    const res = await api(`/api/v1/sectors/${sectorId}`, adminToken, { method: 'PATCH', body: JSON.stringify({ business_hours_id: cal.id }) })
    expect(res.status).toBe(200)
    expect((await res.json()).business_hours_id).toBe(cal.id)
    const bad = await api(`/api/v1/sectors/${sectorId}`, adminToken, { method: 'PATCH', body: JSON.stringify({ business_hours_id: 999999 }) })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.details).toEqual([{ field: 'business_hours_id', message: 'Calendário de horários não encontrado.' }])
    const none = await api(`/api/v1/sectors/${sectorId}`, adminToken, { method: 'PATCH', body: JSON.stringify({ business_hours_id: null }) })
    expect((await none.json()).business_hours_id).toBeNull()
  })
})
