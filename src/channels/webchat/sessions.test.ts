// Web chat: the channel's config, starting a visitor session (pre-chat validation by the channel's
// settings, LGPD consent recorded, the token stored hashed, the customer linked by CPF/CNPJ), CORS
// for allowed origins only (a refused origin creates nothing), and the rate limit on sessions.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sha256hex } from '../../http/tokens'
import { write } from '../../db/open'
import { startTestServer, type TestServer } from '../../../test/support/server'
import { ORIGIN, webchatRig, type WebchatRig } from '../../../test/support/webchat'

let s: TestServer
let rig: WebchatRig
const sessionCount = () => s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM webchat_sessions').get()!.n

beforeAll(async () => {
  s = await startTestServer({ KUMQUAT_BASE_URL: 'https://atendimento.example.com.br' })
  rig = webchatRig(s, { settings: { prechat: { email: 'required', phone: 'optional', code: 'optional' }, consent_text: 'Aceito o uso dos meus dados.', policy_url: 'https://loja.example/privacidade', title: 'Loja Exemplo' } })
})
afterAll(() => s.stop())

describe('config', () => {
  test('the widget gets the channel settings and whether the sector is open; CORS for the allowed origin', async () => {
    const res = await rig.visitor().fetch('/config')
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    const body = await res.json()
    expect(body).toMatchObject({
      title: 'Loja Exemplo',
      colors: { primary: expect.stringMatching(/^#[0-9a-f]{6}$/), text: expect.stringMatching(/^#[0-9a-f]{6}$/) },
      prechat: { name: 'required', email: 'required', phone: 'optional', code: 'optional' },
      consent: { text: 'Aceito o uso dos meus dados.', policy_url: 'https://loja.example/privacidade' },
      uploads: true,
      max_file_bytes: 10_000_000,
      open: true,
      out_of_hours_message: null,
    })
  })

  test("outside the sector's calendar: open false with the out-of-hours message; a first message gets it too", async () => {
    const { saveCalendar, saveSectorHours } = await import('../../hours/hours')
    const { seedUser } = await import('../../../test/support/server')
    const admin = await seedUser(s.ctx, { email: 'hours-admin@example.com', profile: 'admin' })
    const closed = webchatRig(s)
    const cal = saveCalendar(s.ctx, admin.user.id, { name: 'Sempre fechado', weekly: ['', '', '', '', '', '', ''], national_holidays: false }, null, null)
    saveSectorHours(s.ctx, admin.user.id, closed.sectorId, { business_hours_id: cal.id, out_of_hours: 'queue', message: 'Estamos fora do horário. Seu protocolo é {protocolo}.' }, null)
    const body = await (await closed.visitor().fetch('/config')).json()
    expect(body.open).toBe(false)
    expect(body.out_of_hours_message).toBe('Estamos fora do horário. Seu protocolo é.')
    const v = await closed.visitor().start({ email: 'x@example.com' })
    await v.say('oi')
    const texts = (await v.messages()).map((m) => m.text as string)
    expect(texts.some((t) => t.startsWith('Estamos fora do horário. Seu protocolo é 2'))).toBe(true)
  })

  test('unknown channel key → 404 channel_not_found (JSON)', async () => {
    const res = await fetch(`${s.url}/webchat/wc_doesnotexist0000000000/config`)
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe('channel_not_found')
  })
})

describe('sessions', () => {
  test('a valid form with consent → 201 token; stored hashed with the consent text and version, a visitor contact', async () => {
    const v = rig.visitor()
    const res = await v.post('/sessions', { name: ' Ana <b>Souza</b> ', email: 'ANA@Example.com', phone: '(83) 99999-0000', consent: true, page_url: 'https://loja.example/carrinho', locale: 'pt-BR' })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body.visitor_token).toMatch(/^wv_[A-Za-z0-9_-]{43}$/)
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now() + 29 * 86_400_000)
    const row = s.ctx.db.query<Record<string, unknown>, [string]>('SELECT * FROM webchat_sessions WHERE token_hash = ?').get(sha256hex(body.visitor_token))!
    expect(row).toMatchObject({ name: 'Ana <b>Souza</b>', email: 'ana@example.com', phone: '83999990000', consent_text: 'Aceito o uso dos meus dados.', consent_version: 1, page_url: 'https://loja.example/carrinho', locale: 'pt-BR' })
    expect(row.consent_at).toBeNumber()
    // The token itself is nowhere in the database.
    const dump = JSON.stringify(s.ctx.db.query('SELECT * FROM webchat_sessions').all())
    expect(dump).not.toContain(body.visitor_token)
    const contact = s.ctx.stores.contacts.get(row.contact_id as number)!
    expect(contact.external_key).toMatch(/^visitor:/)
    expect(contact.channel_id).toBe(rig.channelId)
  })

  test('validation by the channel settings: required e-mail, bad phone, bad CPF → 400 with the fields; nothing stored', async () => {
    const before = sessionCount()
    const res = await rig.visitor().post('/sessions', { name: '', phone: '12', code: '111.111.111-11', consent: true })
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['code', 'email', 'name', 'phone'])
    for (const d of body.error.details) expect(d.message).toBeString()
    expect(sessionCount()).toBe(before)
  })

  test('consent must be true → 400 consent_required; nothing stored', async () => {
    const before = sessionCount()
    for (const consent of [false, 'true', undefined]) {
      const res = await rig.visitor().post('/sessions', { name: 'Ana', email: 'ana@example.com', consent })
      expect(res.status).toBe(400)
      expect((await res.json()).error.code).toBe('consent_required')
    }
    expect(sessionCount()).toBe(before)
  })

  test('a hidden field is ignored; a known CPF links the customer to the contact', async () => {
    const customerId = write(s.ctx.db, () => s.ctx.stores.customers.create({ name: 'Cliente CPF', code: '52998224725', code_type: 'cpf', type_id: null, email: null, phone: null, notes: null }))
    const v = await rig.visitor().start({ email: 'c@example.com', code: '529.982.247-25' })
    const session = s.ctx.stores.webchat.byToken(v.token!)!
    expect(session.customer_id).toBe(customerId)
    expect(s.ctx.stores.contacts.get(session.contact_id)!.customer_id).toBe(customerId)
    // The first message opens a ticket of that customer.
    await v.say('Olá')
    const ticket = s.ctx.stores.tickets.lastOfContact(session.contact_id)!
    expect(ticket.customer_id).toBe(customerId)
    expect(ticket.channel_type).toBe('webchat')
    // api.md's contact carries the e-mail the visitor gave (it lives on the session).
    const { ticketJson } = await import('../../desk/json')
    expect(ticketJson(ticket).contact).toEqual({ id: session.contact_id, name: session.name, email: 'c@example.com', phone: null })

    const hidden = webchatRig(s, { settings: { prechat: { email: 'hidden', phone: 'hidden', code: 'hidden' } } })
    const h = await hidden.visitor().start({ email: 'not-an-email', phone: 'x', code: 'y' })
    expect(s.ctx.stores.webchat.byToken(h.token!)).toMatchObject({ email: null, phone: null, code: null })
  })
})

