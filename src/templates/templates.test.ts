// Templates end to end through the real server and the Graph API stand-in (scripts/fake-meta.ts):
// create → PENDING → APPROVED by webhook, rejected with its reason, out-of-order events, sync with
// paging, edit, delete, permissions; sending (wrong params → 400, outside the 24-hour window), an
// outbound conversation (POST /api/v1/tickets), the reply queue and opt-out words.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { seedUser, Browser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, unix, wamid, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import { can } from '../admin/permissions'
import { write } from '../db/open'
import type { Ticket } from '../desk/tickets-store'
import { replySectorFor, templateReplyOf } from './send'

let s: TestServer
let rig: WhatsAppRig
let wabaId: string
let replySector: number
type Who = { token: string; id: number }
let admin: Who
let agent: Who
let supervisor: Who
let outsider: Who // an agent of another sector, without templates.manage

const HOUR = 3_600_000
const api = (path: string, token: string | null, init: RequestInit = {}) =>
  fetch(s.url + path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string>) } })
const post = (path: string, token: string, body: unknown) => api(path, token, { method: 'POST', body: JSON.stringify(body) })
const patch = (path: string, token: string, body: unknown) => api(path, token, { method: 'PATCH', body: JSON.stringify(body) })

const BODY = { type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} saiu para entrega.', example: { body_text: [['Maria', '1234']] } }
const BUTTONS = { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Falar com atendente' }, { type: 'QUICK_REPLY', text: 'Parar' }] }
const newTemplate = (over: Record<string, unknown> = {}) => ({ channel_id: rig.channelId, name: 'pedido_saiu', language: 'pt_BR', category: 'UTILITY', components: [BODY, BUTTONS], ...over })

/**
 * A template status webhook as Meta sends it (entry.id = the WABA), as raw JSON: Meta's
 * `message_template_id` is a JSON number, written here with the id's exact digits (the fake's ids
 * may exceed 2^53, where Number() would round them and name another template).
 */
function statusEvent(value: Record<string, unknown>, timeS = Math.floor(Date.now() / 1000)) {
  const json = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: wabaId, time: timeS, changes: [{ field: 'message_template_status_update', value }] }] })
  return json.replace(/"message_template_id":"(\d+)"/g, '"message_template_id":$1')
}

const tplRow = (id: number) => s.ctx.stores.templates.get(id)!

/** A WhatsApp ticket with the customer's last message `agoMs` ago. */
let seq = 0
function makeTicket(agoMs: number, key = `55839700${String(++seq).padStart(5, '0')}`): Ticket {
  const id = write(s.ctx.db, () => {
    const contact = s.ctx.stores.contacts.upsert(rig.channelId, key, `Cliente ${seq}`, key)
    const ticketId = s.ctx.stores.tickets.create({ protocol: s.ctx.stores.protocols.next(Date.now(), s.ctx.config.timeZone), channel_id: rig.channelId, contact_id: contact.id, status: 'queued', sector_id: rig.sectorId, now: Date.now() })
    const at = Date.now() - agoMs
    s.ctx.stores.messages.insert({ ticket_id: ticketId, channel_id: rig.channelId, direction: 'in', author: 'customer', type: 'text', text: 'oi', external_id: wamid(), status: 'received', provider_at: at })
    s.ctx.stores.tickets.touchInbound(ticketId, at)
    return ticketId
  })
  return s.ctx.stores.tickets.get(id)!
}

const sentTemplates = async () => ((await rig.fake('/_fake/messages')) as { messages: { to: string; type: string; body: Record<string, unknown>; wamid: string }[] }).messages.filter((m) => m.type === 'template')

