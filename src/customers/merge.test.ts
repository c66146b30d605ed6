// Merging two customers: the preview says what moves; the merge (page and API) moves tickets and
// contacts in one transaction, copies what the kept one lacks, appends the notes, deletes the other,
// is audited, and emits a ticket.updated event per moved ticket; refusals (permissions, same
// customer, anonymised, CSRF).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'

let s: TestServer
let wa: WhatsAppRig
let admin: Browser
let adminToken: string
let agentToken: string
let empresa: number

const settle = () => wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
const api = (path: string, token: string, body: unknown) =>
  fetch(s.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
const customer = (name: string, o: Partial<{ code: string; email: string; phone: string; notes: string; type_id: number }> = {}) =>
  write(s.ctx.db, () =>
    s.ctx.stores.customers.create({ name, code: o.code ?? null, code_type: o.code ? 'cpf' : null, type_id: o.type_id ?? null, email: o.email ?? null, phone: o.phone ?? null, notes: o.notes ?? null }),
  )
/** A WhatsApp contact with one ticket, linked to the customer. */
async function ticketFor(waId: string, customerId: number) {
  expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi', 'Cliente')))).status).toBe(200)
  await settle()
  const contact = s.ctx.stores.contacts.byKey(wa.channelId, waId)!
  const t = s.ctx.stores.tickets.lastOfContact(contact.id)!
  write(s.ctx.db, () => {
    s.ctx.stores.tickets.patch(t.id, { customer_id: customerId }, Date.now())
    s.ctx.stores.customers.contacts.link(contact.id, customerId)
  })
  return t.id
}

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
  adminToken = (await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })).token
  agentToken = (await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent' })).token
  admin = new Browser(s.url)
  await admin.login('admin@example.com')
  empresa = write(s.ctx.db, () => {
    const type = s.ctx.stores.customers.types.create('Empresa')
    s.ctx.stores.customers.fields.create(type, { key: 'contrato', label: 'Contrato', kind: 'text', options: [], required: false })
    s.ctx.stores.customers.fields.create(type, { key: 'limite', label: 'Limite', kind: 'number', options: [], required: false })
    return type
  })
})
afterAll(async () => {
  await s?.stop()
  await wa?.meta.stop()
})

