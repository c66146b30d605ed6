// Turns one webhook delivery (whatsapp.md §1–3) into a flat, typed list of what happened.
// Pure: no clock, no I/O. It walks EVERY entry, change, message and status — anchors that read
// only entry[0].changes[0].messages[0] lose messages when Meta batches. A malformed part becomes
// an entry in `errors` and the rest is still read; only a body that is not a WhatsApp delivery at
// all throws, so the webhook can answer 400 to it instead of storing junk.

export const MESSAGE_TYPES = [
  'text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive',
  'button', 'reaction', 'order', 'system', 'unsupported', 'revoke', 'edit',
] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]

export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'played', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/** An error as Meta reports it in messages, statuses or value.errors. */
export interface WaError {
  code: number | null
  title: string | null
  message: string | null
  /** `error_data.details` */
  details: string | null
}

export interface MediaDescriptor {
  id: string
  mimeType: string | null
  /** As given: base64 in webhooks (hex in the media GET answer). */
  sha256: string | null
  filename?: string
  voice?: boolean
  animated?: boolean
  url?: string
}

export interface SharedLocation {
  latitude: number
  longitude: number
  name: string | null
  address: string | null
  url: string | null
}

export interface MessageContext {
  /** wamid of the quoted message (ours for button/interactive replies) */
  id: string | null
  from: string | null
  forwarded: boolean
  frequentlyForwarded: boolean
}

export interface InteractiveReply {
  /** button_reply | list_reply | nfm_reply (others kept as given) */
  kind: string
  /** button/list reply id; null for nfm_reply */
  id: string | null
  title: string | null
  description: string | null
  /** nfm_reply.response_json, the Flow answer as Meta sends it (a JSON string) */
  responseJson: string | null
  /** nfm_reply.name */
  flowName: string | null
}

export interface Reaction {
  messageId: string
  /** null when the customer removed the reaction (empty or missing emoji) */
  emoji: string | null
}

export interface InboundMessage {
  phoneNumberId: string
  displayPhoneNumber: string | null
  wabaId: string
  /** wa_id, or the business-scoped user_id when wa_id is empty (usernames) */
  contactKey: string
  waId: string | null
  userId: string | null
  profileName: string | null
  from: string | null
  /** wamid — the dedupe key */
  providerId: string
  /** Meta's `timestamp` (Unix seconds) in ms; null when missing or unreadable (see errors) */
  timestampMs: number | null
  type: MessageType
  /** `type` exactly as Meta sent it (differs from `type` for unknown types) */
  rawType: string
  /** For unsupported messages: `unsupported.type`, or the unknown raw type we mapped. */
  unsupportedType: string | null
  /** What to show as text: body, caption, button/list title, reaction emoji, order text, system body, location name… */
  text: string | null
  media: MediaDescriptor | null
  location: SharedLocation | null
  /** `contacts` message payload, raw (contact cards) */
  contacts: unknown[] | null
  interactive: InteractiveReply | null
  /** Template quick-reply tap: `button.payload` */
  buttonPayload: string | null
  reaction: Reaction | null
  order: { catalogId: string | null; productItems: unknown[] } | null
  /** system messages: e.g. `user_changed_number` and the new wa_id */
  system: { kind: string | null; newWaId: string | null } | null
  /** revoke / edit: the wamid of the message being deleted or edited */
  targetMessageId: string | null
  /** edit: the type of the edited content (text, image, …) */
  editedType: string | null
  context: MessageContext | null
  referral: Record<string, unknown> | null
  errors: WaError[]
  raw: Record<string, unknown>
}

export interface StatusUpdate {
  phoneNumberId: string
  displayPhoneNumber: string | null
  wabaId: string
  /** our wamid */
  providerId: string
  status: DeliveryStatus
  timestampMs: number | null
  recipientId: string | null
  errors: WaError[]
  conversation: Record<string, unknown> | null
  pricing: Record<string, unknown> | null
  bizOpaqueCallbackData: string | null
  raw: Record<string, unknown>
}

