// Creating and changing users: one validation for the API and the admin pages, one transaction
// per change (the user, their sectors and limits, and the audit entry commit together).
import type { Context } from '../context'
import type { FieldProblem } from '../http/errors'
import { badRequest, forbidden } from '../http/errors'
import { hashPassword, validPassword } from '../http/passwords'
import { write } from '../db/open'
import { passwordProblem } from '../settings/settings'
import { can } from './permissions'
import { CHANNEL_TYPES, DEFAULT_LIMITS, type Limits, type User } from './users-store'

export interface UserInput {
  name?: unknown
  email?: unknown
  password?: unknown
  profile?: unknown
  sector_ids?: unknown
  limits?: unknown
  active?: unknown
  /** Single sign-on only (src/sso): the password form refuses the user. */
  password_login_disabled?: unknown
}

export interface CleanUser {
  name?: string
  email?: string
  password?: string
  profile_id?: number
  sector_ids?: number[]
  limits?: Limits
  active?: boolean
  password_login_disabled?: boolean
}

const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']+\.[^\s@<>"']{2,}$/

/**
 * Checks every field present (all of name, email and profile when creating); returns the clean
 * values or the list of problems. Nothing is written here.
 */
export function validateUser(ctx: Context, input: UserInput, creating: boolean, userId?: number) {
  const problems: FieldProblem[] = []
  const clean: CleanUser = {}
  const need = (v: unknown) => creating || v !== undefined

  if (need(input.name)) {
    const name = typeof input.name === 'string' ? input.name.trim() : ''
    if (!name || name.length > 120) problems.push({ field: 'name', key: 'valid.name' })
    else clean.name = name
  }
  if (need(input.email)) {
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : ''
    if (!EMAIL.test(email) || email.length > 254) problems.push({ field: 'email', key: 'valid.email' })
    else {
      const other = ctx.stores.users.byEmail(email)
      if (other && other.id !== userId) problems.push({ field: 'email', key: 'valid.email_taken' })
      else clean.email = email
    }
  }
  if (input.password !== undefined && input.password !== '' && input.password !== null) {
    // The password policy of the general settings (length, letters and digits, symbol).
    const policy = typeof input.password === 'string' ? passwordProblem(ctx, input.password) : 'valid.password'
    if (!validPassword(input.password) || policy) problems.push({ field: 'password', key: policy ?? 'valid.password' })
    else clean.password = input.password
  }
  if (need(input.profile)) {
    const ref = input.profile
    const profile = typeof ref === 'string' || typeof ref === 'number' ? ctx.stores.profiles.resolve(ref) : null
    if (!profile) problems.push({ field: 'profile', key: 'valid.profile' })
    else clean.profile_id = profile.id
  }
  if (input.sector_ids !== undefined) {
    const ids = input.sector_ids
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && ctx.stores.sectors.get(id as number))) {
      problems.push({ field: 'sector_ids', key: 'valid.sectors' })
    } else clean.sector_ids = ids as number[]
  } else if (creating) clean.sector_ids = []
  if (input.limits !== undefined) {
    const limits = parseLimits(input.limits)
    if (!limits) problems.push({ field: 'limits', key: 'valid.limit' })
    else clean.limits = limits
  } else if (creating) clean.limits = { ...DEFAULT_LIMITS }
  if (input.active !== undefined) {
    if (typeof input.active !== 'boolean') problems.push({ field: 'active', key: 'form.required' })
    else clean.active = input.active
  }
  if (input.password_login_disabled !== undefined) {
    if (typeof input.password_login_disabled !== 'boolean') problems.push({ field: 'password_login_disabled', key: 'form.required' })
    else clean.password_login_disabled = input.password_login_disabled
  }
  return { clean, problems }
}

/** `{ whatsapp: 3, ... }` with whole numbers 0–1000 for known channel types; missing types keep defaults. */
function parseLimits(raw: unknown): Limits | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null
  const out: Limits = { ...DEFAULT_LIMITS }
  for (const [type, value] of Object.entries(raw)) {
    if (!(CHANNEL_TYPES as readonly string[]).includes(type)) return null
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 1000) return null
    out[type as keyof Limits] = value as number
  }
  return out
}

