// The audit log: each audited action leaves an entry with who, when and from where; the search
// page and GET /api/v1/audit filter it; nothing can change or delete an entry.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { auditTicketView } from './ticket-view'
import { zonedDayStart } from './routes'

let s: TestServer
let admin: { token: string; id: number }
let sup: { token: string; id: number }
const api = (token: string, method: string, path: string, body?: unknown) =>
  fetch(s.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })

interface Entry {
  id: number
  at: string
  actor_id: number | null
  action: string
  object_type: string | null
  object_id: string | null
  ip: string | null
  details: Record<string, unknown>
}
const search = async (qs: string, token = admin.token) => ((await (await api(token, 'GET', `/api/v1/audit?${qs}`)).json()) as { data: Entry[]; next_cursor: string | null })

beforeAll(async () => {
  s = await startTestServer()
  const a = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })
  admin = { token: a.token, id: a.user.id }
  const b = await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor', name: 'Sol Supervisor' })
  sup = { token: b.token, id: b.user.id }
})
afterAll(() => s.stop())

describe('audited actions', () => {
  test('logins and failures, with the address they came from', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com', 'wrong password!')
    await b.login('nobody@example.com', 'whatever123')
    await b.login('admin@example.com')
    const fails = await search('action=login.failed')
    expect(fails.data.length).toBe(2)
    expect(fails.data.every((e) => e.ip === '127.0.0.1')).toBe(true)
    expect(fails.data.find((e) => e.actor_id === admin.id)).toBeDefined()
    const ok = await search(`action=login&actor_id=${admin.id}`)
    expect(ok.data[0]).toMatchObject({ action: 'login', actor_id: admin.id, ip: '127.0.0.1' })
    // The prefix form finds both.
    expect((await search('action=login.')).data.length).toBeGreaterThanOrEqual(2)
  })

  test('permission changes, settings, token creation, deletions', async () => {
    const sid = s.ctx.stores.profiles.resolve('supervisor')!.id
    await api(admin.token, 'PATCH', `/api/v1/profiles/${sid}`, { name: 'Supervisão' })
    await api(admin.token, 'PATCH', '/api/v1/settings', { general: { company_name: 'Laranja Ltda' } })
    const p = (await (await api(admin.token, 'POST', '/api/v1/profiles', { name: 'Descartável' })).json()) as { id: number }
    await api(admin.token, 'DELETE', `/api/v1/profiles/${p.id}`)
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const csrf = await b.csrf('/profile')
    await b.post('/profile/tokens', { _csrf: csrf, label: 'ERP' })
    const actions = (await search(`actor_id=${admin.id}&limit=50`)).data.map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['profile.update', 'settings.update', 'profile.create', 'profile.delete', 'token.create']))
    const settings = (await search('action=settings.update')).data[0]
    expect(settings.details).toMatchObject({ changed: ['company_name'], company_name: 'Laranja Ltda' })
  })

  test('a supervisor opening someone else’s ticket is recorded once per ten minutes', () => {
    const user = s.ctx.stores.users.get(sup.id)!
    const t = { id: 4242, assignee_id: admin.id, sector_id: 99, confidential: false }
    const now = Date.now()
    auditTicketView(s.ctx, user, t, '10.0.0.9', 'page', now)
    auditTicketView(s.ctx, user, t, '10.0.0.9', 'page', now + 60_000)
    auditTicketView(s.ctx, user, { ...t, assignee_id: sup.id, id: 4243 }, '10.0.0.9', 'page', now) // their own: not recorded
    const rows = s.ctx.stores.auditLog.search({ action: 'ticket.viewed', limit: 10 })
    expect(rows.map((r) => r.object_id)).toEqual(['4242'])
    expect(rows[0]).toMatchObject({ actor_id: sup.id, ip: '10.0.0.9' })
    auditTicketView(s.ctx, user, t, '10.0.0.9', 'page', now + 11 * 60_000)
    expect(s.ctx.stores.auditLog.search({ action: 'ticket.viewed', limit: 10 }).length).toBe(2)
  })
})

describe('the log itself', () => {
  test('append-only: the database refuses updates and deletes', () => {
    expect(() => write(s.ctx.db, () => s.ctx.db.run("UPDATE audit_log SET action = 'x'"))).toThrow('append-only')
    expect(() => write(s.ctx.db, () => s.ctx.db.run('DELETE FROM audit_log'))).toThrow('append-only')
  })

  test('API: admin only, filters by time range, pages with a cursor, api.md shape', async () => {
    expect((await api(sup.token, 'GET', '/api/v1/audit')).status).toBe(403)
    expect((await fetch(s.url + '/api/v1/audit')).status).toBe(401)
    const all = await search('limit=2')
    expect(all.data.length).toBe(2)
    expect(Object.keys(all.data[0]).sort()).toEqual(['action', 'actor_id', 'at', 'details', 'id', 'ip', 'object_id', 'object_type'])
    const next = await search(`limit=2&cursor=${all.next_cursor}`)
    expect(next.data[0].id).toBeLessThan(all.data[1].id)
    expect((await search(`from=${new Date(Date.now() + 3_600_000).toISOString()}`)).data).toEqual([])
    expect((await search(`to=${new Date(Date.now() + 3_600_000).toISOString()}&action=login`)).data.length).toBeGreaterThan(0)
    expect((await api(admin.token, 'GET', '/api/v1/audit?from=yesterday')).status).toBe(400)
  })

  test('search page: filters by person and action, in the user’s time zone; hostile details are escaped', async () => {
    write(s.ctx.db, () => s.ctx.stores.audit.record({ actor_id: admin.id, action: 'token.create', object_type: 'api_token', object_id: 1, ip: '127.0.0.1', details: { label: '<script>alert(1)</script>' } }))
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const page = await (await b.fetch('/admin/audit?actor=admin@example.com&action=token.create')).text()
    expect(page).toContain('token.create')
    expect(page).not.toContain('<script>alert(1)</script>')
    expect(page).toContain('&lt;script&gt;')
    const rows = await (await b.fetch('/admin/audit/rows?actor=sup@example.com&action=login')).text()
    expect(rows).toContain('Nenhum registro encontrado')
    expect((await (await b.fetch('/admin/audit?actor=nobody@example.com')).text())).toContain('Nenhum registro encontrado')
    const sb = new Browser(s.url)
    await sb.login('sup@example.com')
    expect((await sb.fetch('/admin/audit')).status).toBe(403)
  })

  test('day boundaries follow the installation time zone', () => {
    expect(new Date(zonedDayStart('2026-11-25', 'America/Sao_Paulo')!).toISOString()).toBe('2026-11-25T03:00:00.000Z')
    expect(new Date(zonedDayStart('2026-03-29', 'Europe/Lisbon')!).toISOString()).toBe('2026-03-29T00:00:00.000Z')
    expect(zonedDayStart('25/11/2026', 'UTC')).toBeNull()
  })
})
