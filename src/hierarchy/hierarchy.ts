// Hierarchy levels (níveis hierárquicos): ranked levels (1 = top), each user at a level and
// reporting to one manager. Supervision scope follows it: a manager watches the sectors of everyone
// below them (supervisedSectorIds, for monitoring and dashboards).
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, conflict, notFound, type FieldProblem } from '../http/errors'

export function saveLevel(ctx: Context, actorId: number, input: { name?: unknown; rank?: unknown }, existingId: number | null, ip: string | null) {
  const existing = existingId === null ? null : ctx.stores.hierarchy.level(existingId)
  if (existingId !== null && !existing) throw notFound()
  const problems: FieldProblem[] = []
  const name = typeof input.name === 'string' ? input.name.trim() : ''
  const rankRaw = typeof input.rank === 'string' ? Number(input.rank.trim()) : input.rank
  if (!name || name.length > 80) problems.push({ field: 'name', key: 'hierarchy.valid_name' })
  else if (ctx.stores.hierarchy.levelNameTaken(name, existingId)) problems.push({ field: 'name', key: 'hierarchy.name_taken' })
  if (typeof rankRaw !== 'number' || !Number.isInteger(rankRaw) || rankRaw < 1 || rankRaw > 100) problems.push({ field: 'rank', key: 'hierarchy.valid_rank' })
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  return write(ctx.db, () => {
    const id = existing ? existing.id : ctx.stores.hierarchy.createLevel(name, rankRaw as number)
    if (existing) ctx.stores.hierarchy.updateLevel(existing.id, name, rankRaw as number)
    ctx.stores.audit.record({ actor_id: actorId, action: existing ? 'hierarchy.level_update' : 'hierarchy.level_create', object_type: 'hierarchy_level', object_id: id, ip, details: { name, rank: rankRaw } })
    return id
  })
}

export function deleteLevel(ctx: Context, actorId: number, id: number, ip: string | null) {
  const level = ctx.stores.hierarchy.level(id)
  if (!level) throw notFound()
  if (level.users > 0) throw conflict('level_in_use', 'hierarchy.in_use', { count: level.users })
  write(ctx.db, () => {
    ctx.stores.hierarchy.deleteLevel(id)
    ctx.stores.audit.record({ actor_id: actorId, action: 'hierarchy.level_delete', object_type: 'hierarchy_level', object_id: id, ip, details: { name: level.name } })
  })
}

/** Puts a user at a level, reporting to a manager (no cycles: a manager cannot report to their own report). */
export function placeUser(ctx: Context, actorId: number, userId: number, levelId: number | null, managerId: number | null, ip: string | null) {
  if (!ctx.stores.users.get(userId)) throw notFound()
  const problems: FieldProblem[] = []
  if (levelId !== null && !ctx.stores.hierarchy.level(levelId)) problems.push({ field: 'level_id', key: 'hierarchy.valid_level' })
  if (managerId !== null) {
    if (managerId === userId || !ctx.stores.users.get(managerId)) problems.push({ field: 'manager_id', key: 'hierarchy.valid_manager' })
    else if (ctx.stores.hierarchy.teamOf(userId).includes(managerId)) problems.push({ field: 'manager_id', key: 'hierarchy.cycle' })
  }
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  write(ctx.db, () => {
    ctx.stores.hierarchy.place(userId, levelId, managerId)
    ctx.stores.audit.record({ actor_id: actorId, action: 'hierarchy.place', object_type: 'user', object_id: userId, ip, details: { level_id: levelId, manager_id: managerId } })
  })
}

/**
 * The sectors a user supervises: 'all' for the admin profile, and for a profile that sees every
 * ticket while nobody reports to anyone yet (no hierarchy set up); otherwise their own sectors
 * plus those of everyone below them in the hierarchy, at any depth.
 */
export function supervisedSectorIds(ctx: Context, user: User): number[] | 'all' {
  if (user.profile_key === 'admin') return 'all'
  const team = ctx.stores.hierarchy.teamOf(user.id)
  if (team.length === 0 && can(user, 'tickets.view_all') && !ctx.stores.hierarchy.placements().some((p) => p.manager_id !== null)) return 'all'
  return [...new Set([...user.sector_ids, ...ctx.stores.hierarchy.sectorsOf(team)])].sort((a, b) => a - b)
}

/** The people a user manages, directly or not (ids). */
export const teamOf = (ctx: Context, user: Pick<User, 'id'>): number[] => ctx.stores.hierarchy.teamOf(user.id)
