// The WhatsApp channel end to end inside one process: signed webhooks in through the real HTTP
// server, the processor, the media fetcher and the outbox sender against the fake Graph API.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { write } from '../../db/open'
import { startTestServer, type TestServer } from '../../../test/support/server'
import { WHATSAPP_FIXTURES } from '../../../test/support/fixtures'
import { envelope, textFrom, unix, wamid, whatsappRig, type WhatsAppRig } from '../../../test/support/whatsapp'

let s: TestServer
let wa: WhatsAppRig

const count = (sql: string) => s.ctx.db.query<{ n: number }, []>(sql).get()!.n
const ticketOf = (waId: string) => {
  const contact = s.ctx.stores.contacts.byKey(wa.channelId, waId)
  return contact ? s.ctx.stores.tickets.lastOfContact(contact.id) : null
}
const messagesOf = (waId: string) => s.ctx.stores.messages.ofTicket(ticketOf(waId)!.id)
const sent = () => wa.meta.state.messages

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
})
afterAll(async () => {
  await s.stop()
  await wa.meta.stop()
})

describe('receiving', () => {
  test('a bad or missing signature → 401 and nothing stored', async () => {
    const before = count('SELECT count(*) AS n FROM inbound_events')
    const body = envelope(wa.phoneNumberId, textFrom('5583911110000', 'oi'))
    expect((await wa.deliver(body, 'sha256=' + '0'.repeat(64))).status).toBe(401)
    expect((await wa.deliver(body, 'sha1=abc')).status).toBe(401)
    const res = await fetch(s.url + wa.webhookPath, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(401)
    expect(count('SELECT count(*) AS n FROM inbound_events')).toBe(before)
  })

  test('malformed JSON (correctly signed) → 400; oversized → 413; unknown webhook key → 404', async () => {
    const before = count('SELECT count(*) AS n FROM inbound_events')
    expect((await wa.deliver('{"object": "whatsapp_business_account", ')).status).toBe(400)
    expect((await wa.deliver(JSON.stringify({ object: 'page', entry: [] }))).status).toBe(400)
    expect((await wa.deliver('x'.repeat(5 * 1024 * 1024))).status).toBe(413)
    expect((await fetch(s.url + '/webhooks/whatsapp/' + 'n'.repeat(32), { method: 'POST', body: '{}' })).status).toBe(404)
    expect(count('SELECT count(*) AS n FROM inbound_events')).toBe(before)
  })

  test('a first message opens a ticket with a protocol, queues it in the sector, and tells the customer the protocol', async () => {
    const res = await wa.deliver(envelope(wa.phoneNumberId, textFrom('5583911112222', 'Olá, preciso de ajuda 😀 ção', 'Maria <b>Cliente</b>')))
    expect(res.status).toBe(200)
    await wa.until(() => ticketOf('5583911112222') !== null)
    const ticket = ticketOf('5583911112222')!
    expect(ticket.protocol).toMatch(/^\d{8}\d{6}$/)
    expect(ticket).toMatchObject({ status: 'queued', sector_id: wa.sectorId, contact_name: 'Maria <b>Cliente</b>' })
    expect(ticket.last_inbound_at).not.toBeNull()
    await wa.until(() => sent().some((m) => m.to === '+5583911112222'))
    const protocolMessage = sent().find((m) => m.to === '+5583911112222')!
    expect((protocolMessage.body.text as { body: string }).body).toBe(
      `Seu atendimento foi registrado com o protocolo ${ticket.protocol}. Em instantes um atendente vai falar com você.`,
    )
    await wa.until(() => messagesOf('5583911112222').some((m) => m.author === 'system' && m.status === 'sent'))
    const [first, second] = messagesOf('5583911112222')
    expect(first).toMatchObject({ direction: 'in', author: 'customer', type: 'text', text: 'Olá, preciso de ajuda 😀 ção', status: 'received' })
    expect(second).toMatchObject({ direction: 'out', author: 'system', status: 'sent' })
    expect(second.external_id).toStartWith('wamid.')
  })

  test('a redelivered message changes nothing; a second message continues the same ticket', async () => {
    const delivery = envelope(wa.phoneNumberId, textFrom('5583911113333', 'primeira'))
    await wa.deliver(delivery)
    await wa.deliver(delivery)
    await wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
    await wa.deliver(envelope(wa.phoneNumberId, textFrom('5583911113333', 'segunda')))
    await wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
    const texts = messagesOf('5583911113333').filter((m) => m.direction === 'in').map((m) => m.text)
    expect(texts).toEqual(['primeira', 'segunda'])
    expect(count(`SELECT count(*) AS n FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE c.external_key = '5583911113333'`)).toBe(1)
  })

  test('protocol numbers are unique and sequential within the day', async () => {
    const a = s.ctx.stores.protocols.next(Date.UTC(2026, 0, 2, 12), 'America/Sao_Paulo')
    const b = write(s.ctx.db, () => s.ctx.stores.protocols.next(Date.UTC(2026, 0, 2, 12), 'America/Sao_Paulo'))
    expect(a).toBe('20260102000001')
    expect(b).toBe('20260102000002')
    // Late evening in São Paulo is already the next day in UTC: the local day counts.
    expect(s.ctx.stores.protocols.next(Date.UTC(2026, 0, 3, 1), 'America/Sao_Paulo')).toStartWith('20260102')
  })

  test('a batch with several entries, changes, messages and statuses is handled whole', async () => {
    const change = (waId: string, bodies: string[]) => ({
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '558330000000', phone_number_id: wa.phoneNumberId },
        contacts: [{ profile: { name: waId }, wa_id: waId }],
        messages: bodies.map((b) => ({ from: waId, id: wamid(), timestamp: unix(), type: 'text', text: { body: b } })),
      },
    })
    const batch = {
      object: 'whatsapp_business_account',
      entry: [
        { id: 'W', changes: [change('5583900000001', ['a1', 'a2']), change('5583900000002', ['b1'])] },
        { id: 'W', changes: [change('5583900000003', ['c1', 'c2', 'c3']), change('5583900000001', ['a3'])] },
      ],
    }
    expect((await wa.deliver(batch)).status).toBe(200)
    await wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
    const inbound = (waId: string) => messagesOf(waId).filter((m) => m.direction === 'in').map((m) => m.text)
    expect(inbound('5583900000001')).toEqual(['a1', 'a2', 'a3'])
    expect(inbound('5583900000002')).toEqual(['b1'])
    expect(inbound('5583900000003')).toEqual(['c1', 'c2', 'c3'])
  })

  test('every fixture from Meta and pywa becomes a visible message (nothing dropped)', async () => {
    const dir = WHATSAPP_FIXTURES
    const expected: Record<string, string> = {
      'meta_text_message.json': 'text',
      'interactive_button_reply.json': 'interactive',
      'pywa_document.json': 'document',
      'pywa_list_reply.json': 'interactive',
      'pywa_media_with_url.json': 'image',
      'pywa_nfm_reply.json': 'interactive',
      'pywa_reaction.json': 'reaction',
      'pywa_referral.json': 'text',
      'pywa_reply.json': 'text',
      'pywa_template_quick_reply.json': 'button',
      'pywa_unsupported_with_type.json': 'unsupported',
      'pywa_voice.json': 'audio',
    }
    for (const [file, type] of Object.entries(expected)) {
      const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8'))
      const waId = `55839${String(Math.abs(hash(file))).slice(0, 8).padStart(8, '0')}`
      for (const entry of fixture.entry) {
        entry.id = 'WABA'
        for (const change of entry.changes) {
          change.value.metadata.phone_number_id = wa.phoneNumberId
          for (const c of change.value.contacts ?? []) c.wa_id = waId
          for (const m of change.value.messages ?? []) {
            m.id = wamid()
            m.from = waId
          }
        }
      }
      expect((await wa.deliver(fixture)).status).toBe(200)
      await wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
      const inbound = messagesOf(waId).filter((m) => m.direction === 'in')
      expect({ file, types: inbound.map((m) => m.type) }).toEqual({ file, types: [type] })
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(Object.keys(expected).length)
  })

  test('replies link to the quoted message, reactions attach to their target, edits and revokes change it', async () => {
    const waId = '5583911114444'
    const original = wamid()
    await wa.deliver(envelope(wa.phoneNumberId, { contacts: [{ profile: { name: 'R' }, wa_id: waId }], messages: [{ from: waId, id: original, timestamp: unix(), type: 'text', text: { body: 'original' } }] }))
    const reply = { from: waId, id: wamid(), timestamp: unix(), type: 'text', text: { body: 'respondendo' }, context: { from: waId, id: original } }
    const reaction = { from: waId, id: wamid(), timestamp: unix(), type: 'reaction', reaction: { message_id: original, emoji: '❤️' } }
    await wa.deliver(envelope(wa.phoneNumberId, { contacts: [{ profile: { name: 'R' }, wa_id: waId }], messages: [reply, reaction] }))
    await wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
    const target = s.ctx.stores.messages.byExternal(wa.channelId, original)!
    expect(s.ctx.stores.messages.byExternal(wa.channelId, reply.id)!.reply_to_id).toBe(target.id)
    expect(s.ctx.stores.messages.reactionsOf(target.id).map((r) => r.text)).toEqual(['❤️'])
    await wa.deliver(envelope(wa.phoneNumberId, { messages: [{ from: waId, id: wamid(), timestamp: unix(), type: 'revoke', revoke: { original_message_id: original } }] }))
    await wa.until(() => s.ctx.stores.messages.byExternal(wa.channelId, original)!.extra?.revoked === true)
  })
})

