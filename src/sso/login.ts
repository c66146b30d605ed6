// The two halves of a single sign-on: `beginLogin` stores state, nonce and PKCE verifier bound to
// this browser and sends it to the provider; `finishLogin` takes the provider's callback, claims
// the stored login once, redeems the code, checks the ID token and finds (or creates) the user.
import { createUser } from '../admin/users'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { readCookie, serializeCookie } from '../http/auth'
import { randomToken, safeEqual, sha256hex } from '../http/tokens'
import { domainAllowed, emailFromClaims, nameFromClaims } from './claims'
import { authorizationUrl, discover, newLoginSecrets, redeemCode, SsoError, type RelyingParty } from './oidc'
import { issuerOf, redirectUriOf } from './settings'
import { LOGIN_TTL_MS, type SsoProvider } from './store'

const browserCookie = (ctx: Context) => (ctx.config.secure ? '__Host-kq_sso' : 'kq_sso')

/** The provider when single sign-on is switched on and complete, else null. */
export function activeProvider(ctx: Context): SsoProvider | null {
  const p = ctx.stores.sso.provider()
  return p?.enabled && p.has_secret ? p : null
}

/** What the login page shows: the "Entrar com …" button when single sign-on is on. */
export function ssoButton(ctx: Context): { label: string } | null {
  const p = activeProvider(ctx)
  return p ? { label: p.label } : null
}

function relyingParty(ctx: Context, p: SsoProvider): RelyingParty {
  return { issuer: issuerOf(p), clientId: p.client_id, clientSecret: ctx.stores.sso.secret() ?? '', scopes: p.scopes, redirectUri: redirectUriOf(ctx) }
}

/** The provider's authorization URL and the cookie that binds the login to this browser. */
export async function beginLogin(ctx: Context, request: Request, next: string): Promise<{ location: string; cookie: string }> {
  const p = activeProvider(ctx)
  if (!p) throw new SsoError('disabled')
  const rp = relyingParty(ctx, p)
  const as = await discover(rp.issuer)
  // One random value per browser, kept while logins are in flight (several tabs share it).
  const existing = readCookie(request, browserCookie(ctx))
  const browser = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken()
  const secrets = newLoginSecrets()
  write(ctx.db, () => ctx.stores.sso.startLogin({ state: secrets.state, browser, nonce: secrets.nonce, codeVerifier: secrets.codeVerifier, next }))
  const cookie = serializeCookie(ctx, browserCookie(ctx), browser, { maxAgeSeconds: LOGIN_TTL_MS / 1000 })
  return { location: await authorizationUrl(rp, as, secrets), cookie }
}

export interface FinishedLogin {
  user: User
  next: string
  email: string
  created: boolean
}

/** Throws SsoError with the reason; `email` is filled in on the error once known (for the audit entry). */
export async function finishLogin(ctx: Context, request: Request): Promise<FinishedLogin> {
  const p = activeProvider(ctx)
  if (!p) throw new SsoError('disabled')
  const callback = new URL(request.url)
  const state = callback.searchParams.get('state') ?? ''
  const pending = state ? ctx.stores.sso.pendingLogin(state) : null
  if (!pending) throw new SsoError('state_unknown')
  const browser = readCookie(request, browserCookie(ctx)) ?? ''
  if (!safeEqual(sha256hex(browser), pending.browser_hash)) throw new SsoError('state_other_browser')
  if (pending.used_at !== null) throw new SsoError('state_replayed')
  if (pending.expires_at <= Date.now()) throw new SsoError('state_expired')
  // Claimed before the code is redeemed: whatever happens next, this callback URL works once.
  if (!write(ctx.db, () => ctx.stores.sso.claimLogin(state))) throw new SsoError('state_replayed')

  const rp = relyingParty(ctx, p)
  const as = await discover(rp.issuer)
  // The callback URL as the provider built it (our public URL), whatever host header reached us.
  const received = new URL(rp.redirectUri)
  received.search = callback.search
  const claims = await redeemCode(rp, as, received, { state, nonce: pending.nonce, codeVerifier: pending.code_verifier })

  const email = emailFromClaims(p.kind, claims)
  const refuse = (reason: ConstructorParameters<typeof SsoError>[0]) => Object.assign(new SsoError(reason), { email })
  if (!domainAllowed(email, p.allowed_domains)) throw refuse('domain_not_allowed')

  const issuer = String(claims.iss)
  const subject = String(claims.sub)
  let user: User | null = null
  const linked = ctx.stores.sso.linkedUser(issuer, subject)
  if (linked !== null) user = ctx.stores.users.get(linked)
  else {
    user = ctx.stores.users.byEmail(email)
    // The address is linked to another account of this provider: an e-mail changed at the provider
    // must not move a login onto someone else's user.
    if (user && ctx.stores.sso.linkedSubjects(user.id, issuer).length) throw refuse('identity_conflict')
  }
  let created = false
  if (!user) {
    if (!p.auto_create || p.default_profile_id === null) throw refuse('user_unknown')
    const sectors = p.default_sector_ids.filter((id) => ctx.stores.sectors.get(id))
    try {
      user = await createUser(ctx, null, { name: nameFromClaims(claims, email), email, profile: p.default_profile_id, sector_ids: sectors })
    } catch {
      throw refuse('no_email')
    }
    created = true
  }
  if (!user.active) throw refuse('user_inactive')
  const userId = user.id
  write(ctx.db, () => ctx.stores.sso.link(issuer, subject, userId))
  return { user, next: pending.next, email, created }
}
