// The agent workspace over HTTP, with real tickets made by signed webhooks through the WhatsApp
// pipeline (fake Graph API) and routed in 'offer' mode: the page and its regions (offers with a
// countdown, my tickets with unread counts, the queue), the actions through the UI routes (accept,
// decline, transfer with a note, close with a required classification, the protocol form, the
// customer — search, link, create with CPF/CNPJ check digits), quick replies, older messages, the
// live partials of the workspace stream, and refusals: IDOR (other sectors, confidential tickets),
// CSRF, and everything customer-provided rendered as text.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { User } from '../admin/users-store'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { SseReader } from '../../test/support/sse'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import { saveClassification } from './classifications-store'
import { queueOutbound } from './outbound'
import { expireOffers } from './routing'
import { setPresence } from './presence'
import { saveQuickReply } from './quick-replies'
import type { Ticket } from './tickets-store'

let s: TestServer
let wa: WhatsAppRig
let ana: Browser // agent of the channel's sector
let bia: Browser // agent of the same sector
let otto: Browser // agent of another sector
let sue: Browser // supervisor
let anaUser: User
let biaUser: User
let otherSector: number
let sectorClass: number
let otherClass: number

const HOSTILE_NAME = 'Zé <img src=x onerror=alert(1)>'
const HOSTILE_TEXT = '<script>alert("x")</script> & <b>negrito</b> 😀'

