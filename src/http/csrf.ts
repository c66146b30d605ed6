// CSRF: a synchronizer token per session (sent by forms as `_csrf`, by htmx as `X-CSRF-Token`),
// plus the browser's own word: a cross-site Sec-Fetch-Site is refused outright. Pages reached
// before login (login, first-run setup) use a double-submit cookie instead of a session token.
import type { Context } from '../context'
import { readCookie, serializeCookie, type Viewer } from './auth'
import { HttpError } from './errors'
import { randomToken, safeEqual } from './tokens'

export const CSRF_HEADER = 'x-csrf-token'
export const CSRF_FIELD = '_csrf'
const PRE_COOKIE = 'kq_pre'

export const csrfError = () => new HttpError(403, 'csrf_failed', 'error.csrf')

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
export const isUnsafe = (method: string) => UNSAFE.has(method)

/** Refuses requests a browser marks as coming from another site. */
export function checkFetchSite(request: Request) {
  const site = request.headers.get('sec-fetch-site')
  if (site && site !== 'same-origin' && site !== 'none') throw csrfError()
}

function submittedToken(request: Request, form: Record<string, unknown> | null): string | null {
  const header = request.headers.get(CSRF_HEADER)
  if (header) return header
  const field = form?.[CSRF_FIELD]
  return typeof field === 'string' ? field : null
}

/** For requests made with a session cookie. */
export function checkSessionCsrf(request: Request, viewer: Viewer, form: Record<string, unknown> | null) {
  checkFetchSite(request)
  const token = submittedToken(request, form)
  if (!viewer.session || !token || !safeEqual(token, viewer.session.csrf_token)) throw csrfError()
}

/** The pre-login token: reuses the cookie when present, else makes one (and the cookie to set). */
export function preLoginToken(ctx: Context, request: Request): { token: string; setCookie: string | null } {
  const existing = readCookie(request, PRE_COOKIE)
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { token: existing, setCookie: null }
  const token = randomToken()
  return { token, setCookie: serializeCookie(ctx, PRE_COOKIE, token, { sameSite: 'Strict' }) }
}

export function checkPreLoginCsrf(request: Request, form: Record<string, unknown> | null) {
  checkFetchSite(request)
  const cookie = readCookie(request, PRE_COOKIE)
  const token = submittedToken(request, form)
  if (!cookie || !token || !safeEqual(cookie, token)) throw csrfError()
}
