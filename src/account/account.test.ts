import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer

beforeAll(async () => {
  s = await startTestServer()
})
afterAll(() => s.stop())

describe('first run', () => {
  test('with no users every page leads to /setup; the API and health stay reachable', async () => {
    for (const path of ['/', '/profile', '/admin/users', '/login']) {
      const res = await fetch(s.url + path, { redirect: 'manual' })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/setup')
    }
    expect((await fetch(s.url + '/healthz')).status).toBe(200)
    expect((await fetch(s.url + '/api/v1/me')).status).toBe(401)
  })

  test('setup refuses a missing CSRF token and writes nothing', async () => {
    const b = new Browser(s.url)
    await b.fetch('/setup')
    const res = await b.post('/setup', { name: 'Ana', email: 'ana@example.com', password: 'segredo123' })
    expect(res.status).toBe(403)
    expect(s.ctx.stores.users.count()).toBe(0)
  })

  test('setup with problems re-renders in Portuguese with the typed values and 422', async () => {
    const b = new Browser(s.url)
    const csrf = await b.csrf('/setup')
    const res = await b.post('/setup', { _csrf: csrf, name: '"><script>alert(1)</script>', email: 'not-an-email', password: 'short' })
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('Informe um e-mail válido.')
    expect(html).toContain('A senha precisa ter entre 8 e 200 caracteres.')
    expect(html).toContain('value="&#34;><script>alert(1)</script>"')
    expect(html).not.toContain('"><script>')
    expect(s.ctx.stores.users.count()).toBe(0)
  })

  test('setup creates the admin, signs them in, and then closes itself', async () => {
    const b = new Browser(s.url)
    const csrf = await b.csrf('/setup')
    const res = await b.post('/setup', { _csrf: csrf, name: 'Ana Admin', email: 'ana@example.com', password: 'segredo123' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/?ok=setup.done')
    const home = await b.fetch('/')
    expect(home.status).toBe(200)
    expect(await home.text()).toContain('Olá, Ana Admin!')
    expect(s.ctx.stores.users.byEmail('ana@example.com')!.profile_key).toBe('admin')
    const again = await fetch(s.url + '/setup', { redirect: 'manual' })
    expect(again.headers.get('location')).toBe('/login?info=setup.already')
  })
})

describe('login', () => {
  test('a page without a session redirects to login keeping the wanted page', async () => {
    const res = await fetch(s.url + '/admin/users?q=ana', { redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login?next=%2Fadmin%2Fusers%3Fq%3Dana')
  })

  test('an expired or unknown session cookie says the session expired', async () => {
    const res = await fetch(s.url + '/profile', { redirect: 'manual', headers: { cookie: 'kq_session=expired-token' } })
    expect(res.headers.get('location')).toContain('info=login.expired')
    const page = await (await fetch(s.url + res.headers.get('location')!)).text()
    expect(page).toContain('Sua sessão expirou')
  })

  test('wrong password and unknown e-mail get the same message; nothing reveals which', async () => {
    const b = new Browser(s.url)
    const wrong = await b.login('ana@example.com', 'wrong-password')
    const unknown = await b.login('nobody@example.com', 'wrong-password')
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    const a = await wrong.text()
    const c = await unknown.text()
    expect(a).toContain('E-mail ou senha incorretos.')
    expect(c).toContain('E-mail ou senha incorretos.')
    expect(b.cookies.has('kq_session')).toBe(false)
  })

  test('login goes to the wanted page and refuses an open redirect', async () => {
    const b = new Browser(s.url)
    const csrf = await b.csrf('/login')
    const res = await b.post('/login', { _csrf: csrf, email: 'ANA@example.com', password: 'segredo123', next: '/profile' })
    expect(res.headers.get('location')).toBe('/profile')
    const b2 = new Browser(s.url)
    const csrf2 = await b2.csrf('/login')
    const evil = await b2.post('/login', { _csrf: csrf2, email: 'ana@example.com', password: 'segredo123', next: '//evil.example/' })
    expect(evil.headers.get('location')).toBe('/')
  })

  test('session cookie: HttpOnly, SameSite=Lax; "remember me" makes it persistent', async () => {
    const b = new Browser(s.url)
    const csrf = await b.csrf('/login')
    const plain = await b.post('/login', { _csrf: csrf, email: 'ana@example.com', password: 'segredo123' })
    const cookie = plain.headers.getSetCookie().find((c) => c.startsWith('kq_session='))!
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Lax')
    expect(cookie).not.toContain('Max-Age')
    expect(cookie).not.toContain('Secure')
    const b2 = new Browser(s.url)
    const csrf2 = await b2.csrf('/login')
    const remembered = await b2.post('/login', { _csrf: csrf2, email: 'ana@example.com', password: 'segredo123', remember: '1' })
    expect(remembered.headers.getSetCookie().find((c) => c.startsWith('kq_session='))).toContain(`Max-Age=${30 * 86400}`)
  })

  test('logout ends the session server-side', async () => {
    const b = new Browser(s.url)
    await b.login('ana@example.com', 'segredo123')
    const stolen = b.cookies.get('kq_session')!
    const csrf = await b.csrf('/profile')
    const out = await b.post('/logout', { _csrf: csrf })
    expect(out.headers.get('location')).toBe('/login?info=login.logged_out')
    const replay = await fetch(s.url + '/', { redirect: 'manual', headers: { cookie: `kq_session=${stolen}` } })
    expect(replay.status).toBe(303)
  })

  test('throttling: after 5 failures the account is locked out with a clear message and 429', async () => {
    await seedUser(s.ctx, { email: 'target@example.com', password: 'segredo123' })
    const b = new Browser(s.url)
    for (let i = 0; i < 5; i++) expect((await b.login('target@example.com', 'nope-nope')).status).toBe(401)
    const locked = await b.login('target@example.com', 'segredo123')
    expect(locked.status).toBe(429)
    expect(await locked.text()).toMatch(/Muitas tentativas de acesso\. Tente novamente em \d+ segundos\./)
  })

  test('secure base URL: __Host- cookie with Secure', async () => {
    const secure = await startTestServer({ KUMQUAT_BASE_URL: 'https://kumquat.example' })
    try {
      await seedUser(secure.ctx, { email: 'x@example.com', password: 'segredo123' })
      const b = new Browser(secure.url)
      const csrf = await b.csrf('/login')
      const res = await b.post('/login', { _csrf: csrf, email: 'x@example.com', password: 'segredo123' })
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-kq_session='))!
      expect(cookie).toContain('Secure')
      expect(cookie).toContain('Path=/')
      expect(res.headers.get('strict-transport-security')).toContain('max-age')
    } finally {
      await secure.stop()
    }
  })
})

describe('CSRF on state changes', () => {
  test('presence, language, tokens and logout refuse a missing or wrong token, and cross-site requests', async () => {
    const b = new Browser(s.url)
    await b.login('ana@example.com', 'segredo123')
    const csrf = await b.csrf('/profile')
    for (const path of ['/presence', '/profile/language', '/profile/tokens', '/admin/sectors']) {
      expect((await b.post(path, { status: 'paused', language: 'en', label: 'x', name: 'S' })).status).toBe(403)
      expect((await b.post(path, { _csrf: 'forged', status: 'paused', language: 'en', label: 'x', name: 'S' })).status).toBe(403)
      expect((await b.post(path, { _csrf: csrf, status: 'paused', language: 'en', label: 'x', name: 'S' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    }
    const me = s.ctx.stores.users.byEmail('ana@example.com')!
    expect(me.presence).toBe('offline')
    expect(me.language).toBeNull()
    expect(s.ctx.stores.sectors.list()).toHaveLength(0)
    // The htmx header works too.
    const ok = await b.fetch('/presence', { method: 'POST', body: new URLSearchParams({ status: 'available' }), headers: { 'x-csrf-token': csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('id="presence"')
  })

  test('the CSRF error page is in the user’s language', async () => {
    const b = new Browser(s.url)
    await b.login('ana@example.com', 'segredo123')
    const res = await b.post('/presence', { status: 'paused' })
    expect(await res.text()).toContain('A página expirou')
  })
})

describe('profile', () => {
  test('language choice switches the pages to English and back', async () => {
    const b = new Browser(s.url)
    await b.login('ana@example.com', 'segredo123')
    let csrf = await b.csrf('/profile')
    expect((await b.post('/profile/language', { _csrf: csrf, language: 'en' })).headers.get('location')).toBe('/profile?ok=profile.language_saved')
    const en = await (await b.fetch('/profile?ok=profile.language_saved')).text()
    expect(en).toContain('<html lang="en"')
    expect(en).toContain('My profile')
    expect(en).toContain('Language updated.')
    csrf = await b.csrf('/profile')
    expect((await b.post('/profile/language', { _csrf: csrf, language: 'xx' })).status).toBe(400)
    await b.post('/profile/language', { _csrf: csrf, language: 'pt-BR' })
    expect(await (await b.fetch('/profile')).text()).toContain('Meu perfil')
  })

  test('sessions: list shows this session, another can be revoked, someone else’s cannot', async () => {
    const other = new Browser(s.url)
    await other.login('ana@example.com', 'segredo123')
    const b = new Browser(s.url)
    await b.login('ana@example.com', 'segredo123')
    const page = await (await b.fetch('/profile')).text()
    expect(page).toContain('Esta sessão')
    const ana = s.ctx.stores.users.byEmail('ana@example.com')!
    const otherSession = s.ctx.stores.sessions.find(other.cookies.get('kq_session')!, () => 86_400_000)!
    const csrf = await b.csrf('/profile')
    const res = await b.post(`/profile/sessions/${otherSession.id}/revoke`, { _csrf: csrf })
    expect(res.status).toBe(200)
    expect((await other.fetch('/')).status).toBe(303)
    // IDOR: the target's own session id, revoked from another account, is "not found".
    const { user: mallory } = await seedUser(s.ctx, { email: 'mallory@example.com', password: 'segredo123' })
    const m = new Browser(s.url)
    await m.login('mallory@example.com', 'segredo123')
    const mcsrf = await m.csrf('/profile')
    const target = s.ctx.stores.sessions.ofUser(ana.id)[0]
    expect((await m.post(`/profile/sessions/${target.id}/revoke`, { _csrf: mcsrf })).status).toBe(404)
    expect(s.ctx.stores.sessions.ofUser(ana.id).some((x) => x.id === target.id)).toBe(true)
    expect(mallory.id).toBeGreaterThan(0)
  })

  test('API tokens: created once (shown, stored hashed), listed by label, revoked', async () => {
    const b = new Browser(s.url)
    await b.login('ana@example.com', 'segredo123')
    const csrf = await b.csrf('/profile')
    const res = await b.post('/profile/tokens', { _csrf: csrf, label: 'ERP <script>' }, { 'hx-request': 'true' })
    const html = await res.text()
    const token = /id="new-token">([^<]+)</.exec(html)![1]
    expect(token).toStartWith('kq_')
    expect(html).toContain('ERP &lt;script&gt;')
    const me = await fetch(s.url + '/api/v1/me', { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    const row = s.ctx.db.query<{ token_hash: string }, []>('SELECT token_hash FROM api_tokens ORDER BY id DESC LIMIT 1').get()!
    expect(row.token_hash).not.toContain(token)
    const again = await (await b.fetch('/profile')).text()
    expect(again).not.toContain(token)
    const id = s.ctx.stores.apiTokens.ofUser(s.ctx.stores.users.byEmail('ana@example.com')!.id)[0].id
    expect((await b.post(`/profile/tokens/${id}/revoke`, { _csrf: csrf })).status).toBe(200)
    expect((await fetch(s.url + '/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    expect((await b.post('/profile/tokens', { _csrf: csrf, label: '' })).status).toBe(422)
  })
})
