// Web chat messages: the bot's menus as buttons and the visitor's tapped payloads driving the flow;
// files checked by content and by the channel's size limit and switch; message validation; the
// per-token message rate limit; and the desk's generic actions (quick replies, transfer, close,
// reports) on a web-chat ticket.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../../db/open'
import { seedUser, startTestServer, type TestServer } from '../../../test/support/server'
import { webchatRig, type Visitor, type WebchatRig } from '../../../test/support/webchat'

let s: TestServer

beforeAll(async () => {
  s = await startTestServer()
})
afterAll(() => s.stop())

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31, 21, 196, 137])
const GIF = new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00;')
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')

function upload(v: Visitor, bytes: Uint8Array, name: string, declared = 'application/octet-stream', caption?: string) {
  const form = new FormData()
  form.set('file', new File([bytes as Uint8Array<ArrayBuffer>], name, { type: declared }))
  if (caption) form.set('caption', caption)
  return v.fetch('/messages', { method: 'POST', body: form })
}

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await Bun.sleep(20)
  }
}

describe('the bot on web chat', () => {
  test('menus arrive as buttons; a tapped payload answers the step; a payload not offered → 400 invalid_payload', async () => {
    const rig = webchatRig(s, { bot: true })
    const v = await rig.visitor().start()
    await v.say('oi')
    let msgs = await v.messages()
    // Greeting, then the CPF/CNPJ question with a skip button.
    const ask = msgs.filter((m) => m.author === 'bot').find((m) => Array.isArray(m.buttons))!
    expect(ask).toBeTruthy()
    const buttons = ask.buttons as { id: string; title: string }[]
    expect(buttons.length).toBeGreaterThan(0)
    expect(buttons[0].id).toMatch(/:skip$/)

    const refused = await v.post('/messages', { payload: 'assunto:99' })
    expect(refused.status).toBe(400)
    expect((await refused.json()).error.code).toBe('invalid_payload')

    const tapped = await v.post('/messages', { payload: buttons[0].id })
    expect(tapped.status).toBe(201)
    expect(await tapped.json()).toMatchObject({ direction: 'in', type: 'interactive', text: buttons[0].title })
    // The flow went on: the subject menu (the sectors) as buttons or a list, shown as buttons.
    msgs = await v.messages()
    const menu = msgs.filter((m) => m.author === 'bot' && Array.isArray(m.buttons)).pop()!
    expect(menu.id).toBeGreaterThan(ask.id)
    const choice = (menu.buttons as { id: string; title: string }[])[0]
    expect((await v.post('/messages', { payload: choice.id })).status).toBe(201)
    const session = s.ctx.stores.webchat.byToken(v.token!)!
    const ticket = s.ctx.stores.tickets.lastOfContact(session.contact_id)!
    expect(ticket.status).toBe('queued')
    // The stored reply is the same shape WhatsApp's parser stores (the engine reads extra.interactive.id).
    const stored = s.ctx.stores.messages.ofTicket(ticket.id).filter((m) => m.type === 'interactive' && m.direction === 'in')
    expect(stored[0].extra).toMatchObject({ interactive: { kind: 'button_reply', id: buttons[0].id, title: buttons[0].title } })
  })
})

