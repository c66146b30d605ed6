// Browser suite for the WebChat widget (issue 10), in Debian Chromium, against the real Kumquat
// server. The company's site is another origin (test/browser/webchat-host.ts: a tiny server on its
// own port, two pages embedding the one-line snippet, a strict CSP `script-src <kumquat>; style-src
// 'self'` and a hostile stylesheet). Ana, a visitor (pt-BR browser), opens the launcher, meets the
// pre-chat form's checks, consents, chats with Carla — an agent in the real workspace, another
// browser context — sends a picture, goes to the site's other page and carries on in the same
// conversation, loses the network and comes back without a lost or doubled message, downloads the
// transcript, and answers the survey when Carla closes. A site not in allowed_origins cannot open a
// session; Bob, a second visitor (English browser), cannot read Ana's conversation, and on a second
// channel with the built-in bot answers its menu with buttons. No console error, page error or CSP
// violation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import type { User } from '../../src/admin/users-store'
import { write } from '../../src/db/open'
import { recordAgentTyping } from '../../src/channels/webchat/typing'
import { setPresence } from '../../src/desk/presence'
import { saveCalendar, saveSectorHours } from '../../src/hours/hours'
import type { Ticket } from '../../src/desk/tickets-store'
import { gradientPng } from '../support/png'
import { seedUser, startTestServer, type TestServer } from '../support/server'
import { launchBrowser, waitForLive, type BrowserSession, type Diagnostics } from './support'
import { startHostSite, type HostSite } from './webchat-host'

const CARLA = { name: 'Carla Atendente', email: 'carla@example.com', password: 'carla-secret-1' }
const ANA = { name: 'Ana <img src=x onerror=alert(1)>', email: 'ana@cliente.example' }
const POLICY = 'https://loja.example/privacidade'
const CONSENT = 'Autorizo a Loja Exemplo a usar meus dados para este atendimento.'

let srv: TestServer
let site: HostSite
let stranger: HostSite
let botSite: HostSite
let closedSite: HostSite
let ana: BrowserSession
let bob: BrowserSession
let carla: BrowserSession
let carlaUser: User
let channelKey: string
let salesId: number
let adminToken: string
let ticket: Ticket
const shotsDir = mkdtempSync(join(tmpdir(), 'kumquat-shots-'))

const widget = (p: Page) => p.locator('kumquat-webchat')
const bubbles = (p: Page) => widget(p).locator('ol.log > li')
const sessionsCount = () => (srv.ctx.db.query('SELECT COUNT(*) AS n FROM webchat_sessions').get() as { n: number }).n
const anaToken = (p: Page) => p.evaluate((key) => JSON.parse(localStorage.getItem('kumquat-webchat:' + key) || '{}').token as string | undefined, channelKey)
/** The ids of the messages the widget shows, in order (each one once). */
const shownIds = (p: Page) => bubbles(p).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))))
/** What the visitor may see of the ticket, from the database (no internal notes). */
const visibleIds = () => srv.ctx.stores.messages.ofTicket(ticket.id).filter((m) => m.type !== 'note').map((m) => m.id)

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await Bun.sleep(50)
  }
}

async function adminApi(token: string, path: string, body: unknown) {
  const res = await fetch(srv.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const data = await res.json()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(data)}`)
  return data
}

async function carlaSays(text: string) {
  const page = carla.page
  const box = page.locator(`#composer-${ticket.id}-text`)
  await box.fill(text)
  await box.press('Enter')
  await page.locator(`#conversation-${ticket.id} article.msg-out`, { hasText: text }).waitFor()
  // The message comes through the live stream, maybe before the form's answer swaps in an empty
  // composer: wait for that swap, or the next fill would go into the composer it replaces.
  await page.waitForFunction((id) => (document.getElementById(`composer-${id}-text`) as HTMLTextAreaElement | null)?.value === '', ticket.id)
}