describe('statuses', () => {
  const outbound = async (waId: string) => {
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await wa.until(() => messagesOf(waId).some((m) => m.direction === 'out' && m.external_id))
    return messagesOf(waId).find((m) => m.direction === 'out')!
  }
  const status = (id: string, st: string, extra: Record<string, unknown> = {}) => ({ id, status: st, timestamp: unix(), recipient_id: '5583', ...extra })

  test('never move backwards when they arrive out of order; duplicates change nothing', async () => {
    const m = await outbound('5583922220001')
    await wa.deliver(envelope(wa.phoneNumberId, { statuses: [status(m.external_id!, 'read'), status(m.external_id!, 'delivered'), status(m.external_id!, 'read')] }))
    await wa.until(() => s.ctx.stores.inbound.pendingCount() === 0)
    expect(s.ctx.stores.messages.get(m.id)!.status).toBe('read')
  })

  test('failed keeps the provider’s code and title; a later delivered wins', async () => {
    const m = await outbound('5583922220002')
    const errors = [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'Message failed to send because more than 24 hours have passed' } }]
    await wa.deliver(envelope(wa.phoneNumberId, { statuses: [status(m.external_id!, 'failed', { errors })] }))
    await wa.until(() => s.ctx.stores.messages.get(m.id)!.status === 'failed')
    expect(s.ctx.stores.messages.get(m.id)).toMatchObject({ error_code: 131047, error_title: 'Re-engagement message' })
    await wa.deliver(envelope(wa.phoneNumberId, { statuses: [status(m.external_id!, 'delivered')] }))
    await wa.until(() => s.ctx.stores.messages.get(m.id)!.status === 'delivered')
  })

  test('a status that arrives before the send stored the wamid is applied when it appears', async () => {
    const waId = '5583922220003'
    // Hold the send long enough for the status to arrive first.
    await wa.fake('/_fake/faults', { path: '/*/*/messages', delay_ms: 400 })
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await wa.until(() => sent().some((x) => x.to === `+${waId}`))
    const accepted = sent().find((x) => x.to === `+${waId}`)!
    await wa.deliver(envelope(wa.phoneNumberId, { statuses: [status(accepted.wamid, 'delivered')] }))
    await wa.until(() => messagesOf(waId).some((x) => x.external_id === accepted.wamid && x.status === 'delivered'))
  })
})

