// Admin pages for users and sectors: plain forms (work without JavaScript), redirect after a
// successful POST, the form re-rendered with the values typed and the problems when not.
import { Elysia } from 'elysia'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { SectorFormPage, SectorsPage, type SectorFormValues } from '../../views/admin/sectors'
import { UserFormPage, UsersPage, UsersRows, type UserFormValues } from '../../views/admin/users'
import type { Problems } from '../../views/view'
import { saveSector, SECTOR_DEFAULTS } from './sectors'
import type { Sector } from './sectors-store'
import { createUser, updateUser, type UserInput } from './users'
import { CHANNEL_TYPES, DEFAULT_LIMITS, type User } from './users-store'

const PAGE_SIZE = 25

const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && e.status === 400 && e.details ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

/** Form fields → the same input shape the API takes (numbers parsed; a bad number stays a string and fails validation). */
function userInputFromForm(form: Form): UserInput {
  const limits: Record<string, unknown> = {}
  for (const c of CHANNEL_TYPES) {
    const raw = form.get(`limits.${c}`).trim()
    limits[c] = /^\d+$/.test(raw) ? Number(raw) : raw
  }
  return {
    name: form.get('name'),
    email: form.get('email'),
    password: form.get('password') || undefined,
    profile: form.get('profile'),
    sector_ids: form.all('sector_ids').map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
    limits,
    password_login_disabled: form.get('password_login_disabled') === '1',
  }
}

function userFormValues(form: Form | null, user: User | null): UserFormValues {
  if (form) {
    const input = userInputFromForm(form)
    return {
      name: String(input.name ?? ''),
      email: String(input.email ?? ''),
      profile_id: Number(input.profile) || null,
      sector_ids: (input.sector_ids as unknown[]).filter((x): x is number => typeof x === 'number'),
      limits: Object.fromEntries(CHANNEL_TYPES.map((c) => [c, Number((input.limits as Record<string, unknown>)[c]) || 0])) as UserFormValues['limits'],
      password_login_disabled: input.password_login_disabled === true,
    }
  }
  return {
    name: user?.name ?? '',
    email: user?.email ?? '',
    profile_id: user?.profile_id ?? null,
    sector_ids: user?.sector_ids ?? [],
    limits: user?.limits ?? { ...DEFAULT_LIMITS },
    password_login_disabled: user?.password_login_disabled ?? false,
  }
}

function sectorInputFromForm(form: Form) {
  const timeout = form.get('offer_timeout_s').trim()
  return {
    name: form.get('name'),
    routing: form.get('routing') || 'auto',
    offer_timeout_s: /^\d+$/.test(timeout) ? Number(timeout) : timeout,
    survey: form.get('survey') || 'none',
    require_classification: form.get('require_classification') === '1',
  }
}

const sectorFormValues = (s: Sector | null): SectorFormValues => ({
  name: s?.name ?? '',
  routing: s?.routing ?? SECTOR_DEFAULTS.routing,
  offer_timeout_s: String(s?.offer_timeout_s ?? SECTOR_DEFAULTS.offer_timeout_s),
  survey: s?.survey ?? SECTOR_DEFAULTS.survey,
  require_classification: s?.require_classification ?? false,
})