describe('files', () => {
  let rig: WebchatRig
  let v: Visitor
  beforeAll(async () => {
    rig = webchatRig(s, { settings: { max_file_bytes: 5_000 } })
    v = await rig.visitor().start()
  })

  test('PNG, GIF and PDF are taken, typed by content; images inline, PDF as attachment, nosniff', async () => {
    const png = await upload(v, PNG, 'foto.exe', 'application/x-msdownload', 'minha foto')
    expect(png.status).toBe(201)
    const m = await png.json()
    expect(m).toMatchObject({ type: 'image', text: 'minha foto', media: { mime_type: 'image/png', filename: 'foto.exe.png', size: PNG.length } })
    const file = await v.fetch(m.media.url.replace(`/webchat/${rig.key}`, ''))
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/png')
    expect(file.headers.get('content-disposition')).toStartWith('inline')
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG)
    // The <img> of the widget cannot send a header: ?token= works.
    expect((await fetch(`${s.url}${m.media.url}?token=${v.token}`)).status).toBe(200)

    const gif = await (await upload(v, GIF, 'anim.gif')).json()
    expect(gif.media).toMatchObject({ mime_type: 'image/gif', filename: 'anim.gif' })
    const pdf = await (await upload(v, PDF, 'boleto.pdf')).json()
    expect(pdf).toMatchObject({ type: 'document', media: { mime_type: 'application/pdf', filename: 'boleto.pdf' } })
    const doc = await v.fetch(pdf.media.url.replace(`/webchat/${rig.key}`, ''))
    expect(doc.headers.get('content-disposition')).toStartWith('attachment')
  })

  test('other content (HTML named .png, text, executables) → 400 unsupported_file_type; over the limit → 413; nothing stored', async () => {
    const before = s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM messages').get()!.n
    for (const [bytes, name] of [
      [new TextEncoder().encode('<html><script>alert(1)</script></html>'), 'x.png'],
      [new TextEncoder().encode('just text'), 'notes.txt'],
      [new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]), 'setup.exe'],
    ] as const) {
      const res = await upload(v, bytes, name, 'image/png')
      expect(res.status).toBe(400)
      expect((await res.json()).error.code).toBe('unsupported_file_type')
    }
    const big = new Uint8Array(6_000)
    big.set(PNG)
    const res = await upload(v, big, 'big.png')
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe('file_too_large')
    expect(s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM messages').get()!.n).toBe(before)
  })

  test('a channel with uploads off → 403 uploads_disabled', async () => {
    const off = webchatRig(s, { settings: { uploads: false } })
    const w = await off.visitor().start()
    const res = await upload(w, PNG, 'a.png')
    expect(res.status).toBe(403)
    expect((await res.json()).error.code).toBe('uploads_disabled')
  })

  test('text validation: empty, too long, malformed JSON → 400', async () => {
    for (const body of [{ text: '   ' }, { text: 'x'.repeat(4097) }, {}, { text: 42 }]) {
      const res = await v.post('/messages', body)
      expect(res.status).toBe(400)
      expect((await res.json()).error.details[0].field).toBe('text')
    }
    const bad = await v.fetch('/messages', { method: 'POST', body: '{"text": ', headers: { 'content-type': 'application/json' } })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('malformed_json')
  })
})

describe('rate limit', () => {
  test('more than 20 messages a minute from one token → 429 with Retry-After; another visitor is not affected', async () => {
    const rig = webchatRig(s)
    const v = await rig.visitor().start()
    const statuses: number[] = []
    let limited: Response | null = null
    for (let i = 0; i < 25; i++) {
      const res = await v.post('/messages', { text: `mensagem ${i}` })
      statuses.push(res.status)
      if (res.status === 429) {
        limited = res
        break
      }
    }
    expect(statuses.filter((x) => x === 201).length).toBe(20)
    expect(limited!.status).toBe(429)
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0)
    const other = await rig.visitor().start()
    expect((await other.post('/messages', { text: 'oi' })).status).toBe(201)
  })
})

describe('the desk on web-chat tickets', () => {
  test('transfer (an internal note the visitor never sees), close, and the reports count web chat like any channel', async () => {
    const rig = webchatRig(s)
    const a1 = await seedUser(s.ctx, { email: 'a1@example.com', name: 'Agente Um', sector_ids: [rig.sectorId] })
    const sup = await seedUser(s.ctx, { email: 'admin-desk@example.com', profile: 'admin' })
    write(s.ctx.db, () => s.ctx.stores.users.setPresence(a1.user.id, 'available', null, Date.now()))
    const api = (token: string, path: string, method = 'GET', body?: unknown) =>
      fetch(s.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    const v = await rig.visitor().start()
    await v.say('quero falar com alguém')
    const session = s.ctx.stores.webchat.byToken(v.token!)!
    const ticketId = s.ctx.stores.tickets.lastOfContact(session.contact_id)!.id
    await until(() => s.ctx.stores.tickets.get(ticketId)!.assignee_id === a1.user.id)

    const ticket = await (await api(a1.token, `/api/v1/tickets/${ticketId}`)).json()
    expect(ticket).toMatchObject({ channel_type: 'webchat', status: 'open', assignee_id: a1.user.id })
    const other = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Financeiro WC', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
    const transfer = await api(a1.token, `/api/v1/tickets/${ticketId}/transfer`, 'POST', { sector_id: other, note: 'NOTA DE TRANSFERÊNCIA' })
    expect(transfer.status).toBe(200)
    // The transfer is an internal note: the visitor never sees it.
    expect(JSON.stringify(await v.messages())).not.toContain('NOTA DE TRANSFERÊNCIA')
    const closed = await api(sup.token, `/api/v1/tickets/${ticketId}/close`, 'POST', {})
    expect(closed.status).toBe(200)
    const from = new Date(Date.now() - 3_600_000).toISOString()
    const to = new Date(Date.now() + 3_600_000).toISOString()
    const res = await api(sup.token, `/api/v1/reports/summary?from=${from}&to=${to}&channel_id=${rig.channelId}`)
    const summary = await res.json()
    if (res.status !== 200) throw new Error(JSON.stringify(summary))
    expect(summary.tickets.created).toBe(1)
    expect(summary.tickets.closed).toBe(1)
  })
})
