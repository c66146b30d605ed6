// Bulk notices through the real server, worker and outbox against the Graph API stand-in: a list
// with a bad number, a missing variable, an opted-out contact and a number Meta refuses; pacing to
// the same number; pause and resume; 500 lines with faults injected and an exact result file;
// pages and permissions.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import type { User } from '../admin/users-store'
import { write } from '../db/open'
import { bulkSettings, createBulkRun, parseCsv, resultCsv } from './bulk'
import type { BulkRun } from './bulk-store'

let s: TestServer
let rig: WhatsAppRig
let supervisor: User
let templateId: number
let replySector: number
const defaults = { ...bulkSettings }

const run = (id: number) => s.ctx.stores.bulk.run(id)!
const waitDone = (id: number, timeoutMs = 15_000) => rig.until(() => run(id).status === 'done', timeoutMs)
const faults = (body: unknown) => rig.fake('/_fake/faults', body)
const messagesTo = async (to: string) => ((await rig.fake('/_fake/messages')) as { messages: { to: string; type: string; at: number }[] }).messages.filter((m) => m.to === to)

beforeAll(async () => {
  s = await startTestServer()
  rig = await whatsappRig(s)
  replySector = write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: 'Avisos', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  supervisor = (await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor' })).user
  await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent', sector_ids: [rig.sectorId] })
  templateId = write(s.ctx.db, () =>
    s.ctx.stores.templates.insert({
      channel_id: rig.channelId,
      external_id: '900000000000001',
      name: 'boleto_vence',
      language: 'pt_BR',
      category: 'UTILITY',
      parameter_format: 'POSITIONAL',
      status: 'APPROVED',
      components: [{ type: 'BODY', text: 'Olá {{1}}, seu boleto de {{2}} vence amanhã.', example: { body_text: [['Ana', 'R$ 10']] } }],
      reply_sector_id: replySector,
      created_by: null,
    }),
  )
  Object.assign(bulkSettings, { intervalMs: 50, perNumberMs: 800 })
})
afterEach(() => {
  Object.assign(bulkSettings, { ...defaults, intervalMs: 50, perNumberMs: 800 })
})
afterAll(async () => {
  Object.assign(bulkSettings, defaults)
  await s.stop()
  await rig.meta.stop()
})

describe('a bulk notice', () => {
  let first: BulkRun

  test('lines are checked on upload; opted-out contacts are skipped; a refused number fails with the reason', async () => {
    // Opted out earlier (replied "parar"): known under the number without the 9th digit.
    write(s.ctx.db, () => {
      const c = s.ctx.stores.contacts.upsert(rig.channelId, '558381112222', 'Otto', '558381112222')
      s.ctx.stores.recipients.optOut(c.id)
    })
    // Meta refuses the first message sent (not on WhatsApp).
    await faults({ path: `/*/${rig.phoneNumberId}/messages`, status: 400, error: { code: 131026, message: '(#131026) Message undeliverable' }, count: 1 })
    const csv = [
      'telefone;nome;valor',
      '+55 83 98000-0001;Ana;R$ 10,00', // refused by Meta
      '83980000002;Bruno;R$ 20,00',
      'abc;Caio;R$ 30,00', // not a number
      '+5583981112222;Otto;R$ 40,00', // opted out
      '+5583980000005;Duda', // a variable missing
      '',
      '"+55 83 98000-0006";"Eva; Lima";"R$ 60,00"',
    ].join('\r\n')
    first = createBulkRun(s.ctx, supervisor, { template_id: templateId, label: 'clientes.csv', csv })
    expect(first).toMatchObject({ status: 'running', total: 6, channel_id: rig.channelId })
    await waitDone(first.id)
    expect(s.ctx.stores.bulk.counts(first.id)).toMatchObject({ total: 6, sent: 2, failed: 3, skipped: 1, pending: 0, queued: 0 })

    const sent = await messagesTo('+5583980000002')
    expect(sent).toHaveLength(1)
    expect(sent[0].type).toBe('template')
    expect(await messagesTo('+5583981112222')).toHaveLength(0)
    const eva = (await rig.fake('/_fake/messages')) as { messages: { to: string; body: { template: unknown } }[] }
    expect(eva.messages.find((m) => m.to === '+5583980000006')!.body.template).toEqual({
      name: 'boleto_vence',
      language: { code: 'pt_BR' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Eva; Lima' }, { type: 'text', text: 'R$ 60,00' }] }],
    })

    const result = resultCsv(s.ctx, run(first.id), 'pt-BR')
    const wamidOf = (waId: string) => s.ctx.db.query<{ external_id: string }, [string]>(
      `SELECT m.external_id FROM bulk_rows r JOIN messages m ON m.id = r.message_id WHERE r.run_id = ${first.id} AND r.wa_id = ?`,
    ).get(waId)!.external_id
    expect(result).toBe(
      '\uFEFF' +
        [
          'linha;telefone;whatsapp;situacao;motivo;id_mensagem',
          '2;+55 83 98000-0001;5583980000001;falhou;Mensagem não entregue — o número pode não ter WhatsApp, estar desatualizado ou não ter aceitado os termos;',
          `3;83980000002;5583980000002;enviada;;${wamidOf('5583980000002')}`,
          '4;abc;;falhou;Número inválido;',
          '5;+5583981112222;5583981112222;ignorada;O cliente pediu para não receber avisos;',
          '6;+5583980000005;5583980000005;falhou;Faltam valores para as variáveis do modelo;',
          `8;+55 83 98000-0006;5583980000006;enviada;;${wamidOf('5583980000006')}`,
        ].join('\r\n') +
        '\r\n',
    )
  })

  test('a new person gets a closed ticket in the reply sector holding the notice; a known one gets it in their ticket', async () => {
    const ticketOf = (waId: string) => s.ctx.db.query<{ ticket_id: number }, [number, string]>('SELECT ticket_id FROM bulk_rows WHERE run_id = ? AND wa_id = ?').get(first.id, waId)!.ticket_id
    const ticket = s.ctx.stores.tickets.get(ticketOf('5583980000002'))!
    expect(ticket).toMatchObject({ status: 'closed', sector_id: replySector, contact_key: '5583980000002' })
    expect(ticket.closed_at).not.toBeNull()
    const [message] = s.ctx.stores.messages.ofTicket(ticket.id)
    expect(message).toMatchObject({ type: 'template', author: 'system', author_id: supervisor.id, text: 'Olá Bruno, seu boleto de R$ 20,00 vence amanhã.', status: 'sent' })
    expect(message.extra).toMatchObject({ bulk_run_id: first.id, template_ref: { id: templateId, name: 'boleto_vence' } })
  })

  test('about one message every few seconds to the same number (duplicates in the list wait)', async () => {
    const r = createBulkRun(s.ctx, supervisor, { template_id: templateId, label: 'duplicados.csv', csv: '5583970000001,Ana,1\n5583970000001,Ana,2\n5583970000002,Bia,3' })
    await waitDone(r.id)
    expect(await messagesTo('+5583970000001')).toHaveLength(2)
    // The pacing is on when we queue (the arrival times at Meta also carry each send's own delay).
    const queued = s.ctx.db
      .query<{ at: number }, [number, string]>('SELECT m.created_at AS at FROM bulk_rows r JOIN messages m ON m.id = r.message_id WHERE r.run_id = ? AND r.wa_id = ? ORDER BY m.id')
      .all(r.id, '5583970000001')
    expect(queued).toHaveLength(2)
    expect(queued[1]!.at - queued[0]!.at).toBeGreaterThanOrEqual(bulkSettings.perNumberMs)
  })

  test('pause holds the remaining lines; resume finishes them', async () => {
    bulkSettings.ratePerSecond = 1
    const csv = Array.from({ length: 4 }, (_, i) => `55839600000${i};Nome ${i};${i}`).join('\n')
    // Logged in first: at one line a second, only the pause request may stand between the start
    // and the pause (a slow login would let two lines go).
    const page = new Browser(s.url)
    await page.login('sup@example.com')
    const csrf = await page.csrf('/bulk')
    const r = createBulkRun(s.ctx, supervisor, { template_id: templateId, label: 'pausa.csv', csv })
    const paused = await page.post(`/bulk/${r.id}/pause`, { _csrf: csrf }, { 'hx-request': 'true' })
    expect(paused.status).toBe(200)
    expect(await paused.text()).toContain('Retomar')
    const held = s.ctx.stores.bulk.counts(r.id).pending
    expect(held).toBeGreaterThanOrEqual(3)
    await Bun.sleep(1500)
    expect(s.ctx.stores.bulk.counts(r.id).pending).toBe(held)
    bulkSettings.ratePerSecond = 50
    expect((await page.post(`/bulk/${r.id}/resume`, { _csrf: csrf })).status).toBe(303)
    await waitDone(r.id)
    expect(s.ctx.stores.bulk.counts(r.id)).toMatchObject({ sent: 4, pending: 0 })
  })

  test('500 lines with faults injected finish with an exact result file', async () => {
    Object.assign(bulkSettings, { ratePerSecond: 400, maxInFlight: 50 })
    const numbers = Array.from({ length: 500 }, (_, i) => `5583950${String(i).padStart(6, '0')}`)
    // Each fault aims at one recipient: sends to different numbers go out concurrently (the outbox
    // keeps up to 8 calls in flight), so "the Nth call fails" would land on any of them.
    const path = `/*/${rig.phoneNumberId}/messages`
    const undeliverableFault = { status: 400, error: { code: 131026, message: '(#131026) Message undeliverable' }, count: 1 }
    await faults({
      faults: [
        ...[0, 1, 2].map((i) => ({ path, to: numbers[i], ...undeliverableFault })),
        ...[3, 4].map((i) => ({ path, to: numbers[i], status: 500, error: { code: 1, message: 'An unknown error occurred' }, count: 1 })),
        { path, to: numbers[5], status: 400, error: { code: 131009, message: '(#131009) Parameter value is not valid' }, count: 1 },
      ],
    })
    const csv = ['numero,nome,valor', ...numbers.map((n, i) => `${n},Cliente ${i},${i}`)].join('\n')
    const r = createBulkRun(s.ctx, supervisor, { template_id: templateId, label: 'quinhentos.csv', csv })
    await waitDone(r.id, 60_000)
    const counts = s.ctx.stores.bulk.counts(r.id)
    expect(counts).toMatchObject({ total: 500, sent: 496, failed: 4, skipped: 0 })
    const rows = parseCsv(resultCsv(s.ctx, run(r.id), 'en'))
    expect(rows[0]).toEqual(['line', 'phone', 'whatsapp', 'status', 'reason', 'message_id'])
    expect(rows).toHaveLength(501)
    const wamids = new Map(
      s.ctx.db
        .query<{ line: number; external_id: string | null }, [number]>('SELECT r.line, m.external_id FROM bulk_rows r JOIN messages m ON m.id = r.message_id WHERE r.run_id = ?')
        .all(r.id)
        .map((x) => [x.line, x.external_id ?? '']),
    )
    // The first three are refused (131026); the 4th and 5th get a 500 (retried, then sent); the 6th
    // is refused as invalid (131009). Everything else is sent once.
    const undeliverable = 'Message undeliverable — the number may not be on WhatsApp, be outdated, or not have accepted the terms'
    const expected = numbers.map((n, i) => {
      const line = String(i + 2)
      if (i < 3) return [line, n, n, 'failed', undeliverable, '']
      if (i === 5) return [line, n, n, 'failed', 'A value in the message is not valid (number, media or text)', '']
      return [line, n, n, 'sent', '', wamids.get(i + 2)!]
    })
    expect(rows.slice(1)).toEqual(expected)
    const sentToMeta = ((await rig.fake('/_fake/messages')) as { messages: { to: string }[] }).messages.filter((m) => m.to.startsWith('+5583950'))
    expect(sentToMeta).toHaveLength(496)
    expect(new Set(sentToMeta.map((m) => m.to)).size).toBe(496) // nothing sent twice
  }, 90_000)
})

describe('pages and permissions', () => {
  test('a supervisor uploads a list, watches progress and downloads the result; agents are refused', async () => {
    const page = new Browser(s.url)
    await page.login('sup@example.com')
    const listHtml = await (await page.fetch('/bulk')).text()
    expect(listHtml).toContain('boleto_vence')
    expect(await (await page.fetch('/')).text()).toContain('href="/bulk"')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(listHtml)![1]
    const form = new FormData()
    form.set('_csrf', csrf)
    form.set('template_id', String(templateId))
    form.set('file', new File(['telefone,nome,valor\n+5583940000001,Gil,5\n'], 'pela-pagina.csv', { type: 'text/csv' }))
    const res = await page.fetch('/bulk', { method: 'POST', body: form })
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    const id = Number(/\/bulk\/(\d+)/.exec(location)![1])
    const runHtml = await (await page.fetch(location)).text()
    expect(runHtml).toContain('pela-pagina.csv')
    await waitDone(id)
    const progress = await (await page.fetch(`/bulk/${id}/progress`)).text()
    expect(progress).toContain('Concluído')
    expect(progress).not.toContain('every 2s')
    const file = await page.fetch(`/bulk/${id}/result.csv`)
    expect(file.headers.get('content-disposition')).toContain('attachment')
    expect(await file.text()).toContain('+5583940000001;5583940000001;enviada')

    // An empty file is refused in words, keeping the chosen template.
    const empty = new FormData()
    empty.set('_csrf', csrf)
    empty.set('template_id', String(templateId))
    empty.set('file', new File(['telefone;nome\n'], 'vazio.csv', { type: 'text/csv' }))
    const refused = await page.fetch('/bulk', { method: 'POST', body: empty })
    expect(refused.status).toBe(422)
    expect(await refused.text()).toContain('ao menos um número')

    const agent = new Browser(s.url)
    await agent.login('agent@example.com')
    expect((await agent.fetch('/bulk')).status).toBe(403)
    expect((await agent.fetch(`/bulk/${id}/result.csv`)).status).toBe(403)
  })

  test('a template Meta pauses meanwhile pauses the run (resuming waits for it to be approved again)', async () => {
    bulkSettings.ratePerSecond = 1
    const r = createBulkRun(s.ctx, supervisor, { template_id: templateId, label: 'y.csv', csv: '5583930000002,A,1\n5583930000003,B,2\n5583930000004,C,3' })
    write(s.ctx.db, () => s.ctx.stores.templates.setStatus(templateId, 'PAUSED', 'LOW_QUALITY'))
    try {
      await rig.until(() => run(r.id).status === 'paused')
      expect(s.ctx.stores.bulk.counts(r.id).pending).toBeGreaterThanOrEqual(2)
      const page = new Browser(s.url)
      await page.login('sup@example.com')
      const html = await (await page.fetch(`/bulk/${r.id}`)).text()
      expect(html).toContain('o modelo deixou de estar aprovado (PAUSED)')
      // A new list with a template that is not approved is refused.
      expect(() => createBulkRun(s.ctx, supervisor, { template_id: templateId, label: 'x.csv', csv: '5583930000001,A,1' })).toThrow()
    } finally {
      write(s.ctx.db, () => s.ctx.stores.templates.setStatus(templateId, 'APPROVED', null))
    }
  })

  test('at most `ratePerSecond` messages in any second', async () => {
    bulkSettings.ratePerSecond = 10
    const csv = Array.from({ length: 25 }, (_, i) => `55839200000${String(i).padStart(2, '0')},N${i},${i}`).join('\n')
    const r = createBulkRun(s.ctx, supervisor, { template_id: templateId, label: 'ritmo.csv', csv })
    await waitDone(r.id)
    const times = s.ctx.db
      .query<{ at: number }, [number]>('SELECT m.created_at AS at FROM bulk_rows r JOIN messages m ON m.id = r.message_id WHERE r.run_id = ? ORDER BY m.created_at')
      .all(r.id)
      .map((x) => x.at)
    expect(times).toHaveLength(25)
    for (let i = 10; i < times.length; i++) expect(times[i] - times[i - 10]).toBeGreaterThanOrEqual(1000)
  })

})