/**
 * The access-profile matrix on changes to users: deactivating needs users.delete, other changes
 * users.edit; only an admin may give someone the admin profile. actorId null: the system (setup, CLI).
 */
function checkActor(ctx: Context, actorId: number | null, clean: CleanUser, creating: boolean) {
  if (actorId === null) return
  const actor = ctx.stores.users.get(actorId)
  if (!actor) throw forbidden()
  if (!creating) {
    const { active, ...rest } = clean
    if (active !== undefined && !can(actor, 'users.delete')) throw forbidden()
    if (Object.keys(rest).length && !can(actor, 'users.edit')) throw forbidden()
  }
  if (clean.profile_id !== undefined && actor.profile_key !== 'admin' && ctx.stores.profiles.get(clean.profile_id)?.key === 'admin') throw forbidden()
}

export async function createUser(ctx: Context, actorId: number | null, input: UserInput, ip: string | null = null): Promise<User> {
  const { clean, problems } = validateUser(ctx, input, true)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  checkActor(ctx, actorId, clean, true)
  // Hash before the transaction: no slow work while holding the write lock.
  const hash = clean.password ? await hashPassword(clean.password) : null
  const id = write(ctx.db, () => {
    const id = ctx.stores.users.create({
      name: clean.name!,
      email: clean.email!,
      password_hash: hash,
      profile_id: clean.profile_id!,
      sector_ids: clean.sector_ids!,
      limits: clean.limits!,
    })
    if (clean.password_login_disabled) ctx.stores.users.setPasswordLoginDisabled(id, true)
    ctx.stores.audit.record({ actor_id: actorId, action: 'user.create', object_type: 'user', object_id: id, ip, details: { email: clean.email, profile_id: clean.profile_id, password_login_disabled: clean.password_login_disabled ?? false } })
    return id
  })
  return ctx.stores.users.get(id)!
}

export async function updateUser(ctx: Context, actorId: number | null, id: number, input: UserInput, ip: string | null = null): Promise<User> {
  const { clean, problems } = validateUser(ctx, input, false, id)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  checkActor(ctx, actorId, clean, false)
  if (clean.active === false && id === actorId) {
    throw badRequest('validation_failed', 'error.validation', [{ field: 'active', key: 'users.cannot_deactivate_self' }])
  }
  const hash = clean.password ? await hashPassword(clean.password) : null
  write(ctx.db, () => {
    ctx.stores.users.update(id, clean)
    if (hash) {
      ctx.stores.users.setPassword(id, hash)
      ctx.stores.sessions.revokeAll(id)
    }
    if (clean.password_login_disabled !== undefined) ctx.stores.users.setPasswordLoginDisabled(id, clean.password_login_disabled)
    if (clean.active !== undefined) {
      ctx.stores.users.setActive(id, clean.active)
      if (!clean.active) ctx.stores.sessions.revokeAll(id)
    }
    const { password: _omit, ...changed } = clean
    ctx.stores.audit.record({ actor_id: actorId, action: 'user.update', object_type: 'user', object_id: id, ip, details: { ...changed, password_changed: Boolean(hash) } })
  })
  // Sectors, limits or the active flag may change who can take queued tickets (and pending offers).
  if (clean.sector_ids !== undefined || clean.limits !== undefined || clean.active !== undefined) ctx.wake.routing()
  return ctx.stores.users.get(id)!
}

/** The user as the API shows it (api.md: `{ id, name, email, profile, sector_ids, limits, presence }`). */
export function userJson(u: User) {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    profile: u.profile_key ?? u.profile_id,
    profile_id: u.profile_id,
    sector_ids: u.sector_ids,
    limits: u.limits,
    presence: presenceJson(u),
    active: u.active,
    language: u.language,
    created_at: new Date(u.created_at).toISOString(),
    updated_at: new Date(u.updated_at).toISOString(),
  }
}

export function presenceJson(u: User) {
  return { status: u.presence, reason: u.presence_reason, since: new Date(u.presence_since).toISOString() }
}
