// Custom fields per customer type: the value rules (number, date, choice), the admin page (add,
// validate, order, delete), the API Customer's `fields` (400 with details naming `fields.<key>`),
// the customer form (inputs per type, errors inline, the type select's fragment), and LGPD (export
// includes them, anonymise clears them).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { parseFieldValue } from './fields'

describe('parseFieldValue', () => {
  const num = { kind: 'number' as const, options: [] }
  const date = { kind: 'date' as const, options: [] }
  const choice = { kind: 'choice' as const, options: ['Ouro', 'Prata'] }
  test('numbers: plain, decimal comma, Brazilian thousands, JSON numbers; anything else refused', () => {
    expect(parseFieldValue(num, '1500')).toEqual({ value: '1500' })
    expect(parseFieldValue(num, '1500,5')).toEqual({ value: '1500.5' })
    expect(parseFieldValue(num, '1.500,50')).toEqual({ value: '1500.5' })
    expect(parseFieldValue(num, '-2.5')).toEqual({ value: '-2.5' })
    expect(parseFieldValue(num, 42)).toEqual({ value: '42' })
    for (const bad of ['12a', '1,500.50', 'NaN', '1e5', Infinity, true]) expect(parseFieldValue(num, bad)).toEqual({ error: 'customer_fields.valid_number' })
  })
  test('dates: ISO or dd/mm/aaaa, real days only, stored ISO', () => {
    expect(parseFieldValue(date, '2027-02-28')).toEqual({ value: '2027-02-28' })
    expect(parseFieldValue(date, '29/02/2028')).toEqual({ value: '2028-02-29' })
    for (const bad of ['2027-02-29', '31/04/2027', '2027-2-3', 'amanhã', 20270101]) expect(parseFieldValue(date, bad)).toEqual({ error: 'customer_fields.valid_date' })
  })
  test('choice: one of the options (any case, stored as written); blank is empty', () => {
    expect(parseFieldValue(choice, 'ouro')).toEqual({ value: 'Ouro' })
    expect(parseFieldValue(choice, 'Bronze')).toEqual({ error: 'customer_fields.valid_choice' })
    expect(parseFieldValue(choice, '  ')).toEqual({ value: null })
    expect(parseFieldValue(choice, null)).toEqual({ value: null })
  })
})

