// Sending an approved template (whatsapp.md §4): the Graph `template` object built from what the
// caller gives (body parameters, and header/button parameters when the template has them), checked
// before anything is queued so a mistake answers 400 naming the field; the message goes through the
// outbox like any other. Also: starting an outbound conversation (POST /api/v1/tickets), and the
// reply queue — which template a customer's reply answers and the sector it goes to.
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Channel } from '../channels/store'
import type { Context } from '../context'
import { inheritContactCustomer } from '../customers/contacts'
import { write } from '../db/open'
import type { Contact } from '../desk/contacts-store'
import { ticketJson, ticketTopics } from '../desk/json'
import type { Message } from '../desk/messages-store'
import { insertOutbound, queueOutbound } from '../desk/outbound'
import type { Ticket } from '../desk/tickets-store'
import { canSeeTicket } from '../desk/visibility'
import { badRequest, HttpError, type FieldProblem } from '../http/errors'
import type { MessageKey } from '../i18n'
import type { Template } from './store'
import { whatsappChannelOr400 } from './templates'
import { brazilianVariants, charCount, E164, fillVariables, LIMITS, paramProblem, partsOf, variablesOf } from './validation'

/** What a caller sends to use a template (api.md: `{ name, language, params }`, plus optional extras). */
export interface TemplateSendInput {
  name?: unknown
  language?: unknown
  /** values of the body variables {{1}}, {{2}}, … in order */
  params?: unknown
  /** the text header's variable, when the template has one */
  header_params?: unknown
  /** the file of an IMAGE / VIDEO / DOCUMENT header: `{ link: "https://…" }` or `{ id: "<Meta media id>" }` */
  header_media?: unknown
  /** the URL suffix of each URL button that has a `{{1}}`, in button order */
  button_params?: unknown
}

export interface PreparedSend {
  template: Template
  /** The Graph API `template` object (what the sender puts in the message). */
  graph: Record<string, unknown>
  /** The body with the parameters filled in: the message's text. */
  preview: string
  /** What the conversation shows around the body. */
  view: { header: string | null; header_format: string | null; footer: string | null; buttons: string[] }
}

type Problem = FieldProblem & { text?: string }

const invalid = (code: string, key: MessageKey, problems: Problem[], vars: Record<string, string | number> = {}) => new HttpError(400, code, key, vars, problems)

/** Strings and numbers become parameter text; anything else is a problem at `field`. */
function readParams(raw: unknown, field: string, problems: Problem[]): string[] | null {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) {
    problems.push({ field, key: 'templates.params_array' })
    return null
  }
  return raw.map((v, i) => {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v)
    if (typeof v === 'string') return v
    problems.push({ field: `${field}[${i}]`, key: 'templates.param_type' })
    return ''
  })
}

