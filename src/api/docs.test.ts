// /api/docs: rendered on the server from /api/v1/openapi.json (no CDN, no script of its own), and
// the document lists the administration resources with their request bodies.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer()
})
afterAll(() => s.stop())

describe('API docs', () => {
  test('the document has the admin resources, with request bodies', async () => {
    const doc = (await (await fetch(s.url + '/api/v1/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> }
    expect(doc.openapi).toStartWith('3.')
    for (const p of ['/api/v1/audit', '/api/v1/profiles', '/api/v1/profiles/{id}', '/api/v1/permissions', '/api/v1/settings', '/api/v1/hierarchy', '/api/v1/customers/{id}/export', '/api/v1/customers/{id}/anonymize']) expect(Object.keys(doc.paths)).toContain(p)
    expect(Object.keys(doc.paths['/api/v1/profiles'].post.requestBody!.content)).toContain('application/json')
    expect(Object.keys(doc.paths['/api/v1/settings'].patch.requestBody!.content)).toContain('application/json')
    // No page routes leak into the API document.
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/'))).toBe(true)
  })

  test('the readable page: every documented operation, served by us, no external resources', async () => {
    const res = await fetch(s.url + '/api/docs')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<code>/api/v1/audit</code>')
    expect(html).toContain('<code>/api/v1/customers/{id}/anonymize</code>')
    expect(html).toContain('Authorization: Bearer')
    expect(html).not.toMatch(/(src|href)="https?:\/\//)
    expect(html).not.toContain('<script>')
  })
})
