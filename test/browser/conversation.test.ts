// Browser suite for the conversation page: an agent opens a ticket made by a real (signed) webhook,
// a customer message arrives live, the agent replies with Enter (Shift+Enter for a new line), sees
// the ticks move to delivered/read as the fake Graph API's status webhooks arrive, writes an
// internal note, sends a picture, and meets the closed 24-hour window — in Debian Chromium, with
// no console error, page error or CSP violation along the way.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { write } from '../../src/db/open'
import { gradientPng } from '../support/png'
import { seedUser, startTestServer, type TestServer } from '../support/server'
import { envelope, textFrom, unix, wamid, whatsappRig, type WhatsAppRig } from '../support/whatsapp'
import { launchBrowser, markDocument, sameDocument, signIn, waitForLive, type BrowserSession } from './support'

const AGENT = { name: 'Carla Atendente', email: 'carla@example.com', password: 'carla-secret-1' }
const CUSTOMER = { waId: '5583988887777', name: 'João <img src=x onerror=alert(1)>' }

const PNG = gradientPng(320, 200)

let srv: TestServer
let wa: WhatsAppRig
let b: BrowserSession
let page: Page
let ticketId: number
const shotsDir = mkdtempSync(join(tmpdir(), 'kumquat-shots-'))

const url = (path: string) => srv.url + path
const messages = () => srv.ctx.stores.messages.ofTicket(ticketId)
const conversation = () => page.locator(`#conversation-${ticketId}`)
const item = (id: number) => page.locator(`#message-${id}`)

beforeAll(async () => {
  srv = await startTestServer()
  wa = await whatsappRig(srv)
  // The fake number answers our sends like a phone would: sent → delivered → read, by signed webhook.
  await wa.answerLikeAPhone(['sent', 'delivered', 'read'], 400)
  const { user } = await seedUser(srv.ctx, { email: AGENT.email, name: AGENT.name, password: AGENT.password, sector_ids: [wa.sectorId] })
  // A customer writes first: a ticket in the sector's queue, then assigned to the agent.
  expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(CUSTOMER.waId, 'Boa tarde! Meu pedido não chegou.', CUSTOMER.name)))).status).toBe(200)
  await wa.until(() => srv.ctx.stores.contacts.byKey(wa.channelId, CUSTOMER.waId) !== null && srv.ctx.stores.inbound.pendingCount() === 0)
  const contact = srv.ctx.stores.contacts.byKey(wa.channelId, CUSTOMER.waId)!
  ticketId = srv.ctx.stores.tickets.lastOfContact(contact.id)!.id
  write(srv.ctx.db, () => srv.ctx.db.query("UPDATE tickets SET status = 'open', assignee_id = ?, assigned_at = ? WHERE id = ?").run(user.id, Date.now(), ticketId))
  await wa.until(() => messages().some((m) => m.author === 'system' && m.status === 'read'), 10_000)

  b = await launchBrowser()
  page = b.page
  page.setDefaultTimeout(10_000)
})

afterAll(async () => {
  await b?.close()
  await srv?.stop()
  await wa?.meta.stop()
})