describe('merge on the page', () => {
  test('search, preview of what moves, confirm: tickets and contacts move, data copied, the duplicate deleted', async () => {
    const keep = customer('Maria Souza', { email: 'maria@example.com', notes: 'VIP', type_id: empresa })
    const dup = customer('Maria S. <b>dup</b>', { code: '52998224725', phone: '+5583999990000', notes: 'cadastro antigo', type_id: empresa })
    write(s.ctx.db, () => {
      const [contrato, limite] = s.ctx.stores.customers.fields.ofType(empresa)
      s.ctx.stores.customers.fields.setValue(keep, limite.id, '10')
      s.ctx.stores.customers.fields.setValue(dup, contrato.id, 'C-1')
      s.ctx.stores.customers.fields.setValue(dup, limite.id, '99')
    })
    const t1 = await ticketFor('5583911000001', dup)
    const t2 = await ticketFor('5583911000002', dup)
    const t0 = await ticketFor('5583911000003', keep)

    const search = await (await admin.fetch(`/customers/${keep}/merge?q=${encodeURIComponent('529.982')}`)).text()
    expect(search).toContain(`href="/customers/${keep}/merge?from=${dup}"`)
    expect(search).toContain('Maria S. &lt;b&gt;dup&lt;/b&gt;')
    const preview = await (await admin.fetch(`/customers/${keep}/merge?from=${dup}`)).text()
    expect(preview).toContain('Atendimentos que passam para o cliente que fica: 2')
    expect(preview).toContain('Contatos que passam para o cliente que fica: 2')
    expect(preview).toContain('Dados copiados (vazios no cliente que fica): CPF/CNPJ, Telefone')
    expect(preview).toContain('Campos personalizados copiados (vazios no cliente que fica): Contrato')
    expect(preview).toContain('Campos personalizados descartados (o cliente que fica já tem valor, ou é de outro tipo): Limite')
    expect(preview).toContain('As observações do duplicado são acrescentadas às do cliente que fica.')
    expect(preview).toContain(`href="/customers/${dup}/merge?from=${keep}"`) // swap which one stays
    // The preview wrote nothing.
    expect(s.ctx.stores.customers.get(dup)).not.toBeNull()

    const lastEvent = s.ctx.db.query<{ id: number }, []>('SELECT coalesce(max(id), 0) AS id FROM events').get()!.id
    const csrf = await admin.csrf(`/customers/${keep}/merge?from=${dup}`)
    expect((await admin.post(`/customers/${keep}/merge`, { from_id: String(dup) })).status).toBe(403) // no CSRF
    const res = await admin.post(`/customers/${keep}/merge`, { _csrf: csrf, from_id: String(dup) })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/customers/${keep}?ok=customer_merge.done`)

    expect(s.ctx.stores.customers.get(dup)).toBeNull()
    const kept = s.ctx.stores.customers.get(keep)!
    expect(kept).toMatchObject({ code: '52998224725', phone: '+5583999990000', email: 'maria@example.com' })
    expect(kept.notes).toBe('VIP\n\nObservações de Maria S. <b>dup</b> (mesclado):\ncadastro antigo')
    for (const id of [t0, t1, t2]) expect(s.ctx.stores.tickets.get(id)!.customer_id).toBe(keep)
    expect(s.ctx.stores.customers.contacts.ofCustomer(keep).length).toBe(3)
    const [contrato, limite] = s.ctx.stores.customers.fields.ofType(empresa)
    const values = s.ctx.stores.customers.fields.values(keep)
    expect(values.get(contrato.id)).toBe('C-1')
    expect(values.get(limite.id)).toBe('10')
    const events = s.ctx.db.query<{ name: string; data: string }, [number]>("SELECT name, data FROM events WHERE id > ? AND name = 'ticket.updated'").all(lastEvent)
    expect(events.map((e) => JSON.parse(e.data).id).sort()).toEqual([t1, t2].sort())
    expect(events.every((e) => JSON.parse(e.data).customer_id === keep)).toBe(true)
    const audit = s.ctx.db.query<{ object_id: string; details: string }, []>("SELECT object_id, details FROM audit_log WHERE action = 'customer.merge'").get()!
    expect(audit.object_id).toBe(String(keep))
    expect(JSON.parse(audit.details)).toMatchObject({ from_id: dup, tickets: 2, contacts: 2, copied: ['code', 'phone'] })
    expect(await (await admin.fetch(res.headers.get('location')!)).text()).toContain('Clientes mesclados.')
  })
})

describe('merge by the API', () => {
  test('POST /api/v1/customers/:id/merge returns the kept customer; refusals', async () => {
    const keep = customer('Ana', { type_id: empresa })
    const dup = customer('Ana (2)', { email: 'ana@example.com' })
    await ticketFor('5583911000004', dup)
    // Agents may edit but not delete customers: 403, before the body is even looked at.
    expect((await api(`/api/v1/customers/${keep}/merge`, agentToken, { from_id: dup })).status).toBe(403)
    expect((await api(`/api/v1/customers/${keep}/merge`, agentToken, { nonsense: true })).status).toBe(403)
    const same = await api(`/api/v1/customers/${keep}/merge`, adminToken, { from_id: keep })
    expect(same.status).toBe(400)
    expect((await same.json()).error.details).toEqual([{ field: 'from_id', message: 'Escolha um cliente diferente do que fica.' }])
    expect((await api(`/api/v1/customers/${keep}/merge`, adminToken, { from_id: 999999 })).status).toBe(400)
    expect((await api('/api/v1/customers/999999/merge', adminToken, { from_id: dup })).status).toBe(404)

    const res = await api(`/api/v1/customers/${keep}/merge`, adminToken, { from_id: dup })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: keep, name: 'Ana', email: 'ana@example.com', fields: { contrato: null, limite: null } })
    expect(s.ctx.stores.customers.get(dup)).toBeNull()
    expect(s.ctx.stores.customers.contacts.ticketCount(keep)).toBe(1)

    const anon = customer('Anônimo')
    write(s.ctx.db, () => s.ctx.db.run('UPDATE customers SET anonymized_at = 1 WHERE id = ?', [anon]))
    const refused = await api(`/api/v1/customers/${keep}/merge`, adminToken, { from_id: anon })
    expect(refused.status).toBe(409)
    expect((await refused.json()).error.code).toBe('customer_anonymized')
  })
})
