// What every route needs, in one table: the matrix cell (or cells) a signed-in caller must hold.
// Enforced for every request before validation (app.ts calls enforceRoutePermission from its
// transform hook, which must not touch the body: pages read their own forms), on top of each handler's own check — so a route is reachable exactly when the
// caller's profile has the cell the matrix shows. The permission walk (route-permissions.test.ts)
// fails for a route missing here: a new route must say what it needs.
//
// 'public': no sign-in (login, webhooks, assets, docs); 'user': any signed-in user (the handler
// checks the object: a ticket the user may see, their own session or token).
import { can, type Permission } from '../admin/permissions'
import type { Context } from '../context'
import { viewerOf } from '../http/auth'
import { forbidden } from '../http/errors'

export type Requirement =
  | 'public'
  | 'user'
  | Permission
  | { anyOf: Permission[] }
  /** from the path parameters: every permission returned is needed */
  | ((input: { params: Record<string, string | undefined> }) => Permission[])

const createOrEdit = (create: Permission, edit: Permission) => ({ params }: { params: Record<string, string | undefined> }) => [params.id ? edit : create]

export const ROUTE_PERMISSIONS: Record<string, Requirement> = {
  // ---- operations, assets, sign-in ----
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /assets/*': 'public',
  'GET /favicon.ico': 'public',
  'GET /api/v1/openapi.raw.json': 'public',
  'GET /api/v1/openapi.json': 'public',
  'GET /api/docs': 'public',
  'GET /setup': 'public',
  'POST /setup': 'public',
  'GET /login': 'public',
  'POST /login': 'public',
  'POST /logout': 'public',
  'GET /webhooks/whatsapp/:key': 'public',
  'POST /webhooks/whatsapp/:key': 'public',
  'GET /webchat.js': 'public',
  // Web chat visitors (src/channels/webchat/protocol.ts): public, checked by channel key, origin and visitor token.
  'OPTIONS /webchat/:key/*': 'public',
  'GET /webchat/:key/config': 'public',
  'POST /webchat/:key/sessions': 'public',
  'GET /webchat/:key/session': 'public',
  'POST /webchat/:key/messages': 'public',
  'GET /webchat/:key/messages': 'public',
  'GET /webchat/:key/media/:id': 'public',
  'GET /webchat/:key/events': 'public',
  'POST /webchat/:key/typing': 'public',
  'POST /webchat/:key/read': 'public',
  'POST /webchat/:key/page': 'public',
  'POST /webchat/:key/survey': 'public',
  'GET /webchat/:key/transcript': 'public',
  'GET /admin/channels/new/webchat': 'channels.manage',
  'POST /admin/channels/new/webchat': 'channels.manage',
  'GET /admin/channels/:id/webchat': 'channels.manage',
  'POST /admin/channels/:id/webchat': 'channels.manage',
  'GET /admin/channels/:id/webchat/preview': 'channels.manage',
  // The agent typing in a web-chat ticket (the handler checks the ticket: src/channels/webchat/agent-typing.ts).
  'POST /tickets/:id/typing': 'user',
  'GET /sso/login': 'public',
  'GET /sso/callback': 'public',
  'GET /admin/sso': 'settings.view',
  'POST /admin/sso': 'settings.edit',
  'POST /admin/sso/test': 'settings.edit',
  'GET /admin/backups': 'settings.view',
  'GET /admin/backups/status': 'settings.view',
  'POST /admin/backups': 'settings.edit',
  'POST /admin/backups/run': 'settings.edit',

  // ---- home, profile, live events ----
  'GET /': 'user',
  'POST /presence': 'user',
  'GET /profile': 'user',
  'POST /profile/language': 'user',
  'POST /profile/sessions/:id/revoke': 'user',
  'POST /profile/tokens': 'tokens.create',
  'POST /profile/tokens/:id/revoke': 'user',
  'GET /events': 'user',
  'GET /api/v1/events': 'user',
  'GET /api/v1/me': 'user',
  'PUT /api/v1/me/presence': 'user',

  // ---- users, profiles, hierarchy, sectors ----
  'GET /admin/users': 'users.view',
  'GET /admin/users/rows': 'users.view',
  'GET /admin/users/new': 'users.create',
  'POST /admin/users': 'users.create',
  'GET /admin/users/:id': { anyOf: ['users.edit', 'users.delete'] },
  'POST /admin/users/:id': 'users.edit',
  'POST /admin/users/:id/:action': 'users.delete',
  'GET /admin/users/:id/permissions': { anyOf: ['users.view', 'profiles.view'] },
  'GET /api/v1/users': 'users.view',
  'GET /api/v1/users/:id': 'users.view',
  'POST /api/v1/users': 'users.create',
  // `active` in the body needs users.delete, any other field users.edit (checked in admin/users.ts).
  'PATCH /api/v1/users/:id': { anyOf: ['users.edit', 'users.delete'] },
  'GET /admin/profiles': 'profiles.view',
  'GET /admin/profiles/new': 'profiles.create',
  'POST /admin/profiles': 'profiles.create',
  'GET /admin/profiles/:id': 'profiles.view',
  'POST /admin/profiles/:id': 'profiles.edit',
  'POST /admin/profiles/:id/restore': 'profiles.edit',
  'POST /admin/profiles/:id/delete': 'profiles.delete',
  'GET /api/v1/profiles': 'profiles.view',
  'GET /api/v1/profiles/:id': 'profiles.view',
  'POST /api/v1/profiles': 'profiles.create',
  'PATCH /api/v1/profiles/:id': 'profiles.edit',
  'DELETE /api/v1/profiles/:id': 'profiles.delete',
  'GET /api/v1/permissions': 'user',
  'GET /admin/hierarchy': 'hierarchy.view',
  'POST /admin/hierarchy/levels': 'hierarchy.edit',
  'POST /admin/hierarchy/levels/:id': 'hierarchy.edit',
  'POST /admin/hierarchy/levels/:id/delete': 'hierarchy.edit',
  'POST /admin/hierarchy/users/:id': 'hierarchy.edit',
  'GET /api/v1/hierarchy': 'hierarchy.view',
  'GET /admin/sectors': 'sectors.view',
  'GET /admin/sectors/new': 'sectors.create',
  'GET /admin/sectors/:id': 'sectors.edit',
  'POST /admin/sectors/:id?': createOrEdit('sectors.create', 'sectors.edit'),
  'GET /api/v1/sectors': 'sectors.view',
  'GET /api/v1/sectors/:id': 'sectors.view',
  'POST /api/v1/sectors': 'sectors.create',
  'PATCH /api/v1/sectors/:id': 'sectors.edit',

  // ---- channels ----
  'GET /admin/channels': 'channels.view',
  'GET /admin/channels/new': 'channels.create',
  'POST /admin/channels': 'channels.create',
  'GET /admin/channels/:id': 'channels.view',
  'POST /admin/channels/:id': 'channels.edit',
  'POST /admin/channels/:id/test': 'channels.edit',
  'GET /api/v1/channels': 'channels.view',
  'GET /api/v1/channels/:id': 'channels.view',
  'POST /api/v1/channels': 'channels.create',
  'PATCH /api/v1/channels/:id': 'channels.edit',
  'POST /api/v1/channels/:id/test': 'channels.edit',

  // ---- settings, audit, docs ----
  'GET /admin/settings': 'settings.view',
  'POST /admin/settings': 'settings.edit',
  'GET /admin/settings/communication': 'settings.view',
  'POST /admin/settings/communication': 'settings.edit',
  'GET /branding/logo': 'public',
  'GET /api/v1/settings': 'settings.view',
  'PATCH /api/v1/settings': 'settings.edit',
  // ---- integrations (issue 8): outgoing webhooks, API limits, data retention ----
  'GET /admin/integrations': { anyOf: ['webhooks.view', 'settings.view'] },
  'POST /admin/integrations/webhooks': 'webhooks.create',
  'GET /admin/integrations/webhooks/:id': 'webhooks.view',
  'POST /admin/integrations/webhooks/:id': 'webhooks.edit',
  'POST /admin/integrations/webhooks/:id/secret': 'webhooks.edit',
  'POST /admin/integrations/webhooks/:id/delete': 'webhooks.delete',
  'POST /admin/integrations/webhooks/:id/deliveries/:delivery/redeliver': 'webhooks.edit',
  'POST /admin/integrations/settings': 'settings.edit',
  'POST /admin/integrations/retention/run': 'settings.edit',
  'GET /api/v1/webhooks': 'webhooks.view',
  'POST /api/v1/webhooks': 'webhooks.create',
  'GET /api/v1/webhooks/:id': 'webhooks.view',
  'PATCH /api/v1/webhooks/:id': 'webhooks.edit',
  'DELETE /api/v1/webhooks/:id': 'webhooks.delete',
  'GET /api/v1/webhooks/:id/deliveries': 'webhooks.view',
  'POST /api/v1/webhooks/:id/deliveries/:delivery/redeliver': 'webhooks.edit',
  'GET /admin/audit': 'audit.view',
  'GET /admin/audit/rows': 'audit.view',
  'GET /api/v1/audit': 'audit.view',

  // ---- desk (the handler checks the ticket: its assignee, sector, or tickets.view_all) ----
  'GET /tickets': 'user',
  'GET /tickets/rows': 'user',
  'GET /tickets/:id': 'user',
  'POST /tickets/:id/messages': 'user',
  'POST /tickets/:id/messages/:mid/retry': 'user',
  'POST /tickets/:id/media/:mediaId/retry': 'user',
  'GET /media/:id': 'user',
  'GET /api/v1/tickets': 'user',
  'GET /api/v1/tickets/:ticket': 'user',
  'GET /api/v1/tickets/:ticket/messages': 'user',
  'POST /api/v1/tickets/:ticket/messages': 'user',
  'GET /api/v1/media/:id': 'user',
  'POST /api/v1/tickets/:ticket/accept': 'user',
  'POST /api/v1/tickets/:ticket/decline': 'user',
  'POST /api/v1/tickets/:ticket/transfer': 'user',
  'POST /api/v1/tickets/:ticket/close': 'user',
  'PATCH /api/v1/tickets/:ticket': 'user',
  'GET /api/v1/tickets/:ticket/history': 'user',
  'GET /workspace': 'user',
  'GET /workspace/quick-replies': 'user',
  'GET /workspace/:id': 'user',
  'POST /workspace/:id/read': 'user',
  'GET /workspace/:id/messages': 'user',
  'GET /workspace/:id/history': 'user',
  'POST /workspace/:id/accept': 'user',
  'POST /workspace/:id/decline': 'user',
  'GET /workspace/:id/transfer': 'user',
  'POST /workspace/:id/transfer': 'user',
  'GET /workspace/:id/close': 'user',
  'POST /workspace/:id/close': 'user',
  'PATCH /workspace/:id/protocol': 'user',
  'POST /workspace/:id/protocol': 'user',
  'GET /workspace/:id/customers': 'customers.view',
  'POST /workspace/:id/customer': 'customers.view',
  'POST /workspace/:id/customer/new': 'customers.create',
  'POST /api/v1/tickets': 'templates.send',
  'GET /tickets/:id/template': 'templates.send',
  'POST /tickets/:id/template/preview': 'templates.send',
  'POST /tickets/:id/template': 'templates.send',
  'GET /conversations/new': 'templates.send',
  'POST /conversations/new/preview': 'templates.send',
  'POST /conversations/new': 'templates.send',

  // ---- customers (and LGPD), customer types, classifications, quick replies ----
  'GET /api/v1/customers': 'customers.view',
  'GET /api/v1/customers/:id': 'customers.view',
  'POST /api/v1/customers': 'customers.create',
  'PATCH /api/v1/customers/:id': 'customers.edit',
  'GET /api/v1/customers/:id/export': 'customers.export',
  'POST /api/v1/customers/:id/anonymize': 'customers.delete',
  'GET /customers': 'customers.view',
  'GET /customers/rows': 'customers.view',
  'GET /customers/new': 'customers.create',
  'POST /customers': 'customers.create',
  'POST /customers/code-check': { anyOf: ['customers.create', 'customers.edit'] },
  'GET /customers/:id': 'customers.view',
  'POST /customers/:id': 'customers.edit',
  'GET /customers/:id/privacy': { anyOf: ['customers.export', 'customers.delete'] },
  'POST /customers/:id/export': 'customers.export',
  'POST /customers/:id/anonymize': 'customers.delete',
  'GET /api/v1/customer-types': 'customers.view',
  'POST /api/v1/customer-types': 'customer_types.manage',
  'PATCH /api/v1/customer-types/:id': 'customer_types.manage',
  'GET /admin/customer-types': 'customer_types.manage',
  'POST /admin/customer-types/:id?': 'customer_types.manage',
  // custom fields, contacts, merge, CSV import/export (issue 5)
  'GET /admin/customer-types/:id': 'customer_types.manage',
  'POST /admin/customer-types/:id/fields': 'customer_types.manage',
  'POST /admin/customer-types/:id/fields/:field': 'customer_types.manage',
  'POST /admin/customer-types/:id/fields/:field/delete': 'customer_types.manage',
  'GET /api/v1/customer-types/:id/fields': 'customers.view',
  'GET /customers/field-inputs': { anyOf: ['customers.create', 'customers.edit'] },
  'GET /api/v1/customers/:id/contacts': 'customers.view',
  'POST /api/v1/customers/:id/contacts': 'customers.edit',
  'DELETE /api/v1/customers/:id/contacts/:contact_id': 'customers.edit',
  'GET /customers/:id/contacts/search': 'customers.edit',
  'POST /customers/:id/contacts': 'customers.edit',
  'POST /customers/:id/contacts/:contact_id/unlink': 'customers.edit',
  // Merging deletes the other customer: both cells.
  'POST /api/v1/customers/:id/merge': () => ['customers.edit', 'customers.delete'],
  'GET /customers/:id/merge': () => ['customers.edit', 'customers.delete'],
  'POST /customers/:id/merge': () => ['customers.edit', 'customers.delete'],
  'GET /customers/import': 'customers.create',
  'POST /customers/import': 'customers.create',
  'GET /customers/import/:id': 'customers.create',
  'POST /customers/import/:id': 'customers.create',
  'GET /customers/import/:id/rejected.csv': 'customers.create',
  'GET /customers/export.csv': () => ['customers.view', 'customers.export'],
  'POST /workspace/:id/customer/fields': 'customers.edit',
  'GET /api/v1/classifications': 'user',
  'GET /api/v1/classifications/:id': 'user',
  'POST /api/v1/classifications': 'classifications.manage',
  'PATCH /api/v1/classifications/:id': 'classifications.manage',
  'GET /admin/classifications': 'classifications.manage',
  'GET /admin/classifications/:id': 'classifications.manage',
  'POST /admin/classifications/:id?': 'classifications.manage',
  'POST /admin/classifications/:id/:action': 'classifications.manage',
  'GET /api/v1/quick-replies': 'user',
  'GET /api/v1/quick-replies/:id': 'user',
  'POST /api/v1/quick-replies': 'user',
  'PATCH /api/v1/quick-replies/:id': 'user',
  'DELETE /api/v1/quick-replies/:id': 'user',
  'GET /admin/quick-replies': 'user',
  'GET /admin/quick-replies/new': 'user',
  'POST /admin/quick-replies/preview': 'user',
  'GET /admin/quick-replies/:id': 'user',
  'POST /admin/quick-replies/:id?': 'user',
  'POST /admin/quick-replies/:id/delete': 'user',

  // ---- templates (modelos HSM) and bulk sending ----
  'GET /api/v1/templates': 'templates.view',
  'GET /api/v1/templates/:id': 'templates.view',
  'POST /api/v1/templates': 'templates.create',
  'PATCH /api/v1/templates/:id': 'templates.edit',
  'DELETE /api/v1/templates/:id': 'templates.delete',
  'POST /api/v1/templates/sync': 'templates.edit',
  'GET /admin/templates': 'templates.view',
  'POST /admin/templates/sync': 'templates.edit',
  'GET /admin/templates/new': 'templates.create',
  'POST /admin/templates/preview': { anyOf: ['templates.create', 'templates.edit'] },
  'POST /admin/templates': 'templates.create',
  'GET /admin/templates/:id': 'templates.view',
  'POST /admin/templates/:id': 'templates.edit',
  'POST /admin/templates/:id/reply-sector': 'templates.edit',
  'POST /admin/templates/:id/delete': 'templates.delete',
  'GET /bulk': 'bulk.view',
  'POST /bulk': 'bulk.create',
  'GET /bulk/:id': 'bulk.view',
  'GET /bulk/:id/progress': 'bulk.view',
  'POST /bulk/:id/:action': 'bulk.edit',
  'GET /bulk/:id/result.csv': 'bulk.view',

  // ---- supervision (issue 7): monitoring, reports, alerts, notices ----
  'GET /monitoring': 'monitoring.view',
  'GET /monitoring/board': 'monitoring.view',
  'GET /monitoring/stream': 'monitoring.view',
  'GET /monitoring/tickets/:id': 'monitoring.view',
  'POST /monitoring/tickets/:id/note': 'monitoring.view',
  'GET /monitoring/tickets/:id/move': 'monitoring.view',
  'POST /monitoring/tickets/:id/move': 'monitoring.view',
  'POST /monitoring/tickets/:id/take': 'monitoring.view',
  'POST /monitoring/agents/:id/presence': 'monitoring.view',
  'GET /reports': 'reports.view',
  'GET /reports/tickets': 'reports.view',
  'GET /reports/export/:file': 'reports.view',
  'GET /api/v1/reports/summary': 'reports.view',
  // ---- satisfaction surveys (issue 6): settings and results ----
  'GET /admin/surveys': 'surveys.view',
  'POST /admin/surveys/sectors/:id': 'surveys.edit',
  'POST /admin/surveys/channels/:id': 'surveys.edit',
  'GET /surveys': 'surveys.view',
  'GET /surveys/export.csv': 'surveys.view',
  'GET /api/v1/surveys': 'surveys.view',
  'GET /api/v1/surveys/results': 'surveys.view',
  'GET /api/v1/surveys/settings': 'surveys.view',
  'PATCH /api/v1/surveys/settings/sectors/:id': 'surveys.edit',
  'PATCH /api/v1/surveys/settings/channels/:id': 'surveys.edit',
  'GET /alerts/sound.wav': 'public',
  'GET /alerts': 'monitoring.view',
  'POST /alerts/:id/ack': 'monitoring.view',
  'GET /alerts/rules': 'alerts.manage',
  'POST /alerts/rules': 'alerts.manage',
  'POST /alerts/rules/:id/toggle': 'alerts.manage',
  'POST /alerts/rules/:id/secret': 'alerts.manage',
  'POST /alerts/rules/:id/delete': 'alerts.manage',
  'POST /alerts/targets': 'alerts.manage',
  'GET /notices': 'user',
  'GET /notices/area': 'user',
  'POST /notices': 'notices.manage',
  'POST /notices/:id/read': 'user',
  'POST /notices/:id/withdraw': 'notices.manage',

  // ---- pre-service (issue 5): bot flows, business hours ----
  'GET /api/v1/bot/flows': 'bot.manage',
  'GET /api/v1/bot/flows/:id': 'bot.manage',
  'POST /api/v1/bot/flows': 'bot.manage',
  'PUT /api/v1/bot/flows/:id': 'bot.manage',
  'GET /admin/bot': 'bot.manage',
  'POST /admin/bot/flows': 'bot.manage',
  'POST /admin/bot/import': 'bot.manage',
  'POST /admin/bot/channels/:id': () => ['bot.manage', 'channels.edit'],
  'GET /admin/bot/flows/:id': 'bot.manage',
  'POST /admin/bot/flows/:id': 'bot.manage',
  'GET /admin/bot/flows/:id/export': 'bot.manage',
  'GET /admin/bot/flows/:id/versions': 'bot.manage',
  'POST /admin/bot/flows/:id/versions/:version/restore': 'bot.manage',
  'POST /admin/bot/flows/:id/import': 'bot.manage',
  'POST /admin/bot/flows/:id/delete': 'bot.manage',
  'GET /api/v1/business-hours': 'hours.manage',
  'GET /api/v1/business-hours/:id': 'hours.manage',
  'POST /api/v1/business-hours': 'hours.manage',
  'PATCH /api/v1/business-hours/:id': 'hours.manage',
  'GET /admin/hours': 'hours.manage',
  'POST /admin/hours': 'hours.manage',
  'POST /admin/hours/sectors/:id': 'hours.manage',
  'GET /admin/hours/:id': 'hours.manage',
  'POST /admin/hours/:id': 'hours.manage',
  'POST /admin/hours/:id/delete': 'hours.manage',
  'POST /admin/hours/:id/holidays': 'hours.manage',
  'POST /admin/hours/:id/holidays/:holiday/delete': 'hours.manage',
}

export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`

/** The permissions a caller needs for this route and input; [] = none beyond signing in; null = not listed. */
export function requiredFor(method: string, route: string, input: { params?: Record<string, string | undefined> } = {}): { anyOf: Permission[] } | { allOf: Permission[] } | null {
  const r = ROUTE_PERMISSIONS[routeKey(method, route)] ?? (method === 'HEAD' ? ROUTE_PERMISSIONS[routeKey('GET', route)] : undefined)
  if (r === undefined) return null
  if (r === 'public' || r === 'user') return { allOf: [] }
  if (typeof r === 'string') return { allOf: [r] }
  if (typeof r === 'function') return { allOf: r({ params: input.params ?? {} }) }
  return r
}

const isApi = (path: string) => path.startsWith('/api/v1/')

/**
 * Refuses (403) a signed-in caller whose profile lacks what the route needs. Callers who are not
 * signed in pass through: the route itself answers 401 (API) or sends them to the login page.
 */
export function enforceRoutePermission(ctx: Context, request: Request, route: string, params: Record<string, string | undefined> = {}) {
  const need = requiredFor(request.method, route, { params })
  if (!need) return
  const list = 'anyOf' in need ? need.anyOf : need.allOf
  if (!list.length) return
  const viewer = viewerOf(ctx, request)
  if (!viewer) return
  if (isApi(route) ? !viewer.token : !viewer.session) return
  const ok = 'anyOf' in need ? need.anyOf.some((p) => can(viewer.user, p)) : need.allOf.every((p) => can(viewer.user, p))
  if (!ok) throw forbidden()
}
