// Surveys over WhatsApp end to end: signed webhooks into the real server, an agent closing through
// the API, the outbox sending to the fake Graph API (which checks list/button limits like Meta),
// and the customer answering by tapping, by typing, out of range, late, with a comment — or writing
// something else, which opens a ticket as usual.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { SentMessage } from '../../scripts/fake-meta'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, textFrom, unix, wamid, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'
import type { User } from '../admin/users-store'
import { write } from '../db/open'
import { closeTicket, REOPEN_WINDOW_SETTING } from '../desk/actions'
import type { Ticket } from '../desk/tickets-store'
import { answerSurvey } from './answer'
import type { ChannelKind, Survey, SurveyKind } from './store'

let s: TestServer
let wa: WhatsAppRig
let agent: User
let agentToken: string
let waSeq = 0

type Interactive = { type: string; body: { text: string }; action: { button?: string; buttons?: { reply: { id: string; title: string } }[]; sections?: { rows: { id: string; title: string }[] }[] } }
const bodyOf = (m: SentMessage) => m.body as { type: string; text?: { body: string }; interactive?: Interactive }
const sentTo = (waId: string) => wa.meta.state.messages.filter((m) => m.to === `+${waId}`).map(bodyOf)
const contactOf = (waId: string) => s.ctx.stores.contacts.byKey(wa.channelId, waId)!
const lastTicket = (waId: string) => s.ctx.stores.tickets.lastOfContact(contactOf(waId).id)!
const surveyOf = (ticketId: number): Survey => s.ctx.stores.surveys.lastOfTicket(ticketId)!

function setChannelKind(kind: ChannelKind, o: { comment_question?: string | null; window_hours?: number } = {}) {
  write(s.ctx.db, () => s.ctx.stores.surveys.saveChannel(wa.channelId, { kind, question: null, comment_question: o.comment_question ?? null, window_hours: o.window_hours ?? 24, thanks: null }, Date.now()))
}

const tap = (waId: string, kind: 'button_reply' | 'list_reply', id: string, title: string) =>
  wa.deliver(
    envelope(wa.phoneNumberId, {
      contacts: [{ profile: { name: 'Maria Cliente' }, wa_id: waId }],
      messages: [{ from: waId, id: wamid(), timestamp: unix(), type: 'interactive', interactive: { type: kind, [kind]: { id, title } } }],
    }),
  )
const say = (waId: string, text: string) => wa.deliver(envelope(wa.phoneNumberId, textFrom(waId, text)))

/** A customer writes, the agent takes the ticket and closes it through the API; the survey goes out. */
async function closedWithSurvey(): Promise<{ waId: string; ticket: Ticket; survey: Survey; interactive: Interactive }> {
  const waId = `55839${String(++waSeq).padStart(8, '0')}`
  expect((await say(waId, 'Oi, preciso de ajuda')).status).toBe(200)
  await wa.until(() => s.ctx.stores.contacts.byKey(wa.channelId, waId) !== null && lastTicket(waId) !== null)
  const t = lastTicket(waId)
  write(s.ctx.db, () => s.ctx.stores.tickets.assign(t.id, agent.id, Date.now()))
  const res = await fetch(`${s.url}/api/v1/tickets/${t.id}/close`, { method: 'POST', headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' }, body: '{}' })
  expect(res.status).toBe(200)
  await wa.until(() => sentTo(waId).some((m) => m.type === 'interactive'))
  const interactive = sentTo(waId).find((m) => m.type === 'interactive')!.interactive!
  return { waId, ticket: s.ctx.stores.tickets.get(t.id)!, survey: surveyOf(t.id), interactive }
}

const texts = (waId: string) => sentTo(waId).filter((m) => m.type === 'text').map((m) => m.text!.body)
async function nthText(waId: string, n: number) {
  await wa.until(() => texts(waId).length >= n)
  return texts(waId)[n - 1]
}
const ticketJson = async (id: number) =>
  (await (await fetch(`${s.url}/api/v1/tickets/${id}`, { headers: { authorization: `Bearer ${agentToken}` } })).json()) as { status: string; survey: { kind: string; score: number | null; comment: string | null; sent_at: string | null; answered_at: string | null } | null }

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
  const seeded = await seedUser(s.ctx, { email: 'agente@example.com', profile: 'agent', sector_ids: [wa.sectorId] })
  agent = seeded.user
  agentToken = seeded.token
})
afterAll(async () => {
  await s.stop()
  await wa.meta.stop()
})

