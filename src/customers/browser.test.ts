// In Chromium (design §7), under the real CSP: the customer form's live CPF/CNPJ check and inline
// errors, the htmx search by code typed with punctuation, and the quick-reply preview — with
// hostile names rendered as text, and no console error, page error or CSP violation anywhere.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { write } from '../db/open'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { launchBrowser, markDocument, sameDocument, type BrowserSession } from '../../test/browser/support'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'

const XSS = '<img src=x onerror=alert(1)>'
let srv: TestServer
let wa: WhatsAppRig
let ticketId: number
let revendaId: number
let b: BrowserSession
let page: Page
const shotsDir = mkdtempSync(join(tmpdir(), 'kumquat-customers-shots-'))
const url = (p: string) => srv.url + p

beforeAll(async () => {
  srv = await startTestServer()
  const sector = write(srv.ctx.db, () =>
    srv.ctx.stores.sectors.create({ name: 'Vendas', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }),
  )
  await seedUser(srv.ctx, { email: 'sup@example.com', profile: 'supervisor', name: `Sol ${XSS}`, password: 'correct horse battery', sector_ids: [sector] })
  write(srv.ctx.db, () => srv.ctx.stores.customers.types.create('Empresa'))
  const revenda = (revendaId = write(srv.ctx.db, () => srv.ctx.stores.customers.types.create('Revenda')))
  // Custom fields of the type, and a WhatsApp ticket whose customer has that type (the protocol form).
  wa = await whatsappRig(srv)
  expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom('5583977770000', 'oi', 'Cliente Zap')))).status).toBe(200)
  await wa.until(() => srv.ctx.stores.inbound.pendingCount() === 0)
  ticketId = srv.ctx.stores.tickets.lastOfContact(srv.ctx.stores.contacts.byKey(wa.channelId, '5583977770000')!.id)!.id
  write(srv.ctx.db, () => {
    srv.ctx.stores.customers.fields.create(revenda, { key: 'contrato', label: 'Contrato', kind: 'text', options: [], required: true })
    srv.ctx.stores.customers.fields.create(revenda, { key: 'plano', label: `Plano ${XSS}`, kind: 'choice', options: ['Ouro', 'Prata'], required: false })
    srv.ctx.stores.customers.fields.create(revenda, { key: 'limite', label: 'Limite', kind: 'number', options: [], required: false })
  })
  b = await launchBrowser()
  page = b.page
  page.setDefaultTimeout(10_000)
  await page.goto(url('/login'))
  await page.fill('#email', 'sup@example.com')
  await page.fill('#password', 'correct horse battery')
  await page.getByRole('button', { name: 'Entrar' }).click()
  await page.waitForURL((u) => u.pathname === '/')
})

afterAll(async () => {
  await b?.close()
  await srv?.stop()
  await wa?.meta.stop()
})

