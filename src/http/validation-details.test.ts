// A body that fails the route's schema: 400 validation_failed with one message per field, in the
// caller's language, saying what the field takes — not TypeBox's English about schemas
// ("Expected union value", "Property 'status' should be one of: 'string', 'string'").
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { write } from '../db/open'

let s: TestServer
let admin: string
let english: string

beforeAll(async () => {
  s = await startTestServer()
  admin = (await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })).token
  const en = await seedUser(s.ctx, { email: 'en@example.com', profile: 'admin' })
  write(s.ctx.db, () => s.ctx.db.query("UPDATE users SET language = 'en' WHERE id = ?").run(en.user.id))
  english = en.token
})
afterAll(() => s.stop())

type ErrorBody = { error: { code: string; message: string; details?: { field: string; message: string }[] } }

async function call(method: string, path: string, body: unknown, token = admin) {
  const res = await fetch(s.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.status).toBe(400)
  const json = (await res.json()) as ErrorBody
  expect(json.error.code).toBe('validation_failed')
  return json.error.details
}

describe('validation details', () => {
  test('an enum lists its values; a missing field is required', async () => {
    expect(await call('PUT', '/api/v1/me/presence', { status: 'x' })).toEqual([{ field: 'status', message: 'Use um destes valores: "available", "paused", "offline".' }])
    expect(await call('PUT', '/api/v1/me/presence', {})).toEqual([{ field: 'status', message: 'Campo obrigatório.' }])
  })

  test('lengths, ranges, booleans, lists and nested fields: one message per field', async () => {
    expect(await call('POST', '/api/v1/sectors', { name: 'x'.repeat(300), routing: 'z', offer_timeout_s: -1, require_classification: 'sim' })).toEqual([
      { field: 'name', message: 'Use no máximo 120 caracteres.' },
      { field: 'routing', message: 'Use um destes valores: "auto", "offer".' },
      { field: 'offer_timeout_s', message: 'Deve ser um número inteiro de 5 a 600.' },
      { field: 'require_classification', message: 'Deve ser true ou false.' },
    ])
    expect(await call('POST', '/api/v1/users', { name: '', email: 3, profile: 'agent', sector_ids: 'a', limits: { whatsapp: 1.5 } })).toEqual([
      { field: 'name', message: 'Não pode ficar em branco.' },
      { field: 'email', message: 'Deve ser um texto.' },
      { field: 'sector_ids', message: 'Deve ser uma lista.' },
      { field: 'limits.whatsapp', message: 'Deve ser um número inteiro de 0 a 1000.' },
    ])
    expect(await call('POST', '/api/v1/customers', { name: 'A', code: 5 })).toEqual([{ field: 'code', message: 'Deve ser um texto.' }])
    expect(s.ctx.stores.sectors.list().some((x) => x.name.startsWith('xxx'))).toBe(false) // nothing written
  })

  test('in the caller’s language', async () => {
    const details = await call('POST', '/api/v1/sectors', { name: 'Vendas', routing: 'z', offer_timeout_s: 1 }, english)
    expect(details).toEqual([
      { field: 'routing', message: 'Use one of these values: "auto", "offer".' },
      { field: 'offer_timeout_s', message: 'Must be a whole number from 5 to 600.' },
    ])
  })
})
