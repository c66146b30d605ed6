// Contacts linked to customers, with real tickets made by signed webhooks (fake Graph API):
// setting a ticket's customer in the protocol form links its contact, and the contact's next ticket
// starts with the customer; the customer page lists contacts and tickets (hiding what the viewer
// may not see); link / unlink by page and API (extensions), with refusals; and the protocol form's
// custom fields ("Dados adicionais") saved from the workspace.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { REOPEN_WINDOW_SETTING } from '../desk/actions'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'

let s: TestServer
let wa: WhatsAppRig
let sue: Browser // supervisor: handles every ticket
let otto: Browser // agent of another sector
let noEdit: Browser // customers.view only
let supToken: string
let readerToken: string
let empresa: number
let customerId: number

const settle = () => wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
const contactOf = (waId: string) => s.ctx.stores.contacts.byKey(wa.channelId, waId)!
async function say(waId: string, body: string, name = 'Maria <b>Cliente</b>') {
  expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, body, name)))).status).toBe(200)
  await settle()
  return s.ctx.stores.tickets.lastOfContact(contactOf(waId).id)!
}
async function hx(b: Browser, path: string, fields: Record<string, string>) {
  const headers = { 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': await b.csrf('/profile') }
  const res = await b.fetch(path, { method: 'POST', headers, body: new URLSearchParams(fields) })
  return { status: res.status, html: await res.text() }
}
const api = (path: string, token: string, init: RequestInit = {}) => fetch(s.url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
  const other = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Outro', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  const viewOnly = write(s.ctx.db, () => s.ctx.db.query<{ id: number }, []>(`INSERT INTO profiles (key, name, permissions, created_at, updated_at) VALUES (NULL, 'Consulta', '["customers.view"]', 0, 0) RETURNING id`).get()!.id)
  supToken = (await seedUser(s.ctx, { email: 'sue@example.com', profile: 'supervisor' })).token
  await seedUser(s.ctx, { email: 'otto@example.com', sector_ids: [other] })
  readerToken = (await seedUser(s.ctx, { email: 'vera@example.com', profile: String(viewOnly), sector_ids: [wa.sectorId] })).token
  ;[sue, otto, noEdit] = [new Browser(s.url), new Browser(s.url), new Browser(s.url)]
  await sue.login('sue@example.com')
  await otto.login('otto@example.com')
  await noEdit.login('vera@example.com')
  write(s.ctx.db, () => s.ctx.db.run('INSERT INTO settings (key, value) VALUES (?, ?)', [REOPEN_WINDOW_SETTING, '0']))
  empresa = write(s.ctx.db, () => {
    const type = s.ctx.stores.customers.types.create('Empresa')
    s.ctx.stores.customers.fields.create(type, { key: 'contrato', label: 'Contrato', kind: 'text', options: [], required: true })
    s.ctx.stores.customers.fields.create(type, { key: 'limite', label: 'Limite', kind: 'number', options: [], required: false })
    return type
  })
  customerId = write(s.ctx.db, () => s.ctx.stores.customers.create({ name: 'Loja <i>Alfa</i>', code: null, code_type: null, type_id: empresa, email: null, phone: null, notes: null }))
})
afterAll(async () => {
  await s?.stop()
  await wa?.meta.stop()
})

describe('a ticket’s customer links its contact', () => {
  test('set in the protocol form → the contact is linked; its next ticket starts with the customer', async () => {
    const first = await say('5583900000001', 'oi')
    expect(first.customer_id).toBeNull()
    const linked = await hx(sue, `/workspace/${first.id}/customer`, { customer_id: String(customerId) })
    expect(linked.status).toBe(200)
    expect(contactOf('5583900000001').customer_id).toBe(customerId)
    expect((await api(`/api/v1/tickets/${first.id}/close`, supToken, { method: 'POST', body: '{}' })).status).toBe(200)

    const second = await say('5583900000001', 'voltei')
    expect(second.id).not.toBe(first.id)
    expect(second.customer_id).toBe(customerId)
    // A contact already someone else's stays theirs when another ticket names another customer.
    const other = write(s.ctx.db, () => s.ctx.stores.customers.create({ name: 'Outro', code: null, code_type: null, type_id: null, email: null, phone: null, notes: null }))
    expect((await hx(sue, `/workspace/${second.id}/customer`, { customer_id: String(other) })).status).toBe(200)
    expect(contactOf('5583900000001').customer_id).toBe(customerId)
    expect((await hx(sue, `/workspace/${second.id}/customer`, { customer_id: String(customerId) })).status).toBe(200)
  })

  test('the customer page lists the contact and both tickets; an agent of another sector sees no ticket', async () => {
    const res = await sue.fetch(`/customers/${customerId}`)
    const html = await res.text()
    expect(html).toContain('+5583900000001')
    expect(html).toContain('Maria &lt;b&gt;Cliente&lt;/b&gt;')
    const tickets = s.ctx.db.query<{ protocol: string }, [number]>('SELECT protocol FROM tickets WHERE customer_id = ? ORDER BY id').all(customerId)
    expect(tickets.length).toBe(2)
    for (const t of tickets) expect(html).toContain(t.protocol)
    const ottoHtml = await (await otto.fetch(`/customers/${customerId}`)).text()
    expect(ottoHtml).toContain('+5583900000001')
    for (const t of tickets) expect(ottoHtml).not.toContain(t.protocol)
    expect(ottoHtml).toContain('Nenhum atendimento vinculado a este cliente.')
  })
})