describe('sending at close', () => {
  test('CSAT goes out as a WhatsApp list (5 rows) with extra.survey for other channels; the ticket shows it sent', async () => {
    setChannelKind('csat')
    const { ticket, survey, interactive } = await closedWithSurvey()
    expect(interactive.type).toBe('list')
    expect(interactive.action.button).toBe('Responder')
    expect(interactive.action.sections![0].rows.map((r) => r.title)).toEqual(['1 · Muito insatisfeito', '2 · Insatisfeito', '3 · Neutro', '4 · Satisfeito', '5 · Muito satisfeito'])
    expect(interactive.body.text).toContain('Como você avalia o atendimento')
    expect(survey).toMatchObject({ kind: 'csat', status: 'sent', score: null, agent_id: agent.id, sector_id: wa.sectorId })
    expect(survey.expires_at - survey.sent_at).toBe(24 * 3_600_000)
    const message = s.ctx.stores.messages.get(survey.message_id!)!
    expect(message).toMatchObject({ type: 'interactive', author: 'system', direction: 'out' })
    expect(message.extra?.survey).toMatchObject({ kind: 'csat', comment_question: null, options: expect.arrayContaining([{ id: `survey:${survey.id}:5`, title: '5 · Muito satisfeito' }]) })
    const json = await ticketJson(ticket.id)
    expect(json.status).toBe('closed')
    expect(json.survey).toMatchObject({ kind: 'csat', score: null, comment: null, answered_at: null })
    expect(json.survey!.sent_at).toBeString()
  })

  test('NPS (11 options) → a list of 1–10 that asks to type 0; CES → a list of 7', async () => {
    setChannelKind('nps')
    const nps = await closedWithSurvey()
    expect(nps.interactive.action.sections![0].rows.map((r) => r.title)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10 · Muito provável'])
    expect(nps.interactive.body.text).toContain('digite um número de 0 a 10')
    expect((s.ctx.stores.messages.get(nps.survey.message_id!)!.extra!.survey as { options: unknown[] }).options).toHaveLength(11)
    setChannelKind('ces')
    const ces = await closedWithSurvey()
    expect(ces.interactive.action.sections![0].rows).toHaveLength(7)
    expect(ces.interactive.action.sections![0].rows[6].title).toBe('7 · Muito fácil')
  })

  test('channel on "inherit" uses the sector\'s kind; "none" on the channel sends nothing', async () => {
    setChannelKind('inherit')
    write(s.ctx.db, () => s.ctx.stores.surveys.saveSector(wa.sectorId, 'ces', { question: 'Foi fácil?', comment_question: null, window_hours: 2, thanks: null }, Date.now()))
    const { survey, interactive } = await closedWithSurvey()
    expect(survey).toMatchObject({ kind: 'ces', question: 'Foi fácil?' })
    expect(survey.expires_at - survey.sent_at).toBe(2 * 3_600_000)
    expect(interactive.body.text).toStartWith('Foi fácil?')

    setChannelKind('none')
    const waId = '5583988880001'
    await say(waId, 'oi')
    await wa.until(() => s.ctx.stores.contacts.byKey(wa.channelId, waId) !== null && lastTicket(waId) !== null)
    const t = lastTicket(waId)
    write(s.ctx.db, () => s.ctx.stores.tickets.assign(t.id, agent.id, Date.now()))
    closeTicket(s.ctx, agent, t.id, {})
    expect(s.ctx.stores.surveys.lastOfTicket(t.id)).toBeNull()
    write(s.ctx.db, () => s.ctx.stores.surveys.saveSector(wa.sectorId, 'none', { question: null, comment_question: null, window_hours: 24, thanks: null }, Date.now()))
  })

  test('not sent for a ticket no agent took, nor outside the 24-hour window', async () => {
    setChannelKind('csat')
    const waId = '5583988880002'
    await say(waId, 'oi')
    await wa.until(() => s.ctx.stores.contacts.byKey(wa.channelId, waId) !== null && lastTicket(waId) !== null)
    const t = lastTicket(waId)
    const admin = (await seedUser(s.ctx, { email: 'adm-close@example.com', profile: 'admin' })).user
    closeTicket(s.ctx, admin, t.id, {}) // queued, never assigned
    expect(s.ctx.stores.surveys.lastOfTicket(t.id)).toBeNull()

    const waId2 = '5583988880003'
    await say(waId2, 'oi')
    await wa.until(() => s.ctx.stores.contacts.byKey(wa.channelId, waId2) !== null && lastTicket(waId2) !== null)
    const t2 = lastTicket(waId2)
    write(s.ctx.db, () => {
      s.ctx.stores.tickets.assign(t2.id, agent.id, Date.now())
      s.ctx.db.run('UPDATE tickets SET last_inbound_at = ? WHERE id = ?', [Date.now() - 25 * 3_600_000, t2.id])
    })
    closeTicket(s.ctx, agent, t2.id, {})
    expect(s.ctx.stores.surveys.lastOfTicket(t2.id)).toBeNull()
  })
})

describe('answers', () => {
  test('CSAT by tapping a list row: stored on the closed ticket (not reopened), thanks sent, ticket.updated recorded', async () => {
    setChannelKind('csat')
    const { waId, ticket, survey } = await closedWithSurvey()
    const before = texts(waId).length
    const eventsBefore = s.ctx.db.query<{ n: number }, []>("SELECT max(id) AS n FROM events").get()!.n
    await tap(waId, 'list_reply', `survey:${survey.id}:4`, '4 · Satisfeito')
    expect(await nthText(waId, before + 1)).toBe('Obrigado pela sua avaliação!')
    expect(surveyOf(ticket.id)).toMatchObject({ status: 'answered', score: 4 })
    const after = s.ctx.stores.tickets.get(ticket.id)!
    expect(after.status).toBe('closed')
    expect(lastTicket(waId).id).toBe(ticket.id) // no new ticket
    const history = s.ctx.stores.messages.ofTicket(ticket.id).map((m) => `${m.direction}:${m.type}`)
    expect(history.slice(-3)).toEqual(['out:interactive', 'in:interactive', 'out:text']) // answer, then the thanks
    const json = await ticketJson(ticket.id)
    expect(json.survey).toMatchObject({ kind: 'csat', score: 4, comment: null })
    expect(json.survey!.answered_at).toBeString()
    const events = s.ctx.db.query<{ data: string }, [number]>("SELECT data FROM events WHERE id > ? AND name = 'ticket.updated'").all(eventsBefore)
    expect(events.some((e) => (JSON.parse(e.data) as { id: number; survey: { score: number } | null }).survey?.score === 4)).toBe(true)
  })

  test('NPS typed ("nota 9", "dez", "0") and CES typed ("7") are taken', async () => {
    setChannelKind('nps')
    const a = await closedWithSurvey()
    await say(a.waId, 'nota 9')
    await wa.until(() => surveyOf(a.ticket.id).score === 9)
    const b = await closedWithSurvey()
    await say(b.waId, 'Dez!')
    await wa.until(() => surveyOf(b.ticket.id).score === 10)
    const c = await closedWithSurvey()
    await say(c.waId, '0')
    await wa.until(() => surveyOf(c.ticket.id).score === 0)
    setChannelKind('ces')
    const d = await closedWithSurvey()
    await say(d.waId, '7')
    await wa.until(() => surveyOf(d.ticket.id).score === 7)
    expect(await nthText(d.waId, 2)).toBe('Obrigado pela sua avaliação!') // protocol, then the thanks
  })

  test('NPS by tapping; CES by tapping', async () => {
    setChannelKind('nps')
    const a = await closedWithSurvey()
    await tap(a.waId, 'list_reply', `survey:${a.survey.id}:10`, '10 · Muito provável')
    await wa.until(() => surveyOf(a.ticket.id).score === 10)
    setChannelKind('ces')
    const b = await closedWithSurvey()
    await tap(b.waId, 'list_reply', `survey:${b.survey.id}:2`, '2 · Difícil')
    await wa.until(() => surveyOf(b.ticket.id).score === 2)
  })

  test('out of range: not stored, told once; the second out-of-range number goes the usual way (a new ticket)', async () => {
    setChannelKind('csat')
    write(s.ctx.db, () => s.ctx.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [REOPEN_WINDOW_SETTING, '0']))
    try {
      const { waId, ticket } = await closedWithSurvey()
      await say(waId, '8')
      expect(await nthText(waId, 2)).toBe('Não entendi a sua nota. Por favor, responda com um número de 1 a 5.')
      expect(surveyOf(ticket.id)).toMatchObject({ status: 'sent', score: null })
      expect(lastTicket(waId).id).toBe(ticket.id)
      await say(waId, '9')
      await wa.until(() => lastTicket(waId).id !== ticket.id)
      expect(lastTicket(waId).status).toBe('queued')
      expect(s.ctx.stores.messages.ofTicket(lastTicket(waId).id)[0].text).toBe('9')
      expect(texts(waId).filter((x) => x.startsWith('Não entendi'))).toHaveLength(1)
      expect(surveyOf(ticket.id).score).toBeNull()
    } finally {
      write(s.ctx.db, () => s.ctx.db.run('DELETE FROM settings WHERE key = ?', [REOPEN_WINDOW_SETTING]))
    }
  })

  test('late (after the window): typed or tapped, not stored, told once', async () => {
    setChannelKind('ces')
    const a = await closedWithSurvey()
    write(s.ctx.db, () => s.ctx.db.run('UPDATE surveys SET expires_at = ? WHERE id = ?', [Date.now() - 60_000, a.survey.id]))
    await say(a.waId, '6')
    expect(await nthText(a.waId, 2)).toStartWith('Obrigado pela resposta! O prazo desta pesquisa já terminou')
    expect(surveyOf(a.ticket.id)).toMatchObject({ status: 'sent', score: null })
    expect(lastTicket(a.waId).id).toBe(a.ticket.id)

    const b = await closedWithSurvey()
    write(s.ctx.db, () => s.ctx.db.run('UPDATE surveys SET expires_at = ? WHERE id = ?', [Date.now() - 60_000, b.survey.id]))
    await tap(b.waId, 'list_reply', `survey:${b.survey.id}:5`, '5 · Um pouco fácil')
    expect(await nthText(b.waId, 2)).toStartWith('Obrigado pela resposta! O prazo')
    await tap(b.waId, 'list_reply', `survey:${b.survey.id}:6`, '6 · Fácil') // again: kept, not told twice
    await wa.until(() => s.ctx.stores.messages.ofTicket(b.ticket.id).filter((m) => m.direction === 'in').length === 3)
    await Bun.sleep(200)
    expect(texts(b.waId)).toHaveLength(2)
    expect(surveyOf(b.ticket.id).score).toBeNull()
    expect(s.ctx.stores.tickets.get(b.ticket.id)!.status).toBe('closed')
  })

  test('comment flow: score → the comment question → the next text is the comment → thanks', async () => {
    setChannelKind('csat', { comment_question: 'Quer deixar um comentário sobre o atendimento?' })
    const { waId, ticket, survey } = await closedWithSurvey()
    await tap(waId, 'list_reply', `survey:${survey.id}:2`, '2 · Insatisfeito')
    expect(await nthText(waId, 2)).toBe('Quer deixar um comentário sobre o atendimento?')
    expect(surveyOf(ticket.id)).toMatchObject({ status: 'commenting', score: 2 })
    await say(waId, 'Demorou muito para <b>responder</b>')
    expect(await nthText(waId, 3)).toBe('Obrigado pela sua avaliação!')
    expect(surveyOf(ticket.id)).toMatchObject({ status: 'answered', score: 2, comment: 'Demorou muito para <b>responder</b>' })
    expect((await ticketJson(ticket.id)).survey).toMatchObject({ score: 2, comment: 'Demorou muito para <b>responder</b>' })
    expect(s.ctx.stores.tickets.get(ticket.id)!.status).toBe('closed')
    setChannelKind('csat')
  })

  test('a message that is not an answer is not swallowed: the usual flow takes it (here: reopens the ticket)', async () => {
    setChannelKind('csat')
    const { waId, ticket } = await closedWithSurvey()
    await say(waId, 'Esqueci de perguntar uma coisa')
    await wa.until(() => s.ctx.stores.tickets.get(ticket.id)!.status === 'queued')
    // Now talking to someone: a "5" is a message to the agent, not a survey answer.
    await say(waId, '5')
    await wa.until(() => s.ctx.stores.messages.ofTicket(ticket.id).filter((m) => m.direction === 'in').length === 3)
    expect(surveyOf(ticket.id).score).toBeNull()
    // A tap on one of the survey's options is unmistakable: it counts even now.
    await tap(waId, 'list_reply', `survey:${surveyOf(ticket.id).id}:5`, '5 · Muito satisfeito')
    await wa.until(() => surveyOf(ticket.id).score === 5)
    expect(surveyOf(ticket.id).status).toBe('answered')
  })
})

