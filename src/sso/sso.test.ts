// Single sign-on over HTTP (a real server and a real OpenID provider, no browser): who may see and
// change the settings, validation, the sealed secret, "test discovery", the authorization request
// (code + PKCE S256, state, nonce) and the callback refusals that need no provider login.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { sha256hex } from '../http/tokens'
import { startFakeOidc, type FakeOidc } from '../../scripts/fake-oidc'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { issuerOf } from './settings'

let srv: TestServer
let idp: FakeOidc
let admin: Browser
let viewer: Browser
let agent: Browser

beforeAll(async () => {
  srv = await startTestServer()
  srv.ctx.config.baseUrl = srv.url
  idp = await startFakeOidc({ redirectUris: [`${srv.url}/sso/callback`] })
  await seedUser(srv.ctx, { email: 'admin@example.com', profile: 'admin' })
  const viewOnly = write(srv.ctx.db, () =>
    srv.ctx.db.query<{ id: number }, []>(`INSERT INTO profiles (key, name, permissions, created_at, updated_at) VALUES (NULL, 'Leitura', '["settings.view"]', 0, 0) RETURNING id`).get()!.id,
  )
  await seedUser(srv.ctx, { email: 'leitura@example.com', profile: String(viewOnly) })
  await seedUser(srv.ctx, { email: 'agent@example.com', profile: 'agent' })
  admin = new Browser(srv.url)
  viewer = new Browser(srv.url)
  agent = new Browser(srv.url)
  await admin.login('admin@example.com')
  await viewer.login('leitura@example.com')
  await agent.login('agent@example.com')
}, 20_000)
afterAll(async () => {
  await idp?.stop()
  await srv?.stop()
})

const validForm = (csrf: string, extra: Record<string, string | string[]> = {}) => ({
  _csrf: csrf,
  kind: 'generic',
  label: 'Empresa',
  tenant_id: '',
  issuer_url: idp.issuer,
  client_id: idp.clientId,
  client_secret: idp.clientSecret,
  scopes: 'openid email profile',
  default_profile_id: '',
  allowed_domains: '',
  enabled: '1',
  ...extra,
})

