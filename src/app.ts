// Builds the Elysia app from the feature plugins. Tests call createApp() and app.handle() without
// a port; the server (server.ts) wraps it with logging, metrics and security headers.
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { accountRoutes } from './account/routes'
import { botRoutes } from './bot/routes'
import { hoursRoutes } from './hours/routes'
import { adminPages } from './admin/pages'
import { apiDocsResponse } from './api/docs'
import { apiRoutes } from './api/routes'
import { channelsAdmin } from './channels/admin'
import { whatsappWebhook } from './channels/whatsapp/webhook'
import { customersRoutes } from './customers/routes'
import { IMPORT_BODY_LIMIT } from './customers/import'
import { ticketActionsApi } from './desk/actions-api'
import { deskApi } from './desk/api'
import { MAX_UPLOAD_BYTES } from './desk/file-types'
import { deskPages } from './desk/pages'
import { workspaceRoutes } from './desk/workspace'
import type { Context } from './context'
import { isApiPath, errorResponse } from './http/error-response'
import { tooLarge } from './http/errors'
import { opsRoutes } from './ops/routes'
import { auditRoutes } from './audit/routes'
import { hierarchyRoutes } from './hierarchy/routes'
import { lgpdRoutes } from './lgpd/routes'
import { enforceRoutePermission } from './profiles/route-permissions'
import { settingsRoutes } from './settings/routes'
import { profilesRoutes } from './profiles/routes'
import { realtimeRoutes } from './realtime/routes'
import { templatesRoutes } from './templates/routes'
import { alertsRoutes } from './alerts/routes'
import { monitoringRoutes } from './monitoring/routes'
import { noticesRoutes } from './notices/routes'
import { reportsApi } from './reports/api'
import { reportsRoutes } from './reports/routes'
import { surveysRoutes } from './surveys/routes'
import { webchatRoutes } from './channels/webchat/routes'
import { MAX_FILE_BYTES as WEBCHAT_MAX_FILE_BYTES } from './channels/webchat/settings'
import { ssoRoutes } from './sso/routes'
import { integrationsRoutes } from './integrations/routes'

/** Paths that work before the first admin exists. */
const OPEN_BEFORE_SETUP = /^\/(setup|healthz|metrics|assets\/|favicon\.ico|api\/|webchat(\.js$|\/))/

/** Webhook deliveries may carry up to 3 MB (Meta's limit); everything else the configured limit. */
export const WEBHOOK_BODY_LIMIT = 4 * 1024 * 1024
/** Agents' and API file uploads (multipart only): WhatsApp documents go up to 100 MB (whatsapp.md §5). */
export const UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024
const UPLOAD_PATH = /^\/(api\/v1\/)?tickets\/[^/]+\/messages$/
/** Web chat visitors' files (multipart only): up to the channel's limit (at most 20 MB), checked again per channel. */
const WEBCHAT_UPLOAD_PATH = /^\/webchat\/[^/]+\/messages$/
export const WEBCHAT_UPLOAD_BODY_LIMIT = WEBCHAT_MAX_FILE_BYTES + 64 * 1024
export function bodyLimitFor(ctx: Context, path: string, contentType: string | null = null): number {
  if (path.startsWith('/webhooks/')) return WEBHOOK_BODY_LIMIT
  if (UPLOAD_PATH.test(path) && contentType?.startsWith('multipart/form-data')) return Math.max(UPLOAD_BODY_LIMIT, ctx.config.maxBodyBytes)
  // The customers CSV import answers a too-large file itself, with the limit in its own words.
  if (path === '/customers/import') return Math.max(IMPORT_BODY_LIMIT, ctx.config.maxBodyBytes)
  if (WEBCHAT_UPLOAD_PATH.test(path) && contentType?.startsWith('multipart/form-data')) return Math.max(WEBCHAT_UPLOAD_BODY_LIMIT, ctx.config.maxBodyBytes)
  return ctx.config.maxBodyBytes
}

const routeOf = new WeakMap<Request, string>()
/** The matched route template (e.g. /admin/users/:id), for metrics labels. */
export const matchedRoute = (request: Request) => routeOf.get(request) ?? 'unmatched'

