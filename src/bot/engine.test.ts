// The bot engine, driven the way production drives it: a WhatsApp delivery stored and ingested in
// one write transaction (no HTTP, no workers), then the ticket, its messages and its pre-service
// state inspected. Every step type, answer matching ("2", "dois", the title, a tapped button),
// retries, identify/create, versions, the "atendente" keyword, inactivity, out of hours.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ingestDelivery } from '../channels/whatsapp/ingest'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { write } from '../db/open'
import type { Message } from '../desk/messages-store'
import { createLogger } from '../logger'
import { builtinFlow } from './default-flow'
import { runBotTimers } from './engine'
import type { FlowDefinition, Step } from './flow'
import { saveFlowVersion } from './flows'

let ctx: Context
let dir: string
let seq = 0
const MIN = 60_000

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kumquat-bot-'))
  ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dir, LOG_LEVEL: 'silent' }), createLogger('silent'))
})
afterAll(() => {
  ctx.db.close()
  rmSync(dir, { recursive: true, force: true })
})

const sector = (name: string) =>
  write(ctx.db, () => ctx.stores.sectors.create({ name: `${name} ${++seq}`, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))

const settings = (over: Partial<FlowDefinition['settings']> = {}): FlowDefinition['settings'] => ({
  ...builtinFlow('pt-BR').settings,
  ...over,
})

let customers = 0 // a new number for every customer (two customers of one channel must never share one)

/** A channel (with its own sector) running the flow; returns a conversation helper for one customer. */
function setup(def: FlowDefinition | 'builtin' | null, o: { sectorId?: number } = {}) {
  const n = ++seq
  const sectorId = o.sectorId ?? sector('Canal')
  const phoneNumberId = `55${n}000${Date.now() % 100000}`
  const flowId = def === null ? null : def === 'builtin' ? ctx.stores.bot.flows.builtin()!.id : write(ctx.db, () => ctx.stores.bot.flows.create(def, null))
  const channelId = write(ctx.db, () =>
    ctx.stores.channels.create({ type: 'whatsapp', name: `Canal ${n}`, sector_id: sectorId, bot_flow_id: flowId, webhook_key: `k${n}${'x'.repeat(30)}`, settings: { phone_number_id: phoneNumberId }, secrets: {}, lookup_key: phoneNumberId }),
  )
  return { channelId, sectorId, flowId, phoneNumberId, customer: (waId = `5583${String(9e7 + n * 1000 + ++customers)}`) => customer(channelId, phoneNumberId, waId) }
}

function customer(channelId: number, phoneNumberId: string, waId: string) {
  const deliver = (message: Record<string, unknown>) => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [{ id: 'W', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: phoneNumberId }, contacts: [{ profile: { name: 'Maria Cliente' }, wa_id: waId }], messages: [{ from: waId, id: `wamid.${++seq}.${Date.now()}`, timestamp: String(Math.floor(Date.now() / 1000)), ...message }] } }] }],
    }
    write(ctx.db, () => ingestDelivery(ctx, new TextEncoder().encode(JSON.stringify(body))))
  }
  const ticket = () => {
    const contact = ctx.stores.contacts.byKey(channelId, waId)!
    return ctx.stores.tickets.lastOfContact(contact.id)!
  }
  const messages = (): Message[] => ctx.stores.messages.ofTicket(ticket().id)
  let seen = 0
  return {
    waId,
    ticket,
    messages,
    pre: () => ctx.stores.bot.pre.get(ticket().id)!,
    say(text: string) {
      deliver({ type: 'text', text: { body: text } })
      return this.news()
    },
    tap(id: string, title: string, kind: 'button_reply' | 'list_reply' = 'button_reply') {
      deliver({ type: 'interactive', interactive: { type: kind, [kind]: { id, title } } })
      return this.news()
    },
    send(message: Record<string, unknown>) {
      deliver(message)
      return this.news()
    },
    /** The bot's messages since the last call. */
    news(): Message[] {
      const out = messages().filter((m) => m.id > seen && m.direction === 'out')
      seen = Math.max(seen, ...messages().map((m) => m.id))
      return out
    },
  }
}

