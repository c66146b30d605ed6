// A WhatsApp channel wired to the fake Graph API, and a way to deliver signed webhooks to it.
import { signBody } from '../../src/channels/whatsapp/signature'
import { write } from '../../src/db/open'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import type { TestServer } from './server'

export interface WhatsAppRig {
  meta: FakeMeta
  channelId: number
  sectorId: number
  phoneNumberId: string
  appSecret: string
  webhookPath: string
  /** POSTs `payload` (object or exact string) signed with the app secret. */
  deliver(payload: unknown, signature?: string): Promise<Response>
  /** Waits until `check` is true (polling), or throws. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>
  fake(path: string, body?: unknown, method?: string): Promise<unknown>
  /** Makes the fake number answer our sends like a phone: these statuses, by signed webhook to the server, `delayMs` apart. */
  answerLikeAPhone(statuses: string[], delayMs: number): Promise<unknown>
}

let seq = 0

export async function whatsappRig(s: TestServer, o: { meta?: FakeMeta } = {}): Promise<WhatsAppRig> {
  const meta = o.meta ?? startFakeMeta()
  const n = ++seq
  const phoneNumberId = `10${Date.now() % 1e9}${n}`
  const appSecret = `app-secret-${n}`
  const accessToken = `EAAG-token-${n}`
  const fake = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await fetch(meta.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    return res.json().catch(() => null)
  }
  await fake('/_fake/numbers', { phone_number_id: phoneNumberId, waba_id: `20${n}`, access_token: accessToken, display_phone_number: '+55 83 3000-0000', verified_name: 'Loja Teste' })
  const webhookKey = `wh${n}${'x'.repeat(30)}`
  const { sectorId, channelId } = write(s.ctx.db, () => {
    const sectorId = s.ctx.stores.sectors.create({ name: `WhatsApp ${n}`, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false })
    const channelId = s.ctx.stores.channels.create({
      type: 'whatsapp',
      name: `Loja ${n}`,
      sector_id: sectorId,
      bot_flow_id: null,
      webhook_key: webhookKey,
      settings: { phone_number_id: phoneNumberId, waba_id: `20${n}`, graph_base_url: meta.url, graph_version: 'v24.0' },
      secrets: { access_token: accessToken, app_secret: appSecret, verify_token: `verify-${n}` },
      lookup_key: phoneNumberId,
    })
    return { sectorId, channelId }
  })
  const webhookPath = `/webhooks/whatsapp/${webhookKey}`
  return {
    answerLikeAPhone: (statuses, delayMs) =>
      fake('/_fake/numbers', {
        phone_number_id: phoneNumberId,
        waba_id: `20${n}`,
        access_token: accessToken,
        display_phone_number: '+55 83 3000-0000',
        webhook_url: s.url + webhookPath,
        app_secret: appSecret,
        auto_statuses: statuses,
        status_delay_ms: delayMs,
      }),
    meta,
    channelId,
    sectorId,
    phoneNumberId,
    appSecret,
    webhookPath,
    async deliver(payload, signature) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload)
      const res = await fetch(s.url + webhookPath, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature ?? signBody(appSecret, body) }, body })
      // The 200 goes out before the delivery is processed (src/channels/processor.ts): give the
      // processor its turn, so a test reads what Meta's delivery led to (a delivery that keeps
      // failing stays pending: stop waiting after a moment).
      if (res.ok) for (let i = 0; i < 100 && s.ctx.stores.inbound.pendingCount() > 0; i++) await Bun.sleep(10)
      return res
    },
    async until(check, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (!check()) {
        if (Date.now() > deadline) throw new Error('condition not met in time')
        await Bun.sleep(20)
      }
    },
    fake,
  }
}

/** A Meta-shaped delivery with the given messages/statuses for one number. */
export function envelope(phoneNumberId: string, value: { messages?: unknown[]; statuses?: unknown[]; contacts?: unknown[] }) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '558330000000', phone_number_id: phoneNumberId }, ...value },
          },
        ],
      },
    ],
  }
}

let wamidSeq = 0
export const wamid = () => `wamid.TEST${Date.now()}${++wamidSeq}`
export const unix = (ms = Date.now()) => String(Math.floor(ms / 1000))

export function textFrom(waId: string, body: string, name = 'Maria Cliente', extra: Record<string, unknown> = {}) {
  return {
    contacts: [{ profile: { name }, wa_id: waId }],
    messages: [{ from: waId, id: wamid(), timestamp: unix(), type: 'text', text: { body }, ...extra }],
  }
}