describe('with a server', () => {
  let s: TestServer
  let admin: Browser
  let adminToken: string
  let agentToken: string
  let empresa: number
  let pessoa: number
  const XSS = '<img src=x onerror=alert(1)>'

  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(s.url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })
  const json = (method: string, path: string, token: string, body: unknown) => api(path, token, { method, body: JSON.stringify(body) })
  const pageOf = async (b: Browser, path: string) => {
    const res = await b.fetch(path)
    return { status: res.status, html: await res.text() }
  }

  beforeAll(async () => {
    s = await startTestServer()
    adminToken = (await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })).token
    agentToken = (await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent' })).token
    ;[empresa, pessoa] = write(s.ctx.db, () => [s.ctx.stores.customers.types.create('Empresa'), s.ctx.stores.customers.types.create('Pessoa')])
    admin = new Browser(s.url)
    expect((await admin.login('admin@example.com')).status).toBe(303)
  })
  afterAll(() => s.stop())

  describe('the admin page of a type', () => {
    test('adds fields of each kind; refuses bad keys, reserved keys and bad options with Portuguese messages', async () => {
      const csrf = await admin.csrf(`/admin/customer-types/${empresa}`)
      const add = (fields: Record<string, string>) => admin.post(`/admin/customer-types/${empresa}/fields`, { _csrf: csrf, ...fields })
      expect((await add({ label: `Contrato ${XSS}`, key: 'contrato', kind: 'text', required: '1' })).status).toBe(303)
      expect((await add({ label: 'Limite de crédito', key: 'limite', kind: 'number' })).status).toBe(303)
      expect((await add({ label: 'Cliente desde', key: 'desde', kind: 'date' })).status).toBe(303)
      expect((await add({ label: 'Plano', key: 'plano', kind: 'choice', options: 'Ouro\nPrata\n\n' })).status).toBe(303)

      const bad = await add({ label: 'Nome', key: 'nome', kind: 'text' })
      expect(bad.status).toBe(422)
      expect(await bad.text()).toContain('Esta chave é reservada aos dados do cliente')
      const badKey = await add({ label: 'X', key: 'Com Espaço', kind: 'text' })
      expect(await badKey.text()).toContain('A chave deve começar com uma letra minúscula')
      const dup = await add({ label: 'Outro', key: 'limite', kind: 'text' })
      expect(await dup.text()).toContain('Já existe um campo com esta chave neste tipo.')
      const noOptions = await add({ label: 'Cor', key: 'cor', kind: 'choice', options: '' })
      const html = await noOptions.text()
      expect(html).toContain('Informe de 1 a 50 opções diferentes')
      // What was typed stays.
      expect(html).toContain('value="cor"')

      const fields = s.ctx.stores.customers.fields.ofType(empresa)
      expect(fields.map((f) => [f.key, f.kind, f.required, f.position])).toEqual([
        ['contrato', 'text', true, 1],
        ['limite', 'number', false, 2],
        ['desde', 'date', false, 3],
        ['plano', 'choice', false, 4],
      ])
      expect(fields[3].options).toEqual(['Ouro', 'Prata'])
      const page = await pageOf(admin, `/admin/customer-types/${empresa}`)
      expect(page.html).not.toContain('>Contrato <img')
      expect(page.html).toContain('<span>Contrato &lt;img src=x onerror=alert(1)&gt;</span>')
      // The types page links to it and counts the fields.
      expect((await pageOf(admin, '/admin/customer-types')).html).toContain(`href="/admin/customer-types/${empresa}"`)
    })

    test('reorders and edits a field (key and kind fixed); deletes one', async () => {
      const csrf = await admin.csrf(`/admin/customer-types/${empresa}`)
      const plano = s.ctx.stores.customers.fields.ofType(empresa).find((f) => f.key === 'plano')!
      const res = await admin.post(`/admin/customer-types/${empresa}/fields/${plano.id}`, { _csrf: csrf, label: 'Plano contratado', options: 'Ouro\nPrata\nBronze', position: '1', key: 'hack', kind: 'number' })
      expect(res.status).toBe(303)
      const after = s.ctx.stores.customers.fields.get(plano.id)!
      expect(after).toMatchObject({ key: 'plano', kind: 'choice', label: 'Plano contratado', options: ['Ouro', 'Prata', 'Bronze'], position: 1 })
      expect(s.ctx.stores.customers.fields.ofType(empresa)[0].key).toBe('plano')
      write(s.ctx.db, () => s.ctx.stores.customers.fields.create(empresa, { key: 'temp', label: 'Temporário', kind: 'text', options: [], required: false }))
      const temp = s.ctx.stores.customers.fields.ofType(empresa).find((f) => f.key === 'temp')!
      expect((await admin.post(`/admin/customer-types/${empresa}/fields/${temp.id}/delete`, { _csrf: csrf })).status).toBe(303)
      expect(s.ctx.stores.customers.fields.get(temp.id)).toBeNull()
      // Another type's field through this type's URL: 404. Without CSRF: refused.
      expect((await admin.post(`/admin/customer-types/${pessoa}/fields/${plano.id}/delete`, { _csrf: csrf })).status).toBe(404)
      expect((await admin.post(`/admin/customer-types/${empresa}/fields/${plano.id}/delete`, {})).status).toBe(403)
      // An agent may not manage fields.
      const agent = new Browser(s.url)
      await agent.login('agent@example.com')
      expect((await pageOf(agent, `/admin/customer-types/${empresa}`)).status).toBe(403)
    })

    test('an option in use cannot be removed', async () => {
      const plano = s.ctx.stores.customers.fields.ofType(empresa).find((f) => f.key === 'plano')!
      const res = await json('POST', '/api/v1/customers', adminToken, { name: 'Usa Bronze', type_id: empresa, fields: { contrato: 'C-9', plano: 'Bronze' } })
      expect(res.status).toBe(201)
      const csrf = await admin.csrf(`/admin/customer-types/${empresa}`)
      const r = await admin.post(`/admin/customer-types/${empresa}/fields/${plano.id}`, { _csrf: csrf, label: 'Plano', options: 'Ouro\nPrata', position: '1' })
      expect(r.status).toBe(422)
      expect(await r.text()).toContain('Uma opção removida ainda está preenchida em clientes')
    })
  })

  describe('the API', () => {
    let id: number
    test('POST with fields: stored canonical; numbers come back as numbers, empty ones as null', async () => {
      const res = await json('POST', '/api/v1/customers', agentToken, { name: 'Alfa Ltda', type_id: empresa, fields: { contrato: ' C-1 ', limite: '1.500,50', desde: '01/02/2020' } })
      expect(res.status).toBe(201)
      const body = await res.json()
      expect(body.fields).toEqual({ plano: null, contrato: 'C-1', limite: 1500.5, desde: '2020-02-01' })
      id = body.id
      expect((await (await api(`/api/v1/customers/${id}`, agentToken)).json()).fields).toEqual(body.fields)
      const types = await (await api(`/api/v1/customer-types/${empresa}/fields`, agentToken)).json()
      expect(types.data.map((f: { key: string }) => f.key)).toEqual(['plano', 'contrato', 'limite', 'desde'])
    })

    test('bad values → 400 naming each field, in Portuguese; nothing written', async () => {
      const before = s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM customers').get()!.n
      const res = await json('POST', '/api/v1/customers', agentToken, { name: 'Beta', type_id: empresa, fields: { limite: 'muito', desde: '2027-02-30', plano: 'Diamante', outro: 'x' } })
      expect(res.status).toBe(400)
      const { error } = await res.json()
      expect(error.code).toBe('validation_failed')
      const byField = Object.fromEntries(error.details.map((d: { field: string; message: string }) => [d.field, d.message]))
      expect(byField).toEqual({
        'fields.outro': 'Este campo não existe no tipo de cliente escolhido.',
        'fields.limite': 'Informe um número, como 1500 ou 1.500,50.',
        'fields.desde': 'Informe uma data válida (dd/mm/aaaa ou aaaa-mm-dd).',
        'fields.plano': 'Escolha uma das opções da lista.',
        'fields.contrato': 'Preencha este campo obrigatório.',
      })
      expect(s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM customers').get()!.n).toBe(before)
      // Creating with the type but without fields: the required one is still required.
      const missing = await json('POST', '/api/v1/customers', agentToken, { name: 'Gama', type_id: empresa })
      expect((await missing.json()).error.details).toEqual([{ field: 'fields.contrato', message: 'Preencha este campo obrigatório.' }])
    })

    test('PATCH changes the fields sent; null clears; a type change drops the old type’s values', async () => {
      const res = await json('PATCH', `/api/v1/customers/${id}`, agentToken, { fields: { limite: 2000, desde: null } })
      expect(res.status).toBe(200)
      expect((await res.json()).fields).toMatchObject({ contrato: 'C-1', limite: 2000, desde: null })
      // Other changes leave the fields alone.
      expect((await (await json('PATCH', `/api/v1/customers/${id}`, agentToken, { notes: 'ok' })).json()).fields.limite).toBe(2000)
      const moved = await json('PATCH', `/api/v1/customers/${id}`, agentToken, { type_id: pessoa })
      expect(moved.status).toBe(200)
      expect((await moved.json()).fields).toEqual({})
      expect(s.ctx.stores.customers.fields.values(id).size).toBe(0)
      const audit = s.ctx.db.query<{ details: string }, []>("SELECT details FROM audit_log WHERE action = 'customer.update' ORDER BY id DESC LIMIT 3").all()
      expect(audit.map((a) => JSON.parse(a.details).fields)).toContainEqual(['fields.limite', 'fields.desde'])
    })
  })

  describe('the customer form', () => {
    test('shows the type’s inputs; errors inline with what was typed; saves', async () => {
      const csrf = await admin.csrf('/customers/new')
      const bad = await admin.post('/customers', { _csrf: csrf, name: 'Delta', type_id: String(empresa), 'field.contrato': '', 'field.limite': '12x', 'field.plano': 'Ouro' })
      expect(bad.status).toBe(422)
      const html = await bad.text()
      expect(html).toContain('Preencha este campo obrigatório.')
      expect(html).toContain('Informe um número, como 1500 ou 1.500,50.')
      expect(html).toContain('value="12x"')
      expect(html).toMatch(/<option value="Ouro" selected/)
      const ok = await admin.post('/customers', { _csrf: csrf, name: 'Delta', type_id: String(empresa), 'field.contrato': 'D-4', 'field.limite': '10', 'field.desde': '2024-05-06' })
      expect(ok.status).toBe(303)
      const page = await pageOf(admin, ok.headers.get('location')!)
      expect(page.html).toContain('name="field.contrato"')
      expect(page.html).toContain('value="D-4"')
      expect(page.html).toContain('value="2024-05-06"')
    })

    test('the type select’s fragment: the chosen type’s inputs, with the prefix', async () => {
      const frag = await pageOf(admin, `/customers/field-inputs?type_id=${empresa}&prefix=ws-c9-`)
      expect(frag.status).toBe(200)
      expect(frag.html).toContain('id="ws-c9-custom-fields"')
      expect(frag.html).toContain('id="ws-c9-cf-limite"')
      expect((await pageOf(admin, `/customers/field-inputs?type_id=${pessoa}`)).html).toBe('<div id="custom-fields" class="custom-fields"></div>')
      expect((await pageOf(admin, '/customers/field-inputs?type_id=abc&prefix="><x')).html).toBe('<div id="custom-fields" class="custom-fields"></div>')
    })
  })

  describe('LGPD', () => {
    test('the export includes the fields; anonymise clears them', async () => {
      const c = await (await json('POST', '/api/v1/customers', adminToken, { name: 'Épsilon', type_id: empresa, fields: { contrato: 'E-5', limite: 7 } })).json()
      const exp = await (await api(`/api/v1/customers/${c.id}/export`, adminToken)).json()
      expect(exp.customer.fields).toMatchObject({ contrato: 'E-5', limite: 7 })
      expect((await json('POST', `/api/v1/customers/${c.id}/anonymize`, adminToken, {})).status).toBe(200)
      expect(s.ctx.stores.customers.fields.values(c.id).size).toBe(0)
    })
  })
})
