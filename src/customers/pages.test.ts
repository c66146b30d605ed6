// The pages over HTTP with real sessions: customers (list, search, pagination, form with inline
// errors in Portuguese, the live code check), customer types, classifications and quick replies
// (preview of the variables) — with permissions, CSRF, and hostile names and texts rendered as text.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
let admin: Browser
let agent: Browser // sector A
let agentB: Browser // sector B
let sup: Browser
let viewer: Browser // custom profile: customers.view only
let nobody: Browser // custom profile: no permission
let sectorA: number
let sectorB: number

const XSS = '<img src=x onerror=alert(1)>'
const XSS_ESCAPED = '&lt;img src=x onerror=alert(1)&gt;'
const SCRIPT = '<script>alert("x")</script>'

const page = async (b: Browser, path: string) => {
  const res = await b.fetch(path)
  return { status: res.status, html: await res.text(), res }
}
const csrfOf = (b: Browser) => b.csrf('/profile')
/** A form POST the way htmx sends it (CSRF header, HX-Request, HX-Target). */
async function htmxPost(b: Browser, path: string, fields: Record<string, string>, csrf: string | null, target?: string) {
  const headers: Record<string, string> = { 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' }
  if (csrf) headers['x-csrf-token'] = csrf
  if (target) headers['hx-target'] = target
  const res = await b.fetch(path, { method: 'POST', body: new URLSearchParams(fields), headers })
  return { status: res.status, html: await res.text() }
}
const customerCount = () => s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM customers').get()!.n

beforeAll(async () => {
  s = await startTestServer()
  const sector = (name: string) =>
    write(s.ctx.db, () => s.ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  sectorA = sector('Vendas')
  sectorB = sector(`Suporte ${XSS}`)
  const profile = (name: string, permissions: string[]) =>
    write(s.ctx.db, () =>
      s.ctx.db.query<{ id: number }, [string, string]>('INSERT INTO profiles (key, name, permissions, created_at, updated_at) VALUES (NULL, ?, ?, 0, 0) RETURNING id').get(name, JSON.stringify(permissions))!.id,
    )
  const readOnly = profile('Consulta', ['customers.view'])
  const none = profile('Nada', [])
  await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })
  await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', name: `Gil ${XSS}`, sector_ids: [sectorA] })
  await seedUser(s.ctx, { email: 'agentb@example.com', profile: 'agent', name: 'Bia Agent', sector_ids: [sectorB] })
  await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor', name: 'Sol Supervisor' })
  await seedUser(s.ctx, { email: 'viewer@example.com', profile: String(readOnly), name: 'Vera Viewer' })
  await seedUser(s.ctx, { email: 'nobody@example.com', profile: String(none), name: 'Nil Nobody' })
  const login = async (email: string) => {
    const b = new Browser(s.url)
    expect((await b.login(email)).status).toBe(303)
    return b
  }
  ;[admin, agent, agentB, sup, viewer, nobody] = await Promise.all(['admin', 'agent', 'agentb', 'sup', 'viewer', 'nobody'].map((n) => login(`${n}@example.com`)))
})
afterAll(() => s.stop())

