// The media store on disk: <data>/media/<sha256[0:2]>/<sha256>, written once (content-addressed,
// so the same file sent twice is stored once), via a temp file + rename so a crash never leaves
// a half-written file under its final name.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Context } from '../context'

export const sha256Hex = (bytes: Uint8Array): string => new Bun.CryptoHasher('sha256').update(bytes).digest('hex')

export function mediaPath(ctx: Pick<Context, 'mediaDir'>, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('bad media hash')
  return join(ctx.mediaDir, sha256.slice(0, 2), sha256)
}

/** Stores the bytes (fsync'd) and returns their sha256 hex. */
export function storeMediaFile(ctx: Pick<Context, 'mediaDir'>, bytes: Uint8Array): string {
  const sha = sha256Hex(bytes)
  const path = mediaPath(ctx, sha)
  if (existsSync(path)) return sha
  mkdirSync(join(ctx.mediaDir, sha.slice(0, 2)), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`
  writeFileSync(tmp, bytes, { flush: true })
  renameSync(tmp, path)
  return sha
}

/** Meta announces sha256 as base64 in webhooks and hex in the media GET answer: accept either. */
export function sameSha256(expected: string | null, actualHex: string): boolean {
  if (!expected) return true
  const e = expected.trim()
  if (/^[0-9a-fA-F]{64}$/.test(e)) return e.toLowerCase() === actualHex
  try {
    return Buffer.from(e, 'base64').toString('hex') === actualHex
  } catch {
    return false
  }
}