describe('the page the visitor is on', () => {
  test('POST /page records the page for the agent; a bad address is 400; no token is 401', async () => {
    const v = await rig.visitor().start({ email: 'pagina@example.com', page_url: 'https://loja.example/' })
    const session = () => s.ctx.stores.webchat.byToken(v.token!)!
    expect(session().page_url).toBe('https://loja.example/')
    expect((await v.post('/page', { page_url: 'https://loja.example/produtos?x=1' })).status).toBe(204)
    expect(session().page_url).toBe('https://loja.example/produtos?x=1')
    const bad = await v.post('/page', { page_url: 'javascript:alert(1)' })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.details[0].field).toBe('page_url')
    expect(session().page_url).toBe('https://loja.example/produtos?x=1')
    const anonymous = rig.visitor()
    expect((await anonymous.post('/page', { page_url: 'https://loja.example/' })).status).toBe(401)
  })
})

describe('LGPD', () => {
  test("anonymising the customer (LGPD) blanks what the visitor's form and browser told us; the consent record stays", async () => {
    const { anonymizeCustomer } = await import('../../lgpd/lgpd')
    const { seedUser } = await import('../../../test/support/server')
    const customerId = write(s.ctx.db, () => s.ctx.stores.customers.create({ name: 'Cliente LGPD', code: '11144477735', code_type: 'cpf', type_id: null, email: null, phone: null, notes: null }))
    const v = await rig.visitor().start({ email: 'lgpd@example.com', phone: '83 98888-7777', code: '111.444.777-35' })
    const session = s.ctx.stores.webchat.byToken(v.token!)!
    expect(session.customer_id).toBe(customerId)
    const admin = await seedUser(s.ctx, { email: 'lgpd-admin@example.com', profile: 'admin' })
    anonymizeCustomer(s.ctx, admin.user, s.ctx.stores.customers.get(customerId)!, null)
    const row = s.ctx.db.query<Record<string, unknown>, [number]>('SELECT * FROM webchat_sessions WHERE id = ?').get(session.id)!
    expect(row).toMatchObject({ name: '', email: null, phone: null, code: null, page_url: null, user_agent: null, ip: null, consent_text: 'Aceito o uso dos meus dados.' })
    await v.say('Oi de novo')
    const { ticketJson } = await import('../../desk/json')
    expect(ticketJson(s.ctx.stores.tickets.lastOfContact(session.contact_id)!).contact).not.toHaveProperty('email')
  })
})

