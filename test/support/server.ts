// Test harness: a real app on a real SQLite file in a temp dir, served by the real HTTP server on
// an ephemeral port. Each call builds its own world.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createUser } from '../../src/admin/users'
import { loadConfig } from '../../src/config'
import { createContext, type Context } from '../../src/context'
import { write } from '../../src/db/open'
import { createLogger } from '../../src/logger'
import { startServer } from '../../src/server'

export interface TestServer {
  url: string
  ctx: Context
  dataDir: string
  stop(): Promise<void>
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumquat-test-'))
  const config = loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env })
  const ctx = createContext(config, createLogger((process.env.TEST_LOG_LEVEL as 'debug') ?? 'silent'))
  const server = await startServer(ctx)
  return {
    url: `http://127.0.0.1:${server.port}`,
    ctx,
    dataDir,
    async stop() {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Creates a user directly (fast path for tests) and an API token for them. */
export async function seedUser(ctx: Context, o: { email: string; profile?: string; password?: string; name?: string; sector_ids?: number[] }) {
  const user = await createUser(ctx, null, { name: o.name ?? o.email.split('@')[0], email: o.email, password: o.password ?? 'correct horse battery', profile: o.profile ?? 'agent', sector_ids: o.sector_ids ?? [] })
  const token = write(ctx.db, () => ctx.stores.apiTokens.create(user.id, 'test').token)
  return { user, token }
}

/** A cookie jar good enough for our own server: remembers Set-Cookie values by name. */
export class Browser {
  cookies = new Map<string, string>()
  constructor(public base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair.indexOf('=')
      const value = pair.slice(i + 1)
      if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(pair.slice(0, i))
      else this.cookies.set(pair.slice(0, i), value)
    }
    return res
  }

  /** GETs a page and returns its CSRF token (hidden `_csrf` field). */
  async csrf(path: string): Promise<string> {
    const html = await (await this.fetch(path)).text()
    const m = /name="_csrf" value="([^"]+)"/.exec(html)
    if (!m) throw new Error(`no _csrf on ${path}`)
    return m[1]
  }

  async post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams()
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x)
    return this.fetch(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } })
  }

  async login(email: string, password = 'correct horse battery'): Promise<Response> {
    const csrf = await this.csrf('/login')
    return this.post('/login', { _csrf: csrf, email, password })
  }
}
