// Notices (avisos): who publishes, who receives (everyone, a sector, a profile), scheduled starts
// and ends pushed live, marking as read, withdrawing, and the notices page.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { SseReader } from '../../test/support/sse'
import { makeSector } from '../reports/fixture'
import { localDateTimeValue } from '../reports/period'
import { announceDue } from './notices'

let s: TestServer
const ids: Record<string, number> = {}
const users: Record<string, Browser> = {}
const tz = () => s.ctx.config.timeZone
const when = (ms: number) => localDateTimeValue(ms, tz())

const area = async (who: string) => (await users[who].fetch('/notices/area')).text()
async function publish(who: string, fields: Record<string, string>) {
  const csrf = await users[who].csrf('/notices')
  return users[who].post('/notices', { _csrf: csrf, title: '', body: '', level: 'info', target: 'all', sector_id: '', profile_id: '', starts_at: '', ends_at: '', ...fields })
}
const noticeId = (title: string) => s.ctx.db.query<{ id: number }, [string]>('SELECT id FROM notices WHERE title = ?').get(title)!.id

beforeAll(async () => {
  s = await startTestServer()
  ids.S1 = makeSector(s.ctx, 'Vendas')
  ids.S2 = makeSector(s.ctx, 'Suporte')
  for (const [name, profile, sectors] of [
    ['ana', 'agent', [ids.S1]],
    ['caio', 'agent', [ids.S2]],
    ['sue', 'supervisor', [ids.S1]],
    ['root', 'admin', []],
  ] as const) {
    const { user } = await seedUser(s.ctx, { email: `${name}@example.com`, name, profile, sector_ids: [...sectors] })
    ids[name] = user.id
    users[name] = new Browser(s.url)
    await users[name].login(`${name}@example.com`)
  }
  ids.agentProfile = s.ctx.stores.users.get(ids.ana)!.profile_id
})
afterAll(() => s.stop())

