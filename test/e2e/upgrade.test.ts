// Upgrade by swapping the binary. The PREVIOUS release is built from git history (the newest
// commit with fewer migrations than this tree, exported with `git archive` so the repository's own
// state is never touched), started on an empty data dir and filled through its CLI and API; then
// the current binary takes its place and must find everything, with the migrations applied. Then
// the old binary, started on the now newer database, must refuse with a clear message. Also: an
// old release's backup restores with the current binary and migrates at its first start.
// Without git history (a shallow clone, an export) the test is skipped, saying why.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeMeta, type FakeMeta } from '../../scripts/fake-meta'
import { signBody } from '../../src/channels/whatsapp/signature'
import { buildBinary, cleanEnv, freePort, killAll, REPO, run, start, tempDir, waitHealthy, type Proc } from './support'

const BUN = join(REPO, 'node_modules/.bin/bun')

function git(args: string[]): { ok: boolean; out: string; err: string } {
  const r = Bun.spawnSync(['git', '-C', REPO, ...args], { stdout: 'pipe', stderr: 'pipe' })
  return { ok: r.exitCode === 0, out: r.stdout.toString(), err: r.stderr.toString() }
}

const migrationCount = (names: string[]) => names.filter((n) => /^(?:migrations\/)?\d{4}_.*\.sql$/.test(n)).length

/** The newest commit (first-parent history of HEAD) with fewer migrations than this tree, or why there is none. */
function previousRelease(): { commit: string; migrations: number } | { skip: string } {
  if (!git(['rev-parse', '--is-inside-work-tree']).ok) return { skip: 'not a git work tree (no history to build the previous release from)' }
  const current = migrationCount(readdirSync(join(REPO, 'migrations')))
  const log = git(['log', '--first-parent', '--format=%H', '-n', '300', 'HEAD'])
  if (!log.ok) return { skip: `git log failed: ${log.err.trim()}` }
  for (const commit of log.out.trim().split('\n').filter(Boolean)) {
    const tree = git(['ls-tree', '--name-only', commit, 'migrations/', 'scripts/build.ts', 'src/db/migrate.ts'])
    if (!tree.ok) continue
    const names = tree.out.trim().split('\n')
    const n = migrationCount(names)
    if (n === 0 || n >= current || !names.includes('scripts/build.ts')) continue
    if (!git(['show', `${commit}:src/db/migrate.ts`]).out.includes('DatabaseTooNewError')) continue
    return { commit, migrations: n }
  }
  const shallow = git(['rev-parse', '--is-shallow-repository']).out.trim() === 'true'
  return { skip: shallow ? 'shallow clone: no earlier commit with fewer migrations in the fetched history (git fetch --unshallow)' : 'no earlier commit with fewer migrations in the history' }
}

const release = previousRelease()
const skip = 'skip' in release ? release.skip : null
if (skip) console.log(`SKIP upgrade test: ${skip}`)

const ADMIN = { email: 'ti@upgrade.test', password: 'Upgrade-pass-123', name: 'TI' }
const SECRET = 'upgrade-app-secret'
const PHONE = '1099000001'
const temps: string[] = []
let oldBin = ''
let newBin = ''
let meta: FakeMeta

beforeAll(async () => {
  if (skip || 'skip' in release) return
  // The previous release's source, exported (never a checkout in this repository), with this
  // repository's node_modules, built by its own build script.
  const src = tempDir('kumquat-upgrade-src-')
  temps.push(src)
  const archive = join(src, 'src.tar')
  const exported = git(['archive', '--format=tar', '-o', archive, release.commit])
  if (!exported.ok) throw new Error(`git archive: ${exported.err}`)
  const tree = join(src, 'tree')
  mkdirSync(tree)
  expect(Bun.spawnSync(['tar', '-xf', archive, '-C', tree]).exitCode).toBe(0)
  symlinkSync(join(REPO, 'node_modules'), join(tree, 'node_modules'))
  oldBin = join(src, 'kumquat-old')
  const build = Bun.spawnSync([BUN, 'scripts/build.ts', oldBin], { cwd: tree, stdout: 'pipe', stderr: 'pipe', env: cleanEnv() })
  if (build.exitCode !== 0) throw new Error(`building ${release.commit} failed:\n${build.stdout}\n${build.stderr}`)
  const bins = tempDir('kumquat-upgrade-new-')
  temps.push(bins)
  newBin = join(bins, 'kumquat-new')
  await buildBinary(newBin)
  meta = startFakeMeta()
  await fetch(meta.url + '/_fake/numbers', { method: 'POST', body: JSON.stringify({ phone_number_id: PHONE, waba_id: '2099', access_token: 'upgrade-token' }) })
}, 240_000)

