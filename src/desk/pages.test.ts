// The agent's ticket pages over HTTP, with real tickets made by signed webhooks through the
// WhatsApp pipeline (fake Graph API): the list and its visibility, the conversation (every message
// type, escaping), the composer (text, note, file, 24-hour window, CSRF), retries, files, mark as
// read, and the live partials of the page stream.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { SseReader } from '../../test/support/sse'
import { envelope, textFrom, unix, wamid, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import { buildView } from '../http/pages'
import { HomePage } from '../../views/home'
import { homeLists } from './pages'
import type { Ticket } from './tickets-store'

let s: TestServer
let wa: WhatsAppRig
let agent: Browser // member of the channel's sector
let other: Browser // agent of another sector
let sup: Browser // supervisor: sees every ticket
let agentId: number
let otherId: number

const HOSTILE_NAME = 'Zé <img src=x onerror=alert(1)>'
const HOSTILE_TEXT = '<script>alert("x")</script> & <b>negrito</b> 😀'
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex')

const count = (sql: string, ...args: (string | number)[]) => s.ctx.db.query<{ n: number }, (string | number)[]>(sql).get(...args)!.n
const settle = () => wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
const ticketOf = (waId: string): Ticket => {
  const contact = s.ctx.stores.contacts.byKey(wa.channelId, waId)!
  return s.ctx.stores.tickets.lastOfContact(contact.id)!
}
const messagesOf = (waId: string) => s.ctx.stores.messages.ofTicket(ticketOf(waId).id)
const page = async (b: Browser, path: string) => {
  const res = await b.fetch(path)
  return { status: res.status, html: await res.text(), res }
}
/** One inbound message (any type) from a contact, processed. */
async function inbound(waId: string, message: Record<string, unknown>, name = 'Maria Cliente') {
  const m = { from: waId, id: wamid(), timestamp: unix(), ...message }
  expect((await wa.deliver(envelope(wa.phoneNumberId, { contacts: [{ profile: { name }, wa_id: waId }], messages: [m] }))).status).toBe(200)
  await settle()
  return m.id as string
}
/** A multipart POST the way htmx sends it (CSRF header, HX-Request). */
async function htmxPost(b: Browser, path: string, fields: Record<string, string | Blob | [Blob, string]>, csrf: string | null) {
  const body = new FormData()
  for (const [k, v] of Object.entries(fields)) {
    if (Array.isArray(v)) body.append(k, v[0], v[1])
    else body.append(k, v)
  }
  const headers: Record<string, string> = { 'hx-request': 'true' }
  if (csrf) headers['x-csrf-token'] = csrf
  const res = await b.fetch(path, { method: 'POST', body, headers })
  return { status: res.status, html: await res.text() }
}

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
  const otherSector = write(s.ctx.db, () =>
    s.ctx.stores.sectors.create({ name: 'Financeiro', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }),
  )
  agentId = (await seedUser(s.ctx, { email: 'ana@example.com', name: 'Ana Atendente', sector_ids: [wa.sectorId] })).user.id
  otherId = (await seedUser(s.ctx, { email: 'otto@example.com', name: 'Otto Outro', sector_ids: [otherSector] })).user.id
  await seedUser(s.ctx, { email: 'sue@example.com', name: 'Sue Supervisora', profile: 'supervisor' })
  agent = new Browser(s.url)
  other = new Browser(s.url)
  sup = new Browser(s.url)
  await agent.login('ana@example.com')
  await other.login('otto@example.com')
  await sup.login('sue@example.com')
})
afterAll(async () => {
  await s.stop()
  await wa.meta.stop()
})

