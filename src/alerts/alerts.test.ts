// Alert rules: each kind fires once per condition and clears when it stops; the cool-down holds
// a re-fire back; supervisors see their scope's alerts live (with the chime) and on the alerts
// page until acknowledged; rules are an admin's; the outgoing webhook is signed and retried.
// (The server's own evaluation worker runs too, as in production: assertions look at the alerts
// table, whoever evaluated first.)
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { SseReader } from '../../test/support/sse'
import { write } from '../db/open'
import { saveWebhookSettings } from '../integrations/webhooks'
import { insertSurveyAnswer, insertTicket, makeChannel, makeSector } from '../reports/fixture'
import { acknowledgeAlert, evaluateAlerts } from './evaluate'
import type { RuleInput } from './store'
import { backoffMs, MAX_ATTEMPTS, sendDelivery, sendDueDeliveries, verifySignature } from './webhook'

let s: TestServer
const ids: Record<string, number> = {}
const MIN = 60_000

const rule = (input: Partial<RuleInput> & Pick<RuleInput, 'kind'>, secret: string | null = null) =>
  write(s.ctx.db, () => s.ctx.stores.alerts.createRule({ sector_id: null, threshold_min: 5, cooldown_min: 10, webhook_url: null, active: true, ...input }, secret, null))
/**
 * The server's own webhook loop (every 5 s) sends due deliveries too: a delivery this test sends by
 * hand is put an hour ahead first (no await in between), or both could send it.
 */
const keepFromWorker = (alertId: number) =>
  write(s.ctx.db, () => s.ctx.db.run("UPDATE alert_deliveries SET next_attempt_at = next_attempt_at + 3600000 WHERE alert_id = ? AND status = 'pending'", [alertId]))
const alertsOf = (ruleId: number) => s.ctx.db.query<{ id: number; subject: string; cleared_at: number | null; acked_at: number | null; details: string }, [number]>('SELECT id, subject, cleared_at, acked_at, details FROM alerts WHERE rule_id = ? ORDER BY id').all(ruleId)
const off = (ruleId: number) => write(s.ctx.db, () => s.ctx.stores.alerts.deleteRule(ruleId))

beforeAll(async () => {
  s = await startTestServer()
  const ctx = s.ctx
  ids.S1 = makeSector(ctx, 'Vendas')
  ids.S2 = makeSector(ctx, 'Suporte')
  ids.C1 = makeChannel(ctx, 'WhatsApp Vendas', ids.S1)
  ids.C2 = makeChannel(ctx, 'WhatsApp Suporte', ids.S2)
  for (const [name, profile, sectors] of [
    ['ana', 'agent', [ids.S1]],
    ['sue', 'supervisor', [ids.S1]],
    ['root', 'admin', []],
  ] as const) {
    const { user } = await seedUser(ctx, { email: `${name}@example.com`, name: name[0].toUpperCase() + name.slice(1), profile, sector_ids: [...sectors] })
    ids[name] = user.id
  }
  // Nobody takes tickets here: Ana (the only agent) holds no room.
  write(ctx.db, () => ctx.stores.users.update(ids.ana, { limits: { whatsapp: 0, webchat: 0, email: 0 } }))
})
afterAll(() => s.stop())