describe('publishing', () => {
  test('agents may not publish; a bad form is explained and keeps what was typed', async () => {
    const csrf = await users.ana.csrf('/notices')
    expect((await users.ana.post('/notices', { _csrf: csrf, title: 'x', level: 'info', target: 'all' })).status).toBe(403)
    expect(await (await users.ana.fetch('/notices')).text()).not.toContain('name="title"')
    const bad = await publish('sue', { title: 'Manutenção <b>às 18h</b>', target: 'sector', sector_id: '', starts_at: when(Date.now() + 3_600_000), ends_at: when(Date.now() + 1_800_000) })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toContain('Escolha o setor.')
    expect(html).toContain('O fim precisa ser depois do início.')
    expect(html).toContain('value="Manutenção <b>às 18h</b>"') // an attribute: quotes and ampersands escaped, markup inert
    expect(s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM notices').get()!.n).toBe(0)
  })

  test('to a sector: its members see it (escaped) in every page’s notices area, live; others do not', async () => {
    const abort = new AbortController()
    const ana = new SseReader(await users.ana.fetch('/events', { signal: abort.signal }))
    const caio = new SseReader(await users.caio.fetch('/events', { signal: abort.signal }))
    const res = await publish('sue', { title: 'Sistema lento <script>x</script>', body: 'Usem o plano B.', level: 'warning', target: 'sector', sector_id: String(ids.S1) })
    expect(res.status).toBe(303)
    const ev = (await ana.next(3000))!
    expect(ev.data).toStartWith('<hx-partial hx-target="#notices-list" hx-swap="innerHTML">')
    expect(ev.data).toContain('Sistema lento &lt;script&gt;x&lt;/script&gt;')
    expect(ev.data).toContain('data-level="warning"')
    expect(await caio.quiet(500)).toBe(true)
    abort.abort()
    expect(await area('ana')).toContain('Usem o plano B.')
    expect(await area('sue')).toContain('Usem o plano B.')
    expect(await area('caio')).not.toContain('Usem o plano B.')
    // The audit log knows who published.
    expect(s.ctx.db.query<{ actor_id: number }, []>("SELECT actor_id FROM audit_log WHERE action = 'notice.publish'").get()!.actor_id).toBe(ids.sue)
  })

  test('to a profile, and to everyone', async () => {
    await publish('root', { title: 'Para atendentes', target: 'profile', profile_id: String(ids.agentProfile) })
    await publish('root', { title: 'Para todos', target: 'all' })
    expect(await area('ana')).toContain('Para atendentes')
    expect(await area('caio')).toContain('Para atendentes')
    expect(await area('sue')).not.toContain('Para atendentes')
    for (const who of ['ana', 'caio', 'sue', 'root']) expect(await area(who)).toContain('Para todos')
  })

  test('marking as read removes it from that user’s pages only (live on their other pages)', async () => {
    const id = noticeId('Para todos')
    const abort = new AbortController()
    const other = new SseReader(await users.ana.fetch('/events', { signal: abort.signal }))
    const res = await users.ana.post(`/notices/${id}/read`, { _csrf: await users.ana.csrf('/notices') }, { 'hx-request': 'true' })
    expect(res.status).toBe(204)
    const ev = (await other.next(3000))!
    expect(ev.data).toContain('#notices-list')
    expect(ev.data).not.toContain('Para todos')
    abort.abort()
    expect(await area('ana')).not.toContain('Para todos')
    expect(await area('caio')).toContain('Para todos')
    // Listed on the notices page as read.
    const page = await (await users.ana.fetch('/notices')).text()
    expect(page.slice(page.indexOf(`id="notice-row-${id}"`))).toContain('lido')
    // Someone who never received a notice cannot mark it.
    const sectorOnly = noticeId('Sistema lento <script>x</script>')
    expect((await users.caio.post(`/notices/${sectorOnly}/read`, { _csrf: await users.caio.csrf('/notices') })).status).toBe(404)
  })

  test('scheduled: appears when its start comes and goes when its end comes, pushed live', async () => {
    const now = Date.now()
    const start = now + 120_000
    await publish('root', { title: 'Feriado amanhã', target: 'all', starts_at: when(start), ends_at: when(start + 3_600_000) })
    const id = noticeId('Feriado amanhã')
    expect(await area('caio')).not.toContain('Feriado amanhã')
    const abort = new AbortController()
    const caio = new SseReader(await users.caio.fetch('/events', { signal: abort.signal }))
    expect(announceDue(s.ctx, Date.now())).toBe(0) // not yet
    // Time passes (the start is moved to a second ago); the notices clock (a worker) reaches it.
    s.ctx.db.query('UPDATE notices SET starts_at = ? WHERE id = ?').run(Date.now() - 1000, id)
    expect(announceDue(s.ctx)).toBe(1)
    expect(announceDue(s.ctx)).toBe(0) // once
    let ev = (await caio.next(3000))!
    while (!ev.data.includes('#notices-list')) ev = (await caio.next(3000))!
    expect(ev.data).toContain('Feriado amanhã')
    // Simulate the notice ending (its end time passed) — the clock pushes the end.
    s.ctx.db.query('UPDATE notices SET starts_at = ?, ends_at = ? WHERE id = ?').run(Date.now() - 60_000, Date.now() - 1000, id)
    expect(announceDue(s.ctx)).toBe(1)
    ev = (await caio.next(3000))!
    expect(ev.data).not.toContain('Feriado amanhã')
    abort.abort()
    const page = await (await users.caio.fetch('/notices')).text()
    expect(page.slice(page.indexOf(`id="notice-row-${id}"`))).toContain('Encerrado')
  })

  test('withdrawn early by a manager: gone everywhere', async () => {
    const id = noticeId('Para atendentes')
    expect((await users.ana.post(`/notices/${id}/withdraw`, { _csrf: await users.ana.csrf('/notices') })).status).toBe(403)
    expect((await users.root.post(`/notices/${id}/withdraw`, { _csrf: await users.root.csrf('/notices') })).status).toBe(303)
    expect(await area('caio')).not.toContain('Para atendentes')
    const page = await (await users.root.fetch('/notices')).text()
    expect(page.slice(page.indexOf(`id="notice-row-${id}"`))).toContain('Retirado')
  })

  test('the layout loads the notices area after the page', async () => {
    const home = await (await users.ana.fetch('/notices')).text()
    expect(home).toContain('<section id="notices" class="notices" aria-label="Avisos" hx-get="/notices/area" hx-trigger="load" hx-swap="afterbegin">')
    expect(home).toContain('href="/notices"')
  })
})
