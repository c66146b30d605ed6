// Tags rápidas: which replies a user sees and may change, the variables an agent's reply expands
// ({cliente}, {protocolo}, {atendente}), and the validation shared by the API and the pages.
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, forbidden, HttpError, type FieldProblem } from '../http/errors'
import { scopeOf, type QuickReply, type QuickReplyScope, type QuickReplyValues } from './quick-replies-store'

export const QUICK_REPLY_VARIABLES = ['cliente', 'protocolo', 'atendente'] as const
export type QuickReplyVariable = (typeof QUICK_REPLY_VARIABLES)[number]
export type QuickReplyVars = Partial<Record<QuickReplyVariable, string | null | undefined>>

export const SHORTCUT = /^[a-z0-9_-]{1,30}$/
export const MAX_TEXT = 4096
export const SCOPES: readonly QuickReplyScope[] = ['global', 'sector', 'personal']

const VARIABLE = /\{\s*(cliente|protocolo|atendente)\s*\}/gi

/**
 * Replaces {cliente}, {protocolo} and {atendente} (any case, spaces inside the braces allowed) with
 * the values given; a missing value becomes empty text (never a literal "{cliente}" sent to a
 * customer). One pass: a value that itself contains "{protocolo}" is not expanded again. Other
 * braces are left as typed. The result is plain text: escape it when rendering.
 */
export function expandQuickReply(text: string, vars: QuickReplyVars): string {
  return text.replace(VARIABLE, (_whole, name: string) => vars[name.toLowerCase() as QuickReplyVariable] ?? '')
}

/** `{word}` placeholders in the text that are not one of the known variables (shown as a hint by the preview). */
export function unknownVariables(text: string): string[] {
  const found = new Set<string>()
  for (const m of text.matchAll(/\{\s*([\p{L}\p{N}_]{1,40})\s*\}/gu)) {
    if (!QUICK_REPLY_VARIABLES.includes(m[1].toLowerCase() as QuickReplyVariable)) found.add(`{${m[1]}}`)
  }
  return [...found]
}