describe('rules fire once per condition and clear', () => {
  test('queue_wait: a ticket waiting longer than N minutes; the cool-down holds a re-fire back', () => {
    const r = rule({ kind: 'queue_wait', sector_id: ids.S1, threshold_min: 5, cooldown_min: 10 })
    const now = Date.now()
    const t1 = insertTicket(s.ctx, { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: now - 8 * MIN, queued_at: now - 8 * MIN })
    // Another sector's long wait is not this rule's business.
    insertTicket(s.ctx, { channel_id: ids.C2, status: 'queued', sector_id: ids.S2, created_at: now - 30 * MIN, queued_at: now - 30 * MIN })
    evaluateAlerts(s.ctx, now)
    evaluateAlerts(s.ctx, now + 1000)
    let list = alertsOf(r)
    expect(list.length).toBe(1)
    expect(list[0]).toMatchObject({ subject: `sector:${ids.S1}`, cleared_at: null })
    expect(JSON.parse(list[0].details)).toMatchObject({ waiting: 1 })
    // The ticket is taken: the alert clears.
    write(s.ctx.db, () => s.ctx.db.query("UPDATE tickets SET status = 'open', assignee_id = ?, assigned_at = ? WHERE id = ?").run(ids.ana, now, t1))
    evaluateAlerts(s.ctx, now + 2000)
    list = alertsOf(r)
    expect(list.length).toBe(1)
    expect(list[0].cleared_at).not.toBeNull()
    // Someone else waits too long again right away: held back by the 10-minute cool-down …
    insertTicket(s.ctx, { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: now - 6 * MIN, queued_at: now - 6 * MIN })
    evaluateAlerts(s.ctx, now + 3000)
    expect(alertsOf(r).length).toBe(1)
    // … and fires once the cool-down has passed.
    evaluateAlerts(s.ctx, list[0].cleared_at! + 10 * MIN)
    evaluateAlerts(s.ctx, list[0].cleared_at! + 10 * MIN + 1000)
    list = alertsOf(r)
    expect(list.length).toBe(2)
    expect(list[1].cleared_at).toBeNull()
    off(r)
  })

  test('no_agent: tickets wait and nobody of the sector is available (for N minutes)', async () => {
    const r = rule({ kind: 'no_agent', sector_id: ids.S1, threshold_min: 0 })
    evaluateAlerts(s.ctx)
    expect(alertsOf(r).filter((a) => a.cleared_at === null).length).toBe(1)
    // Ana becomes available (even without room for tickets, she is there): it clears.
    const ana = new Browser(s.url)
    await ana.login('ana@example.com')
    expect((await ana.post('/presence', { _csrf: await ana.csrf('/notices'), status: 'available' })).status).toBeLessThan(400)
    evaluateAlerts(s.ctx)
    expect(alertsOf(r).map((a) => a.cleared_at !== null)).toEqual([true])
    // Threshold: with N = 30 minutes, a sector empty for less than that does not fire.
    const r30 = rule({ kind: 'no_agent', sector_id: ids.S2, threshold_min: 30 })
    const now = Date.now()
    insertTicket(s.ctx, { channel_id: ids.C2, status: 'queued', sector_id: ids.S2, created_at: now - MIN, queued_at: now - MIN })
    evaluateAlerts(s.ctx, now)
    // S2's older ticket has waited 30 minutes and S2 never had anyone: it fires.
    expect(alertsOf(r30).length).toBe(1)
    off(r)
    off(r30)
  })

  test('first_response: an agent has not answered a ticket assigned N minutes ago; clears on the reply', () => {
    const r = rule({ kind: 'first_response', threshold_min: 5 })
    const now = Date.now()
    const t = insertTicket(s.ctx, { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.ana, created_at: now - 20 * MIN, queued_at: now - 20 * MIN, assigned_at: now - 10 * MIN })
    const fresh = insertTicket(s.ctx, { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.ana, created_at: now - 3 * MIN, queued_at: now - 3 * MIN, assigned_at: now - 2 * MIN })
    evaluateAlerts(s.ctx, now)
    evaluateAlerts(s.ctx, now)
    expect(alertsOf(r).map((a) => a.subject)).toEqual([`ticket:${t}:user:${ids.ana}`])
    void fresh
    // The agent writes: it clears.
    write(s.ctx.db, () => {
      s.ctx.stores.messages.insert({ ticket_id: t, channel_id: ids.C1, direction: 'out', author: 'agent', author_id: ids.ana, type: 'text', text: 'Olá!', status: 'sent' } as never)
      s.ctx.stores.tickets.markFirstResponse(t, Date.now())
    })
    evaluateAlerts(s.ctx)
    expect(alertsOf(r).every((a) => a.cleared_at !== null)).toBe(true)
    off(r)
  })

  test('customer_waiting: the customer’s last message unanswered for N minutes; clears on the answer', () => {
    const r = rule({ kind: 'customer_waiting', threshold_min: 5 })
    const now = Date.now()
    const t = insertTicket(s.ctx, { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.ana, created_at: now - 30 * MIN, queued_at: now - 30 * MIN, assigned_at: now - 29 * MIN })
    const m = write(s.ctx.db, () => s.ctx.stores.messages.insert({ ticket_id: t, channel_id: ids.C1, direction: 'in', author: 'customer', type: 'text', text: 'Alô?', status: 'received' } as never))
    s.ctx.db.query('UPDATE messages SET created_at = ? WHERE id = ?').run(now - 7 * MIN, m)
    evaluateAlerts(s.ctx, now)
    evaluateAlerts(s.ctx, now)
    expect(alertsOf(r).map((a) => [a.subject, a.cleared_at])).toEqual([[`ticket:${t}`, null]])
    // An internal note is not an answer; a reply is.
    write(s.ctx.db, () => s.ctx.stores.messages.insert({ ticket_id: t, channel_id: ids.C1, direction: 'out', author: 'agent', author_id: ids.ana, type: 'note', text: 'vou ver', status: 'sent' } as never))
    evaluateAlerts(s.ctx, now)
    expect(alertsOf(r)[0].cleared_at).toBeNull()
    write(s.ctx.db, () => s.ctx.stores.messages.insert({ ticket_id: t, channel_id: ids.C1, direction: 'out', author: 'agent', author_id: ids.ana, type: 'text', text: 'Oi!', status: 'sent' } as never))
    evaluateAlerts(s.ctx, now)
    expect(alertsOf(r)[0].cleared_at).not.toBeNull()
    off(r)
  })

  test('negative_survey: one alert per negative answer (given after the rule exists), kept until acknowledged', () => {
    const now = Date.now()
    const t = insertTicket(s.ctx, { channel_id: ids.C1, status: 'closed', sector_id: ids.S1, assignee_id: ids.ana, created_at: now - 60 * MIN, closed_at: now - 30 * MIN })
    const add = (kind: 'csat' | 'nps', score: number, at: number) => insertSurveyAnswer(s.ctx, t, kind, score, at)
    add('csat', 1, now - 120 * MIN) // before the rule: ignored
    const r = rule({ kind: 'negative_survey' })
    add('csat', 4, Date.now() + 1) // positive
    add('nps', 6, Date.now() + 2) // a detractor: negative
    evaluateAlerts(s.ctx, Date.now() + 10)
    evaluateAlerts(s.ctx, Date.now() + 20)
    const list = alertsOf(r)
    expect(list.length).toBe(1)
    expect(JSON.parse(list[0].details)).toMatchObject({ kind: 'nps', score: 6 })
    expect(list[0].cleared_at).toBeNull()
    expect(acknowledgeAlert(s.ctx, list[0].id, ids.root)).toBe(true)
    expect(acknowledgeAlert(s.ctx, list[0].id, ids.root)).toBe(false)
    evaluateAlerts(s.ctx, Date.now() + 30)
    expect(alertsOf(r).length).toBe(1) // never again for the same answer
    off(r)
  })
})