beforeAll(async () => {
  s = await startTestServer()
  rig = await whatsappRig(s)
  wabaId = s.ctx.stores.channels.get(rig.channelId)!.settings.waba_id as string
  replySector = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Cobrança', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  const other = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Outro', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  const a = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })
  const g = await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', name: 'Gil Agente', sector_ids: [rig.sectorId] })
  const sup = await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor' })
  const o = await seedUser(s.ctx, { email: 'outsider@example.com', profile: 'agent', sector_ids: [other] })
  admin = { token: a.token, id: a.user.id }
  agent = { token: g.token, id: g.user.id }
  supervisor = { token: sup.token, id: sup.user.id }
  outsider = { token: o.token, id: o.user.id }
})
afterAll(async () => {
  await s.stop()
  await rig.meta.stop()
})

describe('permissions', () => {
  test('managing templates needs templates.manage: 403 whatever is sent', async () => {
    for (const who of [agent, supervisor]) {
      expect((await post('/api/v1/templates', who.token, newTemplate())).status).toBe(403)
      expect((await post('/api/v1/templates', who.token, { nonsense: true })).status).toBe(403)
      expect((await api('/api/v1/templates', who.token, { method: 'POST', body: '{not json' })).status).toBe(403)
      expect((await patch('/api/v1/templates/1', who.token, { category: 'MARKETING' })).status).toBe(403)
      expect((await api('/api/v1/templates/abc', who.token, { method: 'DELETE' })).status).toBe(403)
      expect((await api(`/api/v1/templates/sync?channel_id=${rig.channelId}`, who.token, { method: 'POST' })).status).toBe(403)
    }
    expect((await api('/api/v1/templates', null)).status).toBe(401)
  })

  test('the built-in profiles got the new permissions: agents send templates, supervisors also bulk notices', async () => {
    const user = (id: number) => s.ctx.stores.users.get(id)!
    expect(can(user(agent.id), 'templates.send')).toBe(true)
    expect(can(user(agent.id), 'templates.manage')).toBe(false)
    expect(can(user(agent.id), 'bulk.send')).toBe(false)
    expect(can(user(supervisor.id), 'templates.send')).toBe(true)
    expect(can(user(supervisor.id), 'bulk.send')).toBe(true)
    expect(can(user(supervisor.id), 'templates.manage')).toBe(false)
    expect((await api('/api/v1/templates', admin.token)).status).toBe(200)
  })
})