export function createApp(ctx: Context) {
  let hasUsers = ctx.stores.users.count() > 0

  const app = (
    new Elysia({ normalize: false, aot: true })
      .onRequest(({ request }) => {
        // Body limit before anything reads the body (Content-Length; Bun caps chunked bodies itself).
        const length = Number(request.headers.get('content-length') ?? 0)
        const limit = bodyLimitFor(ctx, new URL(request.url).pathname, request.headers.get('content-type'))
        if (length > limit) return errorResponse(ctx, request, tooLarge(limit), null)
        // First run: every page leads to the setup page until an admin exists.
        if (!hasUsers) {
          hasUsers = ctx.stores.users.count() > 0
          const path = new URL(request.url).pathname
          if (!hasUsers && !OPEN_BEFORE_SETUP.test(path) && request.method === 'GET') {
            return new Response(null, { status: 303, headers: { location: '/setup' } })
          }
        }
      })
      .onTransform(({ request, route, params }) => {
        routeOf.set(request, route)
        // The access-profile matrix: the exact permission this route needs (profiles/route-permissions.ts).
        enforceRoutePermission(ctx, request, route, params as Record<string, string | undefined>)
      })
      .onError(({ request, error, code }) => errorResponse(ctx, request, error, code))
      .use(
        openapi({
          path: '/api/v1/openapi',
          specPath: OPENAPI_RAW,
          provider: null,
          exclude: { paths: [/^(?!\/api\/v1\/)/], staticFile: true },
          documentation: {
            info: { title: 'Kumquat API', version: '1', description: 'REST API v1. Auth: `Authorization: Bearer <token>`. Rate limit per token (default 600/min, burst 100; Integrations page): every answer carries X-RateLimit-Limit (bucket size), X-RateLimit-Remaining and X-RateLimit-Reset (seconds until full); over the limit, 429 `rate_limited` with Retry-After (seconds).' },
            components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
            security: [{ bearer: [] }],
          },
        }),
      )
      .use(opsRoutes(ctx))
      .use(accountRoutes(ctx))
      .use(adminPages(ctx))
      .use(realtimeRoutes(ctx))
      .use(apiRoutes(ctx))
      .use(channelsAdmin(ctx))
      .use(deskApi(ctx))
      .use(ticketActionsApi(ctx))
      .use(customersRoutes(ctx))
      .use(deskPages(ctx))
      .use(workspaceRoutes(ctx))
      .use(whatsappWebhook(ctx))
      .use(profilesRoutes(ctx))
      .use(auditRoutes(ctx))
      .use(settingsRoutes(ctx))
      .use(lgpdRoutes(ctx))
      .use(hierarchyRoutes(ctx))
      .use(templatesRoutes(ctx))
      // Supervision (issue 7): monitoring, reports, alerts, notices.
      .use(monitoringRoutes(ctx))
      .use(reportsRoutes(ctx))
      .use(reportsApi(ctx))
      .use(alertsRoutes(ctx))
      .use(noticesRoutes(ctx))
      // Pre-service (issue 5): bot flows; business hours and holidays.
      .use(botRoutes(ctx))
      .use(hoursRoutes(ctx))
      // Surveys (issue 6), WebChat (issue 10), single sign-on and integrations (issue 8).
      .use(surveysRoutes(ctx))
      .use(webchatRoutes(ctx))
      .use(ssoRoutes(ctx))
      .use(integrationsRoutes(ctx))
  )
  app.get('/api/v1/openapi.json', async () => withRequestBodies(await (await app.handle(new Request(`http://localhost${OPENAPI_RAW}`))).json(), app.routes))
  // The readable reference, rendered from the same document (api/docs.tsx).
  app.get('/api/docs', async ({ request }) => apiDocsResponse(ctx, request, await (await app.handle(new Request('http://localhost/api/v1/openapi.json'))).json()))
  return app
}

const OPENAPI_RAW = '/api/v1/openapi.raw.json'

/**
 * The OpenAPI plugin leaves `requestBody.content` empty for routes whose permission check runs in
 * a parse hook (ours: permission before validation). Fill it from each route's body schema, so
 * the document still comes from the same schemas that validate requests.
 */
function withRequestBodies(doc: { paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> }, routes: { method: string; path: string; hooks: { body?: unknown } }[]) {
  delete doc.paths?.[OPENAPI_RAW]
  for (const route of routes) {
    const op = doc.paths?.[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()]
    if (!op?.requestBody || !route.hooks.body) continue
    if (op.requestBody.content && Object.keys(op.requestBody.content).length) continue
    op.requestBody.content = { 'application/json': { schema: route.hooks.body } }
  }
  return doc
}

export { isApiPath }
