// The bot engine. It runs synchronously inside the transaction that stores the customer's message
// (the webhook processor's, per stored delivery), so the conversation state and the message commit
// together and a restart continues at the same step; it only writes rows and queues outbound
// messages (no network). The inactivity timers run from the same state in their own transactions.
//
// A ticket of a channel with a flow starts in status 'bot' on the flow's current version and stays
// on that version to the end. Each customer message either answers the current question (a menu
// or an ask) or — when it says a human keyword like "atendente" — goes straight to a person. The
// steps between questions (message, identify, condition) run at once. A handoff queues the ticket
// in its sector (protocol message, out-of-hours reply, routing woken); an end closes it as
// resolved by the bot. Every bot message is a ticket message (author 'bot'); a valid answer is
// marked on the customer's message (extra.bot_answer) and, when the bot is done, an internal note
// lists the data collected (extra.bot_collected) for the agent.
import type { Channel } from '../channels/store'
import { recordMessageUpdated } from '../channels/whatsapp/statuses'
import type { Context } from '../context'
import { formatCode, parseCustomerCode } from '../customers/code'
import { formatPhone } from '../customers/customers'
import type { Customer } from '../customers/store'
import { write } from '../db/open'
import { insertOutbound, type Outbound } from '../desk/outbound'
import type { Message } from '../desk/messages-store'
import { recordTicketUpdated } from '../desk/routing'
import type { Ticket } from '../desk/tickets-store'
import { isSectorOpen } from '../hours/hours'
import { replyOutOfHours } from '../hours/out-of-hours'
import { t } from '../i18n'
import { startLoop, type WorkerLoop } from '../channels/worker-loop'
import type { FlowDefinition, Rule, Step } from './flow'
import { fold, isOneOf, matchOption, parseAnswer, saysAny } from './match'
import { finishPreService, closeInPreService } from './pre-service'
import { menuMessage, questionMessage, type Choice } from './render'
import type { Flow, PreService, PreServiceOutcome, ShownChoice } from './store'
import { messageFor } from '../settings/settings'

/** Steps run at once between two questions before the engine gives up (validation forbids such loops). */
const MAX_HOPS = 100
const MINUTE = 60_000

/** The flow new tickets of a channel start on, or null (no bot, or the flow is gone). */
export function flowForChannel(ctx: Context, channel: Channel): Flow | null {
  return channel.bot_flow_id === null ? null : ctx.stores.bot.flows.get(channel.bot_flow_id)
}

/** What the engine reads from a customer's message. */
interface Input {
  messageId: number
  type: string
  /** typed text or the tapped option's title; null for media and the like */
  text: string | null
  interactiveId: string | null
}

const ANSWER_TYPES = new Set(['text', 'interactive', 'button'])
/** Messages that are not an answer at all: left alone. */
const IGNORED = new Set(['reaction', 'system'])

function inputOf(m: Message): Input {
  const interactive = m.extra?.interactive as { id?: unknown } | undefined
  const id = typeof interactive?.id === 'string' ? interactive.id : m.type === 'button' && typeof m.extra?.button_payload === 'string' ? m.extra.button_payload : null
  return { messageId: m.id, type: m.type, text: ANSWER_TYPES.has(m.type) ? m.text : null, interactiveId: id }
}

/**
 * Call inside the delivery's write transaction, after storing a customer message on a ticket in
 * status 'bot'. Returns the number of outbound messages queued. A failure inside the engine never
 * loses the customer's message: it is logged and the ticket goes to its channel's queue.
 */
export function botOnMessage(ctx: Context, ticket: Ticket, channel: Channel, message: Message, now = Date.now()): number {
  if (IGNORED.has(message.type)) return 0
  try {
    return ctx.db.transaction(() => receive(ctx, ticket, channel, message, now))()
  } catch (err) {
    ctx.log.error({ err, ticket_id: ticket.id }, 'bot failed: the ticket goes to its queue')
    return ctx.db.transaction(() => queueWithoutBot(ctx, ticket.id, channel, now, 'error'))()
  }
}