describe('create, status webhooks, sync, edit, delete', () => {
  let id: number

  test('invalid input answers 400 naming each field, and nothing reaches Meta', async () => {
    const before = rig.meta.state.templates.size
    const res = await post('/api/v1/templates', admin.token, newTemplate({ name: 'Pedido Saiu', components: [{ type: 'BODY', text: 'Olá {{1}}, tudo bem?' }, { type: 'FOOTER', text: 'x'.repeat(61) }] }))
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; details: { field: string }[] } }
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.details.map((d) => d.field).sort()).toEqual(['components[0].example.body_text', 'components[1].text', 'name'])
    expect(rig.meta.state.templates.size).toBe(before)
  })

  test('POST submits it to Meta: 201, status PENDING', async () => {
    const res = await post('/api/v1/templates', admin.token, newTemplate({ reply_sector_id: replySector }))
    expect(res.status).toBe(201)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ channel_id: rig.channelId, name: 'pedido_saiu', language: 'pt_BR', category: 'UTILITY', status: 'PENDING', reply_sector_id: replySector, rejected_reason: null })
    id = body.id as number
    const atMeta = [...rig.meta.state.templates.values()].find((t) => t.name === 'pedido_saiu')!
    expect(atMeta.status).toBe('PENDING')
    expect(body.external_id).toBe(atMeta.id)
    expect(atMeta.components).toEqual([BODY, BUTTONS])
    // The same name and language again: 409, Meta not asked.
    expect((await post('/api/v1/templates', admin.token, newTemplate())).status).toBe(409)
  })

  test("Meta's refusal comes back in plain words", async () => {
    // Created at Meta behind our back: Meta answers "content in this language already exists".
    await rig.fake('/_fake/templates', { waba_id: wabaId, name: 'ja_existe', language: 'pt_BR', components: [BODY] })
    const res = await post('/api/v1/templates', admin.token, newTemplate({ name: 'ja_existe' }))
    expect(res.status).toBe(422)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('meta_refused')
    expect(body.error.message).toContain('Sincronizar')
  })

  test('the status webhook approves it', async () => {
    const atMeta = tplRow(id).external_id!
    const res = await rig.deliver(statusEvent({ event: 'APPROVED', message_template_id: String(atMeta), message_template_name: 'pedido_saiu', message_template_language: 'pt_BR', reason: 'NONE' }))
    expect(res.status).toBe(200)
    await rig.until(() => tplRow(id).status === 'APPROVED')
    expect(tplRow(id).rejected_reason).toBeNull()
  })

  test('a rejected template keeps Meta’s reason, shown in plain words; an older event delivered late changes nothing', async () => {
    const create = await post('/api/v1/templates', admin.token, newTemplate({ name: 'promo_natal', category: 'MARKETING' }))
    const other = ((await create.json()) as { id: number; external_id: string })
    const now = Math.floor(Date.now() / 1000)
    await rig.deliver(statusEvent({ event: 'REJECTED', message_template_id: String(other.external_id), message_template_name: 'promo_natal', message_template_language: 'pt_BR', reason: 'INVALID_FORMAT' }, now))
    await rig.until(() => tplRow(other.id).status === 'REJECTED')
    expect(tplRow(other.id).rejected_reason).toBe('INVALID_FORMAT')
    // Meta retries an older APPROVED... after the rejection: ignored.
    await rig.deliver(statusEvent({ event: 'APPROVED', message_template_id: String(other.external_id), message_template_name: 'promo_natal', message_template_language: 'pt_BR', reason: 'NONE' }, now - 60))
    await rig.deliver(statusEvent({ event: 'PENDING', message_template_id: String(other.external_id) }, now - 30))
    await Bun.sleep(300)
    expect(tplRow(other.id).status).toBe('REJECTED')
    const page = new Browser(s.url)
    await page.login('admin@example.com')
    const html = await (await page.fetch(`/admin/templates/${other.id}`)).text()
    expect(html).toContain('Rejeitado')
    expect(html).toContain('Formato inválido')
    expect((await api(`/api/v1/templates/${other.id}`, admin.token).then((r) => r.json())) as Record<string, unknown>).toMatchObject({ status: 'REJECTED', rejected_reason: 'INVALID_FORMAT' })
  })

  test('PATCH: the reply sector is ours; new components go back to Meta (PENDING)', async () => {
    const r1 = await patch(`/api/v1/templates/${id}`, admin.token, { reply_sector_id: null })
    expect(r1.status).toBe(200)
    expect(((await r1.json()) as Record<string, unknown>).status).toBe('APPROVED')
    const r2 = await patch(`/api/v1/templates/${id}`, admin.token, { reply_sector_id: replySector, components: [{ ...BODY, text: 'Oi {{1}}, o pedido {{2}} saiu para entrega.' }, BUTTONS] })
    expect(r2.status).toBe(200)
    expect((await r2.json()) as Record<string, unknown>).toMatchObject({ status: 'PENDING', reply_sector_id: replySector })
    const atMeta = rig.meta.state.templates.get(tplRow(id).external_id!)!
    expect((atMeta.components[0] as { text: string }).text).toStartWith('Oi {{1}}')
    // Pending templates cannot be edited at Meta.
    const r3 = await patch(`/api/v1/templates/${id}`, admin.token, { components: [BODY] })
    expect(r3.status).toBe(409)
    expect(((await r3.json()) as { error: { code: string } }).error.code).toBe('template_not_editable')
    // Approved again for the sending tests.
    await rig.deliver(statusEvent({ event: 'APPROVED', message_template_id: String(atMeta.id) }, Math.floor(Date.now() / 1000) + 1))
    await rig.until(() => tplRow(id).status === 'APPROVED')
  })

  test('Sincronizar pulls every page of Meta’s list: new ones added, statuses refreshed, gone ones DELETED', async () => {
    for (let i = 0; i < 120; i++) await rig.fake('/_fake/templates', { waba_id: wabaId, name: `aviso_${String(i).padStart(3, '0')}`, language: 'pt_BR', status: i % 2 ? 'APPROVED' : 'PAUSED', components: [{ type: 'BODY', text: `Aviso ${i}` }] })
    // Rejected at Meta meanwhile without a webhook, with a reason:
    const pedido = tplRow(id)
    await rig.fake('/_fake/templates', { id: pedido.external_id, status: 'REJECTED', rejected_reason: 'INCORRECT_CATEGORY' })
    // Deleted at Meta behind our back:
    const gone = ((await (await post('/api/v1/templates', admin.token, newTemplate({ name: 'vai_sumir' }))).json()) as { id: number; external_id: string })
    rig.meta.state.templates.delete(gone.external_id)

    const res = await api(`/api/v1/templates/sync?channel_id=${rig.channelId}`, admin.token, { method: 'POST' })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { total: number; created: number; removed: number; data: { name: string }[] }
    expect(body.total).toBe(rig.meta.state.templates.size)
    expect(body.created).toBe(121) // 120 avisos + ja_existe
    expect(body.removed).toBe(1)
    const pages = rig.meta.state.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/message_templates'))
    expect(pages.length).toBeGreaterThanOrEqual(2)
    expect(tplRow(id)).toMatchObject({ status: 'REJECTED', rejected_reason: 'INCORRECT_CATEGORY', reply_sector_id: replySector })
    expect(tplRow(gone.id).status).toBe('DELETED')
    expect(s.ctx.stores.templates.byName(rig.channelId, 'aviso_001', 'pt_BR')!.status).toBe('APPROVED')
    expect(body.data.some((t) => t.name === 'vai_sumir')).toBe(false)
    // Back to approved at Meta, then synced again: idempotent.
    await rig.fake('/_fake/templates', { id: pedido.external_id, status: 'APPROVED' })
    const again = (await (await api(`/api/v1/templates/sync?channel_id=${rig.channelId}`, admin.token, { method: 'POST' })).json()) as { created: number; updated: number; removed: number }
    expect(again).toMatchObject({ created: 0, updated: 1, removed: 0 })
    expect(tplRow(id).status).toBe('APPROVED')
  })

  test('DELETE removes it at Meta by name (this language) and keeps it here as DELETED', async () => {
    const created = ((await (await post('/api/v1/templates', admin.token, newTemplate({ name: 'apagar_me' }))).json()) as { id: number; external_id: string })
    const res = await api(`/api/v1/templates/${created.id}`, admin.token, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe('DELETED')
    expect(rig.meta.state.templates.has(created.external_id)).toBe(false)
    const del = rig.meta.state.requests.filter((r) => r.method === 'DELETE').at(-1)!
    expect(del.query).toMatchObject({ name: 'apagar_me', hsm_id: created.external_id })
    expect((await api(`/api/v1/templates/${created.id}`, admin.token, { method: 'DELETE' })).status).toBe(404)
    const list = (await (await api(`/api/v1/templates?channel_id=${rig.channelId}&limit=200`, admin.token)).json()) as { data: { name: string }[] }
    expect(list.data.some((t) => t.name === 'apagar_me')).toBe(false)
  })
})

