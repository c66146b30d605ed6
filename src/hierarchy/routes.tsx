// Hierarchy levels page (/admin/hierarchy) and GET /api/v1/hierarchy.
import { Elysia, t } from 'elysia'
import { apiGuard } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect } from '../http/pages'
import type { MessageKey } from '../i18n'
import { HierarchyPage } from '../../views/settings/hierarchy'
import type { Problems } from '../../views/view'
import { deleteLevel, placeUser, saveLevel, supervisedSectorIds } from './hierarchy'

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}
const optionalId = (raw: string): number | null => (/^\d{1,15}$/.test(raw) ? Number(raw) : null)
const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && e.status === 400 && e.details ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

export function hierarchyRoutes(ctx: Context) {
  const render = (request: Request, viewer: ReturnType<typeof pageViewer>, o: { problems?: Problems; values?: { name: string; rank: string }; status?: number; error?: string | null } = {}) => {
    const users = ctx.stores.users.list({ limit: 1000 }).filter((u) => u.active).sort((a, b) => a.name.localeCompare(b.name))
    const placements = new Map(ctx.stores.hierarchy.placements().map((p) => [p.user_id, p]))
    return html(
      <HierarchyPage
        v={buildView(ctx, request, viewer)}
        levels={ctx.stores.hierarchy.levels()}
        users={users}
        placements={placements}
        problems={o.problems ?? {}}
        values={o.values ?? { name: '', rank: String(ctx.stores.hierarchy.levels().length + 1) }}
        flash={flashKey(request, ['hierarchy.saved'] as const)}
        error={o.error ?? null}
      />,
      o.status ?? 200,
    )
  }
  const fail = (request: Request, viewer: ReturnType<typeof pageViewer>, e: unknown, values?: { name: string; rank: string }) => {
    const problems = problemsOf(e)
    if (problems) return render(request, viewer, { problems, values, status: 422, error: values ? null : buildView(ctx, request, viewer).t(Object.values(problems)[0]!) })
    if (e instanceof HttpError && e.status === 409) return render(request, viewer, { status: 409, error: buildView(ctx, request, viewer).t(e.key, e.vars) })
    throw e
  }

  const pages = new Elysia()
    .get('/admin/hierarchy', ({ request }) => render(request, pageViewer(ctx, request, 'hierarchy.view')))
    .post('/admin/hierarchy/levels', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'hierarchy.edit')
      const form = await readCheckedForm(request, viewer)
      const values = { name: form.get('name'), rank: form.get('rank') }
      try {
        saveLevel(ctx, viewer.user.id, values, null, clientIp(request))
      } catch (e) {
        return fail(request, viewer, e, values)
      }
      return redirect('/admin/hierarchy?ok=hierarchy.saved')
    })
    .post('/admin/hierarchy/levels/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hierarchy.edit')
      const form = await readCheckedForm(request, viewer)
      try {
        saveLevel(ctx, viewer.user.id, { name: form.get('name'), rank: form.get('rank') }, idParam(params.id), clientIp(request))
      } catch (e) {
        return fail(request, viewer, e)
      }
      return redirect('/admin/hierarchy?ok=hierarchy.saved')
    })
    .post('/admin/hierarchy/levels/:id/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hierarchy.edit')
      await readCheckedForm(request, viewer)
      try {
        deleteLevel(ctx, viewer.user.id, idParam(params.id), clientIp(request))
      } catch (e) {
        return fail(request, viewer, e)
      }
      return redirect('/admin/hierarchy?ok=hierarchy.saved')
    })
    .post('/admin/hierarchy/users/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hierarchy.edit')
      const form = await readCheckedForm(request, viewer)
      try {
        placeUser(ctx, viewer.user.id, idParam(params.id), optionalId(form.get('level_id')), optionalId(form.get('manager_id')), clientIp(request))
      } catch (e) {
        return fail(request, viewer, e)
      }
      return redirect('/admin/hierarchy?ok=hierarchy.saved')
    })

  const Node = t.Object({
    user_id: t.Integer(),
    level_id: t.Nullable(t.Integer()),
    manager_id: t.Nullable(t.Integer()),
    supervised_sector_ids: t.Union([t.Literal('all'), t.Array(t.Integer())], { description: 'the sectors this person supervises (theirs and their reports’)' }),
  })
  const api = new Elysia({ prefix: '/api/v1' }).use(apiGuard(ctx)).get(
    '/hierarchy',
    () => {
      const placements = new Map(ctx.stores.hierarchy.placements().map((p) => [p.user_id, p]))
      const users = ctx.stores.users.list({ limit: 1000 }).filter((u) => u.active)
      return {
        levels: ctx.stores.hierarchy.levels().map((l) => ({ id: l.id, name: l.name, rank: l.rank })),
        users: users.map((u) => ({ user_id: u.id, level_id: placements.get(u.id)?.level_id ?? null, manager_id: placements.get(u.id)?.manager_id ?? null, supervised_sector_ids: supervisedSectorIds(ctx, u) })),
      }
    },
    {
      permission: 'hierarchy.view',
      response: { 200: t.Object({ levels: t.Array(t.Object({ id: t.Integer(), name: t.String(), rank: t.Integer() })), users: t.Array(Node) }), 401: ErrorBody, 403: ErrorBody },
      detail: { tags: ['hierarchy'], summary: 'Hierarchy levels, who reports to whom, and each person’s supervision scope' },
    },
  )
  return new Elysia().use(pages).use(api)
}
