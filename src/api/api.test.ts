import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
let admin: { token: string; id: number }
let agent: { token: string; id: number }

const api = (path: string, token: string | null, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string>) } })
const json = (body: unknown) => JSON.stringify(body)

beforeAll(async () => {
  s = await startTestServer()
  const a = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })
  const g = await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', name: 'Gil Agent' })
  admin = { token: a.token, id: a.user.id }
  agent = { token: g.token, id: g.user.id }
})
afterAll(() => s.stop())

describe('GET /api/v1/me', () => {
  test('returns the caller with profile, sectors, limits and presence', async () => {
    const res = await api('/api/v1/me', agent.token)
    expect(res.status).toBe(200)
    const me = await res.json()
    expect(me).toMatchObject({ id: agent.id, name: 'Gil Agent', email: 'agent@example.com', profile: 'agent', sector_ids: [], limits: { whatsapp: 3, webchat: 3, email: 10 } })
    expect(me.presence).toMatchObject({ status: 'offline', reason: null })
    expect(new Date(me.presence.since).toISOString()).toBe(me.presence.since)
  })

  test('401 in the JSON error shape without a token, with a bad token, and with a session cookie only', async () => {
    for (const token of [null, 'kq_nope']) {
      const res = await api('/api/v1/me', token)
      expect(res.status).toBe(401)
      const body = await res.json()
      expect(body.error.code).toBe('unauthorized')
      expect(typeof body.error.message).toBe('string')
    }
    const cookie = await api('/api/v1/me', null, { headers: { cookie: 'kq_session=whatever' } })
    expect(cookie.status).toBe(401)
  })

  test('a revoked token stops working at once', async () => {
    const { write } = await import('../db/open')
    const created = write(s.ctx.db, () => s.ctx.stores.apiTokens.create(agent.id, 'temp'))
    expect((await api('/api/v1/me', created.token)).status).toBe(200)
    s.ctx.stores.apiTokens.revoke(agent.id, created.id)
    expect((await api('/api/v1/me', created.token)).status).toBe(401)
  })
})

describe('PUT /api/v1/me/presence', () => {
  test('sets paused with a reason and records a presence.updated event', async () => {
    const before = s.ctx.stores.events.newestId()
    const res = await api('/api/v1/me/presence', agent.token, { method: 'PUT', body: json({ status: 'paused', reason: 'almoço' }) })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'paused', reason: 'almoço' })
    const events = s.ctx.stores.events.after(before)
    expect(events).toHaveLength(1)
    expect(events[0].name).toBe('presence.updated')
    expect(events[0].topics).toContain(`user:${agent.id}`)
    expect(events[0].data).toMatchObject({ user_id: agent.id, status: 'paused', reason: 'almoço' })
  })

  test('a reason is dropped when not paused', async () => {
    const res = await api('/api/v1/me/presence', agent.token, { method: 'PUT', body: json({ status: 'available', reason: 'x' }) })
    expect(await res.json()).toMatchObject({ status: 'available', reason: null })
  })

  test('bad status → 400 with details, nothing written', async () => {
    const before = s.ctx.stores.events.newestId()
    const res = await api('/api/v1/me/presence', agent.token, { method: 'PUT', body: json({ status: 'sleeping' }) })
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.details[0].field).toBe('status')
    expect(s.ctx.stores.events.newestId()).toBe(before)
  })
})

