// Turns whatever went wrong into the right answer: JSON `{ error: { code, message, details? } }`
// for the API, a page in the user's language otherwise. Unexpected errors are logged in full and
// shown as a plain 500.
import type { Context } from '../context'
import { t } from '../i18n'
import { ErrorPage } from '../../views/errors'
import { langOf, viewerOf } from './auth'
import { HttpError } from './errors'
import { validationDetails, type SchemaError } from './validation-details'
import { buildView, html, LoginRequired, redirect } from './pages'

interface ElysiaLikeError {
  code?: unknown
  status?: number
  cause?: unknown
  all?: SchemaError[]
  message?: string
}

export const isApiPath = (path: string) => path.startsWith('/api/')

/** Maps framework errors (validation, parse, not found) onto our HttpError. */
function normalise(error: unknown, code: unknown): HttpError | LoginRequired | null {
  if (error instanceof HttpError || error instanceof LoginRequired) return error
  const e = error as ElysiaLikeError
  // A guard that throws while the body is being parsed arrives wrapped in Elysia's ParseError.
  if (code === 'PARSE' && (e?.cause instanceof HttpError || e?.cause instanceof LoginRequired)) return e.cause
  if (code === 'PARSE') return new HttpError(400, 'malformed_json', 'error.malformed_json')
  if (code === 'NOT_FOUND') return new HttpError(404, 'not_found', 'error.not_found')
  if (code === 'VALIDATION') {
    return new HttpError(400, 'validation_failed', 'error.validation', {}, validationDetails(e.all ?? []))
  }
  if (code === 'INVALID_COOKIE_SIGNATURE') return new HttpError(400, 'bad_request', 'error.validation')
  if (typeof e?.status === 'number' && e.status === 413) return new HttpError(413, 'payload_too_large', 'error.too_large', { limit: 0 })
  return null
}

export function errorResponse(ctx: Context, request: Request, error: unknown, code: unknown): Response {
  const path = new URL(request.url).pathname
  const known = normalise(error, code)
  if (known instanceof LoginRequired) {
    if (request.headers.get('hx-request') === 'true') {
      return new Response(null, { status: 401, headers: { 'hx-redirect': `/login?info=login.expired&next=${encodeURIComponent(known.next)}` } })
    }
    const info = request.headers.get('cookie')?.includes('kq_session') ? '&info=login.expired' : ''
    return redirect(`/login?next=${encodeURIComponent(known.next)}${info}`)
  }
  const err = known ?? new HttpError(500, 'internal_error', 'error.internal')
  if (!known) ctx.log.error({ err: error, path }, 'unhandled error')
  const viewer = err.status === 401 ? null : safeViewer(ctx, request)
  const lang = langOf(ctx, request, viewer)
  const message = t(lang, err.key, err.vars)
  const headers: Record<string, string> = {}
  if (err.status === 429 && err.vars.seconds) headers['retry-after'] = String(err.vars.seconds)
  if (isApiPath(path) || request.headers.get('accept')?.startsWith('application/json')) {
    const details = err.details?.map((d) => ({ field: d.field, message: t(lang, d.key, d.vars) }))
    return Response.json({ error: { code: err.code, message, ...(details?.length ? { details } : {}) } }, { status: err.status, headers })
  }
  const v = buildView(ctx, request, viewer)
  return html(<ErrorPage v={v} status={err.status} message={message} />, err.status, headers)
}

/** The viewer, unless resolving it is what failed. */
function safeViewer(ctx: Context, request: Request) {
  try {
    return viewerOf(ctx, request)
  } catch {
    return null
  }
}
