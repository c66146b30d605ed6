// Browser suite for the agent workspace, in Debian Chromium with three separate browser contexts —
// two agents (Carla, Diego) and a supervisor (Sofia) — plus a second tab of Carla's: a customer
// writes through a real signed webhook, the sector (routing 'offer') offers the ticket to Carla,
// who hears it, sees the countdown and accepts; she answers with a quick reply (the reply reaches
// the fake Graph API), gets the customer's answer live, drops a picture on the composer, fills the
// protocol form (an invalid CPF is refused inline; the alphanumeric CNPJ is accepted), and
// transfers the ticket to Diego with a note, which his workspace shows live; Diego closes it with
// the classification the sector requires; the supervisor watches it all without reloading. No
// console error, page error or CSP violation anywhere; a screenshot of the workspace is saved.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import type { User } from '../../src/admin/users-store'
import { write } from '../../src/db/open'
import { saveClassification } from '../../src/desk/classifications-store'
import { setPresence } from '../../src/desk/presence'
import { saveQuickReply } from '../../src/desk/quick-replies'
import type { Ticket } from '../../src/desk/tickets-store'
import { gradientPng } from '../support/png'
import { seedUser, startTestServer, type TestServer } from '../support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../support/whatsapp'
import { launchBrowser, markDocument, sameDocument, signIn, waitForLive, type BrowserSession, type Diagnostics } from './support'

const CARLA = { name: 'Carla Atendente', email: 'carla@example.com', password: 'carla-secret-1' }
const DIEGO = { name: 'Diego Atendente', email: 'diego@example.com', password: 'diego-secret-1' }
const SOFIA = { name: 'Sofia Supervisora', email: 'sofia@example.com', password: 'sofia-secret-1' }
const CUSTOMER = { waId: '5583977776666', name: 'João <img src=x onerror=alert(1)>' }
const NOTE = 'Cliente VIP: ligar às 15h <b>sem falta</b>'
const PNG = gradientPng(320, 160)

// Runs before the page's scripts: browser notifications and sound recorded instead of shown/played.
const NOTIFY_STUB = `(() => {
  window.__kqNotes = []
  window.__kqBeeps = 0
  class FakeNotification { constructor(title, o) { window.__kqNotes.push({ title, body: (o || {}).body || '' }) } close() {} }
  FakeNotification.permission = 'granted'
  FakeNotification.requestPermission = () => Promise.resolve('granted')
  window.Notification = FakeNotification
  const Ctx = window.AudioContext
  if (Ctx) {
    const osc = Ctx.prototype.createOscillator
    Ctx.prototype.createOscillator = function () { window.__kqBeeps++; return osc.call(this) }
  }
})()`

let srv: TestServer
let wa: WhatsAppRig
let carla: BrowserSession
let diego: BrowserSession
let sofia: BrowserSession
let carlaTab2: Page
const tab2Problems: string[] = []
let carlaUser: User
let diegoUser: User
let classificationId: number
let ticket: Ticket
const shotsDir = mkdtempSync(join(tmpdir(), 'kumquat-shots-'))

const url = (path: string) => srv.url + path
const fresh = () => srv.ctx.stores.tickets.get(ticket.id)!
const sent = () => wa.meta.state.messages.map((m) => (m.body as { text?: { body?: string } }).text?.body ?? '')

async function openWorkspace(s: BrowserSession, who: { email: string; password: string }) {
  const page = s.page
  page.setDefaultTimeout(10_000)
  await signIn(page, srv.url, who.email, who.password)
  // "Atendimentos" in the menu leads to the workspace.
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Atendimentos', exact: true }).click()
  await page.waitForURL((u) => u.pathname === '/workspace')
  await waitForLive(page)
}

