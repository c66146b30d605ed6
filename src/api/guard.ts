// API authentication and permission, checked BEFORE anything the caller sent is parsed or
// validated (api.md: a caller without the permission gets 403 whatever it sends). The `permission`
// macro checks in the parse hook (before a body is read) and in transform (before params, query
// and body are validated, for bodiless requests too); the viewer lookup is cached per request.
// The parse hook also reads JSON bodies through readJsonBody (clear 400s for hostile text).
// A ticket the caller may not see (`:ticket` in the path) is a 404 there too, before its body is
// read: "resources a caller may not see answer 404 or 403", whatever is sent with them.
import { Elysia } from 'elysia'
import { can, type Permission } from '../admin/permissions'
import type { Context } from '../context'
import { canActOnSight } from '../desk/actions'
import { viewerOf, type Viewer } from '../http/auth'
import { forbidden, notFound, unauthorized } from '../http/errors'
import { readJsonBody } from '../http/json-body'
import { checkLimit } from './pagination'

/** The API caller (bearer token only: cookies never authenticate the API, so it needs no CSRF). */
export function apiViewer(ctx: Context, request: Request): Viewer {
  const viewer = viewerOf(ctx, request)
  if (!viewer?.token) throw unauthorized()
  return viewer
}

function check(ctx: Context, request: Request, permission: Permission | true) {
  const viewer = apiViewer(ctx, request)
  if (permission !== true && !can(viewer.user, permission)) throw forbidden()
}

export const apiGuard = (ctx: Context) =>
  new Elysia().macro({
    /** `permission: true` = any signed-in caller; a name = that permission. */
    permission: (permission: Permission | true) => ({
      parse({ request, params }) {
        check(ctx, request, permission)
        const ref = (params as Record<string, string | undefined> | undefined)?.ticket
        if (ref !== undefined) {
          const ticket = ctx.stores.tickets.byRef(ref)
          if (!ticket || !canActOnSight(ctx, apiViewer(ctx, request).user, ticket)) throw notFound()
        }
        // JSON bodies refused before validation when Elysia would answer them 500 (src/http/json-body.ts).
        return readJsonBody(request)
      },
      transform({ request, query }) {
        check(ctx, request, permission)
        // After who may call it, before the route's schema: ?limit= of a list (src/api/pagination.ts).
        if (query) checkLimit(query) // undefined on a route that declares no query (compiled binary)
      },
    }),
  })
