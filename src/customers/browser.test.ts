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

const XSS = '<img src=x onerror=alert(1)>'
let srv: TestServer
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

  test('no console error, page error, CSP violation or unexpected failed request', () => {
    const d = b.diagnostics
    // The form answered 422 once on purpose (the bad e-mail).
    const consoleLeft = d.console.filter((m) => !/status of 422/.test(m.text))
    expect(consoleLeft).toEqual([])
    expect(d.pageErrors).toEqual([])
    expect(d.csp).toEqual([])
    expect(d.failedRequests).toEqual([])
    expect(d.httpErrors).toEqual([{ method: 'POST', path: '/customers', status: 422 }])
  })
})
