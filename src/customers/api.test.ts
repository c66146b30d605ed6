// The REST API for customers, customer types, classifications and quick replies: shapes (api.md),
// CPF/CNPJ validation, duplicates, pagination and every refusal (403 before validation, 404 for
// what the caller may not see).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
let admin: { token: string; id: number }
let agent: { token: string; id: number } // agent of sector A
let agentB: { token: string; id: number } // agent of sector B
let sup: { token: string; id: number }
let reader: { token: string; id: number } // a custom profile without any permission
let sectorA: number
let sectorB: number

const api = (path: string, token: string | null, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string>) } })
const post = (path: string, token: string, body: unknown) => api(path, token, { method: 'POST', body: JSON.stringify(body) })
const patch = (path: string, token: string, body: unknown) => api(path, token, { method: 'PATCH', body: JSON.stringify(body) })
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

beforeAll(async () => {
  s = await startTestServer()
  const sector = (name: string) =>
    write(s.ctx.db, () => s.ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  sectorA = sector('Vendas')
  sectorB = sector('Financeiro')
  const profileId = write(s.ctx.db, () => s.ctx.db.query<{ id: number }, []>("INSERT INTO profiles (key, name, permissions, created_at, updated_at) VALUES (NULL, 'Sem acesso', '[]', 0, 0) RETURNING id").get()!.id)
  const seed = async (email: string, profile: string, sector_ids: number[] = []) => {
    const r = await seedUser(s.ctx, { email, profile, sector_ids, password: '' })
    return { token: r.token, id: r.user.id }
  }
  admin = await seed('admin@example.com', 'admin')
  agent = await seed('agent@example.com', 'agent', [sectorA])
  agentB = await seed('agentb@example.com', 'agent', [sectorB])
  sup = await seed('sup@example.com', 'supervisor')
  reader = await seed('reader@example.com', String(profileId))
})
afterAll(() => s.stop())

describe('built-in profiles after migration 0005', () => {
  test('agents and supervisors got the customer permissions; supervisors also classifications and quick replies', () => {
    const perms = (key: string) => s.ctx.stores.profiles.resolve(key)!.permissions
    expect(perms('agent')).toEqual(expect.arrayContaining(['customers.view', 'customers.manage']))
    expect(perms('agent')).not.toContain('quick_replies.manage')
    expect(perms('agent')).not.toContain('classifications.manage')
    expect(perms('supervisor')).toEqual(expect.arrayContaining(['users.view', 'tickets.view_all', 'customers.view', 'customers.manage', 'classifications.manage', 'quick_replies.manage']))
    expect(perms('supervisor')).not.toContain('customer_types.manage')
    expect(new Set(perms('supervisor')).size).toBe(perms('supervisor').length)
  })
})

describe('customers', () => {
  let maria: { id: number }

  test('POST creates with the api.md shape; the code is normalised, the type recorded', async () => {
    const res = await post('/api/v1/customers', agent.token, { name: '  Maria Souza ', code: '529.982.247-25', email: 'Maria@Example.com ', phone: '+55 (83) 99999-0000', notes: 'cliente antiga' })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(Object.keys(body).sort()).toEqual(['code', 'code_type', 'created_at', 'email', 'fields', 'id', 'name', 'notes', 'phone', 'type_id', 'updated_at'])
    expect(body).toMatchObject({ name: 'Maria Souza', code: '52998224725', code_type: 'cpf', type_id: null, email: 'maria@example.com', phone: '+5583999990000', notes: 'cliente antiga' })
    expect(body.created_at).toMatch(ISO)
    maria = body
  })

  test('the alphanumeric CNPJ, lower case and punctuated, is accepted and stored upper case', async () => {
    const res = await post('/api/v1/customers', agent.token, { name: 'Empresa Alfa', code: '12.abc.345/01de-35' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ code: '12ABC34501DE35', code_type: 'cnpj' })
    const numeric = await post('/api/v1/customers', agent.token, { name: 'Empresa Beta', code: '11.222.333/0001-81' })
    expect(await numeric.json()).toMatchObject({ code: '11222333000181', code_type: 'cnpj' })
  })

  test('a customer without a code is fine (code and code_type null)', async () => {
    const res = await post('/api/v1/customers', agent.token, { name: 'Sem Documento' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ code: null, code_type: null, email: null, phone: null, notes: null })
  })

  test('invalid codes → 400 naming `code`, with the reason in Portuguese; nothing written', async () => {
    const before = s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM customers').get()!.n
    const cases: [string, string][] = [
      ['12ABC34501DE36', 'CNPJ inválido'],
      ['11111111111', 'CPF inválido'],
      ['529.982.247-26', 'CPF inválido'],
      ['12345', 'Informe um CPF'],
      ['abc', 'Informe um CPF'],
    ]
    for (const [code, message] of cases) {
      const res = await post('/api/v1/customers', agent.token, { name: 'X', code })
      expect(res.status).toBe(400)
      const body = await res.json()
      expect(body.error.code).toBe('validation_failed')
      expect(body.error.details).toEqual([{ field: 'code', message: expect.stringContaining(message) }])
    }
    expect(s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM customers').get()!.n).toBe(before)
  })

  test('other field problems are named too: e-mail, phone, type, blank name, unknown fields', async () => {
    const bad = await post('/api/v1/customers', agent.token, { name: ' ', email: 'not-an-email', phone: '12', type_id: 999 })
    expect(bad.status).toBe(400)
    const fields = (await bad.json()).error.details.map((d: { field: string }) => d.field).sort()
    expect(fields).toEqual(['email', 'name', 'phone', 'type_id'])
    const extra = await post('/api/v1/customers', agent.token, { name: 'X', cpf: '52998224725' })
    expect(extra.status).toBe(400)
  })

  test('a duplicate code → 409 customer_exists, however it is typed', async () => {
    for (const code of ['52998224725', '529 982 247 25']) {
      const res = await post('/api/v1/customers', agent.token, { name: 'Outra Maria', code })
      expect(res.status).toBe(409)
      const body = await res.json()
      expect(body.error.code).toBe('customer_exists')
      expect(body.error.message).toBe('Já existe um cliente com este CPF/CNPJ.')
    }
    const other = await (await post('/api/v1/customers', agent.token, { name: 'Outro' })).json()
    const res = await patch(`/api/v1/customers/${other.id}`, agent.token, { code: '12ABC34501DE35' })
    expect(res.status).toBe(409)
  })

  test('GET by code (with or without punctuation), GET one, 404s', async () => {
    for (const code of ['52998224725', '529.982.247-25']) {
      const res = await api(`/api/v1/customers?code=${encodeURIComponent(code)}`, agent.token)
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.next_cursor).toBeNull()
      expect(body.data.map((c: { id: number }) => c.id)).toEqual([maria.id])
    }
    expect((await (await api('/api/v1/customers?code=11144477735', agent.token)).json()).data).toEqual([])
    const invalid = await api('/api/v1/customers?code=11144477736', agent.token)
    expect(invalid.status).toBe(400)
    expect((await invalid.json()).error.details[0].field).toBe('code')
    expect((await (await api(`/api/v1/customers/${maria.id}`, agent.token)).json()).name).toBe('Maria Souza')
    expect((await api('/api/v1/customers/99999', agent.token)).status).toBe(404)
  })

  test('q matches name, e-mail, code prefix and phone digits; newest first; pages with the cursor', async () => {
    const names = async (q: string) => (await (await api(`/api/v1/customers?q=${encodeURIComponent(q)}`, agent.token)).json()).data.map((c: { name: string }) => c.name)
    expect(await names('maria')).toEqual(['Maria Souza'])
    expect(await names('EXAMPLE.COM')).toEqual(['Maria Souza'])
    expect(await names('529.982')).toEqual(['Maria Souza'])
    expect(await names('(83) 99999')).toEqual(['Maria Souza'])
    expect(await names('empresa')).toEqual(['Empresa Beta', 'Empresa Alfa'])
    expect(await names('12.abc')).toEqual(['Empresa Alfa'])
    expect(await names('%')).toEqual([])
    expect(await names('_')).toEqual([])

    const first = await (await api('/api/v1/customers?limit=2', agent.token)).json()
    expect(first.data).toHaveLength(2)
    expect(first.next_cursor).not.toBeNull()
    const second = await (await api(`/api/v1/customers?limit=2&cursor=${first.next_cursor}`, agent.token)).json()
    expect(second.data[0].id).toBeLessThan(first.data[1].id)
    expect((await api('/api/v1/customers?cursor=!!', agent.token)).status).toBe(400)
  })

  test('PATCH changes only the fields given; "" or null clears optional ones', async () => {
    const res = await patch(`/api/v1/customers/${maria.id}`, agent.token, { phone: null, notes: '' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ name: 'Maria Souza', code: '52998224725', email: 'maria@example.com', phone: null, notes: null })
    const same = await patch(`/api/v1/customers/${maria.id}`, agent.token, { code: '529.982.247-25' }) // its own code: no conflict
    expect(same.status).toBe(200)
    expect((await patch('/api/v1/customers/99999', agent.token, { name: 'X' })).status).toBe(404)
  })

  test('permission before validation: no permission → 403 whatever is sent; no token → 401', async () => {
    expect((await api('/api/v1/customers', reader.token)).status).toBe(403)
    expect((await api(`/api/v1/customers/${maria.id}`, reader.token)).status).toBe(403)
    expect((await api('/api/v1/customers/abc', reader.token)).status).toBe(403)
    expect((await api('/api/v1/customers?limit=9999', reader.token)).status).toBe(403)
    expect((await post('/api/v1/customers', reader.token, { nonsense: true })).status).toBe(403)
    expect((await api('/api/v1/customers', reader.token, { method: 'POST', body: '{not json' })).status).toBe(403)
    expect((await patch(`/api/v1/customers/${maria.id}`, reader.token, { name: 'Hack' })).status).toBe(403)
    expect((await api('/api/v1/customers', null)).status).toBe(401)
    expect(s.ctx.stores.customers.get(maria.id)!.name).toBe('Maria Souza')
  })

  test('the audit log records who changed which fields, never the code itself', () => {
    const rows = s.ctx.db.query<{ action: string; details: string }, []>("SELECT action, details FROM audit_log WHERE object_type = 'customer'").all()
    expect(rows.length).toBeGreaterThan(3)
    for (const r of rows) expect(r.details).not.toMatch(/52998224725|12ABC34501DE35|maria@example/i)
  })
})

describe('customer types', () => {
  test('admin creates and renames; names unique ignoring case; agents may list but not create', async () => {
    const res = await post('/api/v1/customer-types', admin.token, { name: 'Empresa' })
    expect(res.status).toBe(201)
    const type = await res.json()
    expect(type).toMatchObject({ name: 'Empresa' })
    expect(type.created_at).toMatch(ISO)
    const dup = await post('/api/v1/customer-types', admin.token, { name: ' empresa ' })
    expect(dup.status).toBe(400)
    expect((await dup.json()).error.details[0].field).toBe('name')
    const renamed = await patch(`/api/v1/customer-types/${type.id}`, admin.token, { name: 'Pessoa jurídica' })
    expect(await renamed.json()).toMatchObject({ id: type.id, name: 'Pessoa jurídica' })

    const list = await (await api('/api/v1/customer-types', agent.token)).json()
    expect(list.data.map((t: { name: string }) => t.name)).toEqual(['Pessoa jurídica'])
    expect((await post('/api/v1/customer-types', agent.token, { name: 'Revenda' })).status).toBe(403)
    expect((await post('/api/v1/customer-types', sup.token, {})).status).toBe(403)

    const customer = await post('/api/v1/customers', agent.token, { name: 'Tipada', type_id: type.id })
    expect(await customer.json()).toMatchObject({ type_id: type.id })
  })
})

describe('classifications', () => {
  let global: { id: number }
  let sales: { id: number }

  test('POST (global and per sector) with the api.md shape; names unique per scope', async () => {
    const res = await post('/api/v1/classifications', admin.token, { name: 'Dúvida resolvida' })
    expect(res.status).toBe(201)
    global = await res.json()
    expect(global).toMatchObject({ name: 'Dúvida resolvida', sector_id: null, active: true })
    sales = await (await post('/api/v1/classifications', sup.token, { name: 'Venda realizada', sector_id: sectorA })).json()
    expect(sales).toMatchObject({ sector_id: sectorA })
    expect((await post('/api/v1/classifications', admin.token, { name: 'dúvida resolvida' })).status).toBe(400)
    expect((await post('/api/v1/classifications', admin.token, { name: 'Dúvida resolvida', sector_id: sectorB })).status).toBe(201)
    const badSector = await post('/api/v1/classifications', admin.token, { name: 'X', sector_id: 999 })
    expect(badSector.status).toBe(400)
    expect((await badSector.json()).error.details[0].field).toBe('sector_id')
  })

  test('GET lists (any signed-in caller), filters by sector (its own + global) and by active', async () => {
    const all = await (await api('/api/v1/classifications', agent.token)).json()
    expect(all.data).toHaveLength(3)
    const forA = await (await api(`/api/v1/classifications?sector_id=${sectorA}`, agent.token)).json()
    expect(forA.data.map((c: { name: string }) => c.name).sort()).toEqual(['Dúvida resolvida', 'Venda realizada'])
    expect((await api(`/api/v1/classifications/${sales.id}`, agent.token)).status).toBe(200)
    expect((await api('/api/v1/classifications/9999', agent.token)).status).toBe(404)
  })

  test('PATCH active:false deactivates; it is no longer offered for closing', async () => {
    const res = await patch(`/api/v1/classifications/${sales.id}`, admin.token, { active: false })
    expect(await res.json()).toMatchObject({ id: sales.id, active: false, name: 'Venda realizada' })
    expect(s.ctx.stores.classifications.activeFor(sectorA).map((c) => c.name)).toEqual(['Dúvida resolvida'])
    const inactive = await (await api('/api/v1/classifications?active=false', agent.token)).json()
    expect(inactive.data.map((c: { id: number }) => c.id)).toEqual([sales.id])
  })

  test('agents may not create or change them: 403 before validation', async () => {
    expect((await post('/api/v1/classifications', agent.token, { name: 'X' })).status).toBe(403)
    expect((await post('/api/v1/classifications', agent.token, { bogus: 1 })).status).toBe(403)
    expect((await patch(`/api/v1/classifications/${global.id}`, agent.token, { active: false })).status).toBe(403)
    expect(s.ctx.stores.classifications.get(global.id)!.active).toBe(true)
  })
})

describe('quick replies', () => {
  test('an agent creates a personal one (the default scope); a sector or global one needs quick_replies.manage', async () => {
    const res = await post('/api/v1/quick-replies', agent.token, { shortcut: '/Oi', text: 'Olá {cliente}!' })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).toMatchObject({ shortcut: 'oi', text: 'Olá {cliente}!', scope: 'personal', sector_id: null, user_id: agent.id })
    expect((await post('/api/v1/quick-replies', agent.token, { shortcut: 'g', text: 'x', scope: 'global' })).status).toBe(403)
    expect((await post('/api/v1/quick-replies', agent.token, { shortcut: 's', text: 'x', scope: 'sector', sector_id: sectorA })).status).toBe(403)
    expect((await post('/api/v1/quick-replies', agent.token, { shortcut: 's', text: 'x', sector_id: sectorA })).status).toBe(403) // inferred scope
    expect(s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM quick_replies').get()!.n).toBe(1)
  })

  test('validation: shortcut rules, text length, scope/sector consistency; 409 for the same shortcut in the same scope', async () => {
    const fields = async (body: unknown) => {
      const res = await post('/api/v1/quick-replies', sup.token, body)
      expect(res.status).toBe(400)
      return (await res.json()).error.details.map((d: { field: string }) => d.field)
    }
    expect(await fields({ shortcut: 'com espaço', text: 'x' })).toEqual(['shortcut'])
    expect(await fields({ shortcut: 'ação', text: 'x' })).toEqual(['shortcut'])
    expect(await fields({ shortcut: 'a'.repeat(31), text: 'x' })).toEqual(['shortcut'])
    expect(await fields({ shortcut: 'ok', text: 'x'.repeat(4097) })).toEqual(['text'])
    expect(await fields({ shortcut: 'ok', text: '   ' })).toEqual(['text'])
    expect(await fields({ shortcut: 'ok', text: 'x', scope: 'sector' })).toEqual(['sector_id'])
    expect(await fields({ shortcut: 'ok', text: 'x', scope: 'sector', sector_id: 999 })).toEqual(['sector_id'])
    expect(await fields({ shortcut: 'ok', text: 'x', scope: 'global', sector_id: sectorA })).toEqual(['sector_id'])
    expect(await fields({ shortcut: 'ok', text: 'x', scope: 'team' })).toEqual(['scope'])

    expect((await post('/api/v1/quick-replies', sup.token, { shortcut: 'a'.repeat(30), text: 'x'.repeat(4096), scope: 'global' })).status).toBe(201)
    expect((await post('/api/v1/quick-replies', sup.token, { shortcut: 'oi', text: 'Bom dia, {cliente}. Protocolo {protocolo}.', scope: 'sector', sector_id: sectorA })).status).toBe(201)
    expect((await post('/api/v1/quick-replies', sup.token, { shortcut: 'oi', text: 'Olá!', scope: 'global' })).status).toBe(201)
    expect((await post('/api/v1/quick-replies', sup.token, { shortcut: 'oi', text: 'Financeiro', scope: 'sector', sector_id: sectorB })).status).toBe(201)
    const dup = await post('/api/v1/quick-replies', sup.token, { shortcut: 'OI', text: 'de novo', scope: 'global' })
    expect(dup.status).toBe(409)
    const body = await dup.json()
    expect(body.error.code).toBe('quick_reply_exists')
    expect(body.error.details[0].field).toBe('shortcut')
  })

  test('GET lists what the caller sees: own personal, global, own sectors (managers: every sector); prefix filters', async () => {
    const list = async (token: string, qs = '') => (await (await api(`/api/v1/quick-replies${qs}`, token)).json()).data as { shortcut: string; scope: string; sector_id: number | null }[]
    const mine = await list(agent.token, '?prefix=/oi')
    expect(mine.map((q) => `${q.scope}:${q.sector_id ?? ''}`).sort()).toEqual(['global:', 'personal:', `sector:${sectorA}`])
    const b = await list(agentB.token, '?prefix=oi')
    expect(b.map((q) => `${q.scope}:${q.sector_id ?? ''}`).sort()).toEqual(['global:', `sector:${sectorB}`])
    const supList = await list(sup.token, '?prefix=oi')
    expect(supList.map((q) => `${q.scope}:${q.sector_id ?? ''}`).sort()).toEqual(['global:', `sector:${sectorA}`, `sector:${sectorB}`])
    expect(await list(agent.token, '?prefix=zz')).toEqual([])
    expect(await list(agent.token, '?prefix=%25')).toEqual([])
    expect((await list(agent.token)).length).toBe(4)
    const paged = await (await api('/api/v1/quick-replies?limit=1', agent.token)).json()
    expect(paged.data).toHaveLength(1)
    expect(paged.next_cursor).not.toBeNull()
  })

  test("someone else's personal reply is a 404 (even for managers); a sector reply an agent sees is a 403 to change", async () => {
    const personal = s.ctx.stores.quickReplies.visibleTo({ userId: agent.id, sectorIds: [], prefix: 'oi', limit: 10 }).find((q) => q.user_id === agent.id)!
    expect((await api(`/api/v1/quick-replies/${personal.id}`, agentB.token)).status).toBe(404)
    expect((await api(`/api/v1/quick-replies/${personal.id}`, admin.token)).status).toBe(404)
    expect((await patch(`/api/v1/quick-replies/${personal.id}`, admin.token, { text: 'hack' })).status).toBe(404)
    expect((await api(`/api/v1/quick-replies/${personal.id}`, agentB.token, { method: 'DELETE' })).status).toBe(404)
    const sectorReply = s.ctx.stores.quickReplies.inScope('oi', sectorA, null)!
    expect((await api(`/api/v1/quick-replies/${sectorReply.id}`, agent.token)).status).toBe(200)
    expect((await api(`/api/v1/quick-replies/${sectorReply.id}`, agentB.token)).status).toBe(404)
    expect((await patch(`/api/v1/quick-replies/${sectorReply.id}`, agent.token, { text: 'mudado' })).status).toBe(403)
    expect((await patch(`/api/v1/quick-replies/${sectorReply.id}`, agent.token, { bogus: 1 })).status).toBe(403)
    expect((await api(`/api/v1/quick-replies/${sectorReply.id}`, agent.token, { method: 'PATCH', body: '{not json' })).status).toBe(403)
    expect((await api(`/api/v1/quick-replies/${sectorReply.id}`, agent.token, { method: 'DELETE' })).status).toBe(403)
    expect(s.ctx.stores.quickReplies.get(sectorReply.id)!.text).toContain('Bom dia')
    // An agent may not turn their personal reply into a global one.
    expect((await patch(`/api/v1/quick-replies/${personal.id}`, agent.token, { scope: 'global' })).status).toBe(403)
  })

  test('the owner edits and deletes a personal one', async () => {
    const personal = s.ctx.stores.quickReplies.inScope('oi', null, agent.id)!
    const res = await patch(`/api/v1/quick-replies/${personal.id}`, agent.token, { text: 'Oi, {cliente}! Aqui é {atendente}.' })
    expect(await res.json()).toMatchObject({ id: personal.id, text: 'Oi, {cliente}! Aqui é {atendente}.', scope: 'personal', user_id: agent.id })
    const del = await api(`/api/v1/quick-replies/${personal.id}`, agent.token, { method: 'DELETE' })
    expect(del.status).toBe(204)
    expect(s.ctx.stores.quickReplies.get(personal.id)).toBeNull()
  })

  test('the OpenAPI document has the new paths with their request bodies', async () => {
    const doc = await (await fetch(`${s.url}/api/v1/openapi.json`)).json()
    for (const p of ['/api/v1/customers', '/api/v1/customers/{id}', '/api/v1/customer-types', '/api/v1/classifications', '/api/v1/classifications/{id}', '/api/v1/quick-replies', '/api/v1/quick-replies/{id}']) {
      expect(doc.paths[p]).toBeDefined()
    }
    expect(doc.paths['/api/v1/customers'].post.requestBody.content['application/json'].schema.properties.code).toBeDefined()
  })
})
