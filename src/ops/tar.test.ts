import { afterEach, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readTar, TarError, tarHeader, TarWriter } from './tar'

const dirs: string[] = []
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kumquat-tar-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const sh = (cmd: string[], cwd: string) => {
  const r = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr.toString()}`)
  return r.stdout.toString()
}

function collect(path: string) {
  const out = new Map<string, Uint8Array>()
  readTar(path, (e) => {
    const parts: Uint8Array[] = []
    return (chunk) => {
      if (chunk) parts.push(chunk.slice())
      else out.set(e.name, new Uint8Array(Buffer.concat(parts)))
    }
  })
  return out
}

describe('tar', () => {
  test('what we write, system tar lists and extracts byte for byte (sizes around block edges, long names)', () => {
    const d = temp()
    const files: [string, Uint8Array][] = [
      ['secret.key', new TextEncoder().encode('k'.repeat(64) + '\n')],
      ['media/00/empty', new Uint8Array(0)],
      ['media/ab/exactly-512', crypto.getRandomValues(new Uint8Array(512))],
      ['media/cd/' + 'x'.repeat(64), crypto.getRandomValues(new Uint8Array(513))],
      ['a/' + 'deep/'.repeat(25) + 'n'.repeat(90), crypto.getRandomValues(new Uint8Array(3 * 1024 * 1024 + 7))],
    ]
    const tar = new TarWriter(join(d, 'out.tar'))
    for (const [name, bytes] of files) {
      if (name.startsWith('media/cd') || name.startsWith('a/')) {
        const src = join(d, 'src-' + bytes.length)
        writeFileSync(src, bytes)
        let hashed = 0
        tar.addFile(name, src, bytes.length, { onChunk: (c) => (hashed += c.length) })
        expect(hashed).toBe(bytes.length)
      } else tar.addBytes(name, bytes)
    }
    tar.finish()
    expect(statSync(join(d, 'out.tar')).size % 512).toBe(0)

    const listed = sh(['tar', '-tf', 'out.tar'], d).trim().split('\n')
    expect(listed).toEqual(files.map(([n]) => n))
    mkdirSync(join(d, 'x'))
    sh(['tar', '-xf', '../out.tar'], join(d, 'x'))
    for (const [name, bytes] of files) expect(new Uint8Array(readFileSync(join(d, 'x', name)))).toEqual(bytes as Uint8Array<ArrayBuffer>)

    // …and our reader agrees.
    const read = collect(join(d, 'out.tar'))
    expect([...read.keys()]).toEqual(files.map(([n]) => n))
    for (const [name, bytes] of files) expect(read.get(name)).toEqual(bytes)
  })

  test('reads what GNU tar writes in ustar format', () => {
    const d = temp()
    mkdirSync(join(d, 'media/ef'), { recursive: true })
    writeFileSync(join(d, 'media/ef/one'), 'hello')
    writeFileSync(join(d, 'media/ef/two'), new Uint8Array(1500).fill(7))
    sh(['tar', '--format=ustar', '-cf', 'gnu.tar', 'media'], d)
    const read = collect(join(d, 'gnu.tar'))
    expect(new TextDecoder().decode(read.get('media/ef/one'))).toBe('hello')
    expect(read.get('media/ef/two')).toEqual(new Uint8Array(1500).fill(7))
    expect(read.has('media/')).toBe(true) // directories are entries too (type 5)
  })

  test('a truncated archive or a damaged header is an error, never a silent partial read', () => {
    const d = temp()
    const path = join(d, 't.tar')
    const tar = new TarWriter(path)
    tar.addBytes('a', new Uint8Array(2000).fill(1))
    tar.addBytes('b', new Uint8Array(10).fill(2))
    tar.finish()
    const full = readFileSync(path)

    truncateSync(path, 1536)
    expect(() => collect(path)).toThrow(TarError)

    const damaged = new Uint8Array(full)
    damaged[10] ^= 0xff // inside the first header's name
    writeFileSync(path, damaged)
    expect(() => collect(path)).toThrow(/checksum/)
  })

  test('sizes past 8 GiB use base-256 (GNU) in the header', () => {
    const h = tarHeader({ name: 'big', size: 9 * 1024 ** 3 })
    expect(h[124]).toBe(0x80)
    const d = temp()
    const path = join(d, 'h.tar')
    // A header claiming 9 GiB with no data: the reader decodes the size and reports the truncation.
    writeFileSync(path, h)
    let size = 0
    expect(() => readTar(path, (e) => ((size = e.size), null))).toThrow(/truncated/)
    expect(size).toBe(9 * 1024 ** 3)
  })

  test('refuses to overwrite an existing archive', () => {
    const d = temp()
    writeFileSync(join(d, 'exists.tar'), 'x')
    expect(() => new TarWriter(join(d, 'exists.tar'))).toThrow()
  })
})