afterAll(async () => {
  killAll()
  await meta?.stop()
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

async function serve(bin: string, dir: string, port: number): Promise<Proc> {
  copyFileSync(bin, join(dir, 'kumquat')) // the upgrade: swap the file
  const p = start(join(dir, 'kumquat'), ['serve'], { cwd: dir, env: { KUMQUAT_PORT: String(port), KUMQUAT_HOST: '127.0.0.1', LOG_LEVEL: 'info' } })
  await waitHealthy(p, `http://127.0.0.1:${port}`, 20_000)
  return p
}

async function stop(p: Proc) {
  p.kill('SIGTERM')
  expect(await p.exitWithin(8000)).toBe(0)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json: unknown = null
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, json, text }
}

const schemaOf = (dataDir: string) => {
  const db = new Database(join(dataDir, 'kumquat.db'), { readonly: true })
  try {
    return db.query<{ v: number }, []>('SELECT max(version) AS v FROM schema_migrations').get()!.v
  } finally {
    db.close()
  }
}

describe('upgrade by swapping the binary', () => {
  test.skipIf(!!skip)('previous release → current: everything is there, migrations applied; the old binary then refuses the newer database', async () => {
    if ('skip' in release) return
    const latest = migrationCount(readdirSync(join(REPO, 'migrations')))
    const dir = tempDir('kumquat-upgrade-run-')
    temps.push(dir)
    const dataDir = join(dir, 'data')
    const port = freePort()
    const base = `http://127.0.0.1:${port}`
    const cli = (args: string[]) => run(join(dir, 'kumquat'), args, { cwd: dir, env: { LOG_LEVEL: 'warn' } })

    // 1. The previous release, filled through its CLI and API.
    let server = await serve(oldBin, dir, port)
    expect(schemaOf(dataDir)).toBe(release.migrations)
    expect((await cli(['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--name', ADMIN.name])).code).toBe(0)
    const token = (await cli(['token', 'create', '--email', ADMIN.email, '--name', 'upgrade'])).stdout.trim()
    expect(token).toStartWith('kq_')
    const sector = await call(base, token, 'POST', '/api/v1/sectors', { name: 'Financeiro', routing: 'offer', survey: 'csat' })
    expect(sector.status).toBe(201)
    const agent = await call(base, token, 'POST', '/api/v1/users', { name: 'Bruno', email: 'bruno@upgrade.test', password: 'Bruno-pass-123', profile: 'agent', sector_ids: [sector.json.id] })
    expect(agent.status).toBe(201)
    const channel = await call(base, token, 'POST', '/api/v1/channels', {
      type: 'whatsapp', name: 'Vendas', phone_number_id: PHONE, waba_id: '2099', access_token: 'upgrade-token', app_secret: SECRET, graph_base_url: meta.url, sector_id: sector.json.id,
    })
    expect(channel.status).toBe(201)
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp', metadata: { display_phone_number: '5583', phone_number_id: PHONE },
        contacts: [{ profile: { name: 'Maria' }, wa_id: '5583988887777' }],
        messages: [{ from: '5583988887777', id: 'wamid.upgrade.1', timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'mensagem de antes do upgrade' } }],
      } }] }],
    })
    const hook = await fetch(base + new URL(channel.json.webhook_url).pathname, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(SECRET, body) } })
    expect(hook.status).toBe(200)
    let ticketId = 0
    for (let i = 0; i < 100 && !ticketId; i++) {
      ticketId = (await call(base, token, 'GET', '/api/v1/tickets')).json?.data?.[0]?.id ?? 0
      if (!ticketId) await Bun.sleep(50)
    }
    expect(ticketId).toBeGreaterThan(0)
    // The old release's own backup, for the restore below.
    const oldBackup = join(dir, 'old-backup.db')
    expect((await cli(['backup', oldBackup])).code).toBe(0)
    await stop(server)

    // 2. Swap in the current binary: migrations run at start, everything is there.
    server = await serve(newBin, dir, port)
    expect(schemaOf(dataDir)).toBe(latest)
    const migrated = await cli(['migrate'])
    expect(migrated.stdout.trim()).toBe(`schema is up to date (${latest})`)
    const me = await call(base, token, 'GET', '/api/v1/me')
    expect(me.status).toBe(200)
    expect(me.json).toMatchObject({ email: ADMIN.email, name: ADMIN.name, profile: 'admin' })
    const sectors = await call(base, token, 'GET', '/api/v1/sectors')
    expect(sectors.json.data).toContainEqual(expect.objectContaining({ id: sector.json.id, name: 'Financeiro', routing: 'offer', survey: 'csat' }))
    const user = await call(base, token, 'GET', `/api/v1/users/${agent.json.id}`)
    expect(user.json).toMatchObject({ email: 'bruno@upgrade.test', profile: 'agent', sector_ids: [sector.json.id] })
    const ch = await call(base, token, 'GET', `/api/v1/channels/${channel.json.id}`)
    expect(ch.json).toMatchObject({ name: 'Vendas', phone_number_id: PHONE })
    // The sealed credentials still decrypt: the connection test reaches the Graph API with them.
    expect((await call(base, token, 'POST', `/api/v1/channels/${channel.json.id}/test`)).json).toMatchObject({ ok: true })
    const msgs = await call(base, token, 'GET', `/api/v1/tickets/${ticketId}/messages`)
    expect(msgs.json.data.map((m: { text: string }) => m.text)).toContain('mensagem de antes do upgrade')
    // The admin's password (hashed by the old release) still signs in.
    const loginPage = await fetch(base + '/login')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await loginPage.text())![1]
    const cookie = loginPage.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    const login = await fetch(base + '/login', {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: csrf, email: ADMIN.email, password: ADMIN.password }),
    })
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).not.toContain('/login')
    await stop(server)

    // 3. Downgrade: the old binary on the newer database refuses, clearly, and touches nothing.
    copyFileSync(oldBin, join(dir, 'kumquat'))
    const refused = await run(join(dir, 'kumquat'), ['serve'], { cwd: dir, env: { KUMQUAT_PORT: String(port), KUMQUAT_HOST: '127.0.0.1' }, timeoutMs: 15_000 })
    expect(refused.code).toBe(65)
    expect(refused.stderr).toContain(`This database was written by a newer Kumquat (schema ${latest}; this binary knows up to ${release.migrations})`)
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    expect(schemaOf(dataDir)).toBe(latest)
    // …and the current binary still runs on it.
    server = await serve(newBin, dir, port)
    expect((await call(base, token, 'GET', '/api/v1/me')).status).toBe(200)
    await stop(server)

    // 4. The old release's backup restores with the current binary and migrates at its first start.
    const restoredDir = tempDir('kumquat-upgrade-restored-')
    temps.push(restoredDir)
    copyFileSync(newBin, join(restoredDir, 'kumquat'))
    // Old backups hold only the database: the installation's secret.key is copied by hand first.
    mkdirSync(join(restoredDir, 'data'))
    copyFileSync(join(dataDir, 'secret.key'), join(restoredDir, 'data', 'secret.key'))
    const restore = await run(join(restoredDir, 'kumquat'), ['restore', oldBackup], { cwd: restoredDir, env: {} })
    expect({ code: restore.code, stderr: restore.stderr.replace(/^kumquat: warning: no media archive.*\n/m, '') }).toEqual({ code: 0, stderr: '' })
    expect(restore.stdout).toContain('secret key: kept the one in the data dir; channel credentials readable: 1/1')
    expect(restore.stdout).toContain(`the next start migrates it from schema ${release.migrations} to ${latest}`)
    expect(existsSync(join(restoredDir, 'data', 'kumquat.db'))).toBe(true)
    const port2 = freePort()
    server = await serve(newBin, restoredDir, port2)
    expect(schemaOf(join(restoredDir, 'data'))).toBe(latest)
    expect((await call(`http://127.0.0.1:${port2}`, token, 'GET', '/api/v1/me')).status).toBe(200)
    await stop(server)
    console.log(`upgrade: ${release.commit.slice(0, 7)} (schema ${release.migrations}) → working tree (schema ${latest})`)
  }, 120_000)
})
