// Web chat through the desk: a visitor's message becomes a queued ticket that routing gives to an
// agent; the agent's reply reaches the visitor's stream (and internal notes never do); the stream
// resumes with Last-Event-ID without loss or duplicates; read marks, typing both ways, transcript,
// close and the survey answer; and a visitor reads only their own conversation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../../db/open'
import { SseReader, type SseEvent } from '../../../test/support/sse'
import { seedUser, startTestServer, type TestServer } from '../../../test/support/server'
import { webchatRig, type Visitor, type WebchatRig } from '../../../test/support/webchat'

let s: TestServer
let rig: WebchatRig
let agent: { token: string; id: number }

const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(s.url + path, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' }, body: init.body === undefined ? undefined : JSON.stringify(init.body) })

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await Bun.sleep(20)
  }
}

/** The next event with this name (others skipped). */
async function nextNamed(r: SseReader, name: string, ms = 5000): Promise<SseEvent> {
  for (;;) {
    const ev = await r.next(ms)
    if (!ev) throw new Error('stream ended')
    if (ev.event === name) return ev
  }
}

const ticketOf = (v: Visitor) => s.ctx.stores.tickets.lastOfContact(s.ctx.stores.webchat.byToken(v.token!)!.contact_id)!

beforeAll(async () => {
  s = await startTestServer()
  rig = webchatRig(s)
  const a = await seedUser(s.ctx, { email: 'agente@example.com', name: 'Agente Paula', sector_ids: [rig.sectorId] })
  agent = { token: a.token, id: a.user.id }
  write(s.ctx.db, () => s.ctx.stores.users.setPresence(agent.id, 'available', null, Date.now()))
})
afterAll(() => s.stop())

