// The outbox worker for WhatsApp: sends due rows (in order per ticket), records the wamid, and
// decides on failures by Meta's code (whatsapp.md §4): retry with backoff and jitter, retry slowly
// (pair rate limit), pause the channel (token/permission/lock problems — messages wait, nothing
// fails), or fail the message for good with the reason the agent will read.
//
// Different tickets are sent concurrently (up to OUTBOX_CONCURRENCY calls in flight), so one Graph
// call that hangs until its timeout holds only its own ticket. Order per ticket needs nothing more
// here: the store only ever gives out a ticket's oldest unfinished row, and a row stays unfinished
// ('sending', or 'pending' for its retry) until its call is over.
import { readFileSync } from 'node:fs'
import type { Context } from '../../context'
import { write } from '../../db/open'
import { mediaPath } from '../../desk/media-files'
import type { Message } from '../../desk/messages-store'
import type { OutboxRow } from '../outbox-store'
import type { Channel, WhatsAppSecrets, WhatsAppSettings } from '../store'
import { startLoop, type WorkerLoop } from '../worker-loop'
import { classifyGraphError, explainGraphError } from './errors'
import { GraphError, graphClient, type GraphClient } from './graph'
import { applyPendingStatuses, recordMessageUpdated } from './statuses'

/** Retry for about a day before giving up on a message (Meta outages can last hours). */
export const OUTBOX_MAX_ATTEMPTS = 30
const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker'])

/** 1 s, 2 s, 4 s … capped at 5 min, ±20 % jitter; a Retry-After from Meta wins when longer. */
export function backoffMs(attempt: number, retryAfterS: number | null = null, slow = false): number {
  const base = slow ? 4 ** Math.min(attempt, 6) * 1000 : Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1))
  const jittered = base * (0.8 + Math.random() * 0.4)
  return Math.round(Math.max(jittered, (retryAfterS ?? 0) * 1000))
}

/** Graph calls in flight at once, each for a different ticket. */
export const OUTBOX_CONCURRENCY = 8

export function startOutboxSender(ctx: Context): WorkerLoop {
  recoverInterrupted(ctx)
  const inFlight = new Set<Promise<void>>()
  const loop = startLoop(
    'outbox',
    ctx.log,
    async () => {
      const room = OUTBOX_CONCURRENCY - inFlight.size
      if (room <= 0) return false // a send that finishes wakes the loop
      for (const row of ctx.stores.outbox.due(Date.now(), room)) {
        // sendOne claims the row before its first await, so the next due() no longer sees it.
        const sending: Promise<void> = sendOne(ctx, row)
          .catch((err) => ctx.log.error({ err, outbox: row.id }, 'outbox send crashed'))
          .finally(() => {
            inFlight.delete(sending)
            ctx.hub.wake()
            loop.wake() // room for the next row, and this ticket's next message may be due now
          })
        inFlight.add(sending)
      }
      return false
    },
    1000,
  )
  return {
    wake: loop.wake,
    async stop() {
      await loop.stop()
      // The database closes after the workers stop: let the calls in flight record their outcome.
      await Promise.allSettled([...inFlight])
    },
  }
}

/**
 * Rows left 'sending' by a crash: the call may have reached Meta or not. Resending could deliver
 * twice, so the message is shown failed ("envio interrompido") and the agent decides to retry.
 */
function recoverInterrupted(ctx: Context) {
  for (const row of ctx.stores.outbox.stuck()) {
    write(ctx.db, () => {
      ctx.stores.outbox.markFailed(row.id, 'interrupted by a restart')
      if (row.message_id && row.kind === 'send') {
        const m = ctx.stores.messages.get(row.message_id)
        if (m && !m.external_id) {
          ctx.stores.messages.setStatus(m.id, 'failed', { code: null, title: 'interrupted', message: 'Envio interrompido por uma reinicialização — confira com o cliente antes de reenviar.' })
          recordMessageUpdated(ctx, m.id)
        }
      }
    })
  }
}