describe('pages and permissions', () => {
  test('rules are an admin’s; supervisors see alerts of their scope; agents see none', async () => {
    const admin = new Browser(s.url)
    await admin.login('root@example.com')
    const sup = new Browser(s.url)
    await sup.login('sue@example.com')
    const agent = new Browser(s.url)
    await agent.login('ana@example.com')
    expect((await sup.fetch('/alerts/rules')).status).toBe(403)
    expect((await agent.fetch('/alerts')).status).toBe(403)
    expect((await agent.fetch('/alerts/rules')).status).toBe(403)
    // The admin creates a rule from the page; a bad one is explained.
    const csrf = await admin.csrf('/alerts/rules')
    const bad = await admin.post('/alerts/rules', { _csrf: csrf, kind: 'queue_wait', sector_id: String(ids.S2), threshold_min: '99999', cooldown_min: '5', webhook_url: 'ftp://x', active: '1' })
    expect(bad.status).toBe(422)
    const badHtml = await bad.text()
    expect(badHtml).toContain('Informe um número de minutos de 0 a 1440.')
    expect(badHtml).toContain('Informe um endereço http:// ou https:// válido, sem usuário e senha')
    const ok = await admin.post('/alerts/rules', { _csrf: csrf, kind: 'queue_wait', sector_id: String(ids.S2), threshold_min: '1', cooldown_min: '5', webhook_url: '', active: '1' })
    expect(ok.status).toBe(200)
    const r = s.ctx.stores.alerts.rules().find((x) => x.sector_id === ids.S2 && x.kind === 'queue_wait')!
    expect(r).toMatchObject({ threshold_min: 1, cooldown_min: 5, active: true, webhook_url: null })
    // S2 has had a ticket waiting for half an hour: the alert is S2's, which Sue does not watch.
    evaluateAlerts(s.ctx)
    const alert = alertsOf(r.id)[0]
    expect((await admin.fetch('/alerts')).status).toBe(200)
    expect(await (await admin.fetch('/alerts')).text()).toContain(`id="alert-${alert.id}"`)
    expect(await (await sup.fetch('/alerts')).text()).not.toContain(`id="alert-${alert.id}"`)
    expect((await sup.post(`/alerts/${alert.id}/ack`, { _csrf: await sup.csrf('/alerts') })).status).toBe(404)
    // The admin acknowledges it: it moves to the history.
    expect((await admin.post(`/alerts/${alert.id}/ack`, { _csrf: await admin.csrf('/alerts') })).status).toBe(303)
    const after = await (await admin.fetch('/alerts')).text()
    expect(after.slice(after.indexOf('id="alerts-open"'), after.indexOf('Histórico'))).not.toContain(`id="alert-${alert.id}"`)
    expect(after).toContain('Ciência de Root')
    // Switched off, its active alert clears at the next evaluation.
    expect((await admin.post(`/alerts/rules/${r.id}/toggle`, { _csrf: csrf })).status).toBe(303)
    evaluateAlerts(s.ctx)
    expect(alertsOf(r.id).every((a) => a.cleared_at !== null)).toBe(true)
    expect((await admin.post(`/alerts/rules/${r.id}/delete`, { _csrf: csrf })).status).toBe(303)
    expect(s.ctx.stores.alerts.rule(r.id)).toBeNull()
  })

  test('live: a firing alert reaches the supervisor’s pages with the chime, not another sector’s supervisor', async () => {
    const sup = new Browser(s.url)
    await sup.login('sue@example.com')
    const abort = new AbortController()
    const reader = new SseReader(await sup.fetch('/events', { signal: abort.signal }))
    await seedUser(s.ctx, { email: 'sam@example.com', name: 'Sam', profile: 'supervisor', sector_ids: [ids.S2] })
    const other = new Browser(s.url)
    await other.login('sam@example.com')
    const otherReader = new SseReader(await other.fetch('/events', { signal: abort.signal }))
    const r = rule({ kind: 'customer_waiting', sector_id: ids.S1, threshold_min: 1 })
    const now = Date.now()
    const t = insertTicket(s.ctx, { channel_id: ids.C1, status: 'open', sector_id: ids.S1, assignee_id: ids.ana, created_at: now - 10 * MIN, assigned_at: now - 9 * MIN, queued_at: now - 10 * MIN })
    const m = write(s.ctx.db, () => s.ctx.stores.messages.insert({ ticket_id: t, channel_id: ids.C1, direction: 'in', author: 'customer', type: 'text', text: 'Olá?', status: 'received' } as never))
    s.ctx.db.query('UPDATE messages SET created_at = ? WHERE id = ?').run(now - 5 * MIN, m)
    evaluateAlerts(s.ctx)
    let ev = await reader.next(4000)
    while (ev && !ev.data.includes('#alerts-live')) ev = await reader.next(4000)
    expect(ev!.data).toContain('<hx-partial hx-target="#alerts-live" hx-swap="innerHTML">')
    expect(ev!.data).toContain('<audio src="/alerts/sound.wav" autoplay')
    expect(ev!.data).toContain('cliente sem resposta há mais de 1 min')
    // Sam supervises S2 only: nothing for him.
    expect(await otherReader.quiet(500)).toBe(true)
    // The notices area loaded after the page shows it too (and no chime there).
    const area = await (await sup.fetch('/notices/area')).text()
    expect(area).toContain('cliente sem resposta')
    expect(area).not.toContain('<audio')
    abort.abort()
    reader.close()
    off(r)
    const wav = await fetch(s.url + '/alerts/sound.wav')
    expect(wav.headers.get('content-type')).toBe('audio/wav')
    expect(new TextDecoder().decode((await wav.arrayBuffer()).slice(0, 4))).toBe('RIFF')
  })
})

