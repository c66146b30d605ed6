// WhatsApp channel set-up: the API, the admin pages, the connection test against the Graph API
// stand-in (scripts/fake-meta.ts), and the webhook handshake with the verify token.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { saveSector } from '../admin/sectors'
import { write } from '../db/open'
import { createLogger } from '../logger'

const BASE_URL = 'https://atendimento.example.com.br'
const PN = '106540352242922'
const WABA = '102290129340398'
const PN2 = '106540352242923'
const rand = () => randomBytes(12).toString('hex')
// Secrets with recognisable, unique text: every response body and stored column is searched for them.
const ACCESS = `EAAGtestaccess${rand()}`
const APP_SECRET = `appsecret${rand()}`
const VERIFY = `verify${rand()}`
const ACCESS2 = `EAAGsecondtoken${rand()}`
// Typed into the admin form.
const SECRET_TYPED = `typedsecret${rand()}`
const APP_TYPED = `typedapp${rand()}`
const ALL_SECRETS = [ACCESS, APP_SECRET, VERIFY, ACCESS2, SECRET_TYPED, APP_TYPED]

let s: TestServer
let meta: FakeMeta
let admin: { token: string; id: number }
let agent: { token: string }
let supervisor: { token: string }
let sectorId: number
let adminPage: Browser
let agentPage: Browser
/** Every log line the server writes during this file (searched for secrets at the end). */
const logLines: string[] = []

const api = (path: string, token: string | null, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string>) } })
const json = (body: unknown) => JSON.stringify(body)

/** Reads a response's text and checks it carries none of the secrets. */
async function noSecrets(res: Response): Promise<string> {
  const text = await res.text()
  for (const secret of ALL_SECRETS) expect(text).not.toContain(secret)
  return text
}

const whatsapp = (over: Record<string, unknown> = {}) => ({
  type: 'whatsapp',
  name: 'WhatsApp Vendas',
  phone_number_id: PN,
  waba_id: WABA,
  access_token: ACCESS,
  app_secret: APP_SECRET,
  verify_token: VERIFY,
  graph_base_url: meta.url,
  sector_id: sectorId,
  ...over,
})

const rawRow = (id: number) => s.ctx.db.query<{ secrets: string; settings: string; lookup_key: string }, [number]>('SELECT secrets, settings, lookup_key FROM channels WHERE id = ?').get(id)!
const auditText = () =>
  s.ctx.db
    .query<{ action: string; details: string }, []>("SELECT action, details FROM audit_log WHERE action LIKE 'channel.%' ORDER BY id")
    .all()
    .map((r) => `${r.action} ${r.details}`)
    .join('\n')

/** A port with nothing listening on it. */
function closedPort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const port = server.port!
  server.stop(true)
  return port
}

beforeAll(async () => {
  meta = startFakeMeta()
  await fetch(`${meta.url}/_fake/numbers`, {
    method: 'POST',
    body: json({ phone_number_id: PN, waba_id: WABA, access_token: ACCESS, display_phone_number: '+55 83 3333-4444', verified_name: 'Loja Kumquat', quality_rating: 'GREEN' }),
  })
  s = await startTestServer({ KUMQUAT_BASE_URL: BASE_URL })
  s.ctx.log = createLogger('debug', { write: (line: string) => void logLines.push(line) })
  const a = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })
  const g = await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', name: 'Gil Agent' })
  const sup = await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor', name: 'Sol Supervisor' })
  admin = { token: a.token, id: a.user.id }
  agent = { token: g.token }
  supervisor = { token: sup.token }
  adminPage = new Browser(s.url)
  agentPage = new Browser(s.url)
  await adminPage.login('admin@example.com')
  await agentPage.login('agent@example.com')
})
afterAll(async () => {
  await s.stop()
  await meta.stop()
})

