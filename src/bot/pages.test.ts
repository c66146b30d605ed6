// The bot pages and API over HTTP with real sessions and tokens: permissions, the editor (add and
// remove steps, a type change, validation with the problems shown next to the fields, saving a
// new version), versions and restore, export/import (pages and API), which flow each channel uses,
// and hostile names rendered as text.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import type { FlowDefinition, Step } from './flow'

let s: TestServer
let admin: Browser
let agent: Browser
let adminToken: string
let agentToken: string
let sectorId: number
const XSS = '<img src=x onerror=alert(1)>'

const page = async (b: Browser, path: string) => {
  const res = await b.fetch(path)
  return { status: res.status, html: await res.text(), res }
}
const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } })

/** The editor's form fields for a definition (what the page would post back). */
function fieldsOf(def: FlowDefinition, csrf: string, action: string): Record<string, string | string[]> {
  const f: Record<string, string | string[]> = { _csrf: csrf, do: action, name: def.name, start: def.start }
  const st = def.settings
  Object.assign(f, {
    set_human_keywords: st.human_keywords.join(', '),
    set_skip_words: st.skip_words.join(', '),
    set_reminder_minutes: String(st.reminder_minutes),
    set_reminder_text: st.reminder_text,
    set_abandon_minutes: String(st.abandon_minutes),
    set_abandon_text: st.abandon_text,
    set_invalid_option_text: st.invalid_option_text,
    set_list_button: st.list_button,
    set_skip_button: st.skip_button,
    set_fallback_sector_id: st.fallback_sector_id === null ? '' : String(st.fallback_sector_id),
  })
  def.steps.forEach((x: Step, i) => {
    const p = `s${i}_`
    f[`${p}orig`] = x.id
    f[`${p}id`] = x.id
    f[`${p}type`] = x.type
    for (const k of ['text', 'next', 'label', 'var', 'source', 'kind', 'retry_text', 'skip_next', 'fail_next', 'name_var', 'not_found_next'] as const) if (x[k] !== undefined) f[p + k] = String(x[k])
    if (x.max_attempts !== undefined) f[`${p}max_attempts`] = String(x.max_attempts)
    if (x.sector_id !== undefined) f[`${p}sector_id`] = x.sector_id === null ? '' : String(x.sector_id)
    if (x.skippable) f[`${p}skippable`] = '1'
    if (x.create) f[`${p}create`] = '1'
    if (x.sector_ids?.length) f[`${p}sector_ids`] = x.sector_ids.map(String)
    ;(x.options ?? []).forEach((o, j) => Object.assign(f, { [`${p}o${j}_title`]: o.title, [`${p}o${j}_description`]: o.description ?? '', [`${p}o${j}_value`]: o.value ?? '', [`${p}o${j}_next`]: o.next }))
    ;(x.rules ?? []).forEach((r, j) => Object.assign(f, { [`${p}r${j}_if`]: r.if, [`${p}r${j}_var`]: r.var ?? '', [`${p}r${j}_value`]: r.value ?? '', [`${p}r${j}_sector_id`]: r.sector_id ? String(r.sector_id) : '', [`${p}r${j}_next`]: r.next }))
  })
  return f
}

const current = (flowId: number) => {
  const f = s.ctx.stores.bot.flows.get(flowId)!
  return { flow: f, def: structuredClone(s.ctx.stores.bot.flows.version(f.id, f.current_version)!.definition) }
}