describe('navigation and permissions', () => {
  test('the menu shows each page only to whom may open it', async () => {
    const nav = async (b: Browser) => {
      const html = (await page(b, '/')).html
      return ['/customers', '/admin/quick-replies', '/admin/classifications', '/admin/customer-types'].filter((h) => html.includes(`href="${h}"`))
    }
    expect(await nav(admin)).toEqual(['/customers', '/admin/quick-replies', '/admin/classifications', '/admin/customer-types'])
    expect(await nav(sup)).toEqual(['/customers', '/admin/quick-replies', '/admin/classifications'])
    expect(await nav(agent)).toEqual(['/customers', '/admin/quick-replies'])
    expect(await nav(nobody)).toEqual(['/admin/quick-replies'])
  })

  test('without the permission: a 403 page in Portuguese on every page and action', async () => {
    for (const path of ['/customers', '/customers/rows', '/customers/new', '/customers/1']) {
      const r = await page(nobody, path)
      expect(r.status).toBe(403)
      expect(r.html).toContain('Você não tem permissão para acessar isto.')
    }
    for (const path of ['/admin/classifications', '/admin/classifications/1', '/admin/customer-types']) {
      expect((await page(agent, path)).status).toBe(403)
    }
    expect((await page(viewer, '/customers/new')).status).toBe(403)
    const csrf = await csrfOf(agent)
    expect((await agent.post('/admin/classifications', { _csrf: csrf, name: 'X' })).status).toBe(403)
    expect((await agent.post('/admin/customer-types', { _csrf: csrf, name: 'X' })).status).toBe(403)
    expect((await agent.post('/admin/classifications/1/deactivate', { _csrf: csrf })).status).toBe(403)
    const vcsrf = await csrfOf(viewer)
    expect((await viewer.post('/customers', { _csrf: vcsrf, name: 'X' })).status).toBe(403)
    expect((await viewer.post('/customers/code-check', { _csrf: vcsrf, code: '52998224725' })).status).toBe(403)
    expect(customerCount()).toBe(0)
    expect(s.ctx.stores.classifications.list()).toHaveLength(0)
  })

  test('a POST without the CSRF token is refused', async () => {
    expect((await agent.post('/customers', { name: 'Sem token' })).status).toBe(403)
    expect((await htmxPost(agent, '/customers/code-check', { code: '52998224725' }, null)).status).toBe(403)
    expect((await htmxPost(agent, '/admin/quick-replies/preview', { text: 'x' }, null)).status).toBe(403)
    expect(customerCount()).toBe(0)
  })
})

