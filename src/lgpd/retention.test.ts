// The data-retention job: tickets closed before the cut-off are anonymised (or lose their files),
// newer and open ones are untouched; their media files leave the disk unless a kept message uses
// the same file; the report counts stay the same; a second run does nothing; a crashed run (files
// listed but not deleted, a run left 'running') is finished by the next one; the page's "run now"
// and preview work for an admin only; each run is audited. 'delete' removes old closed tickets with
// every dependent row (foreign keys on, integrity checked after), keeps contacts, customers, newer
// and open tickets, and files a kept message still uses.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { write } from '../db/open'
import { mediaPath, storeMediaFile } from '../desk/media-files'
import { insertTicket, makeChannel, makeSector } from '../reports/fixture'
import { validateGeneral } from '../settings/settings'
import { saveGeneral } from '../settings/settings'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { retentionCutoff, retentionPreview, runRetention } from './retention'
import { lgpdStore } from './store'

const DAY = 86_400_000
let s: TestServer
let admin: { token: string; id: number }
let channel: number
let sector: number

/** A closed ticket `daysAgo` old with one text message and (optionally) a file; returns ids. */
function closedTicket(daysAgo: number, file: Uint8Array | null, status: 'closed' | 'open' = 'closed') {
  const at = Date.now() - daysAgo * DAY
  const id = insertTicket(s.ctx, { channel_id: channel, status, sector_id: sector, created_at: at - 3600_000, queued_at: at - 3500_000, assigned_at: at - 3000_000, first_response_at: at - 2000_000, closed_at: status === 'closed' ? at : null })
  let sha: string | null = null
  write(s.ctx.db, () => {
    s.ctx.stores.messages.insert({ ticket_id: id, channel_id: channel, direction: 'in', author: 'customer', type: 'text', text: `segredo do atendimento ${id}`, media_id: null, status: 'received' })
    if (file) {
      sha = storeMediaFile(s.ctx, file)
      const mediaId = s.ctx.db
        .query<{ id: number }, [string, number, number]>("INSERT INTO media (channel_id, sha256, mime_type, filename, size, status, created_at, updated_at) VALUES (NULL, ?1, 'application/pdf', 'contrato.pdf', ?2, 'ready', ?3, ?3) RETURNING id")
        .get(sha, file.length, Date.now())!.id
      s.ctx.stores.messages.insert({ ticket_id: id, channel_id: channel, direction: 'in', author: 'customer', type: 'document', text: null, media_id: mediaId, status: 'received' })
    }
  })
  return { id, sha: sha as string | null }
}

const texts = (ticketId: number) => s.ctx.db.query<{ text: string | null }, [number]>("SELECT text FROM messages WHERE ticket_id = ? AND type = 'text'").all(ticketId).map((r) => r.text)
const mediaRefs = (ticketId: number) => s.ctx.db.query<{ sha256: string | null }, [number]>('SELECT md.sha256 FROM messages m JOIN media md ON md.id = m.media_id WHERE m.ticket_id = ?').all(ticketId).map((r) => r.sha256)
const summary = async () => {
  // Reports take up to 400 days: one `now` for both ends (two clock reads a millisecond apart
  // made it 400 days and 1 ms, refused).
  const now = Date.now()
  const from = new Date(now - 399 * DAY).toISOString()
  const to = new Date(now + DAY).toISOString()
  const res = await fetch(`${s.url}/api/v1/reports/summary?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${admin.token}` } })
  expect(res.status).toBe(200)
  return res.json()
}
const pdf = (label: string) => new TextEncoder().encode(`%PDF-1.4 ${label} ${Math.random()}`)

beforeAll(async () => {
  s = await startTestServer()
  const a = await seedUser(s.ctx, { email: 'dpo@example.com', profile: 'admin' })
  admin = { token: a.token, id: a.user.id }
  sector = makeSector(s.ctx, 'Atendimento')
  channel = makeChannel(s.ctx, 'WhatsApp', sector)
})
afterAll(() => s.stop())

