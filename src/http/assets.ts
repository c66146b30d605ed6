// Static files embedded in the binary (`with { type: 'file' }` works the same in `bun run`, `bun
// test` and the compiled executable, where @elysiajs/static crashes when started from another
// folder — elysia issue 1713). Served at content-hashed URLs with a year of immutable caching, so
// an upgrade never serves a stale script.
import htmx from 'htmx.org/dist/htmx.min.js' with { type: 'file' }
import htmxSse from 'htmx.org/dist/ext/hx-sse.min.js' with { type: 'file' }
import appCss from '../../public/app.css' with { type: 'file' }
import appJs from '../../public/app.js' with { type: 'file' }
import favicon from '../../public/favicon.svg' with { type: 'file' }

const SOURCES: Record<string, string> = {
  'htmx.min.js': htmx,
  'hx-sse.min.js': htmxSse,
  'app.css': appCss,
  'app.js': appJs,
  'favicon.svg': favicon,
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
}

interface Asset {
  url: string
  bytes: Uint8Array<ArrayBuffer>
  type: string
}

const byUrl = new Map<string, Asset>()
const urlOf = new Map<string, string>()

async function load() {
  for (const [name, path] of Object.entries(SOURCES)) {
    const bytes = new Uint8Array(await Bun.file(path).arrayBuffer()) as Uint8Array<ArrayBuffer>
    const hash = new Bun.CryptoHasher('sha256').update(bytes).digest('hex').slice(0, 12)
    const dot = name.lastIndexOf('.')
    const url = `/assets/${name.slice(0, dot)}.${hash}${name.slice(dot)}`
    byUrl.set(url, { url, bytes, type: TYPES[name.slice(dot + 1)] ?? 'application/octet-stream' })
    urlOf.set(name, url)
  }
}

export const assetsReady = load()

/** The hashed URL of an embedded file, e.g. asset('app.css') → /assets/app.3f2a…css */
export function asset(name: keyof typeof SOURCES | string): string {
  const url = urlOf.get(name)
  if (!url) throw new Error(`unknown asset ${name}`)
  return url
}

export function serveAsset(pathname: string): Response | null {
  const a = byUrl.get(pathname)
  if (!a) return null
  return new Response(a.bytes, {
    headers: { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable' },
  })
}
