// API JSON bodies that used to answer 500 (issue 9; found by test/faults/fuzz.test.ts): a lone UTF-16
// surrogate anywhere, and an object with its own toString/valueOf (Elysia 1.4.30's validation
// message throws on it). Both are now a 400 naming the field, before anything is validated or written.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { insertTicket, makeChannel, makeSector } from '../reports/fixture'
import { bodyProblems } from './json-body'

describe('bodyProblems', () => {
  test('finds lone surrogates in values and keys, and reserved keys, with their path', () => {
    expect(bodyProblems({ name: 'ok 🍊 ção', list: ['a', { b: 'c' }], n: 1, z: null })).toEqual([])
    expect(bodyProblems({ name: 'x\ud800' })).toEqual([{ field: 'name', key: 'ops.valid_text_encoding' }])
    expect(bodyProblems({ a: [{ b: '\udc00y' }] })).toEqual([{ field: 'a.0.b', key: 'ops.valid_text_encoding' }])
    expect(bodyProblems({ ['k\ud800']: 1 })).toEqual([{ field: 'k\ufffd', key: 'ops.valid_text_encoding' }])
    expect(bodyProblems({ name: { toString: 1 } })).toEqual([{ field: 'name.toString', key: 'ops.valid_reserved_key' }])
    expect(bodyProblems(JSON.parse('{"valueOf":"x"}'))).toEqual([{ field: 'valueOf', key: 'ops.valid_reserved_key' }])
    expect(bodyProblems('\ud800')).toEqual([{ field: 'body', key: 'ops.valid_text_encoding' }])
    expect(bodyProblems(Array(50).fill('\ud800'))).toHaveLength(10)
  })
})

describe('through the API', () => {
  let s: TestServer
  let token = ''
  const post = (path: string, raw: string, auth = `Bearer ${token}`) =>
    fetch(s.url + path, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: raw })
  beforeAll(async () => {
    s = await startTestServer()
    token = (await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })).token
  })
  afterAll(() => s.stop())

  test('an object with its own toString where a string is expected → 400 validation_failed, not 500', async () => {
    const res = await post('/api/v1/sectors', '{"name":{"toString":1}}')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: { code: 'validation_failed', message: 'Dados inválidos. Verifique os campos.', details: [{ field: 'name.toString', message: 'Este nome de campo não é permitido.' }] } })
  })

  test('a customer type named with a lone surrogate → 400 every time, nothing stored', async () => {
    const count = () => s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM customer_types').get()!.n
    const before = count()
    for (let i = 0; i < 2; i++) {
      const res = await post('/api/v1/customer-types', '{"name":"tipo \\ud800"}')
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)).toEqual(['name'])
    }
    expect(count()).toBe(before)
    // Well-formed text (astral characters are surrogate pairs) is fine.
    expect((await post('/api/v1/customer-types', '{"name":"tipo 🍊 \\ud83c\\udf4a"}')).status).toBe(201)
  })

  test('still: no token → 401 before the body is looked at; malformed JSON → 400 malformed_json', async () => {
    expect((await post('/api/v1/sectors', '{"name":"\\ud800"}', 'Bearer nope')).status).toBe(401)
    const res = await post('/api/v1/sectors', '{"name": ')
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('malformed_json')
    expect((await post('/api/v1/sectors', '')).status).toBe(400)
  })

  test('malformed JSON where the body is optional (close): 400 malformed_json, the ticket stays open', async () => {
    const sector = makeSector(s.ctx, 'Vendas')
    const admin = s.ctx.stores.users.byEmail('admin@example.com')!.id
    const id = insertTicket(s.ctx, { channel_id: makeChannel(s.ctx, 'WhatsApp', sector), status: 'open', sector_id: sector, assignee_id: admin, created_at: Date.now(), assigned_at: Date.now() })
    const res = await post(`/api/v1/tickets/${id}/close`, 'garbage')
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('malformed_json')
    expect(s.ctx.stores.tickets.get(id)!.status).toBe('open')
    // No body at all is fine there.
    expect((await post(`/api/v1/tickets/${id}/close`, '')).status).toBe(200)
    expect(s.ctx.stores.tickets.get(id)!.status).toBe('closed')
  })
})
