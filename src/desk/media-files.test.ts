// The media store on disk (issue 9): a write that fails (disk full) leaves no temp file behind, and
// temp files a crash left are swept at start once they are an hour old.
import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mediaPath, STALE_TMP_MS, storeMediaFile, sweepStaleTmp } from './media-files'

const dirs: string[] = []
const mounts: string[] = []
afterAll(() => {
  for (const m of mounts) if (Bun.spawnSync(['umount', m]).exitCode !== 0) Bun.spawnSync(['umount', '-l', m])
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kumquat-media-'))
  dirs.push(d)
  return d
}
const allFiles = (root: string): string[] => readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name)

// A real full disk: a 1 MB tmpfs (needs root and mount(2), like test/faults/disk-full.test.ts).
const small = tempDir()
const mountError = (() => {
  const r = Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', small], { stderr: 'pipe' })
  if (r.exitCode !== 0) return r.stderr.toString().trim() || `exit ${r.exitCode}`
  mounts.push(small)
  return null
})()
if (mountError) console.log(`SKIP disk-full media write: cannot mount a tmpfs (${mountError})`)

test.skipIf(mountError !== null)('a write that runs out of space throws and leaves no temp file', () => {
  const ctx = { mediaDir: join(small, 'media') }
  const big = crypto.getRandomValues(new Uint8Array(65536))
  const huge = new Uint8Array(2 * 1024 * 1024)
  for (let i = 0; i < huge.length; i += big.length) huge.set(big, i)
  expect(() => storeMediaFile(ctx, huge)).toThrow(/ENOSPC|no space/i)
  expect(allFiles(ctx.mediaDir)).toEqual([])
  // The space is all there again: a file that fits is stored.
  const sha = storeMediaFile(ctx, new TextEncoder().encode('cabe'))
  expect(existsSync(mediaPath(ctx, sha))).toBe(true)
  expect(allFiles(ctx.mediaDir)).toEqual([sha])
})

test('stale temp files are swept, fresh ones and stored media are kept', () => {
  const ctx = { mediaDir: join(tempDir(), 'media') }
  const sha = storeMediaFile(ctx, new TextEncoder().encode('guardado'))
  const folder = join(ctx.mediaDir, sha.slice(0, 2))
  const stale = join(folder, `${sha}.tmp-123-1`)
  const fresh = join(folder, `${'b'.repeat(64)}.tmp-456-2`)
  writeFileSync(stale, 'meio arquivo')
  writeFileSync(fresh, 'sendo escrito')
  const old = (Date.now() - STALE_TMP_MS - 60_000) / 1000
  utimesSync(stale, old, old)
  mkdirSync(join(ctx.mediaDir, 'ff'))
  expect(sweepStaleTmp(ctx)).toBe(1)
  expect(allFiles(ctx.mediaDir).sort()).toEqual([sha, `${'b'.repeat(64)}.tmp-456-2`].sort())
  expect(sweepStaleTmp({ mediaDir: join(tempDir(), 'none') })).toBe(0)
})