function checkParams(values: string[], field: string, problems: Problem[]) {
  values.forEach((v, i) => {
    if (problems.some((p) => p.field === `${field}[${i}]`)) return
    const key = paramProblem(v)
    if (key) problems.push({ field: `${field}[${i}]`, key })
  })
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The approved template of a channel by name and language, or 400 / 409 naming `template.name`. */
export function approvedTemplate(ctx: Context, channelId: number, name: unknown, language: unknown, prefix = 'template'): Template {
  const tpl = typeof name === 'string' && typeof language === 'string' ? ctx.stores.templates.byName(channelId, name, language) : null
  if (!tpl || tpl.status === 'DELETED') throw invalid('template_not_found', 'templates.not_found', [{ field: `${prefix}.name`, key: 'templates.not_found' }])
  if (tpl.status !== 'APPROVED') throw new HttpError(409, 'template_not_approved', 'templates.not_approved', { status: tpl.status }, [{ field: `${prefix}.name`, key: 'templates.not_approved_field' }])
  return tpl
}

/**
 * Builds the send of an approved template from the caller's values. Throws 400 with every problem
 * (each naming its field: `template.params[1]`, `template.header_media`, …).
 */
export function prepareSend(tpl: Template, input: TemplateSendInput, prefix = 'template'): PreparedSend {
  const parts = partsOf(tpl.components)
  const named = tpl.parameter_format === 'NAMED'
  const problems: Problem[] = []
  const components: Record<string, unknown>[] = []
  const textParam = (text: string, name: string | undefined) => (named && name ? { type: 'text', parameter_name: name, text } : { type: 'text', text })

  // Header: a text variable, or the file of a media header.
  let headerText: string | null = null
  if (parts.header?.format === 'TEXT' && parts.header.text) {
    const vars = variablesOf(parts.header.text)
    const values = readParams(input.header_params, `${prefix}.header_params`, problems)
    if (values) {
      if (values.length !== vars.length) problems.push({ field: `${prefix}.header_params`, key: 'templates.header_params_count' })
      else if (vars.length) {
        checkParams(values, `${prefix}.header_params`, problems)
        components.push({ type: 'header', parameters: values.map((v, i) => textParam(v, vars[i])) })
      }
      headerText = fillVariables(parts.header.text, values)
    }
  } else if (parts.header && ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(parts.header.format)) {
    const kind = parts.header.format.toLowerCase()
    const media = isRecord(input.header_media) ? input.header_media : null
    const link = typeof media?.link === 'string' ? media.link.trim() : null
    const mediaId = typeof media?.id === 'string' ? media.id.trim() : null
    if (link && /^https:\/\/\S{1,2000}$/.test(link)) components.push({ type: 'header', parameters: [{ type: kind, [kind]: { link } }] })
    else if (mediaId && /^[0-9]{1,30}$/.test(mediaId)) components.push({ type: 'header', parameters: [{ type: kind, [kind]: { id: mediaId } }] })
    else problems.push({ field: `${prefix}.header_media`, key: 'templates.header_media_required' })
  }

  // Body.
  const bodyVars = variablesOf(parts.body)
  const params = readParams(input.params, `${prefix}.params`, problems)
  let preview = parts.body
  if (params) {
    if (params.length !== bodyVars.length) {
      throw invalid('template_params_mismatch', 'templates.params_count', [{ field: `${prefix}.params`, key: 'templates.params_count_field' }], { expected: bodyVars.length, given: params.length })
    }
    checkParams(params, `${prefix}.params`, problems)
    if (bodyVars.length) components.push({ type: 'body', parameters: params.map((v, i) => textParam(v, bodyVars[i])) })
    preview = fillVariables(parts.body, params)
    if (charCount(preview) > LIMITS.body) problems.push({ field: `${prefix}.params`, key: 'templates.params_too_long' })
  }

  // URL buttons with a variable suffix.
  const dynamic = parts.buttons.map((b, index) => ({ b, index })).filter(({ b }) => b.type === 'URL' && b.url !== null && variablesOf(b.url).length > 0)
  if (dynamic.length || input.button_params !== undefined) {
    const values = readParams(input.button_params, `${prefix}.button_params`, problems)
    if (values) {
      if (values.length !== dynamic.length) problems.push({ field: `${prefix}.button_params`, key: 'templates.button_params_count' })
      else {
        checkParams(values, `${prefix}.button_params`, problems)
        dynamic.forEach(({ index }, i) => components.push({ type: 'button', sub_type: 'url', index: String(index), parameters: [{ type: 'text', text: values[i] }] }))
      }
    }
  }

  if (problems.length) throw invalid('validation_failed', 'error.validation', problems)
  const graph: Record<string, unknown> = { name: tpl.name, language: { code: tpl.language } }
  if (components.length) graph.components = components
  return {
    template: tpl,
    graph,
    preview,
    view: {
      header: headerText,
      header_format: parts.header?.format ?? null,
      footer: parts.footer,
      buttons: parts.buttons.map((b) => b.text),
    },
  }
}

/** The message fields of a prepared send (extra.template is what the sender hands to Meta). */
export function templateMessage(p: PreparedSend, extra: Record<string, unknown> = {}) {
  return {
    type: 'template',
    text: p.preview,
    extra: {
      template: p.graph,
      template_ref: { id: p.template.id, name: p.template.name, language: p.template.language, category: p.template.category },
      template_view: p.view,
      ...extra,
    },
  }
}

/**
 * POST /api/v1/tickets/:ticket/messages with `template`: an approved template of the ticket's
 * channel, inside or outside the 24-hour window. The caller needs `templates.send`.
 */
export function sendTemplateToTicket(ctx: Context, user: User, ticket: Ticket, input: TemplateSendInput): Message {
  if (!can(user, 'templates.send')) throw new HttpError(403, 'forbidden', 'error.forbidden')
  if (ticket.channel_type !== 'whatsapp') throw badRequest('template_not_available', 'templates.channel_not_whatsapp', [{ field: 'template', key: 'templates.channel_not_whatsapp' }])
  const prepared = prepareSend(approvedTemplate(ctx, ticket.channel_id, input.name, input.language), input)
  return queueOutbound(ctx, ticket, { author: 'agent', author_id: user.id, ...templateMessage(prepared) })
}

// ---- contacts by number ---------------------------------------------------------------------------

/**
 * The contact for a number typed by a person: the one keyed on any form of it (a Brazilian
 * mobile with or without the 9th digit, whatsapp.md §9), else null.
 */
export function contactByNumber(ctx: Context, channelId: number, digits: string): Contact | null {
  for (const key of brazilianVariants(digits)) {
    const contact = ctx.stores.contacts.byKey(channelId, key)
    if (contact) return contact
  }
  return null
}

/** Finds or creates the contact. Call inside a write transaction. */
export function contactForNumber(ctx: Context, channelId: number, digits: string): Contact {
  return contactByNumber(ctx, channelId, digits) ?? ctx.stores.contacts.upsert(channelId, digits, null, digits)
}

// ---- outbound conversations ---------------------------------------------------------------------

export interface StartInput {
  channel_id?: unknown
  to?: unknown
  template?: TemplateSendInput
  sector_id?: unknown
}

/** A caller that serves customers (not an admin, supervisor or integration account) takes the ticket. */
export function servesCustomers(user: User): boolean {
  return user.profile_key !== 'admin' && user.profile_key !== 'supervisor' && user.sector_ids.length > 0
}

/**
 * Starts an outbound conversation: the number (E.164) becomes a contact (found under either form of
 * a Brazilian mobile), a ticket opens — assigned to the caller when they serve customers, else
 * queued in `sector_id`, the template's reply sector or the channel's sector — and the template is
 * queued through the outbox. A contact who already has an open ticket gets the template there
 * (`created: false`), unless the caller may not see that ticket (409).
 */
export function startConversation(ctx: Context, user: User, input: StartInput): { ticket: Ticket; created: boolean; message: Message } {
  if (!can(user, 'templates.send')) throw new HttpError(403, 'forbidden', 'error.forbidden')
  const channel: Channel = whatsappChannelOr400(ctx, input.channel_id)
  const to = typeof input.to === 'string' ? input.to.trim() : ''
  if (!E164.test(to)) throw badRequest('validation_failed', 'templates.valid_to', [{ field: 'to', key: 'templates.valid_to' }])
  if (input.sector_id !== undefined && input.sector_id !== null) {
    const s = Number.isInteger(input.sector_id) ? ctx.stores.sectors.get(input.sector_id as number) : null
    if (!s || !s.active) throw badRequest('validation_failed', 'templates.valid_sector', [{ field: 'sector_id', key: 'templates.valid_sector' }])
  }
  const tplInput = input.template ?? {}
  const prepared = prepareSend(approvedTemplate(ctx, channel.id, tplInput.name, tplInput.language), tplInput)
  const digits = to.slice(1)

  const out = write(ctx.db, () => {
    const contact = contactForNumber(ctx, channel.id, digits)
    const open = ctx.stores.tickets.openOfContact(contact.id)
    if (open) {
      if (!canSeeTicket(user, open)) throw new HttpError(409, 'ticket_already_open', 'templates.ticket_already_open')
      const message = insertOutbound(ctx, open, { author: 'agent', author_id: user.id, ...templateMessage(prepared) })
      return { ticketId: open.id, created: false, message }
    }
    const now = Date.now()
    const takes = servesCustomers(user)
    const sectorId = (input.sector_id as number | undefined) ?? prepared.template.reply_sector_id ?? channel.sector_id
    const ticketId = ctx.stores.tickets.create({
      protocol: ctx.stores.protocols.next(now, ctx.config.timeZone),
      channel_id: channel.id,
      contact_id: contact.id,
      status: takes ? 'open' : 'queued',
      sector_id: sectorId,
      now,
    })
    inheritContactCustomer(ctx, ticketId, contact.id, now)
    if (takes) {
      ctx.stores.tickets.assign(ticketId, user.id, now)
      ctx.stores.history.record({ ticket_id: ticketId, action: 'assigned', at: now, actor_id: user.id, to_user_id: user.id, to_sector_id: sectorId, note: 'outbound' })
    } else {
      ctx.stores.history.record({ ticket_id: ticketId, action: 'queued', at: now, actor_id: user.id, to_sector_id: sectorId, note: 'outbound' })
    }
    const ticket = ctx.stores.tickets.get(ticketId)!
    ctx.stores.events.record(ticketTopics(ticket), 'ticket.created', ticketJson(ticket))
    const message = insertOutbound(ctx, ticket, { author: 'agent', author_id: user.id, ...templateMessage(prepared) })
    ctx.stores.audit.record({ actor_id: user.id, action: 'ticket.outbound', object_type: 'ticket', object_id: ticketId, details: { channel_id: channel.id, template_id: prepared.template.id, sector_id: sectorId, assigned: takes } })
    return { ticketId, created: true, message }
  })
  ctx.hub.wake()
  ctx.wake.outbox()
  ctx.wake.routing()
  ctx.log.info({ ticket_id: out.ticketId, channel_id: channel.id, template_id: prepared.template.id, created: out.created }, 'outbound conversation')
  return { ticket: ctx.stores.tickets.get(out.ticketId)!, created: out.created, message: out.message }
}

// ---- reply queue (fila de resposta para HSM) ------------------------------------------------------

export interface TemplateReply {
  template_id: number | null
  name: string
  language: string | null
  /** where the reply goes; null: the template names none (or it is inactive) — the channel's sector */
  reply_sector_id: number | null
  /** our message id of the template the customer answered */
  message_id: number
}

/**
 * The template a customer's reply points at: the inbound message's `context.id` is the wamid of
 * our template message. Null when the quoted message is not one of our templates.
 */
export function templateReplyOf(ctx: Context, channelId: number, contextWamid: string | null | undefined): TemplateReply | null {
  if (!contextWamid) return null
  const m = ctx.stores.messages.byExternal(channelId, contextWamid)
  if (!m || m.direction !== 'out' || m.type !== 'template') return null
  const ref = isRecord(m.extra?.template_ref) ? m.extra.template_ref : null
  const graph = isRecord(m.extra?.template) ? m.extra.template : null
  const name = typeof ref?.name === 'string' ? ref.name : typeof graph?.name === 'string' ? graph.name : null
  const language = typeof ref?.language === 'string' ? ref.language : isRecord(graph?.language) && typeof graph.language.code === 'string' ? graph.language.code : null
  if (!name) return null
  const tpl = (typeof ref?.id === 'number' ? ctx.stores.templates.get(ref.id) : null) ?? (language ? ctx.stores.templates.byName(channelId, name, language) : null)
  const sector = tpl?.reply_sector_id ? ctx.stores.sectors.get(tpl.reply_sector_id) : null
  return { template_id: tpl?.id ?? null, name, language, reply_sector_id: sector?.active ? sector.id : null, message_id: m.id }
}

/** The sector a reply to one of our templates goes to (its reply sector), or null. */
export function replySectorFor(ctx: Context, channelId: number, contextWamid: string | null | undefined): number | null {
  return templateReplyOf(ctx, channelId, contextWamid)?.reply_sector_id ?? null
}
