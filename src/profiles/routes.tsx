// Access profiles: the matrix pages (/admin/profiles) and the API (/api/v1/profiles), plus a
// user's effective permissions (/admin/users/:id/permissions). The exact matrix cell each route
// needs is in route-permissions.ts (enforced before the handler); handlers check again.
import { Elysia, t } from 'elysia'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import { IdParams } from '../api/schemas'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { EffectivePermissionsPage, ProfileFormPage, ProfilesPage, type ProfileFormValues } from '../../views/profiles/profiles'
import type { Problems } from '../../views/view'
import { ACTIONS, AREAS, MATRIX_PERMISSIONS } from './matrix'
import { createProfile, deleteProfile, effectivePermissions, profileJson, restoreProfile, updateProfile, userPermissions } from './profiles'
import type { ProfileRow } from './store'

const DateTime = t.String({ format: 'date-time' })
const PermissionName = t.String({ description: 'a matrix cell, e.g. "users.create" (GET /api/v1/permissions lists them)' })

export const ProfileSchema = t.Object({
  id: t.Integer(),
  key: t.Nullable(t.String({ description: '"admin" | "supervisor" | "agent" for the built-in profiles, null for custom ones' })),
  name: t.String(),
  description: t.Nullable(t.String()),
  built_in: t.Boolean(),
  locked: t.Boolean({ description: 'the built-in admin profile always holds every permission' }),
  permissions: t.Array(PermissionName),
  users: t.Integer({ description: 'how many users have this profile' }),
  created_at: DateTime,
  updated_at: DateTime,
})
export const ProfileCreate = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 80 }),
    description: t.Optional(t.Nullable(t.String({ maxLength: 500 }))),
    permissions: t.Optional(t.Array(PermissionName, { maxItems: 200, description: 'omitted: those of copy_of, or none' })),
    copy_of: t.Optional(t.Integer({ minimum: 1, description: 'start as a copy of this profile' })),
  },
  { additionalProperties: false },
)
export const ProfilePatch = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 80 })),
    description: t.Optional(t.Nullable(t.String({ maxLength: 500 }))),
    permissions: t.Optional(t.Array(PermissionName, { maxItems: 200, description: 'the full list (replaces it); refused for the admin profile' })),
  },
  { additionalProperties: false },
)
const MatrixSchema = t.Object({
  areas: t.Array(
    t.Object({
      key: t.String(),
      view: t.Nullable(t.String()),
      create: t.Nullable(t.String()),
      edit: t.Nullable(t.String()),
      delete: t.Nullable(t.String()),
      extra: t.Array(t.String()),
    }),
  ),
  permissions: t.Array(t.String()),
})

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && e.status === 400 && e.details ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

function formInput(form: Form) {
  return { name: form.get('name'), description: form.get('description'), permissions: form.all('permissions') }
}

