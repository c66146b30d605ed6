// The Graph API's template management for one WhatsApp Business Account (whatsapp.md §7): create,
// list (following paging), edit, delete. Same rules as graph.ts: a timeout on every call, no
// redirects, errors as GraphError with Meta's code; the user-facing text Meta adds to validation
// errors (`error_user_title`, `error_user_msg`) is kept in `details`. No retries here.
import type { WhatsAppSettings } from '../store'
import { GraphError } from './graph'

const TIMEOUT_MS = 20_000
/** Meta's lists are paged; a WABA holds at most a few thousand templates. */
const MAX_PAGES = 100
const PAGE_SIZE = 100

/** A template as Meta's list returns it. */
export interface MetaTemplate {
  id: string
  name: string
  language: string
  status: string
  category: string
  parameter_format: string | null
  components: unknown[]
  rejected_reason: string | null
  quality_score: string | null
}

export class TemplateGraphError extends GraphError {
  constructor(
    status: number | null,
    code: number | null,
    message: string,
    retryAfterS: number | null,
    details: string | null,
    /** `error_subcode` (e.g. 2388024: content in this language already exists) */
    public subcode: number | null,
  ) {
    super(status, code, message, retryAfterS, details)
  }
}

type Json = Record<string, unknown>
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
const id = (v: unknown): string | null => (typeof v === 'string' && v ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null)

export function templatesGraph(settings: Pick<WhatsAppSettings, 'graph_base_url' | 'graph_version' | 'waba_id'>, accessToken: string) {
  const origin = settings.graph_base_url.replace(/\/+$/, '')
  const base = `${origin}/${settings.graph_version}`
  const headers = { authorization: `Bearer ${accessToken}`, 'user-agent': 'Kumquat/1' }

  async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(url, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      })
    } catch (err) {
      const timeout = (err as Error)?.name === 'TimeoutError'
      throw new TemplateGraphError(null, null, timeout ? 'timeout' : `network error: ${(err as Error)?.message ?? err}`, null, null, null)
    }
    const raw = await res.text()
    let json: unknown = null
    try {
      json = raw ? JSON.parse(raw) : null
    } catch {
      // not JSON (a proxy's error page): decided by status below
    }
    if (!res.ok) throw toTemplateGraphError(res, json, raw)
    return json as T
  }

  /** `paging.next` is an absolute URL: followed only on the configured Graph host. */
  const sameOrigin = (url: string) => {
    try {
      return new URL(url).origin === new URL(origin).origin
    } catch {
      return false
    }
  }

  return {
    /** POST /{waba_id}/message_templates → Meta's id and status (PENDING, sometimes APPROVED at once). */
    async create(t: { name: string; language: string; category: string; components: unknown[] }): Promise<{ id: string; status: string; category: string | null }> {
      const out = await call<Json>('POST', `${base}/${settings.waba_id}/message_templates`, { ...t, parameter_format: 'positional' })
      const templateId = id(out?.id)
      if (!templateId) throw new TemplateGraphError(200, null, 'the Graph API accepted the template without returning its id', null, null, null)
      return { id: templateId, status: (text(out?.status) ?? 'PENDING').toUpperCase(), category: text(out?.category) }
    },
    /** GET /{waba_id}/message_templates, every page. */
    async list(): Promise<MetaTemplate[]> {
      const fields = 'id,name,language,status,category,parameter_format,components,rejected_reason,quality_score'
      let url: string | null = `${base}/${settings.waba_id}/message_templates?limit=${PAGE_SIZE}&fields=${fields}`
      const all: MetaTemplate[] = []
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const out: Json = await call<Json>('GET', url)
        const data = Array.isArray(out?.data) ? out.data : []
        for (const raw of data) {
          const t = readTemplate(raw)
          if (t) all.push(t)
        }
        const next = isRecord(out?.paging) ? text(out.paging.next) : null
        if (next && !sameOrigin(next)) throw new TemplateGraphError(200, null, 'paging.next points at another host', null, null, null)
        url = next
      }
      if (url) throw new TemplateGraphError(200, null, `more than ${MAX_PAGES} pages of templates`, null, null, null)
      return all
    },
    /** POST /{template_id} with new components (and category): Meta puts it back in review. */
    async edit(templateId: string, body: { components: unknown[]; category?: string }): Promise<void> {
      await call('POST', `${base}/${encodeURIComponent(templateId)}`, body)
    },
    /** DELETE /{waba_id}/message_templates?name=…[&hsm_id=…]: without hsm_id, every language of the name. */
    async remove(name: string, hsmId: string | null): Promise<void> {
      const q = new URLSearchParams({ name })
      if (hsmId) q.set('hsm_id', hsmId)
      await call('DELETE', `${base}/${settings.waba_id}/message_templates?${q}`)
    },
  }
}
export type TemplatesGraph = ReturnType<typeof templatesGraph>

function readTemplate(raw: unknown): MetaTemplate | null {
  if (!isRecord(raw)) return null
  const templateId = id(raw.id)
  const name = text(raw.name)
  const language = text(raw.language)
  if (!templateId || !name || !language) return null
  const rejected = text(raw.rejected_reason)
  const quality = isRecord(raw.quality_score) ? text(raw.quality_score.score) : text(raw.quality_score)
  return {
    id: templateId,
    name,
    language,
    status: (text(raw.status) ?? 'PENDING').toUpperCase(),
    category: (text(raw.category) ?? 'UTILITY').toUpperCase(),
    parameter_format: text(raw.parameter_format)?.toUpperCase() ?? null,
    components: Array.isArray(raw.components) ? raw.components : [],
    rejected_reason: rejected && rejected !== 'NONE' ? rejected : null,
    quality_score: quality,
  }
}

function toTemplateGraphError(res: Response, json: unknown, raw: string): TemplateGraphError {
  const err = isRecord(json) && isRecord(json.error) ? json.error : null
  const retryAfter = Number(res.headers.get('retry-after'))
  const userText = [text(err?.error_user_title), text(err?.error_user_msg)].filter(Boolean).join(': ')
  const dataDetails = isRecord(err?.error_data) ? text(err.error_data.details) : null
  return new TemplateGraphError(
    res.status,
    typeof err?.code === 'number' ? err.code : null,
    text(err?.message) ?? (raw.slice(0, 200) || `HTTP ${res.status}`),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    userText || dataDetails,
    typeof err?.error_subcode === 'number' ? err.error_subcode : null,
  )
}