const texts = (ms: Message[]) => ms.filter((m) => m.type !== 'note').map((m) => m.text)
const interactive = (m: Message) => m.extra?.interactive as { type: string; action: { buttons?: { reply: { id: string; title: string } }[]; sections?: { rows: { id: string; title: string }[] }[]; button?: string } }

/** message → menu (3 options) → ask → handoff; plus end and a second sector. */
function menuFlow(sectorA: number, sectorB: number, over: Partial<FlowDefinition> = {}): FlowDefinition {
  return {
    name: 'Teste',
    start: 'oi',
    settings: settings({ reminder_minutes: 5, abandon_minutes: 15 }),
    steps: [
      { id: 'oi', type: 'message', text: 'Olá, {nome}!', next: 'menu' },
      {
        id: 'menu',
        type: 'menu',
        source: 'options',
        text: 'Escolha:',
        var: 'assunto',
        label: 'Assunto',
        max_attempts: 2,
        fail_next: 'fim',
        options: [
          { title: 'Financeiro', next: 'para_a' },
          { title: 'Suporte técnico', next: 'para_b' },
          { title: 'Nada, obrigado', next: 'fim' },
        ],
      },
      { id: 'para_a', type: 'handoff', sector_id: sectorA, text: 'Transferindo para {setor}.' },
      { id: 'para_b', type: 'handoff', sector_id: sectorB },
      { id: 'fim', type: 'end', text: 'Até logo!' },
    ],
    ...over,
  }
}

