// Who is calling: a browser session (cookie) or an API client (bearer token). Resolved once per
// request and cached, so guards, handlers and the request log all see the same answer.
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { isLang, type Lang } from '../i18n'
import { sessionLifetime } from '../settings/settings'
import { spendApiRequest } from '../integrations/rate-limit'
import type { ApiToken } from './api-tokens-store'
import type { Session } from './sessions-store'

export interface Viewer {
  user: User
  session: Session | null
  token: ApiToken | null
}

export const sessionCookieName = (secure: boolean) => (secure ? '__Host-kq_session' : 'kq_session')
export const LANG_COOKIE = 'kq_lang'

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get('cookie')
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

export interface CookieOptions {
  maxAgeSeconds?: number // undefined: a browser-session cookie
  httpOnly?: boolean
  sameSite?: 'Lax' | 'Strict'
}

export function serializeCookie(ctx: Context, name: string, value: string, o: CookieOptions = {}): string {
  let c = `${name}=${encodeURIComponent(value)}; Path=/; SameSite=${o.sameSite ?? 'Lax'}`
  if (o.httpOnly !== false) c += '; HttpOnly'
  if (ctx.config.secure) c += '; Secure'
  if (o.maxAgeSeconds !== undefined) c += `; Max-Age=${o.maxAgeSeconds}`
  return c
}

const cache = new WeakMap<Request, Viewer | null>()

/** The session length of the general settings (which start from KUMQUAT_SESSION_DAYS / KUMQUAT_REMEMBER_DAYS). */
export function sessionLifetimeMs(ctx: Context, remember: boolean): number {
  return sessionLifetime(ctx, remember)
}

export function bearerToken(request: Request): string | null {
  const h = request.headers.get('authorization')
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null
  return m ? m[1] : null
}

/** The viewer if this request already resolved one (never queries: used by the request log). */
export const resolvedViewer = (request: Request): Viewer | null => cache.get(request) ?? null

/** The viewer for this request, or null. Inactive users count as nobody. */
export function viewerOf(ctx: Context, request: Request): Viewer | null {
  if (cache.has(request)) {
    const known = cache.get(request)!
    if (known?.token) spendApiRequest(ctx, request, known.token.id) // spends once per request; a refused one stays refused
    return known
  }
  let viewer: Viewer | null = null
  const bearer = bearerToken(request)
  if (bearer) {
    const token = ctx.stores.apiTokens.find(bearer)
    const user = token ? ctx.stores.users.get(token.user_id) : null
    if (token && user?.active) viewer = { user, session: null, token }
  } else {
    const cookie = readCookie(request, sessionCookieName(ctx.config.secure))
    if (cookie) {
      const session = ctx.stores.sessions.find(cookie, (remember) => sessionLifetimeMs(ctx, remember))
      const user = session ? ctx.stores.users.get(session.user_id) : null
      if (session && user?.active) viewer = { user, session, token: null }
    }
  }
  cache.set(request, viewer)
  // Per-token rate limit (src/integrations/rate-limit.ts).
  if (viewer?.token) spendApiRequest(ctx, request, viewer.token.id)
  return viewer
}

/** The language of the page: the user's choice, else the `kq_lang` cookie, else the installation default. */
export function langOf(ctx: Context, request: Request, viewer: Viewer | null): Lang {
  if (viewer?.user.language) return viewer.user.language
  const cookie = readCookie(request, LANG_COOKIE)
  return isLang(cookie) ? cookie : ctx.config.defaultLanguage
}
