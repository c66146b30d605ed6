// The Graph API client for one WhatsApp number: send, mark as read, media info/download/upload,
// phone-number info. Every call has a timeout; errors come back as GraphError with Meta's code
// so the caller decides (whatsapp.md §4). No retries here — the outbox and media workers retry.
import { readAtMost } from '../../http/read-limited'
import type { WhatsAppSettings } from '../store'

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com'
export const DEFAULT_GRAPH_VERSION = 'v24.0'
const TIMEOUT_MS = 15_000

export class GraphError extends Error {
  constructor(
    /** HTTP status, or null for a network error / timeout */
    public status: number | null,
    /** Meta's error code, or null */
    public code: number | null,
    message: string,
    public retryAfterS: number | null = null,
    public details: string | null = null,
  ) {
    super(message)
  }
}

export interface PhoneInfo {
  display_phone_number: string | null
  verified_name: string | null
  quality_rating: string | null
}

export interface MediaInfo {
  url: string
  mime_type: string
  sha256: string | null
  file_size: number | null
}

export function graphClient(settings: Pick<WhatsAppSettings, 'graph_base_url' | 'graph_version' | 'phone_number_id'>, accessToken: string) {
  const base = `${settings.graph_base_url.replace(/\/+$/, '')}/${settings.graph_version}`
  const auth = { authorization: `Bearer ${accessToken}`, 'user-agent': 'Kumquat/1' }

  async function call<T>(method: string, url: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<T> {
    let res: Response
    try {
      res = await fetch(url, { method, body, headers: { ...auth, ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' })
    } catch (err) {
      const timeout = (err as Error)?.name === 'TimeoutError'
      throw new GraphError(null, null, timeout ? 'timeout' : `network error: ${(err as Error)?.message ?? err}`)
    }
    const text = await res.text()
    let json: unknown = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      // not JSON (a proxy's error page): handled below by status
    }
    if (!res.ok) throw toGraphError(res, json, text)
    return json as T
  }

  return {
    /** POST /{phone_number_id}/messages → the wamid Meta accepted. */
    async send(payload: Record<string, unknown>): Promise<string> {
      const out = await call<{ messages?: { id?: string }[] }>('POST', `${base}/${settings.phone_number_id}/messages`, JSON.stringify(payload), { 'content-type': 'application/json' })
      const id = out?.messages?.[0]?.id
      if (!id) throw new GraphError(200, null, 'the Graph API accepted the message without returning its id')
      return id
    },
    async markRead(wamid: string): Promise<void> {
      await call('POST', `${base}/${settings.phone_number_id}/messages`, JSON.stringify({ messaging_product: 'whatsapp', status: 'read', message_id: wamid }), { 'content-type': 'application/json' })
    },
    phoneInfo: (): Promise<PhoneInfo> =>
      call<PhoneInfo>('GET', `${base}/${settings.phone_number_id}?fields=display_phone_number,verified_name,quality_rating`),
    mediaInfo: (mediaId: string): Promise<MediaInfo> => call<MediaInfo>('GET', `${base}/${encodeURIComponent(mediaId)}`),
    /**
     * Downloads a media URL with the token. Only https URLs on Meta's hosts, or on the configured
     * Graph host (the stand-in), are followed; no redirects; the size cap applies while reading.
     */
    async download(url: string, maxBytes: number): Promise<Uint8Array> {
      if (!allowedMediaUrl(url, settings.graph_base_url)) throw new GraphError(null, null, `refusing to download from ${safeHost(url)}`)
      let res: Response
      try {
        res = await fetch(url, { headers: auth, signal: AbortSignal.timeout(60_000), redirect: 'error' })
      } catch (err) {
        throw new GraphError(null, null, `network error: ${(err as Error)?.message ?? err}`)
      }
      if (!res.ok) throw toGraphError(res, null, '')
      const length = Number(res.headers.get('content-length') ?? 0)
      if (length > maxBytes) throw new GraphError(413, null, `file larger than ${maxBytes} bytes`)
      const bytes = await readAtMost(res.body!, maxBytes)
      if (!bytes) throw new GraphError(413, null, `file larger than ${maxBytes} bytes`)
      return bytes
    },
    /** POST /{phone_number_id}/media → the media id to send. */
    async upload(bytes: Uint8Array, mime: string, filename: string): Promise<string> {
      const form = new FormData()
      form.set('messaging_product', 'whatsapp')
      form.set('type', mime)
      form.set('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), filename)
      const out = await call<{ id?: string }>('POST', `${base}/${settings.phone_number_id}/media`, form)
      if (!out?.id) throw new GraphError(200, null, 'the Graph API accepted the upload without returning its id')
      return out.id
    },
  }
}
export type GraphClient = ReturnType<typeof graphClient>

function toGraphError(res: Response, json: unknown, text: string): GraphError {
  const err = (json as { error?: { code?: number; message?: string; error_data?: { details?: string } } } | null)?.error
  const retryAfter = Number(res.headers.get('retry-after'))
  return new GraphError(
    res.status,
    typeof err?.code === 'number' ? err.code : null,
    err?.message ?? (text.slice(0, 200) || `HTTP ${res.status}`),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    err?.error_data?.details ?? null,
  )
}

const META_MEDIA_HOSTS = /(^|\.)(fbcdn\.net|fbsbx\.com|facebook\.com|whatsapp\.net)$/

export function allowedMediaUrl(url: string, graphBaseUrl: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  const graph = new URL(graphBaseUrl)
  if (u.host === graph.host && u.protocol === graph.protocol) return true
  return u.protocol === 'https:' && META_MEDIA_HOSTS.test(u.hostname)
}

const safeHost = (url: string) => {
  try {
    return new URL(url).host
  } catch {
    return 'an invalid URL'
  }
}
