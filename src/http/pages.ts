// What page handlers share: who is looking, the View they render with, reading forms, answering HTML.
import Html from '@kitajs/html'
import type { Permission } from '../admin/permissions'
import { can } from '../admin/permissions'
import type { Context } from '../context'
import { formatDateTime, translator } from '../i18n'
import type { View } from '../../views/view'
import { langOf, viewerOf, type Viewer } from './auth'
import { checkSessionCsrf, preLoginToken } from './csrf'
import { forbidden, HttpError } from './errors'

/** Thrown when a page needs a signed-in user; answered with a redirect to the login page. */
export class LoginRequired extends Error {
  constructor(public next: string) {
    super('login required')
  }
}

export function buildView(ctx: Context, request: Request, viewer: Viewer | null, csrf?: string): View {
  const lang = langOf(ctx, request, viewer)
  const user = viewer?.user ?? null
  const t = translator(lang)
  return {
    t,
    escape: (key, vars) => Html.escapeHtml(t(key, vars)),
    lang,
    user,
    csrf: csrf ?? viewer?.session?.csrf_token ?? '',
    path: new URL(request.url).pathname,
    timeZone: ctx.config.timeZone,
    can: (p: Permission) => can(user, p),
    date: (ms: number) => formatDateTime(ms, lang, ctx.config.timeZone),
  }
}

/** The signed-in viewer of a page (with a session), else a redirect to login that comes back here. */
export function pageViewer(ctx: Context, request: Request, permission?: Permission): Viewer & { session: NonNullable<Viewer['session']> } {
  const viewer = viewerOf(ctx, request)
  if (!viewer?.session) {
    const url = new URL(request.url)
    throw new LoginRequired(url.pathname + url.search)
  }
  if (permission && !can(viewer.user, permission)) throw forbidden()
  return viewer as Viewer & { session: NonNullable<Viewer['session']> }
}

export interface Form {
  get(name: string): string
  all(name: string): string[]
  has(name: string): boolean
  /** an uploaded file (multipart), or null */
  file(name: string): File | null
  fields: Record<string, string>
}

/** Reads an urlencoded or multipart form body (repeated names kept, for checkbox lists). */
export async function readForm(request: Request): Promise<Form> {
  let data: FormData
  try {
    data = await request.formData()
  } catch {
    throw new HttpError(415, 'unsupported_media_type', 'error.unsupported_media_type')
  }
  const fields: Record<string, string> = {}
  for (const [k, value] of data.entries()) if (typeof value === 'string' && !(k in fields)) fields[k] = value
  return {
    get: (name) => {
      const value = data.get(name)
      return typeof value === 'string' ? value : ''
    },
    all: (name) => data.getAll(name).filter((x): x is string => typeof x === 'string'),
    has: (name) => data.has(name),
    file: (name) => {
      const value = data.get(name)
      return value instanceof File ? value : null
    },
    fields,
  }
}

/** Reads the form of a signed-in page POST and checks its CSRF token before anything else. */
export async function readCheckedForm(request: Request, viewer: Viewer): Promise<Form> {
  const form = await readForm(request)
  checkSessionCsrf(request, viewer, form.fields)
  return form
}

/** Views are synchronous components, so JSX gives a string (an async one would be a bug, caught here). */
export function html(body: JSX.Element, status = 200, headers: Record<string, string> = {}): Response {
  if (typeof body !== 'string') throw new Error('views must render synchronously')
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers } })
}

export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...headers } })
}

/** htmx requests get HX-Location/HX-Redirect semantics; plain forms a 303. */
export const isHtmx = (request: Request) => request.headers.get('hx-request') === 'true'

/** Only same-site relative paths may be a post-login destination (no open redirect). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/'
  return next
}

/** A pre-login View: login and setup pages carry a double-submit token instead of a session one. */
export function preLoginView(ctx: Context, request: Request) {
  const { token, setCookie } = preLoginToken(ctx, request)
  const headers: Record<string, string> = setCookie ? { 'set-cookie': setCookie } : {}
  return { view: buildView(ctx, request, null, token), headers }
}

/** Accepts `ok=<catalog key>` flash messages only for keys that exist (never echoes arbitrary text). */
export function flashKey<K extends string>(request: Request, allowed: readonly K[]): K | null {
  const value = new URL(request.url).searchParams.get('ok')
  return allowed.includes(value as K) ? (value as K) : null
}
