// Permission names and the one check every route, page and SSE topic goes through.
//
// The access-profile matrix (src/profiles/matrix.ts) shows view/create/edit/delete per area; each
// cell is one of the names below. The older, coarser names (`users.manage`, `templates.manage`,
// `bulk.send`, ...) keep working: checking one of them asks "any of its cells" (LEGACY below), and
// a profile that still stores one (saved before the matrix existed, or appended by a migration)
// holds all of its cells. Routes are narrowed to the exact cell by the route table
// (src/profiles/routes-permissions.ts), enforced for every request in one place.
export const PERMISSIONS = [
  'users.view',
  'users.manage',
  'sectors.view',
  'sectors.manage',
  'profiles.manage',
  'channels.manage',
  'settings.manage',
  'audit.view',
  'monitoring.view',
  'tickets.view_all',
  'reports.view',
  'tokens.manage',
  'customers.view',
  'customers.manage',
  'customer_types.manage',
  'classifications.manage',
  'quick_replies.manage',
  'templates.manage',
  'templates.send',
  'bulk.send',
  // ---- the matrix cells (issue 8) ----
  'tickets.confidential',
  'customers.create',
  'customers.edit',
  'customers.delete',
  'customers.export',
  'templates.view',
  'templates.create',
  'templates.edit',
  'templates.delete',
  'bulk.view',
  'bulk.create',
  'bulk.edit',
  'surveys.view',
  'surveys.edit',
  'users.create',
  'users.edit',
  'users.delete',
  'profiles.view',
  'profiles.create',
  'profiles.edit',
  'profiles.delete',
  'sectors.create',
  'sectors.edit',
  'hierarchy.view',
  'hierarchy.edit',
  'channels.view',
  'channels.create',
  'channels.edit',
  'settings.view',
  'settings.edit',
  'tokens.view',
  'tokens.create',
  'tokens.delete',
  // ---- supervision (issue 7): alert rules (admins), notices (admins and supervisors) ----
  'alerts.manage',
  'notices.manage',
  // ---- pre-service (issue 5): bot flows; business hours, holidays and sectors' out-of-hours settings ----
  'bot.manage',
  'hours.manage',
  // ---- integrations (issue 8): outgoing webhooks ----
  'webhooks.view',
  'webhooks.create',
  'webhooks.edit',
  'webhooks.delete',
] as const

export type Permission = (typeof PERMISSIONS)[number]

/** A coarse name and the matrix cells it stands for ("any of" when checked; "all of" when stored). */
export const LEGACY: Partial<Record<Permission, readonly Permission[]>> = {
  'users.manage': ['users.create', 'users.edit', 'users.delete'],
  'sectors.manage': ['sectors.create', 'sectors.edit'],
  'profiles.manage': ['profiles.view', 'profiles.create', 'profiles.edit', 'profiles.delete'],
  'channels.manage': ['channels.view', 'channels.create', 'channels.edit'],
  'settings.manage': ['settings.view', 'settings.edit'],
  'tokens.manage': ['tokens.view', 'tokens.create', 'tokens.delete'],
  'customers.manage': ['customers.create', 'customers.edit'],
  'templates.manage': ['templates.view', 'templates.create', 'templates.edit', 'templates.delete'],
  'bulk.send': ['bulk.view', 'bulk.create', 'bulk.edit'],
}

/** cell → the coarse names that grant it when stored. */
const GRANTED_BY = new Map<string, Permission[]>()
for (const [legacy, cells] of Object.entries(LEGACY) as [Permission, readonly Permission[]][]) {
  for (const c of cells) GRANTED_BY.set(c, [...(GRANTED_BY.get(c) ?? []), legacy])
}

/** What a stored list really grants: coarse names expanded into their cells (for the matrix and the profile page). */
export function expandPermissions(stored: Iterable<string>): Set<Permission> {
  const out = new Set<Permission>()
  const known = new Set<string>(PERMISSIONS)
  for (const p of stored) {
    if (!known.has(p)) continue
    const cells = LEGACY[p as Permission]
    if (cells) for (const c of cells) out.add(c)
    else out.add(p as Permission)
  }
  return out
}

export interface Actor {
  id: number
  profile_key: string | null
  permissions: ReadonlySet<string>
}

export function can(actor: Actor | null | undefined, permission: Permission): boolean {
  if (!actor) return false
  // The built-in admin profile always holds every permission, including ones added after it was stored.
  if (actor.profile_key === 'admin') return true
  const held = actor.permissions
  if (held.has(permission)) return true
  const cells = LEGACY[permission]
  if (cells?.some((c) => held.has(c))) return true
  const grantedBy = GRANTED_BY.get(permission)
  return grantedBy !== undefined && grantedBy.some((l) => held.has(l))
}