export function profilesRoutes(ctx: Context) {
  const valuesOf = (p: ProfileRow | null): ProfileFormValues => ({ name: p?.name ?? '', description: p?.description ?? '', permissions: p ? effectivePermissions(p) : [], copy_of: null })

  const renderForm = (request: Request, viewer: ReturnType<typeof pageViewer>, profile: ProfileRow | null, values: ProfileFormValues, problems: Problems, status = 200, error: string | null = null) => {
    const copyOf = values.copy_of ? ctx.stores.profileAdmin.get(values.copy_of) : null
    const flash = flashKey(request, ['profiles.saved', 'profiles.created', 'profiles.restored'] as const)
    return html(<ProfileFormPage v={buildView(ctx, request, viewer)} profile={profile} values={values} problems={problems} copyOf={copyOf} flash={flash} error={error} />, status)
  }
  /** A refusal the form can show (403 grant beyond own, 409 locked / in use) instead of an error page. */
  const refusal = (e: unknown, request: Request, viewer: ReturnType<typeof pageViewer>): string | null =>
    e instanceof HttpError && (e.status === 403 || e.status === 409) && e.code !== 'forbidden' ? buildView(ctx, request, viewer).t(e.key, e.vars) : null

  const pages = new Elysia()
    .get('/admin/profiles', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'profiles.view')
      return html(<ProfilesPage v={buildView(ctx, request, viewer)} profiles={ctx.stores.profileAdmin.list()} flash={flashKey(request, ['profiles.deleted'] as const)} />)
    })
    .get('/admin/profiles/new', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'profiles.create')
      const copy = Number(new URL(request.url).searchParams.get('copy')) || null
      const source = copy ? ctx.stores.profileAdmin.get(copy) : null
      const values: ProfileFormValues = source
        ? { name: buildView(ctx, request, viewer).t('profiles.copy_name', { name: source.name }).slice(0, 80), description: source.description ?? '', permissions: effectivePermissions(source), copy_of: source.id }
        : valuesOf(null)
      return renderForm(request, viewer, null, values, {})
    })
    .post('/admin/profiles', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'profiles.create')
      const form = await readCheckedForm(request, viewer)
      const copyOf = Number(form.get('copy_of')) || null
      const input = formInput(form)
      let created: ProfileRow
      try {
        created = createProfile(ctx, viewer.user, { ...input, copy_of: copyOf ?? undefined }, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        const message = refusal(e, request, viewer)
        if (!problems && !message) throw e
        return renderForm(request, viewer, null, { ...input, copy_of: copyOf }, problems ?? {}, problems ? 422 : 403, message)
      }
      return redirect(`/admin/profiles/${created.id}?ok=profiles.created`)
    })
    .get('/admin/profiles/:id', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'profiles.view')
      const profile = ctx.stores.profileAdmin.get(idParam(params.id))
      if (!profile) throw notFound()
      return renderForm(request, viewer, profile, valuesOf(profile), {})
    })
    .post('/admin/profiles/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'profiles.edit')
      const form = await readCheckedForm(request, viewer)
      const profile = ctx.stores.profileAdmin.get(idParam(params.id))
      if (!profile) throw notFound()
      const input = formInput(form)
      try {
        // The admin profile's matrix is not a form field (it is locked): only its name and description change.
        updateProfile(ctx, viewer.user, profile.id, profile.key === 'admin' ? { name: input.name, description: input.description } : input, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        const message = refusal(e, request, viewer)
        if (!problems && !message) throw e
        return renderForm(request, viewer, profile, { ...input, copy_of: null }, problems ?? {}, problems ? 422 : (e as HttpError).status, message)
      }
      return redirect(`/admin/profiles/${profile.id}?ok=profiles.saved`)
    })
    .post('/admin/profiles/:id/restore', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'profiles.edit')
      await readCheckedForm(request, viewer)
      const profile = ctx.stores.profileAdmin.get(idParam(params.id))
      if (!profile) throw notFound()
      try {
        restoreProfile(ctx, viewer.user, profile.id, clientIp(request))
      } catch (e) {
        const message = refusal(e, request, viewer)
        if (!message) throw e
        return renderForm(request, viewer, profile, valuesOf(profile), {}, (e as HttpError).status, message)
      }
      return redirect(`/admin/profiles/${profile.id}?ok=profiles.restored`)
    })
    .post('/admin/profiles/:id/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'profiles.delete')
      await readCheckedForm(request, viewer)
      const profile = ctx.stores.profileAdmin.get(idParam(params.id))
      if (!profile) throw notFound()
      try {
        deleteProfile(ctx, viewer.user, profile.id, clientIp(request))
      } catch (e) {
        const message = refusal(e, request, viewer)
        if (!message) throw e
        return renderForm(request, viewer, profile, valuesOf(profile), {}, (e as HttpError).status, message)
      }
      return redirect('/admin/profiles?ok=profiles.deleted')
    })
    .get('/admin/users/:id/permissions', ({ request, params }) => {
      const viewer = pageViewer(ctx, request)
      const v = buildView(ctx, request, viewer)
      if (!v.can('users.view') && !v.can('profiles.view')) throw new HttpError(403, 'forbidden', 'error.forbidden')
      const user = ctx.stores.users.get(idParam(params.id))
      if (!user) throw notFound()
      return html(<EffectivePermissionsPage v={v} user={user} held={new Set(userPermissions(user))} />)
    })

  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get('/permissions', () => ({ areas: AREAS.map((a) => ({ key: a.key, ...Object.fromEntries(ACTIONS.map((x) => [x, a.cells[x]])), extra: a.extra.map((e) => e.permission) })) as never, permissions: MATRIX_PERMISSIONS }), {
      permission: true,
      response: { 200: MatrixSchema, ...errors },
      detail: { tags: ['profiles'], summary: 'The permission matrix: areas, their view/create/edit/delete cells and special permissions' },
    })
    .get('/profiles', () => ({ data: ctx.stores.profileAdmin.list().map(profileJson), next_cursor: null }), {
      permission: 'profiles.view',
      response: { 200: t.Object({ data: t.Array(ProfileSchema), next_cursor: t.Null() }), ...errors },
      detail: { tags: ['profiles'], summary: 'List access profiles (built-in first), with their effective permissions' },
    })
    .get(
      '/profiles/:id',
      ({ params }) => {
        const p = ctx.stores.profileAdmin.get(Number(params.id))
        if (!p) throw notFound()
        return profileJson(p)
      },
      { permission: 'profiles.view', params: IdParams, response: { 200: ProfileSchema, ...errors }, detail: { tags: ['profiles'], summary: 'One access profile' } },
    )
    .post('/profiles', ({ request, body }) => json(profileJson(createProfile(ctx, apiViewer(ctx, request).user, body, clientIp(request))), 201), {
      permission: 'profiles.create',
      body: ProfileCreate,
      response: { 201: ProfileSchema, ...errors },
      detail: { tags: ['profiles'], summary: 'Create a profile (blank, or a copy of another with copy_of); audited' },
    })
    .patch('/profiles/:id', ({ request, params, body }) => profileJson(updateProfile(ctx, apiViewer(ctx, request).user, Number(params.id), body, clientIp(request))), {
      permission: 'profiles.edit',
      params: IdParams,
      body: ProfilePatch,
      response: { 200: ProfileSchema, ...errors },
      detail: { tags: ['profiles'], summary: 'Rename a profile or replace its permissions; audited with what was added and removed' },
    })
    .delete(
      '/profiles/:id',
      ({ request, params }) => {
        deleteProfile(ctx, apiViewer(ctx, request).user, Number(params.id), clientIp(request))
        return new Response(null, { status: 204 })
      },
      { permission: 'profiles.delete', params: IdParams, detail: { tags: ['profiles'], summary: 'Delete a custom profile nobody has (409 otherwise); 204' } },
    )

  return new Elysia().use(pages).use(api)
}
