// Web chat admin pages (create, settings, snippet, preview, the channels list) for channels.manage
// only, and the workspace's agent typing endpoint (CSRF, web-chat tickets the agent handles).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../../db/open'
import { Browser, seedUser, startTestServer, type TestServer } from '../../../test/support/server'
import { webchatRig } from '../../../test/support/webchat'

let s: TestServer
let admin: Browser
let agentBrowser: Browser
let sectorId: number
let agentId: number

beforeAll(async () => {
  s = await startTestServer()
  sectorId = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Vendas', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })
  const a = await seedUser(s.ctx, { email: 'agente@example.com', name: 'Agente Beto', sector_ids: [sectorId] })
  agentId = a.user.id
  admin = new Browser(s.url)
  await admin.login('admin@example.com')
  agentBrowser = new Browser(s.url)
  await agentBrowser.login('agente@example.com')
})
afterAll(() => s.stop())

const form = (csrf: string, over: Record<string, string> = {}) => ({
  _csrf: csrf,
  name: 'Chat do site',
  sector_id: String(sectorId),
  bot_flow_id: '',
  allowed_origins: 'https://www.loja.example\nhttps://loja.example:8443',
  title: 'Fale com a Loja',
  greeting: 'Oi! <b>Como</b> podemos ajudar?',
  color_primary: '#224466',
  color_text: '#ffffff',
  prechat_email: 'required',
  prechat_phone: 'hidden',
  prechat_code: 'optional',
  consent_text: 'Aceito a política.',
  policy_url: 'https://loja.example/privacidade',
  uploads: '1',
  max_file_mb: '5',
  ...over,
})

describe('admin pages', () => {
  test('create: bad origins → 422 with the field marked, nothing created; valid → the channel page with the snippet', async () => {
    const csrf = await admin.csrf('/admin/channels/new/webchat')
    const before = s.ctx.stores.channels.list().length
    const bad = await admin.post('/admin/channels/new/webchat', form(csrf, { allowed_origins: 'https://loja.example/caminho', max_file_mb: '50' }))
    expect(bad.status).toBe(422)
    const page = await bad.text()
    expect(page).toContain('id="allowed_origins-error"')
    expect(page).toContain('id="max_file_bytes-error"')
    expect(page).toContain('https://loja.example/caminho') // what was typed comes back
    expect(s.ctx.stores.channels.list().length).toBe(before)

    const ok = await admin.post('/admin/channels/new/webchat', form(csrf))
    expect(ok.status).toBe(303)
    const location = ok.headers.get('location')!
    expect(location).toMatch(/^\/admin\/channels\/\d+\/webchat\?ok=webchat\.created$/)
    const id = Number(location.split('/')[3])
    const channel = s.ctx.stores.channels.get(id)!
    expect(channel.type).toBe('webchat')
    expect(channel.bot_flow_id).toBeNull()
    expect(channel.settings).toMatchObject({
      allowed_origins: ['https://www.loja.example', 'https://loja.example:8443'],
      title: 'Fale com a Loja',
      colors: { primary: '#224466', text: '#ffffff' },
      prechat: { email: 'required', phone: 'hidden', code: 'optional' },
      uploads: true,
      max_file_bytes: 5_000_000,
    })
    const view = await (await admin.fetch(location)).text()
    expect(view).toContain(`data-channel=&quot;${channel.settings.channel_key}&quot;`)
    expect(view).toContain('Oi! &lt;b&gt;Como&lt;/b&gt; podemos ajudar?')
    expect(view).not.toContain('Oi! <b>Como</b>')
    // The WhatsApp channel page sends web chats to theirs; the list shows it.
    const redirected = await admin.fetch(`/admin/channels/${id}`)
    expect(redirected.status).toBe(303)
    expect(redirected.headers.get('location')).toBe(`/admin/channels/${id}/webchat`)
    const list = await (await admin.fetch('/admin/channels')).text()
    expect(list).toContain('Chat do site')
    expect(list).toContain('https://www.loja.example, https://loja.example:8443')

    // Settings change: uploads off, consent text changed (new version).
    const saved = await admin.post(`/admin/channels/${id}/webchat`, form(csrf, { uploads: '', consent_text: 'Nova política.' }))
    expect(saved.status).toBe(303)
    expect(s.ctx.stores.channels.get(id)!.settings).toMatchObject({ uploads: false, consent_text: 'Nova política.', consent_version: 2 })

    // The preview page loads the real widget from our origin.
    const preview = await (await admin.fetch(`/admin/channels/${id}/webchat/preview`)).text()
    expect(preview).toContain(`<script src="/webchat.js" data-channel="${channel.settings.channel_key}" async></script>`)
  })

  test('an agent (no channels.manage) is refused the pages', async () => {
    const rig = webchatRig(s, { sectorId })
    for (const path of ['/admin/channels/new/webchat', `/admin/channels/${rig.channelId}/webchat`, `/admin/channels/${rig.channelId}/webchat/preview`]) {
      expect((await agentBrowser.fetch(path)).status).toBe(403)
    }
  })
})

