// The monitoring page in Chromium: it updates by itself while a customer writes (signed WhatsApp
// webhooks through the real pipeline) and an agent acts (goes available, gets the ticket by the
// routing worker, answers); the supervisor forces a presence and moves a ticket from the page; an
// alert and a notice arrive in the notices area live. No reload, no console error, no CSP
// violation along the way.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { launchBrowser, markDocument, sameDocument, signIn, waitForLive, type BrowserSession } from '../../test/browser/support'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import { write } from '../db/open'
import { queueOutbound } from '../desk/outbound'
import { setPresence } from '../desk/presence'
import { publishNotice } from '../notices/notices'

let srv: TestServer
let wa: WhatsAppRig
let b: BrowserSession
let page: Page
const ids: Record<string, number> = {}
const SUP = { email: 'sofia@example.com', name: 'Sofia Supervisora', password: 'sofia-secret-1' }
const CUSTOMER = { waId: '5583977776666', name: 'Rita <img src=x onerror=alert(1)>' }

// The alert worker evaluates every 5 s: a step may wait for it.
setDefaultTimeout(30_000)
const agentRow = (id: number) => page.locator(`#monitor-agent-${id}`)
const ticketOf = () => {
  const contact = srv.ctx.stores.contacts.byKey(wa.channelId, CUSTOMER.waId)
  return contact ? srv.ctx.stores.tickets.lastOfContact(contact.id) : null
}

