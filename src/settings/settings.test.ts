// General and communication settings: the page and the API, what they change in the running
// server (time zone, language, reopen window, session length, password policy), and messageFor().
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { reopenWindowMs } from '../desk/actions'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { messageFor, passwordProblem } from './settings'

let s: TestServer
let admin: { token: string; id: number }
let sup: { token: string }
const api = (token: string, method: string, path: string, body?: unknown) =>
  fetch(s.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })

beforeAll(async () => {
  s = await startTestServer()
  const a = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })
  admin = { token: a.token, id: a.user.id }
  sup = { token: (await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor' })).token }
})
afterAll(() => s.stop())

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

describe('general settings', () => {
  test('API: defaults from the environment; a change applies at once; problems name the field', async () => {
    const got = (await (await api(admin.token, 'GET', '/api/v1/settings')).json()) as { general: Record<string, unknown> }
    expect(got.general).toMatchObject({ time_zone: 'America/Sao_Paulo', language: 'pt-BR', reopen_window_minutes: 60, session_hours: 24, remember_days: 30 })
    const res = await api(admin.token, 'PATCH', '/api/v1/settings', { general: { time_zone: 'America/Manaus', reopen_window_minutes: 15, retention_months: 24 } })
    expect(res.status).toBe(200)
    expect(s.ctx.config.timeZone).toBe('America/Manaus')
    expect(reopenWindowMs(s.ctx)).toBe(15 * 60_000)
    const bad = await api(admin.token, 'PATCH', '/api/v1/settings', { general: { time_zone: 'Mars/Olympus' } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { details: { field: string }[] } }).error.details[0].field).toBe('time_zone')
    expect((await api(sup.token, 'PATCH', '/api/v1/settings', { general: {} })).status).toBe(403)
    expect((await api(sup.token, 'GET', '/api/v1/settings')).status).toBe(403)
  })

  test("API: retention_mode 'delete' is accepted and in the OpenAPI schema; an unknown mode is refused", async () => {
    const res = await api(admin.token, 'PATCH', '/api/v1/settings', { general: { retention_mode: 'delete' } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { general: { retention_mode: string } }).general.retention_mode).toBe('delete')
    const bad = await api(admin.token, 'PATCH', '/api/v1/settings', { general: { retention_mode: 'apagar' } })
    expect(bad.status).toBe(400)
    const body = (await bad.json()) as { error: { message: string; details: { field: string }[] } }
    expect(body.error.message).toBe('Dados inválidos. Verifique os campos.')
    expect(body.error.details[0].field).toBe('general.retention_mode')
    expect(s.ctx.stores.settings.get<{ retention_mode: string }>('general')!.retention_mode).toBe('delete')
    const doc = JSON.stringify(await (await fetch(`${s.url}/api/v1/openapi.json`)).json())
    expect(doc).toContain('"enum":["anonymize","media","delete"]')
    await api(admin.token, 'PATCH', '/api/v1/settings', { general: { retention_mode: 'anonymize' } })
  })

  test('page: saves with a logo (typed by its bytes), keeps what was typed on a problem', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const html = await (await b.fetch('/admin/settings')).text()
    expect(html).toContain('America/Manaus')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]
    const form = (fields: Record<string, string>, logo?: Uint8Array) => {
      const f = new FormData()
      for (const [k, v] of Object.entries({ _csrf: csrf, company_name: 'Laranja', time_zone: 'America/Sao_Paulo', language: 'pt-BR', reopen_window_minutes: '30', retention_months: '0', retention_mode: 'anonymize', session_hours: '8', remember_days: '7', password_min_length: '12', password_letters_and_digits: '1', ...fields })) f.set(k, v)
      if (logo) f.set('logo', new Blob([logo as Uint8Array<ArrayBuffer>]), 'logo.png')
      return b.fetch('/admin/settings', { method: 'POST', body: f })
    }
    const ok = await form({}, PNG)
    expect(ok.status).toBe(303)
    const logo = await fetch(s.url + '/branding/logo')
    expect(logo.headers.get('content-type')).toBe('image/png')
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff')
    const svg = await form({}, new TextEncoder().encode('<svg onload="alert(1)"/>'))
    expect(svg.status).toBe(422)
    expect(await svg.text()).toContain('Envie uma imagem PNG, JPEG, GIF ou WebP.')
    const bad = await form({ company_name: 'Outra', session_hours: '0' })
    expect(bad.status).toBe(422)
    const text = await bad.text()
    expect(text).toContain('value="Outra"')
    expect(text).toContain('Informe de 1 a 2160 horas.')
    expect(s.ctx.stores.settings.get<{ company_name: string }>('general')!.company_name).toBe('Laranja')
  })

  test('the password policy applies to new passwords; the session length to new sessions', async () => {
    expect(passwordProblem(s.ctx, 'abcdefghijk1')).toBeNull()
    expect(passwordProblem(s.ctx, 'abcdefghijkl')).toBe('settings.password_letters_digits')
    expect(passwordProblem(s.ctx, 'abc1')).toBe('settings.password_too_short')
    const res = await api(admin.token, 'POST', '/api/v1/users', { name: 'Curta', email: 'curta@example.com', password: 'abcdefgh', profile: 'agent' })
    expect(res.status).toBe(400)
    const b = new Browser(s.url)
    const csrf = await b.csrf('/login')
    const login = await b.post('/login', { _csrf: csrf, email: 'admin@example.com', password: 'correct horse battery', remember: '1' })
    expect(login.headers.get('set-cookie')).toContain(`Max-Age=${7 * 86400}`)
    const session = s.ctx.db.query<{ created_at: number; expires_at: number }, []>('SELECT created_at, expires_at FROM sessions WHERE remember = 1 ORDER BY id DESC').get()!
    expect(session.expires_at - session.created_at).toBe(7 * 86_400_000)
  })
})

