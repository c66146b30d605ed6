// One error type for everything we answer on purpose. Pages render it in the user's language;
// the API renders it as { error: { code, message, details? } } (api.md).
import type { MessageKey } from '../i18n'

export interface FieldProblem {
  field: string
  key: MessageKey
  vars?: Record<string, string | number>
}

export class HttpError extends Error {
  constructor(
    public status: number,
    public code: string,
    /** catalog key for pages and the API message (the API answers in the caller's language) */
    public key: MessageKey,
    public vars: Record<string, string | number> = {},
    public details?: FieldProblem[],
  ) {
    super(code)
  }
}

export const badRequest = (code: string, key: MessageKey, details?: FieldProblem[]) =>
  new HttpError(400, code, key, {}, details)
export const unauthorized = () => new HttpError(401, 'unauthorized', 'error.unauthorized')
export const forbidden = () => new HttpError(403, 'forbidden', 'error.forbidden')
export const notFound = () => new HttpError(404, 'not_found', 'error.not_found')
export const conflict = (code: string, key: MessageKey, vars: Record<string, string | number> = {}) =>
  new HttpError(409, code, key, vars)
export const tooLarge = (limit: number) => new HttpError(413, 'payload_too_large', 'error.too_large', { limit })
export const tooManyRequests = (seconds: number) =>
  new HttpError(429, 'too_many_requests', 'error.too_many_requests', { seconds })