beforeAll(async () => {
  srv = await startTestServer()
  const admin = await seedUser(srv.ctx, { email: 'admin@example.com', profile: 'admin' })
  adminToken = admin.token
  // Two sectors: the bot's menu offers both; Vendas asks the CSAT survey at close.
  salesId = (await adminApi(admin.token, '/api/v1/sectors', { name: 'Vendas', routing: 'auto', offer_timeout_s: 60, survey: 'csat', require_classification: false })).id
  await adminApi(admin.token, '/api/v1/sectors', { name: 'Financeiro', routing: 'auto', offer_timeout_s: 60, survey: 'none', require_classification: false })
  carlaUser = (await seedUser(srv.ctx, { email: CARLA.email, name: CARLA.name, password: CARLA.password, sector_ids: [salesId] })).user
  setPresence(srv.ctx, carlaUser, 'available', null)

  // The company's site (allowed) and a stranger's site (another port, not allowed), made first:
  // their origins go into the channel. Both embed the snippet the API hands out.
  site = startHostSite(srv.url)
  stranger = startHostSite(srv.url)
  const channel = await adminApi(admin.token, '/api/v1/channels', {
    type: 'webchat',
    name: 'Site da loja',
    allowed_origins: [site.origin],
    sector_id: salesId,
    bot_flow_id: null, // straight to Vendas (the bot has its own test, on its own channel)
    title: 'Loja <i>Exemplo</i>',
    greeting: 'Oi! Como podemos ajudar?',
    colors: { primary: '#224488', text: '#ffffff' },
    prechat: { email: 'optional', phone: 'optional', code: 'optional' },
    consent_text: CONSENT,
    policy_url: POLICY,
    uploads: true,
  })
  channelKey = channel.channel_key
  expect(channel.embed_snippet).toBe(`<script src="${srv.ctx.config.baseUrl}/webchat.js" data-channel="${channelKey}" async></script>`)
  site.key = channelKey
  stranger.key = channelKey
  // Vendas asks for a comment after the score.
  write(srv.ctx.db, () => srv.ctx.db.query("INSERT INTO survey_settings (sector_id, kind, comment_question, updated_at) VALUES (?, 'inherit', 'Quer deixar um comentário?', ?)").run(salesId, Date.now()))

  ;[ana, bob, carla] = await Promise.all([launchBrowser({ locale: 'pt-BR' }), launchBrowser({ locale: 'en-US' }), launchBrowser({ locale: 'pt-BR' })])
  for (const s of [ana, bob, carla]) s.page.setDefaultTimeout(10_000)
  // Carla works in the workspace.
  await carla.page.goto(srv.url + '/login')
  await carla.page.fill('#email', CARLA.email)
  await carla.page.fill('#password', CARLA.password)
  await carla.page.getByRole('button', { name: 'Entrar' }).click()
  await carla.page.waitForURL((u) => u.pathname === '/')
  await carla.page.goto(srv.url + '/workspace')
  await waitForLive(carla.page)
}, 60_000)

afterAll(async () => {
  await Promise.all([ana?.close(), bob?.close(), carla?.close()])
  site?.stop()
  stranger?.stop()
  botSite?.stop()
  closedSite?.stop()
  await srv?.stop()
})

