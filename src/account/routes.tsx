// First-run setup, login/logout, the home page, presence from the header, and the profile page
// (language, sessions, API tokens).
import { Elysia } from 'elysia'
import { createUser, validateUser } from '../admin/users'
import { permissionLabels } from '../profiles/profiles'
import type { Context } from '../context'
import { setPresence } from '../desk/presence'
import { write } from '../db/open'
import { LANG_COOKIE, serializeCookie, sessionCookieName, sessionLifetimeMs, viewerOf } from '../http/auth'
import { clientIp } from '../http/client-ip'
import { checkPreLoginCsrf } from '../http/csrf'
import { HttpError, notFound } from '../http/errors'
import { verifyPassword } from '../http/passwords'
import { buildView, flashKey, html, isHtmx, pageViewer, preLoginView, readCheckedForm, readForm, redirect, safeNext } from '../http/pages'
import { createLoginThrottles } from '../http/throttle'
import { isLang, type MessageKey } from '../i18n'
import { LoginPage } from '../../views/account/login'
import { ProfilePage, TokensSection } from '../../views/account/profile'
import { SetupPage } from '../../views/account/setup'
import { PresenceForm } from '../../views/components'
import { HomePage } from '../../views/home'
import { homeLists } from '../desk/pages'
import { ssoButton } from '../sso/login'
import type { Problems } from '../../views/view'

const problemsOf = (list: { field: string; key: MessageKey }[]): Problems => Object.fromEntries(list.map((p) => [p.field, p.key]))

/** A new session for the user and its cookie (password login, first-run setup, single sign-on). */
export function startSessionFor(ctx: Context, request: Request, userId: number, remember: boolean): string {
  const lifetimeMs = sessionLifetimeMs(ctx, remember)
  const s = ctx.stores.sessions.create(userId, { remember, ip: clientIp(request), userAgent: request.headers.get('user-agent'), lifetimeMs })
  return serializeCookie(ctx, sessionCookieName(ctx.config.secure), s.token, { maxAgeSeconds: remember ? lifetimeMs / 1000 : undefined })
}