describe('agent typing', () => {
  test('the assignee of an open web-chat ticket: an agent.typing event to that visitor only; CSRF required', async () => {
    write(s.ctx.db, () => s.ctx.stores.users.setPresence(agentId, 'available', null, Date.now()))
    const rig = webchatRig(s, { sectorId })
    const v = await rig.visitor().start()
    await v.say('oi')
    const session = s.ctx.stores.webchat.byToken(v.token!)!
    const ticketId = s.ctx.stores.tickets.lastOfContact(session.contact_id)!.id
    const end = Date.now() + 5000
    while (s.ctx.stores.tickets.get(ticketId)!.assignee_id !== agentId && Date.now() < end) await Bun.sleep(20)
    expect(s.ctx.stores.tickets.get(ticketId)!.assignee_id).toBe(agentId)

    const csrf = await agentBrowser.csrf('/profile')
    const noCsrf = await agentBrowser.fetch(`/tickets/${ticketId}/typing`, { method: 'POST', headers: { 'hx-request': 'true' } })
    expect(noCsrf.status).toBe(403)
    const before = s.ctx.stores.events.newestId()
    const res = await agentBrowser.fetch(`/tickets/${ticketId}/typing`, { method: 'POST', headers: { 'x-csrf-token': csrf, 'hx-request': 'true' } })
    expect(res.status).toBe(204)
    const typing = s.ctx.stores.events.after(before).filter((e) => e.name === 'webchat.typing')
    expect(typing.length).toBe(1)
    expect(typing[0].topics).toEqual([`webchat:${session.contact_id}`])
    expect(typing[0].data).toMatchObject({ who: 'agent', name: 'Agente Beto' })
    // Another agent of no sector sees nothing of it: 404.
    await seedUser(s.ctx, { email: 'outro@example.com' })
    const other = new Browser(s.url)
    await other.login('outro@example.com')
    const otherCsrf = await other.csrf('/profile')
    expect((await other.fetch(`/tickets/${ticketId}/typing`, { method: 'POST', headers: { 'x-csrf-token': otherCsrf, 'hx-request': 'true' } })).status).toBe(404)
  })
})

describe('workspace side panel', () => {
  test('the agent sees the visitor page, browser and language (escaped); visitor typing reaches the workspace stream', async () => {
    write(s.ctx.db, () => s.ctx.stores.users.setPresence(agentId, 'available', null, Date.now()))
    const rig = webchatRig(s, { sectorId })
    const v = rig.visitor()
    const res = await v.fetch('/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' },
      body: JSON.stringify({ name: 'Zé', consent: true, page_url: 'https://loja.example/p?q="><script>x</script>', locale: 'en-US' }),
    })
    v.token = (await res.json()).visitor_token
    await v.say('olá')
    const session = s.ctx.stores.webchat.byToken(v.token!)!
    const ticketId = s.ctx.stores.tickets.lastOfContact(session.contact_id)!.id
    const end = Date.now() + 5000
    while (s.ctx.stores.tickets.get(ticketId)!.assignee_id !== agentId && Date.now() < end) await Bun.sleep(20)
    const panel = await (await agentBrowser.fetch(`/workspace/${ticketId}`)).text()
    expect(panel).toContain('Chrome 131 · Windows')
    expect(panel).toContain('en-US')
    expect(panel).toContain(`data-typing-url="/tickets/${ticketId}/typing"`)
    expect(panel).toContain('https://loja.example/p?q=%22%3E%3Cscript%3Ex%3C/script%3E')
    expect(panel).not.toContain('<script>x</script>')

    // Quick replies expand for a web-chat ticket like any other; the monitoring board lists it.
    write(s.ctx.db, () => s.ctx.stores.quickReplies.create({ shortcut: 'ola', text: 'Olá {cliente}, protocolo {protocolo}.', sector_id: null, user_id: null }))
    const qr = await (await agentBrowser.fetch(`/workspace/quick-replies?ticket=${ticketId}&q=/ola`)).text()
    expect(qr).toContain(`Olá Zé, protocolo ${s.ctx.stores.tickets.get(ticketId)!.protocol}.`)
    const board = await (await admin.fetch('/monitoring/board')).text()
    expect(board).toContain(s.ctx.stores.tickets.get(ticketId)!.protocol)

    // The workspace stream: the visitor typing → the "digitando" note for that ticket.
    const abort = new AbortController()
    const stream = await agentBrowser.fetch('/events?page=workspace', { signal: abort.signal })
    const reader = stream.body!.getReader()
    await Bun.sleep(100)
    expect((await v.post('/typing', {})).status).toBe(204)
    let text = ''
    const until = Date.now() + 5000
    while (!text.includes(`ws-typing-${ticketId}`) && Date.now() < until) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(500).then(() => null)])
      if (chunk && !chunk.done) text += new TextDecoder().decode(chunk.value)
    }
    abort.abort()
    expect(text).toContain(`#ws-typing-${ticketId}`)
    expect(text).toContain('O visitante está digitando…')
  })
})

