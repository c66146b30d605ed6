// The media store on disk: <data>/media/<sha256[0:2]>/<sha256>, written once (content-addressed,
// so the same file sent twice is stored once), via a temp file + rename so a crash never leaves
// a half-written file under its final name. A temp file whose write failed (disk full) is removed
// at once; one left by a crash is swept at the next start.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
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
  const tmp = `${path}${TMP_MARK}${process.pid}-${Date.now()}`
  try {
    writeFileSync(tmp, bytes, { flush: true })
    renameSync(tmp, path)
  } catch (err) {
    // A partial file would hold the disk space that just ran out, and nothing would ever clean it.
    rmSync(tmp, { force: true })
    throw err
  }
  return sha
}

const TMP_MARK = '.tmp-'
/** Older than this, a temp file belongs to no write in progress (a write takes seconds at most). */
export const STALE_TMP_MS = 60 * 60 * 1000

/**
 * Removes temp files a crash left behind (older than an hour, so a write in progress by a process
 * sharing the folder is never touched). Returns how many. Called once at start.
 */
export function sweepStaleTmp(ctx: Pick<Context, 'mediaDir'>, now = Date.now()): number {
  if (!existsSync(ctx.mediaDir)) return 0
  let removed = 0
  for (const dir of readdirSync(ctx.mediaDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue
    const folder = join(ctx.mediaDir, dir.name)
    for (const name of readdirSync(folder)) {
      if (!name.includes(TMP_MARK)) continue
      const file = join(folder, name)
      try {
        if (now - statSync(file).mtimeMs < STALE_TMP_MS) continue
        rmSync(file, { force: true })
        removed++
      } catch {
        // gone meanwhile, or unreadable: the next start tries again
      }
    }
  }
  return removed
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