describe('a conversation', () => {
  let v: Visitor
  let stream: SseReader

  test('the first message opens a webchat ticket in the sector, routed to the agent; the visitor gets the protocol', async () => {
    v = await rig.visitor().start()
    const res = await v.events()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    expect(res.headers.get('access-control-allow-origin')).toBe('https://loja.example')
    stream = new SseReader(res)
    const sent = await v.say('Olá, preciso de ajuda com meu pedido <script>alert(1)</script>')
    expect(sent).toMatchObject({ direction: 'in', author: 'customer', author_name: 'Maria Visitante', type: 'text', status: 'received', text: 'Olá, preciso de ajuda com meu pedido <script>alert(1)</script>' })
    const ticket = ticketOf(v)
    expect(ticket).toMatchObject({ channel_type: 'webchat', sector_id: rig.sectorId })
    await until(() => s.ctx.stores.tickets.get(ticket.id)!.assignee_id === agent.id)
    // Own message, then the protocol message (system), on the stream.
    const own = JSON.parse((await nextNamed(stream, 'message.created')).data)
    expect(own.id).toBe(sent.id)
    const protocol = JSON.parse((await nextNamed(stream, 'message.created')).data)
    expect(protocol).toMatchObject({ author: 'system', direction: 'out', status: 'sent' })
    expect(protocol.text).toContain(ticket.protocol)
    const session = await (await v.fetch('/session')).json()
    expect(session).toMatchObject({ name: 'Maria Visitante', ticket: { protocol: ticket.protocol, status: 'open' }, agent: { name: 'Agente Paula', avatar_url: null } })
  })

  test('the agent reply reaches the stream (sent, no outbox row); an internal note never does', async () => {
    const ticket = ticketOf(v)
    const note = await api(`/api/v1/tickets/${ticket.id}/messages`, { method: 'POST', body: { note: 'NOTA INTERNA: cliente VIP' } })
    expect(note.status).toBe(201)
    const reply = await api(`/api/v1/tickets/${ticket.id}/messages`, { method: 'POST', body: { text: 'Olá Maria, sou a Paula. Como posso ajudar?' } })
    expect(reply.status).toBe(201)
    const replyId = (await reply.json()).id
    const ev = await nextNamed(stream, 'message.created')
    const m = JSON.parse(ev.data)
    expect(m).toMatchObject({ id: replyId, author: 'agent', author_name: 'Agente Paula', status: 'sent', text: 'Olá Maria, sou a Paula. Como posso ajudar?', buttons: null, survey: null })
    expect(ev.id).toMatch(/^\d+$/)
    expect(Object.keys(m).sort()).toEqual(['author', 'author_avatar_url', 'author_name', 'buttons', 'created_at', 'direction', 'id', 'media', 'status', 'survey', 'text', 'type'])
    expect(stream.raw).not.toContain('NOTA INTERNA')
    expect(s.ctx.db.query('SELECT count(*) AS n FROM outbox WHERE ticket_id = ?').get(ticket.id)).toEqual({ n: 0 })
    const all = await v.messages()
    expect(all.map((x) => x.text).join('\n')).not.toContain('NOTA INTERNA')
    expect(all.map((x) => x.author)).toEqual(['customer', 'system', 'agent'])
  })

  test('read marks the agent messages read (message.updated on the desk); typing both ways', async () => {
    const ticket = ticketOf(v)
    const all = await v.messages()
    const last = all[all.length - 1]
    expect((await v.post('/read', { up_to_id: last.id })).status).toBe(204)
    expect(s.ctx.stores.messages.get(last.id)!.status).toBe('read')
    // Every message to the visitor up to that id is read (the protocol message and the reply).
    const updates: { id: number; status: string }[] = []
    while (!updates.some((u) => u.id === last.id)) updates.push(JSON.parse((await nextNamed(stream, 'message.updated')).data))
    expect(updates.every((u) => u.status === 'read')).toBe(true)
    // A customer message's status is not the visitor's to change, nor another ticket's.
    expect(s.ctx.stores.messages.get(all[0].id)!.status).toBe('received')

    // Visitor typing → an event to the assignee (no text of what is typed).
    const before = s.ctx.stores.events.newestId()
    expect((await v.post('/typing', {})).status).toBe(204)
    const typing = s.ctx.stores.events.after(before).find((e) => e.name === 'webchat.typing')!
    expect(typing.topics).toEqual([`user:${agent.id}`])
    expect(typing.data).toEqual({ ticket_id: ticket.id, who: 'visitor' })
    // Agent typing (workspace endpoint) → agent.typing with the agent's name on the visitor stream.
    const { recordAgentTyping } = await import('./typing')
    const paula = s.ctx.stores.users.get(agent.id)!
    const typingCount = () => s.ctx.db.query<{ n: number }, []>("SELECT count(*) AS n FROM events WHERE name = 'webchat.typing'").get()!.n
    recordAgentTyping(s.ctx, paula, ticket)
    expect(JSON.parse((await nextNamed(stream, 'agent.typing')).data)).toEqual({ name: 'Agente Paula' })
    // Keystrokes right after: one event per burst, not per key...
    const afterFirst = typingCount()
    recordAgentTyping(s.ctx, paula, ticket)
    expect(typingCount()).toBe(afterFirst)
    // ...but once she has sent a message, typing again shows at once.
    expect((await api(`/api/v1/tickets/${ticket.id}/messages`, { method: 'POST', body: { text: 'Um momento.' } })).status).toBe(201)
    recordAgentTyping(s.ctx, paula, ticket)
    expect(typingCount()).toBe(afterFirst + 1)
  })

  test('Last-Event-ID resumes without loss or duplicates', async () => {
    const ticket = ticketOf(v)
    // The cursor the widget holds: the id of the last event it saw.
    const cursor = s.ctx.stores.events.newestId()
    const texts = ['um', 'dois', 'três']
    for (const text of texts) expect((await api(`/api/v1/tickets/${ticket.id}/messages`, { method: 'POST', body: { text } })).status).toBe(201)
    await v.say('quatro')
    // Reconnect with the header (as EventSource does), and with the query parameter.
    for (const how of ['header', 'query'] as const) {
      const abort = new AbortController()
      const res =
        how === 'header'
          ? await fetch(`${s.url}/webchat/${rig.key}/events?token=${v.token}`, { headers: { origin: 'https://loja.example', 'last-event-id': String(cursor) }, signal: abort.signal })
          : await fetch(`${s.url}/webchat/${rig.key}/events?token=${v.token}&last_event_id=${cursor}`, { headers: { origin: 'https://loja.example' }, signal: abort.signal })
      const r = new SseReader(res)
      const got: string[] = []
      const ids: number[] = []
      while (got.length < 4) {
        const ev = await nextNamed(r, 'message.created')
        got.push(JSON.parse(ev.data).text)
        ids.push(Number(ev.id))
      }
      expect(got).toEqual(['um', 'dois', 'três', 'quatro'])
      expect(new Set(ids).size).toBe(4)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      expect(await r.quiet(300)).toBe(true)
      abort.abort()
    }
  })

  test('transcript: text/plain attachment of the conversation, no notes', async () => {
    const res = await v.fetch('/transcript')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(res.headers.get('content-disposition')).toContain('attachment')
    const text = await res.text()
    expect(text).toContain(ticketOf(v).protocol)
    expect(text).toContain('Maria Visitante: Olá, preciso de ajuda')
    expect(text).toContain('Agente Paula: Olá Maria')
    expect(text).not.toContain('NOTA INTERNA')
    // ?token= works too (a plain download link).
    expect((await fetch(`${s.url}/webchat/${rig.key}/transcript?token=${v.token}`)).status).toBe(200)
  })

  test('close → conversation.closed; the survey is asked and answered through the survey endpoint', async () => {
    const ticket = ticketOf(v)
    write(s.ctx.db, () => s.ctx.stores.sectors.update(rig.sectorId, { ...s.ctx.stores.sectors.get(rig.sectorId)!, survey: 'csat' }))
    const closed = await api(`/api/v1/tickets/${ticket.id}/close`, { method: 'POST', body: {} })
    expect(closed.status).toBe(200)
    // The survey message is queued by the close, before the ticket's update: both arrive, in that order.
    const got = new Map<string, SseEvent>()
    while (!got.has('conversation.closed')) {
      const ev = (await stream.next(5000))!
      if (ev.event) got.set(ev.event, ev)
    }
    expect(JSON.parse(got.get('conversation.closed')!.data)).toEqual({ protocol: ticket.protocol })
    const asked = s.ctx.stores.surveys.lastOfTicket(ticket.id)
    expect(asked).toBeTruthy()
    {
      const req = JSON.parse(got.get('survey.requested')!.data)
      expect(req.kind).toBe('csat')
      expect(req.options.length).toBeGreaterThan(1)
      const bad = await v.post('/survey', { score: 99 })
      expect(bad.status).toBe(400)
      expect((await bad.json()).error.code).toBe('out_of_range')
      const ok = await v.post('/survey', { score: 5, comment: 'Ótimo atendimento' })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ ok: true })
      const again = await v.post('/survey', { score: 4 })
      expect(again.status).toBe(409)
    }
  })
})