describe('media', () => {
  test('an image is downloaded from the Graph API, checked and stored content-addressed', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
    const media = (await wa.fake('/_fake/media', { mime_type: 'image/png', data_base64: png.toString('base64'), phone_number_id: wa.phoneNumberId })) as { id: string; sha256: string; sha256_base64: string }
    const waId = '5583933330001'
    await wa.deliver(envelope(wa.phoneNumberId, { contacts: [{ profile: { name: 'M' }, wa_id: waId }], messages: [{ from: waId, id: wamid(), timestamp: unix(), type: 'image', image: { id: media.id, mime_type: 'image/png', sha256: media.sha256_base64, caption: 'foto' } }] }))
    await wa.until(() => {
      const m = messagesOf(waId)[0]
      return m?.media_id !== null && s.ctx.stores.media.get(m.media_id!)?.status === 'ready'
    })
    const m = messagesOf(waId)[0]
    const row = s.ctx.stores.media.get(m.media_id!)!
    expect(row).toMatchObject({ sha256: media.sha256, size: png.length, mime_type: 'image/png' })
    expect(m.text).toBe('foto')
    expect(readFileSync(join(s.ctx.mediaDir, media.sha256.slice(0, 2), media.sha256))).toEqual(png)
  })

  test('a download that keeps failing ends as failed (mídia indisponível) and can be retried', async () => {
    const media = (await wa.fake('/_fake/media', { mime_type: 'image/jpeg', data_base64: Buffer.from('ffd8ffe000104a464946', 'hex').toString('base64'), phone_number_id: wa.phoneNumberId })) as { id: string }
    await wa.fake('/_fake/faults', { path: `/*/${media.id}`, count: 50, status: 500, error: { code: 2, message: 'Service temporarily unavailable' } })
    const waId = '5583933330002'
    await wa.deliver(envelope(wa.phoneNumberId, { contacts: [{ profile: { name: 'M' }, wa_id: waId }], messages: [{ from: waId, id: wamid(), timestamp: unix(), type: 'image', image: { id: media.id, mime_type: 'image/jpeg' } }] }))
    await wa.until(() => messagesOf(waId)[0]?.media_id != null)
    const mediaId = messagesOf(waId)[0].media_id!
    // Skip the backoff waits: make the retry due now, five times.
    for (let i = 0; i < 6 && s.ctx.stores.media.get(mediaId)!.status === 'pending'; i++) {
      write(s.ctx.db, () => s.ctx.db.query('UPDATE media SET next_attempt_at = 0 WHERE id = ?').run(mediaId))
      const attempts = s.ctx.stores.media.get(mediaId)!.attempts
      s.ctx.wake.media()
      await wa.until(() => s.ctx.stores.media.get(mediaId)!.attempts > attempts || s.ctx.stores.media.get(mediaId)!.status !== 'pending')
    }
    expect(s.ctx.stores.media.get(mediaId)).toMatchObject({ status: 'failed' })
    await wa.fake('/_fake/faults', undefined, 'DELETE')
    expect(write(s.ctx.db, () => s.ctx.stores.media.requeue(mediaId))).toBe(true)
    s.ctx.wake.media()
    await wa.until(() => s.ctx.stores.media.get(mediaId)!.status === 'ready')
  })
})