describe('menus', () => {
  test('greeting, a menu as reply buttons, "2" picks the second option, handoff with protocol', () => {
    const a = sector('Financeiro')
    const b = sector('Suporte')
    const ch = setup(menuFlow(a, b))
    const c = ch.customer()
    const first = c.say('oi')
    expect(c.ticket().status).toBe('bot')
    expect(texts(first)).toEqual(['Olá, Maria Cliente!', 'Escolha:\n\n1. Financeiro\n2. Suporte técnico\n3. Nada, obrigado'])
    const menu = first[1]
    expect(menu).toMatchObject({ type: 'interactive', author: 'bot', status: 'queued' })
    expect(interactive(menu).type).toBe('button')
    expect(interactive(menu).action.buttons!.map((x) => x.reply)).toEqual([
      { id: 'menu:1', title: 'Financeiro' },
      { id: 'menu:2', title: 'Suporte técnico' },
      { id: 'menu:3', title: 'Nada, obrigado' },
    ])
    // Every bot message goes out through the outbox.
    expect(ctx.db.query<{ n: number }, [number]>("SELECT count(*) AS n FROM outbox WHERE message_id = ?").get(menu.id)!.n).toBe(1)

    const after = c.say('2')
    const t = c.ticket()
    expect(t).toMatchObject({ status: 'queued', sector_id: b })
    expect(t.queued_at).not.toBeNull()
    expect(texts(after)).toEqual([`Seu atendimento foi registrado com o protocolo ${t.protocol}. Em instantes um atendente vai falar com você.`])
    // The data collected: marked on the answer, and summed up in an internal note for the agent.
    const note = after.find((m) => m.type === 'note')!
    expect(note).toMatchObject({ author: 'bot', status: 'sent' })
    expect(note.text).toBe('Dados coletados pelo bot:\n• Assunto: Suporte técnico')
    expect(note.extra?.bot_collected).toEqual([{ var: 'assunto', label: 'Assunto', value: 'Suporte técnico' }])
    const answer = c.messages().find((m) => m.direction === 'in' && m.text === '2')!
    expect(answer.extra?.bot_answer).toEqual({ step: 'menu', var: 'assunto', label: 'Assunto', value: 'Suporte técnico' })
    expect(c.pre()).toMatchObject({ status: 'done', outcome: 'handoff', vars: { assunto: 'Suporte técnico' } })
    const history = ctx.stores.history.ofTicket(t.id)
    expect(history.at(-1)).toMatchObject({ action: 'queued', to_sector_id: b })
  })

  test('typed answers: "dois", the title (any case, no accents), part of it, a tapped button', () => {
    const a = sector('Financeiro')
    const b = sector('Suporte')
    for (const [answer, sectorId] of [
      ['dois', b],
      ['SUPORTE TECNICO', b],
      ['financeiro', a],
      ['quero falar com o financeiro', a],
      ['opção 1', a],
      ['1️⃣', a],
      ['segunda', b],
    ] as const) {
      const c = setup(menuFlow(a, b)).customer()
      c.say('oi')
      c.say(answer)
      expect({ answer, status: c.ticket().status, sector: c.ticket().sector_id }).toEqual({ answer, status: 'queued', sector: sectorId })
    }
    const c = setup(menuFlow(a, b)).customer()
    c.say('oi')
    const out = c.tap('menu:1', 'Financeiro')
    expect(c.ticket().sector_id).toBe(a)
    expect(texts(out)[0]).toBe('Transferindo para ' + ctx.stores.sectors.get(a)!.name + '.')
  })

  test('a wrong answer: the invalid-option text and the menu again; after the last attempt, fail_next', () => {
    const c = setup(menuFlow(sector('A'), sector('B'))).customer()
    c.say('oi')
    const wrong = c.say('banana')
    expect(texts(wrong)[0]).toBe(settings().invalid_option_text)
    expect(wrong[1].type).toBe('interactive')
    expect(c.pre()).toMatchObject({ step: 'menu', attempts: 1 })
    const last = c.say('7') // out of range
    expect(texts(last)).toEqual(['Até logo!'])
    expect(c.ticket().status).toBe('closed')
    expect(c.pre().outcome).toBe('resolved')
  })

  test('4–10 options go as a list, more than 10 (or long titles) as numbered text', () => {
    const list = (n: number, title = (i: number) => `Opção ${i}`): Step => ({
      id: 'm',
      type: 'menu',
      source: 'options',
      text: 'Escolha',
      max_attempts: 3,
      options: Array.from({ length: n }, (_, i) => ({ title: title(i + 1), next: 'h' })),
    })
    const flow = (step: Step): FlowDefinition => ({ name: 'L', start: 'm', settings: settings(), steps: [step, { id: 'h', type: 'handoff', sector_id: null }] })
    const five = setup(flow(list(5))).customer().say('oi')[0]
    expect(interactive(five).type).toBe('list')
    expect(interactive(five).action.button).toBe('Ver opções')
    expect(interactive(five).action.sections![0].rows.map((r) => r.id)).toEqual(['m:1', 'm:2', 'm:3', 'm:4', 'm:5'])
    const twelve = setup(flow(list(12))).customer()
    const menu = twelve.say('oi')[0]
    expect(menu.type).toBe('text')
    expect(menu.text).toContain('\n12. Opção 12')
    twelve.say('doze')
    expect(twelve.ticket().status).toBe('queued')
    const long = setup(flow(list(2, (i) => `Uma opção de título bem comprido ${i}`))).customer().say('oi')[0]
    expect(long.type).toBe('text')
  })
})