describe('link and unlink', () => {
  test('API: list, link (201, then 200), taken → 409, unlink → 204, again → 404; refusals', async () => {
    await say('5583900000002', 'olá', 'João')
    const joao = contactOf('5583900000002')
    const list = await (await api(`/api/v1/customers/${customerId}/contacts`, readerToken)).json()
    expect(list.data.map((c: { wa_id: string }) => c.wa_id)).toEqual(['5583900000001'])
    expect(list.data[0]).toMatchObject({ channel_type: 'whatsapp', identity: '5583900000001', customer_id: customerId })

    const post = (token: string, body: unknown, id = customerId) => api(`/api/v1/customers/${id}/contacts`, token, { method: 'POST', body: JSON.stringify(body) })
    expect((await post(readerToken, { contact_id: joao.id })).status).toBe(403)
    const r1 = await post(supToken, { contact_id: joao.id })
    expect(r1.status).toBe(201)
    expect(await r1.json()).toMatchObject({ id: joao.id, customer_id: customerId, name: 'João' })
    expect((await post(supToken, { contact_id: joao.id })).status).toBe(200)
    const other = write(s.ctx.db, () => s.ctx.stores.customers.create({ name: 'Concorrente', code: null, code_type: null, type_id: null, email: null, phone: null, notes: null }))
    const taken = await post(supToken, { contact_id: joao.id }, other)
    expect(taken.status).toBe(409)
    expect((await taken.json()).error).toMatchObject({ code: 'contact_linked', message: 'Este contato já está vinculado a outro cliente. Desvincule-o lá primeiro.' })
    expect((await post(supToken, { contact_id: 999999 })).status).toBe(404)
    expect((await post(supToken, { contact_id: 'x' })).status).toBe(400)
    expect((await post(supToken, { contact_id: joao.id }, 999999)).status).toBe(404)

    const del = (id: number) => api(`/api/v1/customers/${customerId}/contacts/${id}`, supToken, { method: 'DELETE' })
    expect((await del(joao.id)).status).toBe(204)
    expect(contactOf('5583900000002').customer_id).toBeNull()
    expect((await del(joao.id)).status).toBe(404)
    const audit = s.ctx.db.query<{ action: string }, []>("SELECT action FROM audit_log WHERE action LIKE 'customer.contact_%' ORDER BY id").all()
    expect(audit.map((a) => a.action)).toEqual(['customer.contact_link', 'customer.contact_unlink'])
  })

  test('page: search finds the contact, the button links it, unlink; CSRF and permission checked', async () => {
    const joao = contactOf('5583900000002')
    const found = await sue.fetch(`/customers/${customerId}/contacts/search?q=900000002`, { headers: { 'hx-request': 'true' } })
    const html = await found.text()
    expect(html).toContain('+5583900000002')
    expect(html).toContain(`name="contact_id" value="${joao.id}"`)
    // Without JavaScript: back to the page with the results in it.
    const plain = await sue.fetch(`/customers/${customerId}/contacts/search?q=900000002`)
    expect(plain.status).toBe(303)
    expect(await (await sue.fetch(plain.headers.get('location')!)).text()).toContain(`name="contact_id" value="${joao.id}"`)

    const csrf = await sue.csrf(`/customers/${customerId}`)
    expect((await sue.post(`/customers/${customerId}/contacts`, { contact_id: String(joao.id) })).status).toBe(403)
    expect((await noEdit.post(`/customers/${customerId}/contacts`, { _csrf: await noEdit.csrf('/profile'), contact_id: String(joao.id) })).status).toBe(403)
    const linked = await sue.post(`/customers/${customerId}/contacts`, { _csrf: csrf, contact_id: String(joao.id) })
    expect(linked.status).toBe(303)
    expect(contactOf('5583900000002').customer_id).toBe(customerId)
    expect(await (await sue.fetch(linked.headers.get('location')!)).text()).toContain('Contato vinculado.')
    expect((await sue.post(`/customers/${customerId}/contacts/${joao.id}/unlink`, { _csrf: csrf })).status).toBe(303)
    expect(contactOf('5583900000002').customer_id).toBeNull()
  })
})

describe('the protocol form’s custom fields', () => {
  test('shown for the linked customer’s type; errors inline; saved; refused to whoever may not change it', async () => {
    const t = s.ctx.stores.tickets.lastOfContact(contactOf('5583900000001').id)!
    const page = await (await sue.fetch(`/workspace/${t.id}`)).text()
    expect(page).toContain(`action="/workspace/${t.id}/customer/fields"`)
    expect(page).toContain(`id="ws-f${t.id}-cf-contrato"`)

    const bad = await hx(sue, `/workspace/${t.id}/customer/fields`, { 'field.contrato': '', 'field.limite': 'mil' })
    expect(bad.status).toBe(422)
    expect(bad.html).toStartWith(`<section id="ws-customer-${t.id}"`)
    expect(bad.html).toContain('Preencha este campo obrigatório.')
    expect(bad.html).toContain('value="mil"')
    expect(s.ctx.stores.customers.fields.values(customerId).size).toBe(0)

    const ok = await hx(sue, `/workspace/${t.id}/customer/fields`, { 'field.contrato': 'CT-77', 'field.limite': '2.500' })
    expect(ok.status).toBe(200)
    expect(ok.html).toContain('Dados adicionais salvos.')
    expect((await (await api(`/api/v1/customers/${customerId}`, supToken)).json()).fields).toEqual({ contrato: 'CT-77', limite: 2500 })

    expect((await hx(otto, `/workspace/${t.id}/customer/fields`, { 'field.contrato': 'x' })).status).toBe(404)
    expect((await hx(noEdit, `/workspace/${t.id}/customer/fields`, { 'field.contrato': 'x' })).status).toBe(403)
  })
})