export function adminPages(ctx: Context) {
  const listUsers = (request: Request) => {
    const url = new URL(request.url)
    const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100)
    const after = Number(url.searchParams.get('after')) || undefined
    const rows = ctx.stores.users.list({ q, before: after, limit: PAGE_SIZE + 1 })
    const next = rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1].id : null
    return { q, users: rows.slice(0, PAGE_SIZE), next, prevAfter: Boolean(after) }
  }
  const renderUserForm = (request: Request, viewer: ReturnType<typeof pageViewer>, user: User | null, values: UserFormValues, problems: Problems, status = 200) =>
    html(<UserFormPage v={buildView(ctx, request, viewer)} user={user} values={values} problems={problems} profiles={ctx.stores.profiles.list()} sectors={ctx.stores.sectors.list()} />, status)

  return (
    new Elysia()
      // ---- users -----------------------------------------------------------------------------
      .get('/admin/users', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'users.view')
        const flash = flashKey(request, ['users.created', 'users.saved'] as const)
        return html(<UsersPage v={buildView(ctx, request, viewer)} {...listUsers(request)} flash={flash} />)
      })
      .get('/admin/users/rows', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'users.view')
        return html(<UsersRows v={buildView(ctx, request, viewer)} {...listUsers(request)} />)
      })
      .get('/admin/users/new', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'users.manage')
        return renderUserForm(request, viewer, null, { ...userFormValues(null, null), profile_id: ctx.stores.profiles.resolve('agent')?.id ?? null }, {})
      })
      .post('/admin/users', async ({ request }) => {
        const viewer = pageViewer(ctx, request, 'users.manage')
        const form = await readCheckedForm(request, viewer)
        try {
          await createUser(ctx, viewer.user.id, userInputFromForm(form), clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          return renderUserForm(request, viewer, null, userFormValues(form, null), problems, 422)
        }
        return redirect('/admin/users?ok=users.created')
      })
      .get('/admin/users/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'users.manage')
        const user = ctx.stores.users.get(idParam(params.id))
        if (!user) throw notFound()
        return renderUserForm(request, viewer, user, userFormValues(null, user), {})
      })
      .post('/admin/users/:id', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'users.manage')
        const form = await readCheckedForm(request, viewer)
        const user = ctx.stores.users.get(idParam(params.id))
        if (!user) throw notFound()
        try {
          await updateUser(ctx, viewer.user.id, user.id, userInputFromForm(form), clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          return renderUserForm(request, viewer, user, userFormValues(form, user), problems, 422)
        }
        return redirect('/admin/users?ok=users.saved')
      })
      .post('/admin/users/:id/:action', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'users.manage')
        await readCheckedForm(request, viewer)
        if (params.action !== 'activate' && params.action !== 'deactivate') throw notFound()
        const user = ctx.stores.users.get(idParam(params.id))
        if (!user) throw notFound()
        try {
          await updateUser(ctx, viewer.user.id, user.id, { active: params.action === 'activate' }, clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          return renderUserForm(request, viewer, user, userFormValues(null, user), problems, 422)
        }
        return redirect('/admin/users?ok=users.saved')
      })

      // ---- sectors ---------------------------------------------------------------------------
      .get('/admin/sectors', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'sectors.view')
        const sectors = ctx.stores.sectors.list()
        const members = new Map(sectors.map((s) => [s.id, ctx.stores.users.membersOf(s.id).length]))
        const flash = flashKey(request, ['sectors.created', 'sectors.saved'] as const)
        return html(<SectorsPage v={buildView(ctx, request, viewer)} sectors={sectors} members={members} flash={flash} />)
      })
      .get('/admin/sectors/new', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'sectors.manage')
        return html(<SectorFormPage v={buildView(ctx, request, viewer)} sector={null} values={sectorFormValues(null)} problems={{}} />)
      })
      .get('/admin/sectors/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'sectors.manage')
        const sector = ctx.stores.sectors.get(idParam(params.id))
        if (!sector) throw notFound()
        return html(<SectorFormPage v={buildView(ctx, request, viewer)} sector={sector} values={sectorFormValues(sector)} problems={{}} />)
      })
      .post('/admin/sectors/:id?', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'sectors.manage')
        const form = await readCheckedForm(request, viewer)
        const existing = params.id ? ctx.stores.sectors.get(idParam(params.id)) : null
        if (params.id && !existing) throw notFound()
        const input = sectorInputFromForm(form)
        try {
          saveSector(ctx, viewer.user.id, input, existing, clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          const values: SectorFormValues = { ...input, offer_timeout_s: String(input.offer_timeout_s) }
          return html(<SectorFormPage v={buildView(ctx, request, viewer)} sector={existing} values={values} problems={problems} />, 422)
        }
        return redirect(`/admin/sectors?ok=${existing ? 'sectors.saved' : 'sectors.created'}`)
      })
  )
}