describe('users and sectors', () => {
  let sectorId: number

  test('admin creates a sector (201) and reads it back', async () => {
    const res = await api('/api/v1/sectors', admin.token, { method: 'POST', body: json({ name: 'Suporte', routing: 'offer', offer_timeout_s: 45 }) })
    expect(res.status).toBe(201)
    const sector = await res.json()
    expect(sector).toMatchObject({ name: 'Suporte', routing: 'offer', offer_timeout_s: 45, survey: 'none', require_classification: false, business_hours_id: null })
    sectorId = sector.id
    expect((await (await api(`/api/v1/sectors/${sectorId}`, admin.token)).json()).name).toBe('Suporte')
  })

  test('duplicate sector name → 400 naming the field', async () => {
    const res = await api('/api/v1/sectors', admin.token, { method: 'POST', body: json({ name: 'suporte' }) })
    expect(res.status).toBe(400)
    expect((await res.json()).error.details).toEqual([{ field: 'name', message: 'Já existe um setor com este nome.' }])
  })

  test('admin creates a user with sectors and limits, then patches and deactivates them', async () => {
    const res = await api('/api/v1/users', admin.token, {
      method: 'POST',
      body: json({ name: 'Bia', email: 'Bia@Example.com', password: 'segredo123', profile: 'agent', sector_ids: [sectorId], limits: { whatsapp: 5 } }),
    })
    expect(res.status).toBe(201)
    const user = await res.json()
    expect(user).toMatchObject({ name: 'Bia', email: 'bia@example.com', profile: 'agent', sector_ids: [sectorId], limits: { whatsapp: 5, webchat: 3, email: 10 }, active: true })
    expect(user.password).toBeUndefined()
    expect(user.password_hash).toBeUndefined()

    const patched = await api(`/api/v1/users/${user.id}`, admin.token, { method: 'PATCH', body: json({ profile: 'supervisor', limits: { email: 0 } }) })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ profile: 'supervisor', limits: { whatsapp: 3, webchat: 3, email: 0 } })

    const off = await api(`/api/v1/users/${user.id}`, admin.token, { method: 'PATCH', body: json({ active: false }) })
    expect((await off.json()).active).toBe(false)
  })

  test('an admin cannot deactivate themselves', async () => {
    const res = await api(`/api/v1/users/${admin.id}`, admin.token, { method: 'PATCH', body: json({ active: false }) })
    expect(res.status).toBe(400)
    expect(s.ctx.stores.users.get(admin.id)!.active).toBe(true)
  })

  test('duplicate e-mail, unknown sector, bad profile → 400 with every field, nothing written', async () => {
    const count = s.ctx.stores.users.count()
    const res = await api('/api/v1/users', admin.token, { method: 'POST', body: json({ name: 'X', email: 'AGENT@example.com', profile: 'king', sector_ids: [999] }) })
    expect(res.status).toBe(400)
    const fields = (await res.json()).error.details.map((d: { field: string }) => d.field).sort()
    expect(fields).toEqual(['email', 'profile', 'sector_ids'])
    expect(s.ctx.stores.users.count()).toBe(count)
  })

  test('list pagination: limit and next_cursor walk every user once, newest first', async () => {
    const seen: number[] = []
    let cursor: string | null = null
    do {
      const res: Response = await api(`/api/v1/users?limit=1${cursor ? `&cursor=${cursor}` : ''}`, admin.token)
      const body: { data: { id: number }[]; next_cursor: string | null } = await res.json()
      seen.push(...body.data.map((u) => u.id))
      cursor = body.next_cursor
    } while (cursor)
    expect(seen).toEqual([...seen].sort((a, b) => b - a))
    expect(seen.length).toBe(s.ctx.stores.users.count())
  })

  test('limit above 200 and a forged cursor → 400', async () => {
    expect((await api('/api/v1/users?limit=500', admin.token)).status).toBe(400)
    expect((await api('/api/v1/users?cursor=%%%', admin.token)).status).toBe(400)
  })

  test('every list: limit must be a whole number from 1 to 200 (was a 500 for 0, and 201+ went through)', async () => {
    expect((await api('/api/v1/audit?limit=0', agent.token)).status).toBe(403)
    // Rows in the lists: limit=0 failed only where there was something to list.
    expect((await api('/api/v1/customers', admin.token, { method: 'POST', body: json({ name: 'Cliente' }) })).status).toBe(201)
    expect((await api('/api/v1/sectors', admin.token, { method: 'POST', body: json({ name: 'Setor de teste' }) })).status).toBe(201)
    for (const path of ['/api/v1/users', '/api/v1/sectors', '/api/v1/channels', '/api/v1/customers', '/api/v1/tickets', '/api/v1/classifications', '/api/v1/templates', '/api/v1/audit', '/api/v1/webhooks']) {
      for (const limit of ['0', '-1', '201', '500', '1.5', 'abc']) {
        const res = await api(`${path}?limit=${limit}`, admin.token)
        expect([path, limit, res.status]).toEqual([path, limit, 400])
        expect(await res.json()).toEqual({ error: { code: 'validation_failed', message: 'Dados inválidos. Verifique os campos.', details: [{ field: 'limit', message: 'Deve ser um número inteiro de 1 a 200.' }] } })
      }
      for (const limit of ['1', '200']) expect([path, limit, (await api(`${path}?limit=${limit}`, admin.token)).status]).toEqual([path, limit, 200])
      // Who may call it comes first: no token is 401, an agent on an admin list 403, whatever the limit.
      expect((await api(`${path}?limit=0`, null)).status).toBe(401)
    }
  })

  test('unknown ids → 404 JSON', async () => {
    const res = await api('/api/v1/users/424242', admin.token)
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe('not_found')
    expect((await api('/api/v1/sectors/424242', admin.token, { method: 'PATCH', body: '{}' })).status).toBe(404)
  })
})

