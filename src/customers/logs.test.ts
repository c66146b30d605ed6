// CPF/CNPJ, e-mails and phones never reach the log at info level (design §5, §6): create, look up
// by code, search, refuse, duplicate — through the API and the pages — and then read every line.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { createLogger, type Logger } from '../logger'
import { startServer, type Running } from '../server'
import { Browser, seedUser } from '../../test/support/server'

const lines: string[] = []
let ctx: Context
let server: Running
let dataDir: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kumquat-logs-'))
  const config = loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'info' })
  const log: Logger = createLogger('info', { write: (s: string) => void lines.push(s) } as unknown as Parameters<typeof createLogger>[1])
  ctx = createContext(config, log)
  server = await startServer(ctx)
})
afterAll(async () => {
  await server.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

test('no code, e-mail or phone in any log line', async () => {
  const { token } = await seedUser(ctx, { email: 'agent@example.com', profile: 'agent' })
  const api = (path: string, init: RequestInit = {}) => fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })
  expect((await api('/api/v1/customers', { method: 'POST', body: JSON.stringify({ name: 'Maria', code: '529.982.247-25', email: 'maria@example.com', phone: '83 99999-0000' }) })).status).toBe(201)
  expect((await api('/api/v1/customers', { method: 'POST', body: JSON.stringify({ name: 'Maria 2', code: '52998224725' }) })).status).toBe(409)
  expect((await api('/api/v1/customers', { method: 'POST', body: JSON.stringify({ name: 'Alfa', code: '12ABC34501DE36' }) })).status).toBe(400)
  expect((await api('/api/v1/customers?code=529.982.247-25')).status).toBe(200)
  expect((await api('/api/v1/customers?q=12ABC34501DE36')).status).toBe(200)
  const b = new Browser(server.url)
  expect((await b.login('agent@example.com')).status).toBe(303)
  expect((await b.fetch('/customers?q=52998224725')).status).toBe(200)
  const csrf = await b.csrf('/customers/new')
  expect((await b.post('/customers', { _csrf: csrf, name: 'X', code: '52998224725' })).status).toBe(422)
  expect((await b.post('/customers/code-check', { _csrf: csrf, code: '12ABC34501DE36' })).status).toBe(200)

  expect(lines.length).toBeGreaterThan(5)
  const all = lines.join('\n')
  for (const secret of ['52998224725', '529.982.247', '12ABC34501DE3', 'maria@example.com', '99999-0000', '83999990000']) {
    expect({ secret, logged: all.includes(secret) }).toEqual({ secret, logged: false })
  }
})
