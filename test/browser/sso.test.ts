// Single sign-on in Chromium against a real OpenID provider (the `oidc-provider` package, started
// here on an ephemeral port with its development login and consent pages): the admin configures
// and tests the provider; a user goes to the provider, logs in, consents and comes back signed in;
// a new user is created on first login; and each refusal — a replayed callback URL, an ID token
// signed with a foreign key, a provider whose issuer differs from the configured one, a user whose
// password login is off — ends on a clear Portuguese page with no session created.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { saveSector } from '../../src/admin/sectors'
import { write } from '../../src/db/open'
import { saveSso } from '../../src/sso/settings'
import { startFakeOidc, type FakeOidc } from '../../scripts/fake-oidc'
import { seedUser, startTestServer, type TestServer } from '../support/server'
import { launchBrowser, type BrowserSession } from './support'

let srv: TestServer
let idp: FakeOidc
let liar: FakeOidc
let b: BrowserSession
let page: Page
let adminId: number
let sectorId: number
const url = (path: string) => srv.url + path
const sessions = () => srv.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM sessions').get()!.n
const lastAudit = () =>
  srv.ctx.db.query<{ action: string; actor_id: number | null; details: string }, []>('SELECT action, actor_id, details FROM audit_log ORDER BY id DESC LIMIT 1').get()!
const onKumquat = (u: URL) => u.origin === srv.url
// Each login goes through the provider's pages: a few navigations, and some tests make a dozen,
// on a busy machine (the suite's own --timeout is the same).
setDefaultTimeout(60_000)

beforeAll(async () => {
  srv = await startTestServer()
  // The public URL is where the provider sends the browser back (the port is only known now).
  srv.ctx.config.baseUrl = srv.url
  const callback = `${srv.url}/sso/callback`
  // "impostor" is another account at the provider that claims Bia's address.
  idp = await startFakeOidc({ redirectUris: [callback], claims: (login) => (login === 'impostor' ? { email: 'bia@example.com' } : {}) })
  // Listens on 127.0.0.1 but calls itself localhost: its discovery document names another issuer.
  liar = await startFakeOidc({ redirectUris: [callback], publicIssuer: (port) => `http://localhost:${port}` })
  adminId = (await seedUser(srv.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })).user.id
  await seedUser(srv.ctx, { email: 'bia@example.com', profile: 'agent', name: 'Bia Atendente' })
  sectorId = saveSector(srv.ctx, adminId, { name: 'Suporte' }, null, null).id
  b = await launchBrowser()
  page = b.page
}, 30_000)
afterAll(async () => {
  await b?.close()
  await idp?.stop()
  await liar?.stop()
  await srv?.stop()
})

async function passwordLogin(email: string, password = 'correct horse battery') {
  await page.goto(url('/login'))
  await page.fill('#email', email)
  await page.fill('#password', password)
  await page.getByRole('button', { name: 'Entrar', exact: true }).click()
  await page.waitForLoadState()
}

/** From the login page through the provider's login and consent pages, back to Kumquat. */
async function ssoLogin(login: string, provider: FakeOidc = idp) {
  await page.goto(url('/login'))
  await page.getByRole('link', { name: 'Entrar com Empresa' }).click()
  await page.waitForURL((u) => u.origin === provider.url && u.pathname.startsWith('/interaction/'))
  await page.fill('input[name=login]', login)
  await page.fill('input[name=password]', 'qualquer')
  await page.getByRole('button', { name: 'Sign-in' }).click()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL(onKumquat)
}

async function signedOut() {
  await b.context.clearCookies()
}

