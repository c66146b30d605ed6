// Permission names and the one check every route, page and SSE topic goes through.
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
] as const

export type Permission = (typeof PERMISSIONS)[number]

export interface Actor {
  id: number
  profile_key: string | null
  permissions: ReadonlySet<string>
}

export function can(actor: Actor | null | undefined, permission: Permission): boolean {
  if (!actor) return false
  // The built-in admin profile always holds every permission, including ones added after it was stored.
  if (actor.profile_key === 'admin') return true
  return actor.permissions.has(permission)
}