describe('retention', () => {
  test('off by default: nothing to do', async () => {
    expect(retentionPreview(s.ctx).enabled).toBe(false)
    expect(await runRetention(s.ctx, 'manual')).toBeNull()
  })

  test('anonymise: old closed tickets cleaned with their files, newer and open ones untouched, reports unchanged, idempotent', async () => {
    const shared = pdf('shared')
    const old1 = closedTicket(390, pdf('old1'))
    const old2 = closedTicket(380, shared)
    const recent = closedTicket(30, shared) // same bytes as old2: the file must stay
    const openOld = closedTicket(395, pdf('open'), 'open')
    expect(old2.sha).toBe(recent.sha)
    saveGeneral(s.ctx, admin.id, { retention_months: 12, retention_mode: 'anonymize' }, null)
    const before = await summary()
    const preview = retentionPreview(s.ctx)
    expect(preview).toMatchObject({ enabled: true, months: 12, mode: 'anonymize', tickets: 2 })
    expect(preview.cutoff!).toBeLessThan(Date.now() - 360 * DAY)
    expect(preview.cutoff!).toBeGreaterThan(Date.now() - 370 * DAY)

    const run = (await runRetention(s.ctx, 'manual', admin.id))!
    expect(run).toMatchObject({ status: 'done', tickets: 2, files: 1, mode: 'anonymize' })
    expect(texts(old1.id)).toEqual([null])
    expect(texts(old2.id)).toEqual([null])
    expect(mediaRefs(old1.id)).toEqual([null])
    expect(existsSync(mediaPath(s.ctx, old1.sha!))).toBe(false)
    // Shared with a kept message: stays on disk and in that message.
    expect(existsSync(mediaPath(s.ctx, recent.sha!))).toBe(true)
    expect(mediaRefs(recent.id)).toEqual([recent.sha])
    expect(texts(recent.id)).toEqual([`segredo do atendimento ${recent.id}`])
    expect(texts(openOld.id)).toEqual([`segredo do atendimento ${openOld.id}`])
    expect(existsSync(mediaPath(s.ctx, openOld.sha!))).toBe(true)
    // The statistics are the same.
    expect(await summary()).toEqual(before)
    const audit = s.ctx.db.query<{ details: string; actor_id: number }, []>("SELECT details, actor_id FROM audit_log WHERE action = 'retention.run'").all()
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0].details)).toMatchObject({ trigger: 'manual', mode: 'anonymize', tickets: 2, files: 1 })
    expect(audit[0].actor_id).toBe(admin.id)
    // Again: nothing left to do.
    expect(retentionPreview(s.ctx).tickets).toBe(0)
    expect((await runRetention(s.ctx, 'schedule'))!.tickets).toBe(0)
  })

  test('a crashed run is finished by the next: listed files deleted, the run completed from where it stopped', async () => {
    const leftover = storeMediaFile(s.ctx, pdf('leftover'))
    const old = closedTicket(450, pdf('resumed'))
    // As a crash leaves it: a run 'running' past an earlier ticket, a released file not yet deleted.
    write(s.ctx.db, () => {
      s.ctx.db.query('INSERT INTO retention_files (sha256) VALUES (?)').run(leftover)
      s.ctx.db.query("INSERT INTO retention_runs (trigger, mode, cutoff, status, last_ticket_id, tickets, started_at) VALUES ('schedule', 'anonymize', ?, 'running', 0, 5, ?)").run(retentionCutoff(12), Date.now() - DAY)
    })
    const run = (await runRetention(s.ctx, 'schedule'))!
    expect(run.status).toBe('done')
    expect(run.tickets).toBe(6)
    expect(existsSync(mediaPath(s.ctx, leftover))).toBe(false)
    expect(existsSync(mediaPath(s.ctx, old.sha!))).toBe(false)
    expect(texts(old.id)).toEqual([null])
    expect(s.ctx.db.query<{ n: number }, []>("SELECT count(*) AS n FROM retention_runs WHERE status = 'running'").get()!.n).toBe(0)
  })

  test("'media' mode deletes only the files; switching to 'anonymize' later still clears the texts", async () => {
    saveGeneral(s.ctx, admin.id, { retention_mode: 'media' }, null)
    const old = closedTicket(420, pdf('media-only'))
    expect(retentionPreview(s.ctx).tickets).toBe(1)
    const run = (await runRetention(s.ctx, 'manual', admin.id))!
    expect(run).toMatchObject({ tickets: 1, files: 1, mode: 'media' })
    expect(existsSync(mediaPath(s.ctx, old.sha!))).toBe(false)
    expect(texts(old.id)).toEqual([`segredo do atendimento ${old.id}`])
    saveGeneral(s.ctx, admin.id, { retention_mode: 'anonymize' }, null)
    expect(retentionPreview(s.ctx).tickets).toBe(1)
    await runRetention(s.ctx, 'manual', admin.id)
    expect(texts(old.id)).toEqual([null])
  })

  test('the page: preview for settings viewers, "run now" for settings editors only', async () => {
    const old = closedTicket(410, null)
    const b = new Browser(s.url)
    await b.login('dpo@example.com')
    const page = await (await b.fetch('/admin/integrations')).text()
    expect(page).toContain('id="retention-preview"')
    expect(page).toContain('Aguardando: 1.')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]
    const res = await b.post('/admin/integrations/retention/run', { _csrf: csrf })
    expect(res.status).toBe(303)
    const deadline = Date.now() + 10_000
    while (texts(old.id)[0] !== null && Date.now() < deadline) await Bun.sleep(20)
    expect(texts(old.id)).toEqual([null])
    // An agent may not run it.
    await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent' })
    const agent = new Browser(s.url)
    await agent.login('agent@example.com')
    expect((await agent.fetch('/admin/integrations')).status).toBe(403)
    const token = await agent.csrf('/profile')
    expect((await agent.post('/admin/integrations/retention/run', { _csrf: token })).status).toBe(403)
  })
})

