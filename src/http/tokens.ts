// Random secrets (session cookies, CSRF tokens, API tokens) and the hashes we store instead of them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** 256 bits, URL-safe. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url')

export const sha256hex = (value: string): string => createHash('sha256').update(value).digest('hex')

export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a)
  const bb = Buffer.from(b)
  return ba.length === bb.length && timingSafeEqual(ba, bb)
}
