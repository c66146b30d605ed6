// The bot end to end over WhatsApp: signed webhooks into the real server, the processor running the
// flow, the outbox sending to the fake Graph API (scripts/fake-meta.ts), which checks the
// interactive payloads like Meta does (≤ 3 buttons, titles ≤ 20, ≤ 10 list rows...). A restart in
// the middle of a conversation continues at the same step — even for a message acknowledged but
// not processed before the stop.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeMeta, type FakeMeta, type SentMessage } from '../../scripts/fake-meta'
import { signBody } from '../channels/whatsapp/signature'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { databasePath, write } from '../db/open'
import { createLogger } from '../logger'
import { startServer } from '../server'
import { envelope, textFrom, unix, wamid, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import { runBotTimers } from './engine'

interface Server {
  url: string
  ctx: Context
  dataDir: string
  stop(): Promise<void>
}

/** A server on a data folder that outlives it (stop() keeps the files, for a restart). */
async function serverOn(dataDir: string): Promise<Server> {
  const ctx = createContext(loadConfig({ KUMQUAT_PORT: '0', KUMQUAT_HOST: '127.0.0.1', KUMQUAT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createLogger('silent'))
  const server = await startServer(ctx)
  return { url: `http://127.0.0.1:${server.port}`, ctx, dataDir, stop: () => server.stop() }
}

let dataDir: string
let s: Server
let meta: FakeMeta
let wa: WhatsAppRig
const sectors: Record<string, number> = {}

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(20)
  }
}
const sentTo = (waId: string) => meta.state.messages.filter((m) => m.to === `+${waId}`)
const body = (m: SentMessage) => m.body as { type: string; text?: { body: string }; interactive?: { type: string; body: { text: string }; action: { buttons?: { reply: { id: string; title: string } }[]; button?: string; sections?: { rows: { id: string; title: string }[] }[] } } }
/** Waits for the n-th message to a customer and returns it. */
async function nth(waId: string, n: number) {
  await until(() => sentTo(waId).length >= n)
  return body(sentTo(waId)[n - 1])
}
const ticketOf = (ctx: Context, waId: string) => {
  const contact = ctx.stores.contacts.byKey(wa.channelId, waId)
  return contact ? ctx.stores.tickets.lastOfContact(contact.id) : null
}
const deliverTo = (url: string, payload: unknown) => {
  const raw = JSON.stringify(payload)
  return fetch(url + wa.webhookPath, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(wa.appSecret, raw) }, body: raw })
}
const reply = (waId: string, kind: 'button_reply' | 'list_reply', id: string, title: string) =>
  envelope(wa.phoneNumberId, {
    contacts: [{ profile: { name: 'Maria Cliente' }, wa_id: waId }],
    messages: [{ from: waId, id: wamid(), timestamp: unix(), type: 'interactive', interactive: { type: kind, [kind]: { id, title } } }],
  })

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kumquat-bot-wa-'))
  s = await serverOn(dataDir)
  meta = startFakeMeta()
  wa = await whatsappRig(s, { meta })
  write(s.ctx.db, () => {
    for (const name of ['Cobrança', 'Financeiro', 'Suporte', 'Vendas']) {
      sectors[name] = s.ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
    }
    // The channel runs the built-in flow (the rig makes it without a bot, like an old channel).
    s.ctx.db.query('UPDATE channels SET bot_flow_id = ? WHERE id = ?').run(s.ctx.stores.bot.flows.builtin()!.id, wa.channelId)
    s.ctx.stores.customers.create({ name: 'Maria da Silva', code: '52998224725', code_type: 'cpf', type_id: null, email: null, phone: null, notes: null })
  })
})
afterAll(async () => {
  await s.stop()
  await meta.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the default flow by WhatsApp', () => {
  test('"oi" → greeting and CPF question with a skip button → invalid, then valid CPF → sector list → protocol, queued, customer linked', async () => {
    const waId = '5583977770001'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    expect((await nth(waId, 1)).text!.body).toStartWith('Olá, Maria Cliente! Bem-vindo(a)')
    const ask = await nth(waId, 2)
    expect(ask.type).toBe('interactive')
    expect(ask.interactive!.type).toBe('button')
    expect(ask.interactive!.action.buttons).toEqual([{ type: 'reply', reply: { id: 'documento:skip', title: 'Pular' } }] as never)
    expect(ticketOf(s.ctx, waId)!.status).toBe('bot')

    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, '123.456.789-00')))
    const retry = await nth(waId, 3)
    expect(retry.interactive!.body.text).toBe('Esse CPF ou CNPJ não parece válido. Confira os números e envie de novo, ou toque em "Pular".')

    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, '529.982.247-25')))
    const list = await nth(waId, 4)
    expect(list.interactive!.type).toBe('list') // 5 sectors: more than 3 buttons, at most 10 rows
    expect(list.interactive!.action.button).toBe('Ver opções')
    const rows = list.interactive!.action.sections![0].rows
    expect(rows.map((r) => r.title)).toEqual(['Cobrança', 'Financeiro', 'Suporte', 'Vendas', s.ctx.stores.sectors.get(wa.sectorId)!.name])
    const financeiro = rows.find((r) => r.title === 'Financeiro')!

    await wa.deliver(reply(waId, 'list_reply', financeiro.id, 'Financeiro'))
    const t = await (async () => {
      await until(() => ticketOf(s.ctx, waId)!.status === 'queued')
      return ticketOf(s.ctx, waId)!
    })()
    expect((await nth(waId, 5)).text!.body).toBe(`Seu atendimento foi registrado com o protocolo ${t.protocol}. Em instantes um atendente vai falar com você.`)
    expect(t.sector_id).toBe(sectors.Financeiro)
    expect(t.customer_id).toBe(s.ctx.stores.customers.byCode('52998224725')!.id)
    // The whole conversation is in the ticket's history, the data collected highlighted.
    const messages = s.ctx.stores.messages.ofTicket(t.id)
    expect(messages.map((m) => `${m.direction}:${m.author}:${m.type}`)).toEqual([
      'in:customer:text',
      'out:bot:text',
      'out:bot:interactive',
      'in:customer:text',
      'out:bot:interactive',
      'in:customer:text',
      'out:bot:interactive',
      'in:customer:interactive',
      'out:bot:note',
      'out:bot:text',
    ])
    expect(messages[5].extra?.bot_answer).toMatchObject({ label: 'CPF/CNPJ', value: '529.982.247-25' })
    expect(messages[8].text).toBe('Dados coletados pelo bot:\n• CPF/CNPJ: 529.982.247-25\n• Assunto: Financeiro\n• Cliente identificado: Maria da Silva (529.982.247-25)')
    await until(() => s.ctx.stores.messages.ofTicket(t.id).filter((m) => m.direction === 'out' && m.type !== 'note').every((m) => m.status !== 'queued'))
    expect(s.ctx.stores.messages.ofTicket(t.id).filter((m) => m.direction === 'out' && m.type !== 'note').every((m) => m.external_id?.startsWith('wamid.'))).toBe(true)
  })

  test('a typed answer matches a menu option ("dois" → the second sector); "Pular" skips the CPF', async () => {
    const waId = '5583977770002'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'bom dia')))
    await nth(waId, 2)
    await wa.deliver(reply(waId, 'button_reply', 'documento:skip', 'Pular'))
    await nth(waId, 3)
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'dois')))
    await until(() => ticketOf(s.ctx, waId)!.status === 'queued')
    expect(ticketOf(s.ctx, waId)).toMatchObject({ sector_id: sectors.Financeiro, customer_id: null })
  })

  test('"atendente" goes straight to a person', async () => {
    const waId = '5583977770003'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await nth(waId, 2)
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'quero falar com um atendente')))
    await until(() => ticketOf(s.ctx, waId)!.status === 'queued')
    expect(ticketOf(s.ctx, waId)!.sector_id).toBe(wa.sectorId) // the channel's sector (no sector chosen yet)
    expect((await nth(waId, 3)).text!.body).toContain('protocolo')
  })

  test('inactivity: the reminder, then the conversation closes as abandoned', async () => {
    const waId = '5583977770004'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await nth(waId, 2)
    const t = ticketOf(s.ctx, waId)!
    const last = s.ctx.stores.bot.pre.get(t.id)!.last_activity_at
    runBotTimers(s.ctx, last + 5 * 60_000 + 1)
    expect((await nth(waId, 3)).text!.body).toBe('Ainda está por aí? É só responder para continuarmos o atendimento.')
    runBotTimers(s.ctx, last + 15 * 60_000 + 1)
    expect((await nth(waId, 4)).text!.body).toStartWith('Como não tivemos resposta, encerramos este atendimento.')
    expect(ticketOf(s.ctx, waId)!.status).toBe('closed')
    expect(s.ctx.stores.bot.pre.get(t.id)!.outcome).toBe('abandoned')
  })
})

