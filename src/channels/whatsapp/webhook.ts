// The WhatsApp webhook (whatsapp.md §1): GET is Meta's verification handshake; POST is a delivery.
// A delivery is checked (signature over the exact bytes, then JSON) and stored as received; only
// after that commit is it acknowledged with 200. Processing happens afterwards, from the store.
import { Elysia } from 'elysia'
import type { Context } from '../../context'
import { GroupCommit } from '../../db/group-commit'
import { safeEqual } from '../../http/tokens'
import type { WhatsAppSecrets } from '../store'
import { DeliveryShapeError, parseDelivery } from './parse'
import { verifySignature } from './signature'

const text = (body: string, status: number) => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })

export function whatsappWebhook(ctx: Context) {
  // Concurrent deliveries are made durable together (one fsync per burst, not per delivery).
  const store = new GroupCommit(ctx.db, (d: { channelId: number; raw: Uint8Array }) => ctx.stores.inbound.insert(d.channelId, d.raw))
  const channelFor = (key: string) => {
    const channel = /^[A-Za-z0-9_-]{16,64}$/.test(key) ? ctx.stores.channels.byWebhookKey(key) : null
    return channel?.type === 'whatsapp' && channel.active ? channel : null
  }

  return new Elysia()
    .get('/webhooks/whatsapp/:key', ({ params, query }) => {
      const channel = channelFor(params.key)
      const mode = query['hub.mode']
      const token = query['hub.verify_token']
      const challenge = query['hub.challenge']
      if (!channel || mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string') return text('forbidden', 403)
      const { verify_token } = ctx.stores.channels.secrets<WhatsAppSecrets>(channel.id)
      if (!verify_token || !safeEqual(token, verify_token)) return text('forbidden', 403)
      ctx.log.info({ channel_id: channel.id }, 'whatsapp webhook verified')
      return text(challenge, 200)
    })
    .post(
      '/webhooks/whatsapp/:key',
      async ({ params, request }) => {
        const channel = channelFor(params.key)
        if (!channel) return text('not found', 404)
        const raw = new Uint8Array(await request.arrayBuffer())
        const { app_secret } = ctx.stores.channels.secrets<WhatsAppSecrets>(channel.id)
        // Verify before parsing, over the exact bytes received.
        if (!app_secret || !verifySignature(app_secret, raw, request.headers.get('x-hub-signature-256'))) {
          ctx.log.warn({ channel_id: channel.id }, 'whatsapp webhook: bad signature')
          return text('invalid signature', 401)
        }
        let body: unknown
        try {
          body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
        } catch {
          return text('malformed JSON', 400)
        }
        // A delivery the processor would refuse as a whole (not a WABA delivery, no entry array) is
        // refused here, not stored: acknowledged, it would only fail in processing. Anything inside
        // the entries is the processor's business (unknown fields are accepted, forward compatible).
        const problem = shapeProblem(body)
        if (problem) {
          ctx.log.warn({ channel_id: channel.id, problem }, 'whatsapp webhook: malformed delivery')
          return text(problem, 400)
        }
        // Durable first (synchronous=FULL): once this commits, the delivery survives a crash. If the
        // write fails (disk full…) the error answers 5xx and Meta retries later.
        const id = await store.submit({ channelId: channel.id, raw })
        ctx.log.info({ channel_id: channel.id, inbound_event: id, bytes: raw.byteLength }, 'whatsapp webhook stored')
        ctx.wake.inbound()
        return text('ok', 200)
      },
      { parse: 'none' },
    )
}

/** Why the parser refuses this delivery as a whole, or null. parseDelivery throws nothing else (fuzzed). */
function shapeProblem(body: unknown): string | null {
  try {
    parseDelivery(body)
    return null
  } catch (err) {
    if (err instanceof DeliveryShapeError) return err.message.slice(0, 200) // it may quote what was sent
    throw err
  }
}