describe('bad input', () => {
  test('malformed JSON → 400 malformed_json', async () => {
    const res = await api('/api/v1/sectors', admin.token, { method: 'POST', body: '{"name": ' })
    expect(res.status).toBe(400)
    expect((await res.json()).error.code).toBe('malformed_json')
  })

  test('unknown field and wrong type → 400 validation_failed naming the field', async () => {
    const unknown = await api('/api/v1/sectors', admin.token, { method: 'POST', body: json({ name: 'Vendas', color: 'red' }) })
    expect(unknown.status).toBe(400)
    const u = await unknown.json()
    expect(u.error.code).toBe('validation_failed')
    expect(u.error.details.some((d: { field: string }) => d.field === 'color')).toBe(true)
    const wrong = await api('/api/v1/sectors', admin.token, { method: 'POST', body: json({ name: 'Vendas', offer_timeout_s: 'soon' }) })
    expect(wrong.status).toBe(400)
    expect(s.ctx.stores.sectors.byName('Vendas')).toBeNull()
  })

  test('an agent gets 403 on admin routes whatever the body — permission before validation', async () => {
    for (const body of ['{"name": ', json({ nonsense: true }), json({ name: 'Ok' })]) {
      const res = await api('/api/v1/sectors', agent.token, { method: 'POST', body })
      expect(res.status).toBe(403)
      expect((await res.json()).error.code).toBe('forbidden')
    }
    expect((await api('/api/v1/users', agent.token)).status).toBe(403)
    expect((await api(`/api/v1/users/${admin.id}`, agent.token, { method: 'PATCH', body: json({ profile: 'agent' }) })).status).toBe(403)
    expect(s.ctx.stores.users.get(admin.id)!.profile_key).toBe('admin')
  })

  test('a body over the limit → 413 in the JSON shape', async () => {
    const big = json({ name: 'x'.repeat(1024 * 1024 + 10) })
    const res = await api('/api/v1/sectors', admin.token, { method: 'POST', body: big })
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe('payload_too_large')
  })

  test('errors answer in the caller’s language', async () => {
    const { write } = await import('../db/open')
    write(s.ctx.db, () => s.ctx.stores.users.setLanguage(agent.id, 'en'))
    const res = await api('/api/v1/users', agent.token)
    expect((await res.json()).error.message).toBe('You are not allowed to access this.')
    write(s.ctx.db, () => s.ctx.stores.users.setLanguage(agent.id, null))
  })
})

describe('OpenAPI', () => {
  test('/api/v1/openapi.json documents the routes from their schemas', async () => {
    const res = await fetch(s.url + '/api/v1/openapi.json')
    expect(res.status).toBe(200)
    const doc = await res.json()
    expect(doc.openapi).toMatch(/^3\./)
    for (const p of ['/api/v1/me', '/api/v1/me/presence', '/api/v1/users', '/api/v1/users/{id}', '/api/v1/sectors', '/api/v1/sectors/{id}', '/api/v1/events']) {
      expect(Object.keys(doc.paths)).toContain(p)
    }
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/'))).toBe(true)
    expect(doc.paths['/api/v1/users'].post.requestBody).toBeDefined()
  })
})

describe('OpenAPI validity and coverage', () => {
  test('the document is valid OpenAPI 3 (its JSON schema), and every documented operation is a route the permission walk calls', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator')
    const { ROUTE_PERMISSIONS } = await import('../profiles/route-permissions')
    const doc = await (await fetch(s.url + '/api/v1/openapi.json')).json()
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    expect(documented.length).toBeGreaterThan(60)
    expect(documented.filter((op) => !(op in ROUTE_PERMISSIONS))).toEqual([])
  })
})

describe('OpenAPI request bodies', () => {
  test('POST/PATCH operations carry their JSON schema even though permission is checked at parse time', async () => {
    const doc = await (await fetch(s.url + '/api/v1/openapi.json')).json()
    const body = doc.paths['/api/v1/users'].post.requestBody.content['application/json'].schema
    expect(body.required).toEqual(['name', 'email', 'profile'])
    expect(body.additionalProperties).toBe(false)
    expect(doc.paths['/api/v1/sectors/{id}'].patch.requestBody.content['application/json'].schema.properties.routing).toBeDefined()
    expect(doc.paths['/api/v1/openapi.raw.json']).toBeUndefined()
  })
})

describe('permission before params and query validation', () => {
  test('an agent gets 403, not 400, for a malformed id or query', async () => {
    expect((await api('/api/v1/users/abc', agent.token)).status).toBe(403)
    expect((await api('/api/v1/users?limit=999', agent.token)).status).toBe(403)
    expect((await api('/api/v1/sectors/abc', agent.token, { method: 'PATCH', body: '{' })).status).toBe(403)
    expect((await api('/api/v1/users/abc', admin.token)).status).toBe(400)
  })
})