describe('sending a template', () => {
  const send = (ticket: Ticket | string, token: string, template: Record<string, unknown>) => post(`/api/v1/tickets/${typeof ticket === 'string' ? ticket : ticket.id}/messages`, token, { template })
  const good = { name: 'pedido_saiu', language: 'pt_BR', params: ['Maria', '1234'] }

  test('wrong parameters answer 400 naming the field; nothing is queued', async () => {
    const ticket = makeTicket(2 * HOUR)
    const count = () => s.ctx.db.query<{ n: number }, [number]>('SELECT count(*) AS n FROM messages WHERE ticket_id = ?').get(ticket.id)!.n
    const before = count()
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ ...good, params: ['Maria'] }, 400, 'template_params_mismatch', 'template.params'],
      [{ ...good, params: ['Maria', 'linha 1\nlinha 2'] }, 400, 'validation_failed', 'template.params[1]'],
      [{ ...good, params: ['Maria\tSilva', '1234'] }, 400, 'validation_failed', 'template.params[0]'],
      [{ ...good, params: ['Maria     Silva', '1234'] }, 400, 'validation_failed', 'template.params[0]'],
      [{ ...good, name: 'nao_existe' }, 400, 'template_not_found', 'template.name'],
      [{ name: 'aviso_000', language: 'pt_BR', params: [] }, 409, 'template_not_approved', 'template.name'],
    ]
    for (const [template, status, code, field] of cases) {
      const res = await send(ticket, agent.token, template)
      const body = (await res.json()) as { error: { code: string; details?: { field: string }[] } }
      expect({ template, status: res.status, code: body.error.code, field: body.error.details?.[0]?.field }).toEqual({ template, status, code, field })
    }
    expect(count()).toBe(before)
  })

  test('outside the 24-hour window a template goes out (text is refused)', async () => {
    const ticket = makeTicket(30 * HOUR)
    expect((await post(`/api/v1/tickets/${ticket.id}/messages`, agent.token, { text: 'oi' })).status).toBe(409)
    const res = await send(ticket.protocol, agent.token, good)
    expect(res.status).toBe(201)
    const message = (await res.json()) as { id: number; type: string; text: string; status: string }
    expect(message).toMatchObject({ type: 'template', text: 'Oi Maria, o pedido 1234 saiu para entrega.', status: 'queued' })
    await rig.until(() => s.ctx.stores.messages.get(message.id)!.status === 'sent')
    const out = (await sentTemplates()).find((m) => m.wamid === s.ctx.stores.messages.get(message.id)!.external_id)!
    expect(out.to).toBe(`+${ticket.contact_key}`)
    expect(out.body.template).toEqual({ name: 'pedido_saiu', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Maria' }, { type: 'text', text: '1234' }] }] })
  })

  test('the ticket API takes header and URL-button parameters too (the same template object as POST /api/v1/tickets)', async () => {
    const components = [
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}', example: { header_text: ['77'] } },
      { type: 'BODY', text: 'Olá {{1}}, acompanhe a entrega.', example: { body_text: [['Ana']] } },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Rastrear', url: 'https://x.example/r/{{1}}', example: ['https://x.example/r/abc'] }] },
    ]
    const created = await post('/api/v1/templates', admin.token, { channel_id: rig.channelId, name: 'rastreio', language: 'pt_BR', category: 'UTILITY', components })
    expect(created.status).toBe(201)
    const tid = ((await created.json()) as { id: number }).id
    await rig.deliver(statusEvent({ event: 'APPROVED', message_template_id: String(tplRow(tid).external_id), message_template_name: 'rastreio', message_template_language: 'pt_BR', reason: 'NONE' }))
    await rig.until(() => tplRow(tid).status === 'APPROVED')
    const res = await send(makeTicket(30 * HOUR), agent.token, { name: 'rastreio', language: 'pt_BR', params: ['Ana'], header_params: ['77'], button_params: ['abc'] })
    expect(res.status).toBe(201)
    const message = (await res.json()) as { id: number }
    await rig.until(() => s.ctx.stores.messages.get(message.id)!.status === 'sent')
    const out = (await sentTemplates()).find((m) => m.wamid === s.ctx.stores.messages.get(message.id)!.external_id)!
    expect((out.body.template as { components: unknown[] }).components).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: '77' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'abc' }] },
    ])
  })

  test('sending needs templates.send', async () => {
    const saved = s.ctx.db.query<{ permissions: string }, []>("SELECT permissions FROM profiles WHERE key = 'agent'").get()!.permissions
    write(s.ctx.db, () => s.ctx.db.run("UPDATE profiles SET permissions = (SELECT json_group_array(value) FROM json_each(permissions) WHERE value != 'templates.send') WHERE key = 'agent'"))
    try {
      expect((await send(makeTicket(HOUR), agent.token, good)).status).toBe(403)
    } finally {
      write(s.ctx.db, () => s.ctx.db.run("UPDATE profiles SET permissions = ? WHERE key = 'agent'", [saved]))
    }
  })
})