describe('customers', () => {
  test('empty state, then the form: inline errors in Portuguese keep what was typed', async () => {
    expect((await page(agent, '/customers')).html).toContain('Nenhum cliente cadastrado ainda.')
    const csrf = await agent.csrf('/customers/new')
    const bad = await agent.post('/customers', { _csrf: csrf, name: 'Zé da Silva', code: '529.982.247-26', email: 'ze@', phone: '12', notes: 'anotação' })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('Corrija os campos destacados.')
    expect(html).toContain('CPF inválido: os dígitos verificadores não conferem.')
    expect(html).toContain('Informe um e-mail válido')
    expect(html).toContain('Informe um telefone com DDD')
    expect(html).toContain('value="Zé da Silva"')
    expect(html).toContain('value="529.982.247-26"')
    expect(html).toContain('value="ze@"')
    expect(html).toContain('anotação</textarea>')
    expect(html).toMatch(/id="code"[^>]*aria-invalid="true"/)

    const cnpj = await agent.post('/customers', { _csrf: csrf, name: 'Empresa', code: '12ABC34501DE36' })
    expect(await cnpj.text()).toContain('CNPJ inválido: os dígitos verificadores não conferem.')
    const blank = await agent.post('/customers', { _csrf: csrf, name: '  ' })
    expect(await blank.text()).toContain('Informe o nome do cliente')
    expect(customerCount()).toBe(0)
  })

  test('create: redirect to the customer with a flash; the code is shown formatted', async () => {
    const csrf = await agent.csrf('/customers/new')
    const ok = await agent.post('/customers', { _csrf: csrf, name: 'Maria Souza', code: '52998224725', email: 'maria@example.com', phone: '(83) 99999-0000', type_id: '', notes: '' })
    expect(ok.status).toBe(303)
    const location = ok.headers.get('location')!
    expect(location).toMatch(/^\/customers\/\d+\?ok=customers\.created$/)
    const r = await page(agent, location)
    expect(r.html).toContain('Cliente cadastrado.')
    expect(r.html).toContain('CPF 529.982.247-25')
    expect(r.html).toContain('value="529.982.247-25"')
    expect(r.html).toContain('value="(83) 99999-0000"')
    expect(s.ctx.stores.customers.byCode('52998224725')).toMatchObject({ name: 'Maria Souza', phone: '83999990000', email: 'maria@example.com', notes: null })
  })

  test('a duplicate code is an inline error, however it is typed', async () => {
    const csrf = await agent.csrf('/customers/new')
    const dup = await agent.post('/customers', { _csrf: csrf, name: 'Outra', code: '529 982 247 25' })
    expect(dup.status).toBe(422)
    const html = await dup.text()
    expect(html).toContain('Já existe um cliente com este CPF/CNPJ.')
    expect(html).toContain('value="Outra"')
  })

  test('the live code check: valid (formatted), invalid (why), taken (a link), its own code is fine', async () => {
    const csrf = await csrfOf(agent)
    const maria = s.ctx.stores.customers.byCode('52998224725')!
    const ok = await htmxPost(agent, '/customers/code-check', { code: '12.abc.345/01de-35' }, csrf, 'div#code-check')
    expect(ok.status).toBe(200)
    expect(ok.html.startsWith('<div id="code-check"')).toBe(true)
    expect(ok.html).toContain('CNPJ válido: 12.ABC.345/01DE-35')
    expect((await htmxPost(agent, '/customers/code-check', { code: '11111111111' }, csrf)).html).toContain('CPF inválido')
    expect((await htmxPost(agent, '/customers/code-check', { code: '123' }, csrf)).html).toContain('Informe um CPF (11 dígitos) ou um CNPJ')
    const taken = await htmxPost(agent, '/customers/code-check', { code: '529.982.247-25' }, csrf)
    expect(taken.html).toContain('Este CPF/CNPJ já está cadastrado para:')
    expect(taken.html).toContain(`href="/customers/${maria.id}"`)
    const self = await htmxPost(agent, '/customers/code-check', { code: '529.982.247-25', customer_id: String(maria.id) }, csrf)
    expect(self.html).toContain('CPF válido: 529.982.247-25')
    expect((await htmxPost(agent, '/customers/code-check', { code: '' }, csrf)).html).toBe('<div id="code-check" aria-live="polite"></div>')
    const prefixed = await htmxPost(agent, '/customers/code-check', { code: '' }, csrf, 'div#pf-code-check')
    expect(prefixed.html).toContain('id="pf-code-check"')
    const hostile = await htmxPost(agent, '/customers/code-check', { code: '' }, csrf, 'div#x"><script>')
    expect(hostile.html).toContain('id="code-check"')
  })

  test('edit: saves, keeps typed values on error; a user with view only sees a read-only form', async () => {
    const maria = s.ctx.stores.customers.byCode('52998224725')!
    const form = await page(agent, `/customers/${maria.id}`)
    expect(form.html).toContain('value="Maria Souza"')
    expect(form.html).toContain(`hx-vals="{&#34;customer_id&#34;:&#34;${maria.id}&#34;}"`)
    const csrf = await agent.csrf(`/customers/${maria.id}`)
    const bad = await agent.post(`/customers/${maria.id}`, { _csrf: csrf, name: 'Maria S.', code: '52998224725', email: 'errado', phone: '', notes: '' })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('value="errado"')
    const ok = await agent.post(`/customers/${maria.id}`, { _csrf: csrf, name: 'Maria S.', code: '529.982.247-25', email: '', phone: '', notes: 'VIP' })
    expect(ok.headers.get('location')).toBe(`/customers/${maria.id}?ok=customers.saved`)
    expect(s.ctx.stores.customers.get(maria.id)).toMatchObject({ name: 'Maria S.', email: null, phone: null, notes: 'VIP', code: '52998224725' })

    const ro = await page(viewer, `/customers/${maria.id}`)
    expect(ro.status).toBe(200)
    expect(ro.html).toContain('Você pode consultar os dados dos clientes, mas não alterá-los.')
    expect(ro.html).toContain('<fieldset disabled>')
    expect(ro.html).not.toContain('type="submit">Salvar')
    expect((await page(agent, '/customers/999999')).status).toBe(404)
    expect((await page(agent, '/customers/abc')).status).toBe(404)
  })

  test('search by name, code with or without punctuation, e-mail, phone; the htmx fragment; empty result escaped', async () => {
    const csrf = await agent.csrf('/customers/new')
    await agent.post('/customers', { _csrf: csrf, name: 'Alfa Comércio', code: '12abc34501de35', email: 'contato@alfa.com.br', phone: '+55 11 3333-4444' })
    const rows = async (q: string) => (await page(agent, `/customers/rows?q=${encodeURIComponent(q)}`)).html
    expect((await rows('alfa')).startsWith('<div id="customers-rows"')).toBe(true)
    expect(await rows('alfa')).toContain('Alfa Comércio')
    expect(await rows('alfa')).not.toContain('Maria S.')
    for (const q of ['12.ABC.345/01DE-35', '12abc34501de35', '12 abc', 'contato@alfa', '3333-4444', '5511']) {
      expect({ q, found: (await rows(q)).includes('Alfa Comércio') }).toEqual({ q, found: true })
    }
    expect(await rows('529.982.247-25')).toContain('Maria S.')
    expect(await rows('12.ABC.345/01DE-35')).toContain('12.ABC.345/01DE-35') // formatted in the table
    const none = await rows(`nada ${XSS}`)
    expect(none).toContain(`Nenhum cliente encontrado para “nada ${XSS_ESCAPED}”.`)
    expect(none).not.toContain('<img')
    const full = await page(agent, '/customers?q=alfa')
    expect(full.html).toContain('value="alfa"')
    expect(full.html).toContain('Alfa Comércio')
  })

  test('pagination walks every customer, newest first', async () => {
    for (let i = 0; i < 30; i++) write(s.ctx.db, () => s.ctx.stores.customers.create({ name: `Cliente ${String(i).padStart(2, '0')}`, code: null, code_type: null, type_id: null, email: null, phone: null, notes: null }))
    const first = (await page(agent, '/customers')).html
    expect(first).toContain('Cliente 29')
    expect(first).not.toContain('Maria S.')
    const next = /href="\/customers\?before=(\d+)"/.exec(first)
    expect(next).not.toBeNull()
    const second = (await page(agent, `/customers?before=${next![1]}`)).html
    expect(second).toContain('Maria S.')
    expect(second).not.toContain('Cliente 29')
    expect(second).toContain('href="/customers"')
  })

  test('hostile names and types render as text in the list, the form, the title and the select', async () => {
    const type = write(s.ctx.db, () => s.ctx.stores.customers.types.create(`Tipo ${SCRIPT}`))
    const csrf = await agent.csrf('/customers/new')
    const res = await agent.post('/customers', { _csrf: csrf, name: XSS, type_id: String(type), notes: SCRIPT, email: '', phone: '', code: '' })
    expect(res.status).toBe(303)
    const list = (await page(agent, '/customers')).html
    expect(list).toContain(XSS_ESCAPED)
    expect(list).toContain('Tipo &lt;script&gt;')
    expect(list).not.toContain('<img src=x')
    expect(list).not.toContain(SCRIPT)
    const form = (await page(agent, res.headers.get('location')!)).html
    // Inside a quoted attribute < and > are inert (the renderer escapes the quote); everywhere else they must be escaped.
    expect(form).toContain('value="&lt;img src=x onerror=alert(1)&gt;"'.replace(/&lt;/g, '<').replace(/&gt;/g, '>'))
    const outsideAttributes = form.replace(/="[^"]*"/g, '=""')
    expect(outsideAttributes).not.toContain('<img src=x')
    expect(outsideAttributes).not.toContain(SCRIPT)
    expect(form).toContain(`<h1>${XSS_ESCAPED}</h1>`)
    expect(form).toContain('<title>Dados do cliente · Kumquat</title>')
    // The header shows the agent's own hostile name escaped too.
    expect(form).toContain('Gil &lt;img')
  })
})

