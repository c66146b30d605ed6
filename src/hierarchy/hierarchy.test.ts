// Hierarchy levels: levels and placements through the page, no cycles, supervision scope follows
// who reports to whom (supervisedSectorIds), and the API.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { supervisedSectorIds } from './hierarchy'

let s: TestServer
const ids: Record<string, number> = {}
let adminToken: string

beforeAll(async () => {
  s = await startTestServer()
  const sector = (name: string) => write(s.ctx.db, () => s.ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  ids.vendas = sector('Vendas')
  ids.suporte = sector('Suporte')
  ids.cobranca = sector('Cobrança')
  adminToken = (await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })).token
  ids.gerente = (await seedUser(s.ctx, { email: 'gerente@example.com', profile: 'supervisor', name: 'Gina Gerente' })).user.id
  ids.coord = (await seedUser(s.ctx, { email: 'coord@example.com', profile: 'supervisor', name: 'Caio Coordenador', sector_ids: [ids.vendas] })).user.id
  ids.ana = (await seedUser(s.ctx, { email: 'ana@example.com', profile: 'agent', name: 'Ana Atendente', sector_ids: [ids.suporte] })).user.id
  ids.bia = (await seedUser(s.ctx, { email: 'bia@example.com', profile: 'agent', name: 'Bia Atendente', sector_ids: [ids.cobranca] })).user.id
})
afterAll(() => s.stop())

describe('hierarchy levels', () => {
  test('before any hierarchy, supervisors watch every sector; agents their own', () => {
    expect(supervisedSectorIds(s.ctx, s.ctx.stores.users.get(ids.gerente)!)).toBe('all')
    expect(supervisedSectorIds(s.ctx, s.ctx.stores.users.get(ids.ana)!)).toEqual([ids.suporte])
  })

  test('levels and who reports to whom, set on the page; scope follows, at any depth', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const csrf = await b.csrf('/admin/hierarchy')
    expect((await b.post('/admin/hierarchy/levels', { _csrf: csrf, name: 'Gerência', rank: '1' })).status).toBe(303)
    expect((await b.post('/admin/hierarchy/levels', { _csrf: csrf, name: 'Coordenação', rank: '2' })).status).toBe(303)
    const dup = await b.post('/admin/hierarchy/levels', { _csrf: csrf, name: 'gerência', rank: '3' })
    expect(dup.status).toBe(422)
    expect(await dup.text()).toContain('Já existe um nível com este nome.')
    const [ger, coo] = s.ctx.stores.hierarchy.levels()
    expect((await b.post(`/admin/hierarchy/users/${ids.coord}`, { _csrf: csrf, level_id: String(coo.id), manager_id: String(ids.gerente) })).status).toBe(303)
    expect((await b.post(`/admin/hierarchy/users/${ids.ana}`, { _csrf: csrf, level_id: '', manager_id: String(ids.coord) })).status).toBe(303)
    expect((await b.post(`/admin/hierarchy/users/${ids.gerente}`, { _csrf: csrf, level_id: String(ger.id), manager_id: '' })).status).toBe(303)
    // Caio watches Vendas (his) and Suporte (Ana's); Gina, above him, both; Bia's Cobrança nobody's.
    expect(supervisedSectorIds(s.ctx, s.ctx.stores.users.get(ids.coord)!)).toEqual([ids.vendas, ids.suporte].sort((a, b) => a - b))
    expect(supervisedSectorIds(s.ctx, s.ctx.stores.users.get(ids.gerente)!)).toEqual([ids.vendas, ids.suporte].sort((a, b) => a - b))
    // No cycles: Gina cannot report to Ana (who is below her).
    const cycle = await b.post(`/admin/hierarchy/users/${ids.gerente}`, { _csrf: csrf, level_id: '', manager_id: String(ids.ana) })
    expect(cycle.status).toBe(422)
    // A level in use is not deleted.
    expect((await b.post(`/admin/hierarchy/levels/${coo.id}/delete`, { _csrf: csrf })).status).toBe(409)
    expect(s.ctx.stores.auditLog.search({ action: 'hierarchy.', limit: 20 }).length).toBeGreaterThanOrEqual(5)
  })

  test('API and permissions: supervisors may look, agents not', async () => {
    const res = await fetch(s.url + '/api/v1/hierarchy', { headers: { authorization: `Bearer ${adminToken}` } })
    const body = (await res.json()) as { levels: { name: string }[]; users: { user_id: number; manager_id: number | null; supervised_sector_ids: unknown }[] }
    expect(body.levels.map((l) => l.name)).toEqual(['Gerência', 'Coordenação'])
    expect(body.users.find((u) => u.user_id === ids.ana)!.manager_id).toBe(ids.coord)
    const sup = new Browser(s.url)
    await sup.login('coord@example.com')
    const page = await sup.fetch('/admin/hierarchy')
    expect(page.status).toBe(200)
    expect(await page.text()).not.toContain('name="manager_id"')
    expect((await sup.post('/admin/hierarchy/levels', { _csrf: await sup.csrf('/profile'), name: 'X', rank: '5' })).status).toBe(403)
    const agent = new Browser(s.url)
    await agent.login('ana@example.com')
    expect((await agent.fetch('/admin/hierarchy')).status).toBe(403)
  })
})
