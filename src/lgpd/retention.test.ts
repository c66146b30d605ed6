// The data-retention job: tickets closed before the cut-off are anonymised (or lose their files),
// newer and open ones are untouched; their media files leave the disk unless a kept message uses
// the same file; the report counts stay the same; a second run does nothing; a crashed run (files
// listed but not deleted, a run left 'running') is finished by the next one; the page's "run now"
// and preview work for an admin only; each run is audited.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { write } from '../db/open'
import { mediaPath, storeMediaFile } from '../desk/media-files'
import { insertTicket, makeChannel, makeSector } from '../reports/fixture'
import { saveGeneral } from '../settings/settings'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { retentionCutoff, retentionPreview, runRetention } from './retention'

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
  const from = new Date(Date.now() - 399 * DAY).toISOString() // reports take up to 400 days
  const to = new Date(Date.now() + DAY).toISOString()
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