describe("retention 'delete'", () => {
  const q = <T,>(sql: string, ...args: (string | number | null)[]) => s.ctx.db.query<T, (string | number | null)[]>(sql).all(...args)
  const n = (sql: string, ...args: (string | number | null)[]) => q<{ n: number }>(sql, ...args)[0].n
  const ticketExists = (id: number) => n('SELECT count(*) AS n FROM tickets WHERE id = ?', id) === 1

  /**
   * A ticket with every kind of row that points at it: messages (one with a file, one a reply),
   * an outbox row, a delivery status, an offer, history, pre-service, an answered survey (the
   * ticket's latest), an alert, a bulk-notice line, a webhook delivery and live events.
   */
  function richTicket(daysAgo: number, file: Uint8Array) {
    const t = closedTicket(daysAgo, file)
    const now = Date.now()
    const ids = write(s.ctx.db, () => {
      const db = s.ctx.db
      const first = q<{ id: number }>("SELECT id FROM messages WHERE ticket_id = ? AND type = 'text'", t.id)[0].id
      const reply = s.ctx.stores.messages.insert({ ticket_id: t.id, channel_id: channel, direction: 'out', author: 'agent', author_id: admin.id, type: 'text', text: 'resposta', reply_to_id: first, external_id: `wamid.del${t.id}`, status: 'sent' })
      db.query("INSERT INTO outbox (channel_id, ticket_id, message_id, kind, status, next_attempt_at, created_at, updated_at) VALUES (?1, ?2, ?3, 'send', 'done', ?4, ?4, ?4)").run(channel, t.id, reply, now)
      // A read receipt names only the message.
      db.query("INSERT INTO outbox (channel_id, ticket_id, message_id, kind, status, next_attempt_at, created_at, updated_at) VALUES (?1, NULL, ?2, 'mark_read', 'done', ?3, ?3, ?3)").run(channel, first, now)
      db.query("INSERT INTO message_statuses (channel_id, external_id, status, received_at) VALUES (?, ?, 'delivered', ?)").run(channel, `wamid.del${t.id}`, now)
      db.query("INSERT INTO offers (ticket_id, user_id, status, offered_at, expires_at, responded_at) VALUES (?1, ?2, 'accepted', ?3, ?3, ?3)").run(t.id, admin.id, now)
      s.ctx.stores.history.record({ ticket_id: t.id, action: 'closed', at: now, actor_id: admin.id, from_sector_id: sector, note: 'nota sigilosa' })
      db.query("INSERT INTO pre_service (ticket_id, status, outcome, last_activity_at, started_at, ended_at) VALUES (?1, 'done', 'handoff', ?2, ?2, ?2)").run(t.id, now)
      const survey = db
        .query<{ id: number }, [number, number, number]>(
          `INSERT INTO surveys (ticket_id, contact_id, channel_id, sector_id, kind, status, question, thanks, score, comment, sent_at, expires_at, answered_at, message_id)
           SELECT id, contact_id, channel_id, sector_id, 'csat', 'answered', 'Nota?', 'Obrigado', 5, 'ótimo', ?2, ?2, ?2, ?3 FROM tickets WHERE id = ?1 RETURNING id`,
        )
        .get(t.id, now, reply)!.id
      db.query('UPDATE tickets SET survey_id = ? WHERE id = ?').run(survey, t.id)
      const rule = db.query<{ id: number }, [number]>("INSERT INTO alert_rules (kind, created_at, updated_at) VALUES ('first_response', ?1, ?1) RETURNING id").get(now)!.id
      const alert = db.query<{ id: number }, [number, string, number, number]>('INSERT INTO alerts (rule_id, subject, ticket_id, fired_at, cleared_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id').get(rule, `ticket:${t.id}`, t.id, now)!.id
      const template = db
        .query<{ id: number }, [number, string, number]>("INSERT INTO templates (channel_id, name, language, category, status, created_at, updated_at) VALUES (?1, ?2, 'pt_BR', 'UTILITY', 'APPROVED', ?3, ?3) RETURNING id")
        .get(channel, `aviso_${t.id}`, now)!.id
      const run = db.query<{ id: number }, [number, number, number]>("INSERT INTO bulk_runs (channel_id, template_id, label, status, total, created_at, updated_at) VALUES (?1, ?2, 'lista.csv', 'done', 1, ?3, ?3) RETURNING id").get(channel, template, now)!.id
      db.query("INSERT INTO bulk_rows (run_id, line, phone, wa_id, status, ticket_id, message_id, updated_at) VALUES (?1, 1, '83999990000', '5583999990000', 'sent', ?2, ?3, ?4)").run(run, t.id, reply, now)
      const hook = db.query<{ id: number }, [number, number]>("INSERT INTO webhooks (url, events, secret, created_by, created_at, updated_at) VALUES ('https://example.com/h', '[\"*\"]', 'x', ?1, ?2, ?2) RETURNING id").get(admin.id, now)!.id
      db.query("INSERT INTO webhook_deliveries (webhook_id, event_id, event, ticket_id, body, status, next_attempt_at, expires_at, created_at, updated_at) VALUES (?1, ?2, 'message.created', ?3, '{\"text\":\"segredo\"}', 'delivered', ?4, ?4, ?4, ?4)").run(hook, t.id, t.id, now)
      db.query("INSERT INTO events (at, topics, name, data) VALUES (?1, ?2, 'message.created', ?3)").run(now, JSON.stringify([`ticket:${t.id}`]), JSON.stringify({ ticket_id: t.id, text: 'segredo' }))
      return { first, reply, survey, alert, run }
    })
    return { ...t, ...ids }
  }

  test('the settings accept it; unknown modes get a Portuguese message', () => {
    expect(validateGeneral(s.ctx, { retention_mode: 'delete' }).problems).toEqual([])
    expect(validateGeneral(s.ctx, { retention_mode: 'apagar' }).problems).toEqual([{ field: 'retention_mode', key: 'settings.valid_retention_mode' }])
  })

  test('old closed tickets go with every dependent row; newer and open ones, contacts and shared files stay; audited; a second run finds nothing', async () => {
    const shared = pdf('shared-delete')
    const rich = richTicket(500, pdf('rich'))
    const sharedOld = closedTicket(480, shared)
    const kept = closedTicket(20, shared) // same bytes as sharedOld: the file stays
    const openOld = closedTicket(470, pdf('open-delete'), 'open')
    // A kept message quoting a deleted one, and one using the very media row of a deleted message.
    const richMedia = q<{ media_id: number }>('SELECT media_id FROM messages WHERE ticket_id = ? AND media_id IS NOT NULL', sharedOld.id)[0].media_id
    const [keptReply, keptSameRow] = write(s.ctx.db, () => [
      s.ctx.stores.messages.insert({ ticket_id: kept.id, channel_id: channel, direction: 'in', author: 'customer', type: 'text', text: 'sobre aquilo', reply_to_id: rich.first, status: 'received' }),
      s.ctx.stores.messages.insert({ ticket_id: kept.id, channel_id: channel, direction: 'out', author: 'agent', type: 'document', media_id: richMedia, status: 'sent' }),
    ])
    // A web-chat conversation: the visitor's session (and consent record) belongs to the contact.
    const webchat = makeChannel(s.ctx, 'Site', sector, 'webchat')
    const chatAt = Date.now() - 460 * DAY
    const chat = insertTicket(s.ctx, { channel_id: webchat, status: 'closed', sector_id: sector, created_at: chatAt - 60_000, closed_at: chatAt })
    const chatContact = q<{ contact_id: number }>('SELECT contact_id FROM tickets WHERE id = ?', chat)[0].contact_id
    write(s.ctx.db, () => {
      s.ctx.stores.messages.insert({ ticket_id: chat, channel_id: webchat, direction: 'in', author: 'customer', type: 'text', text: 'olá do site', status: 'received' })
      s.ctx.db
        .query("INSERT INTO webchat_sessions (channel_id, contact_id, token_hash, name, consent_at, consent_version, consent_text, created_at, expires_at, last_seen_at) VALUES (?1, ?2, 'hash-del', 'Visitante', ?3, 1, 'Aceito', ?3, ?3, ?3)")
        .run(webchat, chatContact, chatAt)
    })
    const customer = write(s.ctx.db, () => s.ctx.stores.customers.create({ name: 'Cliente Antigo', code: null, code_type: null, type_id: null, email: null, phone: null, notes: null }))
    write(s.ctx.db, () => s.ctx.db.query('UPDATE tickets SET customer_id = ? WHERE id = ?').run(customer, rich.id))
    const richContact = q<{ contact_id: number }>('SELECT contact_id FROM tickets WHERE id = ?', rich.id)[0].contact_id

    saveGeneral(s.ctx, admin.id, { retention_months: 12, retention_mode: 'delete' }, null)
    const cutoff = retentionCutoff(12)
    // Every old closed ticket, the ones anonymised by the earlier tests too.
    const expected = n("SELECT count(*) AS n FROM tickets WHERE status = 'closed' AND closed_at < ?", cutoff)
    expect(n('SELECT count(*) AS n FROM retention_tickets')).toBeGreaterThan(0)
    expect(retentionPreview(s.ctx)).toMatchObject({ enabled: true, mode: 'delete', tickets: expected })

    const run = (await runRetention(s.ctx, 'manual', admin.id))!
    expect(run).toMatchObject({ status: 'done', mode: 'delete', tickets: expected, files: 1 })
    expect(q('PRAGMA foreign_key_check')).toEqual([])
    for (const id of [rich.id, sharedOld.id, chat]) expect(ticketExists(id)).toBe(false)
    expect(n("SELECT count(*) AS n FROM tickets WHERE status = 'closed' AND closed_at < ?", cutoff)).toBe(0)
    // Everything that was only theirs is gone.
    const gone = [rich.id, sharedOld.id, chat]
    const list = JSON.stringify(gone)
    for (const table of ['messages', 'outbox', 'offers', 'ticket_history', 'pre_service', 'surveys', 'retention_tickets', 'webhook_deliveries'])
      expect({ table, n: n(`SELECT count(*) AS n FROM ${table} WHERE ticket_id IN (SELECT value FROM json_each(?))`, list) }).toEqual({ table, n: 0 })
    expect(n('SELECT count(*) AS n FROM retention_tickets')).toBe(0)
    expect(n("SELECT count(*) AS n FROM message_statuses WHERE external_id = ?", `wamid.del${rich.id}`)).toBe(0)
    expect(n("SELECT count(*) AS n FROM events WHERE topics LIKE ? OR json_extract(data, '$.ticket_id') = ?", `%"ticket:${rich.id}"%`, rich.id)).toBe(0)
    // The unshared file left the disk with its media row; the shared one stays for the kept ticket.
    expect(existsSync(mediaPath(s.ctx, rich.sha!))).toBe(false)
    expect(n('SELECT count(*) AS n FROM media WHERE sha256 = ?', rich.sha!)).toBe(0)
    expect(existsSync(mediaPath(s.ctx, kept.sha!))).toBe(true)
    expect(mediaRefs(kept.id)).toEqual([kept.sha, sharedOld.sha])
    expect(q<{ media_id: number }>('SELECT media_id FROM messages WHERE id = ?', keptSameRow)[0].media_id).toBe(richMedia)
    // Rows that are not only theirs stay, unlinked.
    expect(q<{ reply_to_id: number | null }>('SELECT reply_to_id FROM messages WHERE id = ?', keptReply)).toEqual([{ reply_to_id: null }])
    expect(q('SELECT ticket_id, message_id, status FROM bulk_rows WHERE run_id = ?', rich.run)).toEqual([{ ticket_id: null, message_id: null, status: 'sent' }])
    expect(q('SELECT ticket_id FROM alerts WHERE id = ?', rich.alert)).toEqual([{ ticket_id: null }])
    // Contacts, customers and the web-chat session stay; newer and open tickets keep their data.
    expect(n('SELECT count(*) AS n FROM contacts WHERE id IN (?, ?)', richContact, chatContact)).toBe(2)
    expect(s.ctx.stores.customers.get(customer)?.name).toBe('Cliente Antigo')
    expect(n('SELECT count(*) AS n FROM webchat_sessions WHERE contact_id = ?', chatContact)).toBe(1)
    expect(texts(kept.id)).toEqual([`segredo do atendimento ${kept.id}`, 'sobre aquilo'])
    expect(texts(openOld.id)).toEqual([`segredo do atendimento ${openOld.id}`])
    expect(existsSync(mediaPath(s.ctx, openOld.sha!))).toBe(true)
    // Audited with its mode.
    const audit = q<{ details: string }>("SELECT details FROM audit_log WHERE action = 'retention.run' ORDER BY id DESC LIMIT 1")
    expect(JSON.parse(audit[0].details)).toMatchObject({ trigger: 'manual', mode: 'delete', tickets: expected, files: 1 })
    // Again: nothing left.
    expect(retentionPreview(s.ctx).tickets).toBe(0)
    expect((await runRetention(s.ctx, 'schedule'))!.tickets).toBe(0)
  })

  test('a crashed delete run resumes after the batch it committed, in its own mode', async () => {
    const a = richTicket(600, pdf('resume-a'))
    const b = closedTicket(590, pdf('resume-b'))
    // As a crash leaves it: a 'delete' run 'running' whose first batch (ticket a) committed, its
    // released file listed but not deleted yet.
    write(s.ctx.db, () => {
      for (const m of lgpdStore(s.ctx.db).deleteTickets([a.id], Date.now())) s.ctx.db.query('INSERT INTO retention_files (sha256) VALUES (?)').run(m.sha256)
      s.ctx.db.query("INSERT INTO retention_runs (trigger, mode, cutoff, status, last_ticket_id, tickets, started_at) VALUES ('schedule', 'delete', ?, 'running', ?, 1, ?)").run(retentionCutoff(12), a.id, Date.now() - DAY)
    })
    expect(existsSync(mediaPath(s.ctx, a.sha!))).toBe(true)
    // The mode changed meanwhile: the run still finishes as it started.
    saveGeneral(s.ctx, admin.id, { retention_mode: 'media' }, null)
    const run = (await runRetention(s.ctx, 'schedule'))!
    expect(run).toMatchObject({ status: 'done', mode: 'delete', tickets: 2 })
    expect(ticketExists(a.id)).toBe(false)
    expect(ticketExists(b.id)).toBe(false)
    expect(existsSync(mediaPath(s.ctx, a.sha!))).toBe(false)
    expect(existsSync(mediaPath(s.ctx, b.sha!))).toBe(false)
    expect(q('PRAGMA foreign_key_check')).toEqual([])
  })

  test('the store deletes closed tickets only, whatever it is given', () => {
    const open = closedTicket(800, null, 'open')
    expect(write(s.ctx.db, () => lgpdStore(s.ctx.db).deleteTickets([open.id], Date.now()))).toEqual([])
    expect(ticketExists(open.id)).toBe(true)
    expect(texts(open.id)).toEqual([`segredo do atendimento ${open.id}`])
  })

  test('the settings page: the option, the warning and the preview', async () => {
    saveGeneral(s.ctx, admin.id, { retention_mode: 'delete' }, null)
    closedTicket(700, null)
    closedTicket(710, null)
    const b = new Browser(s.url)
    await b.login('dpo@example.com')
    const page = await (await b.fetch('/admin/settings')).text()
    expect(page).toContain('<option value="delete" selected>Apagar os atendimentos: mensagens, arquivos, histórico e pesquisas</option>')
    expect(page).toContain('saem dos relatórios e não podem ser recuperados')
    expect(page).toMatch(/id="retention-preview">Na próxima execução, 2 atendimentos encerrados antes de [^<]+ seriam apagados\./)
    const integrations = await (await b.fetch('/admin/integrations')).text()
    expect(integrations).toMatch(/id="retention-preview">\s*Atendimentos encerrados há mais de \d+ meses \(antes de [^)]+\) são apagados de vez/)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]
    const form = (mode: string) => {
      const f = new FormData()
      for (const [k, v] of Object.entries({ _csrf: csrf, company_name: 'Kumquat', time_zone: 'America/Sao_Paulo', language: 'pt-BR', reopen_window_minutes: '60', retention_months: '12', retention_mode: mode, session_hours: '24', remember_days: '30', password_min_length: '8' })) f.set(k, v)
      return b.fetch('/admin/settings', { method: 'POST', body: f })
    }
    const bad = await form('tudo')
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('Escolha o que limpar.')
    expect((await form('anonymize')).status).toBe(303)
    expect((await form('delete')).status).toBe(303)
    expect(s.ctx.stores.settings.get<{ retention_mode: string }>('general')!.retention_mode).toBe('delete')
  })
})