beforeAll(async () => {
  srv = await startTestServer()
  wa = await whatsappRig(srv)
  // The fake phone answers our sends like a phone would (sent → delivered), by signed webhook.
  await wa.answerLikeAPhone(['sent', 'delivered'], 300)
  const sector = srv.ctx.stores.sectors.get(wa.sectorId)!
  write(srv.ctx.db, () => srv.ctx.stores.sectors.update(sector.id, { ...sector, name: 'Vendas', routing: 'offer', offer_timeout_s: 90, require_classification: true }))
  carlaUser = (await seedUser(srv.ctx, { email: CARLA.email, name: CARLA.name, password: CARLA.password, sector_ids: [wa.sectorId] })).user
  diegoUser = (await seedUser(srv.ctx, { email: DIEGO.email, name: DIEGO.name, password: DIEGO.password, sector_ids: [wa.sectorId] })).user
  await seedUser(srv.ctx, { email: SOFIA.email, name: SOFIA.name, password: SOFIA.password, profile: 'supervisor' })
  classificationId = saveClassification(srv.ctx, carlaUser.id, { name: 'Pedido localizado', sector_id: wa.sectorId }, null, null).id
  saveQuickReply(srv.ctx, carlaUser, { shortcut: 'ola', text: 'Olá, {cliente}! Aqui é {atendente}. Seu protocolo é {protocolo}.' }, null, null)
  saveQuickReply(srv.ctx, carlaUser, { shortcut: 'obrigado', text: 'Obrigado pelo contato!' }, null, null)
  // Diego is on a break: the offer goes to Carla (a paused agent can still receive a transfer).
  setPresence(srv.ctx, diegoUser, 'paused', 'café')

  ;[carla, diego, sofia] = await Promise.all([launchBrowser(), launchBrowser(), launchBrowser()])
  await carla.context.addInitScript({ content: NOTIFY_STUB })
  await Promise.all([openWorkspace(carla, CARLA), openWorkspace(diego, DIEGO), openWorkspace(sofia, SOFIA)])
  carlaTab2 = await carla.context.newPage()
  carlaTab2.setDefaultTimeout(10_000)
  carlaTab2.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') tab2Problems.push(m.text()) })
  carlaTab2.on('pageerror', (e) => tab2Problems.push(e.message))
  // This tab's script arrives 3 s after the page (a slow connection): its countdowns must still
  // count from the server's clock, not take the wait for a clock 3 s off.
  await carlaTab2.route(/\/assets\/app\.[0-9a-f]+\.js$/, async (route) => {
    await Bun.sleep(3000)
    await route.continue()
  })
  await carlaTab2.goto(url('/workspace'))
  await waitForLive(carlaTab2)
  await carlaTab2.unrouteAll()
  // Carla works in her first tab; the second stays open behind it (a background tab keeps its stream).
  await carla.page.bringToFront()
}, 60_000)

afterAll(async () => {
  await Promise.all([carla?.close(), diego?.close(), sofia?.close()])
  await srv?.stop()
  await wa?.meta.stop()
})

