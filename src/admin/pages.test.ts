import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
let admin: Browser
let agent: Browser
let supervisor: Browser

beforeAll(async () => {
  s = await startTestServer()
  await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })
  await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', name: 'Gil Agent' })
  await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor', name: 'Sol Supervisor' })
  admin = new Browser(s.url)
  agent = new Browser(s.url)
  supervisor = new Browser(s.url)
  await admin.login('admin@example.com')
  await agent.login('agent@example.com')
  await supervisor.login('sup@example.com')
})
afterAll(() => s.stop())

describe('permissions on admin pages', () => {
  test('an agent gets a 403 page in Portuguese on every admin page and action', async () => {
    for (const path of ['/admin/users', '/admin/users/new', '/admin/users/1', '/admin/users/rows', '/admin/sectors', '/admin/sectors/new']) {
      const res = await agent.fetch(path)
      expect(res.status).toBe(403)
      expect(await res.text()).toContain('Você não tem permissão para acessar isto.')
    }
    const csrf = await agent.csrf('/profile')
    expect((await agent.post('/admin/users', { _csrf: csrf, name: 'X', email: 'x@example.com', profile: '1' })).status).toBe(403)
    expect((await agent.post('/admin/sectors', { _csrf: csrf, name: 'X' })).status).toBe(403)
    expect((await agent.post('/admin/users/1/deactivate', { _csrf: csrf })).status).toBe(403)
    expect(s.ctx.stores.users.byEmail('x@example.com')).toBeNull()
    expect(s.ctx.stores.users.get(1)!.active).toBe(true)
  })

  test('navigation shows only what the profile may open', async () => {
    const a = await (await agent.fetch('/')).text()
    expect(a).not.toContain('href="/admin/users"')
    const sup = await (await supervisor.fetch('/')).text()
    expect(sup).toContain('href="/admin/users"')
    // Supervisors may look but not change.
    expect((await supervisor.fetch('/admin/users')).status).toBe(200)
    expect((await supervisor.fetch('/admin/users/new')).status).toBe(403)
  })

  test('unknown pages get a 404 page in the user’s language', async () => {
    const res = await admin.fetch('/nope')
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('Página ou recurso não encontrado.')
    expect((await admin.fetch('/admin/users/abc')).status).toBe(404)
  })
})

describe('sectors', () => {
  test('empty state, create with validation errors kept, create, edit', async () => {
    expect(await (await admin.fetch('/admin/sectors')).text()).toContain('Nenhum setor cadastrado')
    const csrf = await admin.csrf('/admin/sectors/new')
    const bad = await admin.post('/admin/sectors', { _csrf: csrf, name: 'Financeiro', routing: 'offer', offer_timeout_s: '2', survey: 'csat' })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('O tempo de oferta deve ficar entre 5 e 600 segundos.')
    expect(html).toContain('value="Financeiro"')
    expect(s.ctx.stores.sectors.list()).toHaveLength(0)

    const ok = await admin.post('/admin/sectors', { _csrf: csrf, name: 'Financeiro', routing: 'offer', offer_timeout_s: '40', survey: 'nps', require_classification: '1' })
    expect(ok.headers.get('location')).toBe('/admin/sectors?ok=sectors.created')
    const sector = s.ctx.stores.sectors.byName('Financeiro')!
    expect(sector).toMatchObject({ routing: 'offer', offer_timeout_s: 40, survey: 'nps', require_classification: true })

    const edit = await admin.post(`/admin/sectors/${sector.id}`, { _csrf: csrf, name: 'Financeiro', routing: 'auto', offer_timeout_s: '40', survey: 'none' })
    expect(edit.status).toBe(303)
    expect(s.ctx.stores.sectors.get(sector.id)).toMatchObject({ routing: 'auto', survey: 'none', require_classification: false })
    expect(await (await admin.fetch('/admin/sectors?ok=sectors.saved')).text()).toContain('Setor salvo.')
  })
})

describe('users', () => {
  test('create through the form: errors keep what was typed; success lists the user', async () => {
    const csrf = await admin.csrf('/admin/users/new')
    const sector = s.ctx.stores.sectors.byName('Financeiro')!
    const agentProfile = s.ctx.stores.profiles.resolve('agent')!
    const fields = { _csrf: csrf, name: 'Bia', email: 'agent@example.com', password: 'segredo123', profile: String(agentProfile.id), sector_ids: [String(sector.id)], 'limits.whatsapp': '7', 'limits.webchat': '2', 'limits.email': '0' }
    const dup = await admin.post('/admin/users', fields)
    expect(dup.status).toBe(422)
    const html = await dup.text()
    expect(html).toContain('Já existe um usuário com este e-mail.')
    expect(html).toContain('value="Bia"')
    expect(html).toMatch(/value="7"/)

    const ok = await admin.post('/admin/users', { ...fields, email: 'bia@example.com' })
    expect(ok.headers.get('location')).toBe('/admin/users?ok=users.created')
    const bia = s.ctx.stores.users.byEmail('bia@example.com')!
    expect(bia).toMatchObject({ name: 'Bia', sector_ids: [sector.id], limits: { whatsapp: 7, webchat: 2, email: 0 }, profile_key: 'agent' })
    const bad = await admin.post(`/admin/users/${bia.id}`, { ...fields, email: 'bia@example.com', 'limits.whatsapp': 'many' })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('O limite deve ser um número entre 0 e 1000.')
  })

  test('names are escaped everywhere they are shown', async () => {
    await seedUser(s.ctx, { email: 'evil@example.com', name: '<img src=x onerror=alert(1)>' })
    const html = await (await admin.fetch('/admin/users')).text()
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).not.toContain('<img src=x')
  })

  test('search filters (fragment for htmx) and pagination walks all users', async () => {
    const rows = await (await admin.fetch('/admin/users/rows?q=bia')).text()
    expect(rows).toContain('bia@example.com')
    expect(rows).not.toContain('agent@example.com')
    expect(rows.startsWith('<div id="users-rows"')).toBe(true)
    for (let i = 0; i < 30; i++) await seedUser(s.ctx, { email: `bulk${i}@example.com`, password: '' }) // no hashing: fast
    const first = await (await admin.fetch('/admin/users')).text()
    const next = /href="\/admin\/users\?after=(\d+)"/.exec(first)
    expect(next).not.toBeNull()
    const second = await (await admin.fetch(`/admin/users?after=${next![1]}`)).text()
    expect(second).toContain('admin@example.com')
    expect(first).not.toContain('admin@example.com')
  })

  test('deactivate ends the user’s sessions; reactivate lets them back in', async () => {
    const gil = s.ctx.stores.users.byEmail('agent@example.com')!
    const csrf = await admin.csrf(`/admin/users/${gil.id}`)
    expect((await admin.post(`/admin/users/${gil.id}/deactivate`, { _csrf: csrf })).status).toBe(303)
    expect((await agent.fetch('/')).status).toBe(303)
    expect((await agent.login('agent@example.com')).status).toBe(401)
    await admin.post(`/admin/users/${gil.id}/activate`, { _csrf: csrf })
    expect((await agent.login('agent@example.com')).status).toBe(303)
  })
})