function receive(ctx: Context, ticket: Ticket, channel: Channel, message: Message, now: number): number {
  const input = inputOf(message)
  let pre = ctx.stores.bot.pre.get(ticket.id)
  if (pre && pre.status !== 'active') return queueWithoutBot(ctx, ticket.id, channel, now, 'error')
  let fresh = false
  if (!pre) {
    const flow = flowForChannel(ctx, channel)
    if (!flow) return queueWithoutBot(ctx, ticket.id, channel, now, 'handoff')
    pre = {
      ticket_id: ticket.id, flow_id: flow.id, version: flow.current_version, step: null, attempts: 0, vars: {}, shown: null,
      status: 'active', outcome: null, last_activity_at: now, reminded: false, due_at: null, started_at: now, ended_at: null,
    }
    ctx.stores.bot.pre.insert(pre)
    fresh = true
  }
  const version = ctx.stores.bot.flows.version(pre.flow_id!, pre.version!)
  if (!version) return queueWithoutBot(ctx, ticket.id, channel, now, 'error')
  const c = new Conversation(ctx, channel, ticket.id, pre, version.definition, now)
  c.pre.last_activity_at = now
  if (fresh) c.linkKnownCustomer()
  if (input.type === 'text' && saysAny(input.text, c.def.settings.human_keywords)) c.toHuman()
  else if (fresh || !c.pre.step) c.go(c.def.start)
  else c.answer(input)
  c.save()
  return c.sent
}

/** Queues the ticket in its channel's sector, as if there were no bot (protocol, out-of-hours reply). */
function queueWithoutBot(ctx: Context, ticketId: number, channel: Channel, now: number, outcome: PreServiceOutcome): number {
  const before = ctx.stores.tickets.get(ticketId)!
  if (before.status !== 'bot') return 0
  const sectorId = ctx.stores.sectors.get(channel.sector_id)?.active ? channel.sector_id : (before.sector_id ?? channel.sector_id)
  ctx.stores.tickets.requeue(ticketId, sectorId, now)
  ctx.stores.history.record({ ticket_id: ticketId, action: 'queued', at: now, to_sector_id: sectorId })
  const after = ctx.stores.tickets.get(ticketId)!
  recordTicketUpdated(ctx, before, after)
  finishPreService(ctx, ticketId, outcome, now)
  insertOutbound(ctx, after, { author: 'system', type: 'text', text: messageFor(ctx, 'protocol', ctx.config.defaultLanguage, { channel: 'whatsapp', vars: { protocolo: after.protocol } }) })
  ctx.wake.routing()
  return 1 + replyOutOfHours(ctx, after, now)
}

class Conversation {
  sent = 0
  /** The sector a handoff is sending the ticket to (for {setor}). */
  private target: number | null = null
  constructor(
    private ctx: Context,
    private channel: Channel,
    private ticketId: number,
    public pre: PreService,
    public def: FlowDefinition,
    private now: number,
  ) {}

  private get ticket(): Ticket {
    return this.ctx.stores.tickets.get(this.ticketId)!
  }
  private get lang() {
    return this.ctx.config.defaultLanguage
  }
  private get interactive() {
    // Web chat shows the same Graph interactive objects as buttons (src/channels/webchat/protocol.ts).
    return this.channel.type === 'whatsapp' || this.channel.type === 'webchat'
  }
  private step(id: string | null | undefined): Step | null {
    return id ? (this.def.steps.find((s) => s.id === id) ?? null) : null
  }
  private tag(stepId = this.pre.step) {
    return { bot: { flow_id: this.pre.flow_id, version: this.pre.version, step: stepId } }
  }
  save() {
    this.ctx.stores.bot.pre.save(this.pre)
  }
  private send(o: Outbound) {
    insertOutbound(this.ctx, this.ticket, o)
    this.sent++
  }
  private say(text: string | undefined) {
    if (text) this.send({ author: 'bot', type: 'text', text: this.fill(text), extra: this.tag() })
  }

  // ---- variables -------------------------------------------------------------------------------

