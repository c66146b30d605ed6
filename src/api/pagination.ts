// api.md lists: `{ data, next_cursor }`, `?limit=` (default 50, max 200) and `?cursor=`.
// The cursor is opaque to clients: base64url of the last id of the page.
import { t } from 'elysia'
import { badRequest } from '../http/errors'

export const ListQuery = t.Object(
  {
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: t.Optional(t.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
)

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