describe('questions', () => {
  const askFlow = (kind: 'code' | 'email' | 'phone' | 'date' | 'text', over: Partial<Step> = {}): FlowDefinition => ({
    name: 'Pergunta',
    start: 'q',
    settings: settings(),
    steps: [
      { id: 'q', type: 'ask', kind, var: 'dado', label: 'Dado', text: 'Informe:', max_attempts: 3, next: 'fim', fail_next: 'falhou', ...over },
      { id: 'fim', type: 'end', text: 'Recebido: {dado}' },
      { id: 'falhou', type: 'end', text: 'Não deu.' },
    ],
  })

  test('CPF/CNPJ: an invalid one gets the retry text, a valid one is stored normalised and shown masked', () => {
    const c = setup(askFlow('code', { retry_text: 'CPF inválido, tente de novo.' })).customer()
    c.say('oi')
    expect(texts(c.say('111.111.111-11'))).toEqual(['CPF inválido, tente de novo.'])
    expect(texts(c.say('meu cpf é 529.982.247-25'))).toEqual(['Recebido: 529.982.247-25'])
    expect(c.pre().vars.dado).toBe('52998224725')
    const c2 = setup(askFlow('code')).customer()
    c2.say('oi')
    expect(texts(c2.say('12.abc.345/01de-35'))).toEqual(['Recebido: 12.ABC.345/01DE-35'])
  })

  test('e-mail, phone and date are checked and normalised; retries use the default text per kind', () => {
    const email = setup(askFlow('email')).customer()
    email.say('oi')
    expect(texts(email.say('maria@'))).toEqual(['Esse e-mail não parece válido. Envie no formato nome@exemplo.com.br.'])
    expect(texts(email.say('Maria@Exemplo.com.br'))).toEqual(['Recebido: maria@exemplo.com.br'])
    const phone = setup(askFlow('phone')).customer()
    phone.say('oi')
    expect(texts(phone.say('(83) 99999-0000'))).toEqual(['Recebido: (83) 99999-0000'])
    const date = setup(askFlow('date')).customer()
    date.say('oi')
    expect(texts(date.say('31/02/2026'))[0]).toContain('dd/mm/aaaa')
    expect(texts(date.say('25/11/2026'))).toEqual(['Recebido: 25/11/2026'])
    expect(date.pre().vars.dado).toBe('2026-11-25')
    const text = setup(askFlow('text')).customer()
    text.say('oi')
    expect(texts(text.send({ type: 'image', image: { id: 'm1', mime_type: 'image/jpeg' } }))).toEqual(['Não consegui entender. Pode escrever sua resposta em texto?'])
    expect(texts(text.say('Minha internet caiu'))).toEqual(['Recebido: Minha internet caiu'])
  })

  test('after the last attempt the flow goes to fail_next (or to a person when there is none)', () => {
    const c = setup(askFlow('email', { max_attempts: 2 })).customer()
    c.say('oi')
    c.say('x')
    expect(texts(c.say('y'))).toEqual(['Não deu.'])
    const human = setup(askFlow('email', { max_attempts: 1, fail_next: undefined })).customer()
    human.say('oi')
    human.say('x')
    expect(human.ticket().status).toBe('queued')
    expect(human.pre().outcome).toBe('human')
  })

  test('a skippable question: a "Pular" button, the skip words, skip_next', () => {
    const flow = askFlow('code', { skippable: true, skip_next: 'falhou' })
    const c = setup(flow).customer()
    const q = c.say('oi')[0]
    expect(q.type).toBe('interactive')
    expect(interactive(q).action.buttons!.map((x) => x.reply)).toEqual([{ id: 'q:skip', title: 'Pular' }])
    expect(texts(c.tap('q:skip', 'Pular'))).toEqual(['Não deu.'])
    const typed = setup(flow).customer()
    typed.say('oi')
    expect(texts(typed.say('Não tenho'))).toEqual(['Não deu.'])
  })
})