describe('the tickets list', () => {
  test('shows the tickets the viewer may see, newest first, with escaped contact names; tabs and search filter', async () => {
    await inbound('5583900001001', { type: 'text', text: { body: 'primeiro' } }, HOSTILE_NAME)
    await inbound('5583900001002', { type: 'text', text: { body: 'segundo' } }, 'Bruno Segundo')
    const first = ticketOf('5583900001001')
    const second = ticketOf('5583900001002')

    const mine = await page(agent, '/tickets')
    expect(mine.status).toBe(200)
    expect(mine.html).toContain(`id="ticket-row-${first.id}"`)
    expect(mine.html).toContain(`id="ticket-row-${second.id}"`)
    expect(mine.html.indexOf(`ticket-row-${second.id}`)).toBeLessThan(mine.html.indexOf(`ticket-row-${first.id}`))
    expect(mine.html).toContain('Zé &lt;img src=x onerror=alert(1)&gt;')
    expect(mine.html).not.toContain('<img src=x')
    expect(mine.html).toContain(first.protocol)
    expect(mine.html).toContain('Na fila')
    expect(mine.html).toContain('href="/tickets"') // the nav item
    expect(mine.html).toContain('Atendimentos')

    // Another sector's agent sees none of them; a supervisor sees them all.
    const theirs = await page(other, '/tickets')
    expect(theirs.status).toBe(200)
    expect(theirs.html).not.toContain(first.protocol)
    expect(theirs.html).toContain('Nenhum atendimento por aqui.')
    expect((await page(sup, '/tickets')).html).toContain(first.protocol)

    // Tabs.
    expect((await page(agent, '/tickets?status=queued')).html).toContain(first.protocol)
    const closed = await page(agent, '/tickets?status=closed')
    expect(closed.html).not.toContain(first.protocol)
    expect(closed.html).toMatch(/<a href="\/tickets\?status=closed" class="tab" aria-current="page">/)

    // Search (the htmx fragment and the plain page), by protocol and by contact name.
    const rows = await page(agent, `/tickets/rows?q=${first.protocol}`)
    expect(rows.html).toStartWith('<div id="tickets-rows"')
    expect(rows.html).toContain(first.protocol)
    expect(rows.html).not.toContain(second.protocol)
    expect((await page(agent, '/tickets?q=Bruno')).html).toContain(second.protocol)
    const none = await page(agent, `/tickets/rows?q=${encodeURIComponent('<b>ninguém</b>')}`)
    expect(none.html).toContain('Nenhum atendimento encontrado para “&lt;b&gt;ninguém&lt;/b&gt;”.')
    expect((await page(other, `/tickets/rows?q=${first.protocol}`)).html).not.toContain('ticket-row-')
  })

  test('cursor pages', async () => {
    for (let i = 0; i < 27; i++) await inbound(`55839000020${String(i).padStart(2, '0')}`, { type: 'text', text: { body: `oi ${i}` } }, `Pagina ${i}`)
    const one = await page(agent, '/tickets?q=Pagina')
    expect(one.html.match(/id="ticket-row-/g)!.length).toBe(25)
    const next = /href="(\/tickets\?q=Pagina&(?:amp;)?before=\d+)"/.exec(one.html)
    expect(next).not.toBeNull()
    const two = await page(agent, next![1].replace(/&amp;/g, '&'))
    expect(two.html.match(/id="ticket-row-/g)!.length).toBe(2)
    expect(two.html).toContain('Mais recentes')
  })

  test('the home page lists my open tickets and my sectors’ queue (longest waiting first)', async () => {
    const t = ticketOf('5583900001001')
    const render = (email: string) => {
      const user = s.ctx.stores.users.byEmail(email)!
      const v = buildView(s.ctx, new Request(s.url + '/'), { user, session: null, token: null })
      return HomePage({ v, sectors: [], tickets: homeLists(s.ctx, v, user) }) as string
    }
    const mineOf = (html: string) => html.slice(html.indexOf('id="home-mine"'), html.indexOf('id="home-queue"'))
    const queueOf = (html: string) => html.slice(html.indexOf('id="home-queue"'))

    let html = render('ana@example.com')
    expect(mineOf(html)).toContain('Você não tem atendimentos abertos.')
    expect(queueOf(html)).toContain(`href="/tickets/${t.id}"`)
    expect(queueOf(html).indexOf(`href="/tickets/${t.id}"`)).toBeLessThan(queueOf(html).indexOf(`href="/tickets/${ticketOf('5583900001002').id}"`))
    expect(queueOf(html)).toContain('Zé &lt;img src=x onerror=alert(1)&gt;')
    expect(render('otto@example.com')).toContain('Ninguém esperando na fila dos seus setores.')

    write(s.ctx.db, () => s.ctx.db.query("UPDATE tickets SET status = 'open', assignee_id = ? WHERE id = ?").run(agentId, t.id))
    html = render('ana@example.com')
    expect(mineOf(html)).toContain(`href="/tickets/${t.id}"`)
    expect(queueOf(html)).not.toContain(`href="/tickets/${t.id}"`)
    write(s.ctx.db, () => s.ctx.db.query("UPDATE tickets SET status = 'queued', assignee_id = NULL WHERE id = ?").run(t.id))

    // The home page as routed today (without the lists) still works and links to the list.
    const home = await page(agent, '/')
    expect(home.status).toBe(200)
    expect(home.html).toContain('Fila dos meus setores')
    expect(home.html).toContain('href="/tickets?status=queued"')
  })
})

describe('one ticket', () => {
  test('IDOR: another sector’s agent gets 404 for the ticket, its files and its actions; a bad id is 404; no session → login', async () => {
    const t = ticketOf('5583900001001')
    expect((await page(agent, `/tickets/${t.id}`)).status).toBe(200)
    expect((await page(sup, `/tickets/${t.id}`)).status).toBe(200)
    const res = await page(other, `/tickets/${t.id}`)
    expect(res.status).toBe(404)
    expect(res.html).not.toContain(t.protocol)
    for (const path of [`/tickets/${t.protocol}`, '/tickets/abc', '/tickets/999999', '/media/abc', '/media/999999']) expect((await page(agent, path)).status).toBe(404)
    const anonymous = await fetch(`${s.url}/tickets/${t.id}`, { redirect: 'manual' })
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toStartWith('/login?next=')
    const csrf = await other.csrf('/profile')
    expect((await htmxPost(other, `/tickets/${t.id}/messages`, { text: 'intruso' }, csrf)).status).toBe(404)
    expect(messagesOf('5583900001001').some((m) => m.text === 'intruso')).toBe(false)
  })

  test('the conversation: header, oldest first, customer text escaped inside hx-ignore, the protocol line as system', async () => {
    const waId = '5583900003001'
    await inbound(waId, { type: 'text', text: { body: HOSTILE_TEXT } }, HOSTILE_NAME)
    await inbound(waId, { type: 'text', text: { body: 'segunda linha\ncom quebra' } }, HOSTILE_NAME)
    const t = ticketOf(waId)
    await wa.until(() => messagesOf(waId).some((m) => m.author === 'system' && m.status === 'sent'))
    const { html } = await page(agent, `/tickets/${t.id}`)
    expect(html).toContain(`<span class="protocol">${t.protocol}</span>`)
    expect(html).toContain('Zé &lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain(`+${waId}`)
    expect(html).toContain('Na fila')
    expect(html).toContain(`id="conversation-${t.id}"`)
    expect(html).toMatch(/data-event-cursor="\d+"/)
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;negrito&lt;/b&gt; 😀')
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<b>negrito')
    const [first, system] = messagesOf(waId)
    const item = html.slice(html.indexOf(`id="message-${first.id}"`))
    expect(item).toMatch(/^id="message-\d+" class="msg msg-in"[^>]*>.*?<div class="msg-body" hx-ignore>/s)
    expect(html.indexOf(`message-${first.id}`)).toBeLessThan(html.indexOf(`message-${system.id}`))
    expect(html).toMatch(new RegExp(`id="message-${system.id}" class="msg msg-out msg-system"`))
    expect(html).toContain('Sistema')
    expect(html).toContain('Cliente')
    expect(html).toContain('segunda linha\ncom quebra')
  })

  test('every message type is shown as whatsapp.md §2 says', async () => {
    const waId = '5583900004001'
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex')
    const pdf = Buffer.from('%PDF-1.4\n%test\n')
    const media = async (mime: string, bytes: Buffer) =>
      (await wa.fake('/_fake/media', { mime_type: mime, data_base64: bytes.toString('base64'), phone_number_id: wa.phoneNumberId })) as { id: string; sha256_base64: string }
    const img = await media('image/jpeg', jpeg)
    const doc = await media('application/pdf', pdf)
    const voice = await media('audio/ogg', Buffer.from('OggS'))
    const vid = await media('video/mp4', Buffer.from('0000'))
    const stk = await media('image/webp', Buffer.from('RIFF'))

    const original = await inbound(waId, { type: 'text', text: { body: 'mensagem original' } })
    await inbound(waId, { type: 'image', image: { id: img.id, mime_type: 'image/jpeg', sha256: img.sha256_base64, caption: 'foto <i>legenda</i>' } })
    await inbound(waId, { type: 'document', document: { id: doc.id, mime_type: 'application/pdf', sha256: doc.sha256_base64, filename: '<img src=x onerror=alert(2)>.pdf' } })
    await inbound(waId, { type: 'audio', audio: { id: voice.id, mime_type: 'audio/ogg; codecs=opus', voice: true } })
    await inbound(waId, { type: 'video', video: { id: vid.id, mime_type: 'video/mp4' } })
    await inbound(waId, { type: 'sticker', sticker: { id: stk.id, mime_type: 'image/webp', animated: false } })
    await inbound(waId, { type: 'location', location: { latitude: -7.1195, longitude: -34.845, name: 'Praça <b>João</b>', address: 'Rua & Cia, 10' } })
    await inbound(waId, {
      type: 'contacts',
      contacts: [{ name: { formatted_name: 'Carla <script>' , first_name: 'Carla' }, phones: [{ phone: '+55 83 99999-0000', wa_id: '5583999990000' }], emails: [{ email: 'carla@example.com' }] }],
    })
    await inbound(waId, { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'btn-sim', title: 'Sim <ok>' } } })
    await inbound(waId, { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'row-2', title: 'Segunda via', description: 'boleto' } } })
    await inbound(waId, { type: 'button', button: { payload: 'payload-1', text: 'Quero falar' }, context: { from: '558330000000', id: 'wamid.unknown-template' } })
    await inbound(waId, { type: 'reaction', reaction: { message_id: original, emoji: '❤️' } })
    await inbound(waId, { type: 'text', text: { body: 'respondendo' }, context: { from: waId, id: original } })
    await inbound(waId, { type: 'text', text: { body: 'vim do anúncio' }, referral: { source_url: 'https://fb.me/x', headline: 'Promoção <b>hoje</b>', body: 'corpo', ctwa_clid: 'c' } })
    await inbound(waId, { type: 'unsupported', unsupported: { type: 'poll' }, errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }] })
    const edited = await inbound(waId, { type: 'text', text: { body: 'texto antes' } })
    await inbound(waId, { type: 'edit', edit: { original_message_id: edited, message: { type: 'text', text: { body: 'texto depois' } } } })
    const revoked = await inbound(waId, { type: 'text', text: { body: 'vou apagar' } })
    await inbound(waId, { type: 'revoke', revoke: { original_message_id: revoked } })
    const t = ticketOf(waId)
    await wa.until(() => messagesOf(waId).every((m) => !m.media_id || s.ctx.stores.media.get(m.media_id)!.status !== 'pending'))

    const { html } = await page(agent, `/tickets/${t.id}`)
    const msgs = messagesOf(waId)
    const byType = (type: string) => msgs.find((m) => m.type === type)!
    const itemOf = (id: number) => {
      const start = html.indexOf(`<article id="message-${id}"`)
      expect(start).toBeGreaterThan(-1)
      return html.slice(start, html.indexOf('</article>', start))
    }
    // image: inline from /media; the caption escaped
    const image = itemOf(byType('image').id)
    expect(image).toContain(`<img class="media-image" src="/media/${byType('image').media_id}"`)
    expect(image).toContain('foto &lt;i&gt;legenda&lt;/i&gt;')
    // document: a download link with the hostile name escaped
    const document = itemOf(byType('document').id)
    expect(document).toContain(`href="/media/${byType('document').media_id}"`)
    expect(document).toContain('&lt;img src=x onerror=alert(2)&gt;.pdf')
    expect(document).not.toContain('<img src=x')
    // audio, video, sticker
    expect(itemOf(byType('audio').id)).toContain(`<audio class="media-audio" controls="" preload="metadata" src="/media/${byType('audio').media_id}"`)
    expect(itemOf(byType('audio').id)).toContain('mensagem de voz')
    expect(itemOf(byType('video').id)).toContain(`<video class="media-video" controls src="/media/${byType('video').media_id}"`)
    expect(itemOf(byType('sticker').id)).toContain('class="media-sticker"')
    // location: escaped name/address and an OpenStreetMap link
    const location = itemOf(byType('location').id)
    expect(location).toContain('Praça &lt;b&gt;João&lt;/b&gt;')
    expect(location).toContain('Rua &amp; Cia, 10')
    expect(location).toContain('href="https://www.openstreetmap.org/?mlat=-7.1195&mlon=-34.845#map=17/-7.1195/-34.845" target="_blank" rel="noopener noreferrer"')
    // contacts: a card with name, phone, e-mail
    const contacts = itemOf(byType('contacts').id)
    expect(contacts).toContain('Carla &lt;script&gt;')
    expect(contacts).toContain('+55 83 99999-0000')
    expect(contacts).toContain('carla@example.com')
    // interactive replies: the title, a label, the id as a data attribute
    const [button, list] = msgs.filter((m) => m.type === 'interactive')
    expect(itemOf(button.id)).toContain('data-reply-id="btn-sim"')
    expect(itemOf(button.id)).toContain('Sim &lt;ok&gt;')
    expect(itemOf(button.id)).toContain('resposta de botão')
    expect(itemOf(list.id)).toContain('data-reply-id="row-2"')
    expect(itemOf(list.id)).toContain('resposta de lista')
    const templateButton = itemOf(byType('button').id)
    expect(templateButton).toContain('data-reply-id="payload-1"')
    expect(templateButton).toContain('Quero falar')
    // the reaction is a badge on its target, not a message of its own
    const reaction = byType('reaction')
    expect(html).not.toContain(`id="message-${reaction.id}"`)
    const target = msgs.find((m) => m.external_id === original)!
    expect(itemOf(target.id)).toContain('<span class="reaction">❤️</span>')
    // a reply quotes the original
    const reply = msgs.find((m) => m.text === 'respondendo')!
    expect(itemOf(reply.id)).toMatch(/<blockquote class="msg-quote"[^>]*>.*mensagem original/s)
    // an ad referral
    const referral = itemOf(msgs.find((m) => m.text === 'vim do anúncio')!.id)
    expect(referral).toContain('veio de um anúncio')
    expect(referral).toContain('Promoção &lt;b&gt;hoje&lt;/b&gt;')
    // unsupported, with the provider's error
    const unsupported = itemOf(byType('unsupported').id)
    expect(unsupported).toContain('tipo de mensagem não suportado (poll)')
    expect(unsupported).toContain('Tipo de mensagem não suportado — Message type is currently not supported.')
    // edited and revoked
    const edit = itemOf(msgs.find((m) => m.external_id === edited)!.id)
    expect(edit).toContain('texto depois')
    expect(edit).toContain('editada')
    expect(itemOf(msgs.find((m) => m.external_id === revoked)!.id)).toContain('mensagem apagada pelo cliente')
    // every message body is inside hx-ignore
    expect(html.match(/<div class="msg-body" hx-ignore>/g)!.length).toBe(msgs.filter((m) => m.type !== 'reaction').length)
  })

  test('media still downloading → "baixando mídia…"; failed → "mídia indisponível" + retry that requeues the download', async () => {
    const waId = '5583900005001'
    const img = (await wa.fake('/_fake/media', { mime_type: 'image/png', data_base64: PNG.toString('base64'), phone_number_id: wa.phoneNumberId })) as { id: string }
    await wa.fake('/_fake/faults', { path: `/*/${img.id}`, count: 1000, status: 500, error: { code: 2, message: 'Service temporarily unavailable' } })
    await inbound(waId, { type: 'image', image: { id: img.id, mime_type: 'image/png' } })
    const t = ticketOf(waId)
    const m = messagesOf(waId)[0]
    expect((await page(agent, `/tickets/${t.id}`)).html).toContain('baixando mídia…')

    write(s.ctx.db, () => s.ctx.db.query("UPDATE media SET status = 'failed', error = 'gave up', next_attempt_at = NULL WHERE id = ?").run(m.media_id!))
    await wa.fake('/_fake/faults', undefined, 'DELETE')
    const { html } = await page(agent, `/tickets/${t.id}`)
    const action = `/tickets/${t.id}/media/${m.media_id}/retry`
    expect(html).toContain('mídia indisponível')
    expect(html).toContain(`hx-post="${action}"`)
    const csrf = await agent.csrf(`/tickets/${t.id}`)
    expect((await htmxPost(other, action, {}, await other.csrf('/profile'))).status).toBe(404)
    expect((await htmxPost(agent, action, {}, null)).status).toBe(403)
    const res = await htmxPost(agent, action, {}, csrf)
    expect(res.status).toBe(200)
    expect(res.html).toStartWith(`<article id="message-${m.id}"`)
    await wa.until(() => s.ctx.stores.media.get(m.media_id!)!.status === 'ready', 10_000)
    expect((await page(agent, `/tickets/${t.id}`)).html).toContain(`src="/media/${m.media_id}"`)
  })

  test('GET /media/:id: our content type, attachment with the name encoded, nosniff, sandbox, private cache', async () => {
    const waId = '5583900005002'
    const doc = (await wa.fake('/_fake/media', { mime_type: 'application/pdf', data_base64: Buffer.from('%PDF-1.4 x').toString('base64'), phone_number_id: wa.phoneNumberId })) as { id: string }
    await inbound(waId, { type: 'document', document: { id: doc.id, mime_type: 'application/pdf', filename: 'relatório "final"; <x>.pdf' } })
    const m = messagesOf(waId)[0]
    await wa.until(() => s.ctx.stores.media.get(m.media_id!)!.status === 'ready')
    const res = await agent.fetch(`/media/${m.media_id}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="relat_rio _final__ <x>.pdf"; filename*=UTF-8''relat%C3%B3rio%20%22final%22%3B%20%3Cx%3E.pdf`)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toBe('sandbox')
    expect(res.headers.get('cache-control')).toBe('private, max-age=3600')
    expect(await res.text()).toBe('%PDF-1.4 x')
    const again = await agent.fetch(`/media/${m.media_id}`, { headers: { 'if-none-match': res.headers.get('etag')! } })
    expect(again.status).toBe(304)
    expect((await other.fetch(`/media/${m.media_id}`)).status).toBe(404)
    expect((await sup.fetch(`/media/${m.media_id}`)).status).toBe(200)
    expect((await fetch(`${s.url}/media/${m.media_id}`, { redirect: 'manual' })).status).toBe(303)
  })

  test('a failed send shows the reason in plain words (131047) and "Tentar novamente" requeues it', async () => {
    const waId = '5583900006001'
    await inbound(waId, { type: 'text', text: { body: 'oi' } })
    await wa.until(() => messagesOf(waId).some((m) => m.author === 'system' && m.external_id !== null))
    const sent = messagesOf(waId).find((m) => m.author === 'system')!
    const errors = [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'Message failed to send because more than 24 hours have passed' } }]
    await wa.deliver(envelope(wa.phoneNumberId, { statuses: [{ id: sent.external_id, status: 'failed', timestamp: unix(), recipient_id: waId, errors }] }))
    await wa.until(() => s.ctx.stores.messages.get(sent.id)!.status === 'failed')
    const t = ticketOf(waId)
    const { html } = await page(agent, `/tickets/${t.id}`)
    const action = `/tickets/${t.id}/messages/${sent.id}/retry`
    expect(html).toContain('Falha no envio:</strong> <span class="reason">Janela de 24 horas encerrada — envie um modelo (HSM)</span>')
    expect(html).toContain(`hx-post="${action}"`)
    expect(html).toContain('Tentar novamente')

    const csrf = await agent.csrf(`/tickets/${t.id}`)
    expect((await htmxPost(agent, action, {}, null)).status).toBe(403)
    expect(s.ctx.stores.messages.get(sent.id)!.status).toBe('failed')
    const sends = wa.meta.state.messages.filter((x) => x.to === `+${waId}`).length
    const res = await htmxPost(agent, action, {}, csrf)
    expect(res.status).toBe(200)
    expect(res.html).toStartWith(`<article id="message-${sent.id}"`)
    expect(count("SELECT count(*) AS n FROM outbox WHERE message_id = ? AND kind = 'send'", sent.id)).toBe(1)
    await wa.until(() => s.ctx.stores.messages.get(sent.id)!.status === 'sent')
    expect(s.ctx.stores.messages.get(sent.id)!.error_code).toBeNull()
    expect(wa.meta.state.messages.filter((x) => x.to === `+${waId}`).length).toBe(sends + 1)
    // Clicking again on a message that is no longer failed changes nothing.
    expect((await htmxPost(agent, action, {}, csrf)).status).toBe(200)
    expect(s.ctx.stores.outbox.ofMessage(sent.id)!.status).toBe('done')
  })
})

