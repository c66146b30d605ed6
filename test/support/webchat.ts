// A web-chat channel on a test server, and a visitor that talks the widget's protocol
// (src/channels/webchat/protocol.ts) from a given Origin.
import { createWebchatChannel, type WebchatInput } from '../../src/channels/webchat/settings'
import { write } from '../../src/db/open'
import type { TestServer } from './server'

export const ORIGIN = 'https://loja.example'

export interface WebchatRig {
  channelId: number
  sectorId: number
  key: string
  visitor(o?: { origin?: string | null }): Visitor
}

let seq = 0

export function webchatRig(s: TestServer, o: { settings?: WebchatInput; sectorId?: number; bot?: boolean } = {}): WebchatRig {
  const n = ++seq
  const sectorId =
    o.sectorId ??
    write(s.ctx.db, () => s.ctx.stores.sectors.create({ name: `Site ${n}`, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  const channel = createWebchatChannel(
    s.ctx,
    null,
    { type: 'webchat', name: `Chat ${n}`, allowed_origins: [ORIGIN], sector_id: sectorId, ...(o.bot ? {} : { bot_flow_id: null }), ...o.settings },
    null,
  )
  const key = String(channel.settings.channel_key)
  return { channelId: channel.id, sectorId, key, visitor: (v = {}) => new Visitor(s.url, key, v.origin === undefined ? ORIGIN : v.origin) }
}

export class Visitor {
  token: string | null = null
  constructor(
    public base: string,
    public key: string,
    public origin: string | null,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.origin ? { origin: this.origin } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra }
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.base}/webchat/${this.key}${path}`, { ...init, headers: this.headers(init.headers as Record<string, string>) })
  }

  post(path: string, body: unknown): Promise<Response> {
    return this.fetch(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  }

  /** Starts a session (name + consent) and keeps the token. */
  async start(over: Record<string, unknown> = {}): Promise<this> {
    const res = await this.post('/sessions', { name: 'Maria Visitante', consent: true, page_url: 'https://loja.example/produtos/42', locale: 'pt-BR', ...over })
    if (res.status !== 201) throw new Error(`session: ${res.status} ${await res.text()}`)
    this.token = ((await res.json()) as { visitor_token: string }).visitor_token
    return this
  }

  async say(text: string): Promise<{ id: number; [k: string]: unknown }> {
    const res = await this.post('/messages', { text })
    if (res.status !== 201) throw new Error(`message: ${res.status} ${await res.text()}`)
    return res.json() as Promise<{ id: number }>
  }

  async messages(): Promise<Array<Record<string, unknown> & { id: number }>> {
    const res = await this.fetch('/messages')
    if (res.status !== 200) throw new Error(`messages: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { data: Array<Record<string, unknown> & { id: number }> }).data
  }

  events(lastEventId?: string | number): Promise<Response> {
    const q = new URLSearchParams({ token: this.token ?? '' })
    if (lastEventId !== undefined) q.set('last_event_id', String(lastEventId))
    const headers: Record<string, string> = this.origin ? { origin: this.origin } : {}
    return fetch(`${this.base}/webchat/${this.key}/events?${q}`, { headers })
  }
}
