// The rules of WhatsApp message templates (whatsapp.md §4, §7), checked before anything goes to
// Meta: names, languages, categories, the four components (HEADER, BODY, FOOTER, BUTTONS) in
// Meta's own JSON shape, send-time parameters, phone numbers as people type them, and the opt-out
// words. Pure: no database, no clock, no network.
import type { FieldProblem } from '../http/errors'

export const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const
export type Category = (typeof CATEGORIES)[number]
export const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT'] as const
export type HeaderFormat = (typeof HEADER_FORMATS)[number]
export const BUTTON_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER'] as const
export type ButtonType = (typeof BUTTON_TYPES)[number]

export const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/
/** pt_BR, en_US, es, en, zh_CN, ... (Meta's language codes). */
export const TEMPLATE_LANGUAGE = /^[a-z]{2,3}(_[A-Z]{2,3})?$/
export const LIMITS = { header: 60, body: 1024, footer: 60, button: 25, buttons: 10, url: 2000, phone: 20, urlButtons: 2, phoneButtons: 1 } as const

/** Statuses Meta reports (whatsapp.md §7), plus DELETED for a template removed here. Only APPROVED sends. */
export const STATUSES = [
  'APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'FLAGGED', 'IN_APPEAL', 'PENDING_DELETION',
  'DELETED', 'ARCHIVED', 'LIMIT_EXCEEDED', 'LOCKED', 'REINSTATED',
] as const
/** Meta lets these be edited (approved ones at most once a day, 10 times a month — Meta enforces it). */
export const EDITABLE_STATUSES = new Set(['APPROVED', 'REJECTED', 'PAUSED'])

export interface TemplateButton {
  type: ButtonType
  text: string
  url?: string
  phone_number?: string
  /** URL buttons with a `{{1}}` suffix: one example URL */
  example?: string[]
}

export type TemplateComponent =
  | { type: 'HEADER'; format: HeaderFormat; text?: string; example?: { header_text?: string[]; header_handle?: string[] } }
  | { type: 'BODY'; text: string; example?: { body_text: string[][] } }
  | { type: 'FOOTER'; text: string }
  | { type: 'BUTTONS'; buttons: TemplateButton[] }

/** Characters as people (and Meta) count them: an emoji is one. */
export const charCount = (s: string) => [...s].length

const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g

/** The variables of a text in order of first appearance, e.g. ['1', '2'] or ['first_name']. */
export function variablesOf(text: string): string[] {
  const seen: string[] = []
  for (const m of text.matchAll(VARIABLE)) if (!seen.includes(m[1])) seen.push(m[1])
  return seen
}

type Json = Record<string, unknown>
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** A send-time parameter as Meta takes it: not empty, no newline or tab, no more than 4 spaces in a row. */
export function paramProblem(value: string): 'templates.param_empty' | 'templates.param_format' | 'templates.param_too_long' | null {
  if (value.trim() === '') return 'templates.param_empty'
  if (/[\n\r\t]/.test(value) || / {5,}/.test(value)) return 'templates.param_format'
  if (charCount(value) > 1024) return 'templates.param_too_long'
  return null
}

/** Positional variables must be {{1}}, {{2}}, … in some order, with none missing. */
function positionalProblem(vars: string[]): boolean {
  if (vars.some((v) => !/^[1-9][0-9]?$/.test(v))) return true
  const numbers = vars.map(Number).sort((a, b) => a - b)
  return numbers.some((n, i) => n !== i + 1)
}

const exampleList = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null)

/**
 * Checks `components` as Meta takes them and returns a clean copy (known keys only, types in upper
 * case, in Meta's order HEADER, BODY, FOOTER, BUTTONS) with every problem found, each naming its
 * field (`components[1].text`). Nothing is thrown.
 */