describe('admin pages before any channel', () => {
  test('empty state with a call to action; the form asks for a sector first', async () => {
    const list = await (await adminPage.fetch('/admin/channels')).text()
    expect(list).toContain('Nenhum canal conectado ainda.')
    expect(list).toContain('href="/admin/channels/new"')
    const form = await (await adminPage.fetch('/admin/channels/new')).text()
    expect(form).toContain('Cadastre um setor antes de conectar um canal')
    expect(form).toContain('Jornada de ativação')
    sectorId = saveSector(s.ctx, admin.id, { name: 'Suporte' }, null, null).id
  })

  test('the navigation shows Canais to admins only', async () => {
    expect(await (await adminPage.fetch('/')).text()).toContain('href="/admin/channels"')
    expect(await (await agentPage.fetch('/')).text()).not.toContain('href="/admin/channels"')
  })
})

describe('API: create, read, change', () => {
  let id: number

  test('POST creates a WhatsApp channel (201) without any secret, with the absolute webhook URL', async () => {
    const res = await api('/api/v1/channels', admin.token, { method: 'POST', body: json(whatsapp()) })
    expect(res.status).toBe(201)
    const body = JSON.parse(await noSecrets(res))
    expect(body).toMatchObject({
      type: 'whatsapp',
      name: 'WhatsApp Vendas',
      sector_id: sectorId,
      bot_flow_id: s.ctx.stores.bot.flows.builtin()!.id, // omitted → the built-in default flow (api.md)
      status: 'active',
      active: true,
      phone_number_id: PN,
      waba_id: WABA,
      graph_base_url: meta.url,
      graph_version: 'v24.0',
      display_phone_number: null,
    })
    for (const key of ['access_token', 'app_secret', 'verify_token', 'secrets']) expect(body[key]).toBeUndefined()
    id = body.id
    const channel = s.ctx.stores.channels.get(id)!
    expect(channel.webhook_key).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(body.webhook_url).toBe(`${BASE_URL}/webhooks/whatsapp/${channel.webhook_key}`)
  })

  test('secrets are stored sealed (the raw column holds none of them) and open to the provider code', () => {
    const row = rawRow(id)
    expect(row.secrets.startsWith('v1.')).toBe(true)
    for (const secret of ALL_SECRETS) {
      expect(row.secrets).not.toContain(secret)
      expect(row.settings).not.toContain(secret)
    }
    expect(row.lookup_key).toBe(PN)
    expect(s.ctx.stores.channels.secrets(id)).toEqual({ access_token: ACCESS, app_secret: APP_SECRET, verify_token: VERIFY })
  })

  test('the write is audited, without secrets', () => {
    const audit = auditText()
    expect(audit).toContain('channel.create')
    expect(audit).toContain(PN)
    for (const secret of ALL_SECRETS) expect(audit).not.toContain(secret)
  })

  test('GET list and GET one never show secrets', async () => {
    const list = await api('/api/v1/channels', admin.token)
    expect(list.status).toBe(200)
    const body = JSON.parse(await noSecrets(list))
    expect(body.next_cursor).toBeNull()
    expect(body.data.map((c: { id: number }) => c.id)).toEqual([id])
    const one = await api(`/api/v1/channels/${id}`, admin.token)
    expect(JSON.parse(await noSecrets(one))).toMatchObject({ id, name: 'WhatsApp Vendas', webhook_url: expect.stringContaining(`${BASE_URL}/webhooks/whatsapp/`) })
    expect((await api('/api/v1/channels/424242', admin.token)).status).toBe(404)
  })

  test('the same phone_number_id again → 409 channel_exists, nothing written', async () => {
    const count = s.ctx.stores.channels.list().length
    const res = await api('/api/v1/channels', admin.token, { method: 'POST', body: json(whatsapp({ name: 'Outro' })) })
    expect(res.status).toBe(409)
    const body = JSON.parse(await noSecrets(res))
    expect(body.error.code).toBe('channel_exists')
    expect(body.error.details).toEqual([{ field: 'phone_number_id', message: expect.any(String) }])
    expect(s.ctx.stores.channels.list()).toHaveLength(count)
  })

  test('without verify_token and graph settings: a random verify token and the defaults', async () => {
    const { verify_token: _v, graph_base_url: _g, ...rest } = whatsapp({ name: 'Segundo número', phone_number_id: PN2, access_token: ACCESS2 })
    const res = await api('/api/v1/channels', admin.token, { method: 'POST', body: json(rest) })
    expect(res.status).toBe(201)
    const body = JSON.parse(await noSecrets(res))
    expect(body).toMatchObject({ graph_base_url: 'https://graph.facebook.com', graph_version: 'v24.0', bot_flow_id: s.ctx.stores.bot.flows.builtin()!.id })
    const secrets = s.ctx.stores.channels.secrets<{ verify_token: string }>(body.id)
    expect(secrets.verify_token).toMatch(/^[A-Za-z0-9_-]{32,}$/)
    expect(await (await api(`/api/v1/channels/${body.id}`, admin.token)).text()).not.toContain(secrets.verify_token)
    // An unknown flow id is refused, naming the field.
    const flow = await api('/api/v1/channels', admin.token, { method: 'POST', body: json(whatsapp({ phone_number_id: '999', bot_flow_id: 7 })) })
    expect(flow.status).toBe(400)
    expect((await flow.json()).error.details.map((d: { field: string }) => d.field)).toEqual(['bot_flow_id'])
  })

  test('list pagination walks every channel once, newest first', async () => {
    const first = await (await api('/api/v1/channels?limit=1', admin.token)).json()
    expect(first.data).toHaveLength(1)
    expect(first.next_cursor).not.toBeNull()
    const second = await (await api(`/api/v1/channels?limit=1&cursor=${first.next_cursor}`, admin.token)).json()
    expect(second.data[0].id).toBeLessThan(first.data[0].id)
    expect(second.next_cursor).toBeNull()
  })

  test('PATCH changes the given fields; secrets are replaced only when given', async () => {
    const res = await api(`/api/v1/channels/${id}`, admin.token, { method: 'PATCH', body: json({ name: 'WhatsApp Vendas SP', access_token: `${ACCESS}x` }) })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain(ACCESS)
    expect(JSON.parse(text)).toMatchObject({ id, name: 'WhatsApp Vendas SP', phone_number_id: PN, waba_id: WABA })
    expect(s.ctx.stores.channels.secrets(id)).toEqual({ access_token: `${ACCESS}x`, app_secret: APP_SECRET, verify_token: VERIFY })
    const audit = auditText()
    expect(audit).toContain('channel.update')
    expect(audit).toContain('"secrets_replaced":["access_token"]')
    expect(audit).not.toContain(ACCESS)
    // Back to the token the fake knows; another channel's number → 409; unknown id → 404.
    expect((await api(`/api/v1/channels/${id}`, admin.token, { method: 'PATCH', body: json({ access_token: ACCESS }) })).status).toBe(200)
    const taken = await api(`/api/v1/channels/${id}`, admin.token, { method: 'PATCH', body: json({ phone_number_id: PN2 }) })
    expect(taken.status).toBe(409)
    expect((await taken.json()).error.code).toBe('channel_exists')
    expect((await api('/api/v1/channels/424242', admin.token, { method: 'PATCH', body: json({ name: 'x' }) })).status).toBe(404)
  })

  test('PATCH validation: bad values → 400 naming the fields, nothing changed', async () => {
    const res = await api(`/api/v1/channels/${id}`, admin.token, { method: 'PATCH', body: json({ name: '   ', sector_id: 9999, graph_base_url: 'ftp://graph.example' }) })
    expect(res.status).toBe(400)
    const fields = (await res.json()).error.details.map((d: { field: string }) => d.field).sort()
    expect(fields).toEqual(['graph_base_url', 'name', 'sector_id'])
    expect(s.ctx.stores.channels.get(id)!.name).toBe('WhatsApp Vendas SP')
    const type = await api(`/api/v1/channels/${id}`, admin.token, { method: 'PATCH', body: json({ type: 'webchat' }) })
    expect(type.status).toBe(400)
  })
})