describe('conversation in Chromium', () => {
  test('the agent signs in, finds the ticket in the list and opens the conversation', async () => {
    await signIn(page, srv.url, AGENT.email, AGENT.password)
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Consulta' }).click()
    await page.waitForURL((u) => u.pathname === '/tickets')
    const row = page.locator(`#ticket-row-${ticketId}`)
    expect(await row.locator('.contact-name').textContent()).toBe(CUSTOMER.name)
    expect(await row.textContent()).toContain('Em atendimento')
    await row.getByRole('link').click()
    await page.waitForURL((u) => u.pathname === `/tickets/${ticketId}`)
    await waitForLive(page)

    expect(await page.locator('.ticket-head .contact-name').textContent()).toBe(CUSTOMER.name)
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    expect(await conversation().locator('article').count()).toBe(2)
    expect(await conversation().locator('article').first().textContent()).toContain('Meu pedido não chegou.')
    expect(await conversation().locator('article.msg-system .ticks.read').count()).toBe(1)
    // Opened by its assignee: the customer's message is marked read at Meta.
    const first = messages().find((m) => m.direction === 'in')!
    await wa.until(() => wa.meta.state.reads.some((r) => r.messageId === first.external_id))
  })

  test('a customer message delivered by webhook appears live, escaped, without a reload', async () => {
    await markDocument(page)
    const hostile = 'Pode verificar? <b>urgente</b> <img src=y onerror=alert(2)> 🙏'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(CUSTOMER.waId, hostile, CUSTOMER.name)))
    await conversation().locator('article.msg-in', { hasText: 'Pode verificar?' }).waitFor()
    const last = conversation().locator('article').last()
    expect(await last.locator('.msg-text').textContent()).toBe(hostile)
    expect(await conversation().locator('b, img[src="y"]').count()).toBe(0)
    expect(await sameDocument(page)).toBe(true)
    // The conversation follows the newest message.
    expect(await conversation().evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(80)
  })

  test('the agent replies with Enter (Shift+Enter for a new line); the ticks follow the status webhooks to read', async () => {
    await markDocument(page)
    const box = page.locator(`#composer-${ticketId}-text`)
    await box.click()
    await box.pressSequentially('Olá, João! Vou verificar agora 😊')
    await box.press('Shift+Enter')
    await box.pressSequentially('Um instante, por favor.')
    const posted = page.waitForResponse((r) => new URL(r.url()).pathname === `/tickets/${ticketId}/messages` && r.request().method() === 'POST')
    await box.press('Enter')
    const r = await posted
    if (r.status() !== 200) console.log('DEBUG', r.request().headers(), r.request().postData(), await r.text())
    expect(r.status()).toBe(200)
    // A fresh composer: empty, focus kept.
    await page.waitForFunction((id) => (document.getElementById(`composer-${id}-text`) as HTMLTextAreaElement | null)?.value === '', ticketId)

    await wa.until(() => messages().some((m) => m.author === 'agent' && m.type === 'text'))
    const reply = messages().find((m) => m.author === 'agent' && m.type === 'text')!
    expect(reply.text).toBe('Olá, João! Vou verificar agora 😊\nUm instante, por favor.')
    await item(reply.id).waitFor()
    expect(await item(reply.id).locator('.msg-text').textContent()).toBe('Olá, João! Vou verificar agora 😊\nUm instante, por favor.')
    expect(await item(reply.id).locator('.msg-author').textContent()).toBe(AGENT.name)
    await item(reply.id).locator('.ticks.delivered, .ticks.read').waitFor()
    await item(reply.id).locator('.ticks.read').waitFor()
    expect(srv.ctx.stores.messages.get(reply.id)!.status).toBe('read')
    expect(await conversation().locator(`#message-${reply.id}`).count()).toBe(1) // appended once, not twice
    expect(await sameDocument(page)).toBe(true)
  })

  test('an internal note: yellow, labelled, never sent', async () => {
    await markDocument(page)
    const sends = wa.meta.state.messages.length
    await page.locator(`#composer-${ticketId}-note`).check()
    const box = page.locator(`#composer-${ticketId}-text`)
    await box.fill('Cliente pediu retorno até 18h.')
    await box.press('Enter')
    const note = conversation().locator('article.msg-note', { hasText: 'Cliente pediu retorno até 18h.' })
    await note.waitFor()
    // The note reaches the page through the live stream, maybe before the form's answer: wait for
    // that answer (an empty composer), or its swap would tick the note box again after the uncheck.
    await page.waitForFunction((id) => (document.getElementById(`composer-${id}-text`) as HTMLTextAreaElement | null)?.value === '', ticketId)
    expect(await note.textContent()).toContain('nota interna — não enviada ao cliente')
    expect(await note.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(255, 248, 214)')
    // The toggle stays on for the next note; untick it for the customer.
    expect(await page.locator(`#composer-${ticketId}-note`).isChecked()).toBe(true)
    await page.locator(`#composer-${ticketId}-note`).uncheck()
    await Bun.sleep(300)
    expect(wa.meta.state.messages.length).toBe(sends)
    expect(await sameDocument(page)).toBe(true)
  })

  test('a picture: attached, sent, shown inline from /media', async () => {
    await markDocument(page)
    await page.locator(`#composer-${ticketId}-file`).setInputFiles({ name: 'comprovante.png', mimeType: 'image/png', buffer: PNG })
    await page.locator(`#composer-${ticketId}-text`).fill('Segue o comprovante')
    await page.locator(`#composer-${ticketId}`).getByRole('button', { name: 'Enviar' }).click()
    const image = conversation().locator('article.msg-out', { hasText: 'Segue o comprovante' })
    await image.locator('img.media-image').waitFor()
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('img.media-image')).every((i) => i.complete && i.naturalWidth > 0))
    await image.locator('.ticks.read').waitFor()
    expect(await sameDocument(page)).toBe(true)
  })

  test('24-hour window closed: the send is refused with the reason, the text kept; a note still goes', async () => {
    write(srv.ctx.db, () => srv.ctx.db.query('UPDATE tickets SET last_inbound_at = ? WHERE id = ?').run(Date.now() - 25 * 3600_000, ticketId))
    await markDocument(page)
    const box = page.locator(`#composer-${ticketId}-text`)
    await box.fill('Ainda está aí?')
    const posted = page.waitForResponse((r) => new URL(r.url()).pathname === `/tickets/${ticketId}/messages`)
    await box.press('Enter')
    expect((await posted).status()).toBe(409)
    const composer = page.locator(`#composer-${ticketId}`)
    await page.locator(`#composer-${ticketId}[data-window="closed"]`).waitFor()
    expect(await composer.locator('.window-banner').textContent()).toContain('Janela de 24 horas encerrada — envie um modelo (HSM)')
    expect(await composer.locator('.composer-feedback').textContent()).toBe('Janela de 24 horas encerrada — envie um modelo (HSM)')
    expect(await composer.getByRole('link', { name: 'Enviar modelo (HSM)' }).getAttribute('href')).toBe(`/tickets/${ticketId}/template`)
    expect(await page.locator(`#composer-${ticketId}-text`).inputValue()).toBe('Ainda está aí?')
    expect(messages().some((m) => m.text === 'Ainda está aí?')).toBe(false)

    // Still an internal note. The composer's answer to it is swapped in before the customer writes:
    // rendered while the window was closed, it would close the composer again if it landed after
    // the live update (the two travel on different connections; a loaded machine reorders them).
    const notePosted = page.waitForResponse((r) => new URL(r.url()).pathname === `/tickets/${ticketId}/messages`)
    await page.locator(`#composer-${ticketId}-text`).press('Enter')
    expect((await notePosted).status()).toBe(200)
    await conversation().locator('article.msg-note', { hasText: 'Ainda está aí?' }).waitFor()
    await page.waitForFunction((id) => (document.getElementById(`composer-${id}-text`) as HTMLTextAreaElement | null)?.value === '', ticketId)

    // The customer writes again: the window reopens and the free composer comes back, live.
    await wa.deliver(envelope(wa.phoneNumberId, { contacts: [{ profile: { name: CUSTOMER.name }, wa_id: CUSTOMER.waId }], messages: [{ from: CUSTOMER.waId, id: wamid(), timestamp: unix(), type: 'text', text: { body: 'Estou sim!' } }] }))
    await page.locator(`#composer-${ticketId}[data-window="open"]`).waitFor()

    expect(await page.locator(`#composer-${ticketId}-note`).isChecked()).toBe(true)
    expect(await sameDocument(page)).toBe(true)
  })

  // Last (before the diagnostics): Playwright's screenshot leaves style="" on inputs, which a later
  // swap would copy (htmx settle) and Chromium would report as an inline style under the CSP.
  test('screenshot of the conversation', async () => {
    await conversation().evaluate((el) => {
      el.scrollTop = el.scrollHeight
    })
    await page.setViewportSize({ width: 1280, height: 1000 })
    await page.waitForFunction(() => document.getAnimations().length === 0)
    const shot = join(shotsDir, 'conversation.png')
    await page.screenshot({ path: shot, fullPage: true })
    console.log(`screenshot:\n  ${shot}`)
  })

  test('no console error/warning, page error, CSP violation, failed request or unexpected HTTP error', () => {
    const d = b.diagnostics
    // The one intentional non-2xx: the send refused outside the 24-hour window.
    const intentional = (text: string) => /^Failed to load resource: the server responded with a status of 409\b/.test(text)
    const consoleLeft = d.console.filter((m) => !intentional(m.text))
    if (consoleLeft.length || d.csp.length || d.pageErrors.length || d.failedRequests.length) console.log('diagnostics:', JSON.stringify(d, null, 2))
    expect(consoleLeft).toEqual([])
    expect(d.csp).toEqual([])
    expect(d.pageErrors).toEqual([])
    expect(d.failedRequests).toEqual([])
    expect(d.dialogs).toEqual([])
    expect(d.httpErrors).toEqual([{ method: 'POST', path: `/tickets/${ticketId}/messages`, status: 409 }])
  })
})
