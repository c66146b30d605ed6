// A small ustar (POSIX.1-1988) writer and reader over synchronous file descriptors, enough for
// backups: regular files only, names up to 255 bytes (prefix + name), sizes in octal (base-256 past
// 8 GiB). Streams in chunks, so a media store larger than memory is fine. `tar -tvf` reads what it
// writes; it reads what `tar --format=ustar` writes.
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs'

const BLOCK = 512
const CHUNK = 1024 * 1024

export class TarError extends Error {}

export interface TarEntry {
  name: string
  size: number
  mode: number
  mtimeMs: number
  /** '0' regular file, '5' directory, others as found */
  type: string
}

function putString(h: Uint8Array, offset: number, length: number, value: string) {
  const bytes = new TextEncoder().encode(value)
  if (bytes.length > length) throw new TarError(`tar field too long: ${value}`)
  h.set(bytes, offset)
}

function putOctal(h: Uint8Array, offset: number, length: number, value: number) {
  if (value <= 8 ** (length - 1) - 1) {
    putString(h, offset, length, value.toString(8).padStart(length - 1, '0'))
    return
  }
  // GNU base-256: high bit of the first byte set, big-endian value in the rest.
  let v = BigInt(value)
  for (let i = offset + length - 1; i > offset; i--) {
    h[i] = Number(v & 0xffn)
    v >>= 8n
  }
  h[offset] = 0x80
}

function readOctal(h: Uint8Array, offset: number, length: number): number {
  if (h[offset] & 0x80) {
    let v = 0n
    for (let i = offset + 1; i < offset + length; i++) v = (v << 8n) | BigInt(h[i])
    return Number(v)
  }
  const text = readString(h, offset, length).trim()
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) throw new TarError(`bad octal field "${text}"`)
  return parseInt(text, 8)
}

function readString(h: Uint8Array, offset: number, length: number): string {
  const slice = h.subarray(offset, offset + length)
  const end = slice.indexOf(0)
  return new TextDecoder().decode(end < 0 ? slice : slice.subarray(0, end))
}

function checksum(h: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]
  return sum
}

/** Splits a path into ustar prefix (≤155) and name (≤100) at a slash. */
function splitName(path: string): { prefix: string; name: string } {
  const bytes = new TextEncoder().encode(path).length
  if (bytes <= 100) return { prefix: '', name: path }
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (new TextEncoder().encode(prefix).length <= 155 && new TextEncoder().encode(name).length <= 100 && name) return { prefix, name }
  }
  throw new TarError(`path too long for ustar: ${path}`)
}

export function tarHeader(e: { name: string; size: number; mode?: number; mtimeMs?: number; type?: string }): Uint8Array {
  const h = new Uint8Array(BLOCK)
  const { prefix, name } = splitName(e.name)
  putString(h, 0, 100, name)
  putOctal(h, 100, 8, e.mode ?? 0o644)
  putOctal(h, 108, 8, 0)
  putOctal(h, 116, 8, 0)
  putOctal(h, 124, 12, e.size)
  putOctal(h, 136, 12, Math.floor((e.mtimeMs ?? Date.now()) / 1000))
  h[156] = (e.type ?? '0').charCodeAt(0)
  putString(h, 257, 6, 'ustar')
  putString(h, 263, 2, '00')
  putString(h, 265, 32, 'kumquat')
  putString(h, 297, 32, 'kumquat')
  putString(h, 345, 155, prefix)
  putString(h, 148, 8, checksum(h).toString(8).padStart(6, '0') + '\0 ')
  return h
}

/** Writes a tar archive to a file descriptor, entry by entry. */
export class TarWriter {
  private fd: number
  private closed = false
  bytes = 0

  constructor(path: string) {
    this.fd = openSync(path, 'wx', 0o600)
  }