describe('API: validation', () => {
  const post = (body: unknown) => api('/api/v1/channels', admin.token, { method: 'POST', body: typeof body === 'string' ? body : json(body) })
  const fieldsOf = async (res: Response) => {
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error.code).toBe('validation_failed')
    return body.error.details.map((d: { field: string }) => d.field) as string[]
  }

  test('each bad field → 400 naming it', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(121) }, 'name'],
      [{ phone_number_id: '12ab' }, 'phone_number_id'],
      [{ phone_number_id: '1'.repeat(31) }, 'phone_number_id'],
      [{ waba_id: '' }, 'waba_id'],
      [{ access_token: '' }, 'access_token'],
      [{ app_secret: 'x'.repeat(1001) }, 'app_secret'],
      [{ verify_token: '' }, 'verify_token'],
      [{ graph_base_url: 'graph.facebook.com' }, 'graph_base_url'],
      [{ graph_base_url: 'ftp://graph.facebook.com' }, 'graph_base_url'],
      [{ graph_version: '24.0' }, 'graph_version'],
      [{ graph_version: 'v24' }, 'graph_version'],
      [{ sector_id: 9999 }, 'sector_id'],
      [{ sector_id: 'Suporte' }, 'sector_id'],
      [{ color: 'red' }, 'color'],
    ]
    for (const [over, field] of cases) {
      const fields = await fieldsOf(await post(whatsapp({ phone_number_id: '777', ...over })))
      expect({ over, fields }).toEqual({ over, fields: expect.arrayContaining([field]) })
    }
    const { access_token: _a, ...missing } = whatsapp({ phone_number_id: '777' })
    expect(await fieldsOf(await post(missing))).toContain('access_token')
    expect(s.ctx.stores.channels.byLookup('whatsapp', '777')).toBeNull()
  })

  test('a type other than whatsapp or webchat → 400 unsupported_channel_type; malformed JSON → 400', async () => {
    // Web chat is supported since issue 10 (its own tests: src/channels/webchat/*.test.ts).
    const webchat = await post({ type: 'webchat', name: 'Site', allowed_origins: ['https://loja.example'], sector_id: sectorId })
    expect(webchat.status).toBe(201)
    expect((await webchat.json()).channel_key).toMatch(/^wc_/)
    const email = await post({ type: 'email', name: 'Caixa', sector_id: sectorId })
    expect(email.status).toBe(400)
    expect((await email.json()).error.code).toBe('unsupported_channel_type')
    const malformed = await post('{"type": ')
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error.code).toBe('malformed_json')
  })
})