describe('identify and conditions', () => {
  const identifyFlow = (create: boolean): FlowDefinition => ({
    name: 'Identificar',
    start: 'doc',
    settings: settings(),
    steps: [
      { id: 'doc', type: 'ask', kind: 'code', var: 'doc', text: 'CPF?', max_attempts: 3, next: 'id' },
      { id: 'id', type: 'identify', var: 'doc', create, next: 'tipo', not_found_next: 'desconhecido' },
      { id: 'tipo', type: 'condition', rules: [{ if: 'customer_type', value: String(vipType), next: 'vip' }], next: 'comum' },
      { id: 'vip', type: 'end', text: 'Olá, cliente VIP {cliente}!' },
      { id: 'comum', type: 'end', text: 'Olá, {cliente}!' },
      { id: 'desconhecido', type: 'end', text: 'Não encontramos seu cadastro.' },
    ],
  })
  let vipType = 0

  test('a customer found by code is linked to the ticket and the contact; the condition reads its type', () => {
    vipType = write(ctx.db, () => ctx.stores.customers.types.create(`VIP ${++seq}`))
    write(ctx.db, () => ctx.stores.customers.create({ name: 'Ana VIP', code: '52998224725', code_type: 'cpf', type_id: vipType, email: null, phone: null, notes: null }))
    const c = setup(identifyFlow(false)).customer()
    c.say('oi')
    expect(texts(c.say('529.982.247-25'))).toEqual(['Olá, cliente VIP Ana VIP!'])
    const customer = ctx.stores.customers.byCode('52998224725')!
    expect(c.ticket().customer_id).toBe(customer.id)
    expect(ctx.stores.contacts.byKey(c.ticket().channel_id, c.waId)!.customer_id).toBe(customer.id)
  })

  test('not found: not_found_next; with create, the customer is made from the profile name', () => {
    const c = setup(identifyFlow(false)).customer()
    c.say('oi')
    expect(texts(c.say('11222333000181'))).toEqual(['Não encontramos seu cadastro.'])
    expect(c.ticket().customer_id).toBeNull()
    const made = setup(identifyFlow(true)).customer()
    made.say('oi')
    expect(texts(made.say('11.222.333/0001-81'))).toEqual(['Olá, Maria Cliente!'])
    const customer = ctx.stores.customers.byCode('11222333000181')!
    expect(customer).toMatchObject({ name: 'Maria Cliente', code_type: 'cnpj' })
    expect(made.ticket().customer_id).toBe(customer.id)
  })

  test('a known contact is linked when the conversation starts (customer_found)', () => {
    const ch = setup({
      name: 'Conhecido',
      start: 'c',
      settings: settings(),
      steps: [
        { id: 'c', type: 'condition', rules: [{ if: 'customer_found', next: 'sim' }], next: 'nao' },
        { id: 'sim', type: 'end', text: 'Oi de novo, {nome}.' },
        { id: 'nao', type: 'end', text: 'Primeira vez?' },
      ],
    })
    const c = ch.customer()
    expect(texts(c.say('oi'))).toEqual(['Primeira vez?'])
    const id = write(ctx.db, () => ctx.stores.customers.create({ name: 'Maria da Silva', code: null, code_type: null, type_id: null, email: null, phone: null, notes: null }))
    write(ctx.db, () => ctx.stores.bot.linkContact(ctx.stores.contacts.byKey(ch.channelId, c.waId)!.id, id))
    expect(texts(c.say('oi de novo'))).toEqual(['Oi de novo, Maria da Silva.'])
  })

  test('conditions on collected data and on business hours', () => {
    const always = write(ctx.db, () => ctx.stores.hours.create({ name: `24h ${++seq}`, time_zone: 'America/Sao_Paulo', weekly: Array.from({ length: 7 }, () => [[0, 1440]]) as [number, number][][], national_holidays: false, message: 'fechado' }))
    const never = write(ctx.db, () => ctx.stores.hours.create({ name: `Nunca ${++seq}`, time_zone: 'America/Sao_Paulo', weekly: [[], [], [], [], [], [], []], national_holidays: false, message: 'Fechado. Voltamos {abertura}.' }))
    const open = sector('Aberto')
    const closed = sector('Fechado')
    write(ctx.db, () => {
      for (const [id, cal] of [[open, always], [closed, never]]) {
        const s = ctx.stores.sectors.get(id)!
        ctx.stores.sectors.update(id, { ...s, business_hours_id: cal })
      }
    })
    const flow: FlowDefinition = {
      name: 'Condições',
      start: 'q',
      settings: settings(),
      steps: [
        { id: 'q', type: 'ask', kind: 'text', var: 'resp', text: 'Diga algo', max_attempts: 3, next: 'c' },
        {
          id: 'c',
          type: 'condition',
          rules: [
            { if: 'equals', var: 'resp', value: 'Urgente', next: 'urg' },
            { if: 'closed', sector_id: closed, next: 'h_closed' },
          ],
          next: 'outro',
        },
        { id: 'urg', type: 'condition', rules: [{ if: 'open', sector_id: open, next: 'u_open' }], next: 'outro' },
        { id: 'u_open', type: 'end', text: 'urgente e aberto' },
        { id: 'h_closed', type: 'end', text: 'setor fechado' },
        { id: 'outro', type: 'end', text: 'outro' },
      ],
    }
    const a = setup(flow).customer()
    a.say('oi')
    expect(texts(a.say('urgênte'))).toEqual(['urgente e aberto'])
    const b = setup(flow).customer()
    b.say('oi')
    expect(texts(b.say('qualquer coisa'))).toEqual(['setor fechado'])
  })
})

