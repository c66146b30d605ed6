// Access profiles: the matrix page and API — copies, edits with an audit of what changed, the
// locked admin, restore, delete rules, no granting beyond one's own permissions, effective
// permissions on the user's page — and the fine-grained cells taking effect on routes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
let admin: { token: string; id: number }
let sup: { token: string; id: number }
const api = (token: string, method: string, path: string, body?: unknown) =>
  fetch(s.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })
const json = async <T>(r: Response) => (await r.json()) as T

beforeAll(async () => {
  s = await startTestServer()
  const a = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })
  admin = { token: a.token, id: a.user.id }
  const b = await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor', name: 'Sol Supervisor' })
  sup = { token: b.token, id: b.user.id }
})
afterAll(() => s.stop())

interface P {
  id: number
  key: string | null
  name: string
  permissions: string[]
  locked: boolean
  users: number
}

describe('profiles API', () => {
  test('lists the built-in profiles with their effective permissions; admin is locked with everything', async () => {
    const list = await json<{ data: P[] }>(await api(admin.token, 'GET', '/api/v1/profiles'))
    expect(list.data.map((p) => p.key)).toEqual(['admin', 'supervisor', 'agent'])
    const [a, su, ag] = list.data
    expect(a.locked).toBe(true)
    expect(a.permissions).toContain('audit.view')
    expect(su.permissions).toContain('users.view')
    expect(su.permissions).not.toContain('users.create')
    expect(ag.permissions).toEqual(expect.arrayContaining(['customers.view', 'customers.create', 'customers.edit']))
    const matrix = await json<{ areas: { key: string }[] }>(await api(sup.token, 'GET', '/api/v1/permissions'))
    expect(matrix.areas.map((a) => a.key)).toEqual(expect.arrayContaining(['tickets', 'confidential', 'customers', 'templates', 'bulk', 'surveys', 'reports', 'monitoring', 'users', 'profiles', 'sectors', 'channels', 'settings', 'tokens', 'audit']))
  })

  test('a copy of the supervisor, edited cell by cell, audited with what was added and removed', async () => {
    const sid = s.ctx.stores.profiles.resolve('supervisor')!.id
    const created = await api(admin.token, 'POST', '/api/v1/profiles', { name: 'Coordenação', copy_of: sid })
    expect(created.status).toBe(201)
    const p = await json<P>(created)
    expect(p.key).toBeNull()
    expect(p.permissions.sort()).toEqual((await json<P>(await api(admin.token, 'GET', `/api/v1/profiles/${sid}`))).permissions.sort())
    const next = [...p.permissions.filter((x) => x !== 'bulk.create'), 'users.create']
    const patched = await json<P>(await api(admin.token, 'PATCH', `/api/v1/profiles/${p.id}`, { permissions: next }))
    expect(patched.permissions).toContain('users.create')
    expect(patched.permissions).not.toContain('bulk.create')
    const entry = s.ctx.stores.auditLog.search({ action: 'profile.update', limit: 1 })[0]
    expect(entry).toMatchObject({ actor_id: admin.id, object_type: 'profile', object_id: String(p.id) })
    expect(JSON.parse(entry.details)).toMatchObject({ added: ['users.create'], removed: ['bulk.create'] })
    // Names are unique; unknown permissions refused.
    expect((await api(admin.token, 'POST', '/api/v1/profiles', { name: 'coordenação' })).status).toBe(400)
    expect((await api(admin.token, 'PATCH', `/api/v1/profiles/${p.id}`, { permissions: ['root.everything'] })).status).toBe(400)
  })

  test('the admin profile cannot lose permissions; built-ins cannot be deleted; profiles in use cannot be deleted', async () => {
    const aid = s.ctx.stores.profiles.resolve('admin')!.id
    const r = await api(admin.token, 'PATCH', `/api/v1/profiles/${aid}`, { permissions: [] })
    expect(r.status).toBe(409)
    expect((await json<{ error: { code: string } }>(r)).error.code).toBe('admin_profile_locked')
    expect((await api(admin.token, 'DELETE', `/api/v1/profiles/${aid}`)).status).toBe(409)
    const p = await json<P>(await api(admin.token, 'POST', '/api/v1/profiles', { name: 'Temporário', permissions: ['reports.view'] }))
    await seedUser(s.ctx, { email: 'temp@example.com', profile: String(p.id) })
    expect((await api(admin.token, 'DELETE', `/api/v1/profiles/${p.id}`)).status).toBe(409)
    const empty = await json<P>(await api(admin.token, 'POST', '/api/v1/profiles', { name: 'Vazio' }))
    expect((await api(admin.token, 'DELETE', `/api/v1/profiles/${empty.id}`)).status).toBe(204)
    expect(s.ctx.stores.auditLog.search({ action: 'profile.delete', limit: 1 })[0].object_id).toBe(String(empty.id))
  })

  test('someone with profiles.edit but not admin cannot grant what they do not hold', async () => {
    const editor = await json<P>(await api(admin.token, 'POST', '/api/v1/profiles', { name: 'Editor de perfis', permissions: ['profiles.view', 'profiles.edit', 'profiles.create', 'reports.view'] }))
    const { token } = await seedUser(s.ctx, { email: 'editor@example.com', profile: String(editor.id) })
    const target = await json<P>(await api(admin.token, 'POST', '/api/v1/profiles', { name: 'Alvo', permissions: [] }))
    const ok = await api(token, 'PATCH', `/api/v1/profiles/${target.id}`, { permissions: ['reports.view'] })
    expect(ok.status).toBe(200)
    const no = await api(token, 'PATCH', `/api/v1/profiles/${target.id}`, { permissions: ['reports.view', 'audit.view'] })
    expect(no.status).toBe(403)
    expect((await json<{ error: { code: string } }>(no)).error.code).toBe('grant_beyond_own')
    // Nor give anyone the admin profile through the users API.
    const { token: userAdmin } = await seedUser(s.ctx, { email: 'rh@example.com', profile: String((await json<P>(await api(admin.token, 'POST', '/api/v1/profiles', { name: 'RH', permissions: ['users.view', 'users.create', 'users.edit'] }))).id) })
    const made = await api(userAdmin, 'POST', '/api/v1/users', { name: 'X', email: 'x@example.com', profile: 'admin' })
    expect(made.status).toBe(403)
    expect((await api(userAdmin, 'POST', '/api/v1/users', { name: 'Y', email: 'y@example.com', profile: 'agent' })).status).toBe(201)
  })

  test('fine-grained cells take effect: users.create without users.delete creates but cannot deactivate', async () => {
    const p = await json<P>(await api(admin.token, 'POST', '/api/v1/profiles', { name: 'Cadastro', permissions: ['users.view', 'users.create', 'users.edit'] }))
    const { token } = await seedUser(s.ctx, { email: 'cadastro@example.com', profile: String(p.id) })
    const u = await json<{ id: number }>(await api(token, 'POST', '/api/v1/users', { name: 'Novo', email: 'novo@example.com', profile: 'agent' }))
    expect((await api(token, 'PATCH', `/api/v1/users/${u.id}`, { name: 'Novo Nome' })).status).toBe(200)
    expect((await api(token, 'PATCH', `/api/v1/users/${u.id}`, { active: false })).status).toBe(403)
    expect(s.ctx.stores.users.get(u.id)!.active).toBe(true)
  })
})

