// Housekeeping (issue 9): stored webhook deliveries, sent outbox rows, old delivery statuses and
// expired sessions are pruned in batches by a worker; never a delivery not yet processed, and
// failed ones only after their longer retention.
import { afterEach, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createUser } from '../admin/users'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { write } from '../db/open'
import { createLogger } from '../logger'
import { PRUNE_BATCH, pruneBatch, startHousekeeping } from './housekeeping'

const DAY = 86_400_000
const now = Date.now()
const contexts: Context[] = []
const dirs: string[] = []
afterEach(() => {
  for (const c of contexts.splice(0)) c.db.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function context(env: Record<string, string> = {}): Context {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumquat-housekeeping-'))
  dirs.push(dataDir)
  const ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dataDir, ...env }), createLogger('silent'))
  contexts.push(ctx)
  return ctx
}

function channel(ctx: Context): number {
  return write(ctx.db, () =>
    ctx.stores.channels.create({
      type: 'whatsapp',
      name: 'Loja',
      sector_id: ctx.stores.sectors.create({ name: 'Geral', routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }),
      bot_flow_id: null,
      webhook_key: 'k'.repeat(32),
      settings: { phone_number_id: '123456', waba_id: '1', graph_base_url: 'http://127.0.0.1:9', graph_version: 'v24.0' },
      secrets: { access_token: 't', app_secret: 's', verify_token: 'v' },
      lookup_key: '123456',
    }),
  )
}

/** Rows of every kind and age, inserted as the stores would have left them. */
function fill(ctx: Context, oldDone: number) {
  const ch = channel(ctx)
  const body = new TextEncoder().encode('{"object":"whatsapp_business_account","entry":[]}')
  const inbound = ctx.db.query<unknown, [number, number, Uint8Array, string, number | null]>(
    'INSERT INTO inbound_events (channel_id, received_at, body, status, processed_at) VALUES (?, ?, ?, ?, ?)',
  )
  const outbox = ctx.db.query<unknown, [number, string, number, number, number]>(
    "INSERT INTO outbox (channel_id, kind, status, next_attempt_at, created_at, updated_at) VALUES (?, 'send', ?, ?, ?, ?)",
  )
  const status = ctx.db.query<unknown, [number, string, string, number, number]>(
    'INSERT INTO message_statuses (channel_id, external_id, status, applied, received_at) VALUES (?, ?, ?, ?, ?)',
  )
  write(ctx.db, () => {
    // Pending deliveries, even very old ones (a processor stuck since then), are never pruned.
    for (let i = 0; i < 3; i++) inbound.run(ch, now - 100 * DAY, body, 'pending', null)
    for (let i = 0; i < oldDone; i++) inbound.run(ch, now - 8 * DAY, body, 'done', now - 8 * DAY)
    for (let i = 0; i < 5; i++) inbound.run(ch, now - DAY, body, 'done', now - DAY)
    for (let i = 0; i < 2; i++) inbound.run(ch, now - 10 * DAY, body, 'failed', now - 10 * DAY) // kept: failed keep 30 days
    for (let i = 0; i < 2; i++) inbound.run(ch, now - 40 * DAY, body, 'failed', now - 40 * DAY)
    // Sent rows go after 7 days; failed and unfinished ones stay.
    for (let i = 0; i < 4; i++) outbox.run(ch, 'done', now - 9 * DAY, now - 9 * DAY, now - 9 * DAY)
    outbox.run(ch, 'done', now - 2 * DAY, now - 2 * DAY, now - 2 * DAY)
    outbox.run(ch, 'failed', now - 50 * DAY, now - 50 * DAY, now - 50 * DAY)
    outbox.run(ch, 'pending', now - 50 * DAY, now - 50 * DAY, now - 50 * DAY)
    // Statuses: a month old, applied or still waiting for their wamid, go; recent ones stay.
    status.run(ch, 'wamid.old1', 'delivered', 1, now - 31 * DAY)
    status.run(ch, 'wamid.old2', 'read', 0, now - 31 * DAY)
    status.run(ch, 'wamid.new', 'read', 1, now - 2 * DAY)
  })
}