describe('keyword, end, versions', () => {
  test('"atendente" goes straight to a person at any step (the sector chosen, else the fallback, else the channel’s)', () => {
    const fallback = sector('Humanos')
    const ch = setup(menuFlow(sector('A'), sector('B'), { settings: settings({ fallback_sector_id: fallback }) }))
    const first = ch.customer()
    first.say('Quero falar com um ATENDENTE')
    expect(first.ticket()).toMatchObject({ status: 'queued', sector_id: fallback })
    expect(first.pre().outcome).toBe('human')
    const later = ch.customer()
    later.say('oi')
    later.say('atendente')
    expect(later.ticket()).toMatchObject({ status: 'queued', sector_id: fallback })
    const noFallback = setup(menuFlow(sector('A'), sector('B')))
    const c = noFallback.customer()
    c.say('oi')
    c.say('humano')
    expect(c.ticket()).toMatchObject({ status: 'queued', sector_id: noFallback.sectorId })
  })

  test('an end closes the ticket as resolved by the bot; writing again starts a new conversation', () => {
    const ch = setup(menuFlow(sector('A'), sector('B')))
    const c = ch.customer()
    c.say('oi')
    c.say('3')
    const closed = c.ticket()
    expect(closed.status).toBe('closed')
    expect(ctx.stores.history.ofTicket(closed.id).at(-1)).toMatchObject({ action: 'closed', actor_id: null })
    c.say('oi de novo')
    const next = c.ticket()
    expect(next.id).not.toBe(closed.id) // not reopened into a queue
    expect(next.status).toBe('bot')
  })

  test('a conversation finishes on the version it started with; new ones start on the new version', () => {
    const a = sector('A')
    const b = sector('B')
    const ch = setup(menuFlow(a, b))
    const before = ch.customer()
    before.say('oi')
    const flow = ctx.stores.bot.flows.get(ch.flowId!)!
    const v2 = menuFlow(a, b)
    v2.steps[1].options![1] = { title: 'Suporte', next: 'fim' } // option 2 now ends the conversation
    v2.steps[1].options![2] = { title: 'Outro', next: 'para_b' }
    v2.steps[4].text = 'Versão 2: tchau'
    const saved = saveFlowVersion(ctx, null, flow, v2, null)
    expect(saved).toMatchObject({ changed: true, flow: { current_version: 2 } })
    before.say('2')
    expect(before.ticket()).toMatchObject({ status: 'queued', sector_id: b }) // version 1: a handoff
    expect(before.pre().version).toBe(1)
    const after = ch.customer()
    after.say('oi')
    expect(texts(after.say('2'))).toEqual(['Versão 2: tchau'])
    expect(after.pre().version).toBe(2)
    // Saving the same definition again stores nothing.
    expect(saveFlowVersion(ctx, null, ctx.stores.bot.flows.get(flow.id)!, v2, null).changed).toBe(false)
  })
})