describe('paging', () => {
  test('GET /messages pages by 500 with next_cursor (api.md list shape); cursor and after_id both continue', async () => {
    const v = await rig.visitor().start({ name: 'Visitante Longa' })
    await v.say('primeira')
    const t = ticketOf(v)
    write(s.ctx.db, () => {
      for (let i = 0; i < 510; i++) s.ctx.stores.messages.insert({ ticket_id: t.id, channel_id: t.channel_id, direction: 'in', author: 'customer', type: 'text', text: `linha ${i}`, status: 'received' })
    })
    const first = (await (await v.fetch('/messages')).json()) as { data: { id: number }[]; next_cursor: string | null }
    expect(first.data).toHaveLength(500)
    expect(first.next_cursor).toBe(String(first.data[499].id))
    for (const param of ['cursor', 'after_id']) {
      const rest = (await (await v.fetch(`/messages?${param}=${first.next_cursor}`)).json()) as { data: { id: number }[]; next_cursor: string | null }
      expect(rest.next_cursor).toBeNull()
      expect(first.data.length + rest.data.length).toBe(s.ctx.stores.messages.ofTicket(t.id).filter((m) => m.type !== 'note').length)
      expect(rest.data[0].id).toBeGreaterThan(first.data[499].id)
    }
  })
})