describe('outbound conversations: POST /api/v1/tickets', () => {
  const start = (token: string, body: Record<string, unknown>) => post('/api/v1/tickets', token, body)
  const template = { name: 'pedido_saiu', language: 'pt_BR', params: ['Ana', '99'] }

  test('validates the number (E.164), the channel and the sector', async () => {
    for (const [body, field] of [
      [{ channel_id: rig.channelId, to: '83988887777', template }, 'to'],
      [{ channel_id: rig.channelId, to: '+55 83 98888-7777', template }, 'to'],
      [{ channel_id: 99999, to: '+5583988887777', template }, 'channel_id'],
      [{ channel_id: rig.channelId, to: '+5583988887777', template, sector_id: 99999 }, 'sector_id'],
    ] as const) {
      const res = await start(admin.token, body)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { details: { field: string }[] } }).error.details[0].field).toBe(field)
    }
    expect((await start(outsider.token, { channel_id: rig.channelId, to: '+5583988887777', template })).status).toBe(201 /* agents send templates */)
  })

  test('an agent opens it assigned to themselves; the fake receives the template', async () => {
    const res = await start(agent.token, { channel_id: rig.channelId, to: '+5583911112222', template })
    expect(res.status).toBe(201)
    const ticket = (await res.json()) as { id: number; status: string; assignee_id: number; sector_id: number; contact: { wa_id: string } }
    // The reply sector of the template, since none was given.
    expect(ticket).toMatchObject({ status: 'open', assignee_id: agent.id, sector_id: replySector, contact: { wa_id: '5583911112222' } })
    await rig.until(() => s.ctx.db.query<{ n: number }, [number]>("SELECT count(*) AS n FROM messages WHERE ticket_id = ? AND status = 'sent'").get(ticket.id)!.n === 1)
    const out = (await sentTemplates()).filter((m) => m.to === '+5583911112222')
    expect(out).toHaveLength(1)
    expect((out[0].body.template as { name: string }).name).toBe('pedido_saiu')
  })

  test('an admin (integration) queues it in the given sector; a Brazilian number without the 9th digit is the same contact', async () => {
    const existing = makeTicket(HOUR, '558377776666')
    write(s.ctx.db, () => s.ctx.db.run("UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ?", [Date.now() - 100 * HOUR, existing.id]))
    const res = await start(admin.token, { channel_id: rig.channelId, to: '+5583977776666', template, sector_id: rig.sectorId })
    expect(res.status).toBe(201)
    const ticket = (await res.json()) as { id: number; status: string; assignee_id: number | null; sector_id: number; contact: { id: number; wa_id: string } }
    expect(ticket).toMatchObject({ status: 'queued', assignee_id: null, sector_id: rig.sectorId, contact: { id: existing.contact_id, wa_id: '558377776666' } })
    // Again while that ticket is open: the template goes into it (200), no second ticket.
    const again = await start(admin.token, { channel_id: rig.channelId, to: '+5583977776666', template })
    expect(again.status).toBe(200)
    expect(((await again.json()) as { id: number }).id).toBe(ticket.id)
    // Someone who may not see that ticket gets 409.
    const other = await start(outsider.token, { channel_id: rig.channelId, to: '+5583977776666', template })
    expect(other.status).toBe(409)
  })
})

