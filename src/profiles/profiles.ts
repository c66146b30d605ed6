// Creating, changing, copying and deleting access profiles — one validation for the API and the
// matrix page, one transaction per change with its audit entry (which cells were added/removed).
//
// Rules: the built-in admin profile always holds everything (it is shown locked; copy it to make a
// restricted admin); supervisor and agent are editable and can be restored to their defaults;
// custom profiles are deleted only while no user has them. Someone who is not an admin may grant
// only permissions they hold themselves (no climbing through the matrix).
import { can, expandPermissions, type Permission } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, conflict, HttpError, notFound, type FieldProblem } from '../http/errors'
import type { Translate } from '../i18n'
import { ACTIONS, AREAS, BUILT_IN_DEFAULTS, cleanPermissions, MATRIX_PERMISSIONS } from './matrix'
import type { ProfileRow } from './store'

export interface ProfileInput {
  name?: unknown
  description?: unknown
  permissions?: unknown
}

const isBuiltIn = (key: string | null): key is 'admin' | 'supervisor' | 'agent' => key === 'admin' || key === 'supervisor' || key === 'agent'

/** What a profile grants, as matrix cells (admin: everything). */
export function effectivePermissions(p: Pick<ProfileRow, 'key' | 'permissions'>): Permission[] {
  if (p.key === 'admin') return [...MATRIX_PERMISSIONS]
  return cleanPermissions(expandPermissions(p.permissions))
}

/** The cells a user holds through their profile. */
export const userPermissions = (user: User): Permission[] => MATRIX_PERMISSIONS.filter((p) => can(user, p))

function validate(ctx: Context, input: ProfileInput, existing: ProfileRow | null) {
  const problems: FieldProblem[] = []
  let name = existing?.name ?? ''
  let description = existing?.description ?? null
  let permissions = existing ? effectivePermissions(existing) : []
  if (input.name !== undefined || !existing) {
    const n = typeof input.name === 'string' ? input.name.trim() : ''
    if (!n || n.length > 80) problems.push({ field: 'name', key: 'profiles.valid_name' })
    else if (ctx.stores.profileAdmin.nameTaken(n, existing?.id ?? null)) problems.push({ field: 'name', key: 'profiles.name_taken' })
    else name = n
  }
  if (input.description !== undefined) {
    const d = input.description === null ? '' : typeof input.description === 'string' ? input.description.trim() : null
    if (d === null || d.length > 500) problems.push({ field: 'description', key: 'profiles.valid_description' })
    else description = d || null
  }
  if (input.permissions !== undefined) {
    const list = input.permissions
    const known = new Set<string>(MATRIX_PERMISSIONS)
    if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' && known.has(p))) problems.push({ field: 'permissions', key: 'profiles.valid_permissions' })
    else permissions = cleanPermissions(list as string[])
  }
  return { name, description, permissions, problems }
}

/** Someone who is not an admin may grant only what they hold. */
function checkGrant(actor: User, before: Permission[], after: Permission[]) {
  if (actor.profile_key === 'admin') return
  const had = new Set(before)
  const beyond = after.filter((p) => !had.has(p) && !can(actor, p))
  if (beyond.length) throw new HttpError(403, 'grant_beyond_own', 'profiles.grant_beyond_own', { permissions: beyond.join(', ') })
}

function diff(before: Permission[], after: Permission[]) {
  const b = new Set(before)
  const a = new Set(after)
  return { added: after.filter((p) => !b.has(p)), removed: before.filter((p) => !a.has(p)) }
}

export function createProfile(ctx: Context, actor: User, input: ProfileInput & { copy_of?: unknown }, ip: string | null): ProfileRow {
  let source: ProfileRow | null = null
  if (input.copy_of !== undefined && input.copy_of !== null) {
    source = typeof input.copy_of === 'number' ? ctx.stores.profileAdmin.get(input.copy_of) : null
    if (!source) throw badRequest('validation_failed', 'error.validation', [{ field: 'copy_of', key: 'profiles.valid_copy_of' }])
  }
  const seeded: ProfileInput = { ...input, permissions: input.permissions ?? (source ? effectivePermissions(source) : []) }
  const v = validate(ctx, seeded, null)
  if (v.problems.length) throw badRequest('validation_failed', 'error.validation', v.problems)
  checkGrant(actor, [], v.permissions)
  const id = write(ctx.db, () => {
    const id = ctx.stores.profileAdmin.create(v.name, v.description, v.permissions)
    ctx.stores.audit.record({ actor_id: actor.id, action: 'profile.create', object_type: 'profile', object_id: id, ip, details: { name: v.name, copy_of: source?.id ?? null, permissions: v.permissions } })
    return id
  })
  return ctx.stores.profileAdmin.get(id)!
}