describe('API: permissions', () => {
  test('agents and supervisors get 403 on every channel route whatever they send; no token → 401', async () => {
    const id = s.ctx.stores.channels.byLookup('whatsapp', PN)!.id
    const bodies = ['{"name": ', json({ nonsense: true }), json(whatsapp({ phone_number_id: '555' }))]
    for (const token of [agent.token, supervisor.token]) {
      for (const path of ['/api/v1/channels', `/api/v1/channels/${id}`]) {
        const res = await api(path, token)
        expect(res.status).toBe(403)
        expect((await noSecrets(res)).includes('forbidden')).toBe(true)
      }
      for (const body of bodies) {
        for (const [method, path] of [
          ['POST', '/api/v1/channels'],
          ['PATCH', `/api/v1/channels/${id}`],
          ['POST', `/api/v1/channels/${id}/test`],
        ]) {
          const res = await api(path, token, { method, body })
          expect({ method, path, body, status: res.status }).toEqual({ method, path, body, status: 403 })
          expect((await res.json()).error.code).toBe('forbidden')
        }
      }
    }
    // Bad ids and queries too: permission comes before any validation.
    for (const token of [agent.token, supervisor.token]) {
      for (const [method, path] of [
        ['GET', '/api/v1/channels/abc'],
        ['GET', '/api/v1/channels?limit=999'],
        ['PATCH', '/api/v1/channels/abc'],
        ['POST', '/api/v1/channels/abc/test'],
      ]) {
        const res = await api(path, token, { method, body: method === 'GET' ? undefined : '{' })
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 })
      }
    }
    expect((await api('/api/v1/channels', null)).status).toBe(401)
    expect((await api(`/api/v1/channels/${id}/test`, null, { method: 'POST' })).status).toBe(401)
    expect(s.ctx.stores.channels.byLookup('whatsapp', '555')).toBeNull()
    expect(s.ctx.stores.channels.get(id)!.name).toBe('WhatsApp Vendas SP')
  })
})