  private write(bytes: Uint8Array) {
    let off = 0
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off)
    this.bytes += bytes.length
  }

  private pad(size: number) {
    const rest = size % BLOCK
    if (rest) this.write(new Uint8Array(BLOCK - rest))
  }

  addBytes(name: string, data: Uint8Array, o: { mode?: number; mtimeMs?: number } = {}) {
    this.write(tarHeader({ name, size: data.length, ...o }))
    this.write(data)
    this.pad(data.length)
  }

  /**
   * Copies `size` bytes of the file at `source` (as stat'ed before) into the archive, passing
   * every chunk to `onChunk` (for hashing). A file that shrank meanwhile is an error.
   */
  addFile(name: string, source: string, size: number, o: { mode?: number; mtimeMs?: number; onChunk?: (chunk: Uint8Array) => void } = {}) {
    this.write(tarHeader({ name, size, mode: o.mode, mtimeMs: o.mtimeMs }))
    const src = openSync(source, 'r')
    try {
      const buf = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)))
      let done = 0
      while (done < size) {
        const n = readSync(src, buf, 0, Math.min(buf.length, size - done), done)
        if (n === 0) throw new TarError(`${source} shrank while it was archived`)
        const chunk = buf.subarray(0, n)
        o.onChunk?.(chunk)
        this.write(chunk)
        done += n
      }
    } finally {
      closeSync(src)
    }
    this.pad(size)
  }

  /** Two zero blocks end the archive; the file is flushed to disk before it is closed. */
  finish() {
    this.write(new Uint8Array(BLOCK * 2))
    fsyncSync(this.fd)
    this.close()
  }

  close() {
    if (this.closed) return
    this.closed = true
    closeSync(this.fd)
  }
}

/**
 * Reads a tar archive entry by entry. For each entry `onEntry` returns a sink for its data (called
 * chunk by chunk, then with null at the end), or null to skip it. Checks every header checksum and
 * that the archive is not truncated.
 */
export function readTar(path: string, onEntry: (e: TarEntry) => ((chunk: Uint8Array | null) => void) | null): { entries: number } {
  const fd = openSync(path, 'r')
  let pos = 0
  let entries = 0
  const header = new Uint8Array(BLOCK)
  const readExactly = (buf: Uint8Array, length: number) => {
    let got = 0
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, pos + got)
      if (n === 0) throw new TarError(`archive truncated at byte ${pos + got}`)
      got += n
    }
    pos += length
  }
  try {
    let zeroBlocks = 0
    for (;;) {
      readExactly(header, BLOCK)
      if (header.every((b) => b === 0)) {
        if (++zeroBlocks === 2) break
        continue
      }
      if (zeroBlocks) throw new TarError(`data after an end-of-archive block at byte ${pos - BLOCK}`)
      const stored = readOctal(header, 148, 8)
      if (stored !== checksum(header)) throw new TarError(`bad header checksum at byte ${pos - BLOCK}`)
      const name = readString(header, 0, 100)
      const prefix = readString(header, 345, 155)
      const magic = readString(header, 257, 6)
      const entry: TarEntry = {
        name: magic.startsWith('ustar') && prefix ? `${prefix}/${name}` : name,
        size: readOctal(header, 124, 12),
        mode: readOctal(header, 100, 8),
        mtimeMs: readOctal(header, 136, 12) * 1000,
        type: String.fromCharCode(header[156] || 0x30),
      }
      entries++
      const sink = onEntry(entry)
      const buf = new Uint8Array(Math.min(CHUNK, Math.max(entry.size, 1)))
      let left = entry.size
      while (left > 0) {
        const n = Math.min(buf.length, left)
        readExactly(buf, n)
        sink?.(buf.subarray(0, n))
        left -= n
      }
      sink?.(null)
      const rest = entry.size % BLOCK
      if (rest) readExactly(new Uint8Array(BLOCK - rest), BLOCK - rest)
    }
  } finally {
    closeSync(fd)
  }
  return { entries }
}