describe('sending through the outbox', () => {
  /** The customer writes and gets the protocol message; then `faults` are armed and an agent answers. */
  const agentMessage = async (waId: string, text: string, faults?: Record<string, unknown>) => {
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await wa.until(() => messagesOf(waId).some((m) => m.author === 'system' && m.status === 'sent'))
    // Armed only now, so they hit the agent's message and not the protocol message before it.
    if (faults) await wa.fake('/_fake/faults', faults)
    const { queueOutbound } = await import('../../desk/outbound')
    return queueOutbound(s.ctx, ticketOf(waId)!, { author: 'agent', author_id: null, type: 'text', text })
  }

  test('5xx and 429 are retried with backoff and the message goes out exactly once', async () => {
    const before = sent().length
    const m = await agentMessage('5583944440001', 'tentando', { path: '/*/*/messages', count: 2, status: 503, error: { code: 2, message: 'Service temporarily unavailable' } })
    await wa.until(() => s.ctx.stores.messages.get(m.id)!.status === 'sent', 10_000)
    expect(sent().filter((x) => (x.body.text as { body?: string })?.body === 'tentando')).toHaveLength(1)
    expect(s.ctx.stores.outbox.ofMessage(m.id)).toMatchObject({ status: 'done', attempts: 3 }) // two 503s, then the send
    expect(sent().length).toBe(before + 2) // the protocol message and this one
  }, 20_000) // two backoff waits (~1 s and ~2 s, with jitter) on a busy machine

  test('a permanent error fails the message with Meta’s code, never retried', async () => {
    await wa.deliver(envelope(wa.phoneNumberId, textFrom('5583944440002', 'oi')))
    await wa.until(() => messagesOf('5583944440002').some((m) => m.author === 'system' && m.status === 'sent'))
    await wa.fake('/_fake/faults', { path: '/*/*/messages', count: 1, status: 400, error: { code: 131026, message: 'Message Undeliverable' } })
    const { queueOutbound } = await import('../../desk/outbound')
    const m = queueOutbound(s.ctx, ticketOf('5583944440002')!, { author: 'agent', type: 'text', text: 'vai falhar' })
    await wa.until(() => s.ctx.stores.messages.get(m.id)!.status === 'failed')
    expect(s.ctx.stores.messages.get(m.id)).toMatchObject({ error_code: 131026 })
    expect(s.ctx.stores.outbox.ofMessage(m.id)).toMatchObject({ status: 'failed', attempts: 1 })
    // The API gives the reason in Portuguese, and Meta's own words beside it.
    const { messageJson } = await import('../../desk/json')
    expect(messageJson(s.ctx.stores.messages.get(m.id)!, null).error).toEqual({
      code: 131026,
      title: 'Message Undeliverable',
      message: 'Mensagem não entregue — o número pode não ter WhatsApp, estar desatualizado ou não ter aceitado os termos',
      details: 'Message Undeliverable',
    })
  })

  test('an expired token pauses the channel: messages wait (queued), nothing fails', async () => {
    await wa.deliver(envelope(wa.phoneNumberId, textFrom('5583944440003', 'oi')))
    await wa.until(() => messagesOf('5583944440003').some((m) => m.author === 'system' && m.status === 'sent'))
    await wa.fake('/_fake/faults', { path: '/*/*/messages', count: 1, status: 401, error: { code: 190, message: 'Error validating access token' } })
    const { queueOutbound } = await import('../../desk/outbound')
    const m = queueOutbound(s.ctx, ticketOf('5583944440003')!, { author: 'agent', type: 'text', text: 'em espera' })
    await wa.until(() => s.ctx.stores.channels.get(wa.channelId)!.status === 'paused')
    expect(s.ctx.stores.messages.get(m.id)!.status).toBe('queued')
    expect(s.ctx.stores.channels.get(wa.channelId)!.status_reason).toContain('token')
    write(s.ctx.db, () => s.ctx.stores.channels.setStatus(wa.channelId, 'active', null))
    s.ctx.wake.outbox()
    await wa.until(() => s.ctx.stores.messages.get(m.id)!.status === 'sent')
  })

  test('messages of one ticket go out in the order they were written', async () => {
    const waId = '5583944440004'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await wa.until(() => messagesOf(waId).some((m) => m.author === 'system' && m.status === 'sent'))
    await wa.fake('/_fake/faults', { path: '/*/*/messages', count: 1, status: 500, error: { code: 1, message: 'unknown' } })
    const { queueOutbound } = await import('../../desk/outbound')
    const t = ticketOf(waId)!
    for (const text of ['um', 'dois', 'três']) queueOutbound(s.ctx, t, { author: 'agent', type: 'text', text })
    await wa.until(() => messagesOf(waId).filter((m) => m.author === 'agent' && m.status === 'sent').length === 3, 10_000)
    const order = sent().filter((x) => x.to === `+${waId}` && ['um', 'dois', 'três'].includes((x.body.text as { body: string }).body)).map((x) => (x.body.text as { body: string }).body)
    expect(order).toEqual(['um', 'dois', 'três'])
  }, 20_000)

  test('outside the 24-hour window free text is refused with 409 whatsapp_window_closed', async () => {
    const waId = '5583944440005'
    await wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, 'oi')))
    await wa.until(() => ticketOf(waId) !== null)
    write(s.ctx.db, () => s.ctx.db.query('UPDATE tickets SET last_inbound_at = ? WHERE id = ?').run(Date.now() - 25 * 3600_000, ticketOf(waId)!.id))
    const { queueOutbound } = await import('../../desk/outbound')
    let error: unknown
    try {
      queueOutbound(s.ctx, ticketOf(waId)!, { author: 'agent', type: 'text', text: 'tarde demais' })
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ status: 409, code: 'whatsapp_window_closed' })
    expect(messagesOf(waId).some((m) => m.text === 'tarde demais')).toBe(false)
  })
})

function hash(s: string): number {
  let h = 0
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0
  return h
}
