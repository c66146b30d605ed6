// Starting a visitor session (POST /webchat/:key/sessions): the pre-chat form checked against the
// channel's settings, the LGPD consent recorded with the text agreed to, a contact of its own for
// the visitor (external key = a random visitor id, never a phone), the customer linked when the
// CPF/CNPJ given is one we know, and the token returned once (only its hash is stored).
import type { Context } from '../../context'
import { parseCustomerCode } from '../../customers/code'
import { normalisePhone } from '../../customers/customers'
import { write } from '../../db/open'
import { badRequest, type FieldProblem } from '../../http/errors'
import { randomToken } from '../../http/tokens'
import type { Channel } from '../store'
import type { WebchatSettings } from './settings'

export const SESSION_DAYS = 30
const SESSION_MS = SESSION_DAYS * 24 * 3_600_000
export const TOKEN_PATTERN = /^wv_[A-Za-z0-9_-]{43}$/

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/
/** Control characters (except none: a name is one line) and bidi overrides are not part of a name. */
const NOT_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

const str = (v: unknown): string | null => (typeof v === 'string' ? v.trim() : null)
const given = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '')

export interface SessionInput {
  name?: unknown
  email?: unknown
  phone?: unknown
  code?: unknown
  consent?: unknown
  page_url?: unknown
  locale?: unknown
}

export interface CleanSession {
  name: string
  email: string | null
  phone: string | null
  code: string | null
  page_url: string | null
  locale: string | null
}

/** Checks the form; 400 with every problem, or consent_required when only the consent is missing. */
export function validateSession(input: SessionInput, settings: WebchatSettings): CleanSession {
  const problems: FieldProblem[] = []
  const name = str(input.name)?.replace(NOT_IN_NAME, '').trim() ?? ''
  if (!name || name.length > 80) problems.push({ field: 'name', key: 'webchat.valid_name' })

  const field = <T,>(key: 'email' | 'phone' | 'code', check: (raw: string) => T | null, invalid: FieldProblem['key']): T | null => {
    const mode = settings.prechat[key]
    if (mode === 'hidden') return null // not asked: whatever came is ignored
    if (!given(input[key])) {
      if (mode === 'required') problems.push({ field: key, key: 'webchat.required' })
      return null
    }
    const raw = str(input[key])
    const value = raw === null ? null : check(raw)
    if (value === null) problems.push({ field: key, key: invalid })
    return value
  }
  const email = field('email', (raw) => (raw.length <= 200 && EMAIL.test(raw) ? raw.toLowerCase() : null), 'webchat.valid_email')
  const phone = field('phone', (raw) => normalisePhone(raw), 'webchat.valid_phone')
  const code = field('code', (raw) => {
    const parsed = parseCustomerCode(raw)
    return 'error' in parsed ? null : parsed.code
  }, 'webchat.valid_code')

  // Page and language are what the widget reports, for the agent's side panel: kept when sane.
  const pageUrl = pageUrlOf(input.page_url)
  const localeRaw = str(input.locale)
  const locale = localeRaw && LOCALE.test(localeRaw) ? localeRaw : null

  const consent = input.consent === true
  if (problems.length) {
    if (!consent) problems.push({ field: 'consent', key: 'webchat.consent_required' })
    throw badRequest('validation_failed', 'error.validation', problems)
  }
  if (!consent) throw badRequest('consent_required', 'webchat.consent_required', [{ field: 'consent', key: 'webchat.consent_required' }])
  return { name, email, phone, code, page_url: pageUrl, locale }
}

export interface StartedSession {
  id: number
  token: string
  expires_at: number
}

/** Stores the contact and the session in one transaction; returns the token (shown once). */
export function startSession(ctx: Context, channel: Channel, settings: WebchatSettings, s: CleanSession, meta: { user_agent: string | null; ip: string | null }, now = Date.now()): StartedSession {
  const token = `wv_${randomToken(32)}`
  const expires = now + SESSION_MS
  const id = write(ctx.db, () => {
    const contact = ctx.stores.contacts.upsert(channel.id, `visitor:${randomToken(16)}`, s.name, s.phone)
    const customer = s.code ? ctx.stores.customers.byCode(s.code) : null
    const customerId = customer && customer.anonymized_at === null ? customer.id : null
    if (customerId !== null) ctx.stores.bot.linkContact(contact.id, customerId)
    return ctx.stores.webchat.create({
      channel_id: channel.id,
      contact_id: contact.id,
      token,
      name: s.name,
      email: s.email,
      phone: s.phone,
      code: s.code,
      customer_id: customerId,
      consent_version: settings.consent_version,
      consent_text: settings.consent_text,
      page_url: s.page_url,
      user_agent: meta.user_agent ? meta.user_agent.slice(0, 400) : null,
      locale: s.locale,
      ip: meta.ip,
      now,
      expires_at: expires,
    })
  })
  return { id, token, expires_at: expires }
}

/** A page address the widget reports (http/https, ≤ 2,000 characters), or null: not kept. */
export function pageUrlOf(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw || raw.length > 2000) return null
  try {
    const u = new URL(raw)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null
  } catch {
    return null
  }
}