  private customer(): Customer | null {
    const id = this.ticket.customer_id
    return id === null ? null : this.ctx.stores.customers.get(id)
  }
  private chosenSector(): number | null {
    const id = Number(this.pre.vars._sector_id)
    return Number.isInteger(id) && id > 0 ? id : null
  }
  /** The data collected, as an agent reads it: label → display value, in the order of the steps. */
  private collected(): { var: string; label: string; value: string }[] {
    const out: { var: string; label: string; value: string }[] = []
    for (const s of this.def.steps) {
      if ((s.type !== 'ask' && s.type !== 'menu') || !s.var) continue
      const v = this.pre.vars[s.var]
      if (v === undefined || v === '' || out.some((o) => o.var === s.var)) continue
      out.push({ var: s.var, label: s.label || s.var, value: display(s, v) })
    }
    return out
  }
  private fill(text: string): string {
    const c = this.customer()
    return text.replace(/\{(\w+)\}/g, (_, name: string) => {
      switch (name) {
        case 'nome':
          return c?.name ?? this.ticket.contact_name ?? ''
        case 'cliente':
          return c?.name ?? ''
        case 'protocolo':
          return this.ticket.protocol
        case 'setor': {
          const id = this.target ?? this.chosenSector() ?? this.ticket.sector_id
          return (id && this.ctx.stores.sectors.get(id)?.name) || ''
        }
        default: {
          const s = this.def.steps.find((x) => (x.type === 'ask' || x.type === 'menu') && x.var === name)
          const v = this.pre.vars[name]
          return v === undefined ? '' : s ? display(s, v) : v
        }
      }
    })
  }

  // ---- moving through the steps -------------------------------------------------------------------

  /** Runs steps from `id` until one waits for the customer or the conversation ends. */
  go(id: string | undefined) {
    for (let hops = 0; hops < MAX_HOPS; hops++) {
      const s = this.step(id)
      if (!s) return this.toHuman()
      this.pre.step = s.id
      this.pre.attempts = 0
      this.pre.shown = null
      switch (s.type) {
        case 'message':
          this.say(s.text)
          id = s.next
          continue
        case 'menu':
          return this.presentMenu(s)
        case 'ask':
          return this.askQuestion(s, s.text)
        case 'identify':
          id = this.identify(s)
          continue
        case 'condition':
          id = (s.rules ?? []).find((r) => this.holds(r))?.next ?? s.next
          continue
        case 'handoff':
          return this.handoff(s.sector_id ?? null, s.text, 'handoff')
        case 'end':
          return this.end(s.text)
        default:
          return this.toHuman()
      }
    }
    this.ctx.log.error({ ticket_id: this.ticketId, flow_id: this.pre.flow_id, version: this.pre.version }, 'bot: too many steps without a question; the ticket goes to a person')
    this.toHuman()
  }

  /** From now on the conversation waits; the inactivity timers count from here. */
  private wait() {
    const s = this.def.settings
    this.pre.last_activity_at = this.now
    this.pre.reminded = false
    this.pre.due_at = this.now + (s.reminder_minutes > 0 ? s.reminder_minutes : s.abandon_minutes) * MINUTE
  }

  private presentMenu(s: Step) {
    if (!this.pre.shown) {
      if (s.source === 'sectors') {
        const wanted = new Set(s.sector_ids ?? [])
        const sectors = this.ctx.stores.sectors.list().filter((x) => x.active && (wanted.size === 0 || wanted.has(x.id)))
        sectors.sort((a, b) => a.name.localeCompare(b.name, 'pt-BR'))
        this.pre.shown = sectors.map((x, i) => ({ id: `${s.id}:${i + 1}`, title: x.name, value: x.name, next: s.next ?? '', sector_id: x.id }))
      } else {
        this.pre.shown = (s.options ?? []).map((o, i) => ({ id: `${s.id}:${i + 1}`, title: o.title, value: o.value ?? o.title, next: o.next }))
      }
    }
    if (this.pre.shown.length === 0) return this.toHuman() // a sectors menu with no active sector
    const descriptions = s.source === 'sectors' ? [] : (s.options ?? []).map((o) => o.description)
    const choices: Choice[] = this.pre.shown.map((c, i) => (descriptions[i] ? { id: c.id, title: c.title, description: descriptions[i] } : { id: c.id, title: c.title }))
    this.send(menuMessage(this.fill(s.text ?? ''), choices, { interactive: this.interactive, listButton: this.def.settings.list_button || t(this.lang, 'bot.default_list_button'), extra: this.tag(s.id) }))
    this.wait()
  }