describe('SSO settings page', () => {
  test('settings.view sees it read-only, settings.edit is needed to save or test; agents see nothing', async () => {
    const page = await viewer.fetch('/admin/sso')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Login único (SSO)')
    expect(html).not.toContain('Testar descoberta')
    const csrf = await viewer.csrf('/admin/sso')
    expect((await viewer.post('/admin/sso', validForm(csrf))).status).toBe(403)
    expect((await viewer.post('/admin/sso/test', validForm(csrf))).status).toBe(403)
    expect((await agent.fetch('/admin/sso')).status).toBe(403)
    expect(srv.ctx.stores.sso.provider()).toBeNull()
  })

  test('problems are listed in Portuguese and nothing is saved', async () => {
    const csrf = await admin.csrf('/admin/sso')
    const res = await admin.post('/admin/sso', validForm(csrf, { kind: 'microsoft', tenant_id: 'common', client_id: '', client_secret: '', scopes: 'email', auto_create: '1', allowed_domains: 'não é domínio' }))
    expect(res.status).toBe(422)
    const html = await res.text()
    for (const text of [
      'Informe o ID do diretório (locatário) da Microsoft',
      'Informe o ID do cliente.',
      'Informe o segredo do cliente',
      'incluindo openid',
      'Escolha o perfil dos novos usuários',
      'Informe domínios válidos',
    ]) expect(html).toContain(text)
    expect(srv.ctx.stores.sso.provider()).toBeNull()
    // The admin profile can never be the default of automatically created users.
    const adminProfile = srv.ctx.stores.profiles.resolve('admin')!.id
    const again = await admin.post('/admin/sso', validForm(csrf, { auto_create: '1', default_profile_id: String(adminProfile) }))
    expect(again.status).toBe(422)
    expect(srv.ctx.stores.sso.provider()).toBeNull()
  })

  test('saved with the secret sealed and audited without it; a blank secret keeps the stored one', async () => {
    const csrf = await admin.csrf('/admin/sso')
    const res = await admin.post('/admin/sso', validForm(csrf, { allowed_domains: 'Example.com\n@example.org' }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/sso?ok=sso.saved')
    expect(srv.ctx.stores.sso.provider()).toMatchObject({ kind: 'generic', label: 'Empresa', enabled: true, has_secret: true, allowed_domains: ['example.com', 'example.org'] })
    const row = srv.ctx.db.query<{ s: string }, []>('SELECT client_secret_sealed AS s FROM sso_provider').get()!
    expect(row.s.startsWith('v1.')).toBe(true)
    expect(row.s).not.toContain(idp.clientSecret)
    const audit = srv.ctx.db.query<{ details: string }, []>("SELECT details FROM audit_log WHERE action = 'sso.settings'").get()!
    expect(audit.details).not.toContain(idp.clientSecret)
    expect(JSON.parse(audit.details)).toMatchObject({ secret_changed: true, issuer_url: idp.issuer })

    expect((await admin.post('/admin/sso', validForm(csrf, { client_secret: '', label: 'Corporativo' }))).status).toBe(303)
    expect(srv.ctx.stores.sso.secret()).toBe(idp.clientSecret)
    expect(srv.ctx.stores.sso.provider()!.label).toBe('Corporativo')
    // The page never sends the secret back.
    expect(await (await admin.fetch('/admin/sso')).text()).not.toContain(idp.clientSecret)
    expect((await admin.post('/admin/sso', validForm(csrf, { label: 'Empresa' }))).status).toBe(303)
  })

  test('test discovery: the htmx fragment names the issuer and keys; a wrong issuer says so', async () => {
    const csrf = await admin.csrf('/admin/sso')
    const ok = await admin.post('/admin/sso/test', validForm(csrf), { 'hx-request': 'true', 'x-csrf-token': csrf })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain(`Documento de descoberta encontrado: emissor ${idp.issuer}, 1 chave(s) de assinatura.`)
    const liar = await startFakeOidc({ redirectUris: [`${srv.url}/sso/callback`], publicIssuer: (port) => `http://localhost:${port}` })
    try {
      const bad = await admin.post('/admin/sso/test', validForm(csrf, { issuer_url: liar.url }), { 'hx-request': 'true', 'x-csrf-token': csrf })
      expect(await bad.text()).toContain('emissor diferente do configurado')
    } finally {
      await liar.stop()
    }
    // Without JavaScript the whole page comes back with the result and the typed values.
    const page = await admin.post('/admin/sso/test', validForm(csrf, { issuer_url: 'http://127.0.0.1:1/nada' }))
    const html = await page.text()
    expect(html).toContain('Não foi possível usar este provedor')
    expect(html).toContain('value="http://127.0.0.1:1/nada"')
  })

  test('Microsoft: the tenant GUID gives the v2.0 issuer', () => {
    expect(issuerOf({ kind: 'microsoft', tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47', issuer_url: '' })).toBe('https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0')
  })
})

describe('the login redirect and the callback', () => {
  test('the login page shows "Entrar com …" only while SSO is enabled', async () => {
    const anon = new Browser(srv.url)
    expect(await (await anon.fetch('/login')).text()).toContain('Entrar com Empresa')
    const p = srv.ctx.stores.sso.provider()!
    write(srv.ctx.db, () => srv.ctx.stores.sso.saveProvider({ ...p, enabled: false }, null))
    expect(await (await anon.fetch('/login')).text()).not.toContain('Entrar com Empresa')
    const off = await anon.fetch('/sso/login')
    expect(off.status).toBe(404)
    expect(await off.text()).toContain('O login único não está ativado neste Kumquat.')
    write(srv.ctx.db, () => srv.ctx.stores.sso.saveProvider({ ...p, enabled: true }, null))
  })

  test('/sso/login: code + PKCE S256, state and nonce, bound to this browser by a cookie; stored only hashed', async () => {
    const anon = new Browser(srv.url)
    const res = await anon.fetch('/sso/login?next=/tickets')
    expect(res.status).toBe(303)
    const to = new URL(res.headers.get('location')!)
    expect(to.origin + to.pathname).toBe(`${idp.url}/auth`)
    const q = to.searchParams
    expect(q.get('response_type')).toBe('code')
    expect(q.get('client_id')).toBe(idp.clientId)
    expect(q.get('redirect_uri')).toBe(`${srv.url}/sso/callback`)
    expect(q.get('code_challenge_method')).toBe('S256')
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(q.get('state')!.length).toBeGreaterThanOrEqual(43)
    expect(q.get('nonce')!.length).toBeGreaterThanOrEqual(43)
    expect(res.headers.get('set-cookie')).toMatch(/^kq_sso=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Lax; HttpOnly; Max-Age=600/)
    const row = srv.ctx.db.query<{ state_hash: string; browser_hash: string; next: string }, []>('SELECT state_hash, browser_hash, next FROM sso_logins ORDER BY created_at DESC LIMIT 1').get()!
    expect(row.state_hash).toBe(sha256hex(q.get('state')!))
    expect(row.browser_hash).toBe(sha256hex(anon.cookies.get('kq_sso')!))
    expect(row.next).toBe('/tickets')
    // An open redirect is not a destination.
    await anon.fetch('/sso/login?next=//evil.example')
    expect(srv.ctx.db.query<{ next: string }, []>('SELECT next FROM sso_logins ORDER BY rowid DESC LIMIT 1').get()!.next).toBe('/')
  })

  test('callback refusals without a provider login: unknown state, another browser, expired', async () => {
    const starter = new Browser(srv.url)
    const state = new URL((await starter.fetch('/sso/login')).headers.get('location')!).searchParams.get('state')!
    const before = srv.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM sessions').get()!.n

    const unknown = await starter.fetch('/sso/callback?code=abc&state=nope')
    expect(unknown.status).toBe(400)
    expect(await unknown.text()).toContain('Este link de retorno do login não é válido.')

    // Someone else's callback URL (login CSRF): this browser never started that login.
    const other = new Browser(srv.url)
    const stolen = await other.fetch(`/sso/callback?code=abc&state=${state}`)
    expect(stolen.status).toBe(400)
    expect(await stolen.text()).toContain('Este login foi iniciado em outro navegador.')

    write(srv.ctx.db, () => srv.ctx.db.query('UPDATE sso_logins SET expires_at = 1 WHERE state_hash = ?').run(sha256hex(state)))
    const expired = await starter.fetch(`/sso/callback?code=abc&state=${state}`)
    expect(expired.status).toBe(400)
    expect(await expired.text()).toContain('O login demorou demais e expirou.')

    expect(srv.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM sessions').get()!.n).toBe(before)
    const reasons = srv.ctx.db
      .query<{ details: string }, []>("SELECT details FROM audit_log WHERE action = 'login.failed' ORDER BY id DESC LIMIT 3")
      .all()
      .map((r) => JSON.parse(r.details).reason)
    // An unknown state is no login attempt: not audited (anonymous requests cannot fill the log).
    expect(reasons.slice(0, 2)).toEqual(['state_expired', 'state_other_browser'])
    expect(reasons).not.toContain('state_unknown')
  })

  test('the provider refusing (access_denied) is reported, and the state is spent', async () => {
    const b = new Browser(srv.url)
    const state = new URL((await b.fetch('/sso/login')).headers.get('location')!).searchParams.get('state')!
    const denied = await b.fetch(`/sso/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(idp.issuer)}`)
    expect(denied.status).toBe(403)
    expect(await denied.text()).toContain('O provedor de identidade não autorizou o acesso.')
    const again = await b.fetch(`/sso/callback?code=abc&state=${state}`)
    expect(await again.text()).toContain('já foi usado')
  })

  test('starting logins is rate limited per address (each start stores a row before sign-in)', async () => {
    const b = new Browser(srv.url)
    const rows = () => srv.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM sso_logins').get()!.n
    let status = 0
    let tries = 0
    while (tries < 70 && status !== 429) {
      status = (await b.fetch('/sso/login')).status
      tries++
    }
    expect(status).toBe(429)
    const stored = rows()
    expect((await b.fetch('/sso/login')).status).toBe(429)
    expect(rows()).toBe(stored)
  })
})