describe('the workspace in Chromium: two agents and a supervisor', () => {
  test('Carla turns on notifications and goes available from the header', async () => {
    const page = carla.page
    await markDocument(page)
    await page.getByRole('button', { name: 'Ativar notificações' }).click()
    await page.getByRole('button', { name: 'Notificações ligadas' }).waitFor()
    await page.selectOption('#presence-status', 'available')
    await page.locator('#presence').getByRole('button', { name: 'OK' }).click()
    await wa.until(() => srv.ctx.stores.users.get(carlaUser.id)!.presence === 'available')
    expect(await sameDocument(page)).toBe(true)
  }, 30_000)

  test('a customer writes: the ticket is offered to Carla live, with a countdown, a sound and a notification', async () => {
    const page = carla.page
    await markDocument(page)
    expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(CUSTOMER.waId, 'Boa tarde! Meu pedido <b>123</b> não chegou.', CUSTOMER.name)))).status).toBe(200)
    await wa.until(() => srv.ctx.stores.contacts.byKey(wa.channelId, CUSTOMER.waId) !== null)
    ticket = srv.ctx.stores.tickets.lastOfContact(srv.ctx.stores.contacts.byKey(wa.channelId, CUSTOMER.waId)!.id)!
    await wa.until(() => srv.ctx.stores.offers.pendingOfTicket(ticket.id)?.user_id === carlaUser.id)

    const offer = page.locator('.ws-offer')
    await offer.waitFor()
    expect(await offer.locator('.contact-name').textContent()).toBe(CUSTOMER.name)
    expect(await offer.locator('.ws-preview').textContent()).toBe('Boa tarde! Meu pedido <b>123</b> não chegou.')
    expect(await page.locator('img[src="x"], .ws-offer b').count()).toBe(0)
    const first = Number(await offer.locator('[data-expires-at]').textContent())
    expect(first).toBeGreaterThan(80)
    expect(first).toBeLessThanOrEqual(90)
    await page.waitForFunction((n) => Number(document.querySelector('.ws-offer [data-expires-at]')?.textContent) < n, first)
    // Rang once (a sound and a browser notification), in one of Carla's two tabs, not both.
    const alerts = async (p: Page) => p.evaluate(() => ({ notes: (window as unknown as { __kqNotes: { title: string }[] }).__kqNotes, beeps: (window as unknown as { __kqBeeps: number }).__kqBeeps }))
    const rang = () => Promise.all([alerts(page), alerts(carlaTab2)])
    const deadline = Date.now() + 3000
    while (Date.now() < deadline) {
      const [a, b] = await rang()
      if (a.notes.length + b.notes.length > 0 && a.beeps + b.beeps > 0) break
      await Bun.sleep(50)
    }
    await Bun.sleep(300) // a second alert, if there were one, would have come by now
    const [a, b] = await rang()
    expect([...a.notes, ...b.notes].map((n) => n.title)).toEqual(['Novo atendimento oferecido'])
    expect([...a.notes, ...b.notes][0]).toMatchObject({ body: expect.stringContaining(CUSTOMER.name) })
    expect(a.beeps + b.beeps).toBe(3) // the offer's three tones, in one tab only
    // The second tab shows the offer too; Diego (paused) does not get it; the supervisor sees it queued.
    await carlaTab2.locator('.ws-offer').waitFor()
    const left = () => Promise.all([page, carlaTab2].map(async (p) => Number(await p.locator('.ws-offer [data-expires-at]').textContent())))
    await carlaTab2.waitForFunction(() => Number(document.querySelector('.ws-offer [data-expires-at]')?.textContent) > 0)
    const [here, slowTab] = await left()
    expect(Math.abs(here! - slowTab!)).toBeLessThanOrEqual(1)
    expect(await diego.page.locator('.ws-offer').count()).toBe(0)
    await sofia.page.locator(`#ws-queued-${ticket.id}`).waitFor()
    expect(await sameDocument(page)).toBe(true)
  }, 30_000)

  test('Carla accepts: the conversation opens, the card is in "Meus atendimentos" in both tabs, the queue empties', async () => {
    const page = carla.page
    await markDocument(page)
    await page.locator('.ws-offer').getByRole('button', { name: 'Aceitar' }).click()
    await page.waitForURL((u) => u.pathname === `/workspace/${ticket.id}`)
    await page.locator(`#conversation-${ticket.id}`).waitFor()
    expect(await page.locator('.ws-offer').count()).toBe(0)
    await page.locator(`#ws-card-${ticket.id}[aria-current=page]`).waitFor()
    expect(await page.locator(`#conversation-${ticket.id} article.msg-in .msg-text`).first().textContent()).toBe('Boa tarde! Meu pedido <b>123</b> não chegou.')
    expect(fresh()).toMatchObject({ status: 'open', assignee_id: carlaUser.id })
    await carlaTab2.locator(`#ws-card-${ticket.id}`).waitFor()
    expect(await carlaTab2.locator('.ws-offer').count()).toBe(0)
    await sofia.page.locator(`#ws-queued-${ticket.id}`).waitFor({ state: 'detached' })
    expect(await sameDocument(page)).toBe(true)

    // The supervisor opens the ticket from her workspace and watches it.
    await sofia.page.goto(url(`/workspace/${ticket.id}`))
    await waitForLive(sofia.page)
    await sofia.page.locator(`#conversation-${ticket.id}`).waitFor()
  }, 30_000)

  test('a quick reply: "/ol" opens the picker, Enter inserts the expanded text, Enter sends it to WhatsApp', async () => {
    const page = carla.page
    await markDocument(page)
    const box = page.locator(`#composer-${ticket.id}-text`)
    await box.click()
    await box.pressSequentially('/ol')
    const picker = page.locator(`#composer-${ticket.id}-qr`)
    // Keys are typed one by one: a list for "/" or "/o" (both replies) may show first.
    await page.waitForFunction((id) => document.querySelectorAll(`#composer-${id}-qr [role=option]`).length === 1, ticket.id)
    expect(await picker.locator('[role=option]').count()).toBe(1) // "/obrigado" filtered out
    expect(await picker.locator('.qr-text').textContent()).toContain(`Olá, ${CUSTOMER.name}!`)
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    await box.press('Enter')
    const expected = `Olá, ${CUSTOMER.name}! Aqui é ${CARLA.name}. Seu protocolo é ${ticket.protocol}.`
    expect(await box.inputValue()).toBe(expected)
    expect(await picker.isHidden()).toBe(true)
    // Esc closes a picker without inserting.
    await box.pressSequentially(' /obr')
    await picker.locator('[role=option]').first().waitFor()
    await box.press('Escape')
    expect(await picker.isHidden()).toBe(true)
    for (let i = 0; i < 5; i++) await box.press('Backspace')
    expect(await box.inputValue()).toBe(expected)

    await box.press('Enter')
    await wa.until(() => sent().includes(expected))
    const reply = page.locator(`#conversation-${ticket.id} article.msg-out`, { hasText: 'Aqui é Carla Atendente' })
    await reply.waitFor()
    expect(await reply.locator('.msg-text').textContent()).toBe(expected)
    await reply.locator('.ticks.delivered').waitFor()
    await sofia.page.locator(`#conversation-${ticket.id} article.msg-out`, { hasText: 'Aqui é Carla Atendente' }).waitFor()
    expect(await page.locator(`#conversation-${ticket.id} article.msg-out`, { hasText: 'Aqui é Carla Atendente' }).count()).toBe(1)
    expect(await sameDocument(page)).toBe(true)
  }, 30_000)

  test('the customer answers: it appears live for Carla (both tabs) and the supervisor', async () => {
    await markDocument(carla.page)
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(CUSTOMER.waId, 'Obrigado! <i>Aguardo</i> 🙏', CUSTOMER.name)))
    for (const p of [carla.page, sofia.page]) {
      const m = p.locator(`#conversation-${ticket.id} article.msg-in`, { hasText: 'Aguardo' })
      await m.waitFor()
      expect(await m.locator('.msg-text').textContent()).toBe('Obrigado! <i>Aguardo</i> 🙏')
    }
    await carlaTab2.locator(`#ws-card-${ticket.id} .ws-preview`, { hasText: 'Aguardo' }).waitFor()
    expect(await carla.page.locator(`#conversation-${ticket.id} i`).count()).toBe(0)
    expect(await sameDocument(carla.page)).toBe(true)
  }, 30_000)

  test('a picture dropped on the composer is attached and sent', async () => {
    const page = carla.page
    await markDocument(page)
    const dt = await page.evaluateHandle((bytes) => {
      const data = new DataTransfer()
      data.items.add(new File([new Uint8Array(bytes)], 'comprovante.png', { type: 'image/png' }))
      return data
    }, [...PNG])
    await page.dispatchEvent(`#conversation-${ticket.id}`, 'dragover', { dataTransfer: dt })
    expect(await page.locator(`#composer-${ticket.id}.dragging`).count()).toBe(1)
    await page.dispatchEvent(`#conversation-${ticket.id}`, 'drop', { dataTransfer: dt })
    expect(await page.locator(`#composer-${ticket.id}-file`).evaluate((i: HTMLInputElement) => i.files?.[0]?.name)).toBe('comprovante.png')
    expect(await page.locator(`#composer-${ticket.id}.dragging`).count()).toBe(0)
    await page.locator(`#composer-${ticket.id}-text`).fill('Segue o comprovante')
    await page.locator(`#composer-${ticket.id}`).getByRole('button', { name: 'Enviar' }).click()
    const image = page.locator(`#conversation-${ticket.id} article.msg-out`, { hasText: 'Segue o comprovante' })
    await image.locator('img.media-image').waitFor()
    await wa.until(() => wa.meta.state.messages.some((m) => m.type === 'image'))
    expect(await sameDocument(page)).toBe(true)
  }, 30_000)

  test('the protocol form: classification and notes saved; an invalid CPF refused inline; the alphanumeric CNPJ linked', async () => {
    const page = carla.page
    await markDocument(page)
    const form = page.locator(`#ws-protocol-${ticket.id}`)
    await form.locator('select[name=classification_id]').selectOption(String(classificationId))
    await form.locator('textarea[name=notes]').fill('Pedido 123 extraviado; reenvio autorizado.')
    await form.getByRole('button', { name: 'Salvar' }).click()
    await page.locator(`#ws-protocol-${ticket.id} .saved`).waitFor()
    expect(fresh()).toMatchObject({ classification_id: classificationId, notes: 'Pedido 123 extraviado; reenvio autorizado.' })

    const box = () => page.locator(`#ws-customer-${ticket.id}`)
    await box().getByText('Cadastrar novo cliente').click()
    await box().locator('input[name=name]').fill('Mercado <b>Central</b>')
    await box().locator('input[name=code]').fill('529.982.247-26')
    await box().locator('input[name=email]').fill('compras@mercado.com.br')
    const refused = page.waitForResponse((r) => new URL(r.url()).pathname === `/workspace/${ticket.id}/customer/new`)
    await box().getByRole('button', { name: 'Cadastrar e vincular' }).click()
    expect((await refused).status()).toBe(422)
    // Said twice: by the code's own check (on change) and by the form's answer.
    await box().locator('.ws-customer-new[open] .field-error[role=alert]').waitFor()
    await box().getByText('CPF inválido: os dígitos verificadores não conferem.').first().waitFor()
    expect(await box().locator('input[name=name]').inputValue()).toBe('Mercado <b>Central</b>')
    await box().locator('input[name=code]').fill('12.ABC.345/01DE-35')
    await box().getByRole('button', { name: 'Cadastrar e vincular' }).click()
    await box().locator('.ws-customer-card').waitFor()
    expect(await box().locator('.customer-name').textContent()).toBe('Mercado <b>Central</b>')
    expect(await box().locator('.ws-customer-card').textContent()).toContain('CNPJ 12.ABC.345/01DE-35')
    expect(fresh().customer_id).not.toBeNull()
    expect(await page.locator(`#ws-customer-${ticket.id} b`).count()).toBe(0)
    expect(await sameDocument(page)).toBe(true)
    // The supervisor's open ticket follows: the form and the customer, redrawn live.
    await sofia.page.locator(`#ws-customer-${ticket.id} .customer-name`, { hasText: 'Mercado <b>Central</b>' }).waitFor()
    await sofia.page.waitForFunction((id) => (document.querySelector(`#ws-protocol-${id} textarea[name=notes]`) as HTMLTextAreaElement | null)?.value === 'Pedido 123 extraviado; reenvio autorizado.', ticket.id)
    expect(await sofia.page.locator(`#ws-protocol-${ticket.id} select[name=classification_id]`).inputValue()).toBe(String(classificationId))
  }, 30_000)

  // Before the transfer: Carla's workspace with everything on it. Playwright's screenshot leaves
  // style="" on inputs, which a later swap could copy (htmx settle) and Chromium would report as an
  // inline style under the CSP: the page is reloaded right after.
  test('screenshot of the workspace', async () => {
    const page = carla.page
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.locator(`#conversation-${ticket.id}`).evaluate((el) => {
      el.scrollTop = el.scrollHeight
    })
    await page.locator('.ws-right').evaluate((el) => {
      el.scrollTop = 0
    })
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('img.media-image')).every((i) => i.complete && i.naturalWidth > 0))
    await page.waitForFunction(() => document.getAnimations().length === 0)
    const shot = join(shotsDir, 'workspace.png')
    await page.screenshot({ path: shot })
    console.log(`screenshot:\n  ${shot}`)
    await page.reload()
    await waitForLive(page)
  }, 30_000)

  test('transfer to Diego with a note: his workspace shows the card and the note live; Carla’s list lets it go', async () => {
    const page = carla.page
    await markDocument(diego.page)
    await page.locator(`#ws-actions-${ticket.id}`).getByText('Transferir').click()
    const form = page.locator(`#ws-transfer-${ticket.id}`)
    await form.locator('select[name=target]').waitFor()
    await form.locator('select[name=target]').selectOption(`user:${diegoUser.id}:${wa.sectorId}`)
    await form.locator('textarea[name=note]').fill(NOTE)
    await form.getByRole('button', { name: 'Transferir' }).click()
    await page.getByText('Atendimento transferido.').waitFor()
    await page.waitForURL((u) => u.pathname === '/workspace')
    await page.locator(`#ws-card-${ticket.id}`).waitFor({ state: 'detached' })
    await carlaTab2.locator(`#ws-card-${ticket.id}`).waitFor({ state: 'detached' })
    expect(fresh()).toMatchObject({ status: 'open', assignee_id: diegoUser.id })

    // Diego: the card arrives with the note as its preview, without a reload.
    const card = diego.page.locator(`#ws-card-${ticket.id}`)
    await card.waitFor()
    expect(await card.locator('.ws-preview').textContent()).toBe(`↪ Transferido: ${NOTE}`)
    expect(await sameDocument(diego.page)).toBe(true)
    await card.click()
    await diego.page.waitForURL((u) => u.pathname === `/workspace/${ticket.id}`)
    const note = diego.page.locator(`#conversation-${ticket.id} article.msg-note`, { hasText: 'transferiu' })
    await note.waitFor()
    expect(await note.locator('.msg-text').textContent()).toBe(`${CARLA.name} transferiu este atendimento para ${DIEGO.name} (Vendas).\nNota: ${NOTE}`)
    expect(await diego.page.locator(`#conversation-${ticket.id} b`).count()).toBe(0)
    // The supervisor's open conversation got the note too, and the new assignee.
    await sofia.page.locator(`#conversation-${ticket.id} article.msg-note`, { hasText: 'transferiu' }).waitFor()
    await sofia.page.locator(`#ticket-head-${ticket.id}`, { hasText: DIEGO.name }).waitFor()
  }, 30_000)

  test('Diego closes with the required classification: the ticket leaves his list; the supervisor sees it closed', async () => {
    const page = diego.page
    await markDocument(page)
    await page.locator(`#ws-actions-${ticket.id}`).getByText('Finalizar').click()
    const form = page.locator(`#ws-close-${ticket.id}`)
    await form.locator('select[name=classification_id]').waitFor()
    expect(await form.textContent()).toContain('(obrigatória neste setor)')
    expect(await form.locator('select[name=classification_id]').getAttribute('required')).not.toBeNull()
    await form.locator('select[name=classification_id]').selectOption(String(classificationId))
    await form.locator('textarea[name=note]').fill('Reenvio confirmado.')
    await form.getByRole('button', { name: 'Finalizar atendimento' }).click()
    await page.getByText('Atendimento finalizado.').waitFor()
    await page.locator(`#ws-card-${ticket.id}`).waitFor({ state: 'detached' })
    expect(fresh()).toMatchObject({ status: 'closed', classification_id: classificationId, close_note: 'Reenvio confirmado.' })
    expect(await sameDocument(page)).toBe(true)
    // The supervisor, still on the same page: the composer closed and the status changed, live.
    await sofia.page.locator(`#composer-${ticket.id}.composer-closed`).waitFor()
    await sofia.page.locator(`#ticket-head-${ticket.id} .status-closed`).waitFor()
    expect(await sofia.page.locator(`#ws-actions-${ticket.id} details`).count()).toBe(0)
  }, 30_000)

  test('no console error/warning, page error, CSP violation, failed request or unexpected HTTP error', () => {
    const check = (who: string, d: Diagnostics, expectedHttp: { method: string; path: string; status: number }[]) => {
      // The one intentional non-2xx: Carla's invalid CPF (422, the form with the error inline).
      const intentional = (text: string) => /^Failed to load resource: the server responded with a status of 422\b/.test(text)
      const consoleLeft = d.console.filter((m) => !intentional(m.text))
      if (consoleLeft.length || d.csp.length || d.pageErrors.length || d.failedRequests.length) console.log(`${who} diagnostics:`, JSON.stringify(d, null, 2))
      expect(consoleLeft).toEqual([])
      expect(d.csp).toEqual([])
      expect(d.pageErrors).toEqual([])
      expect(d.failedRequests).toEqual([])
      expect(d.dialogs).toEqual([])
      expect(d.httpErrors).toEqual(expectedHttp)
    }
    check('carla', carla.diagnostics, [{ method: 'POST', path: `/workspace/${ticket.id}/customer/new`, status: 422 }])
    check('diego', diego.diagnostics, [])
    check('sofia', sofia.diagnostics, [])
    expect(tab2Problems).toEqual([])
  }, 30_000)
})