describe('communication settings', () => {
  test('messageFor: the configured text per channel and language, else every channel, else the catalog', async () => {
    expect(messageFor(s.ctx, 'protocol', 'pt-BR', { vars: { protocolo: '123' } })).toContain('protocolo 123')
    const res = await api(admin.token, 'PATCH', '/api/v1/settings', {
      messages: { protocol: { default: { 'pt-BR': 'Protocolo {protocolo}, obrigado!' }, whatsapp: { en: 'WA protocol {protocolo}' } } },
    })
    expect(res.status).toBe(200)
    expect(messageFor(s.ctx, 'protocol', 'pt-BR', { channel: 'whatsapp', vars: { protocolo: '9' } })).toBe('Protocolo 9, obrigado!')
    expect(messageFor(s.ctx, 'protocol', 'en', { channel: 'whatsapp', vars: { protocolo: '9' } })).toBe('WA protocol 9')
    expect(messageFor(s.ctx, 'protocol', 'en', { channel: 'email', vars: { protocolo: '9' } })).toBe('Your request was registered with protocol 9. An agent will talk to you shortly.')
    expect(messageFor(s.ctx, 'out_of_hours', 'pt-BR')).toContain('fora do horário')
  })

  test('page: shows the built-in text as the placeholder, saves per channel, escapes', async () => {
    const b = new Browser(s.url)
    await b.login('admin@example.com')
    const html = await (await b.fetch('/admin/settings/communication')).text()
    expect(html).toContain('Protocolo {protocolo}, obrigado!')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]
    const res = await b.post('/admin/settings/communication', { _csrf: csrf, 'survey_thanks.default.pt-BR': 'Valeu! </textarea><script>alert(1)</script>', 'out_of_hours.webchat.en': 'Closed now' })
    expect(res.status).toBe(303)
    expect(messageFor(s.ctx, 'out_of_hours', 'en', { channel: 'webchat' })).toBe('Closed now')
    const again = await (await b.fetch('/admin/settings/communication')).text()
    expect(again).not.toContain('</textarea><script>')
    // Saving the page replaces the whole set: the protocol text set through the API is gone.
    expect(messageFor(s.ctx, 'protocol', 'pt-BR', { vars: { protocolo: '1' } })).toContain('Seu atendimento foi registrado')
    const long = await b.post('/admin/settings/communication', { _csrf: csrf, 'inactivity.default.en': 'x'.repeat(1001) })
    expect(long.status).toBe(422)
  })
})