describe('each kind: typed in range, out of range, late', () => {
  const cases: [SurveyKind, string, number, string, string][] = [
    ['csat', 'nota 5', 5, '0', 'de 1 a 5'],
    ['nps', 'dez', 10, '11', 'de 0 a 10'],
    ['ces', '4', 4, '8', 'de 1 a 7'],
  ]
  for (const [kind, good, score, outOfRange, range] of cases) {
    test(`${kind}: "${good}" stored; "${outOfRange}" refused ${range}; in range after the window refused as late`, async () => {
      setChannelKind(kind)
      const a = await closedWithSurvey()
      await say(a.waId, good)
      await wa.until(() => surveyOf(a.ticket.id).score === score)
      const b = await closedWithSurvey()
      await say(b.waId, outOfRange)
      expect(await nthText(b.waId, 2)).toBe(`Não entendi a sua nota. Por favor, responda com um número ${range}.`)
      expect(surveyOf(b.ticket.id)).toMatchObject({ score: null, status: 'sent' })
      const c = await closedWithSurvey()
      write(s.ctx.db, () => s.ctx.db.run('UPDATE surveys SET expires_at = ? WHERE id = ?', [Date.now() - 1000, c.survey.id]))
      await say(c.waId, good)
      expect(await nthText(c.waId, 2)).toStartWith('Obrigado pela resposta! O prazo desta pesquisa já terminou')
      expect(surveyOf(c.ticket.id).score).toBeNull()
    })
  }
})