interface TemplateEventBase {
  wabaId: string
  /** entry.time in ms, when given */
  timeMs: number | null
  /** message_template_id; a number in the payload, kept as text like every other id */
  templateId: string | null
  templateName: string | null
  language: string | null
  raw: Record<string, unknown>
}

export type TemplateEvent =
  | (TemplateEventBase & {
      field: 'message_template_status_update'
      /** APPROVED, REJECTED, PAUSED, … */
      event: string | null
      reason: string | null
      category: string | null
      rejectionInfo: unknown
    })
  | (TemplateEventBase & {
      field: 'message_template_quality_update'
      previousQualityScore: string | null
      newQualityScore: string | null
    })
  | (TemplateEventBase & {
      field: 'template_category_update'
      previousCategory: string | null
      newCategory: string | null
      /** impending change: the category it will become at categoryUpdateMs */
      correctCategory: string | null
      categoryUpdateMs: number | null
    })

/** A change we do not interpret; kept so the caller can store it. */
export interface UnknownChange {
  wabaId: string
  field: string
  value: unknown
}

/** value.errors: system-, app- or account-level errors Meta reports outside messages/statuses. */
export interface AccountErrors {
  phoneNumberId: string | null
  wabaId: string
  errors: WaError[]
}

/** A part of the delivery we could not read; `path` points into the body. */
export interface DeliveryProblem {
  path: string
  reason: string
  raw: unknown
}

export interface ParsedDelivery {
  messages: InboundMessage[]
  statuses: StatusUpdate[]
  templateEvents: TemplateEvent[]
  accountErrors: AccountErrors[]
  unknown: UnknownChange[]
  errors: DeliveryProblem[]
}

export class DeliveryShapeError extends Error {
  override name = 'DeliveryShapeError'
}

type Json = Record<string, unknown>

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * JSON.parse for a delivery's bytes that keeps whole numbers too big for a double as their exact
 * digits. Meta sends some ids as JSON numbers (`message_template_id`: 16 digits); above 2^53 a
 * plain parse rounds them, and the event would name a template we do not have.
 */
export function parseDeliveryJson(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source) ? context.source : value
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown)
}

export function parseDelivery(body: unknown): ParsedDelivery {
  if (!isRecord(body)) throw new DeliveryShapeError('delivery body is not a JSON object')
  if (body.object !== 'whatsapp_business_account') {
    throw new DeliveryShapeError(`delivery object is ${JSON.stringify(body.object)}, not "whatsapp_business_account"`)
  }
  if (!Array.isArray(body.entry)) throw new DeliveryShapeError('delivery has no entry array')

  const out: ParsedDelivery = { messages: [], statuses: [], templateEvents: [], accountErrors: [], unknown: [], errors: [] }
  body.entry.forEach((entry, i) => readEntry(entry, `entry[${i}]`, out))
  return out
}

function readEntry(entry: unknown, path: string, out: ParsedDelivery): void {
  if (!isRecord(entry)) return problem(out, path, 'entry is not an object', entry)
  const wabaId = idOf(entry.id)
  if (wabaId === null) problem(out, `${path}.id`, 'entry has no WABA id', entry.id)
  if (!Array.isArray(entry.changes)) return problem(out, `${path}.changes`, 'entry has no changes array', entry.changes)
  const timeMs = secondsToMs(entry.time)
  entry.changes.forEach((change, i) => readChange(change, `${path}.changes[${i}]`, wabaId ?? '', timeMs, out))
}

