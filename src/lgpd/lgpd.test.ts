// LGPD round trip: a customer who wrote on WhatsApp (webhook → contact, ticket, messages), with a
// file; export it all (JSON and zip, through the API and the page), then anonymise and search the
// database files for the original CPF, name and phone: nothing personal is left, the statistics
// are. Both requests are audited; permissions per the matrix.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { write } from '../db/open'
import { mediaPath, storeMediaFile } from '../desk/media-files'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../test/support/whatsapp'

const CPF = '52998224725'
const NAME = 'Joana Prudência Anonimizável'
const WA_ID = '5583998877665'
const PHONE = '+5583998877665'
const SECRET_TEXT = 'meu endereço é Rua das Acácias 1234'

let s: TestServer
let rig: WhatsAppRig
let admin: { token: string; id: number }
let agent: { token: string }
let customerId: number
let ticketId: number
let sha: string

const api = (token: string, method: string, path: string, body?: unknown) =>
  fetch(s.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })

beforeAll(async () => {
  s = await startTestServer()
  rig = await whatsappRig(s)
  const a = await seedUser(s.ctx, { email: 'dpo@example.com', profile: 'admin' })
  admin = { token: a.token, id: a.user.id }
  agent = { token: (await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent' })).token }
  // The customer writes twice; their CPF in the text.
  expect((await rig.deliver(envelope(rig.phoneNumberId, textFrom(WA_ID, `Olá, meu CPF é ${CPF}`, NAME)))).status).toBe(200)
  expect((await rig.deliver(envelope(rig.phoneNumberId, textFrom(WA_ID, SECRET_TEXT, NAME)))).status).toBe(200)
  await rig.until(() => s.ctx.db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE direction = 'in'").get()!.n === 2)
  const ticket = s.ctx.db.query<{ id: number; contact_id: number }, []>('SELECT id, contact_id FROM tickets').get()!
  ticketId = ticket.id
  const res = await api(admin.token, 'POST', '/api/v1/customers', { name: NAME, code: '529.982.247-25', phone: PHONE, email: 'joana@example.com', notes: 'cliente desde 2020' })
  expect(res.status).toBe(201)
  customerId = ((await res.json()) as { id: number }).id
  // A file the customer sent, and the link between ticket and customer (the protocol form does this).
  sha = storeMediaFile(s.ctx, new TextEncoder().encode(`%PDF-1.4 contrato de ${NAME} CPF ${CPF}`))
  write(s.ctx.db, () => {
    const now = Date.now()
    const mediaId = s.ctx.db
      .query<{ id: number }, [string, number, number, number]>(
        "INSERT INTO media (channel_id, sha256, mime_type, filename, size, status, created_at, updated_at) VALUES (NULL, ?, 'application/pdf', 'contrato.pdf', ?, 'ready', ?, ?) RETURNING id",
      )
      .get(sha, 60, now, now)!.id
    s.ctx.stores.messages.insert({ ticket_id: ticketId, channel_id: rig.channelId, direction: 'in', author: 'customer', type: 'document', text: null, media_id: mediaId, status: 'received' })
    s.ctx.db.query('UPDATE tickets SET customer_id = ?, notes = ? WHERE id = ?').run(customerId, `ligar para ${PHONE}`, ticketId)
    // A survey answered with a comment (the customer's own words): the comment goes, the score stays.
    s.ctx.db
      .query("INSERT INTO surveys (ticket_id, contact_id, channel_id, kind, status, question, thanks, score, comment, sent_at, expires_at, answered_at) VALUES (?, ?, ?, 'csat', 'answered', 'Nota?', 'Obrigado', 4, ?, ?, ?, ?)")
      .run(ticketId, ticket.contact_id, rig.channelId, 'Atendente chamou a Prudência pelo nome', now, now + 3_600_000, now)
  })
})
afterAll(async () => {
  rig.meta.stop()
  await s.stop()
})

describe('LGPD export', () => {
  test('the API export holds the customer, contacts, tickets and every message, and is audited', async () => {
    const res = await api(admin.token, 'GET', `/api/v1/customers/${customerId}/export`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain('attachment')
    const body = (await res.json()) as { format: string; customer: { code: string; name: string }; contacts: { identity: string; name: string }[]; tickets: { id: number; messages: { text: string | null; media: { file: string } | null }[] }[] }
    expect(body.format).toBe('kumquat.customer-export/1')
    expect(body.customer).toMatchObject({ code: CPF, name: NAME })
    expect(body.contacts).toEqual([expect.objectContaining({ identity: WA_ID, name: NAME })])
    expect(body.tickets.map((x) => x.id)).toEqual([ticketId])
    const texts = body.tickets[0].messages.map((m) => m.text)
    expect(texts).toContain(`Olá, meu CPF é ${CPF}`)
    expect(texts).toContain(SECRET_TEXT)
    expect(body.tickets[0].messages.some((m) => m.media?.file?.startsWith('media/') && m.media.file.endsWith('contrato.pdf'))).toBe(true)
    const audit = s.ctx.stores.auditLog.search({ action: 'customer.export', limit: 5 })
    expect(audit[0]).toMatchObject({ actor_id: admin.id, object_type: 'customer', object_id: String(customerId) })
    expect(JSON.parse(audit[0].details)).toMatchObject({ format: 'json', tickets: 1, messages: 4, media: 1 })
  })

  test('the zip (API and page) holds customer.json and the file; unzip reads it', async () => {
    const res = await api(admin.token, 'GET', `/api/v1/customers/${customerId}/export?format=zip`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/zip')
    const dir = mkdtempSync(join(tmpdir(), 'kq-zip-'))
    const file = join(dir, 'x.zip')
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()))
    execFileSync('unzip', ['-q', '-t', file]) // CRCs and structure
    execFileSync('unzip', ['-q', file, '-d', join(dir, 'out')])
    expect(JSON.parse(readFileSync(join(dir, 'out', 'customer.json'), 'utf8')).customer.code).toBe(CPF)
    const media = readdirSync(join(dir, 'out', 'media'))
    expect(media).toHaveLength(1)
    expect(readFileSync(join(dir, 'out', 'media', media[0]), 'utf8')).toContain('%PDF-1.4 contrato')

    const browser = new Browser(s.url)
    await browser.login('dpo@example.com')
    const page = await browser.fetch(`/customers/${customerId}/privacy`)
    expect(page.status).toBe(200)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]
    const zip = await browser.post(`/customers/${customerId}/export`, { _csrf: csrf })
    expect(zip.status).toBe(200)
    expect(new Uint8Array(await zip.arrayBuffer()).subarray(0, 4)).toEqual(new Uint8Array([0x50, 0x4b, 0x03, 0x04]))
  })

  test('an agent (no export/anonymise cells) is refused, whatever is sent', async () => {
    expect((await api(agent.token, 'GET', `/api/v1/customers/${customerId}/export`)).status).toBe(403)
    expect((await api(agent.token, 'POST', `/api/v1/customers/${customerId}/anonymize`, { anything: 1 })).status).toBe(403)
    expect((await api(admin.token, 'GET', '/api/v1/customers/999999/export')).status).toBe(404)
  })
})

describe('LGPD anonymise', () => {
  test('refused while a ticket is open', async () => {
    const res = await api(admin.token, 'POST', `/api/v1/customers/${customerId}/anonymize`)
    expect(res.status).toBe(409)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('tickets_open')
  })

  test('nothing personal is left in the database files; the statistics are', async () => {
    s.ctx.db.run("UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ?", [Date.now(), ticketId])
    const before = s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM messages').get()!.n
    const res = await api(admin.token, 'POST', `/api/v1/customers/${customerId}/anonymize`)
    expect(res.status).toBe(200)
    const c = (await res.json()) as { name: string; code: string | null; phone: string | null; email: string | null }
    expect(c).toMatchObject({ code: null, phone: null, email: null })
    expect(c.name).toBe(`Cliente anonimizado #${customerId}`)

    // Statistics: the ticket, its times and every message row are still there.
    expect(s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM messages').get()!.n).toBe(before)
    const t = s.ctx.db.query<{ status: string; protocol: string; created_at: number }, [number]>('SELECT status, protocol, created_at FROM tickets WHERE id = ?').get(ticketId)!
    expect(t.status).toBe('closed')
    expect(s.ctx.db.query<{ n: number }, []>("SELECT count(*) AS n FROM media WHERE mime_type = 'application/pdf' AND size = 60").get()!.n).toBe(1)
    expect(existsSync(mediaPath(s.ctx, sha))).toBe(false)
    expect(s.ctx.db.query<{ score: number; comment: string | null }, [number]>('SELECT score, comment FROM surveys WHERE ticket_id = ?').get(ticketId)).toEqual({ score: 4, comment: null })

    // Every file of the database (and its WAL, if any) searched byte by byte.
    const needles = [CPF, '529.982.247-25', NAME, 'Prudência', 'Atendente chamou', WA_ID, PHONE, 'joana@example.com', 'Rua das Acácias', 'cliente desde 2020']
    const files = readdirSync(s.dataDir).filter((f) => f.startsWith('kumquat.db'))
    expect(files).toContain('kumquat.db')
    for (const f of files) {
      const path = join(s.dataDir, f)
      if (!statSync(path).isFile()) continue
      const bytes = readFileSync(path)
      for (const n of needles) expect({ file: f, needle: n, found: bytes.includes(Buffer.from(n, 'utf8')) }).toEqual({ file: f, needle: n, found: false })
    }

    const audit = s.ctx.stores.auditLog.search({ action: 'customer.anonymize', limit: 5 })
    expect(audit[0]).toMatchObject({ actor_id: admin.id, object_id: String(customerId) })
    // Done once: a second request is a conflict.
    expect((await api(admin.token, 'POST', `/api/v1/customers/${customerId}/anonymize`)).status).toBe(409)
  })

  test('the same number writing again starts a new, unlinked contact and ticket', async () => {
    expect((await rig.deliver(envelope(rig.phoneNumberId, textFrom(WA_ID, 'oi de novo', 'Outra Pessoa')))).status).toBe(200)
    await rig.until(() => s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM tickets').get()!.n === 2)
    const fresh = s.ctx.db.query<{ customer_id: number | null }, []>('SELECT customer_id FROM tickets ORDER BY id DESC LIMIT 1').get()!
    expect(fresh.customer_id).toBeNull()
  })
})