  private askQuestion(s: Step, text: string | undefined) {
    const skip = s.skippable ? { id: `${s.id}:skip`, title: this.def.settings.skip_button || t(this.lang, 'bot.default_skip_button') } : null
    this.send(questionMessage(this.fill(text ?? ''), skip, { interactive: this.interactive, extra: this.tag(s.id) }))
    this.wait()
  }

  /** The customer's message while a question waits. */
  answer(input: Input) {
    const s = this.step(this.pre.step)
    if (!s) return this.toHuman()
    if (s.type === 'menu') {
      const shown = this.pre.shown ?? []
      const i = matchOption(shown, input)
      if (i === null) return this.retry(s, () => {
        this.say(this.def.settings.invalid_option_text || t(this.lang, 'bot.default_invalid_option'))
        this.presentMenu(s)
      })
      const choice: ShownChoice = shown[i]
      if (s.var) this.pre.vars[s.var] = choice.value
      if (choice.sector_id) this.pre.vars._sector_id = String(choice.sector_id)
      this.markAnswer(input, s, choice.title)
      return this.go(choice.next)
    }
    if (s.type === 'ask') {
      if (s.skippable && (input.interactiveId === `${s.id}:skip` || isOneOf(input.text, this.def.settings.skip_words))) return this.go(s.skip_next)
      const parsed = input.type === 'interactive' ? null : parseAnswer(s.kind!, input.text)
      if (!parsed) return this.retry(s, () => this.askQuestion(s, s.retry_text || t(this.lang, RETRY_KEY[s.kind!])))
      this.pre.vars[s.var!] = parsed.value
      this.markAnswer(input, s, parsed.display)
      return this.go(s.next)
    }
    // Not waiting (a state from an interrupted run): carry on from where it stood.
    this.go(s.id)
  }

  /** A wrong answer: try again, or after the last attempt take the step's way out (a person when none). */
  private retry(s: Step, again: () => void) {
    this.pre.attempts++
    if (this.pre.attempts < (s.max_attempts ?? 3)) {
      const attempts = this.pre.attempts
      again()
      this.pre.attempts = attempts
      return
    }
    if (s.fail_next) return this.go(s.fail_next)
    this.toHuman()
  }

  /** The customer's message holds data collected: marked on it for the agent (shown highlighted). */
  private markAnswer(input: Input, s: Step, value: string) {
    const m = this.ctx.stores.messages.get(input.messageId)
    if (!m) return
    const extra = { ...(m.extra ?? {}), bot_answer: { step: s.id, var: s.var ?? null, label: s.label || s.var || null, value } }
    this.ctx.stores.messages.setExtraAndText(m.id, extra, m.text)
    recordMessageUpdated(this.ctx, m.id)
  }

  // ---- identify, conditions ----------------------------------------------------------------------

  linkKnownCustomer() {
    const contact = this.ctx.stores.contacts.get(this.ticket.contact_id)
    if (contact?.customer_id && this.ticket.customer_id === null) {
      const c = this.ctx.stores.customers.get(contact.customer_id)
      if (c && c.anonymized_at === null) this.link(c)
    }
  }

  private link(c: Customer) {
    const before = this.ticket
    if (before.anonymous) return
    if (before.customer_id !== c.id) {
      this.ctx.stores.tickets.patch(before.id, { customer_id: c.id }, this.now)
      this.ctx.stores.history.record({ ticket_id: before.id, action: 'updated', at: this.now, note: 'customer_id' })
      recordTicketUpdated(this.ctx, before, this.ticket)
    }
    this.ctx.stores.bot.linkContact(before.contact_id, c.id)
  }