describe('API: connection test', () => {
  const channelId = () => s.ctx.stores.channels.byLookup('whatsapp', PN)!.id
  const testIt = async (id: number) => {
    const res = await api(`/api/v1/channels/${id}/test`, admin.token, { method: 'POST' })
    expect(res.status).toBe(200)
    return JSON.parse(await noSecrets(res))
  }

  test('against the fake: ok with the display number, verified name and quality, kept in settings', async () => {
    const id = channelId()
    expect(await testIt(id)).toEqual({ ok: true, display_phone_number: '+55 83 3333-4444', verified_name: 'Loja Kumquat', quality_rating: 'GREEN', resumed: false })
    expect(s.ctx.stores.channels.get(id)!.settings).toMatchObject({ display_phone_number: '+55 83 3333-4444', verified_name: 'Loja Kumquat', quality_rating: 'GREEN' })
    expect(await (await api(`/api/v1/channels/${id}`, admin.token)).json()).toMatchObject({ verified_name: 'Loja Kumquat', quality_rating: 'GREEN' })
    // The fake saw our token on the phone-number call, at the configured version.
    const seen = await (await fetch(`${meta.url}/_fake/requests?path=/v24.0/${PN}&method=GET`)).json()
    expect(seen.requests.at(-1).token).toBe(ACCESS)
    expect(auditText()).toContain('channel.test')
  })

  test('the fake answers code 190 → ok: false with the error in plain Portuguese', async () => {
    await fetch(`${meta.url}/_fake/faults`, { method: 'POST', body: json({ path: `/*/${PN}`, method: 'GET', status: 401, error: { code: 190, message: 'Error validating access token: Session has expired.' } }) })
    const result = await testIt(channelId())
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({ code: 'graph_190', graph_code: 190 })
    expect(result.error.message).toBe('Token de acesso expirado ou inválido — atualize o token do canal')
    // The last good answer stays.
    expect(s.ctx.stores.channels.get(channelId())!.settings.verified_name).toBe('Loja Kumquat')
  })

  test('a number the token cannot see (Graph code 100) → a plain explanation', async () => {
    const other = s.ctx.stores.channels.byLookup('whatsapp', PN2)!
    await api(`/api/v1/channels/${other.id}`, admin.token, { method: 'PATCH', body: json({ graph_base_url: meta.url, access_token: ACCESS }) })
    const result = await testIt(other.id)
    expect(result.ok).toBe(false)
    expect(result.error.code).toBe('graph_100')
    expect(result.error.message).toContain('A Meta não encontrou este número')
  })

  test('an unreachable Graph URL → ok: false, unreachable, in plain words', async () => {
    const other = s.ctx.stores.channels.byLookup('whatsapp', PN2)!
    const url = `http://127.0.0.1:${closedPort()}`
    await api(`/api/v1/channels/${other.id}`, admin.token, { method: 'PATCH', body: json({ graph_base_url: url }) })
    const result = await testIt(other.id)
    expect(result).toMatchObject({ ok: false, error: { code: 'unreachable', graph_code: null } })
    expect(result.error.message).toContain('Não foi possível conectar à Graph API em 127.0.0.1:')
  })

  test('a channel paused by the sender (token error) resumes when the test passes again', async () => {
    const id = channelId()
    write(s.ctx.db, () => s.ctx.stores.channels.setStatus(id, 'paused', 'Token de acesso expirado ou inválido — atualize o token do canal'))
    const page = await (await adminPage.fetch(`/admin/channels/${id}`)).text()
    expect(page).toContain('Envio de mensagens pausado: Token de acesso expirado ou inválido')
    // Still failing: stays paused.
    await fetch(`${meta.url}/_fake/faults`, { method: 'POST', body: json({ path: `/*/${PN}`, method: 'GET', status: 401, error: { code: 190 } }) })
    expect((await testIt(id)).ok).toBe(false)
    expect(s.ctx.stores.channels.get(id)!.status).toBe('paused')
    // Fixed: active again, audited.
    expect(await testIt(id)).toMatchObject({ ok: true, resumed: true })
    expect(s.ctx.stores.channels.get(id)).toMatchObject({ status: 'active', status_reason: null })
    expect(auditText()).toContain('"resumed":true')
  })

  test('the message follows the caller’s language', async () => {
    write(s.ctx.db, () => s.ctx.stores.users.setLanguage(admin.id, 'en'))
    await fetch(`${meta.url}/_fake/faults`, { method: 'POST', body: json({ path: `/*/${PN}`, method: 'GET', status: 401, error: { code: 190 } }) })
    const result = await testIt(channelId())
    expect(result.error.message).toBe('Access token expired or invalid — update the channel token')
    write(s.ctx.db, () => s.ctx.stores.users.setLanguage(admin.id, null))
  })
})

