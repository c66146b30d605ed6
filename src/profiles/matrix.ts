// The access-profile matrix (perfis de acesso): one row per area, columns view / create / edit /
// delete, plus the area's special permissions. Every cell is a permission name of
// src/admin/permissions.ts; a cell the area does not have is null. What the built-in profiles hold
// by default ("restore defaults" and migration 0009) lives here too.
import { PERMISSIONS, type Permission } from '../admin/permissions'
import type { MessageKey } from '../i18n'

export const ACTIONS = ['view', 'create', 'edit', 'delete'] as const
export type Action = (typeof ACTIONS)[number]

export interface Area {
  key: string
  /** catalog key of the row label */
  label: MessageKey
  cells: Record<Action, Permission | null>
  /** permissions outside the four columns, with their label */
  extra: { permission: Permission; label: MessageKey }[]
  /** catalog key explaining what the cells mean for this area */
  hint?: MessageKey
}

const row = (key: string, label: MessageKey, cells: Partial<Record<Action, Permission>>, extra: Area['extra'] = [], hint?: MessageKey): Area => ({
  key,
  label,
  cells: { view: cells.view ?? null, create: cells.create ?? null, edit: cells.edit ?? null, delete: cells.delete ?? null },
  extra,
  hint,
})

export const AREAS: Area[] = [
  row('tickets', 'matrix.area.tickets', { view: 'tickets.view_all', create: 'templates.send' }, [], 'matrix.hint.tickets'),
  row('confidential', 'matrix.area.confidential', { view: 'tickets.confidential' }, [], 'matrix.hint.confidential'),
  row('customers', 'matrix.area.customers', { view: 'customers.view', create: 'customers.create', edit: 'customers.edit', delete: 'customers.delete' }, [{ permission: 'customers.export', label: 'matrix.extra.customers_export' }], 'matrix.hint.customers'),
  row('customer_types', 'matrix.area.customer_types', { edit: 'customer_types.manage' }),
  row('classifications', 'matrix.area.classifications', { edit: 'classifications.manage' }),
  row('quick_replies', 'matrix.area.quick_replies', { edit: 'quick_replies.manage' }, [], 'matrix.hint.quick_replies'),
  row('bot', 'matrix.area.bot', { edit: 'bot.manage' }),
  row('hours', 'matrix.area.hours', { edit: 'hours.manage' }),
  row('templates', 'matrix.area.templates', { view: 'templates.view', create: 'templates.create', edit: 'templates.edit', delete: 'templates.delete' }),
  row('bulk', 'matrix.area.bulk', { view: 'bulk.view', create: 'bulk.create', edit: 'bulk.edit' }),
  row('surveys', 'matrix.area.surveys', { view: 'surveys.view', edit: 'surveys.edit' }),
  row('reports', 'matrix.area.reports', { view: 'reports.view' }),
  row('monitoring', 'matrix.area.monitoring', { view: 'monitoring.view' }, [], 'matrix.hint.monitoring'),
  row('alerts', 'matrix.area.alerts', { edit: 'alerts.manage' }),
  row('notices', 'matrix.area.notices', { edit: 'notices.manage' }),
  row('users', 'matrix.area.users', { view: 'users.view', create: 'users.create', edit: 'users.edit', delete: 'users.delete' }, [], 'matrix.hint.users'),
  row('profiles', 'matrix.area.profiles', { view: 'profiles.view', create: 'profiles.create', edit: 'profiles.edit', delete: 'profiles.delete' }),
  row('hierarchy', 'matrix.area.hierarchy', { view: 'hierarchy.view', edit: 'hierarchy.edit' }),
  row('sectors', 'matrix.area.sectors', { view: 'sectors.view', create: 'sectors.create', edit: 'sectors.edit' }),
  row('channels', 'matrix.area.channels', { view: 'channels.view', create: 'channels.create', edit: 'channels.edit' }),
  row('settings', 'matrix.area.settings', { view: 'settings.view', edit: 'settings.edit' }, [], 'matrix.hint.settings'),
  row('tokens', 'matrix.area.tokens', { view: 'tokens.view', create: 'tokens.create', delete: 'tokens.delete' }, [], 'matrix.hint.tokens'),
  row('webhooks', 'matrix.area.webhooks', { view: 'webhooks.view', create: 'webhooks.create', edit: 'webhooks.edit', delete: 'webhooks.delete' }, [], 'matrix.hint.webhooks'),
  row('audit', 'matrix.area.audit', { view: 'audit.view' }),
]

/** Every permission a profile can hold through the matrix (the coarse names are not cells). */
export const MATRIX_PERMISSIONS: Permission[] = [...new Set(AREAS.flatMap((a) => [...ACTIONS.map((x) => a.cells[x]), ...a.extra.map((e) => e.permission)]).filter((p): p is Permission => p !== null))]

/** What the built-in profiles hold when new or restored. The admin holds everything, always. */
export const BUILT_IN_DEFAULTS: Record<'admin' | 'supervisor' | 'agent', Permission[]> = {
  admin: MATRIX_PERMISSIONS,
  supervisor: [
    'tickets.view_all',
    'templates.send',
    'tickets.confidential',
    'customers.view',
    'customers.create',
    'customers.edit',
    'classifications.manage',
    'quick_replies.manage',
    'bulk.view',
    'bulk.create',
    'bulk.edit',
    'surveys.view',
    'reports.view',
    'monitoring.view',
    'notices.manage',
    'users.view',
    'hierarchy.view',
    'sectors.view',
    'tokens.create',
  ],
  agent: ['templates.send', 'customers.view', 'customers.create', 'customers.edit', 'tokens.create'],
}

export const BUILT_IN_KEYS = ['admin', 'supervisor', 'agent'] as const

/** Keeps only names the matrix knows, in the matrix's order (what gets stored). */
export function cleanPermissions(list: Iterable<string>): Permission[] {
  const wanted = new Set(list)
  return MATRIX_PERMISSIONS.filter((p) => wanted.has(p))
}

// Compile-time-ish guard: every matrix cell is a declared permission.
for (const p of MATRIX_PERMISSIONS) if (!(PERMISSIONS as readonly string[]).includes(p)) throw new Error(`matrix cell ${p} is not a permission`)