describe('inactivity', () => {
  test('a reminder after the configured minutes, then the conversation closes as abandoned', () => {
    const c = setup(menuFlow(sector('A'), sector('B'))).customer()
    c.say('oi')
    c.news()
    const start = c.pre().last_activity_at
    expect(c.pre().due_at).toBe(start + 5 * MIN)
    runBotTimers(ctx, start + 4 * MIN)
    expect(c.news()).toHaveLength(0)
    runBotTimers(ctx, start + 5 * MIN + 1)
    expect(texts(c.news())).toEqual([settings().reminder_text])
    expect(c.pre()).toMatchObject({ reminded: true, due_at: start + 15 * MIN, status: 'active' })
    runBotTimers(ctx, start + 6 * MIN) // nothing due yet
    expect(c.news()).toHaveLength(0)
    runBotTimers(ctx, start + 15 * MIN)
    expect(texts(c.news())).toEqual([settings().abandon_text])
    expect(c.ticket().status).toBe('closed')
    expect(c.pre()).toMatchObject({ status: 'done', outcome: 'abandoned' })
  })

  test('an answer restarts the clock; a ticket taken out of the bot meanwhile just ends its conversation', () => {
    const c = setup(menuFlow(sector('A'), sector('B'))).customer()
    c.say('oi')
    c.say('banana') // a wrong answer is still activity
    const t0 = c.pre().last_activity_at
    expect(c.pre().due_at).toBe(t0 + 5 * MIN)
    write(ctx.db, () => ctx.stores.tickets.requeue(c.ticket().id, c.ticket().sector_id!, Date.now()))
    c.news()
    runBotTimers(ctx, t0 + 60 * MIN)
    expect(c.news()).toHaveLength(0)
    expect(c.pre()).toMatchObject({ status: 'done', outcome: 'taken_over' })
  })
})

