// A small ZIP writer (PKWARE APPNOTE 6.3: "stored" entries, no compression, no ZIP64), streamed:
// files are read in chunks twice (once for the CRC-32, once for the bytes), so an export with many
// media files never sits in memory. Names are UTF-8 (flag bit 11). Up to 65,535 entries and 4 GiB.
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { crc32 } from 'node:zlib'

export type ZipSource = { name: string; data: Uint8Array } | { name: string; path: string }

const CHUNK = 256 * 1024
const MAX = 0xffffffff

export class ZipTooLarge extends Error {}

function readChunks(path: string, onChunk: (chunk: Uint8Array) => void) {
  const fd = openSync(path, 'r')
  try {
    const buf = new Uint8Array(CHUNK)
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null)
      if (n <= 0) break
      onChunk(buf.subarray(0, n))
    }
  } finally {
    closeSync(fd)
  }
}

/** DOS date and time of a moment (local fields of UTC, as most tools show them). */
function dosTime(ms: number): { time: number; date: number } {
  const d = new Date(ms)
  const year = Math.max(1980, d.getUTCFullYear())
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  }
}

interface Prepared {
  name: Uint8Array
  size: number
  crc: number
  offset: number
  source: ZipSource
}

/** The archive as a stream of bytes. Throws ZipTooLarge before writing anything when it cannot fit. */
export function zipStream(sources: ZipSource[], now = Date.now()): ReadableStream<Uint8Array> {
  if (sources.length > 0xffff) throw new ZipTooLarge('too many entries')
  const enc = new TextEncoder()
  const { time, date } = dosTime(now)
  // First pass: sizes and CRCs, and where each entry will start.
  let offset = 0
  const entries: Prepared[] = sources.map((source) => {
    const name = enc.encode(source.name)
    let size: number
    let crc = 0
    if ('data' in source) {
      size = source.data.length
      crc = crc32(source.data)
    } else {
      size = statSync(source.path).size
      readChunks(source.path, (c) => (crc = crc32(c, crc)))
    }
    if (size > MAX) throw new ZipTooLarge(source.name)
    const e = { name, size, crc: crc >>> 0, offset, source }
    offset += 30 + name.length + size
    if (offset > MAX) throw new ZipTooLarge('archive')
    return e
  })

  function local(e: Prepared): Uint8Array {
    const h = new Uint8Array(30 + e.name.length)
    const v = new DataView(h.buffer)
    v.setUint32(0, 0x04034b50, true)
    v.setUint16(4, 20, true) // version needed: 2.0
    v.setUint16(6, 0x0800, true) // UTF-8 names
    v.setUint16(8, 0, true) // stored
    v.setUint16(10, time, true)
    v.setUint16(12, date, true)
    v.setUint32(14, e.crc, true)
    v.setUint32(18, e.size, true)
    v.setUint32(22, e.size, true)
    v.setUint16(26, e.name.length, true)
    v.setUint16(28, 0, true)
    h.set(e.name, 30)
    return h
  }

  function central(): Uint8Array {
    const size = entries.reduce((n, e) => n + 46 + e.name.length, 0)
    const out = new Uint8Array(size + 22)
    const v = new DataView(out.buffer)
    let p = 0
    for (const e of entries) {
      v.setUint32(p, 0x02014b50, true)
      v.setUint16(p + 4, (3 << 8) | 20, true) // made by: Unix, 2.0
      v.setUint16(p + 6, 20, true)
      v.setUint16(p + 8, 0x0800, true)
      v.setUint16(p + 10, 0, true)
      v.setUint16(p + 12, time, true)
      v.setUint16(p + 14, date, true)
      v.setUint32(p + 16, e.crc, true)
      v.setUint32(p + 20, e.size, true)
      v.setUint32(p + 24, e.size, true)
      v.setUint16(p + 28, e.name.length, true)
      v.setUint16(p + 30, 0, true) // extra
      v.setUint16(p + 32, 0, true) // comment
      v.setUint16(p + 34, 0, true) // disk
      v.setUint16(p + 36, 0, true) // internal attributes
      v.setUint32(p + 38, (0o100644 << 16) >>> 0, true) // external: a regular file, rw-r--r--
      v.setUint32(p + 42, e.offset, true)
      out.set(e.name, p + 46)
      p += 46 + e.name.length
    }
    v.setUint32(p, 0x06054b50, true)
    v.setUint16(p + 4, 0, true)
    v.setUint16(p + 6, 0, true)
    v.setUint16(p + 8, entries.length, true)
    v.setUint16(p + 10, entries.length, true)
    v.setUint32(p + 12, size, true)
    v.setUint32(p + 16, offset, true)
    v.setUint16(p + 20, 0, true)
    return out
  }

  // Second pass, on demand: each entry's header and bytes, then the central directory.
  let i = 0
  let fd: number | null = null
  let remaining = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (fd !== null) {
        const buf = new Uint8Array(Math.min(CHUNK, remaining))
        const n = buf.length ? readSync(fd, buf, 0, buf.length, null) : 0
        remaining -= n
        if (n > 0) controller.enqueue(buf.subarray(0, n))
        if (n <= 0 || remaining <= 0) {
          closeSync(fd)
          fd = null
          if (remaining > 0) controller.error(new Error('a file shrank while it was being archived'))
        }
        return
      }
      if (i < entries.length) {
        const e = entries[i++]
        controller.enqueue(local(e))
        if ('data' in e.source) controller.enqueue(e.source.data)
        else if (e.size > 0) {
          fd = openSync(e.source.path, 'r')
          remaining = e.size
        }
        return
      }
      controller.enqueue(central())
      controller.close()
    },
    cancel() {
      if (fd !== null) closeSync(fd)
      fd = null
    },
  })
}

/** Names inside the archive: no path tricks, no control characters, at most 120 characters. */
export function safeEntryName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_').replace(/^\.+/, '_').trim()
  return (clean || 'file').slice(0, 120)
}