describe('the WebChat widget on a company site, in Chromium', () => {
  test('the snippet loads the widget under the site’s strict CSP; the site’s CSS does not reach it; pt-BR texts', async () => {
    const page = ana.page
    await page.goto(site.url + '/')
    const launcher = widget(page).getByRole('button', { name: 'Abrir chat' })
    await launcher.waitFor()
    // The site hides every <button> and paints every text green: the widget's own stay as designed.
    expect(await launcher.isVisible()).toBe(true)
    const look = await launcher.evaluate((el) => ({ display: getComputedStyle(el).display, background: getComputedStyle(el).backgroundColor }))
    expect(look).toEqual({ display: 'grid', background: 'rgb(34, 68, 136)' }) // the channel's colour
    // The script is served gzipped, with an ETag.
    const res = await fetch(srv.url + '/webchat.js', { headers: { 'accept-encoding': 'gzip' }, decompress: false })
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect((await res.arrayBuffer()).byteLength).toBeLessThan(30 * 1024)
    expect((await fetch(srv.url + '/webchat.js', { headers: { 'if-none-match': res.headers.get('etag')! } })).status).toBe(304)
  }, 30_000)

  test('the pre-chat form: keyboard to open, checks with messages, consent text and policy link; Esc closes', async () => {
    const page = ana.page
    const w = widget(page)
    await w.getByRole('button', { name: 'Abrir chat' }).focus()
    await page.keyboard.press('Enter')
    const dialog = w.getByRole('dialog', { name: 'Loja <i>Exemplo</i>' })
    await dialog.waitFor()
    // Focus moved into the form.
    expect(await page.evaluate(() => document.querySelector('kumquat-webchat')!.shadowRoot!.activeElement?.getAttribute('name'))).toBe('name')
    expect(await dialog.locator('.greeting').textContent()).toBe('Oi! Como podemos ajudar?')
    expect(await dialog.getByText(CONSENT).count()).toBe(1)
    expect(await dialog.getByRole('link', { name: 'Política de privacidade' }).getAttribute('href')).toBe(POLICY)

    // Nothing filled: name, a way to reach her and the consent are asked for; nothing is sent.
    await dialog.getByRole('button', { name: 'Iniciar conversa' }).click()
    expect(await dialog.locator('.err:not([hidden])').allTextContents()).toEqual(['Informe seu nome.', 'Informe um e-mail ou um telefone.', 'Para conversar, é preciso concordar com o uso dos dados.'])
    expect(await dialog.getByLabel('Nome').getAttribute('aria-invalid')).toBe('true')
    // A wrong e-mail and a CPF whose check digits do not match.
    await dialog.getByLabel('Nome').fill(ANA.name)
    await dialog.getByLabel('E-mail (opcional)').fill('ana@')
    await dialog.getByLabel('CPF ou CNPJ (opcional)').fill('529.982.247-26')
    await dialog.getByRole('checkbox', { name: CONSENT }).check()
    await dialog.getByRole('button', { name: 'Iniciar conversa' }).click()
    expect(await dialog.locator('.err:not([hidden])').allTextContents()).toEqual(['E-mail inválido.', 'CPF ou CNPJ inválido: confira os dígitos.'])
    expect(sessionsCount()).toBe(0)

    // Esc closes the panel and gives the focus back to the launcher; what she typed stays.
    await page.keyboard.press('Escape')
    expect(await dialog.isHidden()).toBe(true)
    expect(await page.evaluate(() => document.querySelector('kumquat-webchat')!.shadowRoot!.activeElement?.className)).toBe('launcher')
    // Keyboard focus is visible (the widget's own outline, whatever the site's CSS says).
    expect(await widget(page).locator('.launcher').evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid')
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    expect(await dialog.getByLabel('Nome').inputValue()).toBe(ANA.name)
  }, 30_000)

  test('Ana consents and starts: a session (hashed token, her page and locale); the conversation opens', async () => {
    const page = ana.page
    const dialog = widget(page).getByRole('dialog')
    await dialog.getByLabel('E-mail (opcional)').fill(ANA.email)
    await dialog.getByLabel('CPF ou CNPJ (opcional)').fill('529.982.247-25')
    await dialog.getByRole('button', { name: 'Iniciar conversa' }).click()
    const box = dialog.getByRole('textbox', { name: 'Mensagem' })
    await box.waitFor()
    expect(await page.evaluate(() => document.querySelector('kumquat-webchat')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA')
    expect(await dialog.getByRole('log', { name: 'Mensagens' }).getAttribute('aria-live')).toBe('polite')
    const token = await anaToken(page)
    expect(token).toBeString()
    const s = srv.ctx.db.query('SELECT name, email, code, page_url, locale, token_hash FROM webchat_sessions').all() as Record<string, string>[]
    expect(s).toHaveLength(1)
    expect(s[0]).toMatchObject({ name: ANA.name, email: ANA.email, code: '52998224725', page_url: site.url + '/', locale: 'pt-BR' })
    expect(s[0].token_hash).not.toContain(token!)
  }, 30_000)

  test('she writes (Shift+Enter is a new line, Enter sends): the ticket gets its protocol and reaches Carla', async () => {
    const page = ana.page
    const w = widget(page)
    const box = w.getByRole('textbox', { name: 'Mensagem' })
    await box.pressSequentially('Boa tarde! <b>Pedido</b> 123')
    await box.press('Shift+Enter')
    await box.pressSequentially('não chegou.')
    await box.press('Enter')
    const first = bubbles(page).filter({ hasText: 'não chegou' })
    await first.waitFor()
    expect(await first.locator('.text').textContent()).toBe('Boa tarde! <b>Pedido</b> 123\nnão chegou.')
    expect(await first.locator('.status').textContent()).toBe('Enviada')
    // The bubble may come through the stream before the POST's answer, which clears the box.
    await until(async () => (await box.inputValue()) === '')
    const contact = srv.ctx.db.query('SELECT contact_id FROM webchat_sessions').get() as { contact_id: number }
    await until(() => srv.ctx.stores.tickets.lastOfContact(contact.contact_id) !== null)
    ticket = srv.ctx.stores.tickets.lastOfContact(contact.contact_id)!
    // The protocol number comes as a system notice.
    await bubbles(page).filter({ hasText: ticket.protocol }).waitFor()
    await until(() => srv.ctx.stores.tickets.get(ticket.id)!.assignee_id === carlaUser.id)
    expect(srv.ctx.stores.tickets.get(ticket.id)).toMatchObject({ sector_id: salesId, status: 'open' })
    expect(await page.locator('img[src="x"]').count()).toBe(0)
  }, 30_000)

  test('Carla, in the workspace, answers: Ana sees her name and the reply; Ana having seen it, Carla’s reply is read', async () => {
    const page = carla.page
    await page.goto(`${srv.url}/workspace/${ticket.id}`)
    await waitForLive(page)
    expect(await page.locator(`#conversation-${ticket.id} article.msg-in .msg-text`).first().textContent()).toBe('Boa tarde! <b>Pedido</b> 123\nnão chegou.')
    await carlaSays('Olá, Ana! Vou verificar o pedido <123>.')
    const reply = bubbles(ana.page).filter({ hasText: 'Vou verificar' })
    await reply.waitFor()
    expect(await reply.locator('.who').textContent()).toBe(CARLA.name)
    expect(await reply.locator('.text').textContent()).toBe('Olá, Ana! Vou verificar o pedido <123>.')
    expect(await reply.locator('.avatar').textContent()).toBe('CA')
    // The panel is open on Ana's screen: the widget tells the server she read it (POST /read).
    const replyId = srv.ctx.stores.messages.ofTicket(ticket.id).find((m) => m.text?.startsWith('Olá, Ana!'))!.id
    await until(() => srv.ctx.stores.messages.get(replyId)!.status === 'read')

    // Typing, both ways: Ana's keystrokes reach Carla's stream; Carla typing shows under Ana's conversation.
    const typingEvents = () => srv.ctx.db.query("SELECT topics, data FROM events WHERE name = 'webchat.typing'").all() as { topics: string; data: string }[]
    await widget(ana.page).getByRole('textbox', { name: 'Mensagem' }).pressSequentially('Obri')
    await until(() => typingEvents().some((e) => e.topics.includes(`user:${carlaUser.id}`) && JSON.parse(e.data).who === 'visitor'))
    await widget(ana.page).getByRole('textbox', { name: 'Mensagem' }).fill('')
    recordAgentTyping(srv.ctx, carlaUser, srv.ctx.stores.tickets.get(ticket.id)!)
    await widget(ana.page).locator('.typing', { hasText: `${CARLA.name} está digitando…` }).waitFor()
  }, 30_000)

  test('Ana sends a picture with the attachment button: it shows inline (fetched with ?token=) and reaches Carla', async () => {
    const page = ana.page
    const w = widget(page)
    await w.getByRole('textbox', { name: 'Mensagem' }).fill('Foto da etiqueta')
    await w.locator('input[type=file]').setInputFiles({ name: 'etiqueta <1>.png', mimeType: 'image/png', buffer: gradientPng(64, 64) })
    const pic = bubbles(page).filter({ has: page.locator('img') }).last()
    await pic.waitFor()
    await until(() => pic.locator('img').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth === 64))
    expect(await pic.locator('img').getAttribute('src')).toContain('token=')
    expect(await pic.locator('.text').textContent()).toBe('Foto da etiqueta')
    expect(await w.getByRole('textbox', { name: 'Mensagem' }).inputValue()).toBe('')
    await carla.page.locator(`#conversation-${ticket.id} article.msg-in img`).waitFor()

    // A file the server does not take (by content) is refused with a message, nothing is sent.
    const before = (await shownIds(page)).length
    await w.locator('input[type=file]').setInputFiles({ name: 'nota.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ this is not a pdf') })
    await w.locator('.upload .err[role=alert]').waitFor()
    expect((await shownIds(page)).length).toBe(before)
  }, 30_000)

  test('she goes to the site’s other page: the panel reopens on the same conversation, no new session', async () => {
    const page = ana.page
    const before = await shownIds(page)
    await page.click('#nav')
    await page.waitForURL((u) => u.pathname === '/produtos')
    const w = widget(page)
    await w.getByRole('dialog').waitFor()
    await until(async () => (await shownIds(page)).length === before.length)
    expect(await shownIds(page)).toEqual(before)
    expect(sessionsCount()).toBe(1)
    await w.getByRole('textbox', { name: 'Mensagem' }).fill('Estou na página de produtos agora.')
    await w.getByRole('textbox', { name: 'Mensagem' }).press('Enter')
    await carla.page.locator(`#conversation-${ticket.id} article.msg-in`, { hasText: 'página de produtos' }).waitFor()
    expect(srv.ctx.stores.tickets.lastOfContact(ticket.contact_id)!.id).toBe(ticket.id)
    // The widget said which page she is on now: Carla's side panel follows.
    await until(async () => srv.ctx.stores.webchat.ofContact(ticket.contact_id)?.page_url === site.url + '/produtos')
  }, 30_000)

  test('the network drops while Carla writes twice: back online, both arrive once; nothing lost or doubled', async () => {
    const page = ana.page
    await ana.context.setOffline(true)
    await carlaSays('Encontrei o pedido.')
    await carlaSays('Ele será reenviado amanhã.')
    await Bun.sleep(500)
    await ana.context.setOffline(false)
    await bubbles(page).filter({ hasText: 'reenviado amanhã' }).waitFor({ timeout: 20_000 })
    await until(async () => JSON.stringify(await shownIds(page)) === JSON.stringify(visibleIds()))
    const ids = await shownIds(page)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(visibleIds())
    // And the stream is live again.
    await carlaSays('Mais alguma dúvida?')
    await bubbles(page).filter({ hasText: 'Mais alguma dúvida?' }).waitFor()
    expect(await shownIds(page)).toEqual(visibleIds())
  }, 45_000)

  test('closed, Ana sees the unread badge; the mobile layout fills the screen', async () => {
    const page = ana.page
    const w = widget(page)
    await w.getByRole('button', { name: 'Fechar chat' }).first().click()
    await carlaSays('Seu código de rastreio é BR123.')
    await w.getByRole('button', { name: 'Abrir chat — 1 mensagem não lida' }).waitFor()
    expect(await w.locator('.badge').textContent()).toBe('1')
    await page.setViewportSize({ width: 390, height: 700 })
    await w.getByRole('button', { name: /Abrir chat/ }).click()
    const box = await w.getByRole('dialog').boundingBox()
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 700 })
    expect(await w.locator('.badge').isHidden()).toBe(true)
    await page.screenshot({ path: join(shotsDir, 'webchat-mobile.png') })
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.screenshot({ path: join(shotsDir, 'webchat.png') })
    console.log(`screenshots:\n  ${join(shotsDir, 'webchat.png')}\n  ${join(shotsDir, 'webchat-mobile.png')}`)
  }, 30_000)

  test('a site not in allowed_origins cannot open a session: the widget says so', async () => {
    const page = bob.page
    await page.goto(stranger.url + '/')
    const w = widget(page)
    await w.getByRole('button', { name: 'Open chat' }).click()
    await w.getByRole('alert').filter({ hasText: 'The chat is not available on this site right now.' }).waitFor()
    // Straight from that page, bypassing the widget: refused too, and nothing is stored.
    const status = await page.evaluate(async (base) => {
      try {
        const r = await fetch(base + '/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bob', email: 'bob@example.com', consent: true }) })
        return r.status
      } catch {
        return 'blocked'
      }
    }, `${srv.url}/webchat/${channelKey}`)
    expect(status).toBe('blocked')
    expect(sessionsCount()).toBe(1)
  }, 30_000)

  test('Bob, a second visitor (English), cannot read Ana’s conversation', async () => {
    const page = bob.page
    await page.goto(site.url + '/produtos')
    const w = widget(page)
    await w.getByRole('button', { name: 'Open chat' }).click()
    const dialog = w.getByRole('dialog')
    await dialog.getByLabel('Name').fill('Bob')
    await dialog.getByLabel('E-mail (optional)').fill('bob@example.com')
    await dialog.getByRole('checkbox').check()
    await dialog.getByRole('button', { name: 'Start chat' }).click()
    await dialog.getByRole('textbox', { name: 'Message' }).waitFor()
    expect(await shownIds(page)).toEqual([])

    // With his own token: Ana's messages, her picture and her events are out of reach.
    const anaMedia = srv.ctx.stores.messages.ofTicket(ticket.id).find((m) => m.media_id)!
    const probe = await page.evaluate(
      async ({ base, mediaId, anaTicket }) => {
        const token = JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('kumquat-webchat:'))![1]).token
        const auth = { authorization: 'Bearer ' + token }
        const list = await (await fetch(base + '/messages', { headers: auth })).json()
        const media = (await fetch(`${base}/media/${mediaId}?token=${token}`)).status
        const noToken = (await fetch(base + '/messages')).status
        const forged = (await fetch(base + '/messages', { headers: { authorization: 'Bearer ' + token.slice(0, -2) + 'xx' } })).status
        const otherTicket = (await fetch(`${base}/messages?ticket_id=${anaTicket}`, { headers: auth })).json()
        return { list, media, noToken, forged, otherTicket: await otherTicket }
      },
      { base: `${srv.url}/webchat/${channelKey}`, mediaId: anaMedia.media_id, anaTicket: ticket.id },
    )
    expect(probe.list).toEqual({ data: [], next_cursor: null })
    expect(probe.otherTicket).toEqual({ data: [], next_cursor: null })
    expect(probe.media).toBe(404)
    expect(probe.noToken).toBe(401)
    expect(probe.forged).toBe(401)
    // Carla writes to Ana: Bob's open stream gets nothing of it.
    await carlaSays('Só para a Ana.')
    await bubbles(ana.page).filter({ hasText: 'Só para a Ana.' }).waitFor()
    await Bun.sleep(300)
    expect(await shownIds(page)).toEqual([])
  }, 30_000)

  test('"Baixar conversa" downloads the transcript', async () => {
    const page = ana.page
    const download = page.waitForEvent('download')
    await widget(page).getByRole('button', { name: 'Baixar conversa' }).click()
    const file = await download
    expect(file.suggestedFilename()).toBe(`conversa-${ticket.protocol}.txt`)
    const text = await Bun.file((await file.path())!).text()
    expect(text).toContain('Olá, Ana! Vou verificar o pedido <123>.')
    expect(text).toContain('Boa tarde! <b>Pedido</b> 123')
  }, 30_000)

  test('Carla closes: Ana sees the end with the protocol, answers the survey with a button and a comment', async () => {
    const page = carla.page
    await page.locator(`#ws-actions-${ticket.id}`).getByText('Finalizar').click()
    await page.locator(`#ws-close-${ticket.id}`).getByRole('button', { name: 'Finalizar atendimento' }).click()
    await page.getByText('Atendimento finalizado.').waitFor()

    const w = widget(ana.page)
    await w.getByText(`Atendimento encerrado. Protocolo ${ticket.protocol}.`).waitFor()
    expect(await w.getByRole('textbox', { name: 'Mensagem' }).isHidden()).toBe(true)
    const survey = w.locator('.survey')
    await survey.getByRole('button').first().waitFor()
    // CSAT: five buttons, 1 to 5, each with its label.
    expect((await survey.getByRole('button').allTextContents()).map((x) => x.split(' ')[0])).toEqual(['1', '2', '3', '4', '5'])
    await survey.getByRole('button', { name: /^5\b/ }).click()
    const comment = survey.getByRole('textbox')
    await comment.waitFor()
    await comment.fill('Ótimo atendimento <3')
    await survey.getByRole('button', { name: 'Enviar comentário' }).click()
    await w.locator('.survey').getByText('Obrigado pela avaliação!').waitFor()
    const t = srv.ctx.stores.tickets.get(ticket.id)!
    expect(t.status).toBe('closed')
    await until(() => (srv.ctx.db.query('SELECT status FROM surveys WHERE ticket_id = ?').get(ticket.id) as { status: string }).status === 'answered')
    expect(srv.ctx.db.query('SELECT kind, score, comment FROM surveys WHERE ticket_id = ?').get(ticket.id)).toEqual({ kind: 'csat', score: 5, comment: 'Ótimo atendimento <3' })

    // A reload: the conversation stays readable, closed, the survey not asked again; "Nova conversa" starts over.
    await ana.page.reload()
    await w.getByRole('button', { name: 'Nova conversa' }).waitFor()
    expect(await w.locator('.survey').count()).toBe(0)
    // "Nova conversa": the same session goes on, the composer is back, the history stays above.
    await w.getByRole('button', { name: 'Nova conversa' }).click()
    expect(await ana.page.evaluate(() => document.querySelector('kumquat-webchat')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA')
    expect(await shownIds(ana.page)).toEqual(visibleIds())
  }, 45_000)

  test('on a channel with the built-in bot, Bob answers its menu with buttons; a taken menu cannot be tapped again', async () => {
    botSite = startHostSite(srv.url)
    const channel = await adminApi(adminToken, '/api/v1/channels', { type: 'webchat', name: 'Site com robô', allowed_origins: [botSite.origin], sector_id: salesId, prechat: { code: 'hidden' } })
    botSite.key = channel.channel_key
    const page = bob.page
    await page.goto(botSite.url + '/')
    const w = widget(page)
    await w.getByRole('button', { name: 'Open chat' }).click()
    await w.getByLabel('Name').fill('Bob')
    await w.getByLabel('Phone (with area code) (optional)').fill('(83) 99999-0000')
    await w.getByRole('checkbox').check()
    await w.getByRole('button', { name: 'Start chat' }).click()
    await w.getByRole('textbox', { name: 'Message' }).fill('Oi')
    await w.getByRole('textbox', { name: 'Message' }).press('Enter')
    // The bot asks; every question with choices comes with buttons. Bob taps until a person takes over
    // (Vendas when the sectors menu comes); each tap shows as his own message.
    const bobTicket = async () => srv.ctx.stores.tickets.lastOfContact((srv.ctx.db.query('SELECT contact_id FROM webchat_sessions WHERE channel_id = ?').get(channel.id) as { contact_id: number }).contact_id)!
    await until(async () => (await w.locator('.choices button:not([disabled])').count()) > 0)
    for (let round = 0; round < 4 && (await bobTicket()).status === 'bot'; round++) {
      const vendas = w.locator('.choices button:not([disabled])', { hasText: 'Vendas' })
      const target = (await vendas.count()) ? vendas : w.locator('.choices button:not([disabled])').first()
      const label = (await target.textContent())!
      await target.click()
      await w.locator('li.mine .text', { hasText: label }).last().waitFor()
      await until(async () => (await w.locator('.choices button:not([disabled])').count()) > 0 || (await bobTicket()).status !== 'bot')
    }
    expect((await bobTicket()).status).not.toBe('bot')
    expect((await bobTicket()).sector_id).toBe(salesId)
    expect(await w.locator('.choices button:not([disabled])').count()).toBe(0)
  }, 45_000)

  test('an expired session (401): the widget drops the token and shows the pre-chat form again', async () => {
    const page = bob.page
    await page.goto(site.url + '/')
    const w = widget(page)
    // The panel reopens by itself when it was left open on this site.
    await w.getByRole('textbox', { name: 'Message' }).or(w.getByRole('button', { name: 'Open chat' })).first().waitFor()
    if (await w.getByRole('dialog').isHidden()) await w.getByRole('button', { name: 'Open chat' }).click()
    await w.getByRole('textbox', { name: 'Message' }).waitFor()
    write(srv.ctx.db, () => srv.ctx.db.query("UPDATE webchat_sessions SET expires_at = 0 WHERE name = 'Bob'").run())
    await page.reload()
    await w.getByRole('button', { name: 'Start chat' }).waitFor()
    expect(await page.evaluate((key) => JSON.parse(localStorage.getItem('kumquat-webchat:' + key) || '{}').token ?? null, channelKey)).toBeNull()
  }, 30_000)

  test('out of business hours, the form shows the sector’s message', async () => {
    const admin = srv.ctx.stores.users.byEmail('admin@example.com')!
    const cal = saveCalendar(srv.ctx, admin.id, { name: 'Nunca aberto', weekly: ['', '', '', '', '', '', ''], national_holidays: false, message: 'Voltamos na segunda às 8h. <b>Obrigado</b>' }, null, null)
    const night = (await adminApi(adminToken, '/api/v1/sectors', { name: 'Plantão', routing: 'auto', offer_timeout_s: 60, survey: 'none', require_classification: false })).id
    saveSectorHours(srv.ctx, admin.id, night, { business_hours_id: cal.id }, null)
    closedSite = startHostSite(srv.url)
    closedSite.key = (await adminApi(adminToken, '/api/v1/channels', { type: 'webchat', name: 'Plantão', allowed_origins: [closedSite.origin], sector_id: night, bot_flow_id: null })).channel_key
    const page = bob.page
    await page.goto(closedSite.url + '/')
    const w = widget(page)
    await w.getByRole('button', { name: 'Open chat' }).click()
    const notice = w.locator('.notice[role=status]')
    await notice.waitFor()
    expect(await notice.textContent()).toContain('Voltamos na segunda às 8h. <b>Obrigado</b>')
  }, 30_000)

  test('too many messages in a minute (429): the widget says so and keeps the text', async () => {
    const page = bob.page
    const w = widget(page)
    await w.getByLabel('Name').fill('Bob')
    await w.getByLabel('E-mail (optional)').fill('bob@example.com')
    await w.getByRole('checkbox').check()
    await w.getByRole('button', { name: 'Start chat' }).click()
    const box = w.getByRole('textbox', { name: 'Message' })
    for (let i = 1; i <= 20; i++) {
      await box.fill(`Mensagem ${i}`)
      await box.press('Enter')
      await w.locator('li.mine .text', { hasText: new RegExp(`^Mensagem ${i}$`) }).waitFor()
    }
    await box.fill('Mensagem 21')
    await box.press('Enter')
    await w.getByRole('alert').filter({ hasText: 'Too many messages in a short time: wait a moment.' }).waitFor()
    expect(await box.inputValue()).toBe('Mensagem 21')
    expect(await w.locator('li.mine').count()).toBe(20)
  }, 30_000)

  test('no console error, page error, CSP violation or unexpected request failure in any browser', () => {
    const check = (who: string, d: Diagnostics, expectedHttp: { method: string; path: string; status: number }[], allowedConsole: RegExp[] = []) => {
      // The widget's requests in flight are cut when the page navigates (its stream, a read receipt),
      // and fail while the network is down: expected.
      const failed = d.failedRequests.filter((r) => !(/\/webchat\/[^/]+\/(events|read|typing)\b/.test(r.url) && r.failure === 'net::ERR_ABORTED') && r.failure !== 'net::ERR_INTERNET_DISCONNECTED')
      const consoleLeft = d.console.filter((m) => !allowedConsole.some((re) => re.test(m.text)))
      const http = d.httpErrors.filter((e) => !e.path.endsWith('/events'))
      if (consoleLeft.length || d.csp.length || d.pageErrors.length || failed.length || JSON.stringify(http) !== JSON.stringify(expectedHttp)) console.log(`${who} diagnostics:`, JSON.stringify(d, null, 2))
      expect(d.csp).toEqual([])
      expect(d.pageErrors).toEqual([])
      expect(d.dialogs).toEqual([])
      expect(consoleLeft).toEqual([])
      expect(failed).toEqual([])
      expect(http).toEqual(expectedHttp)
    }
    // Ana: the refused PDF (400/415 by content) is the one intended error.
    const refusedFile = ana.diagnostics.httpErrors.filter((e) => e.method === 'POST' && e.path.endsWith('/messages'))
    expect(refusedFile).toHaveLength(1)
    check('ana', ana.diagnostics, refusedFile, [/status of 4\d\d/, /net::ERR_INTERNET_DISCONNECTED/])
    // Bob: the stranger site's refusals (CORS) and his probes with a missing/forged token and Ana's media.
    expect(bob.diagnostics.csp).toEqual([])
    expect(bob.diagnostics.pageErrors).toEqual([])
    expect(bob.diagnostics.dialogs).toEqual([])
    check('carla', carla.diagnostics, [])
  })
})