  /** Looks the collected code up; links (or creates) the customer. Returns the next step. */
  private identify(s: Step): string | undefined {
    const code = s.var ? this.pre.vars[s.var] : undefined
    const notFound = s.not_found_next || s.next
    const parsed = code ? parseCustomerCode(code) : null
    if (!parsed || 'error' in parsed) return notFound
    let c = this.ctx.stores.customers.byCode(parsed.code)
    if (c && c.anonymized_at !== null) c = null
    if (!c && s.create) {
      const name = ((s.name_var && this.pre.vars[s.name_var]) || this.ticket.contact_name || formatCode(parsed.code, parsed.type)).trim().slice(0, 200)
      const id = this.ctx.stores.customers.create({ name, code: parsed.code, code_type: parsed.type, type_id: null, email: null, phone: null, notes: null })
      this.ctx.stores.audit.record({ actor_id: null, action: 'customer.create', object_type: 'customer', object_id: id, details: { fields: ['name', 'code', 'code_type'], source: 'bot', ticket_id: this.ticketId } })
      c = this.ctx.stores.customers.get(id)
    }
    if (!c) return notFound
    this.link(c)
    return s.next
  }

  private holds(r: Rule): boolean {
    switch (r.if) {
      case 'has':
        return Boolean(r.var && this.pre.vars[r.var])
      case 'equals':
        return Boolean(r.var && r.value !== undefined && fold(this.pre.vars[r.var] ?? '') === fold(r.value))
      case 'customer_found':
        return this.ticket.customer_id !== null
      case 'customer_type':
        return this.customer()?.type_id === Number(r.value)
      case 'open':
      case 'closed': {
        const open = isSectorOpen(this.ctx, r.sector_id ?? this.chosenSector() ?? this.ticket.sector_id, this.now)
        return r.if === 'open' ? open : !open
      }
      default:
        return false
    }
  }

  // ---- the end of the bot's part ----------------------------------------------------------------------

  /** The summary note for the agent (internal, never sent) when data was collected. */
  private summary() {
    const items = this.collected()
    const c = this.customer()
    const lines = items.map((i) => `• ${i.label}: ${i.value}`)
    if (c) lines.push(`• ${t(this.lang, 'bot.collected_customer')}: ${c.name}${c.code ? ` (${formatCode(c.code, c.code_type)})` : ''}`)
    if (!lines.length) return
    this.send({
      author: 'bot',
      type: 'note',
      text: `${t(this.lang, 'bot.collected_title')}\n${lines.join('\n')}`,
      extra: { ...this.tag(), bot_collected: items, bot_customer_id: c?.id ?? null },
    })
  }

  private finish(outcome: PreServiceOutcome) {
    this.pre.status = 'done'
    this.pre.outcome = outcome
    this.pre.due_at = null
    this.pre.ended_at = this.now
  }

  /** To a person: the sector chosen in the flow, else the flow's fallback, else the channel's. */
  toHuman() {
    this.handoff(null, undefined, 'human')
  }

  private handoff(sectorId: number | null, text: string | undefined, outcome: 'handoff' | 'human') {
    const candidates = [sectorId, this.chosenSector(), this.def.settings.fallback_sector_id, this.channel.sector_id]
    const sector = candidates.find((id) => id !== null && id !== undefined && this.ctx.stores.sectors.get(id)?.active) ?? this.channel.sector_id
    this.target = sector // {setor} in the handoff text names where the ticket goes
    this.summary()
    this.say(text)
    const before = this.ticket
    this.ctx.stores.tickets.requeue(before.id, sector, this.now)
    this.ctx.stores.history.record({ ticket_id: before.id, action: 'queued', at: this.now, from_sector_id: before.sector_id, to_sector_id: sector, note: outcome === 'human' ? 'bot: human' : 'bot' })
    recordTicketUpdated(this.ctx, before, this.ticket)
    this.finish(outcome)
    this.save() // before the out-of-hours reply, which may close the ticket and record its outcome
    this.send({ author: 'bot', type: 'text', text: messageFor(this.ctx, 'protocol', this.lang, { channel: 'whatsapp', vars: { protocolo: this.ticket.protocol } }), extra: this.tag() })
    this.sent += replyOutOfHours(this.ctx, this.ticket, this.now, 'bot')
    const after = this.ctx.stores.bot.pre.get(this.ticketId)
    if (after) this.pre = after
    this.ctx.wake.routing()
  }

  private end(text: string | undefined) {
    this.summary()
    this.say(text)
    this.finish('resolved')
    this.save()
    closeInPreService(this.ctx, this.ticketId, 'resolved', this.now)
    this.pre = this.ctx.stores.bot.pre.get(this.ticketId)!
  }