describe('answerSurvey (channels with their own answer endpoint)', () => {
  test('answered with a comment → thanks queued; again → already_answered; out of range and expired refused', async () => {
    setChannelKind('csat', { comment_question: 'Comentário?' })
    const a = await closedWithSurvey()
    expect(answerSurvey(s.ctx, a.ticket.id, 9)).toEqual({ outcome: 'out_of_range', outbound: 0 })
    expect(answerSurvey(s.ctx, a.ticket.id, 5, 'Muito bom')).toEqual({ outcome: 'answered', outbound: 1 })
    expect(surveyOf(a.ticket.id)).toMatchObject({ status: 'answered', score: 5, comment: 'Muito bom' })
    expect(await nthText(a.waId, 2)).toBe('Obrigado pela sua avaliação!')
    expect(answerSurvey(s.ctx, a.ticket.id, 4)).toEqual({ outcome: 'already_answered', outbound: 0 })
    const b = await closedWithSurvey()
    write(s.ctx.db, () => s.ctx.db.run('UPDATE surveys SET expires_at = ? WHERE id = ?', [Date.now() - 1000, b.survey.id]))
    expect(answerSurvey(s.ctx, b.ticket.id, 4)).toEqual({ outcome: 'expired', outbound: 0 })
    // Without a comment: the comment question comes next
    const c = await closedWithSurvey()
    expect(answerSurvey(s.ctx, c.ticket.id, 3)).toEqual({ outcome: 'answered', outbound: 1 })
    expect(await nthText(c.waId, 2)).toBe('Comentário?')
    expect(answerSurvey(s.ctx, 999_999, 3).outcome).toBe('no_survey')
    setChannelKind('csat')
  })
})
