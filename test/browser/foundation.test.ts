// Browser suite for the foundation: first run, presence (htmx + live SSE), the live indicator,
// language, login/logout and the session cookie, profile (tokens, sessions), admin users (form,
// htmx search, escaping) — in Debian Chromium with a fresh profile, against the real server on an
// ephemeral port. Steps run in order and share one browser page (each step builds on the last).
// Across all steps the page must log no console error/warning, throw nothing and violate no CSP.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { write } from '../../src/db/open'
import { startTestServer, type TestServer } from '../support/server'
import { launchBrowser, markDocument, sameDocument, waitForLive, type BrowserSession } from './support'

const ADMIN = { name: 'Ana Lúcia Souza', email: 'ana@example.com', password: 'kumquat-secret-1' }
const AGENT = { name: 'Beatriz Nogueira', email: 'beatriz@example.com', password: 'beatriz-secret-1' }
const XSS_NAME = '<img src=x onerror=alert(1)>'

let srv: TestServer
let b: BrowserSession
let page: Page
let apiToken: string
const shotsDir = mkdtempSync(join(tmpdir(), 'kumquat-shots-'))

const url = (path: string) => srv.url + path
const path = () => new URL(page.url()).pathname

async function api(method: string, p: string, token: string, body?: unknown) {
  return fetch(url(p), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
}

async function sessionCookie() {
  return (await b.context.cookies(srv.url)).find((c) => c.name === 'kq_session')
}

beforeAll(async () => {
  srv = await startTestServer()
  b = await launchBrowser()
  page = b.page
  page.setDefaultTimeout(10_000)
})

afterAll(async () => {
  await b?.close()
  await srv?.stop()
})

describe('foundation in Chromium', () => {
  test('first run: / → /setup (pt-BR), field errors keep typed values, then the admin lands on /', async () => {
    await page.goto(url('/'))
    expect(path()).toBe('/setup')
    expect(await page.getAttribute('html', 'lang')).toBe('pt-BR')
    expect(await page.locator('h1').textContent()).toBe('Primeiro acesso')

    // Empty form (novalidate: the browser does not stop it) → every field explained in Portuguese.
    await page.getByRole('button', { name: 'Criar administrador e entrar' }).click()
    await page.waitForURL(url('/setup'))
    expect(await page.getByRole('alert').textContent()).toContain('Corrija os campos destacados.')
    expect(await page.locator('#name-error').textContent()).toBe('Informe um nome (até 120 caracteres).')
    expect(await page.locator('#email-error').textContent()).toBe('Informe um e-mail válido.')
    expect(await page.locator('#password-error').textContent()).toBe('A senha precisa ter entre 8 e 200 caracteres.')
    expect(await page.getAttribute('#name', 'aria-invalid')).toBe('true')

    // Partly filled: what was typed comes back, only the bad fields are flagged.
    await page.fill('#name', ADMIN.name)
    await page.fill('#email', 'ana@')
    await page.getByRole('button', { name: 'Criar administrador e entrar' }).click()
    await page.locator('#email-error').waitFor()
    expect(await page.inputValue('#name')).toBe(ADMIN.name)
    expect(await page.inputValue('#email')).toBe('ana@')
    expect(await page.locator('#name-error').count()).toBe(0)
    expect(await page.locator('#email-error').textContent()).toBe('Informe um e-mail válido.')
    expect(await page.locator('#password-error').count()).toBe(1)

    await page.fill('#email', ADMIN.email)
    await page.fill('#password', ADMIN.password)
    await page.getByRole('button', { name: 'Criar administrador e entrar' }).click()
    await page.waitForURL((u) => u.pathname === '/')
    expect(await page.locator('h1').textContent()).toBe(`Olá, ${ADMIN.name}!`)
    expect(await page.locator('.flash.ok').textContent()).toContain('Administrador criado. Bem-vindo!')
    // A plain login (not "remember me"): the session cookie lives only as long as the browser.
    expect((await sessionCookie())?.expires).toBe(-1)
  })

  test('live connection: #live-status opens the /events stream and shows no "Reconectando"', async () => {
    await page.goto(url('/'))
    const live = page.locator('#live-status')
    expect(await live.getAttribute('hx-sse:connect')).toBe('/events')
    await waitForLive(page)
    expect(await page.evaluate(() => (window as any).__kq.sseErrors)).toBe(0)
    expect(await live.getAttribute('class')).not.toContain('down')
    expect(await live.locator('.on').isVisible()).toBe(true)
    expect(await live.locator('.off').isVisible()).toBe(false)
    expect(await page.getByText('Reconectando').isVisible()).toBe(false)
  })

  test('presence: the header form pauses with a reason over htmx; an API change reaches the header live over SSE', async () => {
    const admin = srv.ctx.stores.users.byEmail(ADMIN.email)!
    apiToken = write(srv.ctx.db, () => srv.ctx.stores.apiTokens.create(admin.id, 'suite-api').token)

    await page.goto(url('/'))
    await waitForLive(page)
    await markDocument(page)
    const form = page.locator('form#presence')
    // A new user starts offline (users.presence default).
    expect(await form.locator('select[name=status]').inputValue()).toBe('offline')
    // The reason box shows only while "Em pausa" is chosen (CSS :has()).
    expect(await form.locator('input[name=reason]').isVisible()).toBe(false)
    await form.locator('select[name=status]').selectOption({ label: 'Em pausa' })
    expect(await form.locator('input[name=reason]').isVisible()).toBe(true)
    await form.locator('input[name=reason]').fill('Almoço')
    const posted = page.waitForResponse((r) => new URL(r.url()).pathname === '/presence' && r.request().method() === 'POST')
    await form.getByRole('button', { name: 'OK' }).click()
    const res = await posted
    expect(res.status()).toBe(200)
    expect(res.request().headers()['hx-request']).toBe('true')
    await page.locator('form#presence .dot.paused').waitFor()
    expect(await sameDocument(page)).toBe(true)
    expect(await page.locator('form#presence select[name=status]').inputValue()).toBe('paused')
    expect(await page.locator('form#presence input[name=reason]').inputValue()).toBe('Almoço')

    const stored = srv.ctx.stores.users.get(admin.id)!
    expect(stored.presence).toBe('paused')
    expect(stored.presence_reason).toBe('Almoço')
    const me = await (await api('GET', '/api/v1/me', apiToken)).json()
    expect(me.presence).toMatchObject({ status: 'paused', reason: 'Almoço' })

    // Someone (here: an integration) changes presence through the API; the open page follows.
    const put = await api('PUT', '/api/v1/me/presence', apiToken, { status: 'available' })
    expect(put.status).toBe(200)
    await page.waitForFunction(() => (document.querySelector('form#presence select[name=status]') as HTMLSelectElement | null)?.value === 'available', null, { timeout: 5000 })
    expect(await page.locator('form#presence .dot.available').count()).toBe(1)
    expect(await page.locator('form#presence input[name=reason]').isVisible()).toBe(false)
    expect(await sameDocument(page)).toBe(true)

    // And a pause with a reason set elsewhere shows its reason in the header.
    await api('PUT', '/api/v1/me/presence', apiToken, { status: 'paused', reason: 'Reunião' })
    await page.waitForFunction(() => (document.querySelector('form#presence input[name=reason]') as HTMLInputElement | null)?.value === 'Reunião', null, { timeout: 5000 })
    expect(await page.locator('form#presence select[name=status]').inputValue()).toBe('paused')
    expect(await sameDocument(page)).toBe(true)
    await api('PUT', '/api/v1/me/presence', apiToken, { status: 'available' })
    await page.waitForFunction(() => (document.querySelector('form#presence select[name=status]') as HTMLSelectElement | null)?.value === 'available', null, { timeout: 5000 })

    // The form the stream swapped in is live htmx too: using it posts over htmx, no page load.
    const again = page.waitForResponse((r) => new URL(r.url()).pathname === '/presence' && r.request().method() === 'POST')
    await page.locator('form#presence select[name=status]').selectOption({ label: 'Offline' })
    await page.locator('form#presence').getByRole('button', { name: 'OK' }).click()
    expect((await again).request().headers()['hx-request']).toBe('true')
    await page.locator('form#presence .dot.offline').waitFor()
    expect(srv.ctx.stores.users.get(admin.id)!.presence).toBe('offline')
    expect(await sameDocument(page)).toBe(true)
    await api('PUT', '/api/v1/me/presence', apiToken, { status: 'available' })
    await page.locator('form#presence .dot.available').waitFor({ timeout: 5000 })
  })

  test('language: English on the profile page, then back to Português', async () => {
    await page.goto(url('/profile'))
    expect(await page.locator('h1').textContent()).toBe('Meu perfil')
    const langForm = page.locator('form[action="/profile/language"]')
    await langForm.locator('select#language').selectOption({ label: 'English' })
    await langForm.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => u.pathname === '/profile' && u.searchParams.get('ok') === 'profile.language_saved')
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    expect(await page.locator('h1').textContent()).toBe('My profile')
    expect(await page.locator('.flash.ok').textContent()).toContain('Language updated.')
    expect(await page.locator('header nav a').first().textContent()).toBe('Home')
    expect(await page.locator('form#presence select[name=status] option[value=paused]').textContent()).toBe('Paused')

    await langForm.locator('select#language').selectOption({ label: 'Português (Brasil)' })
    await langForm.getByRole('button', { name: 'Save' }).click()
    await page.waitForURL((u) => u.pathname === '/profile' && u.searchParams.get('ok') === 'profile.language_saved')
    expect(await page.getAttribute('html', 'lang')).toBe('pt-BR')
    expect(await page.locator('h1').textContent()).toBe('Meu perfil')
    expect(await page.locator('.flash.ok').textContent()).toContain('Idioma atualizado.')
  })

  test('logout and login: wrong password, plain session cookie, "Manter conectado" persistent cookie', async () => {
    await page.goto(url('/'))
    await page.locator('header').getByRole('button', { name: 'Sair' }).click()
    await page.waitForURL((u) => u.pathname === '/login')
    expect(await page.locator('.flash.info').textContent()).toContain('Você saiu do Kumquat.')
    expect(await sessionCookie()).toBeUndefined()
    // Signed out means signed out: the home page sends back to login.
    await page.goto(url('/'))
    expect(path()).toBe('/login')

    await page.fill('#email', ADMIN.email)
    await page.fill('#password', 'not-the-password')
    await page.getByRole('button', { name: 'Entrar' }).click()
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toBe('E-mail ou senha incorretos.')
    expect(await page.inputValue('#email')).toBe(ADMIN.email)
    expect(await page.inputValue('#password')).toBe('')
    expect(await sessionCookie()).toBeUndefined()

    // Correct password, not remembered → a browser-session cookie (no expiry).
    await page.fill('#password', ADMIN.password)
    expect(await page.getByLabel('Manter conectado').isChecked()).toBe(false)
    await page.getByRole('button', { name: 'Entrar' }).click()
    await page.waitForURL((u) => u.pathname === '/')
    expect(await page.locator('h1').textContent()).toBe(`Olá, ${ADMIN.name}!`)
    const plain = await sessionCookie()
    expect(plain?.expires).toBe(-1)
    expect(plain?.httpOnly).toBe(true)

    // Log out again and come back with "Manter conectado" → the cookie carries an expiry (30 days).
    await page.locator('header').getByRole('button', { name: 'Sair' }).click()
    await page.waitForURL((u) => u.pathname === '/login')
    await page.fill('#email', ADMIN.email)
    await page.fill('#password', ADMIN.password)
    await page.getByLabel('Manter conectado').check()
    await page.getByRole('button', { name: 'Entrar' }).click()
    await page.waitForURL((u) => u.pathname === '/')
    const remembered = await sessionCookie()
    expect(remembered).toBeDefined()
    const days = (remembered!.expires - Date.now() / 1000) / 86_400
    expect(days).toBeGreaterThan(29)
    expect(days).toBeLessThanOrEqual(30.01)
  })

  test('profile: API token shown once, listed by label, works, revoked; sessions mark "Esta sessão"', async () => {
    await page.goto(url('/profile'))
    const tokens = page.locator('#tokens')
    await markDocument(page)
    await tokens.locator('input[name=label]').fill('Integração ERP')
    await tokens.getByRole('button', { name: 'Criar token' }).click()
    await page.locator('code#new-token').waitFor()
    const secret = (await page.locator('code#new-token').textContent())!.trim()
    expect(secret).toMatch(/^kq_/)
    expect(await sameDocument(page)).toBe(true)
    const row = tokens.locator('tbody tr', { hasText: 'Integração ERP' })
    expect(await row.count()).toBe(1)
    // The list shows only a prefix, never the whole secret.
    expect(await row.textContent()).not.toContain(secret)
    expect((await api('GET', '/api/v1/me', secret)).status).toBe(200)

    // Shown once: a reload lists it but no longer shows it.
    await page.reload()
    expect(await page.locator('code#new-token').count()).toBe(0)
    expect(await tokens.locator('tbody tr', { hasText: 'Integração ERP' }).count()).toBe(1)
    expect(await page.content()).not.toContain(secret)

    await markDocument(page)
    const dialogsBefore = b.diagnostics.dialogs.length
    await tokens.locator('tbody tr', { hasText: 'Integração ERP' }).getByRole('button', { name: 'Revogar' }).click()
    await tokens.locator('tbody tr', { hasText: 'Integração ERP' }).waitFor({ state: 'detached' })
    expect(b.diagnostics.dialogs.slice(dialogsBefore)).toEqual([{ type: 'confirm', message: 'Revogar?' }])
    expect(await sameDocument(page)).toBe(true)
    expect(await tokens.locator('tbody tr', { hasText: 'suite-api' }).count()).toBe(1)
    expect((await api('GET', '/api/v1/me', secret)).status).toBe(401)

    // Sessions: the one this browser uses is marked, and there is only one (logouts ended the others).
    const sessionRows = page.locator('table').filter({ has: page.locator('th', { hasText: 'Navegador' }) }).locator('tbody tr')
    expect(await sessionRows.count()).toBe(1)
    const current = sessionRows.filter({ hasText: 'Esta sessão' })
    expect(await current.count()).toBe(1)
    expect(await current.textContent()).toContain('HeadlessChrome')
  })

  test('admin users: list, create through the form, htmx search, hostile name rendered as text', async () => {
    await page.goto(url('/admin/users'))
    expect(await page.locator('h1').textContent()).toBe('Usuários')
    expect(await page.locator('#users-rows tbody tr', { hasText: ADMIN.email }).count()).toBe(1)

    await page.getByRole('link', { name: 'Novo usuário' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/users/new')
    await page.fill('#name', AGENT.name)
    await page.fill('#email', AGENT.email)
    await page.fill('#password', AGENT.password)
    await page.locator('select#profile').selectOption({ label: 'Atendente' })
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/users')
    expect(await page.locator('.flash.ok').textContent()).toContain('Usuário criado.')
    const agentRow = page.locator('#users-rows tbody tr', { hasText: AGENT.email })
    expect(await agentRow.count()).toBe(1)
    expect(await agentRow.textContent()).toContain('Atendente')
    expect(srv.ctx.stores.users.byEmail(AGENT.email)?.profile_key).toBe('agent')

    // The hostile name: created through the same form.
    await page.goto(url('/admin/users/new'))
    await page.fill('#name', XSS_NAME)
    await page.fill('#email', 'xss@example.com')
    await page.fill('#password', 'xss-secret-123')
    await page.locator('select#profile').selectOption({ label: 'Atendente' })
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/users')
    const xssRow = page.locator('#users-rows tbody tr', { hasText: 'xss@example.com' })
    expect(await xssRow.locator('td').first().textContent()).toBe(XSS_NAME)
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    expect(await page.locator('#users-rows img').count()).toBe(0)

    // Search filters the table in place (htmx GET /admin/users/rows), no page load.
    await markDocument(page)
    const search = page.getByRole('searchbox', { name: 'Buscar por nome ou e-mail' })
    let rows = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/users/rows')
    await search.fill('Beatriz')
    let res = await rows
    expect(new URL(res.url()).searchParams.get('q')).toBe('Beatriz')
    await page.locator('#users-rows tbody tr', { hasText: ADMIN.email }).waitFor({ state: 'detached' })
    expect(await page.locator('#users-rows tbody tr').count()).toBe(1)
    expect(await page.locator('#users-rows tbody tr').textContent()).toContain(AGENT.name)
    expect(await sameDocument(page)).toBe(true)

    // The hostile name again, this time through the htmx fragment.
    rows = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/users/rows')
    await search.fill('<img')
    res = await rows
    await page.locator('#users-rows tbody tr', { hasText: AGENT.email }).waitFor({ state: 'detached' })
    expect(await page.locator('#users-rows tbody tr').count()).toBe(1)
    expect(await page.locator('#users-rows tbody tr td').first().textContent()).toBe(XSS_NAME)
    expect(await page.locator('img[src="x"]').count()).toBe(0)

    rows = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/users/rows')
    await search.fill('nobody-matches-this')
    await rows
    await page.getByText('Nenhum usuário encontrado.').waitFor()

    rows = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/users/rows')
    await search.fill('')
    await rows
    await page.locator('#users-rows tbody tr', { hasText: ADMIN.email }).waitFor()
    expect(await page.locator('#users-rows tbody tr').count()).toBe(3)
    expect(await sameDocument(page)).toBe(true)

    // The header presence control on this page also follows the stream, and so does the presence
    // column for other users (the agent changes theirs via the API).
    await waitForLive(page)
    const agent = srv.ctx.stores.users.byEmail(AGENT.email)!
    const agentToken = write(srv.ctx.db, () => srv.ctx.stores.apiTokens.create(agent.id, 'agent-api').token)
    expect((await api('PUT', '/api/v1/me/presence', agentToken, { status: 'paused', reason: 'Treinamento' })).status).toBe(200)
    await page.locator(`#user-${agent.id}-presence`, { hasText: 'Em pausa — Treinamento' }).waitFor({ timeout: 5000 })
    expect(await sameDocument(page)).toBe(true)

    expect(b.diagnostics.dialogs.filter((d) => d.type !== 'confirm')).toEqual([])
  })

  test('screenshots of the home page and /admin/users', async () => {
    await page.goto(url('/'))
    await waitForLive(page)
    const home = join(shotsDir, 'home.png')
    await page.screenshot({ path: home, fullPage: true })
    await page.goto(url('/admin/users'))
    await waitForLive(page)
    const users = join(shotsDir, 'admin-users.png')
    await page.screenshot({ path: users, fullPage: true })
    console.log(`screenshots:\n  ${home}\n  ${users}`)
  })

  test('across all steps: no console error/warning, page error, CSP violation, unexpected HTTP error or failed request', () => {
    const d = b.diagnostics
    // The only console lines tolerated: Chromium's "Failed to load resource" for the two
    // intentional non-2xx form answers (setup 422, failed login 401), if it logs them at all.
    const intentional = (text: string, where: string) =>
      /^Failed to load resource: the server responded with a status of (422|401)\b/.test(text) && ['/setup', '/login'].includes(new URL(where).pathname)
    const consoleLeft = d.console.filter((m) => !intentional(m.text, m.url || m.pageUrl))
    const cspConsole = d.console.filter((m) => m.text.includes('Content Security Policy'))
    if (consoleLeft.length || d.csp.length || d.pageErrors.length || d.failedRequests.length) console.log('diagnostics:', JSON.stringify(d, null, 2))
    expect(consoleLeft).toEqual([])
    expect(cspConsole).toEqual([])
    expect(d.csp).toEqual([])
    expect(d.pageErrors).toEqual([])
    expect(d.failedRequests).toEqual([])
    // Exactly the non-2xx responses the steps asked for, nothing else (no missing asset, no 403 on an htmx POST).
    expect(d.httpErrors).toEqual([
      { method: 'POST', path: '/setup', status: 422 },
      { method: 'POST', path: '/setup', status: 422 },
      { method: 'POST', path: '/login', status: 401 },
    ])
  })
})