  /** The inactivity timers: the reminder, then the abandonment. Returns messages queued. */
  timer(): number {
    const s = this.def.settings
    const abandonAt = this.pre.last_activity_at + s.abandon_minutes * MINUTE
    if (!this.pre.reminded && s.reminder_minutes > 0 && this.now < abandonAt) {
      this.say(s.reminder_text)
      this.pre.reminded = true
      this.pre.due_at = abandonAt
      this.save()
      return this.sent
    }
    if (this.now < abandonAt) {
      this.pre.due_at = abandonAt
      this.save()
      return 0
    }
    this.summary()
    this.say(s.abandon_text)
    this.finish('abandoned')
    this.save()
    closeInPreService(this.ctx, this.ticketId, 'abandoned', this.now)
    return this.sent
  }
}

const RETRY_KEY = {
  text: 'bot.retry_text',
  code: 'bot.retry_code',
  email: 'bot.retry_email',
  phone: 'bot.retry_phone',
  date: 'bot.retry_date',
} as const

/** A collected value as people read it (CPF/CNPJ with its mask, dates as dd/mm/yyyy, phones formatted). */
function display(s: Step, value: string): string {
  if (s.type !== 'ask') return value
  switch (s.kind) {
    case 'code':
      return formatCode(value)
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
      return m ? `${m[3]}/${m[2]}/${m[1]}` : value
    }
    case 'phone':
      return formatPhone(value)
    default:
      return value
  }
}

// ---- inactivity ----------------------------------------------------------------------------------

/**
 * Sends due reminders and closes abandoned conversations (one transaction each, state re-read
 * inside). A conversation whose ticket left status 'bot' meanwhile (a supervisor moved or closed
 * it) just ends ('taken_over'). Returns how many conversations were handled.
 */
export function runBotTimers(ctx: Context, now = Date.now()): number {
  let handled = 0
  let sent = 0
  for (;;) {
    const due = ctx.stores.bot.pre.due(now, 100)
    if (due.length === 0) break
    for (const d of due) {
      try {
        sent += timerOf(ctx, d.ticket_id, now)
      } catch (err) {
        // A conversation that cannot be moved on must not hold up the others: it ends, and its
        // ticket goes to its queue (a person takes over).
        ctx.log.error({ err, ticket_id: d.ticket_id }, 'bot timer failed')
        write(ctx.db, () => {
          const ticket = ctx.stores.tickets.get(d.ticket_id)
          const channel = ticket ? ctx.stores.channels.get(ticket.channel_id) : null
          if (ticket && channel && ticket.status === 'bot') sent += queueWithoutBot(ctx, ticket.id, channel, now, 'error')
          else finishPreService(ctx, d.ticket_id, 'error', now)
        })
      }
      handled++
    }
    if (due.length < 100) break
  }
  if (handled) ctx.hub.wake()
  if (sent) ctx.wake.outbox()
  return handled
}

function timerOf(ctx: Context, ticketId: number, now: number): number {
  return write(ctx.db, () => {
    const pre = ctx.stores.bot.pre.get(ticketId)
    if (!pre || pre.status !== 'active' || pre.due_at === null || pre.due_at > now) return 0
    const ticket = ctx.stores.tickets.get(pre.ticket_id)!
    const version = pre.flow_id === null || pre.version === null ? null : ctx.stores.bot.flows.version(pre.flow_id, pre.version)
    const channel = ctx.stores.channels.get(ticket.channel_id)!
    if (ticket.status !== 'bot') {
      finishPreService(ctx, ticket.id, 'taken_over', now)
      return 0
    }
    if (!version) return queueWithoutBot(ctx, ticket.id, channel, now, 'error')
    return new Conversation(ctx, channel, ticket.id, pre, version.definition, now).timer()
  })
}

/** The inactivity worker: every 15 s (and once at start, after a restart). */
export function startBotTimers(ctx: Context, intervalMs = 15_000): WorkerLoop {
  return startLoop(
    'bot-timers',
    ctx.log,
    async () => {
      runBotTimers(ctx)
      return false
    },
    intervalMs,
  )
}
