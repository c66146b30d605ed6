// Webhook signatures (whatsapp.md §1). Meta signs the raw request bytes with the app secret and
// sends `X-Hub-Signature-256: sha256=<64 lowercase hex>`. We verify over the exact bytes received:
// re-serialising parsed JSON changes accents, emoji, `/` and `@` and breaks the signature.
import { createHmac, timingSafeEqual } from 'node:crypto'

const PREFIX = 'sha256='
const HEADER_SHAPE = /^sha256=[0-9a-f]{64}$/

function digest(secret: string, raw: Uint8Array | string): Buffer {
  // A string is hashed as its UTF-8 bytes, which is what goes on the wire.
  return createHmac('sha256', secret).update(raw).digest()
}

/** The header value Meta would send for these bytes: `sha256=<hex>`. */
export function signBody(secret: string, raw: Uint8Array | string): string {
  return PREFIX + digest(secret, raw).toString('hex')
}

/**
 * True when `header` is a well-formed `sha256=<64 lowercase hex>` matching HMAC-SHA256(secret, raw).
 * The shape check comes first so the constant-time compare always sees two 32-byte buffers.
 */
export function verifySignature(secret: string, raw: Uint8Array, header: string | null): boolean {
  if (!secret || header === null || !HEADER_SHAPE.test(header)) return false
  const received = Buffer.from(header.slice(PREFIX.length), 'hex')
  const expected = digest(secret, raw)
  if (received.length !== expected.length) return false
  return timingSafeEqual(received, expected)
}