function readChange(change: unknown, path: string, wabaId: string, timeMs: number | null, out: ParsedDelivery): void {
  if (!isRecord(change)) return problem(out, path, 'change is not an object', change)
  const field = textOf(change.field)
  if (field === null) return problem(out, `${path}.field`, 'change has no field', change)
  const value = change.value
  if (!isRecord(value)) return problem(out, `${path}.value`, 'change value is not an object', value)

  switch (field) {
    case 'messages':
      return readMessagesValue(value, `${path}.value`, wabaId, out)
    case 'message_template_status_update':
    case 'message_template_quality_update':
    case 'template_category_update':
      out.templateEvents.push(readTemplateEvent(field, value, wabaId, timeMs))
      return
    default:
      out.unknown.push({ wabaId, field, value })
  }
}

// ---------------------------------------------------------------------------------------------
// field = "messages": messages, statuses and account-level errors of one business number

interface NumberScope {
  phoneNumberId: string
  displayPhoneNumber: string | null
  wabaId: string
}

function readMessagesValue(value: Json, path: string, wabaId: string, out: ParsedDelivery): void {
  const hasPayload = Array.isArray(value.messages) || Array.isArray(value.statuses) || Array.isArray(value.errors)
  if (!hasPayload) {
    out.unknown.push({ wabaId, field: 'messages', value })
    return
  }
  const metadata = isRecord(value.metadata) ? value.metadata : {}
  const phoneNumberId = idOf(metadata.phone_number_id)

  if (Array.isArray(value.errors)) {
    out.accountErrors.push({ phoneNumberId, wabaId, errors: readErrors(value.errors) })
  }
  // Without the phone number id we cannot route (whatsapp.md §1): report, do not guess.
  if (phoneNumberId === null) {
    if (Array.isArray(value.messages) || Array.isArray(value.statuses)) {
      problem(out, `${path}.metadata.phone_number_id`, 'messages change without metadata.phone_number_id', value.metadata)
    }
    return
  }
  const scope: NumberScope = { phoneNumberId, displayPhoneNumber: idOf(metadata.display_phone_number), wabaId }
  const contacts = Array.isArray(value.contacts) ? value.contacts.filter(isRecord) : []

  if (Array.isArray(value.messages)) {
    value.messages.forEach((m, i) => {
      const msg = readMessage(m, `${path}.messages[${i}]`, scope, contacts, i, out)
      if (msg) out.messages.push(msg)
    })
  }
  if (Array.isArray(value.statuses)) {
    value.statuses.forEach((s, i) => {
      const status = readStatus(s, `${path}.statuses[${i}]`, scope, out)
      if (status) out.statuses.push(status)
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Inbound messages

function readMessage(
  m: unknown,
  path: string,
  scope: NumberScope,
  contacts: Json[],
  index: number,
  out: ParsedDelivery,
): InboundMessage | null {
  if (!isRecord(m)) return problemNull(out, path, 'message is not an object', m)
  const providerId = idOf(m.id)
  if (providerId === null) return problemNull(out, `${path}.id`, 'message has no id (cannot dedupe)', m)

  const from = idOf(m.from)
  const contact = matchContact(contacts, m, index)
  const waId = contact ? idOf(contact.wa_id) : null
  const userId = (contact ? idOf(contact.user_id) : null) ?? idOf(m.from_user_id)
  const contactKey = waId ?? userId ?? from
  if (contactKey === null) return problemNull(out, path, 'message has no sender (wa_id, user_id or from)', m)

  const timestampMs = secondsToMs(m.timestamp)
  if (timestampMs === null) problem(out, `${path}.timestamp`, 'message timestamp is missing or not Unix seconds', m.timestamp)

  const rawType = textOf(m.type) ?? ''
  const type = knownType(rawType)
  const content = readContent(type, rawType, m)
  if (MEDIA_TYPES.has(type) && content.media === null) problem(out, `${path}.${rawType}.id`, 'media message without a media id', m)
  if (type === 'location' && content.location === null) problem(out, `${path}.location`, 'location without numeric latitude/longitude', m)

  return {
    ...scope,
    contactKey,
    waId,
    userId,
    profileName: contact && isRecord(contact.profile) ? textOf(contact.profile.name) : null,
    from,
    providerId,
    timestampMs,
    type,
    rawType,
    ...content,
    context: readContext(m.context),
    referral: isRecord(m.referral) ? m.referral : null,
    errors: readErrors(m.errors),
    raw: m,
  }
}

// The contact for a message is the one whose wa_id is the sender, or for username users (empty
// wa_id) the one whose user_id matches. Only when the message names no sender at all do we fall
// back to position (Meta sends contacts[] parallel to messages[]) or the only contact: a message
// whose `from` matches nobody keeps its own `from` rather than borrowing someone else's identity.
function matchContact(contacts: Json[], m: Json, index: number): Json | null {
  const from = idOf(m.from)
  const fromUserId = idOf(m.from_user_id)
  const byWaId = from === null ? undefined : contacts.find((c) => idOf(c.wa_id) === from)
  if (byWaId) return byWaId
  const byUserId = fromUserId === null ? undefined : contacts.find((c) => idOf(c.user_id) === fromUserId)
  if (byUserId) return byUserId
  if (from !== null || fromUserId !== null) return null
  return contacts[index] ?? (contacts.length === 1 ? contacts[0]! : null)
}

const MEDIA_TYPES: ReadonlySet<MessageType> = new Set(['image', 'video', 'audio', 'document', 'sticker'])

function knownType(rawType: string): MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(rawType) ? (rawType as MessageType) : 'unsupported'
}

type Content = Pick<
  InboundMessage,
  | 'unsupportedType' | 'text' | 'media' | 'location' | 'contacts' | 'interactive' | 'buttonPayload'
  | 'reaction' | 'order' | 'system' | 'targetMessageId' | 'editedType'
>

function emptyContent(): Content {
  return {
    unsupportedType: null, text: null, media: null, location: null, contacts: null, interactive: null,
    buttonPayload: null, reaction: null, order: null, system: null, targetMessageId: null, editedType: null,
  }
}

// The type-named object (`m.text`, `m.image`, …) read into our fields. Also used for the inner
// message of an `edit`, which carries the new content in the same shapes.
function readContent(type: MessageType, rawType: string, m: Json): Content {
  const c = emptyContent()
  const payload = isRecord(m[rawType]) ? (m[rawType] as Json) : {}
  switch (type) {
    case 'text':
      c.text = textOf(payload.body)
      break
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      c.media = readMedia(payload)
      c.text = textOf(payload.caption)
      break
    case 'location':
      c.location = readLocation(payload)
      c.text = c.location?.name ?? c.location?.address ?? null
      break
    case 'contacts':
      c.contacts = Array.isArray(m.contacts) ? m.contacts : []
      c.text = contactCardsText(c.contacts)
      break
    case 'interactive':
      c.interactive = readInteractive(payload)
      c.text = c.interactive.title ?? c.interactive.description
      break
    case 'button':
      c.buttonPayload = textOf(payload.payload)
      c.text = textOf(payload.text)
      break
    case 'reaction':
      c.reaction = readReaction(payload)
      c.text = c.reaction?.emoji ?? null
      break
    case 'order':
      c.order = { catalogId: idOf(payload.catalog_id), productItems: Array.isArray(payload.product_items) ? payload.product_items : [] }
      c.text = textOf(payload.text)
      break
    case 'system':
      c.system = { kind: textOf(payload.type), newWaId: idOf(payload.wa_id) ?? idOf(payload.new_wa_id) }
      c.text = textOf(payload.body)
      break
    case 'revoke':
      c.targetMessageId = idOf(payload.original_message_id)
      break
    case 'edit':
      return readEdit(payload)
    case 'unsupported':
      // Unknown types are kept as unsupported so the agent sees that something arrived.
      c.unsupportedType = (isRecord(m.unsupported) ? textOf(m.unsupported.type) : null) ?? (rawType !== 'unsupported' && rawType !== '' ? rawType : null)
      break
  }
  return c
}

function readEdit(payload: Json): Content {
  const inner = isRecord(payload.message) ? payload.message : null
  const innerRaw = inner ? textOf(inner.type) ?? '' : ''
  const innerType = knownType(innerRaw)
  // An edit of an edit/revoke makes no sense; read only plain content shapes.
  const content = inner && innerType !== 'edit' && innerType !== 'revoke' ? readContent(innerType, innerRaw, inner) : emptyContent()
  return { ...content, targetMessageId: idOf(payload.original_message_id), editedType: inner ? innerRaw || null : null }
}

function readMedia(p: Json): MediaDescriptor | null {
  const id = idOf(p.id)
  if (id === null) return null
  const media: MediaDescriptor = { id, mimeType: textOf(p.mime_type), sha256: textOf(p.sha256) }
  const filename = textOf(p.filename)
  if (filename !== null) media.filename = filename
  if (typeof p.voice === 'boolean') media.voice = p.voice
  if (typeof p.animated === 'boolean') media.animated = p.animated
  const url = textOf(p.url)
  if (url !== null) media.url = url
  return media
}

function readLocation(p: Json): SharedLocation | null {
  const latitude = numberOf(p.latitude)
  const longitude = numberOf(p.longitude)
  if (latitude === null || longitude === null) return null
  return { latitude, longitude, name: textOf(p.name), address: textOf(p.address), url: textOf(p.url) }
}

function readInteractive(p: Json): InteractiveReply {
  const kind = textOf(p.type) ?? 'unknown'
  const reply = isRecord(p[kind]) ? (p[kind] as Json) : {}
  if (kind === 'nfm_reply') {
    return {
      kind,
      id: null,
      title: textOf(reply.body),
      description: null,
      responseJson: typeof reply.response_json === 'string' ? reply.response_json : reply.response_json === undefined ? null : JSON.stringify(reply.response_json),
      flowName: textOf(reply.name),
    }
  }
  return { kind, id: idOf(reply.id), title: textOf(reply.title), description: textOf(reply.description), responseJson: null, flowName: null }
}

function readReaction(p: Json): Reaction | null {
  const messageId = idOf(p.message_id)
  if (messageId === null) return null
  const emoji = textOf(p.emoji)
  return { messageId, emoji: emoji === '' ? null : emoji }
}

function contactCardsText(cards: unknown[]): string | null {
  const names = cards
    .map((card) => (isRecord(card) && isRecord(card.name) ? textOf(card.name.formatted_name) : null))
    .filter((n): n is string => !!n)
  return names.length ? names.join(', ') : null
}

function readContext(v: unknown): MessageContext | null {
  if (!isRecord(v)) return null
  return {
    id: idOf(v.id),
    from: idOf(v.from),
    forwarded: v.forwarded === true,
    frequentlyForwarded: v.frequently_forwarded === true,
  }
}

// ---------------------------------------------------------------------------------------------
// Statuses

function readStatus(s: unknown, path: string, scope: NumberScope, out: ParsedDelivery): StatusUpdate | null {
  if (!isRecord(s)) return problemNull(out, path, 'status is not an object', s)
  const providerId = idOf(s.id)
  if (providerId === null) return problemNull(out, `${path}.id`, 'status has no message id', s)
  const status = textOf(s.status)
  if (!isDeliveryStatus(status)) return problemNull(out, `${path}.status`, `unknown status ${JSON.stringify(s.status)}`, s)
  const timestampMs = secondsToMs(s.timestamp)
  if (timestampMs === null) problem(out, `${path}.timestamp`, 'status timestamp is missing or not Unix seconds', s.timestamp)
  return {
    ...scope,
    providerId,
    status,
    timestampMs,
    recipientId: idOf(s.recipient_id),
    errors: readErrors(s.errors),
    conversation: isRecord(s.conversation) ? s.conversation : null,
    pricing: isRecord(s.pricing) ? s.pricing : null,
    bizOpaqueCallbackData: textOf(s.biz_opaque_callback_data),
    raw: s,
  }
}

function isDeliveryStatus(v: string | null): v is DeliveryStatus {
  return v !== null && (DELIVERY_STATUSES as readonly string[]).includes(v)
}

const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, played: 4 }

/** sent < delivered < read < played; anything else (failed, queued, unknown) ranks 0. */
export function statusRank(status: string | null | undefined): number {
  return (status && RANK[status]) || 0
}

/**
 * Whether an incoming status should replace the stored one (whatsapp.md §3): statuses only move
 * up; `failed` applies unless the message already reached the user; a `delivered`/`read`/`played`
 * after `failed` wins (another device got it). A repeated status is a no-op. `current` may be one
 * of our own states (queued, sending…) — those rank below `sent`.
 */
export function shouldApplyStatus(current: string | null | undefined, incoming: DeliveryStatus): boolean {
  if (current === incoming) return false
  if (incoming === 'failed') return statusRank(current) < statusRank('delivered')
  if (current === 'failed') return statusRank(incoming) >= statusRank('delivered')
  return statusRank(incoming) > statusRank(current)
}

// ---------------------------------------------------------------------------------------------
// Template events

function readTemplateEvent(field: TemplateEvent['field'], v: Json, wabaId: string, timeMs: number | null): TemplateEvent {
  const base: TemplateEventBase = {
    wabaId,
    timeMs,
    templateId: idOf(v.message_template_id),
    templateName: textOf(v.message_template_name),
    language: textOf(v.message_template_language),
    raw: v,
  }
  switch (field) {
    case 'message_template_status_update':
      return {
        ...base,
        field,
        event: textOf(v.event),
        reason: textOf(v.reason),
        category: textOf(v.message_template_category),
        rejectionInfo: v.rejection_info ?? null,
      }
    case 'message_template_quality_update':
      return { ...base, field, previousQualityScore: textOf(v.previous_quality_score), newQualityScore: textOf(v.new_quality_score) }
    case 'template_category_update':
      return {
        ...base,
        field,
        previousCategory: textOf(v.previous_category),
        newCategory: textOf(v.new_category),
        correctCategory: textOf(v.correct_category),
        categoryUpdateMs: secondsToMs(v.category_update_timestamp),
      }
  }
}

// ---------------------------------------------------------------------------------------------
// Small readers. Meta's ids are strings, but a few (template ids) arrive as numbers.

function readErrors(v: unknown): WaError[] {
  if (!Array.isArray(v)) return []
  return v.filter(isRecord).map((e) => ({
    code: codeOf(e.code),
    title: textOf(e.title),
    message: textOf(e.message),
    details: isRecord(e.error_data) ? textOf(e.error_data.details) : null,
  }))
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function textOf(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string') return v === '' ? null : v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return null
}

function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v)
    return Number.isFinite(n) ? n : null
  }
  return null
}

/** Meta's error codes are whole numbers (131047); anything else is no code (stored as an INTEGER). */
function codeOf(v: unknown): number | null {
  const n = numberOf(v)
  return n !== null && Number.isSafeInteger(n) ? n : null
}

// Unix seconds, as a string ("1749416383") in messages and statuses, a number in entry.time.
function secondsToMs(v: unknown): number | null {
  const text = typeof v === 'number' ? String(v) : v
  if (typeof text !== 'string' || !/^\d{1,12}$/.test(text)) return null
  return Number(text) * 1000
}

function problem(out: ParsedDelivery, path: string, reason: string, raw: unknown): void {
  out.errors.push({ path, reason, raw })
}

function problemNull(out: ParsedDelivery, path: string, reason: string, raw: unknown): null {
  problem(out, path, reason, raw)
  return null
}