describe('profiles pages', () => {
  test('matrix page: copy, untick a cell, save; restore the supervisor defaults; effective permissions page', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const list = await (await b.fetch('/admin/profiles')).text()
    expect(list).toContain('Supervisor')
    const sid = s.ctx.stores.profiles.resolve('supervisor')!.id
    const form = await (await b.fetch(`/admin/profiles/new?copy=${sid}`)).text()
    expect(form).toContain('value="Cópia de Supervisor"')
    expect(form).toContain('name="permissions" value="users.view" checked')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]
    const created = await b.post('/admin/profiles', { _csrf: csrf, name: 'Supervisão noturna', copy_of: String(sid), permissions: ['users.view', 'monitoring.view'] })
    expect(created.status).toBe(303)
    const id = Number(/\/admin\/profiles\/(\d+)/.exec(created.headers.get('location')!)![1])
    expect(s.ctx.stores.profileAdmin.get(id)!.permissions.sort()).toEqual(['monitoring.view', 'users.view'])
    // The supervisor profile itself: untick users.view, then restore.
    expect((await b.post(`/admin/profiles/${sid}`, { _csrf: csrf, name: 'Supervisor', permissions: ['monitoring.view'] })).status).toBe(303)
    const supUser = s.ctx.stores.users.get(sup.id)!
    expect(supUser.permissions.has('users.view')).toBe(false)
    expect((await api(sup.token, 'GET', '/api/v1/users')).status).toBe(403)
    expect((await b.post(`/admin/profiles/${sid}/restore`, { _csrf: csrf })).status).toBe(303)
    expect((await api(sup.token, 'GET', '/api/v1/users')).status).toBe(200)
    // Validation keeps what was typed.
    const bad = await b.post('/admin/profiles', { _csrf: csrf, name: '', permissions: ['reports.view'] })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('name="permissions" value="reports.view" checked')
    // A user's effective permissions, and the own profile page in words.
    const eff = await (await b.fetch(`/admin/users/${sup.id}/permissions`)).text()
    expect(eff).toContain('Permissões efetivas')
    expect(eff).toContain('Sol Supervisor')
    const me = new Browser(s.url)
    await me.login('sup@example.com')
    expect(await (await me.fetch('/profile')).text()).toContain('Usuários: Ver')
    expect((await me.fetch('/admin/profiles')).status).toBe(403)
  })

  test('hostile profile names are escaped', async () => {
    await api(admin.token, 'POST', '/api/v1/profiles', { name: '<img src=x onerror=alert(1)>' })
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const html = await (await b.fetch('/admin/profiles')).text()
    // As text it is escaped; inside a quoted attribute (aria-label) a < is only text.
    expect(html).toContain('>&lt;img src=x onerror=alert(1)&gt;</a>')
    expect(html.replace(/"[^"]*"/g, '""')).not.toContain('<img src=x')
  })
})
