// GET /webchat.js: the embeddable widget (public/webchat.js), embedded in the binary. Its URL is
// fixed (it sits in every company's embed snippet), so it is cached briefly and revalidated by
// ETag; it is sent gzipped to browsers that accept it (compressed once, at start).
import { Elysia } from 'elysia'
import widget from '../../../public/webchat.js' with { type: 'file' }
import type { Context } from '../../context'

interface Widget {
  raw: Uint8Array<ArrayBuffer>
  gzip: Uint8Array<ArrayBuffer>
  etag: string
}

let loaded: Promise<Widget> | null = null
function load(): Promise<Widget> {
  loaded ??= Bun.file(widget)
    .arrayBuffer()
    .then((buf) => {
      const raw = new Uint8Array(buf)
      const gzip = Bun.gzipSync(raw, { level: 9 }) as Uint8Array<ArrayBuffer>
      const etag = `"${new Bun.CryptoHasher('sha256').update(raw).digest('hex').slice(0, 20)}"`
      return { raw, gzip, etag }
    })
  return loaded
}

export async function widgetResponse(request: Request): Promise<Response> {
  const w = await load()
  const headers: Record<string, string> = {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=300',
    etag: w.etag,
    vary: 'accept-encoding',
    // Any site may load the script (the API behind it is what checks the origin).
    'cross-origin-resource-policy': 'cross-origin',
  }
  if (request.headers.get('if-none-match') === w.etag) return new Response(null, { status: 304, headers })
  if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) return new Response(w.gzip, { headers: { ...headers, 'content-encoding': 'gzip' } })
  return new Response(w.raw, { headers })
}

export function widgetScript(ctx: Context) {
  void ctx
  return new Elysia({ name: 'widgetScript' }).get('/webchat.js', ({ request }) => widgetResponse(request))
}