async function sendOne(ctx: Context, row: OutboxRow) {
  if (!write(ctx.db, () => ctx.stores.outbox.claim(row.id))) return
  const channel = ctx.stores.channels.get(row.channel_id)!
  const message = row.message_id ? ctx.stores.messages.get(row.message_id) : null
  try {
    const client = graphClient(channel.settings as unknown as WhatsAppSettings, ctx.stores.channels.secrets<WhatsAppSecrets>(channel.id).access_token)
    if (row.kind === 'mark_read') {
      if (message?.external_id) await client.markRead(message.external_id)
      write(ctx.db, () => ctx.stores.outbox.markDone(row.id))
      return
    }
    if (!message) throw new Error(`outbox row ${row.id} has no message`)
    const payload = await payloadFor(ctx, client, message)
    const wamid = await client.send(payload)
    write(ctx.db, () => {
      ctx.stores.outbox.markDone(row.id)
      ctx.stores.messages.setExternalId(message.id, wamid)
      ctx.stores.messages.setStatus(message.id, 'sent')
      recordMessageUpdated(ctx, message.id)
      applyPendingStatuses(ctx, ctx.stores.messages.get(message.id)!)
    })
  } catch (err) {
    handleFailure(ctx, row, channel, message, err)
  }
}

function handleFailure(ctx: Context, row: OutboxRow, channel: Channel, message: Message | null, err: unknown) {
  const g = err instanceof GraphError ? err : new GraphError(null, null, err instanceof Error ? err.message : String(err))
  const action = classifyGraphError(g.status, g.code)
  ctx.log.warn({ outbox: row.id, status: g.status, code: g.code, action, attempt: row.attempts + 1 }, 'whatsapp send failed')
  write(ctx.db, () => {
    if (action === 'channel') {
      // The number itself is broken (token, permission, lock): hold everything, alert admins.
      ctx.stores.channels.setStatus(channel.id, 'paused', explainGraphError(g.code ?? 190, ctx.config.defaultLanguage))
      ctx.stores.outbox.retryAt(row.id, Date.now(), g.message)
      return
    }
    const giveUp = action === 'permanent' || row.attempts + 1 >= OUTBOX_MAX_ATTEMPTS
    if (!giveUp) {
      ctx.stores.outbox.retryAt(row.id, Date.now() + backoffMs(row.attempts + 1, g.retryAfterS, action === 'retry_slowly'), g.message)
      return
    }
    ctx.stores.outbox.markFailed(row.id, g.message)
    if (message && row.kind === 'send') {
      ctx.stores.messages.setStatus(message.id, 'failed', { code: g.code, title: g.status ? g.message : 'network', message: g.details ?? g.message })
      recordMessageUpdated(ctx, message.id)
    }
  })
}

/** The Graph API body for a message (whatsapp.md §4). Media is uploaded first, once per file. */
async function payloadFor(ctx: Context, client: GraphClient, m: Message): Promise<Record<string, unknown>> {
  const t = ctx.stores.tickets.get(m.ticket_id)!
  if (!/^\d{6,20}$/.test(t.contact_key)) throw new GraphError(400, 131009, 'the contact has no phone number to send to')
  const payload: Record<string, unknown> = { messaging_product: 'whatsapp', recipient_type: 'individual', to: `+${t.contact_key}` }
  const quoted = m.reply_to_id ? ctx.stores.messages.get(m.reply_to_id) : null
  if (quoted?.external_id) payload.context = { message_id: quoted.external_id }
  if (m.type === 'text') return { ...payload, type: 'text', text: { body: m.text ?? '', preview_url: false } }
  if (m.type === 'template' && m.extra?.template) return { ...payload, type: 'template', template: m.extra.template }
  // The bot's menus and questions: reply buttons or a list, the Graph object as built (src/bot/render.ts).
  if (m.type === 'interactive' && m.direction === 'out' && m.extra?.interactive) return { ...payload, type: 'interactive', interactive: m.extra.interactive }
  if (MEDIA_TYPES.has(m.type) && m.media_id) {
    const media = ctx.stores.media.get(m.media_id)!
    let providerId = media.provider_media_id
    if (!providerId) {
      const bytes = new Uint8Array(readFileSync(mediaPath(ctx, media.sha256!)))
      providerId = await client.upload(bytes, media.mime_type, media.filename ?? 'arquivo')
      write(ctx.db, () => ctx.stores.media.setProviderId(media.id, providerId!))
    }
    const body: Record<string, unknown> = { id: providerId }
    if (m.text && m.type !== 'audio' && m.type !== 'sticker') body.caption = m.text
    if (m.type === 'document' && media.filename) body.filename = media.filename
    return { ...payload, type: m.type, [m.type]: body }
  }
  throw new GraphError(400, 131009, `cannot send a message of type ${m.type}`)
}
