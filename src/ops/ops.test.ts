import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { CSP } from '../http/security-headers'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer

beforeAll(async () => {
  s = await startTestServer()
  await seedUser(s.ctx, { email: 'ana@example.com', profile: 'admin' })
})
afterAll(() => s.stop())

describe('operations endpoints', () => {
  test('/healthz answers when the database does', async () => {
    const res = await fetch(s.url + '/healthz')
    expect(res.status).toBe(200)
    expect((await res.json()).status).toBe('ok')
  })

  test('/metrics: requests by route and status, latency histogram, SSE clients, events', async () => {
    await fetch(s.url + '/login')
    await fetch(s.url + '/api/v1/me')
    const text = await (await fetch(s.url + '/metrics')).text()
    expect(text).toContain('kumquat_http_requests_total{route="/login",method="GET",status="200"}')
    expect(text).toContain('kumquat_http_requests_total{route="/api/v1/me",method="GET",status="401"}')
    expect(text).toMatch(/kumquat_http_request_duration_seconds_bucket\{route="\/login",le="\+Inf"\} \d+/)
    expect(text).toContain('kumquat_sse_clients ')
    expect(text).toContain('kumquat_events_published_total ')
  })

  test('security headers on pages, API and errors', async () => {
    for (const path of ['/login', '/api/v1/me', '/nope', '/healthz']) {
      const res = await fetch(s.url + path, { redirect: 'manual' })
      expect(res.headers.get('content-security-policy')).toBe(CSP)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('referrer-policy')).toBe('same-origin')
    }
    expect(CSP).toContain("script-src 'self'")
    expect(CSP).toContain("frame-ancestors 'none'")
    expect(CSP).not.toContain('unsafe-inline')
  })

  test('pages have no inline scripts or event-handler attributes', async () => {
    const b = new Browser(s.url)
    await b.login('ana@example.com')
    for (const path of ['/', '/profile', '/admin/users', '/admin/users/new', '/admin/sectors', '/admin/sectors/new', '/login', '/nope']) {
      const html = await (await b.fetch(path)).text()
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(html).not.toMatch(/\son[a-z]+=/i)
      expect(html).not.toMatch(/\sstyle=/)
    }
  })

  test('assets are served from the binary with immutable caching and their own types', async () => {
    const html = await (await fetch(s.url + '/login')).text()
    const urls = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])
    expect(urls.length).toBeGreaterThanOrEqual(5)
    for (const url of urls) {
      const res = await fetch(s.url + url)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toContain('immutable')
    }
    const htmx = urls.find((u) => u.includes('htmx.min'))!
    expect((await fetch(s.url + htmx)).headers.get('content-type')).toStartWith('text/javascript')
    expect((await fetch(s.url + '/assets/htmx.min.000000000000.js')).status).toBe(404)
  })
})