beforeAll(async () => {
  s = await startTestServer()
  sectorId = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Financeiro', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  adminToken = (await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })).token
  agentToken = (await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', name: 'Gil Agent', sector_ids: [sectorId] })).token
  admin = new Browser(s.url)
  agent = new Browser(s.url)
  expect((await admin.login('admin@example.com')).status).toBe(303)
  expect((await agent.login('agent@example.com')).status).toBe(303)
})
afterAll(() => s.stop())

describe('permissions', () => {
  test('the menu shows Bot to admins only; pages, actions and the API refuse others', async () => {
    expect((await page(admin, '/')).html).toContain('href="/admin/bot"')
    expect((await page(agent, '/')).html).not.toContain('href="/admin/bot"')
    const builtin = s.ctx.stores.bot.flows.builtin()!
    for (const path of ['/admin/bot', `/admin/bot/flows/${builtin.id}`, `/admin/bot/flows/${builtin.id}/versions`, `/admin/bot/flows/${builtin.id}/export`]) {
      expect((await page(agent, path)).status).toBe(403)
    }
    const csrf = await agent.csrf('/profile')
    expect((await agent.post('/admin/bot/flows', { _csrf: csrf, name: 'X', from: 'blank' })).status).toBe(403)
    expect((await agent.post(`/admin/bot/flows/${builtin.id}`, { _csrf: csrf, do: 'save' })).status).toBe(403)
    expect((await api('/api/v1/bot/flows', agentToken)).status).toBe(403)
    expect((await api('/api/v1/bot/flows', agentToken, { method: 'POST', body: '{not json' })).status).toBe(403) // before the body is read
    expect(s.ctx.stores.bot.flows.list()).toHaveLength(1)
  })
})

describe('the editor', () => {
  let flowId: number

  test('a new flow (a copy of the default one) opens in the editor with every step', async () => {
    const csrf = await admin.csrf('/admin/bot')
    const res = await admin.post('/admin/bot/flows', { _csrf: csrf, name: `Vendas ${XSS}`, from: 'builtin' })
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    flowId = Number(/\/admin\/bot\/flows\/(\d+)\?ok=bot\.created/.exec(location)![1])
    const r = await page(admin, location)
    expect(r.html).toContain('Fluxo criado.')
    for (const id of ['boas_vindas', 'conhecido', 'documento', 'identificar', 'assunto', 'transferir']) expect(r.html).toContain(`value="${id}"`)
    expect(r.html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(r.html.replace(/value="[^"]*"/g, '')).not.toContain(XSS) // inside an attribute it is inert text
    expect(r.html).toContain('hx-post') // the type select redraws the form with htmx
    const list = await page(admin, '/admin/bot')
    expect(list.html).toContain('Fluxo padrão')
    expect(list.html.replace(/value="[^"]*"/g, '')).not.toContain(XSS)
  })

  test('adding, removing and changing a step’s type redraw the draft without saving', async () => {
    const { def } = current(flowId)
    const csrf = await admin.csrf(`/admin/bot/flows/${flowId}`)
    const added = await admin.post(`/admin/bot/flows/${flowId}`, { ...fieldsOf(def, csrf, 'add'), add_type: 'end' })
    expect(added.status).toBe(200)
    const html = await added.text()
    expect(html).toContain('value="end_7"')
    expect(current(flowId).flow.current_version).toBe(1)
    // The greeting becomes a menu: the menu's fields appear (options table).
    const fields = fieldsOf(def, csrf, 'refresh')
    fields.s0_type = 'menu'
    const refreshed = await (await admin.post(`/admin/bot/flows/${flowId}`, fields)).text()
    expect(refreshed).toContain('name="s0_o0_title"')
    const removed = await (await admin.post(`/admin/bot/flows/${flowId}`, fieldsOf(def, csrf, 'remove:5'))).text()
    expect(removed).not.toContain('id="s5_id"')
    expect(removed).toContain('<option value="transferir" selected>') // a reference to it is still shown, to fix
  })

  test('saving a broken graph: 422, the problems in Portuguese next to the fields, nothing saved', async () => {
    const { def } = current(flowId)
    const csrf = await admin.csrf(`/admin/bot/flows/${flowId}`)
    def.steps[0].next = 'nao_existe'
    def.steps.push({ id: 'solta', type: 'end', text: 'Tchau' })
    const fields = fieldsOf(def, csrf, 'save')
    const res = await admin.post(`/admin/bot/flows/${flowId}`, fields)
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('O fluxo tem')
    expect(html).toContain('A etapa &quot;nao_existe&quot; não existe.')
    expect(html).toContain('A etapa &quot;solta&quot; não é alcançada a partir do início.')
    expect(html).toContain('value="solta"') // the draft is kept
    expect(html).toMatch(/id="s0_next"[^>]*aria-invalid="true"/)
    expect(current(flowId).flow.current_version).toBe(1)
    // "Verificar" on the same draft: the same problems; on a good one: "correct".
    expect((await admin.post(`/admin/bot/flows/${flowId}`, { ...fields, do: 'check' })).status).toBe(422)
    const good = await admin.post(`/admin/bot/flows/${flowId}`, fieldsOf(current(flowId).def, csrf, 'check'))
    expect(good.status).toBe(200)
    expect(await good.text()).toContain('O fluxo está correto.')
  })

  test('a valid change is saved as a new version; renaming a step renames the references to it', async () => {
    const { def } = current(flowId)
    const csrf = await admin.csrf(`/admin/bot/flows/${flowId}`)
    def.steps[0].text = 'Oi, {nome}! Nova saudação.'
    const fields = fieldsOf(def, csrf, 'save')
    fields.s5_id = 'para_setor' // was "transferir": the menu's next follows it
    const res = await admin.post(`/admin/bot/flows/${flowId}`, fields)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/admin/bot/flows/${flowId}?ok=bot.saved`)
    const saved = current(flowId)
    expect(saved.flow.current_version).toBe(2)
    expect(saved.def.steps[0].text).toBe('Oi, {nome}! Nova saudação.')
    expect(saved.def.steps.find((x) => x.id === 'assunto')!.next).toBe('para_setor')
    // The same draft again: no new version.
    const again = await admin.post(`/admin/bot/flows/${flowId}`, fieldsOf(saved.def, csrf, 'save'))
    expect(again.headers.get('location')).toBe(`/admin/bot/flows/${flowId}?ok=bot.unchanged`)
    expect(current(flowId).flow.current_version).toBe(2)
  })

  test('versions: listed, exported one by one, an old one restored as the newest', async () => {
    const r = await page(admin, `/admin/bot/flows/${flowId}/versions`)
    expect(r.status).toBe(200)
    expect(r.html).toContain(`/admin/bot/flows/${flowId}/export?version=1`)
    const v1 = await (await admin.fetch(`/admin/bot/flows/${flowId}/export?version=1`)).json()
    expect(v1.flow.steps[0].text).not.toContain('Nova saudação')
    const csrf = await admin.csrf(`/admin/bot/flows/${flowId}/versions`)
    const res = await admin.post(`/admin/bot/flows/${flowId}/versions/1/restore`, { _csrf: csrf })
    expect(res.headers.get('location')).toBe(`/admin/bot/flows/${flowId}?ok=bot.restored`)
    const restored = current(flowId)
    expect(restored.flow.current_version).toBe(3)
    expect(restored.def.steps[0].text).toBe(v1.flow.steps[0].text)
  })
})

describe('export and import', () => {
  test('export is a JSON attachment; importing it makes an identical flow; bad files are explained', async () => {
    const builtin = s.ctx.stores.bot.flows.builtin()!
    const res = await admin.fetch(`/admin/bot/flows/${builtin.id}/export`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="fluxo-padrao-v1.json"')
    const doc = await res.text()
    expect(JSON.parse(doc)).toMatchObject({ format: 'kumquat.bot_flow', format_version: 1, version: 1, flow: { name: 'Fluxo padrão', start: 'boas_vindas' } })

    const csrf = await admin.csrf('/admin/bot')
    const form = new FormData()
    form.set('_csrf', csrf)
    form.set('file', new File([doc], 'fluxo.json', { type: 'application/json' }))
    form.set('json', '')
    const imported = await admin.fetch('/admin/bot/import', { method: 'POST', body: form })
    expect(imported.status).toBe(303)
    const id = Number(/flows\/(\d+)\?ok=bot\.imported/.exec(imported.headers.get('location')!)![1])
    expect(current(id).def).toEqual(current(builtin.id).def)

    const bad = await admin.post('/admin/bot/import', { _csrf: csrf, json: '{"flow": ' })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('O conteúdo não é um JSON válido.')
    const broken = JSON.parse(doc)
    broken.flow.steps[0].next = 'lugar_nenhum'
    const invalid = await admin.post('/admin/bot/import', { _csrf: csrf, json: JSON.stringify(broken) })
    expect(invalid.status).toBe(422)
    const html = await invalid.text()
    expect(html).toContain('A etapa &quot;lugar_nenhum&quot; não existe.')
    expect(html).toContain('lugar_nenhum') // the pasted text is kept
  })

  test('importing a new version into a flow; a broken one opens in the editor with its problems', async () => {
    const builtin = s.ctx.stores.bot.flows.builtin()!
    const doc = await (await admin.fetch(`/admin/bot/flows/${builtin.id}/export`)).json()
    doc.flow.steps[0].text = 'Versão importada'
    const csrf = await admin.csrf(`/admin/bot/flows/${builtin.id}/versions`)
    const ok = await admin.post(`/admin/bot/flows/${builtin.id}/import`, { _csrf: csrf, json: JSON.stringify(doc) })
    expect(ok.headers.get('location')).toBe(`/admin/bot/flows/${builtin.id}?ok=bot.imported_version`)
    expect(current(builtin.id).def.steps[0].text).toBe('Versão importada')
    doc.flow.steps[0].next = 'x'
    const bad = await admin.post(`/admin/bot/flows/${builtin.id}/import`, { _csrf: csrf, json: JSON.stringify(doc) })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('A etapa &quot;x&quot; não existe.')
  })

  test('the API: list, export, import (201), a new version, problems as 400 flow_invalid', async () => {
    const list = await (await api('/api/v1/bot/flows', adminToken)).json()
    expect(list.data[0]).toMatchObject({ name: 'Fluxo padrão', builtin: true })
    const builtinId = list.data[0].id
    const doc = await (await api(`/api/v1/bot/flows/${builtinId}`, adminToken)).json()
    expect(doc.format).toBe('kumquat.bot_flow')
    doc.flow.name = 'Pela API'
    const created = await api('/api/v1/bot/flows', adminToken, { method: 'POST', body: JSON.stringify(doc) })
    expect(created.status).toBe(201)
    const flow = await created.json()
    expect(flow).toMatchObject({ name: 'Pela API', builtin: false, version: 1, channel_ids: [], active_conversations: 0 })
    doc.flow.steps[0].text = 'v2'
    const put = await api(`/api/v1/bot/flows/${flow.id}`, adminToken, { method: 'PUT', body: JSON.stringify(doc) })
    expect((await put.json()).version).toBe(2)
    doc.flow.steps.push({ id: 'solta', type: 'end' })
    const bad = await api(`/api/v1/bot/flows/${flow.id}`, adminToken, { method: 'PUT', body: JSON.stringify(doc) })
    expect(bad.status).toBe(400)
    const err = await bad.json()
    expect(err.error.code).toBe('flow_invalid')
    expect(err.error.details).toEqual([{ field: 'steps.solta', message: expect.stringContaining('não é alcançada') }])
    expect((await api('/api/v1/bot/flows/999999', adminToken)).status).toBe(404)
  })
})

describe('channels and deleting', () => {
  test('each channel’s flow is chosen on the page (or none); a flow in use cannot be deleted', async () => {
    const channelId = write(s.ctx.db, () =>
      s.ctx.stores.channels.create({ type: 'whatsapp', name: `Loja ${XSS}`, sector_id: sectorId, bot_flow_id: null, webhook_key: 'k'.repeat(32), settings: { phone_number_id: '123', waba_id: '456' }, secrets: { access_token: 'a', app_secret: 'b', verify_token: 'c' }, lookup_key: '123' }),
    )
    const csrf = await admin.csrf('/admin/bot')
    const flow = s.ctx.stores.bot.flows.list().find((f) => !f.builtin)!
    const res = await admin.post(`/admin/bot/channels/${channelId}`, { _csrf: csrf, bot_flow_id: String(flow.id) })
    expect(res.headers.get('location')).toBe('/admin/bot?ok=bot.channel_saved')
    expect(s.ctx.stores.channels.get(channelId)!.bot_flow_id).toBe(flow.id)
    const listed = await page(admin, res.headers.get('location')!)
    expect(listed.html).toContain('Fluxo do canal salvo.')
    expect(listed.html.replace(/value="[^"]*"/g, '')).not.toContain(XSS)

    const refused = await admin.post(`/admin/bot/flows/${flow.id}/delete`, { _csrf: csrf })
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('Este fluxo está em uso por um canal.')
    await admin.post(`/admin/bot/channels/${channelId}`, { _csrf: csrf, bot_flow_id: '' })
    expect(s.ctx.stores.channels.get(channelId)!.bot_flow_id).toBeNull()
    expect((await admin.post(`/admin/bot/flows/${flow.id}/delete`, { _csrf: csrf })).headers.get('location')).toBe('/admin/bot?ok=bot.deleted')
    expect(s.ctx.stores.bot.flows.get(flow.id)).toBeNull()
    const builtin = s.ctx.stores.bot.flows.builtin()!
    expect((await admin.post(`/admin/bot/flows/${builtin.id}/delete`, { _csrf: csrf })).status).toBe(409)
  })

  test('the channels API: a new channel gets the built-in flow; null means no bot; an unknown flow is refused', async () => {
    const body = (o: Record<string, unknown>) =>
      JSON.stringify({ type: 'whatsapp', name: 'Outro número', waba_id: '77', access_token: 'EAAG-x', app_secret: 'secret', sector_id: sectorId, ...o })
    const withDefault = await (await api('/api/v1/channels', adminToken, { method: 'POST', body: body({ phone_number_id: '9001' }) })).json()
    expect(withDefault.bot_flow_id).toBe(s.ctx.stores.bot.flows.builtin()!.id)
    const none = await (await api('/api/v1/channels', adminToken, { method: 'POST', body: body({ phone_number_id: '9002', bot_flow_id: null }) })).json()
    expect(none.bot_flow_id).toBeNull()
    // A change that does not mention the flow keeps it.
    const patched = await (await api(`/api/v1/channels/${withDefault.id}`, adminToken, { method: 'PATCH', body: JSON.stringify({ name: 'Renomeado' }) })).json()
    expect(patched.bot_flow_id).toBe(withDefault.bot_flow_id)
    const unknown = await api('/api/v1/channels', adminToken, { method: 'POST', body: body({ phone_number_id: '9003', bot_flow_id: 999999 }) })
    expect(unknown.status).toBe(400)
    expect((await unknown.json()).error.details).toEqual([{ field: 'bot_flow_id', message: 'Fluxo de bot não encontrado.' }])
  })
})
