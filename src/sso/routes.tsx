// Single sign-on with OpenID Connect (issue 8): the provider settings page (settings.view to see,
// settings.edit to change and to test discovery), the login redirect and the callback that ends in
// the same session a password login gets, or in an error page that says why.
import { Elysia } from 'elysia'
import { startSessionFor } from '../account/routes'
import type { Context } from '../context'
import { write } from '../db/open'
import { viewerOf } from '../http/auth'
import { clientIp } from '../http/client-ip'
import { HttpError, tooManyRequests } from '../http/errors'
import { Throttle } from '../http/throttle'
import { buildView, flashKey, html, isHtmx, pageViewer, readCheckedForm, redirect, safeNext, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { DiscoveryOutcome, SsoSettingsPage, type DiscoveryResult } from '../../views/sso/settings'
import { SsoErrorPage } from '../../views/sso/error'
import type { Problems } from '../../views/view'
import { beginLogin, finishLogin } from './login'
import { discover, SsoError, signingKeyCount, type SsoReason } from './oidc'
import { formValuesOf, issuerOf, redirectUriOf, saveSso, validateSso, type SsoFormValues } from './settings'

const problemsOf = (list: { field: string; key: MessageKey }[]): Problems => Object.fromEntries(list.map((p) => [p.field, p.key]))

const formValues = (form: Form): SsoFormValues => ({
  kind: form.get('kind'),
  label: form.get('label'),
  tenant_id: form.get('tenant_id'),
  issuer_url: form.get('issuer_url'),
  client_id: form.get('client_id'),
  client_secret: form.get('client_secret'),
  scopes: form.get('scopes'),
  auto_create: form.get('auto_create') === '1',
  default_profile_id: form.get('default_profile_id'),
  default_sector_ids: form.all('default_sector_ids'),
  allowed_domains: form.get('allowed_domains'),
  enabled: form.get('enabled') === '1',
})

/** Status of the error page: the provider failing is a 502, a bad or reused link a 400, a refusal a 403. */
function statusOf(reason: SsoReason): number {
  if (reason === 'disabled') return 404
  if (reason === 'discovery_failed' || reason === 'token_failed') return 502
  if (reason.startsWith('state_')) return 400
  return 403
}

export function ssoRoutes(ctx: Context) {
  // Each start stores a row before anyone signed in: bounded per address (a whole office behind
  // one NAT signing in at 8 o'clock stays well under it).
  const starts = new Throttle({ max: 60, windowMs: 60_000 })
  const renderSettings = (request: Request, viewer: ReturnType<typeof pageViewer>, values: SsoFormValues, problems: Problems, status = 200, test: DiscoveryResult | null = null) =>
    html(
      <SsoSettingsPage
        v={buildView(ctx, request, viewer)}
        values={values}
        problems={problems}
        hasSecret={ctx.stores.sso.provider()?.has_secret ?? false}
        redirectUri={redirectUriOf(ctx)}
        profiles={ctx.stores.profiles.list()}
        sectors={ctx.stores.sectors.list()}
        flash={flashKey(request, ['sso.saved'] as const)}
        test={test}
      />,
      status,
    )

  /** Refused: audited with the reason (and the e-mail once known), answered with a page in the user's language. */
  function refuse(request: Request, e: unknown): Response {
    const error = e instanceof SsoError ? e : new SsoError('discovery_failed', String(e))
    const email = (error as SsoError & { email?: string }).email
    const userId = email ? (ctx.stores.users.byEmail(email)?.id ?? null) : null
    // A callback naming no login we started (or SSO switched off) is not a login attempt: logged,
    // not audited, so anonymous requests cannot fill the audit log.
    if (error.reason !== 'disabled' && error.reason !== 'state_unknown') {
      write(ctx.db, () => ctx.stores.audit.record({ actor_id: userId, action: 'login.failed', ip: clientIp(request), details: { method: 'sso', reason: error.reason, ...(email ? { email } : {}) } }))
    }
    ctx.log.info({ reason: error.reason, detail: error.detail }, 'sso login refused')
    const v = buildView(ctx, request, null)
    return html(<SsoErrorPage v={v} message={`sso.error.${error.reason}`} />, statusOf(error.reason))
  }

  return (
    new Elysia({ name: 'ssoRoutes' })
      // ---- settings ----------------------------------------------------------------------------
      .get('/admin/sso', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'settings.view')
        return renderSettings(request, viewer, formValuesOf(ctx.stores.sso.provider()), {})
      })
      .post('/admin/sso', async ({ request }) => {
        const viewer = pageViewer(ctx, request, 'settings.edit')
        const form = await readCheckedForm(request, viewer)
        const values = formValues(form)
        const { input, problems } = validateSso(ctx, values, ctx.stores.sso.provider()?.has_secret ?? false)
        if (!input) return renderSettings(request, viewer, { ...values, client_secret: '' }, problemsOf(problems), 422)
        saveSso(ctx, viewer.user.id, input, clientIp(request))
        return redirect('/admin/sso?ok=sso.saved')
      })
      // Fetches the discovery document and the keys of the issuer the form names (saved or not).
      .post('/admin/sso/test', async ({ request }) => {
        const viewer = pageViewer(ctx, request, 'settings.edit')
        const form = await readCheckedForm(request, viewer)
        const values = formValues(form)
        const v = buildView(ctx, request, viewer)
        const { problems } = validateSso(ctx, { ...values, enabled: false }, true)
        const issuerProblems = problems.filter((p) => ['kind', 'tenant_id', 'issuer_url'].includes(p.field))
        let test: DiscoveryResult
        if (issuerProblems.length) test = { ok: false, reason: v.t(issuerProblems[0].key) }
        else {
          const issuer = issuerOf({ kind: values.kind as 'microsoft' | 'generic', tenant_id: values.tenant_id.trim().toLowerCase(), issuer_url: values.issuer_url.trim() })
          try {
            const as = await discover(issuer)
            test = { ok: true, issuer: as.issuer, keys: await signingKeyCount(as) }
          } catch (e) {
            const reason = e instanceof SsoError ? e.reason : 'discovery_failed'
            ctx.log.info({ issuer, detail: e instanceof SsoError ? e.detail : String(e) }, 'sso discovery test failed')
            test = { ok: false, reason: v.t(`sso.error.${reason}` as MessageKey) }
          }
        }
        if (isHtmx(request)) return html(<DiscoveryOutcome v={v} test={test} />)
        return renderSettings(request, viewer, { ...values, client_secret: '' }, {}, 200, test)
      })

      // ---- the login -----------------------------------------------------------------------------
      .get('/sso/login', async ({ request }) => {
        const next = safeNext(new URL(request.url).searchParams.get('next'))
        if (viewerOf(ctx, request)?.session) return redirect(next)
        const wait = starts.take(clientIp(request) ?? 'unknown')
        if (wait > 0) throw tooManyRequests(wait)
        try {
          const { location, cookie } = await beginLogin(ctx, request, next)
          return redirect(location, { 'set-cookie': cookie })
        } catch (e) {
          if (!(e instanceof SsoError)) throw e
          return refuse(request, e)
        }
      })
      .get('/sso/callback', async ({ request }) => {
        try {
          const done = await finishLogin(ctx, request)
          write(ctx.db, () =>
            ctx.stores.audit.record({ actor_id: done.user.id, action: 'login', ip: clientIp(request), details: { method: 'sso', email: done.email, user_created: done.created } }),
          )
          return redirect(done.next, { 'set-cookie': startSessionFor(ctx, request, done.user.id, false) })
        } catch (e) {
          if (e instanceof HttpError) throw e
          return refuse(request, e)
        }
      })
  )
}