const settle = () => wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
const ticketOf = (waId: string): Ticket => {
  const contact = s.ctx.stores.contacts.byKey(wa.channelId, waId)!
  return s.ctx.stores.tickets.lastOfContact(contact.id)!
}
const fresh = (t: Ticket) => s.ctx.stores.tickets.get(t.id)!
async function say(waId: string, body: string, name = 'Maria Cliente') {
  expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, body, name)))).status).toBe(200)
  await settle()
  return ticketOf(waId)
}
const get = async (b: Browser, path: string, headers: Record<string, string> = {}) => {
  const res = await b.fetch(path, { headers })
  return { status: res.status, html: await res.text(), res }
}
const tokens = new Map<Browser, string>()
async function csrf(b: Browser) {
  if (!tokens.has(b)) tokens.set(b, await b.csrf('/profile'))
  return tokens.get(b)!
}
/** A request the way htmx sends it: form fields, HX-Request and the CSRF header. */
async function hx(b: Browser, method: string, path: string, fields: Record<string, string> = {}, o: { csrf?: string | null; target?: string } = {}) {
  const headers: Record<string, string> = { 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' }
  const token = o.csrf === undefined ? await csrf(b) : o.csrf
  if (token) headers['x-csrf-token'] = token
  if (o.target) headers['hx-target'] = o.target
  const res = await b.fetch(path, { method, headers, body: new URLSearchParams(fields) })
  return { status: res.status, html: await res.text(), res }
}
const offerTo = (t: Ticket) => s.ctx.stores.offers.pendingOfTicket(t.id)
/**
 * The markup outside attribute values: where a tag would be a tag. (Inside a quoted attribute the
 * renderer escapes the quote; `<` there is text — e.g. a customer's name in data-notify-title.)
 */
const markup = (html: string) => html.replace(/="[^"]*"/g, '=""')

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
  const sector = s.ctx.stores.sectors.get(wa.sectorId)!
  otherSector = write(s.ctx.db, () => {
    s.ctx.stores.sectors.update(sector.id, { ...sector, routing: 'offer', offer_timeout_s: 60, require_classification: true })
    return s.ctx.stores.sectors.create({ name: 'Financeiro', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
  })
  anaUser = (await seedUser(s.ctx, { email: 'ana@example.com', name: 'Ana Atendente', sector_ids: [wa.sectorId] })).user
  biaUser = (await seedUser(s.ctx, { email: 'bia@example.com', name: 'Bia <i>Itálica</i>', sector_ids: [wa.sectorId] })).user
  await seedUser(s.ctx, { email: 'otto@example.com', name: 'Otto Outro', sector_ids: [otherSector] })
  await seedUser(s.ctx, { email: 'sue@example.com', name: 'Sue Supervisora', profile: 'supervisor' })
  sectorClass = saveClassification(s.ctx, anaUser.id, { name: 'Entrega atrasada', sector_id: wa.sectorId }, null, null).id
  otherClass = saveClassification(s.ctx, anaUser.id, { name: 'Cobrança', sector_id: otherSector }, null, null).id
  ana = new Browser(s.url)
  bia = new Browser(s.url)
  otto = new Browser(s.url)
  sue = new Browser(s.url)
  for (const [b, email] of [[ana, 'ana'], [bia, 'bia'], [otto, 'otto'], [sue, 'sue']] as const) await b.login(`${email}@example.com`)
  // Only Ana takes offers for now; Bia is paused (she can still receive a transfer).
  setPresence(s.ctx, anaUser, 'available', null)
  setPresence(s.ctx, biaUser, 'paused', 'almoço')
})
afterAll(async () => {
  await s.stop()
  await wa.meta.stop()
})

describe('the workspace page', () => {
  test('an offer appears for the offered agent with a countdown; names and text are escaped', async () => {
    const t = await say('5583911110001', HOSTILE_TEXT, HOSTILE_NAME)
    await wa.until(() => offerTo(t)?.user_id === anaUser.id)
    const offer = offerTo(t)!
    const { status, html } = await get(ana, '/workspace')
    expect(status).toBe(200)
    expect(html).toContain('id="workspace"')
    expect(html).toMatch(/data-event-cursor="\d+"/)
    expect(html).toContain('hx-sse:connect="/events?page=workspace"')
    expect(html).toContain(`id="ws-offer-${offer.id}"`)
    expect(html).toContain(`data-expires-at="${offer.expires_at}"`)
    expect(html).toContain(`action="/workspace/${t.id}/accept"`)
    expect(html).toContain(`action="/workspace/${t.id}/decline"`)
    expect(html).toContain('Zé &lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;negrito&lt;/b&gt;')
    expect(markup(html)).not.toContain('<img src=x')
    expect(markup(html)).not.toContain('<script>alert')
    expect(markup(html)).not.toContain('<b>negrito')
    // The nav: "Atendimentos" leads to the workspace, the list is "Consulta".
    expect(html).toContain('<a href="/workspace" aria-current="page">Atendimentos</a>')
    expect(html).toContain('<a href="/tickets">Consulta</a>')

    // Not offered to Bia (paused) nor visible to Otto (another sector); the supervisor sees the queue.
    expect((await get(bia, '/workspace')).html).not.toContain(`ws-offer-${offer.id}`)
    expect((await get(otto, '/workspace')).html).not.toContain(t.protocol)
    expect((await get(sue, '/workspace')).html).toContain(`id="ws-queued-${t.id}"`)
  })

  test('accept through the UI: the panel, pushed URL, the card in "my tickets"; a second accept by someone else is refused inline', async () => {
    const t = ticketOf('5583911110001')
    const r = await hx(ana, 'POST', `/workspace/${t.id}/accept`)
    expect(r.status).toBe(200)
    expect(r.res.headers.get('hx-push-url')).toBe(`/workspace/${t.id}`)
    expect(r.html).toStartWith(`<div id="ws-ticket-${t.id}"`)
    expect(r.html).toContain(`id="conversation-${t.id}"`)
    expect(r.html).toContain(`id="composer-${t.id}"`)
    expect(r.html).toContain('name="ui" value="workspace"')
    expect(r.html).toContain(`<hx-partial hx-target="#ws-mine" hx-swap="outerMorph">`)
    expect(r.html).toContain(`id="ws-card-${t.id}"`)
    expect(fresh(t).status).toBe('open')
    expect(fresh(t).assignee_id).toBe(anaUser.id)
    expect(s.ctx.stores.history.ofTicket(t.id).map((h) => h.action)).toContain('assigned')

    const again = await hx(sue, 'POST', `/workspace/${t.id}/accept`)
    expect(again.status).toBe(422)
    expect(again.html).toStartWith('<section id="ws-offers"')
    expect(again.html).toContain('Este atendimento já está com um atendente.')
  })

  test('unread count from the read marker: a new customer message counts, opening the ticket as assignee reads it', async () => {
    const t = await say('5583911110001', 'Alguém aí?', HOSTILE_NAME)
    let html = (await get(ana, '/workspace')).html
    const card = html.slice(html.indexOf(`id="ws-card-${t.id}"`))
    expect(card).toMatch(/^[^]*?<span class="unread" aria-label="(\d+ mensagens não lidas|1 mensagem não lida)">\d+<\/span>/)
    expect(card.slice(0, 2000)).toContain('Alguém aí?')
    expect(card.slice(0, 2000)).toContain('data-since=') // the customer is waiting

    // Somebody else looking does not move the marker; the assignee does (full page and htmx panel).
    await get(sue, `/workspace/${t.id}`)
    expect(fresh(t).last_read_message_id).toBe(t.last_read_message_id)
    const panel = await get(ana, `/workspace/${t.id}`, { 'hx-request': 'true', 'hx-target': 'div#ws-main' })
    expect(panel.status).toBe(200)
    expect(panel.html).toStartWith(`<div id="ws-ticket-${t.id}"`)
    expect(panel.html).not.toContain('<!doctype html>')
    const newest = s.ctx.stores.messages.ofTicket(t.id).at(-1)!.id
    expect(fresh(t).last_read_message_id).toBe(newest)
    html = (await get(ana, '/workspace')).html
    expect(html.slice(html.indexOf(`id="ws-card-${t.id}"`)).slice(0, 1500)).not.toContain('class="unread"')
    // Marked read at Meta too.
    await wa.until(() => wa.meta.state.reads.length > 0)

    // The read endpoint (app.js calls it when messages arrive in the open ticket): CSRF header required.
    await say('5583911110001', 'Mais uma', HOSTILE_NAME)
    expect((await hx(ana, 'POST', `/workspace/${t.id}/read`, {}, { csrf: null })).status).toBe(403)
    expect((await hx(ana, 'POST', `/workspace/${t.id}/read`)).status).toBe(204)
    expect(fresh(t).last_read_message_id).toBe(s.ctx.stores.messages.ofTicket(t.id).at(-1)!.id)
  })

  test('the composer of the workspace sends through the conversation route and answers with its own variant', async () => {
    const t = ticketOf('5583911110001')
    const body = new FormData()
    body.append('text', 'Olá! Já verifico seu pedido.')
    body.append('ui', 'workspace')
    const res = await ana.fetch(`/tickets/${t.id}/messages`, { method: 'POST', body, headers: { 'hx-request': 'true', 'x-csrf-token': await csrf(ana) } })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(`id="composer-${t.id}"`)
    expect(html).toContain('data-workspace')
    expect(html).toContain('name="ui" value="workspace"')
    await wa.until(() => wa.meta.state.messages.some((m) => JSON.stringify(m).includes('Já verifico seu pedido')))
    // Without JavaScript the form goes back to the workspace.
    const plain = new FormData()
    plain.append('_csrf', await csrf(ana))
    plain.append('text', 'sem js')
    plain.append('ui', 'workspace')
    const back = await ana.fetch(`/tickets/${t.id}/messages`, { method: 'POST', body: plain })
    expect(back.status).toBe(303)
    expect(back.headers.get('location')).toBe(`/workspace/${t.id}`)
  })

  test('quick replies: filtered by the typed prefix, expanded for this ticket, rendered as text; 404 for a ticket not visible', async () => {
    const t = ticketOf('5583911110001')
    saveQuickReply(s.ctx, anaUser, { shortcut: 'saudacao', text: 'Olá {cliente}, sou {atendente}. Protocolo {protocolo}. <b>oi</b>' }, null, null)
    saveQuickReply(s.ctx, anaUser, { shortcut: 'prazo', text: 'O prazo é de 5 dias úteis.' }, null, null)
    const r = await get(ana, `/workspace/quick-replies?ticket=${t.id}&q=sau`)
    expect(r.status).toBe(200)
    expect(r.html).toContain('role="option"')
    expect(r.html).toContain('/saudacao')
    expect(r.html).not.toContain('/prazo')
    // The expanded text: in data-text (app.js inserts it into the textarea as text) and shown escaped.
    expect(r.html).toContain(`data-text="Olá Zé <img src=x onerror=alert(1)>, sou Ana Atendente. Protocolo ${t.protocol}. <b>oi</b>"`)
    expect(r.html).toContain(`Olá Zé &lt;img src=x onerror=alert(1)&gt;, sou Ana Atendente. Protocolo ${t.protocol}. &lt;b&gt;oi&lt;/b&gt;`)
    expect(markup(r.html)).not.toContain('<b>oi')
    expect(markup(r.html)).not.toContain('<img')
    expect((await get(ana, `/workspace/quick-replies?ticket=${t.id}&q=zzz`)).html).toContain('Nenhuma resposta rápida começa com “/zzz”.')
    expect((await get(otto, `/workspace/quick-replies?ticket=${t.id}&q=sau`)).status).toBe(404)
    expect((await get(ana, `/workspace/quick-replies?ticket=abc&q=sau`)).status).toBe(404)
  })

  test('a file name, an author name and message text in the panel render as text', async () => {
    const t = ticketOf('5583911110001')
    const sha = 'a'.repeat(64)
    queueOutbound(s.ctx, fresh(t), { author: 'agent', author_id: anaUser.id, type: 'note', text: '<img src=z onerror=alert(4)>' })
    queueOutbound(s.ctx, fresh(t), { author: 'agent', author_id: biaUser.id, type: 'note', text: 'nota da Bia' })
    const mediaId = write(s.ctx.db, () => s.ctx.stores.media.insertReady({ channel_id: wa.channelId, sha256: sha, mime_type: 'application/pdf', filename: '<img src=y onerror=alert(3)>.pdf', size: 10 }))
    write(s.ctx.db, () => s.ctx.stores.messages.insert({ ticket_id: t.id, channel_id: wa.channelId, direction: 'in', author: 'customer', type: 'document', media_id: mediaId, status: 'received' }))
    const { html } = await get(ana, `/workspace/${t.id}`)
    expect(html).toContain('&lt;img src=y onerror=alert(3)&gt;.pdf')
    expect(html).toContain('&lt;img src=z onerror=alert(4)&gt;')
    expect(html).toContain('Bia &lt;i&gt;Itálica&lt;/i&gt;')
    expect(markup(html)).not.toMatch(/<img src=[xyz]/)
    expect(markup(html)).not.toContain('<i>Itálica')
  })
})

describe('the protocol form and the customer', () => {
  test('PATCH saves classification, notes and the switches; errors come back inline in Portuguese (422)', async () => {
    const t = ticketOf('5583911110001')
    const ok = await hx(ana, 'PATCH', `/workspace/${t.id}/protocol`, { classification_id: String(sectorClass), notes: 'Cliente quer <b>reembolso</b>', switches: '1', confidential: '1' })
    expect(ok.status).toBe(200)
    expect(ok.html).toStartWith(`<form id="ws-protocol-${t.id}"`)
    expect(ok.html).toContain('Salvo')
    expect(ok.html).toContain('Cliente quer &lt;b&gt;reembolso&lt;/b&gt;')
    expect(fresh(t)).toMatchObject({ classification_id: sectorClass, notes: 'Cliente quer <b>reembolso</b>', confidential: true, anonymous: false })
    expect(s.ctx.stores.history.ofTicket(t.id).at(-1)!.action).toBe('updated')

    const bad = await hx(ana, 'PATCH', `/workspace/${t.id}/protocol`, { classification_id: String(otherClass), notes: 'mantido', switches: '1', confidential: '1' })
    expect(bad.status).toBe(422)
    expect(bad.html).toContain('Classificação inexistente, desativada ou de outro setor.')
    expect(bad.html).toContain('mantido') // what was typed stays
    expect(fresh(t).classification_id).toBe(sectorClass)

    // Only the assignee or a supervisor changes it; without the CSRF token nobody does.
    expect((await hx(bia, 'PATCH', `/workspace/${t.id}/protocol`, { notes: 'x' })).status).toBe(404) // confidential now: not visible to Bia
    expect((await hx(ana, 'PATCH', `/workspace/${t.id}/protocol`, { notes: 'x' }, { csrf: null })).status).toBe(403)
    expect((await hx(ana, 'PATCH', `/workspace/${t.id}/protocol`, { notes: 'x' }, { csrf: 'forged' })).status).toBe(403)
    expect(fresh(t).notes).toBe('Cliente quer <b>reembolso</b>')
    // The plain form (POST, no JavaScript) saves too and comes back to the ticket.
    const plain = await ana.post(`/workspace/${t.id}/protocol`, { _csrf: await csrf(ana), classification_id: String(sectorClass), notes: 'sem js', switches: '1' })
    expect(plain.status).toBe(303)
    expect(fresh(t)).toMatchObject({ notes: 'sem js', confidential: false })
  })

  test('customer: create inline with check digits (CPF refused, alphanumeric CNPJ accepted), search, link and unlink', async () => {
    const t = ticketOf('5583911110001')
    const bad = await hx(ana, 'POST', `/workspace/${t.id}/customer/new`, { name: 'Loja <b>X</b>', code: '529.982.247-26', email: 'loja@exemplo.com.br', phone: '(83) 99999-0000', type_id: '', notes: '' })
    expect(bad.status).toBe(422)
    expect(bad.html).toContain('CPF inválido: os dígitos verificadores não conferem.')
    expect(bad.html).toContain('value="Loja <b>X</b>"') // what was typed, kept (an attribute: text)
    expect(markup(bad.html)).not.toContain('<b>X')
    expect(bad.html).toContain('<details class="ws-customer-new" open>')
    expect(fresh(t).customer_id).toBeNull()

    const good = await hx(ana, 'POST', `/workspace/${t.id}/customer/new`, { name: 'Loja <b>X</b>', code: '12.ABC.345/01DE-35', email: 'loja@exemplo.com.br', phone: '(83) 99999-0000', type_id: '', notes: '' })
    expect(good.status).toBe(200)
    expect(good.html).toStartWith(`<section id="ws-customer-${t.id}"`)
    expect(good.html).toContain('Loja &lt;b&gt;X&lt;/b&gt;')
    expect(good.html).toContain('CNPJ 12.ABC.345/01DE-35')
    const customerId = fresh(t).customer_id!
    expect(s.ctx.stores.customers.get(customerId)!.code).toBe('12ABC34501DE35')

    // Taken code: refused with the reason.
    const dup = await hx(ana, 'POST', `/workspace/${t.id}/customer/new`, { name: 'Outra', code: '12ABC34501DE35', email: '', phone: '', type_id: '', notes: '' })
    expect(dup.status).toBe(422)
    expect(dup.html).toContain('Já existe um cliente com este CPF/CNPJ.')

    const unlink = await hx(ana, 'POST', `/workspace/${t.id}/customer`, { customer_id: '' })
    expect(unlink.status).toBe(200)
    expect(unlink.html).toContain('Nenhum cliente vinculado.')
    expect(fresh(t).customer_id).toBeNull()

    const found = await get(ana, `/workspace/${t.id}/customers?q=${encodeURIComponent('12.abc.345')}`)
    expect(found.html).toContain('Loja &lt;b&gt;X&lt;/b&gt;')
    expect(found.html).toContain(`name="customer_id" value="${customerId}"`)
    expect((await get(ana, `/workspace/${t.id}/customers?q=ninguem`)).html).toContain('Nenhum cliente encontrado para “ninguem”.')
    const link = await hx(ana, 'POST', `/workspace/${t.id}/customer`, { customer_id: String(customerId) })
    expect(link.status).toBe(200)
    expect(fresh(t).customer_id).toBe(customerId)
    const missing = await hx(ana, 'POST', `/workspace/${t.id}/customer`, { customer_id: '999999' })
    expect(missing.status).toBe(422)
    expect(missing.html).toContain('Cliente inexistente.')

    // Anonymous drops the link (and the form says so).
    const anon = await hx(ana, 'PATCH', `/workspace/${t.id}/protocol`, { classification_id: String(sectorClass), notes: '', switches: '1', anonymous: '1' })
    expect(anon.status).toBe(200)
    expect(anon.html).toContain(`<hx-partial hx-target="#ws-customer-${t.id}" hx-swap="outerHTML">`)
    expect(anon.html).toContain('Atendimento anônimo: nenhum cliente vinculado.')
    expect(fresh(t)).toMatchObject({ anonymous: true, customer_id: null })
    await hx(ana, 'PATCH', `/workspace/${t.id}/protocol`, { classification_id: String(sectorClass), notes: '', switches: '1' })
    expect(fresh(t).anonymous).toBe(false)
  })
})

describe('offers, transfers and closes through the UI', () => {
  test('decline: the miss is recorded and the offer leaves; the ticket goes on', async () => {
    const t = await say('5583911110002', 'Outro cliente aqui')
    await wa.until(() => offerTo(t)?.user_id === anaUser.id)
    // Otto cannot decline (or even see) it.
    expect((await hx(otto, 'POST', `/workspace/${t.id}/decline`)).status).toBe(404)
    const r = await hx(ana, 'POST', `/workspace/${t.id}/decline`)
    expect(r.status).toBe(200)
    expect(r.html).toStartWith('<section id="ws-offers"')
    expect(r.html.slice(0, r.html.indexOf('</section>'))).not.toContain(`/workspace/${t.id}/accept`)
    // The open panel's buttons: no offer any more; as a member of the sector she may still take it.
    expect(r.html).toContain(`<hx-partial hx-target="#ws-actions-${t.id}" hx-swap="outerHTML">`)
    expect(r.html).toContain('data-sig="0:1:0"')
    expect(s.ctx.stores.history.ofTicket(t.id).map((h) => h.action)).toContain('offer_declined')
    // Declining again: not offered any more, said inline.
    const again = await hx(ana, 'POST', `/workspace/${t.id}/decline`)
    expect(again.status).toBe(422)
    expect(again.html).toContain('Este atendimento não foi oferecido a você.')
    // Without JavaScript: a redirect.
    const t2 = fresh(t)
    expect(t2.status).toBe('queued')
  })

  test('taking a queued ticket from the queue (member of the sector), without JavaScript: a redirect to it', async () => {
    const t = ticketOf('5583911110002')
    const res = await ana.post(`/workspace/${t.id}/accept`, { _csrf: await csrf(ana) })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/workspace/${t.id}`)
    expect(fresh(t)).toMatchObject({ status: 'open', assignee_id: anaUser.id })
  })

  test('transfer to an agent with a note: the receiver has the card and reads the note; history keeps who and when', async () => {
    const t = ticketOf('5583911110002')
    const form = await get(ana, `/workspace/${t.id}/transfer`)
    expect(form.status).toBe(200)
    expect(form.html).toContain(`value="sector:${wa.sectorId}"`)
    expect(form.html).toContain(`value="user:${biaUser.id}:${wa.sectorId}"`)
    expect(form.html).toContain('Bia &lt;i&gt;Itálica&lt;/i&gt; (em pausa)')
    expect(form.html).not.toContain(`value="user:${anaUser.id}:${wa.sectorId}"`) // not to herself
    expect((await get(bia, `/workspace/${t.id}/transfer`)).status).toBe(403) // Bia may see it, not move it

    const none = await hx(ana, 'POST', `/workspace/${t.id}/transfer`, { target: '', note: '' })
    expect(none.status).toBe(422)
    expect(none.html).toContain('Escolha um atendente ou um setor para transferir.')
    const foreign = await hx(ana, 'POST', `/workspace/${t.id}/transfer`, { target: `user:${biaUser.id}:${otherSector}`, note: '' })
    expect(foreign.status).toBe(422)
    expect(foreign.html).toContain('Este atendente não faz parte do setor de destino.')

    const note = 'Cliente VIP <b>ligar</b> às 15h'
    const r = await hx(ana, 'POST', `/workspace/${t.id}/transfer`, { target: `user:${biaUser.id}:${wa.sectorId}`, note })
    expect(r.status).toBe(200)
    expect(r.res.headers.get('hx-push-url')).toBe('/workspace')
    expect(r.html).toContain('Atendimento transferido.')
    expect(fresh(t)).toMatchObject({ status: 'open', assignee_id: biaUser.id })
    const h = s.ctx.stores.history.ofTicket(t.id).at(-1)!
    expect(h).toMatchObject({ action: 'transferred', actor_id: anaUser.id, from_user_id: anaUser.id, to_user_id: biaUser.id, note })

    const biaPage = (await get(bia, '/workspace')).html
    const card = biaPage.slice(biaPage.indexOf(`id="ws-card-${t.id}"`))
    expect(card.slice(0, 2500)).toContain('↪ Transferido: Cliente VIP &lt;b&gt;ligar&lt;/b&gt; às 15h')
    const panel = (await get(bia, `/workspace/${t.id}`)).html
    expect(panel).toContain('Ana Atendente transferiu este atendimento para Bia &lt;i&gt;Itálica&lt;/i&gt;')
    expect(panel).toContain('Nota: Cliente VIP &lt;b&gt;ligar&lt;/b&gt; às 15h')
    expect(markup(panel)).not.toContain('<b>ligar')
    // Ana no longer has it in her list.
    const anaPage = (await get(ana, '/workspace')).html
    expect(anaPage).not.toContain(`id="ws-card-${t.id}"`)
  })

  test('close: the classification the sector requires is asked for inline; then the ticket closes and leaves "my tickets"', async () => {
    const t = ticketOf('5583911110002')
    const form = await get(bia, `/workspace/${t.id}/close`)
    expect(form.html).toContain('(obrigatória neste setor)')
    expect(form.html).toContain(`<option value="${sectorClass}">Entrega atrasada</option>`)
    expect(form.html).not.toContain('Cobrança')
    const missing = await hx(bia, 'POST', `/workspace/${t.id}/close`, { classification_id: '', note: 'fim' })
    expect(missing.status).toBe(422)
    expect(missing.html).toContain('Escolha uma classificação para finalizar: este setor exige.')
    expect(missing.html).toContain('fim')
    expect((await hx(ana, 'POST', `/workspace/${t.id}/close`, { classification_id: String(sectorClass) })).status).toBe(422) // not hers any more
    const r = await hx(bia, 'POST', `/workspace/${t.id}/close`, { classification_id: String(sectorClass), note: 'resolvido' })
    expect(r.status).toBe(200)
    expect(r.html).toContain('Atendimento finalizado.')
    expect(fresh(t)).toMatchObject({ status: 'closed', classification_id: sectorClass, close_note: 'resolvido' })
    expect((await get(bia, '/workspace')).html).not.toContain(`id="ws-card-${t.id}"`)
    // The closed ticket still opens read-only: no composer, no actions.
    const panel = (await get(bia, `/workspace/${t.id}`)).html
    expect(panel).toContain('composer-closed')
    expect(panel).not.toContain(`/workspace/${t.id}/close"`)
  })
})

describe('permissions', () => {
  test('IDOR: another sector’s agent gets 404 on every workspace route of a ticket; bad ids are 404; no session → login', async () => {
    const t = ticketOf('5583911110001')
    const gets = [`/workspace/${t.id}`, `/workspace/${t.id}/messages?before=999999`, `/workspace/${t.id}/history`, `/workspace/${t.id}/transfer`, `/workspace/${t.id}/close`, `/workspace/${t.id}/customers?q=Loja`]
    for (const path of gets) {
      const r = await get(otto, path)
      expect([path, r.status]).toEqual([path, 404])
      expect(r.html).not.toContain(t.protocol)
    }
    const posts: [string, string, Record<string, string>][] = [
      ['POST', `/workspace/${t.id}/accept`, {}],
      ['POST', `/workspace/${t.id}/decline`, {}],
      ['POST', `/workspace/${t.id}/transfer`, { target: `sector:${otherSector}` }],
      ['POST', `/workspace/${t.id}/close`, { classification_id: String(sectorClass) }],
      ['PATCH', `/workspace/${t.id}/protocol`, { notes: 'intruso' }],
      ['POST', `/workspace/${t.id}/customer`, { customer_id: '' }],
      ['POST', `/workspace/${t.id}/read`, {}],
    ]
    for (const [method, path, fields] of posts) expect([path, (await hx(otto, method, path, fields)).status]).toEqual([path, 404])
    expect(fresh(t)).toMatchObject({ status: 'open', assignee_id: anaUser.id })
    for (const path of ['/workspace/abc', '/workspace/999999', `/workspace/${t.protocol}`]) expect((await get(ana, path)).status).toBe(404)
    const anonymous = await fetch(`${s.url}/workspace/${t.id}`, { redirect: 'manual' })
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toStartWith('/login?next=')
  })

  test('confidential: only the assignee and permitted profiles see it — page, panel, actions, quick replies', async () => {
    const t = ticketOf('5583911110001')
    await hx(ana, 'PATCH', `/workspace/${t.id}/protocol`, { classification_id: String(sectorClass), notes: '', switches: '1', confidential: '1' })
    expect(fresh(t).confidential).toBe(true)
    expect((await get(ana, `/workspace/${t.id}`)).status).toBe(200)
    expect((await get(sue, `/workspace/${t.id}`)).status).toBe(200)
    const r = await get(bia, `/workspace/${t.id}`)
    expect(r.status).toBe(404)
    expect(r.html).not.toContain(t.protocol)
    for (const path of [`/workspace/${t.id}/history`, `/workspace/quick-replies?ticket=${t.id}&q=`]) expect((await get(bia, path)).status).toBe(404)
    expect((await hx(bia, 'POST', `/workspace/${t.id}/accept`)).status).toBe(404)
    expect((await get(bia, '/workspace')).html).not.toContain(t.protocol)
  })

  test('CSRF: actions without the token, with a forged one, or from another site are refused', async () => {
    const t = await say('5583911110003', 'Cliente três')
    await wa.until(() => offerTo(t)?.user_id === anaUser.id)
    expect((await hx(ana, 'POST', `/workspace/${t.id}/accept`, {}, { csrf: null })).status).toBe(403)
    expect((await hx(ana, 'POST', `/workspace/${t.id}/accept`, {}, { csrf: 'x'.repeat(43) })).status).toBe(403)
    const cross = await ana.fetch(`/workspace/${t.id}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': await csrf(ana), 'sec-fetch-site': 'cross-site' },
      body: '',
    })
    expect(cross.status).toBe(403)
    expect(fresh(t).status).toBe('queued')
  })
})

describe('live: the workspace stream', () => {
  async function stream(b: Browser) {
    const controller = new AbortController()
    const res = await b.fetch('/events?page=workspace', { signal: controller.signal })
    expect(res.status).toBe(200)
    return { reader: new SseReader(res), close: () => controller.abort() }
  }
  async function until(reader: SseReader, check: (data: string) => boolean, timeout = 4000) {
    const deadline = Date.now() + timeout
    for (;;) {
      const ev = await reader.next(Math.max(1, deadline - Date.now()))
      if (ev && check(ev.data)) return ev.data
    }
  }

  test('accepting an offer, a customer message and a transfer arrive as the workspace’s partials', async () => {
    const t = ticketOf('5583911110003')
    const a = await stream(ana)
    const b = await stream(bia)
    try {
      const accepted = hx(ana, 'POST', `/workspace/${t.id}/accept`)
      // Ana's other tabs: the offer leaves, the card arrives.
      const onAccept = await until(a.reader, (d) => d.includes('hx-target="#ws-mine"') && d.includes(`id="ws-card-${t.id}"`))
      expect(onAccept).toContain('<hx-partial hx-target="#ws-offers" hx-swap="outerHTML">')
      expect(onAccept).not.toContain(`ws-offer-${offerTo(t)?.id ?? 0}"`)
      expect((await accepted).status).toBe(200)

      await wa.deliver(envelope(wa.phoneNumberId, textFrom('5583911110003', 'Mensagem <u>ao vivo</u>')))
      const onMessage = await until(a.reader, (d) => d.includes(`hx-target="#conversation-${t.id}"`))
      expect(onMessage).toContain('Mensagem &lt;u&gt;ao vivo&lt;/u&gt;')
      expect(onMessage).toContain('<hx-partial hx-target="#ws-mine" hx-swap="outerMorph">')
      expect(onMessage).toMatch(new RegExp(`id="ws-card-${t.id}"[^>]*data-notify-key="card:${t.id}:`))

      const note = 'Retornar amanhã'
      await hx(ana, 'POST', `/workspace/${t.id}/transfer`, { target: `user:${biaUser.id}:${wa.sectorId}`, note })
      const onTransfer = await until(b.reader, (d) => d.includes('hx-target="#ws-mine"') && d.includes(`id="ws-card-${t.id}"`))
      expect(onTransfer).toContain(note)
      const anaAfter = await until(a.reader, (d) => d.includes(`hx-target="#ws-actions-${t.id}:not(`) || d.includes(`#ws-ticket-${t.id}`))
      expect(anaAfter).toContain('hx-target="#ws-mine"')
    } finally {
      a.close()
      b.close()
    }
  })

  test('a new offer reaches the offered agent’s stream with its countdown; other pages get a notice', async () => {
    const a = await stream(ana)
    const controller = new AbortController()
    const plain = new SseReader(await ana.fetch('/events', { signal: controller.signal }))
    try {
      const t = await say('5583911110004', 'Quero atendimento')
      await wa.until(() => offerTo(t)?.user_id === anaUser.id)
      const offer = offerTo(t)!
      const ws = await until(a.reader, (d) => d.includes(`id="ws-offer-${offer.id}"`))
      expect(ws).toContain(`data-expires-at="${offer.expires_at}"`)
      expect(ws).toContain(`data-notify-key="offer:${offer.id}"`)
      const notice = await until(plain, (d) => d.includes('id="offer-notice"'))
      expect(notice).toContain('<hx-partial hx-target="#notices" hx-swap="beforeend">')
      expect(notice).toContain('href="/workspace"')
    } finally {
      a.close()
      controller.abort()
    }
  })
})

describe('offer expiry and the 24-hour window', () => {
  test('an offer that times out leaves the offered agent’s screen live', async () => {
    const t = ticketOf('5583911110004')
    const offer = offerTo(t)!
    expect(offer.user_id).toBe(anaUser.id)
    const controller = new AbortController()
    const reader = new SseReader(await ana.fetch('/events?page=workspace', { signal: controller.signal }))
    try {
      write(s.ctx.db, () => s.ctx.db.query('UPDATE offers SET expires_at = ? WHERE id = ?').run(Date.now() - 1, offer.id))
      expect(expireOffers(s.ctx)).toBe(1)
      for (;;) {
        const ev = await reader.next(4000)
        if (!ev?.data.includes('hx-target="#ws-offers"')) continue
        const region = ev.data.slice(ev.data.indexOf('<section id="ws-offers"'))
        expect(region.slice(0, region.indexOf('</section>'))).not.toContain(`ws-offer-${offer.id}`)
        break
      }
      expect(s.ctx.stores.history.ofTicket(t.id).map((h) => h.action)).toContain('offer_expired')
      expect((await get(ana, '/workspace')).html).not.toContain(`id="ws-offer-${offer.id}"`)
    } finally {
      controller.abort()
    }
  })

  test('outside the WhatsApp window the composer says why and links to the template flow', async () => {
    const t = ticketOf('5583911110001')
    const before = fresh(t).last_inbound_at
    write(s.ctx.db, () => s.ctx.db.query('UPDATE tickets SET last_inbound_at = ? WHERE id = ?').run(Date.now() - 25 * 3_600_000, t.id))
    try {
      const { html } = await get(ana, `/workspace/${t.id}`)
      const composer = html.slice(html.indexOf(`id="composer-${t.id}"`))
      expect(composer).toContain('data-window="closed"')
      expect(composer).toContain('Janela de 24 horas encerrada — envie um modelo (HSM)')
      expect(composer).toContain(`<a class="button secondary small" href="/tickets/${t.id}/template">Enviar modelo (HSM)</a>`)
      // The conversation page leads to the same template flow.
      expect((await get(ana, `/tickets/${t.id}`)).html).toContain(`href="/tickets/${t.id}/template"`)
    } finally {
      write(s.ctx.db, () => s.ctx.db.query('UPDATE tickets SET last_inbound_at = ? WHERE id = ?').run(before, t.id))
    }
  })
})

describe('long conversations', () => {
  test('the panel shows the newest 100 messages; "carregar anteriores" pages back', async () => {
    const t = ticketOf('5583911110004')
    write(s.ctx.db, () => {
      for (let i = 0; i < 230; i++) s.ctx.stores.messages.insert({ ticket_id: t.id, channel_id: wa.channelId, direction: i % 2 ? 'out' : 'in', author: i % 2 ? 'agent' : 'customer', author_id: i % 2 ? anaUser.id : null, type: 'text', text: `linha ${i}`, status: i % 2 ? 'sent' : 'received' })
    })
    const { html } = await get(sue, `/workspace/${t.id}`)
    const conversation = html.slice(html.indexOf(`id="conversation-${t.id}"`), html.indexOf(`id="composer-${t.id}"`))
    expect(conversation.match(/<article id="message-/g)!.length).toBe(100)
    expect(conversation).toContain('linha 229')
    expect(conversation).not.toContain('linha 100<')
    const before = /hx-get="\/workspace\/\d+\/messages\?before=(\d+)"/.exec(conversation)![1]
    const older = await get(sue, `/workspace/${t.id}/messages?before=${before}`)
    expect(older.html.match(/<article id="message-/g)!.length).toBe(100)
    expect(older.html).toContain('linha 100<')
    expect(older.html).toContain('Carregar anteriores')
    const next = /before=(\d+)/.exec(older.html)![1]
    const oldest = await get(sue, `/workspace/${t.id}/messages?before=${next}`)
    expect(oldest.html).not.toContain('Carregar anteriores')
    expect(oldest.html).toContain('Quero atendimento')
  })

  test('the contact’s earlier tickets: counted in the panel, loaded when opened', async () => {
    // Ticket ...0002 was closed; the same contact writes again much later: a new ticket.
    const first = ticketOf('5583911110002')
    write(s.ctx.db, () => s.ctx.db.query('UPDATE tickets SET closed_at = ? WHERE id = ?').run(Date.now() - 10 * 86_400_000, first.id))
    const t = await say('5583911110002', 'Voltei')
    expect(t.id).not.toBe(first.id)
    const { html } = await get(sue, `/workspace/${t.id}`)
    expect(html).toContain('Atendimentos anteriores deste contato (1)')
    expect(html).toContain(`hx-get="/workspace/${t.id}/history"`)
    expect(html).toContain(`<span class="protocol">${first.protocol}</span>`) // in "past tickets"
    const history = await get(sue, `/workspace/${t.id}/history`)
    expect(history.html).toContain(first.protocol)
    expect(history.html).toContain('Outro cliente aqui')
  })
})