describe('outgoing webhook', () => {
  test('signed with the rule’s secret, retried on 5xx with backoff, done on 2xx', async () => {
    const received: { headers: Headers; body: string }[] = []
    let answer = 500
    const receiver = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        received.push({ headers: req.headers, body: await req.text() })
        return new Response('ok', { status: answer })
      },
    })
    const secret = 'whsec-test-secret'
    // A receiver on this machine is "rede interna": allowed only with the integrations' switch on.
    saveWebhookSettings(s.ctx, ids.root, { allow_private: true, disable_after: 10 }, null)
    const r = rule({ kind: 'queue_wait', sector_id: ids.S1, threshold_min: 1, webhook_url: `http://localhost:${receiver.port}/hooks/kumquat` }, secret)
    const now = Date.now()
    insertTicket(s.ctx, { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: now - 9 * MIN, queued_at: now - 9 * MIN })
    evaluateAlerts(s.ctx)
    const alert = alertsOf(r)[0]
    keepFromWorker(alert.id)
    let d = s.ctx.stores.alerts.deliveriesOf(alert.id)
    expect(d.map((x) => [x.event, x.status])).toEqual([['alert.fired', 'pending']])
    // First try: 500 → pending again, later.
    expect(await sendDelivery(s.ctx, d[0])).toBe('retry')
    d = s.ctx.stores.alerts.deliveriesOf(alert.id)
    expect(d[0]).toMatchObject({ status: 'pending', attempts: 1, last_status: 500 })
    expect(d[0].next_attempt_at).toBeGreaterThan(Date.now() + backoffMs(1) - 5000)
    // Not due yet: nothing is sent.
    expect(await sendDueDeliveries(s.ctx)).toBe(false)
    expect(received.length).toBe(1)
    // Due: 200 → done.
    answer = 200
    await sendDueDeliveries(s.ctx, d[0].next_attempt_at)
    expect(s.ctx.stores.alerts.deliveriesOf(alert.id)[0]).toMatchObject({ status: 'done', attempts: 2, last_status: 200 })
    expect(received.length).toBe(2)
    const { headers, body } = received[1]
    expect(headers.get('content-type')).toBe('application/json')
    expect(headers.get('x-kumquat-event')).toBe('alert.fired')
    expect(headers.get('x-kumquat-delivery')).toBe(String(d[0].id))
    expect(headers.get('host')).toBe(`localhost:${receiver.port}`) // pinned to 127.0.0.1, named in Host
    // The receiver's check: HMAC-SHA256 over "<timestamp>.<body>" with the secret.
    expect(verifySignature(secret, headers.get('x-kumquat-timestamp')!, body, headers.get('x-kumquat-signature'))).toBe(true)
    expect(verifySignature('wrong', headers.get('x-kumquat-timestamp')!, body, headers.get('x-kumquat-signature'))).toBe(false)
    expect(verifySignature(secret, headers.get('x-kumquat-timestamp')!, body.replace('queue_wait', 'no_agent'), headers.get('x-kumquat-signature'))).toBe(false)
    expect(JSON.parse(body)).toMatchObject({ event: 'alert.fired', alert: { id: alert.id, kind: 'queue_wait', sector_id: ids.S1, sector_name: 'Vendas', threshold_min: 1 } })
    // The secret is stored sealed, not in clear.
    const stored = s.ctx.db.query<{ webhook_secret: string }, [number]>('SELECT webhook_secret FROM alert_rules WHERE id = ?').get(r)!.webhook_secret
    expect(stored).not.toContain(secret)
    // A 404 (not 429/5xx) is given up at once; so is the eighth failure.
    answer = 404
    write(s.ctx.db, () => s.ctx.stores.alerts.enqueueDelivery(alert.id, 'alert.cleared', Date.now()))
    keepFromWorker(alert.id)
    const d2 = s.ctx.stores.alerts.deliveriesOf(alert.id)[1]
    expect(await sendDelivery(s.ctx, d2)).toBe('failed')
    expect(MAX_ATTEMPTS).toBe(8)
    receiver.stop(true)
    off(r)
  })

  test('two senders at once (the server’s loop, another process on the same database): each delivery goes out once', async () => {
    let received = 0
    const receiver = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch() {
        received++
        await Bun.sleep(200)
        return new Response('ok')
      },
    })
    saveWebhookSettings(s.ctx, ids.root, { allow_private: true, disable_after: 10 }, null)
    const r = rule({ kind: 'queue_wait', sector_id: ids.S1, threshold_min: 1, webhook_url: `http://127.0.0.1:${receiver.port}/hook` })
    const now = Date.now()
    insertTicket(s.ctx, { channel_id: ids.C1, status: 'queued', sector_id: ids.S1, created_at: now - 9 * MIN, queued_at: now - 9 * MIN })
    evaluateAlerts(s.ctx)
    const alert = alertsOf(r).at(-1)!
    // Two passes started together (no await between): the second finds the delivery taken.
    await Promise.all([sendDueDeliveries(s.ctx), sendDueDeliveries(s.ctx)])
    expect(received).toBe(1)
    expect(s.ctx.stores.alerts.deliveriesOf(alert.id)[0]).toMatchObject({ status: 'done', attempts: 1 })
    // Two processes that read the same due row: only the first claim holds.
    write(s.ctx.db, () => s.ctx.stores.alerts.enqueueDelivery(alert.id, 'alert.cleared', Date.now()))
    keepFromWorker(alert.id)
    const seenByA = s.ctx.stores.alerts.deliveriesOf(alert.id)[1]!
    const seenByB = { ...seenByA }
    expect(write(s.ctx.db, () => s.ctx.stores.alerts.claimDelivery(seenByA, Date.now() + 30_000))).toBe(true)
    expect(write(s.ctx.db, () => s.ctx.stores.alerts.claimDelivery(seenByB, Date.now() + 30_000))).toBe(false)
    receiver.stop(true)
    off(r)
  })

  test('the address rules of the integration webhooks: on save, and on every send (a name pointing inside)', async () => {
    const received: string[] = []
    const receiver = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => (received.push(req.headers.get('host')!), new Response('ok')) })
    saveWebhookSettings(s.ctx, ids.root, { allow_private: false, disable_after: 10 }, null)
    const admin = new Browser(s.url)
    await admin.login('root@example.com')
    const csrf = await admin.csrf('/alerts/rules')
    const post = (webhook_url: string) => admin.post('/alerts/rules', { _csrf: csrf, kind: 'no_agent', sector_id: String(ids.S2), threshold_min: '1', cooldown_min: '5', webhook_url, active: '1' })
    const before = s.ctx.stores.alerts.rules().length
    const metadata = await post('http://169.254.169.254/latest/meta-data')
    expect(metadata.status).toBe(422)
    expect(await metadata.text()).toContain('Este endereço não é permitido')
    const lan = await post(`http://127.0.0.1:${receiver.port}/hook`)
    expect(lan.status).toBe(422)
    expect(await lan.text()).toContain('Endereço da rede interna')
    expect(await (await post('http://erp.example.com/hook')).text()).toContain('Use https')
    expect(s.ctx.stores.alerts.rules().length).toBe(before)

    // Saved while allowed, sent after the name moved to cloud metadata: refused, nothing sent, not retried.
    saveWebhookSettings(s.ctx, ids.root, { allow_private: true, disable_after: 10 }, null)
    const r = rule({ kind: 'queue_wait', sector_id: ids.S2, threshold_min: 1, webhook_url: `http://hooks.localhost:${receiver.port}/hook` })
    const now = Date.now()
    insertTicket(s.ctx, { channel_id: ids.C2, status: 'queued', sector_id: ids.S2, created_at: now - 9 * MIN, queued_at: now - 9 * MIN })
    evaluateAlerts(s.ctx)
    const alert = alertsOf(r).at(-1)!
    keepFromWorker(alert.id)
    const d = s.ctx.stores.alerts.deliveriesOf(alert.id)[0]
    expect(await sendDelivery(s.ctx, d, async () => ['169.254.169.254'])).toBe('failed')
    expect(s.ctx.stores.alerts.deliveriesOf(alert.id)[0]).toMatchObject({ status: 'failed', last_error: 'address not allowed (169.254.169.254)' })
    // The same name answering 127.0.0.1 (internal allowed): sent there, with the name in Host.
    write(s.ctx.db, () => s.ctx.stores.alerts.enqueueDelivery(alert.id, 'alert.cleared', Date.now()))
    keepFromWorker(alert.id)
    expect(await sendDelivery(s.ctx, s.ctx.stores.alerts.deliveriesOf(alert.id)[1], async () => ['127.0.0.1'])).toBe('done')
    expect(received).toEqual([`hooks.localhost:${receiver.port}`])
    receiver.stop(true)
    off(r)
  })
})