describe('restart', () => {
  test('a restart mid-conversation continues at the same step, from the stored inbound events', async () => {
    const waId = '5583977770005'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await nth(waId, 2)
    await until(() => s.ctx.stores.outbox.due(Number.MAX_SAFE_INTEGER, 1).length === 0)
    const t = ticketOf(s.ctx, waId)!
    expect(s.ctx.stores.bot.pre.get(t.id)!.step).toBe('documento')
    await s.stop()

    // A delivery acknowledged just before the stop and never processed: only in inbound_events.
    const db = new Database(databasePath(dataDir))
    const stored = JSON.stringify(envelope(wa.phoneNumberId, textFrom(waId, '52998224725')))
    db.query('INSERT INTO inbound_events (channel_id, received_at, body) VALUES (?, ?, ?)').run(wa.channelId, Date.now(), new TextEncoder().encode(stored))
    db.close()

    s = await serverOn(dataDir)
    // The new process runs the stored event: the CPF answers the question asked before the stop.
    const list = await nth(waId, 3)
    expect(list.interactive!.type).toBe('list')
    expect(s.ctx.stores.bot.pre.get(t.id)).toMatchObject({ step: 'assunto', vars: { cpf_cnpj: '52998224725' } })
    // And a new message to the new server carries on.
    const suporte = list.interactive!.action.sections![0].rows.find((r) => r.title === 'Suporte')!
    await deliverTo(s.url, reply(waId, 'list_reply', suporte.id, 'Suporte'))
    await until(() => ticketOf(s.ctx, waId)!.status === 'queued')
    expect(ticketOf(s.ctx, waId)!.sector_id).toBe(sectors.Suporte)
    expect((await nth(waId, 4)).text!.body).toContain(t.protocol)
  })
})