describe('CORS and origins', () => {
  test('preflight from an allowed origin: allowed methods and headers', async () => {
    const res = await fetch(`${s.url}/webchat/${rig.key}/sessions`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, last-event-id')
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
  })

  test('an origin not allowed: preflight and requests → 403 origin_not_allowed, no CORS header, no session created', async () => {
    const evil = 'https://evil.example'
    const pre = await fetch(`${s.url}/webchat/${rig.key}/sessions`, { method: 'OPTIONS', headers: { origin: evil, 'access-control-request-method': 'POST' } })
    expect(pre.status).toBe(403)
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    const before = sessionCount()
    for (const origin of [evil, 'https://loja.example.evil.example', 'http://loja.example', 'null']) {
      const res = await rig.visitor({ origin }).post('/sessions', { name: 'Ana', email: 'ana@example.com', consent: true })
      expect(res.status).toBe(403)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
      expect((await res.json()).error.code).toBe('origin_not_allowed')
    }
    expect(sessionCount()).toBe(before)
    // A valid visitor's token used from a page not allowed reads nothing either.
    const v = await rig.visitor().start({ email: 'a@example.com' })
    v.origin = evil
    expect((await v.fetch('/messages')).status).toBe(403)
  })

  test('no Origin (a mobile app) is served without CORS headers', async () => {
    const v = rig.visitor({ origin: null })
    const res = await v.post('/sessions', { name: 'App', email: 'app@example.com', consent: true })
    expect(res.status).toBe(201)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('channel API', () => {
  test('POST /api/v1/channels type webchat: channel_key and embed snippet; origins validated; PATCH changes settings', async () => {
    const { seedUser } = await import('../../../test/support/server')
    const admin = await seedUser(s.ctx, { email: 'admin-wc@example.com', profile: 'admin' })
    const api = (path: string, method: string, body: unknown) =>
      fetch(s.url + path, { method, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const bad = await api('/api/v1/channels', 'POST', { type: 'webchat', name: 'Site', allowed_origins: ['https://loja.example/path', 'ftp://x'], sector_id: rig.sectorId })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.details.map((d: { field: string }) => d.field)).toContain('allowed_origins')
    const res = await api('/api/v1/channels', 'POST', { type: 'webchat', name: 'Site Novo', allowed_origins: ['https://Loja.Example:8443/'], sector_id: rig.sectorId, bot_flow_id: null })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).toMatchObject({ type: 'webchat', name: 'Site Novo', allowed_origins: ['https://loja.example:8443'], webhook_url: null, uploads: true })
    expect(body.channel_key).toMatch(/^wc_/)
    expect(body.embed_snippet).toBe(`<script src="https://atendimento.example.com.br/webchat.js" data-channel="${body.channel_key}" async></script>`)
    const patched = await api(`/api/v1/channels/${body.id}`, 'PATCH', { uploads: false, max_file_bytes: 2_000_000, colors: { primary: '#112233' }, consent_text: 'Novo texto' })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ uploads: false, max_file_bytes: 2_000_000, colors: { primary: '#112233' }, consent_text: 'Novo texto', channel_key: body.channel_key })
    expect(s.ctx.stores.channels.get(body.id)!.settings.consent_version).toBe(2)
  })
})

describe('rate limit', () => {
  test('too many sessions from one address → 429 with Retry-After', async () => {
    let last: Response | null = null
    for (let i = 0; i < 30; i++) {
      last = await rig.visitor().post('/sessions', { name: 'Ana', email: 'ana@example.com', consent: true })
      if (last.status === 429) break
    }
    expect(last!.status).toBe(429)
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(last!.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect((await last!.json()).error.code).toBe('too_many_requests')
  })
})