describe('customer types', () => {
  test('empty state, create, duplicate (inline error), rename, counts', async () => {
    // The earlier test created one type directly; start from a clean list.
    s.ctx.db.exec('UPDATE customers SET type_id = NULL')
    s.ctx.db.exec('DELETE FROM customer_types')
    expect((await page(admin, '/admin/customer-types')).html).toContain('Nenhum tipo de cliente cadastrado.')
    const csrf = await admin.csrf('/admin/customer-types')
    const ok = await admin.post('/admin/customer-types', { _csrf: csrf, name: 'Pessoa física' })
    expect(ok.headers.get('location')).toBe('/admin/customer-types?ok=customer_types.created')
    expect((await page(admin, '/admin/customer-types?ok=customer_types.created')).html).toContain('Tipo de cliente criado.')
    const dup = await admin.post('/admin/customer-types', { _csrf: csrf, name: 'PESSOA FÍSICA' })
    expect(dup.status).toBe(422)
    const dupHtml = await dup.text()
    expect(dupHtml).toContain('Já existe um tipo de cliente com este nome.')
    expect(dupHtml).toContain('value="PESSOA FÍSICA"')
    const type = s.ctx.stores.customers.types.byName('Pessoa física')!
    const renamed = await admin.post(`/admin/customer-types/${type.id}`, { _csrf: csrf, name: `PF ${XSS}` })
    expect(renamed.status).toBe(303)
    write(s.ctx.db, () => s.ctx.db.query('UPDATE customers SET type_id = ? WHERE id IN (SELECT id FROM customers LIMIT 3)').run(type.id))
    const html = (await page(admin, '/admin/customer-types')).html
    expect(html).toContain(`value="PF ${XSS}"`) // inert inside the quoted attribute
    expect(html.replace(/="[^"]*"/g, '=""')).not.toContain('<img src=x')
    expect(html).toContain('<td>3</td>')
    const blank = await admin.post(`/admin/customer-types/${type.id}`, { _csrf: csrf, name: '' })
    expect(blank.status).toBe(422)
    expect(await blank.text()).toContain('Informe um nome (até 80 caracteres).')
    expect((await admin.post('/admin/customer-types/999', { _csrf: csrf, name: 'X' })).status).toBe(404)
  })
})

describe('classifications', () => {
  test('empty state; create global and per sector; duplicate in the same sector is an inline error', async () => {
    const empty = await page(sup, '/admin/classifications')
    expect(empty.status).toBe(200)
    expect(empty.html).toContain('Nenhuma classificação cadastrada.')
    const csrf = await sup.csrf('/admin/classifications')
    expect((await sup.post('/admin/classifications', { _csrf: csrf, name: 'Resolvido', sector_id: '' })).headers.get('location')).toBe('/admin/classifications?ok=classifications.created')
    expect((await sup.post('/admin/classifications', { _csrf: csrf, name: `Venda ${XSS}`, sector_id: String(sectorA) })).status).toBe(303)
    expect((await sup.post('/admin/classifications', { _csrf: csrf, name: 'Reembolso', sector_id: String(sectorB) })).status).toBe(303)
    const dup = await sup.post('/admin/classifications', { _csrf: csrf, name: 'resolvido', sector_id: '' })
    expect(dup.status).toBe(422)
    const dupHtml = await dup.text()
    expect(dupHtml).toContain('Já existe uma classificação com este nome neste setor.')
    expect(dupHtml).toContain('value="resolvido"')
    const badSector = await sup.post('/admin/classifications', { _csrf: csrf, name: 'X', sector_id: '999' })
    expect(await badSector.text()).toContain('Escolha um setor existente')

    const html = (await page(sup, '/admin/classifications')).html
    expect(html).toContain('Todos os setores')
    expect(html).toContain(`Venda ${XSS_ESCAPED}`)
    expect(html).toContain(`Suporte ${XSS_ESCAPED}`) // the hostile sector name, in the select and the table
    expect(html).not.toContain('<img src=x')
  })

  test('filter by sector or global; deactivate and activate; edit', async () => {
    const onlyA = (await page(sup, `/admin/classifications?sector=${sectorA}`)).html
    expect(onlyA).toContain('Venda')
    expect(onlyA).not.toContain('Reembolso')
    const global = (await page(sup, '/admin/classifications?sector=global')).html
    expect(global).toContain('Resolvido')
    expect(global).not.toContain('Reembolso')
    expect((await page(sup, '/admin/classifications?sector=<x>')).status).toBe(200)

    const c = s.ctx.stores.classifications.sameName('Reembolso', sectorB)!
    const csrf = await sup.csrf('/admin/classifications')
    expect((await sup.post(`/admin/classifications/${c.id}/deactivate`, { _csrf: csrf })).status).toBe(303)
    expect(s.ctx.stores.classifications.get(c.id)!.active).toBe(false)
    expect((await page(sup, '/admin/classifications')).html).toContain('Inativa')
    expect(s.ctx.stores.classifications.activeFor(sectorB).map((x) => x.name)).toEqual(['Resolvido'])
    expect((await sup.post(`/admin/classifications/${c.id}/activate`, { _csrf: csrf })).status).toBe(303)
    expect(s.ctx.stores.classifications.get(c.id)!.active).toBe(true)
    expect((await sup.post(`/admin/classifications/${c.id}/explode`, { _csrf: csrf })).status).toBe(404)

    const edit = await page(sup, `/admin/classifications/${c.id}`)
    expect(edit.html).toContain('value="Reembolso"')
    const saved = await sup.post(`/admin/classifications/${c.id}`, { _csrf: csrf, name: 'Estorno', sector_id: '' })
    expect(saved.status).toBe(303)
    expect(s.ctx.stores.classifications.get(c.id)).toMatchObject({ name: 'Estorno', sector_id: null, active: true })
    const bad = await sup.post(`/admin/classifications/${c.id}`, { _csrf: csrf, name: '', sector_id: '' })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('Informe um nome (até 120 caracteres).')
  })
})

describe('quick replies', () => {
  test('empty state; an agent creates a personal one (no global/sector options offered)', async () => {
    const empty = await page(agent, '/admin/quick-replies')
    expect(empty.status).toBe(200)
    expect(empty.html).toContain('Nenhuma tag rápida ainda.')
    expect(empty.html).toContain('{cliente}') // the variables help
    const form = (await page(agent, '/admin/quick-replies/new')).html
    expect(form).not.toContain('value="global"')
    expect(form).toContain('<input type="hidden" name="scope" value="personal"')
    const csrf = await agent.csrf('/admin/quick-replies/new')
    const bad = await agent.post('/admin/quick-replies', { _csrf: csrf, shortcut: 'Olá Mundo', text: 'x', scope: 'personal' })
    expect(bad.status).toBe(422)
    const badHtml = await bad.text()
    expect(badHtml).toContain('O atalho deve ter de 1 a 30 caracteres')
    expect(badHtml).toContain('value="Olá Mundo"')
    const ok = await agent.post('/admin/quick-replies', { _csrf: csrf, shortcut: '/oi', text: `Oi {cliente}! ${SCRIPT}`, scope: 'personal' })
    expect(ok.headers.get('location')).toBe('/admin/quick-replies?ok=quick_replies.created')
    const list = (await page(agent, '/admin/quick-replies?ok=quick_replies.created')).html
    expect(list).toContain('Tag rápida criada.')
    expect(list).toContain('/oi')
    expect(list).toContain('Oi {cliente}! &lt;script&gt;')
    expect(list).not.toContain(SCRIPT)
    const dup = await agent.post('/admin/quick-replies', { _csrf: csrf, shortcut: 'oi', text: 'outra', scope: 'personal' })
    expect(dup.status).toBe(422)
    expect(await dup.text()).toContain('Já existe uma tag rápida com este atalho')
  })

  test('an agent forging scope=global is refused; a supervisor creates sector and global ones', async () => {
    const csrf = await agent.csrf('/admin/quick-replies/new')
    expect((await agent.post('/admin/quick-replies', { _csrf: csrf, shortcut: 'todos', text: 'x', scope: 'global' })).status).toBe(403)
    expect((await agent.post('/admin/quick-replies', { _csrf: csrf, shortcut: 'setor', text: 'x', scope: 'sector', sector_id: String(sectorA) })).status).toBe(403)
    const scsrf = await sup.csrf('/admin/quick-replies/new')
    expect((await sup.post('/admin/quick-replies', { _csrf: scsrf, shortcut: 'bomdia', text: 'Bom dia, {cliente}! Protocolo {protocolo}.', scope: 'sector', sector_id: String(sectorA) })).status).toBe(303)
    expect((await sup.post('/admin/quick-replies', { _csrf: scsrf, shortcut: 'tchau', text: 'Até logo!', scope: 'global', sector_id: String(sectorA) })).status).toBe(303)
    const noSector = await sup.post('/admin/quick-replies', { _csrf: scsrf, shortcut: 'x', text: 'x', scope: 'sector', sector_id: '' })
    expect(noSector.status).toBe(422)
    expect(await noSector.text()).toContain('Escolha um setor existente.')
    expect(s.ctx.stores.quickReplies.inScope('tchau', null, null)).not.toBeNull()
  })

  test('who sees and changes what: list per user, 404 for another’s personal one, 403 for a sector one', async () => {
    const agentList = (await page(agent, '/admin/quick-replies')).html
    expect(agentList).toContain('/bomdia')
    expect(agentList).toContain('/tchau')
    const bomdia = s.ctx.stores.quickReplies.inScope('bomdia', sectorA, null)!
    expect(agentList).not.toContain(`href="/admin/quick-replies/${bomdia.id}"`) // not editable by the agent
    const bList = (await page(agentB, '/admin/quick-replies')).html
    expect(bList).not.toContain('/bomdia')
    expect(bList).not.toContain('/oi<')
    expect(bList).toContain('Você pode criar tags pessoais.')
    const mine = s.ctx.db.query<{ id: number }, []>("SELECT id FROM quick_replies WHERE shortcut = 'oi'").get()!
    expect((await page(agentB, `/admin/quick-replies/${mine.id}`)).status).toBe(404)
    expect((await page(sup, `/admin/quick-replies/${mine.id}`)).status).toBe(404)
    expect((await page(agent, `/admin/quick-replies/${bomdia.id}`)).status).toBe(403)
    const csrf = await csrfOf(agentB)
    expect((await agentB.post(`/admin/quick-replies/${mine.id}/delete`, { _csrf: csrf })).status).toBe(404)
    const acsrf = await csrfOf(agent)
    expect((await agent.post(`/admin/quick-replies/${bomdia.id}`, { _csrf: acsrf, shortcut: 'bomdia', text: 'mudado', scope: 'sector', sector_id: String(sectorA) })).status).toBe(403)
    expect(s.ctx.stores.quickReplies.get(bomdia.id)!.text).toContain('Bom dia')
    const supList = (await page(sup, '/admin/quick-replies')).html
    expect(supList).toContain(`href="/admin/quick-replies/${bomdia.id}"`)
    expect(supList).toContain('Setor: Vendas')
  })

  test('the preview expands the variables with sample data, escaped, and flags unknown ones', async () => {
    const csrf = await csrfOf(agent)
    const r = await htmxPost(agent, '/admin/quick-replies/preview', { text: `Olá {cliente}, protocolo {protocolo}. Sou {atendente}. {nome} ${SCRIPT}` }, csrf)
    expect(r.status).toBe(200)
    expect(r.html.startsWith('<section id="qr-preview"')).toBe(true)
    expect(r.html).toContain('Olá Maria da Silva, protocolo 20261125000123. Sou Gil &lt;img src=x onerror=alert(1)&gt;. {nome} &lt;script&gt;')
    expect(r.html).toContain('Não reconhecidas (são enviadas como estão): {nome}')
    expect(r.html).not.toContain(SCRIPT)
    expect(r.html).not.toContain('<img src=x')
    const empty = await htmxPost(agent, '/admin/quick-replies/preview', { text: '  ' }, csrf)
    expect(empty.html).toContain('Digite o texto para ver como ele chega ao cliente.')
    const form = (await page(agent, `/admin/quick-replies/${s.ctx.db.query<{ id: number }, []>("SELECT id FROM quick_replies WHERE shortcut = 'oi'").get()!.id}`)).html
    expect(form).toContain('Oi Maria da Silva! &lt;script&gt;') // the form opens with the preview of the stored text
    expect(form).toContain('hx-post="/admin/quick-replies/preview"')
  })

  test('edit and delete a personal one', async () => {
    const mine = s.ctx.db.query<{ id: number }, []>("SELECT id FROM quick_replies WHERE shortcut = 'oi'").get()!
    const csrf = await csrfOf(agent)
    const saved = await agent.post(`/admin/quick-replies/${mine.id}`, { _csrf: csrf, shortcut: 'oi2', text: 'Oi!', scope: 'personal' })
    expect(saved.headers.get('location')).toBe('/admin/quick-replies?ok=quick_replies.saved')
    expect(s.ctx.stores.quickReplies.get(mine.id)).toMatchObject({ shortcut: 'oi2', text: 'Oi!' })
    const del = await agent.post(`/admin/quick-replies/${mine.id}/delete`, { _csrf: csrf })
    expect(del.headers.get('location')).toBe('/admin/quick-replies?ok=quick_replies.deleted')
    expect(s.ctx.stores.quickReplies.get(mine.id)).toBeNull()
    expect((await page(agent, '/admin/quick-replies?ok=quick_replies.deleted')).html).toContain('Tag rápida excluída.')
  })
})