describe('replies to templates', () => {
  test('the reply queue: a reply to our template names its reply sector and template; "parar" opts the contact out', async () => {
    const res = await post('/api/v1/tickets', agent.token, { channel_id: rig.channelId, to: '+5583955554444', template: { name: 'pedido_saiu', language: 'pt_BR', params: ['Bia', '7'] } })
    const ticket = (await res.json()) as { id: number }
    const message = () => s.ctx.stores.messages.ofTicket(ticket.id).find((m) => m.type === 'template')!
    await rig.until(() => message().external_id !== null)
    const ours = message().external_id!
    expect(replySectorFor(s.ctx, rig.channelId, ours)).toBe(replySector)
    expect(templateReplyOf(s.ctx, rig.channelId, ours)).toMatchObject({ name: 'pedido_saiu', language: 'pt_BR', reply_sector_id: replySector })
    expect(replySectorFor(s.ctx, rig.channelId, 'wamid.unknown')).toBeNull()

    // The customer taps the "Parar" quick reply of the template.
    const tap = wamid()
    await rig.deliver(
      envelope(rig.phoneNumberId, {
        contacts: [{ profile: { name: 'Bia' }, wa_id: '5583955554444' }],
        messages: [{ from: '5583955554444', id: tap, timestamp: unix(), type: 'button', button: { payload: 'Parar', text: 'Parar' }, context: { from: '558330000000', id: ours } }],
      }),
    )
    await rig.until(() => s.ctx.stores.messages.byExternal(rig.channelId, tap)?.extra?.template_reply !== undefined)
    expect(s.ctx.stores.messages.byExternal(rig.channelId, tap)!.extra!.template_reply).toMatchObject({ name: 'pedido_saiu', language: 'pt_BR' })
    expect(s.ctx.stores.contacts.byKey(rig.channelId, '5583955554444')!.opted_out).toBe(true)
  })

  test('typed opt-out words count too (accents and case ignored) — from people who got a template', async () => {
    // Never got a template: "sair" is just a word in a conversation.
    const first = wamid()
    await rig.deliver(envelope(rig.phoneNumberId, { contacts: [{ profile: { name: 'Caio' }, wa_id: '5583944443333' }], messages: [{ from: '5583944443333', id: first, timestamp: unix(), type: 'text', text: { body: 'sair' } }] }))
    await rig.until(() => s.ctx.stores.messages.byExternal(rig.channelId, first) !== null)
    expect(s.ctx.stores.contacts.byKey(rig.channelId, '5583944443333')!.opted_out).toBe(false)
    expect((await post('/api/v1/tickets', agent.token, { channel_id: rig.channelId, to: '+5583944443333', template: { name: 'pedido_saiu', language: 'pt_BR', params: ['Caio', '8'] } })).status).toBe(200)
    const id = wamid()
    await rig.deliver(envelope(rig.phoneNumberId, { contacts: [{ profile: { name: 'Caio' }, wa_id: '5583944443333' }], messages: [{ from: '5583944443333', id, timestamp: unix(), type: 'text', text: { body: ' SÁIR ' } }] }))
    await rig.until(() => s.ctx.stores.contacts.byKey(rig.channelId, '5583944443333')?.opted_out === true)
  })
})