describe('customers and quick replies in Chromium', () => {
  test('the code field checks itself on change: invalid check digits, then a valid alphanumeric CNPJ', async () => {
    await page.goto(url('/customers/new'))
    await markDocument(page)
    await page.fill('#name', `Alfa ${XSS}`)
    await page.fill('#code', '12.abc.345/01de-36')
    await page.locator('#code').blur()
    await page.locator('#code-check', { hasText: 'CNPJ inválido: os dígitos verificadores não conferem.' }).waitFor()
    await page.fill('#code', '12.abc.345/01de-35')
    await page.locator('#code').blur()
    await page.locator('#code-check', { hasText: 'CNPJ válido: 12.ABC.345/01DE-35' }).waitFor()
    expect(await sameDocument(page)).toBe(true)
  })

  test('saving with a bad e-mail keeps everything typed and explains in Portuguese; then it saves', async () => {
    await page.selectOption('#type_id', { label: 'Empresa' })
    await page.fill('#email', 'contato@')
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.locator('.field-error', { hasText: 'Informe um e-mail válido' }).waitFor()
    expect(await page.inputValue('#name')).toBe(`Alfa ${XSS}`)
    expect(await page.inputValue('#code')).toBe('12.abc.345/01de-35')
    await page.fill('#email', 'contato@alfa.com.br')
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.locator('.flash.ok', { hasText: 'Cliente cadastrado.' }).waitFor()
    expect(await page.locator('h1').textContent()).toBe(`Alfa ${XSS}`)
    expect(srv.ctx.stores.customers.byCode('12ABC34501DE35')).toMatchObject({ email: 'contato@alfa.com.br' })
    // Its own code is not "taken".
    await page.locator('#code').dispatchEvent('change')
    await page.locator('#code-check', { hasText: 'CNPJ válido' }).waitFor()
    await page.screenshot({ path: join(shotsDir, 'customer-form.png'), fullPage: true })
  })

  test('the list searches as you type, by code with punctuation', async () => {
    write(srv.ctx.db, () => srv.ctx.stores.customers.create({ name: 'Maria Souza', code: '52998224725', code_type: 'cpf', type_id: null, email: null, phone: null, notes: null }))
    await page.goto(url('/customers'))
    await markDocument(page)
    expect(await page.locator('#customers-rows tbody tr').count()).toBe(2)
    await page.fill('input[name=q]', '529.982.247-25')
    await page.locator('#customers-rows tbody tr', { hasText: 'Maria Souza' }).waitFor()
    await page.waitForFunction(() => document.querySelectorAll('#customers-rows tbody tr').length === 1)
    await page.fill('input[name=q]', 'nada disso')
    await page.locator('#customers-rows', { hasText: 'Nenhum cliente encontrado' }).waitFor()
    expect(await sameDocument(page)).toBe(true)
  })

  test('the quick-reply preview expands the variables as you type; hostile text stays text', async () => {
    await page.goto(url('/admin/quick-replies/new'))
    await markDocument(page)
    await page.fill('#shortcut', '/saudacao')
    await page.check('input[name=scope][value=sector]')
    await page.selectOption('#sector_id', { label: 'Vendas' })
    await page.fill('#text', 'Olá {cliente}! Protocolo {protocolo}. Sou {atendente}. <script>alert(2)</script>')
    await page.locator('#qr-preview .msg-text', { hasText: 'Olá Maria da Silva! Protocolo 20261125000123.' }).waitFor()
    expect(await page.locator('#qr-preview .msg-text').textContent()).toBe(`Olá Maria da Silva! Protocolo 20261125000123. Sou Sol ${XSS}. <script>alert(2)</script>`)
    expect(await sameDocument(page)).toBe(true)
    await page.screenshot({ path: join(shotsDir, 'quick-reply-form.png'), fullPage: true })
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.locator('.flash.ok', { hasText: 'Tag rápida criada.' }).waitFor()
    expect(await page.locator('tbody tr', { hasText: '/saudacao' }).locator('p').textContent()).toContain('<script>alert(2)</script>')
  })

  test('delete asks first', async () => {
    await page.getByRole('button', { name: 'Excluir' }).click()
    await page.locator('.flash.ok', { hasText: 'Tag rápida excluída.' }).waitFor()
    expect(b.diagnostics.dialogs).toEqual([{ type: 'confirm', message: 'Excluir esta tag rápida?' }])
    console.log(`screenshots: ${shotsDir}`)
  })

  test('choosing a type in the customer form brings its custom fields (htmx, no reload)', async () => {
    await page.goto(url('/customers/new'))
    await markDocument(page)
    expect(await page.locator('#cf-contrato').count()).toBe(0)
    await page.selectOption('#type_id', { label: 'Revenda' })
    await page.locator('#cf-contrato').waitFor()
    expect(await page.locator('label[for=cf-plano]').textContent()).toBe(`Plano ${XSS}`)
    await page.selectOption('#type_id', { label: 'Sem tipo' })
    await page.locator('#cf-contrato').waitFor({ state: 'detached' })
    expect(await sameDocument(page)).toBe(true)
  })

  test('CSV import: the dry run shows valid and rejected rows with the reason, then imports the valid ones', async () => {
    const csv = '\ufeffnome;cpf;email;tipo;contrato\r\nAna Import;390.533.447-05;ana@example.com;Revenda;CT-1\r\nBeto Ruim;111.111.111-11;;;\r\nCaio Sem Contrato;;;Revenda;\r\n'
    await page.goto(url('/customers'))
    await page.getByRole('link', { name: 'Importar CSV' }).click()
    await page.setInputFiles('#import-file', { name: 'clientes.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.getByRole('button', { name: 'Ver prévia' }).click()
    await page.locator('#import-summary', { hasText: '3 linha(s) no arquivo: 1 válida(s), 2 rejeitada(s).' }).waitFor()
    expect(await page.locator('#import-valid tbody tr').count()).toBe(1)
    expect(await page.locator('#import-rejected tbody tr', { hasText: 'Beto Ruim' }).textContent()).toContain('CPF inválido: os dígitos verificadores não conferem.')
    expect(await page.locator('#import-rejected tbody tr', { hasText: 'Caio Sem Contrato' }).textContent()).toContain('Campo “Contrato”: Preencha este campo obrigatório.')
    expect(srv.ctx.stores.customers.byCode('39053344705')).toBeNull()
    await page.screenshot({ path: join(shotsDir, 'import-preview.png'), fullPage: true })
    await page.getByRole('button', { name: 'Importar 1 cliente(s)' }).click()
    await page.locator('#import-summary', { hasText: '1 cliente(s) importado(s); 2 linha(s) rejeitada(s).' }).waitFor()
    expect(srv.ctx.stores.customers.byCode('39053344705')).toMatchObject({ name: 'Ana Import', email: 'ana@example.com' })
  })

  test('the protocol form’s custom fields: an inline error, then saved', async () => {
    write(srv.ctx.db, () => {
      const c = srv.ctx.stores.customers.create({ name: 'Zap Ltda', code: null, code_type: null, type_id: revendaId, email: null, phone: null, notes: null })
      srv.ctx.stores.tickets.patch(ticketId, { customer_id: c }, Date.now())
    })
    await page.goto(url(`/workspace/${ticketId}`))
    await markDocument(page)
    const box = page.locator(`#ws-customer-${ticketId}`)
    await box.locator(`#ws-f${ticketId}-cf-contrato`).waitFor()
    await page.fill(`#ws-f${ticketId}-cf-limite`, 'muito')
    await page.selectOption(`#ws-f${ticketId}-cf-plano`, 'Prata')
    await box.getByRole('button', { name: 'Salvar' }).click()
    await box.locator('.field-error', { hasText: 'Preencha este campo obrigatório.' }).waitFor()
    await box.locator('.field-error', { hasText: 'Informe um número, como 1500 ou 1.500,50.' }).waitFor()
    expect(await page.inputValue(`#ws-f${ticketId}-cf-limite`)).toBe('muito')
    await page.fill(`#ws-f${ticketId}-cf-contrato`, 'CT-9')
    await page.fill(`#ws-f${ticketId}-cf-limite`, '1.234,5')
    await box.getByRole('button', { name: 'Salvar' }).click()
    await box.locator('.saved', { hasText: 'Dados adicionais salvos.' }).waitFor()
    expect(await page.inputValue(`#ws-f${ticketId}-cf-limite`)).toBe('1234.5')
    const customerId = srv.ctx.stores.tickets.get(ticketId)!.customer_id!
    expect([...srv.ctx.stores.customers.fields.values(customerId).values()].sort()).toEqual(['1234.5', 'CT-9', 'Prata'])
    expect(await sameDocument(page)).toBe(true)
    await page.screenshot({ path: join(shotsDir, 'protocol-fields.png'), fullPage: true })
  })

  test('no console error, page error, CSP violation or unexpected failed request', () => {
    const d = b.diagnostics
    // The form answered 422 once on purpose (the bad e-mail).
    const consoleLeft = d.console.filter((m) => !/status of 422/.test(m.text))
    expect(consoleLeft).toEqual([])
    expect(d.pageErrors).toEqual([])
    expect(d.csp).toEqual([])
    expect(d.failedRequests).toEqual([])
    expect(d.httpErrors).toEqual([
      { method: 'POST', path: '/customers', status: 422 },
      { method: 'POST', path: `/workspace/${ticketId}/customer/fields`, status: 422 },
    ])
  })
})
