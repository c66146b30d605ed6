// api.md lists: `{ data, next_cursor }`, `?limit=` (default 50, max 200) and `?cursor=`.
// The cursor is opaque to clients: base64url of the last id of the page.
import { t } from 'elysia'
import { badRequest } from '../http/errors'

export const MAX_LIMIT = 200

export const ListQuery = t.Object(
  {
    limit: t.Optional(t.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 50, description: 'page size, 1–200' })),
    cursor: t.Optional(t.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
)

/**
 * `?limit=` of an API list, checked before the route's schema sees it: a whole number from 1 to
 * 200, else 400. The schema says so too, but Elysia's numeric-string branch of an integer query
 * parameter carries no bounds, so `limit=0` (a 500) or `limit=500` could reach the handler.
 */
export function checkLimit(query: Record<string, unknown>) {
  const raw = query.limit
  if (raw === undefined) return
  const text = String(raw).trim()
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIMIT) {
    throw badRequest('validation_failed', 'error.validation', [{ field: 'limit', key: 'error.field_integer_between', vars: { min: 1, max: MAX_LIMIT } }])
  }
}

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return Number.MAX_SAFE_INTEGER
  const text = Buffer.from(cursor, 'base64url').toString()
  if (!/^\d{1,15}$/.test(text)) throw badRequest('invalid_cursor', 'error.validation', [{ field: 'cursor', key: 'error.validation' }])
  return Number(text)
}

export const encodeCursor = (id: number) => Buffer.from(String(id)).toString('base64url')

/** Given limit+1 rows, the page and the cursor of the next one. */
export function page<T extends { id: number }, J>(rows: T[], limit: number, toJson: (row: T) => J) {
  const data = rows.slice(0, limit)
  return { data: data.map(toJson), next_cursor: rows.length > limit ? encodeCursor(data[data.length - 1].id) : null }
}

export const ErrorBody = t.Object({
  error: t.Object({
    code: t.String(),
    message: t.String(),
    details: t.Optional(t.Array(t.Object({ field: t.String(), message: t.String() }))),
  }),
})