beforeAll(async () => {
  srv = await startTestServer()
  wa = await whatsappRig(srv)
  ids.sector = wa.sectorId
  ids.other = write(srv.ctx.db, () => srv.ctx.stores.sectors.create({ name: 'Financeiro', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  ids.sup = (await seedUser(srv.ctx, { email: SUP.email, name: SUP.name, password: SUP.password, profile: 'supervisor', sector_ids: [ids.sector, ids.other] })).user.id
  ids.agent = (await seedUser(srv.ctx, { email: 'paulo@example.com', name: 'Paulo Atendente', sector_ids: [ids.sector] })).user.id
  ids.agent2 = (await seedUser(srv.ctx, { email: 'lia@example.com', name: 'Lia Financeiro', sector_ids: [ids.other] })).user.id
  // A rule: the customer waits for an answer for more than 0 minutes (fires as soon as evaluated).
  write(srv.ctx.db, () => srv.ctx.stores.alerts.createRule({ sector_id: ids.sector, kind: 'customer_waiting', threshold_min: 0, cooldown_min: 0, webhook_url: null, active: true }, null, null))
  b = await launchBrowser()
  page = b.page
  page.setDefaultTimeout(10_000)
}, 60_000)

afterAll(async () => {
  await b?.close()
  await srv?.stop()
  await wa?.meta.stop()
}, 30_000)

describe('monitoring in Chromium', () => {
  test('the supervisor signs in and opens the monitoring page', async () => {
    await signIn(page, srv.url, SUP.email, SUP.password)
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Monitoramento' }).click()
    await page.waitForURL((u) => u.pathname === '/monitoring')
    await waitForLive(page)
    // Both streams are up: the page's own board stream and the layout's.
    await page.waitForFunction(() => ((window as unknown as { __kq: { sseConnected: number } }).__kq.sseConnected ?? 0) >= 2)
    expect(await page.locator(`#monitor-sector-${ids.sector} [data-cell=waiting]`).textContent()).toBe('0')
    expect(await agentRow(ids.agent).locator('[data-cell=presence]').textContent()).toBe('Offline')
    await markDocument(page)
  })

  test('a customer writes: the ticket appears waiting, then in the agent’s hands when he goes available — no reload', async () => {
    expect((await wa.deliver(envelope(wa.phoneNumberId, textFrom(CUSTOMER.waId, 'Meu boleto venceu!', CUSTOMER.name)))).status).toBe(200)
    await wa.until(() => ticketOf()?.status === 'queued')
    const id = ticketOf()!.id
    ids.ticket = id
    const row = page.locator(`#monitor-ticket-${id}`)
    await row.waitFor()
    expect(await row.locator('.contact-name').textContent()).toBe(CUSTOMER.name)
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    await page.locator(`#monitor-sector-${ids.sector} [data-cell=waiting]`, { hasText: '1' }).waitFor()
    // The agent goes available (from his own session, via the API): routing hands him the ticket.
    setPresence(srv.ctx, srv.ctx.stores.users.get(ids.agent)!, 'available', null)
    await agentRow(ids.agent).locator('[data-cell=presence]', { hasText: 'Disponível' }).waitFor()
    await wa.until(() => ticketOf()?.status === 'open')
    await page.locator(`#monitor-sector-${ids.sector} [data-cell=open]`, { hasText: '1' }).waitFor()
    await page.locator(`table.monitoring-tickets.open #monitor-ticket-${id}`).waitFor()
    expect(await agentRow(ids.agent).locator('[data-cell=load]').textContent()).toContain('WhatsApp 1/3')
    expect(await sameDocument(page)).toBe(true)
  })

  test('an alert (customer waiting for an answer) arrives in the notices area with the chime; acknowledging removes it', async () => {
    // The alert worker evaluates every few seconds.
    const alert = page.locator('#alerts-live li[data-alert="customer_waiting"]')
    await alert.waitFor({ timeout: 15_000 })
    expect(await alert.textContent()).toContain('cliente sem resposta')
    expect(await page.locator('#alerts-live audio[data-chime]').count()).toBe(1)
    // The agent answers: the alert clears (stays listed until acknowledged, marked back to normal).
    queueOutbound(srv.ctx, ticketOf()!, { author: 'agent', author_id: ids.agent, type: 'text', text: 'Vou verificar!' })
    await page.locator('#alerts-live li[data-alert="customer_waiting"] .badge.ok').waitFor({ timeout: 15_000 })
    await alert.getByRole('button', { name: 'Ciente' }).click()
    await alert.waitFor({ state: 'detached' })
    expect(await sameDocument(page)).toBe(true)
  })

  test('force a presence from the page: the flash says so and the board follows', async () => {
    const row = agentRow(ids.agent)
    await row.locator('select[name=status]').selectOption('paused')
    await row.locator('input[name=reason]').fill('treinamento')
    await row.getByRole('button', { name: 'Alterar' }).click()
    await page.locator('#monitoring-flash .flash.ok', { hasText: 'Paulo Atendente' }).waitFor()
    await agentRow(ids.agent).locator('[data-cell=presence]', { hasText: 'Em pausa' }).waitFor()
    expect(await agentRow(ids.agent).textContent()).toContain('treinamento')
    expect(srv.ctx.db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit_log WHERE action = 'presence.force'").get()!.n).toBe(1)
  })

  test('move the ticket to another sector’s queue from the page', async () => {
    const row = page.locator(`#monitor-ticket-${ids.ticket}`)
    await row.getByRole('link', { name: 'Mover' }).click()
    const panel = page.locator('#monitoring-panel form')
    await panel.waitFor()
    await panel.locator('select[name=to]').selectOption(`sector:${ids.other}`)
    await panel.locator('input[name=note]').fill('assunto financeiro')
    await panel.getByRole('button', { name: 'Mover' }).click()
    await page.locator('#monitoring-flash .flash.ok', { hasText: 'movido' }).waitFor()
    await page.locator(`#monitor-sector-${ids.other} [data-cell=waiting]`, { hasText: '1' }).waitFor()
    expect(srv.ctx.stores.tickets.get(ids.ticket)).toMatchObject({ status: 'queued', sector_id: ids.other })
    expect(await sameDocument(page)).toBe(true)
  })

  test('a notice to the supervisor’s sector appears in the header area live, and is marked read', async () => {
    publishNotice(srv.ctx, { title: 'Reunião às 17h', body: 'Sala 2', level: 'warning', target: 'sector', target_id: ids.other, starts_at: Date.now(), ends_at: Date.now() + 3_600_000, created_by: null })
    const notice = page.locator('#notices-list li', { hasText: 'Reunião às 17h' })
    await notice.waitFor()
    await notice.getByRole('button', { name: 'Marcar como lido' }).click()
    await notice.waitFor({ state: 'detached' })
    expect(await sameDocument(page)).toBe(true)
  })

  test('no console error/warning, page error, CSP violation or failed request', () => {
    const d = b.diagnostics
    // The board stream is cut when the page goes away: expected.
    const failed = d.failedRequests.filter((r) => !r.url.endsWith('/monitoring/stream'))
    if (d.console.length || d.csp.length || d.pageErrors.length || failed.length) console.log('diagnostics:', JSON.stringify(d, null, 2))
    // Chromium may refuse to autoplay the chime before a user gesture; that is not an error of ours.
    expect(d.console.filter((m) => !/play\(\)|autoplay/i.test(m.text))).toEqual([])
    expect(d.csp).toEqual([])
    expect(d.pageErrors).toEqual([])
    expect(failed).toEqual([])
    expect(d.httpErrors).toEqual([])
  })
})
