// The API's JSON bodies, read before Elysia validates them, refusing with a clear 400 two kinds of
// input that otherwise end in a 500:
//
// - A lone UTF-16 surrogate ("\ud800" is valid JSON): SQLite stores it as U+FFFD, so the value read
//   back differs from the one checked (a duplicate-name check passes, then the UNIQUE index throws)
//   and the text is corrupted anyway. Any string, key or value, anywhere in the body.
// - An object with its own "toString" or "valueOf" key (`{"name": {"toString": 1}}`): Elysia
//   1.4.30 builds its validation message with `${value}`, which throws for such an object, so a
//   plain type error became a 500 (elysia/dist/error.mjs mapValueError). No body of ours has a
//   field by those names.
//
// - Malformed JSON: 400 malformed_json here, because Elysia lets it through as "no body" on a route
//   whose body is optional (POST /tickets/:ticket/close closed the ticket on `garbage`).
//
// Anything else (not JSON, empty) is left to Elysia's own parser, unchanged.
import type { FieldProblem } from './errors'
import { badRequest, HttpError } from './errors'

const RESERVED_KEYS = new Set(['toString', 'valueOf'])
const MAX_DETAILS = 10

/** The parse hook: the body's value, undefined to let Elysia parse it, or a thrown 400. */
export async function readJsonBody(request: Request): Promise<unknown> {
  if (!isJson(request.headers.get('content-type'))) return undefined
  const text = await request.text()
  if (text === '') return undefined // Elysia decides (an optional body may be absent)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HttpError(400, 'malformed_json', 'error.malformed_json')
  }
  const problems = bodyProblems(value)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  return value
}

const isJson = (type: string | null) => !!type && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type.trim())

/** Where the body holds a lone surrogate or a reserved key (at most MAX_DETAILS). */
export function bodyProblems(body: unknown): FieldProblem[] {
  const problems: FieldProblem[] = []
  const stack: { value: unknown; path: string }[] = [{ value: body, path: '' }]
  const at = (path: string, key: string) => (path ? `${path}.${key}` : key)
  while (stack.length && problems.length < MAX_DETAILS) {
    const { value, path } = stack.pop()!
    if (typeof value === 'string') {
      if (!value.isWellFormed()) problems.push({ field: path || 'body', key: 'ops.valid_text_encoding' })
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: at(path, String(i)) })
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value)
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]
        if (!key.isWellFormed()) problems.push({ field: at(path, key.toWellFormed()), key: 'ops.valid_text_encoding' })
        else if (RESERVED_KEYS.has(key)) problems.push({ field: at(path, key), key: 'ops.valid_reserved_key' })
        else stack.push({ value: (value as Record<string, unknown>)[key], path: at(path, key) })
      }
    }
  }
  return problems.slice(0, MAX_DETAILS)
}