const counts = (ctx: Context) => ({
  inbound: Object.fromEntries(ctx.db.query<{ status: string; n: number }, []>('SELECT status, count(*) AS n FROM inbound_events GROUP BY status ORDER BY status').all().map((r) => [r.status, r.n])),
  outbox: Object.fromEntries(ctx.db.query<{ status: string; n: number }, []>('SELECT status, count(*) AS n FROM outbox GROUP BY status ORDER BY status').all().map((r) => [r.status, r.n])),
  statuses: ctx.db.query<{ id: string }, []>('SELECT external_id AS id FROM message_statuses ORDER BY external_id').all().map((r) => r.id),
})
const AFTER = { inbound: { done: 5, failed: 2, pending: 3 }, outbox: { done: 1, failed: 1, pending: 1 }, statuses: ['wamid.new'] }

test('prunes in batches of at most PRUNE_BATCH rows: old processed deliveries, old failed ones, sent outbox rows, old statuses', () => {
  const ctx = context()
  fill(ctx, PRUNE_BATCH + 200)
  const first = pruneBatch(ctx, now)
  expect(first).toEqual({ inbound_done: PRUNE_BATCH, inbound_failed: 2, outbox_done: 4, statuses: 2, more: true })
  expect(counts(ctx).inbound.pending).toBe(3)
  const second = pruneBatch(ctx, now)
  expect(second).toEqual({ inbound_done: 200, inbound_failed: 0, outbox_done: 0, statuses: 0, more: false })
  expect(counts(ctx)).toEqual(AFTER)
  expect(pruneBatch(ctx, now)).toEqual({ inbound_done: 0, inbound_failed: 0, outbox_done: 0, statuses: 0, more: false })
})

test('retention comes from KUMQUAT_INBOUND_RETENTION_DAYS / KUMQUAT_INBOUND_FAILED_RETENTION_DAYS', () => {
  expect(loadConfig({}).inboundRetentionDays).toBe(7)
  expect(loadConfig({}).inboundFailedRetentionDays).toBe(30)
  expect(() => loadConfig({ KUMQUAT_INBOUND_RETENTION_DAYS: '0' })).toThrow(/KUMQUAT_INBOUND_RETENTION_DAYS/)
  const ctx = context({ KUMQUAT_INBOUND_RETENTION_DAYS: '10', KUMQUAT_INBOUND_FAILED_RETENTION_DAYS: '9' })
  fill(ctx, 3)
  pruneBatch(ctx, now)
  const c = counts(ctx)
  expect(c.inbound).toEqual({ done: 8, pending: 3 }) // 8-day-old done rows kept 10 days; 10- and 40-day-old failed ones past 9
  expect(c.outbox.done).toBe(5)
})

test('the worker drains a backlog at start, purges expired sessions and sweeps stale media temp files', async () => {
  const ctx = context()
  fill(ctx, 2 * PRUNE_BATCH + 10)
  const user = await createUser(ctx, null, { name: 'Ana', email: 'ana@example.com', password: 'correct horse battery', profile: 'agent', sector_ids: [] })
  const live = write(ctx.db, () => ctx.stores.sessions.create(user.id, { remember: false, ip: null, userAgent: null, lifetimeMs: DAY }))
  const gone = write(ctx.db, () => ctx.stores.sessions.create(user.id, { remember: false, ip: null, userAgent: null, lifetimeMs: DAY }))
  ctx.db.query('UPDATE sessions SET expires_at = ? WHERE id = ?').run(now - 8 * DAY, gone.id)
  const tmpFolder = join(ctx.mediaDir, 'ab')
  mkdirSync(tmpFolder, { recursive: true })
  const stale = join(tmpFolder, `${'a'.repeat(64)}.tmp-1-1`)
  writeFileSync(stale, 'x')
  utimesSync(stale, (now - 2 * 3_600_000) / 1000, (now - 2 * 3_600_000) / 1000)

  const worker = startHousekeeping(ctx, 3_600_000)
  expect(existsSync(stale)).toBe(false)
  const deadline = Date.now() + 10_000
  while (JSON.stringify(counts(ctx)) !== JSON.stringify(AFTER) && Date.now() < deadline) await Bun.sleep(10)
  await worker.stop()
  expect(counts(ctx)).toEqual(AFTER)
  expect(ctx.db.query<{ id: number }, []>('SELECT id FROM sessions').all().map((r) => r.id)).toEqual([live.id])
})
