// REST API v1 (../shared/api.md): me and presence, users and sectors.
import { Elysia, t } from 'elysia'
import { saveSector, sectorJson } from '../admin/sectors'
import { createUser, updateUser, userJson } from '../admin/users'
import type { Context } from '../context'
import { setPresence } from '../desk/presence'
import { clientIp } from '../http/client-ip'
import { notFound } from '../http/errors'
import { apiGuard, apiViewer } from './guard'
import { decodeCursor, ErrorBody, ListQuery, page } from './pagination'
import * as S from './schemas'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }

export function apiRoutes(ctx: Context) {
  const created = (body: unknown) => new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } })

  return new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get('/me', ({ request }) => userJson(apiViewer(ctx, request).user), {
      permission: true,
      response: { 200: S.User, ...errors },
      detail: { tags: ['me'], summary: 'The caller, with profile, sectors, limits and presence' },
    })
    .put(
      '/me/presence',
      ({ request, body }) => {
        const viewer = apiViewer(ctx, request)
        return userJson(setPresence(ctx, viewer.user, body.status, body.reason ?? null)).presence
      },
      {
        permission: true,
        body: S.PresenceUpdate,
        response: { 200: S.Presence, ...errors },
        detail: { tags: ['me'], summary: 'Set presence: available, paused (with reason) or offline; emits presence.updated' },
      },
    )

    // ---- users -----------------------------------------------------------------------------
    .get(
      '/users',
      ({ query }) => {
        const limit = query.limit ?? 50
        const q = typeof query.q === 'string' ? query.q.slice(0, 100) : ''
        return page(ctx.stores.users.list({ q, before: decodeCursor(query.cursor), limit: limit + 1 }), limit, userJson)
      },
      {
        permission: 'users.view',
        query: t.Object({ ...ListQuery.properties, q: t.Optional(t.String({ maxLength: 100 })) }),
        response: { 200: S.list(S.User), ...errors },
        detail: { tags: ['users'], summary: 'List users, newest first (q matches name or e-mail)' },
      },
    )
    .get(
      '/users/:id',
      ({ params }) => {
        const user = ctx.stores.users.get(Number(params.id))
        if (!user) throw notFound()
        return userJson(user)
      },
      { permission: 'users.view', params: S.IdParams, response: { 200: S.User, ...errors }, detail: { tags: ['users'], summary: 'One user' } },
    )
    .post('/users', async ({ request, body }) => created(userJson(await createUser(ctx, apiViewer(ctx, request).user.id, body, clientIp(request)))), {
      permission: 'users.manage',
      body: S.UserCreate,
      response: { 201: S.User, ...errors },
      detail: { tags: ['users'], summary: 'Create a user (profile admin | supervisor | agent | profile id)' },
    })
    .patch(
      '/users/:id',
      async ({ request, params, body }) => {
        const id = Number(params.id)
        if (!ctx.stores.users.get(id)) throw notFound()
        return userJson(await updateUser(ctx, apiViewer(ctx, request).user.id, id, body, clientIp(request)))
      },
      {
        permission: 'users.manage',
        params: S.IdParams,
        body: S.UserPatch,
        response: { 200: S.User, ...errors },
        detail: { tags: ['users'], summary: 'Change a user; `active: false` deactivates (and ends their sessions)' },
      },
    )

    // ---- sectors ---------------------------------------------------------------------------
    .get(
      '/sectors',
      ({ query }) => {
        const limit = query.limit ?? 50
        return page(ctx.stores.sectors.page(decodeCursor(query.cursor), limit + 1), limit, sectorJson)
      },
      { permission: 'sectors.view', query: ListQuery, response: { 200: S.list(S.Sector), ...errors }, detail: { tags: ['sectors'], summary: 'List sectors, newest first' } },
    )
    .get(
      '/sectors/:id',
      ({ params }) => {
        const sector = ctx.stores.sectors.get(Number(params.id))
        if (!sector) throw notFound()
        return sectorJson(sector)
      },
      { permission: 'sectors.view', params: S.IdParams, response: { 200: S.Sector, ...errors }, detail: { tags: ['sectors'], summary: 'One sector' } },
    )
    .post('/sectors', ({ request, body }) => created(sectorJson(saveSector(ctx, apiViewer(ctx, request).user.id, body, null, clientIp(request)))), {
      permission: 'sectors.manage',
      body: S.SectorCreate,
      response: { 201: S.Sector, ...errors },
      detail: { tags: ['sectors'], summary: 'Create a sector' },
    })
    .patch(
      '/sectors/:id',
      ({ request, params, body }) => {
        const existing = ctx.stores.sectors.get(Number(params.id))
        if (!existing) throw notFound()
        return sectorJson(saveSector(ctx, apiViewer(ctx, request).user.id, body, existing, clientIp(request)))
      },
      { permission: 'sectors.manage', params: S.IdParams, body: S.SectorPatch, response: { 200: S.Sector, ...errors }, detail: { tags: ['sectors'], summary: 'Change a sector' } },
    )
}