export function validateComponents(input: unknown): { components: TemplateComponent[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = []
  const at = (field: string, key: FieldProblem['key']) => problems.push({ field, key })
  if (!Array.isArray(input) || input.length === 0) {
    at('components', 'templates.valid_components')
    return { components: [], problems }
  }
  if (input.length > 4) at('components', 'templates.valid_components')
  const out: Partial<Record<TemplateComponent['type'], TemplateComponent>> = {}
  input.forEach((raw, i) => {
    const where = `components[${i}]`
    if (!isRecord(raw) || typeof raw.type !== 'string') return at(`${where}.type`, 'templates.valid_component_type')
    const type = raw.type.toUpperCase()
    if (type !== 'HEADER' && type !== 'BODY' && type !== 'FOOTER' && type !== 'BUTTONS') return at(`${where}.type`, 'templates.valid_component_type')
    if (out[type]) return at(`${where}.type`, 'templates.valid_component_twice')
    if (type === 'HEADER') out.HEADER = header(raw, where, at)
    else if (type === 'BODY') out.BODY = body(raw, where, at)
    else if (type === 'FOOTER') out.FOOTER = footer(raw, where, at)
    else out.BUTTONS = buttons(raw, where, at)
  })
  if (!out.BODY) at('components', 'templates.valid_body_required')
  const components = (['HEADER', 'BODY', 'FOOTER', 'BUTTONS'] as const).map((k) => out[k]).filter((c): c is TemplateComponent => c !== undefined)
  return { components, problems }
}

type At = (field: string, key: FieldProblem['key']) => void

function header(raw: Json, where: string, at: At): TemplateComponent {
  const format = (str(raw.format) ?? '').toUpperCase()
  if (!(HEADER_FORMATS as readonly string[]).includes(format)) {
    at(`${where}.format`, 'templates.valid_header_format')
    return { type: 'HEADER', format: 'TEXT', text: '' }
  }
  const example = isRecord(raw.example) ? raw.example : null
  if (format !== 'TEXT') {
    // Meta wants a sample file (a resumable-upload handle) for media headers; passed through as given.
    const handle = exampleList(example?.header_handle)
    return { type: 'HEADER', format: format as HeaderFormat, ...(handle?.length ? { example: { header_handle: handle } } : {}) }
  }
  const text = str(raw.text) ?? ''
  if (text.trim() === '') at(`${where}.text`, 'templates.valid_header_text')
  else if (charCount(text) > LIMITS.header) at(`${where}.text`, 'templates.valid_header_long')
  else if (/[\n\r]/.test(text)) at(`${where}.text`, 'templates.valid_header_newline')
  const vars = variablesOf(text)
  if (vars.length > 1 || (vars.length === 1 && vars[0] !== '1')) at(`${where}.text`, 'templates.valid_header_variables')
  const samples = exampleList(example?.header_text)
  if (vars.length >= 1) {
    if (!samples || samples.length !== 1 || samples[0].trim() === '') {
      at(`${where}.example.header_text`, 'templates.valid_header_example')
      return { type: 'HEADER', format: 'TEXT', text }
    }
    return { type: 'HEADER', format: 'TEXT', text, example: { header_text: [samples[0]] } }
  }
  return { type: 'HEADER', format: 'TEXT', text }
}

function body(raw: Json, where: string, at: At): TemplateComponent {
  const text = str(raw.text) ?? ''
  if (text.trim() === '') {
    at(`${where}.text`, 'templates.valid_body_text')
    return { type: 'BODY', text }
  }
  if (charCount(text) > LIMITS.body) at(`${where}.text`, 'templates.valid_body_long')
  const vars = variablesOf(text)
  if (!vars.length) return { type: 'BODY', text }
  if (positionalProblem(vars)) at(`${where}.text`, 'templates.valid_body_variables')
  // Meta refuses a template that starts or ends with a variable.
  const trimmed = text.trim()
  if (/^\{\{[^{}]*\}\}/.test(trimmed) || /\{\{[^{}]*\}\}$/.test(trimmed)) at(`${where}.text`, 'templates.valid_body_edges')
  const example = isRecord(raw.example) ? raw.example : null
  const rows = Array.isArray(example?.body_text) ? example.body_text : null
  const samples = rows && rows.length === 1 ? exampleList(rows[0]) : null
  if (!samples || samples.length !== vars.length || samples.some((s) => s.trim() === '')) {
    at(`${where}.example.body_text`, 'templates.valid_body_examples')
    return { type: 'BODY', text }
  }
  if (samples.some((s) => paramProblem(s) !== null)) at(`${where}.example.body_text`, 'templates.valid_example_format')
  return { type: 'BODY', text, example: { body_text: [samples] } }
}

function footer(raw: Json, where: string, at: At): TemplateComponent {
  const text = str(raw.text) ?? ''
  if (text.trim() === '') at(`${where}.text`, 'templates.valid_footer_text')
  else if (charCount(text) > LIMITS.footer) at(`${where}.text`, 'templates.valid_footer_long')
  if (variablesOf(text).length) at(`${where}.text`, 'templates.valid_footer_variables')
  return { type: 'FOOTER', text }
}

const URL_RE = /^https?:\/\/[^\s/$.?#][^\s]*$/i
const PHONE_RE = /^\+?[1-9][0-9]{7,18}$/

function buttons(raw: Json, where: string, at: At): TemplateComponent {
  const list = Array.isArray(raw.buttons) ? raw.buttons : null
  if (!list || list.length === 0) {
    at(`${where}.buttons`, 'templates.valid_buttons')
    return { type: 'BUTTONS', buttons: [] }
  }
  if (list.length > LIMITS.buttons) at(`${where}.buttons`, 'templates.valid_buttons_many')
  const out: TemplateButton[] = []
  list.slice(0, LIMITS.buttons).forEach((b, j) => {
    const w = `${where}.buttons[${j}]`
    const type = isRecord(b) && typeof b.type === 'string' ? b.type.toUpperCase() : ''
    if (!isRecord(b) || !(BUTTON_TYPES as readonly string[]).includes(type)) return at(`${w}.type`, 'templates.valid_button_type')
    const text = str(b.text) ?? ''
    if (text.trim() === '') at(`${w}.text`, 'templates.valid_button_text')
    else if (charCount(text) > LIMITS.button) at(`${w}.text`, 'templates.valid_button_long')
    if (variablesOf(text).length) at(`${w}.text`, 'templates.valid_button_variables')
    const button: TemplateButton = { type: type as ButtonType, text }
    if (type === 'URL') {
      const url = (str(b.url) ?? '').trim()
      if (!URL_RE.test(url) || url.length > LIMITS.url) at(`${w}.url`, 'templates.valid_button_url')
      const vars = variablesOf(url)
      // One variable, at the end of the URL (the part that changes per customer).
      if (vars.length > 1 || (vars.length === 1 && (vars[0] !== '1' || !/\{\{\s*1\s*\}\}$/.test(url)))) at(`${w}.url`, 'templates.valid_button_url_variable')
      button.url = url
      if (vars.length === 1) {
        const sample = exampleList(b.example)
        if (!sample || sample.length !== 1 || !URL_RE.test(sample[0].trim())) at(`${w}.example`, 'templates.valid_button_url_example')
        else button.example = [sample[0].trim()]
      }
    } else if (type === 'PHONE_NUMBER') {
      const phone = (str(b.phone_number) ?? '').replace(/[\s().-]/g, '')
      if (!PHONE_RE.test(phone) || phone.length > LIMITS.phone) at(`${w}.phone_number`, 'templates.valid_button_phone')
      button.phone_number = phone
    }
    out.push(button)
  })
  if (out.filter((b) => b.type === 'URL').length > LIMITS.urlButtons) at(`${where}.buttons`, 'templates.valid_buttons_url_many')
  if (out.filter((b) => b.type === 'PHONE_NUMBER').length > LIMITS.phoneButtons) at(`${where}.buttons`, 'templates.valid_buttons_phone_many')
  // Quick replies and call-to-action buttons must be grouped, not interleaved.
  const kinds = out.map((b) => (b.type === 'QUICK_REPLY' ? 'q' : 'c')).join('')
  if (/q+c+q|c+q+c/.test(kinds)) at(`${where}.buttons`, 'templates.valid_buttons_grouped')
  return { type: 'BUTTONS', buttons: out }
}

// ---- reading components (clean or as Meta returned them) -------------------------------------------

export interface TemplateParts {
  header: { format: string; text: string | null } | null
  body: string
  footer: string | null
  buttons: { type: string; text: string; url: string | null; phone_number: string | null }[]
}

/** The parts of a template, from components as stored (ours, or as Meta's list returned them). */
export function partsOf(components: unknown): TemplateParts {
  const parts: TemplateParts = { header: null, body: '', footer: null, buttons: [] }
  if (!Array.isArray(components)) return parts
  for (const c of components) {
    if (!isRecord(c)) continue
    const type = String(c.type ?? '').toUpperCase()
    if (type === 'HEADER') parts.header = { format: String(c.format ?? 'TEXT').toUpperCase(), text: str(c.text) }
    else if (type === 'BODY') parts.body = str(c.text) ?? ''
    else if (type === 'FOOTER') parts.footer = str(c.text)
    else if (type === 'BUTTONS' && Array.isArray(c.buttons)) {
      for (const b of c.buttons) {
        if (!isRecord(b)) continue
        parts.buttons.push({ type: String(b.type ?? '').toUpperCase(), text: str(b.text) ?? '', url: str(b.url), phone_number: str(b.phone_number) })
      }
    }
  }
  return parts
}

/** Replaces `{{n}}` (or `{{name}}`) with the values given for each variable, in order of appearance. */
export function fillVariables(text: string, values: (string | null | undefined)[]): string {
  const vars = variablesOf(text)
  return text.replace(VARIABLE, (whole, name: string) => {
    const value = values[vars.indexOf(name)]
    return value === undefined || value === null || value === '' ? whole : value
  })
}

// ---- phone numbers -----------------------------------------------------------------------------

/** `+5583988887777` exactly: a plus, a country code, 8–15 digits in all (the API's `to`). */
export const E164 = /^\+[1-9][0-9]{7,14}$/

/**
 * A phone number as people type it in a spreadsheet — `+55 (83) 98888-7777`, `83988887777`,
 * `5583988887777` — as E.164 digits without the plus, or null. Numbers of 10 or 11 digits without
 * a country code are taken as Brazilian (DDD + number).
 */
export function normalisePhone(raw: string): string | null {
  const trimmed = raw.trim()
  if (!/^\+?[0-9\s().-]{8,25}$/.test(trimmed)) return null
  let digits = trimmed.replace(/\D/g, '')
  if (digits.startsWith('0')) return null
  if (!trimmed.startsWith('+') && (digits.length === 10 || digits.length === 11) && !digits.startsWith('55')) digits = '55' + digits
  if (digits.length < 8 || digits.length > 15 || digits.startsWith('0')) return null
  return digits
}

/**
 * The forms a Brazilian mobile number may have on WhatsApp (whatsapp.md §9): with and without the
 * 9th digit. `5583988887777` ↔ `558388887777`. Other numbers: only themselves.
 */
export function brazilianVariants(digits: string): string[] {
  if (!digits.startsWith('55')) return [digits]
  const ddd = digits.slice(2, 4)
  const rest = digits.slice(4)
  if (rest.length === 9 && rest.startsWith('9')) return [digits, `55${ddd}${rest.slice(1)}`]
  // An 8-digit mobile (starts with 6–9) may be the same person as the 9-digit form.
  if (rest.length === 8 && /^[6-9]/.test(rest)) return [digits, `55${ddd}9${rest}`]
  return [digits]
}

// ---- opt-out ------------------------------------------------------------------------------------

const OPT_OUT_WORDS = new Set(['parar', 'pare', 'sair', 'stop', 'descadastrar', 'cancelar inscricao', 'nao quero mais receber', 'parar promocoes', 'stop promotions'])

/** "PARAR", "Sair.", "  sáir! " — a reply that asks to stop receiving notices (whole message only). */
export function isOptOut(text: string | null | undefined): boolean {
  if (!text) return false
  const normalised = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return OPT_OUT_WORDS.has(normalised)
}