describe('single sign-on in Chromium', () => {
  test('the admin configures the provider, tests discovery (htmx) and saves; the secret is stored sealed', async () => {
    await passwordLogin('admin@example.com')
    await page.goto(url('/admin/sso'))
    expect(await page.locator('h1').textContent()).toBe('Login único (SSO)')
    expect(await page.locator('#redirect_uri').inputValue()).toBe(`${srv.url}/sso/callback`)
    await page.locator('#kind').selectOption('generic')
    await page.fill('#label', 'Empresa')
    await page.fill('#issuer_url', idp.issuer)
    await page.fill('#client_id', idp.clientId)
    await page.fill('#client_secret', idp.clientSecret)
    const tested = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/sso/test')
    await page.getByRole('button', { name: 'Testar descoberta' }).click()
    expect((await tested).status()).toBe(200)
    await page.locator('#sso-test .flash.ok').waitFor()
    expect(await page.locator('#sso-test').textContent()).toContain(`emissor ${idp.issuer}, 1 chave(s)`)
    expect(new URL(page.url()).pathname).toBe('/admin/sso') // swapped in place, nothing saved
    expect(srv.ctx.stores.sso.provider()).toBeNull()

    await page.getByRole('checkbox', { name: 'Criar o usuário no primeiro login' }).check()
    await page.locator('#default_profile_id').selectOption({ label: 'Atendente' })
    await page.getByRole('checkbox', { name: 'Suporte' }).check()
    await page.fill('#allowed_domains', 'example.com')
    await page.getByRole('checkbox', { name: 'Login único ativado' }).check()
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => u.search === '?ok=sso.saved')
    expect(await page.getByText('Configurações de login único salvas.').isVisible()).toBe(true)

    const p = srv.ctx.stores.sso.provider()!
    expect(p).toMatchObject({ kind: 'generic', issuer_url: idp.issuer, enabled: true, auto_create: true, default_sector_ids: [sectorId], allowed_domains: ['example.com'] })
    const sealed = srv.ctx.db.query<{ s: string }, []>('SELECT client_secret_sealed AS s FROM sso_provider').get()!.s
    expect(sealed).not.toContain(idp.clientSecret)
    expect(srv.ctx.stores.sso.secret()).toBe(idp.clientSecret)
    expect(b.diagnostics.csp).toEqual([])
    expect(b.diagnostics.pageErrors).toEqual([])
  })

  let callbackUrl = ''
  test('an existing user: provider login and consent, back signed in; the session works; audited as sso', async () => {
    await signedOut()
    const seen = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === '/sso/callback') callbackUrl = r.url()
    }
    page.on('request', seen)
    await ssoLogin('bia@example.com')
    page.off('request', seen)
    expect(new URL(page.url()).pathname).toBe('/')
    expect(await page.locator('.userbox a[href="/profile"]').textContent()).toBe('Bia Atendente')
    await page.goto(url('/profile'))
    expect(new URL(page.url()).pathname).toBe('/profile')
    const entry = lastAudit()
    expect(entry.action).toBe('login')
    expect(JSON.parse(entry.details)).toMatchObject({ method: 'sso', email: 'bia@example.com' })
    // The code flow used PKCE S256 and a state; the callback carried both back.
    expect(new URL(callbackUrl).searchParams.get('code')).toBeTruthy()
    expect(new URL(callbackUrl).searchParams.get('state')).toBeTruthy()
  })

  test('replayed state: the same callback URL again is refused and creates no session', async () => {
    const before = sessions()
    const response = await page.goto(callbackUrl)
    expect(response!.status()).toBe(400)
    expect(await page.getByRole('alert').textContent()).toBe('Este link de retorno do login já foi usado. Comece de novo pela tela de login.')
    expect(sessions()).toBe(before)
    expect(JSON.parse(lastAudit().details)).toMatchObject({ method: 'sso', reason: 'state_replayed' })
  })

  test('another provider account claiming a linked address does not get that user', async () => {
    await signedOut()
    const before = sessions()
    await ssoLogin('impostor')
    expect(await page.getByRole('alert').textContent()).toBe('Este e-mail já está ligado a outra conta do provedor de identidade. Fale com o administrador.')
    expect(sessions()).toBe(before)
    expect(JSON.parse(lastAudit().details)).toMatchObject({ method: 'sso', reason: 'identity_conflict', email: 'bia@example.com' })
  })

  test('a new user is created on first login with the default profile and sectors', async () => {
    await signedOut()
    expect(srv.ctx.stores.users.byEmail('novo@example.com')).toBeNull()
    await ssoLogin('novo@example.com')
    expect(new URL(page.url()).pathname).toBe('/')
    const user = srv.ctx.stores.users.byEmail('novo@example.com')!
    expect(user).toMatchObject({ profile_key: 'agent', sector_ids: [sectorId], active: true, password_hash: null })
    expect(await page.locator('.userbox a[href="/profile"]').textContent()).toBe('Pessoa novo')

    // Deactivated: the provider still vouches for the address, Kumquat refuses.
    write(srv.ctx.db, () => srv.ctx.stores.users.setActive(user.id, false))
    await signedOut()
    const before = sessions()
    await ssoLogin('novo@example.com')
    expect(await page.getByRole('alert').textContent()).toBe('Seu usuário está desativado no Kumquat. Fale com o administrador.')
    expect(sessions()).toBe(before)
  })

  test('a domain not allowed is refused', async () => {
    await signedOut()
    const before = sessions()
    await ssoLogin('intruso@outra.com')
    expect(await page.getByRole('alert').textContent()).toBe('O domínio do seu e-mail não está autorizado a entrar neste Kumquat.')
    expect(sessions()).toBe(before)
    expect(srv.ctx.stores.users.byEmail('intruso@outra.com')).toBeNull()
  })

  test('bad signature: an ID token signed with a foreign key is refused, no session', async () => {
    await signedOut()
    const before = sessions()
    idp.forgeSignatures = true
    try {
      await ssoLogin('bia@example.com')
    } finally {
      idp.forgeSignatures = false
    }
    expect(new URL(page.url()).pathname).toBe('/sso/callback')
    expect(await page.locator('h1').textContent()).toBe('Não foi possível entrar')
    expect(await page.getByRole('alert').textContent()).toBe('A assinatura do token de identidade não confere com as chaves do provedor. Por segurança, o acesso foi recusado.')
    expect(sessions()).toBe(before)
    expect(JSON.parse(lastAudit().details)).toMatchObject({ method: 'sso', reason: 'bad_signature' })
    await page.goto(url('/'))
    expect(new URL(page.url()).pathname).toBe('/login')
  })

  test('wrong issuer: settings pointing at a provider whose issuer differs are refused, no session', async () => {
    await signedOut()
    const p = srv.ctx.stores.sso.provider()!
    saveSso(srv.ctx, adminId, { ...p, issuer_url: liar.url }, null)
    try {
      const before = sessions()
      await page.goto(url('/login'))
      await page.getByRole('link', { name: 'Entrar com Empresa' }).click()
      await page.waitForURL((u) => u.pathname === '/sso/login')
      expect(await page.getByRole('alert').textContent()).toBe(
        'O provedor de identidade se identificou com um emissor diferente do configurado. Por segurança, o acesso foi recusado. Avise o administrador.',
      )
      expect(sessions()).toBe(before)
      expect(JSON.parse(lastAudit().details)).toMatchObject({ method: 'sso', reason: 'issuer_mismatch' })
    } finally {
      saveSso(srv.ctx, adminId, { ...p }, null)
    }
  })

  test('a provider that gives the e-mail only through UserInfo (the specification’s default) works too', async () => {
    await signedOut()
    const strict = await startFakeOidc({ redirectUris: [`${srv.url}/sso/callback`], conformIdTokenClaims: true })
    const p = srv.ctx.stores.sso.provider()!
    saveSso(srv.ctx, adminId, { ...p, issuer_url: strict.issuer }, null)
    try {
      await ssoLogin('bia@example.com', strict)
      expect(new URL(page.url()).pathname).toBe('/')
      expect(await page.locator('.userbox a[href="/profile"]').textContent()).toBe('Bia Atendente')
    } finally {
      saveSso(srv.ctx, adminId, { ...p }, null)
      await strict.stop()
    }
  })

  test('password login disabled on the user form: the password form refuses without telling who exists', async () => {
    await signedOut()
    await passwordLogin('admin@example.com')
    const bia = srv.ctx.stores.users.byEmail('bia@example.com')!
    await page.goto(url(`/admin/users/${bia.id}`))
    await page.getByRole('checkbox', { name: 'Desativar o acesso por senha (só login único)' }).check()
    await page.getByRole('button', { name: 'Salvar' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/users')
    expect(srv.ctx.stores.users.get(bia.id)!.password_login_disabled).toBe(true)

    await signedOut()
    const before = sessions()
    await passwordLogin('bia@example.com')
    expect(await page.getByRole('alert').textContent()).toBe('O acesso por senha está desativado para esta conta. Use o botão “Entrar com Empresa”.')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(sessions()).toBe(before)
    // A wrong password, or an address without an account, reads the same as always.
    await passwordLogin('bia@example.com', 'wrong password!')
    expect(await page.getByRole('alert').textContent()).toBe('E-mail ou senha incorretos.')
    await passwordLogin('ninguem@example.com', 'wrong password!')
    expect(await page.getByRole('alert').textContent()).toBe('E-mail ou senha incorretos.')
    // Single sign-on still works for her.
    await ssoLogin('bia@example.com')
    expect(new URL(page.url()).pathname).toBe('/')
    expect(sessions()).toBe(before + 1)
  })
})
