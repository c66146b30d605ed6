// The permission walk (issue 8): every route of the app, called by each built-in profile (pages
// with a session and CSRF token, the API with a bearer token), answers "forbidden" exactly when the
// profile's matrix lacks the cell the route needs; every route is listed in the table; the SSE
// topics follow the matrix too.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { can, expandPermissions } from '../admin/permissions'
import { createApp } from '../app'
import { topicsFor } from '../realtime/routes'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { BUILT_IN_DEFAULTS, cleanPermissions } from './matrix'
import { requiredFor, ROUTE_PERMISSIONS, routeKey } from './route-permissions'

const PROFILES = ['admin', 'supervisor', 'agent'] as const
type Key = (typeof PROFILES)[number]

let s: TestServer
const who = {} as Record<Key, { browser: Browser; token: string; csrf: string; id: number }>

beforeAll(async () => {
  s = await startTestServer()
  for (const p of PROFILES) {
    const { user, token } = await seedUser(s.ctx, { email: `${p}@example.com`, profile: p })
    const browser = new Browser(s.url)
    await browser.login(`${p}@example.com`)
    who[p] = { browser, token, csrf: await browser.csrf('/profile'), id: user.id }
  }
})
afterAll(() => s.stop())

/** Routes not called in the walk: they end the session, start real work, or are not ours to call (webhooks). */
const NOT_CALLED = new Set(['POST /logout', 'POST /admin/backups/run', 'POST /login', 'POST /setup', 'GET /webhooks/whatsapp/:key', 'POST /webhooks/whatsapp/:key'])

const fill = (path: string) =>
  path
    .replace(/\/:\w+\?$/, '')
    .replace(/:(\w+)/g, (_, name: string) => (name === 'action' ? 'x' : name === 'key' ? 'nokey' : '999999'))
    .replace('*', 'app.css')

async function call(p: Key, method: string, path: string): Promise<{ status: number; forbidden: boolean }> {
  const url = fill(path)
  const me = who[p]
  let res: Response
  if (path.startsWith('/api/v1/')) {
    res = await fetch(s.url + url, {
      method,
      headers: { authorization: `Bearer ${me.token}`, ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
      body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      redirect: 'manual',
    })
  } else if (method === 'GET') {
    res = await me.browser.fetch(url)
  } else {
    res = await me.browser.fetch(url, {
      method,
      body: new URLSearchParams({ _csrf: me.csrf }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': me.csrf },
    })
  }
  let forbidden = false
  if (res.status === 403) {
    const text = await res.text()
    forbidden = path.startsWith('/api/v1/') ? (JSON.parse(text) as { error: { code: string } }).error.code === 'forbidden' : text.includes('Você não tem permissão para acessar isto.')
  } else await res.body?.cancel()
  return { status: res.status, forbidden }
}

describe('the permission walk', () => {
  test('the built-in profiles hold what the matrix ships as their defaults', () => {
    for (const p of ['supervisor', 'agent'] as const) {
      const stored = s.ctx.stores.profiles.resolve(p)!
      expect({ p, held: cleanPermissions(expandPermissions(stored.permissions)).sort() }).toEqual({ p, held: cleanPermissions(BUILT_IN_DEFAULTS[p]).sort() })
    }
  })

  test('every route of the app says what it needs', () => {
    const missing = createApp(s.ctx)
      .routes.map((r) => routeKey(r.method, r.path))
      .filter((k) => !(k in ROUTE_PERMISSIONS))
    expect(missing).toEqual([])
  })

  test('each built-in profile is refused exactly the routes its matrix lacks', async () => {
    const routes = createApp(s.ctx).routes.filter((r) => !NOT_CALLED.has(routeKey(r.method, r.path)) && routeKey(r.method, r.path) in ROUTE_PERMISSIONS)
    const mismatches: string[] = []
    let checked = 0
    for (const p of PROFILES) {
      const user = s.ctx.stores.users.get(who[p].id)!
      for (const r of routes) {
        const need = requiredFor(r.method, r.path, { params: {} })!
        const list = 'anyOf' in need ? need.anyOf : need.allOf
        const allowed = 'anyOf' in need ? list.some((x) => can(user, x)) : list.every((x) => can(user, x))
        const requirement = ROUTE_PERMISSIONS[routeKey(r.method, r.path)]
        if (requirement === 'public') continue
        const { status, forbidden } = await call(p, r.method, r.path)
        checked++
        if (forbidden === allowed) mismatches.push(`${p} ${r.method} ${r.path} → ${status} (needs ${JSON.stringify(need)})`)
      }
    }
    expect(mismatches).toEqual([])
    expect(checked).toBeGreaterThan(200)
  }, 120_000)

  test('live-event topics follow the matrix: only monitoring.view hears the supervisor topic', () => {
    for (const p of PROFILES) {
      const user = s.ctx.stores.users.get(who[p].id)!
      expect({ p, supervisor: topicsFor(user).has('supervisor') }).toEqual({ p, supervisor: can(user, 'monitoring.view') })
    }
    expect(topicsFor(s.ctx.stores.users.get(who.agent.id)!).has('supervisor')).toBe(false)
    expect(topicsFor(s.ctx.stores.users.get(who.supervisor.id)!).has('supervisor')).toBe(true)
  })
})
