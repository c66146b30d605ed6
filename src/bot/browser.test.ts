// In Chromium under the real CSP: an admin edits a flow in the page (a step's type changed redraws
// the form with htmx, in the same document; a broken draft is explained; a good one is saved as a
// new version) and the flow then runs for a customer writing on WhatsApp. No console error, page
// error or CSP violation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { write } from '../db/open'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import { launchBrowser, markDocument, sameDocument, signIn, type BrowserSession } from '../../test/browser/support'

let srv: TestServer
let wa: WhatsAppRig
let b: BrowserSession
let page: Page
let flowId: number
const url = (p: string) => srv.url + p

beforeAll(async () => {
  srv = await startTestServer()
  wa = await whatsappRig(srv)
  flowId = srv.ctx.stores.bot.flows.builtin()!.id
  write(srv.ctx.db, () => srv.ctx.db.query('UPDATE channels SET bot_flow_id = ? WHERE id = ?').run(flowId, wa.channelId))
  await seedUser(srv.ctx, { email: 'admin@example.com', profile: 'admin', name: 'Ana Admin' })
  b = await launchBrowser()
  page = b.page
  page.setDefaultTimeout(10_000)
  await signIn(page, srv.url, 'admin@example.com')
})

afterAll(async () => {
  await b?.close()
  await srv?.stop()
  await wa?.meta.stop()
})

describe('the flow editor in Chromium', () => {
  test('changing a step’s type redraws its fields with htmx, without leaving the page', async () => {
    await page.goto(url(`/admin/bot/flows/${flowId}`))
    await markDocument(page)
    await page.selectOption('#s0_type', 'menu')
    await page.locator('input[name="s0_o0_title"]').waitFor()
    expect(await sameDocument(page)).toBe(true)
    // The draft was not saved.
    expect(srv.ctx.stores.bot.flows.get(flowId)!.current_version).toBe(1)
  })

  test('a broken draft is explained; a good change is saved as a new version', async () => {
    await page.goto(url(`/admin/bot/flows/${flowId}`))
    await page.selectOption('#s0_next', '')
    await page.getByRole('button', { name: 'Salvar nova versão' }).click()
    await page.locator('.field-error', { hasText: 'Escolha a próxima etapa.' }).waitFor()
    await page.selectOption('#s0_next', 'conhecido')
    await page.fill('#s0_text', 'Olá do navegador, {nome}!')
    await page.getByRole('button', { name: 'Salvar nova versão' }).click()
    await page.locator('.flash.ok', { hasText: 'Fluxo salvo como uma nova versão.' }).waitFor()
    expect(srv.ctx.stores.bot.flows.get(flowId)!.current_version).toBe(2)
  })

  test('the saved flow runs for a customer on WhatsApp', async () => {
    await wa.deliver(envelope(wa.phoneNumberId, textFrom('5583966660001', 'oi')))
    await wa.until(() => wa.meta.state.messages.some((m) => m.to === '+5583966660001'))
    const first = wa.meta.state.messages.find((m) => m.to === '+5583966660001')!
    expect((first.body as { text: { body: string } }).text.body).toBe('Olá do navegador, Maria Cliente!')
  })

  test('no console error, page error, CSP violation or failed request', () => {
    const d = b.diagnostics
    expect(d.console.filter((m) => !/status of 422/.test(m.text))).toEqual([])
    expect(d.pageErrors).toEqual([])
    expect(d.csp).toEqual([])
    // The layout's notices area loads after each page; a navigation may cut it short (not ours).
    expect(d.failedRequests.filter((r) => !(r.failure === 'net::ERR_ABORTED' && new URL(r.url).pathname === '/notices/area'))).toEqual([])
    expect(d.httpErrors).toEqual([{ method: 'POST', path: `/admin/bot/flows/${flowId}`, status: 422 }])
  })
})