describe('pages', () => {
  test('admin list, editor and live preview; agents are refused', async () => {
    const page = new Browser(s.url)
    await page.login('admin@example.com')
    const list = await (await page.fetch(`/admin/templates?channel_id=${rig.channelId}`)).text()
    expect(list).toContain('pedido_saiu')
    expect(list).toContain('Sincronizar')
    expect(await (await page.fetch('/')).text()).toContain('href="/admin/templates"')
    const csrf = await page.csrf(`/admin/templates/new?channel_id=${rig.channelId}`)
    const preview = await page.post(
      '/admin/templates/preview',
      { _csrf: csrf, channel_id: String(rig.channelId), body: 'Olá *{{1}}*, seu boleto <script>alert(1)</script> vence {{2}}', body_examples: 'Maria\n10/12', footer: 'Loja', button_type_0: 'QUICK_REPLY', button_text_0: 'Ok' },
      { 'hx-request': 'true' },
    )
    expect(preview.status).toBe(200)
    const fragment = await preview.text()
    expect(fragment).toContain('Maria')
    expect(fragment).toContain('&lt;script&gt;')
    expect(fragment).not.toContain('<script>')
    expect(fragment).toContain('hx-ignore')
    // Submitting with a mistake keeps what was typed and points at the field.
    const bad = await page.post('/admin/templates', { _csrf: csrf, channel_id: String(rig.channelId), name: 'Nome Ruim', language: 'pt_BR', category: 'UTILITY', body: 'Olá {{1}} tudo certo?', body_examples: '' })
    expect(bad.status).toBe(422)
    const badHtml = await bad.text()
    expect(badHtml).toContain('value="Nome Ruim"')
    expect(badHtml).toContain('Use só letras minúsculas')
    const ok = await page.post('/admin/templates', { _csrf: csrf, channel_id: String(rig.channelId), name: 'pelo_formulario', language: 'pt_BR', category: 'UTILITY', header_format: 'TEXT', header_text: 'Aviso', body: 'Olá {{1}}, tudo certo?', body_examples: 'Maria', reply_sector_id: String(replySector) })
    expect(ok.status).toBe(303)
    const created = s.ctx.stores.templates.byName(rig.channelId, 'pelo_formulario', 'pt_BR')!
    expect(created).toMatchObject({ status: 'PENDING', reply_sector_id: replySector })
    expect(created.components).toEqual([{ type: 'HEADER', format: 'TEXT', text: 'Aviso' }, { type: 'BODY', text: 'Olá {{1}}, tudo certo?', example: { body_text: [['Maria']] } }])

    const agentPage = new Browser(s.url)
    await agentPage.login('agent@example.com')
    expect((await agentPage.fetch('/admin/templates')).status).toBe(403)
    expect(await (await agentPage.fetch('/')).text()).not.toContain('href="/admin/templates"')
  })

  test('an agent sends a template from the ticket page with the window closed', async () => {
    const ticket = makeTicket(40 * HOUR)
    write(s.ctx.db, () => s.ctx.db.run("UPDATE tickets SET status = 'open', assignee_id = ? WHERE id = ?", [agent.id, ticket.id]))
    const page = new Browser(s.url)
    await page.login('agent@example.com')
    const tpl = s.ctx.stores.templates.byName(rig.channelId, 'pedido_saiu', 'pt_BR')!
    // The ticket page (not only the workspace) leads to the template flow when the window is closed.
    expect(await (await page.fetch(`/tickets/${ticket.id}`)).text()).toContain(`href="/tickets/${ticket.id}/template"`)
    const form = await (await page.fetch(`/tickets/${ticket.id}/template?template_id=${tpl.id}`)).text()
    expect(form).toContain('janela de 24 horas está encerrada')
    expect(form).toContain(`value="${ticket.protocol}"`) // suggestion
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]
    const bad = await page.post(`/tickets/${ticket.id}/template`, { _csrf: csrf, template_id: String(tpl.id), param_1: 'Ana', param_2: 'a\tb' })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('Sem quebra de linha')
    const ok = await page.post(`/tickets/${ticket.id}/template`, { _csrf: csrf, template_id: String(tpl.id), param_1: 'Ana', param_2: '55' })
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe(`/tickets/${ticket.id}`)
    expect(s.ctx.stores.messages.ofTicket(ticket.id).at(-1)).toMatchObject({ type: 'template', text: 'Oi Ana, o pedido 55 saiu para entrega.', author_id: agent.id })
  })
})