export function updateProfile(ctx: Context, actor: User, id: number, input: ProfileInput, ip: string | null): ProfileRow {
  const existing = ctx.stores.profileAdmin.get(id)
  if (!existing) throw notFound()
  if (existing.key === 'admin' && input.permissions !== undefined) throw conflict('admin_profile_locked', 'profiles.admin_locked')
  const v = validate(ctx, input, existing)
  if (v.problems.length) throw badRequest('validation_failed', 'error.validation', v.problems)
  const before = effectivePermissions(existing)
  checkGrant(actor, before, v.permissions)
  return save(ctx, actor, existing, v.name, v.description, existing.key === 'admin' ? existing.permissions : v.permissions, before, ip, 'profile.update')
}

/** Puts a built-in supervisor or agent profile back to its shipped permissions. */
export function restoreProfile(ctx: Context, actor: User, id: number, ip: string | null): ProfileRow {
  const existing = ctx.stores.profileAdmin.get(id)
  if (!existing) throw notFound()
  if (!isBuiltIn(existing.key) || existing.key === 'admin') throw conflict('not_restorable', 'profiles.not_restorable')
  const before = effectivePermissions(existing)
  const after = cleanPermissions(BUILT_IN_DEFAULTS[existing.key])
  checkGrant(actor, before, after)
  return save(ctx, actor, existing, existing.name, existing.description, after, before, ip, 'profile.restore')
}

function save(ctx: Context, actor: User, existing: ProfileRow, name: string, description: string | null, permissions: string[], before: Permission[], ip: string | null, action: string): ProfileRow {
  write(ctx.db, () => {
    ctx.stores.profileAdmin.update(existing.id, name, description, permissions)
    const changes = diff(before, existing.key === 'admin' ? before : (permissions as Permission[]))
    ctx.stores.audit.record({
      actor_id: actor.id,
      action,
      object_type: 'profile',
      object_id: existing.id,
      ip,
      details: { name, ...(name !== existing.name ? { renamed_from: existing.name } : {}), ...changes },
    })
  })
  // Who may see what changed: live streams re-check per event (realtime/routes.tsx), routing may differ.
  ctx.wake.routing()
  return ctx.stores.profileAdmin.get(existing.id)!
}

export function deleteProfile(ctx: Context, actor: User, id: number, ip: string | null) {
  const existing = ctx.stores.profileAdmin.get(id)
  if (!existing) throw notFound()
  if (existing.key !== null) throw conflict('built_in_profile', 'profiles.built_in_delete')
  if (existing.users > 0) throw conflict('profile_in_use', 'profiles.in_use', { count: existing.users })
  write(ctx.db, () => {
    ctx.stores.profileAdmin.remove(id)
    ctx.stores.audit.record({ actor_id: actor.id, action: 'profile.delete', object_type: 'profile', object_id: id, ip, details: { name: existing.name } })
  })
}

export function profileJson(p: ProfileRow) {
  return {
    id: p.id,
    key: p.key,
    name: p.name,
    description: p.description,
    built_in: p.key !== null,
    locked: p.key === 'admin',
    permissions: effectivePermissions(p),
    users: p.users,
    created_at: new Date(p.created_at).toISOString(),
    updated_at: new Date(p.updated_at).toISOString(),
  }
}

/** A user's permissions in words ("Usuários: Criar"), for their own profile page. */
export function permissionLabels(t: Translate, user: User): string[] {
  const out: string[] = []
  for (const area of AREAS) {
    for (const a of ACTIONS) {
      const p = area.cells[a]
      if (p && can(user, p)) out.push(`${t(area.label)}: ${t(`matrix.action.${a}`)}`)
    }
    for (const e of area.extra) if (can(user, e.permission)) out.push(`${t(area.label)}: ${t(e.label)}`)
  }
  return out
}