describe('isolation: a visitor reads only their own conversation', () => {
  test('other tokens, other channel keys, other media ids and other tickets are refused', async () => {
    const a = await rig.visitor().start({ name: 'Visitante A' })
    const b = await rig.visitor().start({ name: 'Visitante B' })
    await a.say('segredo da A')
    // A's file.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31, 21, 196, 137])
    const form = new FormData()
    form.set('file', new File([png], 'foto.png', { type: 'image/png' }))
    const up = await a.fetch('/messages', { method: 'POST', body: form })
    expect(up.status).toBe(201)
    const media = (await up.json()).media
    expect(media).toMatchObject({ mime_type: 'image/png', filename: 'foto.png' })
    expect((await a.fetch(media.url.replace(`/webchat/${rig.key}`, ''))).status).toBe(200)

    // B sees only B.
    await b.say('mensagem da B')
    const bMessages = await b.messages()
    expect(bMessages.map((m) => m.text)).toEqual(['mensagem da B', expect.stringContaining('')])
    expect(JSON.stringify(bMessages)).not.toContain('segredo da A')
    // B asks for A's file by id → 404; and for after_id before everything → still only B's.
    expect((await b.fetch(media.url.replace(`/webchat/${rig.key}`, ''))).status).toBe(404)
    expect(JSON.stringify(await (await b.fetch('/messages?after_id=0')).json())).not.toContain('segredo')
    // B's read call with a huge cursor does not touch A's messages.
    const aTicket = ticketOf(a)
    const aReply = await api(`/api/v1/tickets/${aTicket.id}/messages`, { method: 'POST', body: { text: 'resposta para A' } })
    const aReplyId = (await aReply.json()).id
    expect((await b.post('/read', { up_to_id: aReplyId + 1000 })).status).toBe(204)
    expect(s.ctx.stores.messages.get(aReplyId)!.status).toBe('sent')
    // A's stream never shows B's messages; B's stream never shows A's.
    const bStream = new SseReader(await b.events(0))
    const seen: string[] = []
    for (;;) {
      const ev = await bStream.next(500).catch(() => null)
      if (!ev) break
      seen.push(ev.data)
    }
    expect(seen.join('\n')).not.toContain('segredo da A')
    expect(seen.join('\n')).not.toContain('resposta para A')

    // Tokens: none, garbage, another channel's key with a valid token, an expired session.
    const other = webchatRig(s)
    const bad = async (res: Promise<Response>, code: string) => {
      const r = await res
      expect(r.status).toBe(401)
      expect((await r.json()).error.code).toBe(code)
    }
    await bad(fetch(`${s.url}/webchat/${rig.key}/messages`, { headers: { origin: 'https://loja.example' } }), 'unauthorized')
    await bad(fetch(`${s.url}/webchat/${rig.key}/messages`, { headers: { origin: 'https://loja.example', authorization: 'Bearer wv_xxx' } }), 'unauthorized')
    await bad(fetch(`${s.url}/webchat/${other.key}/messages`, { headers: { origin: 'https://loja.example', authorization: `Bearer ${a.token}` } }), 'unauthorized')
    await bad(fetch(`${s.url}/webchat/${other.key}/events?token=${a.token}`, { headers: { origin: 'https://loja.example' } }), 'unauthorized')
    const session = s.ctx.stores.webchat.byToken(a.token!)!
    write(s.ctx.db, () => s.ctx.db.run('UPDATE webchat_sessions SET expires_at = ? WHERE id = ?', [Date.now() - 1, session.id]))
    await bad(a.fetch('/messages'), 'session_expired')
  })
})