describe('the built-in flow and out of hours', () => {
  test('greeting → CPF/CNPJ (invalid, then valid) → menu of the sectors → handoff to the one picked', () => {
    const ch = setup('builtin')
    const c = ch.customer()
    const hello = c.say('oi')
    expect(texts(hello)[0]).toBe('Olá, Maria Cliente! Bem-vindo(a) ao nosso atendimento. Para falar com uma pessoa a qualquer momento, digite "atendente".')
    expect(interactive(hello[1]).action.buttons![0].reply).toEqual({ id: 'documento:skip', title: 'Pular' })
    expect(texts(c.say('123'))[0]).toContain('não parece válido')
    const menu = c.say('529.982.247-25')
    const active = ctx.stores.sectors.list().filter((s) => s.active)
    if (active.length <= 10) expect(interactive(menu[0]).type).toBe(active.length <= 3 ? 'button' : 'list')
    else expect(menu[0].type).toBe('text')
    const pick = active.sort((x, y) => x.name.localeCompare(y.name, 'pt-BR'))[0]
    c.say(pick.name)
    expect(c.ticket()).toMatchObject({ status: 'queued', sector_id: pick.id })
    const note = c.messages().find((m) => m.type === 'note')!
    expect(note.text).toContain('• CPF/CNPJ: 529.982.247-25')
    expect(note.text).toContain(`• Assunto: ${pick.name}`)
  })

  test('out of hours: the out-of-hours message after the protocol; by sector setting queue or close', () => {
    const cal = write(ctx.db, () => ctx.stores.hours.create({ name: `Fechado ${++seq}`, time_zone: 'America/Sao_Paulo', weekly: [[], [], [], [], [], [], []], national_holidays: true, message: 'Estamos fechados. Voltamos {abertura}. Protocolo {protocolo}.' }))
    const queueSector = sector('Fila')
    const closeSector = sector('Encerra')
    write(ctx.db, () => {
      for (const id of [queueSector, closeSector]) ctx.stores.sectors.update(id, { ...ctx.stores.sectors.get(id)!, business_hours_id: cal })
      ctx.stores.hours.setSector({ sector_id: closeSector, out_of_hours: 'close', keep_working: false, message: null })
    })
    const handoff = (sectorId: number): FlowDefinition => ({ name: 'H', start: 'h', settings: settings(), steps: [{ id: 'h', type: 'handoff', sector_id: sectorId }] })
    const q = setup(handoff(queueSector)).customer()
    const out = q.say('oi')
    const t = q.ticket()
    expect(texts(out)).toEqual([
      `Seu atendimento foi registrado com o protocolo ${t.protocol}. Em instantes um atendente vai falar com você.`,
      `Estamos fechados. Voltamos assim que possível. Protocolo ${t.protocol}.`,
    ])
    expect(out[1].extra?.out_of_hours).toEqual({ mode: 'queue', next_opening: null })
    expect(t.status).toBe('queued') // agents find it when the sector opens
    expect(q.pre().outcome).toBe('handoff')
    const cl = setup(handoff(closeSector)).customer()
    const closedOut = cl.say('oi')
    expect(texts(closedOut)[1]).toBe('Olá! No momento estamos fora do horário de atendimento. Por favor, escreva de novo assim que possível.')
    expect(cl.ticket().status).toBe('closed')
    expect(cl.pre().outcome).toBe('out_of_hours')
  })

  test('without a bot, a ticket queued out of hours gets the message too (and, by setting, is closed)', () => {
    const cal = write(ctx.db, () => ctx.stores.hours.create({ name: `Nunca ${++seq}`, time_zone: 'America/Sao_Paulo', weekly: [[], [], [], [], [], [], []], national_holidays: false, message: 'Fora do horário ({setor}).' }))
    const s = sector('Sem bot')
    write(ctx.db, () => ctx.stores.sectors.update(s, { ...ctx.stores.sectors.get(s)!, business_hours_id: cal }))
    const c = setup(null, { sectorId: s }).customer()
    const out = c.say('oi')
    expect(texts(out)[1]).toBe(`Fora do horário (${ctx.stores.sectors.get(s)!.name}).`)
    expect(out.map((m) => m.author)).toEqual(['system', 'system'])
    expect(c.ticket().status).toBe('queued')
    write(ctx.db, () => ctx.stores.hours.setSector({ sector_id: s, out_of_hours: 'close', keep_working: false, message: 'Fechado, volte {abertura}.' }))
    const d = setup(null, { sectorId: s }).customer()
    const closed = d.say('oi')
    expect(texts(closed)[1]).toBe('Fechado, volte assim que possível.')
    expect(d.ticket().status).toBe('closed')
    // Writing again does not reopen a ticket closed out of hours: a new one starts (and, still
    // out of hours, is answered and closed the same way).
    const first = d.ticket().id
    expect(texts(d.say('oi?'))[1]).toBe('Fechado, volte assim que possível.')
    expect(d.ticket().id).not.toBe(first)
  })

  test('a broken conversation state never loses the message: the ticket goes to its queue', () => {
    const ch = setup(menuFlow(sector('A'), sector('B')))
    const c = ch.customer()
    c.say('oi')
    write(ctx.db, () => ctx.db.query('UPDATE pre_service SET vars = ? WHERE ticket_id = ?').run('{broken', c.ticket().id))
    const out = c.say('2')
    expect(c.messages().some((m) => m.direction === 'in' && m.text === '2')).toBe(true)
    expect(c.ticket()).toMatchObject({ status: 'queued', sector_id: ch.sectorId })
    expect(texts(out)[0]).toContain('protocolo')
    expect(ctx.stores.bot.pre.outcome(c.ticket().id)).toBe('error')
  })
})