describe('the composer', () => {
  const waId = '5583900007001'
  let t: Ticket
  let csrf: string
  beforeAll(async () => {
    await inbound(waId, { type: 'text', text: { body: 'preciso de ajuda' } })
    t = ticketOf(waId)
    csrf = await agent.csrf(`/tickets/${t.id}`)
  })
  const outboxOf = (id: number) => count("SELECT count(*) AS n FROM outbox WHERE message_id = ? AND kind = 'send'", id)

  test('the page has the composer: textarea, note toggle, file input, send with a progress indicator', async () => {
    const { html } = await page(agent, `/tickets/${t.id}`)
    expect(html).toContain(`<form id="composer-${t.id}" class="composer" data-window="open"`)
    expect(html).toContain('hx-encoding="multipart/form-data"')
    expect(html).toContain('hx-status:422="swap:outerHTML"')
    expect(html).toContain('<textarea')
    expect(html).toContain('name="note" value="1"')
    expect(html).toContain('type="file" name="file"')
    expect(html).toContain('class="htmx-indicator muted">Enviando…')
  })

  test('text → a queued message with its outbox row; the answer is a fresh composer (the message comes by the stream)', async () => {
    const res = await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'Olá! Como posso ajudar? 😀\nSegunda linha' }, csrf)
    expect(res.status).toBe(200)
    expect(res.html).toStartWith(`<form id="composer-${t.id}"`)
    expect(res.html).not.toContain('Como posso ajudar')
    const m = messagesOf(waId).find((x) => x.author === 'agent')!
    expect(m).toMatchObject({ type: 'text', text: 'Olá! Como posso ajudar? 😀\nSegunda linha', author_id: agentId, direction: 'out' })
    expect(outboxOf(m.id)).toBe(1)
    await wa.until(() => s.ctx.stores.messages.get(m.id)!.status === 'sent')
    const { html } = await page(agent, `/tickets/${t.id}`)
    expect(html).toContain('Olá! Como posso ajudar? 😀')
    expect(html).toContain('Ana Atendente')
    expect(html).toMatch(new RegExp(`id="message-${m.id}"[\\s\\S]*?<span class="ticks sent"`))
  })

  test('note → stored, never sent (no outbox row), shown as an internal note', async () => {
    const res = await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'cliente VIP <b>', note: '1' }, csrf)
    expect(res.status).toBe(200)
    const m = messagesOf(waId).find((x) => x.type === 'note')!
    expect(m.text).toBe('cliente VIP <b>')
    expect(outboxOf(m.id)).toBe(0)
    const { html } = await page(agent, `/tickets/${t.id}`)
    expect(html).toMatch(new RegExp(`id="message-${m.id}" class="msg msg-out msg-note"`))
    expect(html).toContain('nota interna — não enviada ao cliente')
    expect(html).toContain('cliente VIP &lt;b&gt;')
    // The note toggle stays on for the next one.
    expect(res.html).toMatch(/type="checkbox" name="note" value="1" checked/)
  })

  test('a PNG file → an image message with its file stored and queued; a fake type is refused with the message and the caption kept', async () => {
    const res = await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'segue a foto', file: [new Blob([PNG], { type: 'image/png' }), 'foto.png'] }, csrf)
    expect(res.status).toBe(200)
    const m = messagesOf(waId).find((x) => x.type === 'image' && x.direction === 'out')!
    expect(m.text).toBe('segue a foto')
    const media = s.ctx.stores.media.get(m.media_id!)!
    expect(media).toMatchObject({ status: 'ready', mime_type: 'image/png', filename: 'foto.png', size: PNG.length })
    expect(outboxOf(m.id)).toBe(1)
    expect((await agent.fetch(`/media/${media.id}`)).status).toBe(200)

    const before = count('SELECT count(*) AS n FROM messages') + count('SELECT count(*) AS n FROM media')
    const fake = await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'legenda <digitada>', file: [new Blob(['<html><script>alert(1)</script></html>'], { type: 'image/png' }), 'foto.png'] }, csrf)
    expect(fake.status).toBe(422)
    expect(fake.html).toStartWith(`<form id="composer-${t.id}"`)
    expect(fake.html).toContain('Tipo de arquivo não aceito pelo WhatsApp.')
    expect(fake.html).toContain('legenda &lt;digitada&gt;</textarea>')
    expect(count('SELECT count(*) AS n FROM messages') + count('SELECT count(*) AS n FROM media')).toBe(before)

    const empty = await htmxPost(agent, `/tickets/${t.id}/messages`, { text: '   ' }, csrf)
    expect(empty.status).toBe(422)
    expect(empty.html).toContain('Escreva uma mensagem ou anexe um arquivo.')
  })

  test('without the CSRF token → 403 and nothing written', async () => {
    const before = count('SELECT count(*) AS n FROM messages')
    expect((await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'sem token' }, null)).status).toBe(403)
    expect((await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'token errado' }, 'x'.repeat(43))).status).toBe(403)
    const plain = await agent.post(`/tickets/${t.id}/messages`, { text: 'form sem token' })
    expect(plain.status).toBe(403)
    expect(count('SELECT count(*) AS n FROM messages')).toBe(before)
  })

  test('a plain form POST (no JavaScript) works too: 303 back to the ticket', async () => {
    const res = await agent.post(`/tickets/${t.id}/messages`, { _csrf: csrf, text: 'sem javascript' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/tickets/${t.id}`)
    expect(messagesOf(waId).some((m) => m.text === 'sem javascript')).toBe(true)
  })

  test('24-hour window closed: banner instead of free text, POST refused 409 with the message and nothing written; notes still work', async () => {
    write(s.ctx.db, () => s.ctx.db.query('UPDATE tickets SET last_inbound_at = ? WHERE id = ?').run(Date.now() - 25 * 3600_000, t.id))
    const { html } = await page(agent, `/tickets/${t.id}`)
    expect(html).toContain('data-window="closed"')
    expect(html).toContain('Janela de 24 horas encerrada — envie um modelo (HSM)')
    // The agent may send templates: the banner leads to the template flow (src/templates).
    expect(html).toContain(`<a class="button secondary small" href="/tickets/${t.id}/template">`)
    expect(html).not.toContain('type="file" name="file"')

    const before = count('SELECT count(*) AS n FROM messages') + count('SELECT count(*) AS n FROM outbox')
    const refused = await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'tarde demais 😅' }, csrf)
    expect(refused.status).toBe(409)
    expect(refused.html).toContain('Janela de 24 horas encerrada — envie um modelo (HSM)')
    expect(refused.html).toContain('tarde demais 😅</textarea>')
    const file = await htmxPost(agent, `/tickets/${t.id}/messages`, { file: [new Blob([PNG]), 'foto.png'] }, csrf)
    expect(file.status).toBe(409)
    expect(count('SELECT count(*) AS n FROM messages') + count('SELECT count(*) AS n FROM outbox')).toBe(before)

    const note = await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'ligar amanhã', note: '1' }, csrf)
    expect(note.status).toBe(200)
    expect(messagesOf(waId).some((m) => m.type === 'note' && m.text === 'ligar amanhã')).toBe(true)
    expect(note.html).toContain('data-window="closed"')
  })
})

describe('mark as read', () => {
  test('only the assignee opening the ticket enqueues one mark_read for the newest inbound message, once', async () => {
    const waId = '5583900008001'
    await inbound(waId, { type: 'text', text: { body: 'primeira' } })
    const t = ticketOf(waId)
    const marks = () => s.ctx.db.query<{ message_id: number }, [number]>("SELECT message_id FROM outbox WHERE ticket_id = ? AND kind = 'mark_read' ORDER BY id").all(t.id).map((r) => r.message_id)
    await page(agent, `/tickets/${t.id}`)
    await page(sup, `/tickets/${t.id}`)
    expect(marks()).toEqual([])

    write(s.ctx.db, () => s.ctx.db.query("UPDATE tickets SET assignee_id = ?, status = 'open' WHERE id = ?").run(agentId, t.id))
    await page(agent, `/tickets/${t.id}`)
    await page(agent, `/tickets/${t.id}`)
    const first = messagesOf(waId).find((m) => m.direction === 'in')!
    expect(marks()).toEqual([first.id])
    await wa.until(() => wa.meta.state.reads.some((r) => r.messageId === first.external_id))

    await inbound(waId, { type: 'text', text: { body: 'segunda' } })
    await page(sup, `/tickets/${t.id}`)
    expect(marks()).toEqual([first.id])
    await page(agent, `/tickets/${t.id}`)
    const second = messagesOf(waId).filter((m) => m.direction === 'in')[1]
    expect(marks()).toEqual([first.id, second.id])
    write(s.ctx.db, () => s.ctx.db.query("UPDATE tickets SET assignee_id = NULL, status = 'queued' WHERE id = ?").run(t.id))
  })
})

describe('live partials on the page stream', () => {
  const open = async (b: Browser) => {
    const controller = new AbortController()
    const res = await b.fetch('/events', { signal: controller.signal })
    expect(res.status).toBe(200)
    return { reader: new SseReader(res), close: () => controller.abort() }
  }

  test('message.created appends to the conversation, reactions and updates replace the message — only for viewers who may see the ticket', async () => {
    const waId = '5583900009001'
    const original = await inbound(waId, { type: 'text', text: { body: 'olá' } })
    const t = ticketOf(waId)
    await wa.until(() => messagesOf(waId).some((m) => m.author === 'system' && m.status === 'sent'))
    await Bun.sleep(50)
    const mine = await open(agent)
    const theirs = await open(other)
    try {
      await inbound(waId, { type: 'text', text: { body: HOSTILE_TEXT } })
      const created = (await mine.reader.next())!
      const m = messagesOf(waId).at(-1)!
      expect(created.data).toStartWith(`<hx-partial hx-target="#conversation-${t.id}" hx-swap="beforeend"><article id="message-${m.id}"`)
      expect(created.data).toContain('&lt;script&gt;')
      expect(created.data).not.toContain('<script>')
      expect(created.data).toContain(`<hx-partial hx-target="#ticket-row-${t.id}" hx-swap="outerHTML">`)

      await inbound(waId, { type: 'reaction', reaction: { message_id: original, emoji: '👍' } })
      const reacted = (await mine.reader.next())!
      const target = s.ctx.stores.messages.byExternal(wa.channelId, original)!
      expect(reacted.data).toStartWith(`<hx-partial hx-target="#message-${target.id}" hx-swap="outerHTML">`)
      expect(reacted.data).toContain('<span class="reaction">👍</span>')

      const csrf = await agent.csrf(`/tickets/${t.id}`)
      expect((await htmxPost(agent, `/tickets/${t.id}/messages`, { text: 'resposta da Ana' }, csrf)).status).toBe(200)
      const appended = (await mine.reader.next())!
      expect(appended.data).toContain('resposta da Ana')
      expect(appended.data).toContain('aguardando envio')
      const updated = (await mine.reader.next())!
      const reply = messagesOf(waId).find((x) => x.text === 'resposta da Ana')!
      expect(updated.data).toStartWith(`<hx-partial hx-target="#message-${reply.id}" hx-swap="outerHTML">`)
      expect(updated.data).toContain('<span class="ticks sent"')

      expect(await theirs.reader.quiet(300)).toBe(true)
    } finally {
      mine.close()
      theirs.close()
    }
  })

  test('a page that reconnects with its event cursor gets what arrived after it was read', async () => {
    const waId = '5583900009002'
    await inbound(waId, { type: 'text', text: { body: 'antes' } })
    const t = ticketOf(waId)
    await wa.until(() => messagesOf(waId).some((m) => m.author === 'system' && m.status === 'sent'))
    const { html } = await page(agent, `/tickets/${t.id}`)
    const cursor = /data-event-cursor="(\d+)"/.exec(html)![1]
    await inbound(waId, { type: 'text', text: { body: 'durante o carregamento' } })
    const controller = new AbortController()
    const res = await agent.fetch('/events', { signal: controller.signal, headers: { 'last-event-id': cursor } })
    const reader = new SseReader(res)
    try {
      const ev = (await reader.next())!
      expect(ev.data).toContain(`hx-target="#conversation-${t.id}"`)
      expect(ev.data).toContain('durante o carregamento')
    } finally {
      controller.abort()
    }
  })
})
