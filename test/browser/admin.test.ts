// Browser suite for administration: the "Administração" menu, the permission matrix (copy a
// profile, untick cells, save), the audit search swapping rows over htmx, settings, the LGPD page
// and the API docs — in Debian Chromium, with no console error, page error or CSP violation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { seedUser, startTestServer, type TestServer } from '../support/server'
import { launchBrowser, markDocument, sameDocument, signIn, type BrowserSession } from './support'

let srv: TestServer
let b: BrowserSession
let page: Page
let adminToken: string
const url = (path: string) => srv.url + path

beforeAll(async () => {
  srv = await startTestServer()
  adminToken = (await seedUser(srv.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })).token
  await seedUser(srv.ctx, { email: 'sup@example.com', profile: 'supervisor', name: 'Sol Supervisor' })
  b = await launchBrowser()
  page = b.page
  await signIn(page, srv.url, 'admin@example.com')
})
afterAll(async () => {
  await b?.close()
  await srv?.stop()
})

describe('administration in Chromium', () => {
  test('the Administração menu opens and leads to the access profiles', async () => {
    const menu = page.locator('details.nav-admin')
    await menu.locator('summary').click()
    await menu.getByRole('link', { name: 'Perfis de acesso' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/profiles')
    expect(await page.locator('h1').textContent()).toBe('Perfis de acesso')
  })

  test('copy the supervisor profile, untick a cell, save: the matrix shows what was stored', async () => {
    await page.getByRole('link', { name: 'Copiar o perfil Supervisor' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/profiles/new')
    await page.fill('#name', 'Supervisão noturna')
    const cell = page.getByRole('checkbox', { name: 'Usuários: Ver' })
    expect(await cell.isChecked()).toBe(true)
    await cell.uncheck()
    await page.getByRole('checkbox', { name: 'Auditoria: Ver' }).check()
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => /^\/admin\/profiles\/\d+$/.test(u.pathname))
    expect(await page.getByText('Perfil criado.').isVisible()).toBe(true)
    expect(await page.getByRole('checkbox', { name: 'Usuários: Ver' }).isChecked()).toBe(false)
    expect(await page.getByRole('checkbox', { name: 'Auditoria: Ver' }).isChecked()).toBe(true)
    const id = Number(new URL(page.url()).pathname.split('/').pop())
    const stored = srv.ctx.stores.profileAdmin.get(id)!.permissions
    expect(stored).toContain('audit.view')
    expect(stored).not.toContain('users.view')
  })

  test('the admin profile is shown locked', async () => {
    await page.goto(url('/admin/profiles/1'))
    expect(await page.getByText('O perfil Administrador tem sempre todas as permissões').isVisible()).toBe(true)
    expect(await page.locator('input[name=permissions]').count()).toBe(0)
  })

  test('audit search: the filter swaps only the rows (htmx), showing the profile change', async () => {
    await page.goto(url('/admin/audit'))
    await markDocument(page)
    const swapped = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/audit/rows')
    await page.locator('#action').selectOption('profile.create')
    expect((await swapped).status()).toBe(200)
    // The unfiltered table already shows a profile.create row: wait for the swap (one row left).
    await page.waitForFunction(() => document.querySelectorAll('#audit-rows tbody tr').length === 1)
    expect(await page.locator('#audit-rows tbody tr code', { hasText: 'profile.create' }).count()).toBe(1)
    expect(await sameDocument(page)).toBe(true)
  })

  test('settings: general and communication save and come back', async () => {
    await page.goto(url('/admin/settings'))
    await page.fill('#company_name', 'Laranja Ltda')
    await page.fill('#reopen_window_minutes', '30')
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/settings' && u.search.includes('ok='))
    expect(await page.locator('#company_name').inputValue()).toBe('Laranja Ltda')
    expect(srv.ctx.stores.settings.get<number>('desk.reopen_window_minutes')).toBe(30)
    await page.getByRole('link', { name: 'Comunicação' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/settings/communication')
    await page.locator('textarea[name="protocol.default.pt-BR"]').fill('Seu protocolo: {protocolo}')
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => u.search.includes('ok='))
    expect(await page.locator('textarea[name="protocol.default.pt-BR"]').inputValue()).toBe('Seu protocolo: {protocolo}')
  })

  test('a customer’s LGPD page offers export and anonymise (asking first)', async () => {
    const res = await fetch(url('/api/v1/customers'), { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rita Titular', code: '52998224725' }) })
    const { id } = (await res.json()) as { id: number }
    await page.goto(url(`/customers/${id}/privacy`))
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Baixar .zip' }).click()
    expect((await download).suggestedFilename()).toBe(`cliente-${id}-lgpd.zip`)
    const dialogs = b.diagnostics.dialogs.length
    await page.getByRole('button', { name: 'Anonimizar este cliente' }).click()
    await page.waitForURL((u) => u.search.includes('ok=lgpd.anonymized'))
    expect(b.diagnostics.dialogs.slice(dialogs).map((d) => d.type)).toEqual(['confirm'])
    expect(srv.ctx.stores.customers.get(id)!.code).toBeNull()
  })

  test('the API docs page renders from the OpenAPI document', async () => {
    await page.goto(url('/api/docs'))
    await page.locator('summary', { hasText: '/api/v1/audit' }).first().click()
    expect(await page.getByText('Respostas').first().isVisible()).toBe(true)
  })

  test('no console error, page error, CSP violation or failed request', () => {
    const d = b.diagnostics
    if (d.console.length || d.csp.length || d.pageErrors.length || d.failedRequests.length) console.log('diagnostics:', JSON.stringify(d, null, 2))
    expect(d.console).toEqual([])
    expect(d.csp).toEqual([])
    expect(d.pageErrors).toEqual([])
    // A form POST answered with an attachment becomes a download: Chromium reports it as aborted
    // (cancelled GETs are not recorded at all, test/browser/support.ts). Nothing else may fail.
    const expected = (r: { method: string; url: string; failure: string }) =>
      r.failure === 'net::ERR_ABORTED' && /\/customers\/\d+\/export$/.test(new URL(r.url).pathname)
    expect(d.failedRequests.filter((r) => !expected(r))).toEqual([])
    expect(d.httpErrors).toEqual([])
  })
})