export function accountRoutes(ctx: Context) {
  const throttles = createLoginThrottles()
  const startSession = (request: Request, userId: number, remember: boolean) => startSessionFor(ctx, request, userId, remember)

  return (
    new Elysia()
      // ---- first run -------------------------------------------------------------------------
      .get('/setup', ({ request }) => {
        if (ctx.stores.users.count() > 0) return redirect('/login?info=setup.already')
        const { view, headers } = preLoginView(ctx, request)
        return html(<SetupPage v={view} form={{ name: '', email: '' }} problems={{}} />, 200, headers)
      })
      .post('/setup', async ({ request }) => {
        const form = await readForm(request)
        checkPreLoginCsrf(request, form.fields)
        if (ctx.stores.users.count() > 0) return redirect('/login?info=setup.already')
        const input = { name: form.get('name'), email: form.get('email'), password: form.get('password'), profile: 'admin' }
        const { problems } = validateUser(ctx, input, true)
        if (!form.get('password')) problems.push({ field: 'password', key: 'valid.password' })
        if (problems.length) {
          const { view, headers } = preLoginView(ctx, request)
          return html(<SetupPage v={view} form={{ name: input.name, email: input.email }} problems={problemsOf(problems)} />, 422, headers)
        }
        const user = await createUser(ctx, null, input, clientIp(request))
        ctx.log.info({ user_id: user.id }, 'first admin created')
        return redirect('/?ok=setup.done', { 'set-cookie': startSession(request, user.id, false) })
      })

      // ---- login / logout --------------------------------------------------------------------
      .get('/login', ({ request }) => {
        const url = new URL(request.url)
        const lang = url.searchParams.get('lang')
        if (isLang(lang)) {
          const back = new URL(url)
          back.searchParams.delete('lang')
          return redirect(back.pathname + back.search, { 'set-cookie': serializeCookie(ctx, LANG_COOKIE, lang, { maxAgeSeconds: 31_536_000 }) })
        }
        if (viewerOf(ctx, request)?.session) return redirect(safeNext(url.searchParams.get('next')))
        const { view, headers } = preLoginView(ctx, request)
        const info = (['setup.already', 'login.expired', 'login.logged_out'] as const).find((k) => k === url.searchParams.get('info')) ?? null
        return html(<LoginPage v={view} form={{ email: '', remember: false, next: safeNext(url.searchParams.get('next')) }} info={info} sso={ssoButton(ctx)} />, 200, headers)
      })
      .post('/login', async ({ request }) => {
        const form = await readForm(request)
        checkPreLoginCsrf(request, form.fields)
        const email = form.get('email').trim().toLowerCase()
        const remember = form.get('remember') === '1'
        const next = safeNext(form.get('next'))
        const ip = clientIp(request) ?? 'unknown'
        const fail = (message: string, status: number) => {
          const { view, headers } = preLoginView(ctx, request)
          return html(<LoginPage v={view} form={{ email, remember, next }} error={message} sso={ssoButton(ctx)} />, status, headers)
        }
        const wait = Math.max(throttles.account.retryAfter(email), throttles.ip.retryAfter(ip))
        if (wait > 0) {
          const v = buildView(ctx, request, null)
          return fail(v.t('login.throttled', { seconds: wait }), 429)
        }
        const user = ctx.stores.users.byEmail(email)
        const ok = await verifyPassword(form.get('password'), user?.active ? user.password_hash : null)
        if (!ok || !user) {
          throttles.account.fail(email)
          throttles.ip.fail(ip)
          write(ctx.db, () => ctx.stores.audit.record({ actor_id: user?.id ?? null, action: 'login.failed', ip, details: { email: user ? email : '(unknown)' } }))
          ctx.log.info({ ip }, 'login failed')
          // Same message whether the e-mail exists or not.
          return fail(buildView(ctx, request, null).t('login.failed'), 401)
        }
        // Only single sign-on for this user. Said only after the right password, so the message
        // tells nothing to someone guessing which addresses have accounts.
        if (user.password_login_disabled) {
          write(ctx.db, () => ctx.stores.audit.record({ actor_id: user.id, action: 'login.failed', ip, details: { email, method: 'password', reason: 'password_login_disabled' } }))
          const sso = ssoButton(ctx)
          const v = buildView(ctx, request, null)
          return fail(sso ? v.t('sso.password_disabled', { provedor: sso.label }) : v.t('sso.password_disabled_no_sso'), 403)
        }
        throttles.account.reset(email)
        write(ctx.db, () => ctx.stores.audit.record({ actor_id: user.id, action: 'login', ip, details: { method: 'password' } }))
        return redirect(next, { 'set-cookie': startSession(request, user.id, remember) })
      })
      .post('/logout', async ({ request }) => {
        const viewer = viewerOf(ctx, request)
        if (viewer?.session) {
          await readCheckedForm(request, viewer)
          ctx.stores.sessions.revoke(viewer.user.id, viewer.session.id)
        }
        const cookie = serializeCookie(ctx, sessionCookieName(ctx.config.secure), '', { maxAgeSeconds: 0 })
        return redirect('/login?info=login.logged_out', { 'set-cookie': cookie })
      })

      // ---- home and presence ----------------------------------------------------------------
      .get('/', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const v = buildView(ctx, request, viewer)
        const sectors = viewer.user.sector_ids.map((id) => ctx.stores.sectors.get(id)!).filter(Boolean)
        return html(<HomePage v={v} sectors={sectors} tickets={homeLists(ctx, v, viewer.user)} flash={flashKey(request, ['setup.done'] as const)} />)
      })
      .post('/presence', async ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const form = await readCheckedForm(request, viewer)
        const user = setPresence(ctx, viewer.user, form.get('status'), form.get('reason'))
        if (!isHtmx(request)) return redirect(request.headers.get('referer') ? new URL(request.headers.get('referer')!).pathname : '/')
        const v = buildView(ctx, request, { ...viewer, user })
        return html(<PresenceForm v={v} user={user} />)
      })

      // ---- profile ---------------------------------------------------------------------------
      .get('/profile', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const v = buildView(ctx, request, viewer)
        // The matrix cells the user's profile holds, in words (profiles/matrix.ts).
        const permissions = permissionLabels(v.t, viewer.user)
        return html(
          <ProfilePage
            v={v}
            sessions={ctx.stores.sessions.ofUser(viewer.user.id)}
            currentSessionId={viewer.session.id}
            tokens={ctx.stores.apiTokens.ofUser(viewer.user.id)}
            permissions={permissions}
            flash={flashKey(request, ['profile.language_saved'] as const)}
          />,
        )
      })
      .post('/profile/language', async ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const form = await readCheckedForm(request, viewer)
        const lang = form.get('language')
        if (!isLang(lang)) throw new HttpError(400, 'validation_failed', 'valid.language')
        write(ctx.db, () => ctx.stores.users.setLanguage(viewer.user.id, lang))
        return redirect('/profile?ok=profile.language_saved')
      })
      .post('/profile/sessions/:id/revoke', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        await readCheckedForm(request, viewer)
        // Scoped to the viewer's own sessions: another user's session id simply is not found.
        if (!ctx.stores.sessions.revoke(viewer.user.id, Number(params.id))) throw notFound()
        return html('')
      })
      .post('/profile/tokens', async ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const form = await readCheckedForm(request, viewer)
        const label = form.get('label').trim()
        const v = buildView(ctx, request, viewer)
        if (!label || label.length > 80) {
          const tokens = ctx.stores.apiTokens.ofUser(viewer.user.id)
          return html(<TokensSection v={v} tokens={tokens} problems={{ label: 'valid.label' }} created={null} label={label} />, 422)
        }
        const created = write(ctx.db, () => {
          const c = ctx.stores.apiTokens.create(viewer.user.id, label)
          ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'token.create', object_type: 'api_token', object_id: c.id, ip: clientIp(request), details: { label } })
          return c
        })
        return html(<TokensSection v={v} tokens={ctx.stores.apiTokens.ofUser(viewer.user.id)} problems={{}} created={created.token} />)
      })
      .post('/profile/tokens/:id/revoke', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        await readCheckedForm(request, viewer)
        const revoked = write(ctx.db, () => {
          const ok = ctx.stores.apiTokens.revoke(viewer.user.id, Number(params.id))
          if (ok) ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'token.revoke', object_type: 'api_token', object_id: params.id, ip: clientIp(request) })
          return ok
        })
        if (!revoked) throw notFound()
        const v = buildView(ctx, request, viewer)
        return html(<TokensSection v={v} tokens={ctx.stores.apiTokens.ofUser(viewer.user.id)} problems={{}} created={null} />)
      })
  )
}