/** What the user typed after "/" → the shortcut prefix to look up, or null when it cannot match any shortcut. */
export function shortcutPrefix(typed: string): string | null {
  const p = typed.trim().replace(/^\//, '').toLowerCase()
  return /^[a-z0-9_-]{0,30}$/.test(p) ? p : null
}

/**
 * The replies a user may insert: global, their sectors' and their personal ones, whose shortcut
 * starts with the typed prefix ("/sau", "sau" or "" for all). Personal first, then sector, then global.
 */
export function quickRepliesFor(ctx: Context, user: Pick<User, 'id' | 'sector_ids'>, prefix: string, limit = 20): QuickReply[] {
  const p = shortcutPrefix(prefix)
  if (p === null) return []
  return ctx.stores.quickReplies.visibleTo({ userId: user.id, sectorIds: user.sector_ids, prefix: p, limit })
}

/** The replies a user sees on the management page and in the API list: also every sector's when they manage them. */
export function quickRepliesManagedBy(ctx: Context, user: User, prefix = '', limit = 500): QuickReply[] {
  const p = shortcutPrefix(prefix) ?? ''
  return ctx.stores.quickReplies.visibleTo({ userId: user.id, sectorIds: user.sector_ids, allSectors: can(user, 'quick_replies.manage'), prefix: p, limit })
}

/** May the user see this reply? Someone else's personal reply: never (not even managers). */
export function canSeeQuickReply(user: User, q: QuickReply): boolean {
  switch (scopeOf(q)) {
    case 'personal':
      return q.user_id === user.id
    case 'sector':
      return can(user, 'quick_replies.manage') || user.sector_ids.includes(q.sector_id!)
    default:
      return true
  }
}

/** May the user change or delete it? Their own personal ones; sector and global ones with 'quick_replies.manage'. */
export function canChangeQuickReply(user: User, q: Pick<QuickReply, 'sector_id' | 'user_id'>): boolean {
  return scopeOf(q) === 'personal' ? q.user_id === user.id : can(user, 'quick_replies.manage')
}

export interface QuickReplyRaw {
  shortcut?: unknown
  text?: unknown
  scope?: unknown
  sector_id?: unknown
}

/** Validates the fields present over the existing reply (or the defaults: personal). */
export function validateQuickReply(ctx: Context, user: User, raw: QuickReplyRaw, existing: QuickReply | null) {
  const problems: FieldProblem[] = []
  const out: QuickReplyValues = existing
    ? { shortcut: existing.shortcut, text: existing.text, sector_id: existing.sector_id, user_id: existing.user_id }
    : { shortcut: '', text: '', sector_id: null, user_id: user.id }
  if (raw.shortcut !== undefined || !existing) {
    const s = typeof raw.shortcut === 'string' ? raw.shortcut.trim().replace(/^\//, '').toLowerCase() : ''
    if (!SHORTCUT.test(s)) problems.push({ field: 'shortcut', key: 'quick_replies.valid_shortcut' })
    else out.shortcut = s
  }
  if (raw.text !== undefined || !existing) {
    const text = typeof raw.text === 'string' ? raw.text.replace(/\r\n?/g, '\n').trim() : ''
    if (!text || text.length > MAX_TEXT) problems.push({ field: 'text', key: 'quick_replies.valid_text' })
    else out.text = text
  }
  // The scope: given, else kept, else inferred from sector_id (a new reply without either is personal).
  let scope: QuickReplyScope = existing ? scopeOf(existing) : raw.sector_id !== undefined && raw.sector_id !== null ? 'sector' : 'personal'
  if (raw.scope !== undefined) {
    if (!SCOPES.includes(raw.scope as QuickReplyScope)) problems.push({ field: 'scope', key: 'quick_replies.valid_scope' })
    else scope = raw.scope as QuickReplyScope
  }
  if (scope === 'sector') {
    const id = raw.sector_id !== undefined ? raw.sector_id : out.sector_id
    if (typeof id !== 'number' || !Number.isInteger(id) || !ctx.stores.sectors.get(id)) problems.push({ field: 'sector_id', key: 'quick_replies.valid_sector' })
    else out.sector_id = id
    out.user_id = null
  } else {
    if (raw.sector_id !== undefined && raw.sector_id !== null) problems.push({ field: 'sector_id', key: 'quick_replies.valid_sector_scope' })
    out.sector_id = null
    // A personal reply stays with its owner; one made personal becomes the editor's own.
    out.user_id = scope === 'personal' ? (existing && scopeOf(existing) === 'personal' ? existing.user_id : user.id) : null
  }
  return { value: out, problems }
}

/**
 * Creates (existing null) or changes a reply. 400 with field problems; 403 when the result (or the
 * reply being changed) is a sector or global one and the user lacks 'quick_replies.manage';
 * 409 `quick_reply_exists` when the shortcut is taken in the same scope.
 */
export function saveQuickReply(ctx: Context, user: User, raw: QuickReplyRaw, existing: QuickReply | null, ip: string | null): QuickReply {
  if (existing && !canChangeQuickReply(user, existing)) throw forbidden()
  const { value, problems } = validateQuickReply(ctx, user, raw, existing)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  if (!canChangeQuickReply(user, value)) throw forbidden()
  const id = write(ctx.db, () => {
    const other = ctx.stores.quickReplies.inScope(value.shortcut, value.sector_id, value.user_id)
    if (other && other.id !== existing?.id) throw quickReplyExists()
    const id = existing ? (ctx.stores.quickReplies.update(existing.id, value), existing.id) : ctx.stores.quickReplies.create(value)
    ctx.stores.audit.record({
      actor_id: user.id,
      action: existing ? 'quick_reply.update' : 'quick_reply.create',
      object_type: 'quick_reply',
      object_id: id,
      ip,
      details: { shortcut: value.shortcut, scope: scopeOf(value), sector_id: value.sector_id },
    })
    return id
  })
  return ctx.stores.quickReplies.get(id)!
}

export function deleteQuickReply(ctx: Context, user: User, q: QuickReply, ip: string | null) {
  if (!canChangeQuickReply(user, q)) throw forbidden()
  write(ctx.db, () => {
    ctx.stores.quickReplies.delete(q.id)
    ctx.stores.audit.record({ actor_id: user.id, action: 'quick_reply.delete', object_type: 'quick_reply', object_id: q.id, ip, details: { shortcut: q.shortcut, scope: scopeOf(q) } })
  })
}

const quickReplyExists = () => new HttpError(409, 'quick_reply_exists', 'quick_replies.exists', {}, [{ field: 'shortcut', key: 'quick_replies.exists' }])

export function quickReplyJson(q: QuickReply) {
  return {
    id: q.id,
    shortcut: q.shortcut,
    text: q.text,
    scope: scopeOf(q),
    sector_id: q.sector_id,
    user_id: q.user_id,
    created_at: new Date(q.created_at).toISOString(),
    updated_at: new Date(q.updated_at).toISOString(),
  }
}