describe('webhook handshake with the verify token', () => {
  test('GET with the channel’s verify token echoes the challenge; a wrong one → 403', async () => {
    const channel = s.ctx.stores.channels.byLookup('whatsapp', PN)!
    const url = (token: string) => `${s.url}/webhooks/whatsapp/${channel.webhook_key}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=123`
    const ok = await fetch(url(VERIFY))
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('123')
    expect((await fetch(url('wrong-token'))).status).toBe(403)
    // A new verify token replaces the old one.
    const next = `${VERIFY}2`
    expect((await api(`/api/v1/channels/${channel.id}`, admin.token, { method: 'PATCH', body: json({ verify_token: next }) })).status).toBe(200)
    expect((await fetch(url(next))).status).toBe(200)
    expect((await fetch(url(VERIFY))).status).toBe(403)
    await api(`/api/v1/channels/${channel.id}`, admin.token, { method: 'PATCH', body: json({ verify_token: VERIFY }) })
  })
})

describe('admin pages', () => {
  const PN3 = '300000000000003'

  test('agents get 403 on every channel page and action', async () => {
    const id = s.ctx.stores.channels.byLookup('whatsapp', PN)!.id
    for (const path of ['/admin/channels', '/admin/channels/new', `/admin/channels/${id}`]) {
      const res = await agentPage.fetch(path)
      expect(res.status).toBe(403)
      expect(await noSecrets(res)).toContain('Você não tem permissão para acessar isto.')
    }
    const csrf = await agentPage.csrf('/profile')
    for (const path of ['/admin/channels', `/admin/channels/${id}`, `/admin/channels/${id}/test`]) {
      const res = await agentPage.post(path, { _csrf: csrf, name: 'Invasor', phone_number_id: PN3, waba_id: WABA, access_token: 'x', app_secret: 'y', sector_id: String(sectorId) })
      expect(res.status).toBe(403)
    }
    expect(s.ctx.stores.channels.byLookup('whatsapp', PN3)).toBeNull()
    expect(s.ctx.stores.channels.get(id)!.name).toBe('WhatsApp Vendas SP')
  })

  test('create through the form: errors keep what was typed but never the secrets; success shows the webhook details', async () => {
    const csrf = await adminPage.csrf('/admin/channels/new')
    const fields = { _csrf: csrf, name: 'Loja Centro', phone_number_id: '12ab', waba_id: WABA, access_token: SECRET_TYPED, app_secret: APP_TYPED, verify_token: '', sector_id: String(sectorId), graph_base_url: meta.url, graph_version: 'v24.0' }
    const bad = await adminPage.post('/admin/channels', fields)
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('Informe a identificação do número de telefone: só dígitos, até 30.')
    expect(html).toContain('value="Loja Centro"')
    expect(html).toContain('value="12ab"')
    expect(html).toContain(`value="${meta.url}"`)
    expect(html).not.toContain(SECRET_TYPED)
    expect(html).not.toContain(APP_TYPED)
    expect(html).toContain('digite-as de novo')

    const taken = await adminPage.post('/admin/channels', { ...fields, phone_number_id: PN })
    expect(taken.status).toBe(422)
    expect(await taken.text()).toContain('Já existe um canal de WhatsApp com esta identificação de número de telefone.')

    const ok = await adminPage.post('/admin/channels', { ...fields, phone_number_id: ` ${PN3} ` })
    expect(ok.status).toBe(303)
    const channel = s.ctx.stores.channels.byLookup('whatsapp', PN3)!
    expect(ok.headers.get('location')).toBe(`/admin/channels/${channel.id}?ok=channels.created`)
    expect(s.ctx.stores.channels.secrets(channel.id)).toMatchObject({ access_token: SECRET_TYPED, app_secret: APP_TYPED })

    const page = await (await adminPage.fetch(ok.headers.get('location')!)).text()
    const verify = s.ctx.stores.channels.secrets<{ verify_token: string }>(channel.id).verify_token
    expect(page).toContain('Canal criado.')
    expect(page).toContain(`id="webhook-url">${BASE_URL}/webhooks/whatsapp/${channel.webhook_key}</code>`)
    expect(page).toContain(`id="verify-token">${verify}</code>`)
    expect(page).toContain('data-copy="webhook-url"')
    expect(page).toContain('data-copy="verify-token"')
    expect(page).toContain(`hx-post="/admin/channels/${channel.id}/test"`)
    expect(page).toContain('htmx-indicator')
    expect(page).toContain('Jornada de ativação')
    expect(page).toContain('message_template_status_update')
    expect(page).toContain('whatsapp_business_management')
    expect(page).not.toContain(SECRET_TYPED)
    expect(page).not.toContain(APP_TYPED)
    expect(page).not.toMatch(/style=|<script>/)
  })

  test('test connection from the page: the htmx fragment, and the whole page without JavaScript', async () => {
    await fetch(`${meta.url}/_fake/numbers`, { method: 'POST', body: json({ phone_number_id: PN3, waba_id: WABA, access_token: SECRET_TYPED, verified_name: 'Loja Centro Ltda', quality_rating: 'YELLOW' }) })
    const channel = s.ctx.stores.channels.byLookup('whatsapp', PN3)!
    const csrf = await adminPage.csrf(`/admin/channels/${channel.id}`)
    // What htmx sends: the form's fields, the CSRF header from the page, HX-Request.
    const fragment = await adminPage.post(`/admin/channels/${channel.id}/test`, { _csrf: csrf }, { 'hx-request': 'true', 'x-csrf-token': csrf })
    expect(fragment.status).toBe(200)
    const text = await noSecrets(fragment)
    expect(text).not.toContain('<html')
    expect(text).toContain('Conexão funcionando.')
    expect(text).toContain('Loja Centro Ltda')
    expect(text).toContain('Média (amarela)')

    await fetch(`${meta.url}/_fake/faults`, { method: 'POST', body: json({ path: `/*/${PN3}`, method: 'GET', status: 401, error: { code: 190 } }) })
    const failed = await adminPage.post(`/admin/channels/${channel.id}/test`, { _csrf: csrf })
    expect(failed.status).toBe(200)
    const page = await failed.text()
    expect(page).toContain('<html')
    expect(page).toContain('A conexão falhou.')
    expect(page).toContain('Token de acesso expirado ou inválido — atualize o token do canal')

    // Without the CSRF token: refused.
    expect((await adminPage.post(`/admin/channels/${channel.id}/test`, {}, { 'hx-request': 'true' })).status).toBe(403)
  })

  test('edit: blank secrets keep the stored ones; errors keep values and never echo secrets', async () => {
    const channel = s.ctx.stores.channels.byLookup('whatsapp', PN3)!
    const before = s.ctx.stores.channels.secrets(channel.id)
    const page = await (await adminPage.fetch(`/admin/channels/${channel.id}`)).text()
    expect(page).toContain('Deixe em branco para manter o valor atual.')
    expect(page).not.toContain(SECRET_TYPED)
    const csrf = await adminPage.csrf(`/admin/channels/${channel.id}`)
    const fields = { _csrf: csrf, name: 'Loja Centro 2', phone_number_id: PN3, waba_id: WABA, access_token: '', app_secret: '', verify_token: '', sector_id: String(sectorId), graph_base_url: meta.url, graph_version: 'v24.0' }
    const ok = await adminPage.post(`/admin/channels/${channel.id}`, fields)
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe(`/admin/channels/${channel.id}?ok=channels.saved`)
    expect(s.ctx.stores.channels.get(channel.id)!.name).toBe('Loja Centro 2')
    expect(s.ctx.stores.channels.secrets(channel.id)).toEqual(before)

    const bad = await adminPage.post(`/admin/channels/${channel.id}`, { ...fields, name: 'Loja Centro 3', graph_version: 'latest', access_token: `${SECRET_TYPED}new` })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('Use o formato v24.0')
    expect(html).toContain('value="Loja Centro 3"')
    expect(html).toContain('value="latest"')
    expect(html).not.toContain(SECRET_TYPED)
    expect(s.ctx.stores.channels.get(channel.id)!.name).toBe('Loja Centro 2')
    expect((await adminPage.fetch('/admin/channels/abc')).status).toBe(404)
    expect((await adminPage.fetch('/admin/channels/424242')).status).toBe(404)
  })

  test('the list shows name, number, sector and status; names are escaped', async () => {
    const id = s.ctx.stores.channels.byLookup('whatsapp', PN)!.id
    await api(`/api/v1/channels/${id}`, admin.token, { method: 'PATCH', body: json({ name: '<img src=x onerror=alert(1)>' }) })
    const res = await adminPage.fetch('/admin/channels')
    const html = await noSecrets(res)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('+55 83 3333-4444')
    expect(html).toContain('Suporte')
    expect(html).toContain('Ativo')
    expect(html).toContain('Loja Centro 2')
    const page = await (await adminPage.fetch(`/admin/channels/${id}`)).text()
    expect(page).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;</h1>')
    expect(page).toContain('value="<img src=x onerror=alert(1)>"') // inside a quoted attribute: inert
    expect(page.replaceAll('value="<img src=x onerror=alert(1)>"', '')).not.toContain('<img src=x')
  })
})

describe('logs', () => {
  test('no log line carries a secret (request lines, channel created/tested, failed tests)', () => {
    const all = logLines.join('')
    expect(all).toContain('channel test failed')
    expect(all).toContain('channel test ok')
    expect(all).toContain('"path":"/api/v1/channels"')
    for (const secret of ALL_SECRETS) expect(all).not.toContain(secret)
  })
})
