// Fault: malformed and hostile input (fast-check).
// - parseDelivery (the webhook parser) throws nothing but DeliveryShapeError, whatever it is given.
// - The webhook endpoint of the compiled binary, fed arbitrary SIGNED bodies, answers 200 or 400
//   (never 5xx), keeps running, and what it stores is processed whole or not at all.
// - Every API body schema (each POST/PUT/PATCH route with a body in /api/v1/openapi.json), fed
//   arbitrary JSON, never answers 5xx, and a 4xx answer writes nothing.
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { join } from 'node:path'
import { DeliveryShapeError, parseDelivery } from '../../src/channels/whatsapp/parse'
import { signBody } from '../../src/channels/whatsapp/signature'
import { api, deliver, faultRig, textDelivery, until } from './support'

// ---- arbitraries -----------------------------------------------------------------------------------

const anyJson = fc.jsonValue({ maxDepth: 4 })
const weird = fc.oneof(
  anyJson,
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', '9'.repeat(40), '\u0000', '\ud800', '<script>alert(1)</script>', "'; DROP TABLE messages; --", '../../etc/passwd', '%s%n', '🍊'.repeat(50)),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 63), Number.MAX_VALUE, true, false, null),
)
/** Either the realistic value or something hostile, at every level. */
const or = <T>(real: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: real }, { weight: 1, arbitrary: weird as fc.Arbitrary<unknown> })

const digits = fc.stringMatching(/^[0-9]{5,15}$/)
const messageArb = (phone: string) =>
  fc.record(
    {
      from: or(digits),
      id: or(fc.string({ minLength: 1, maxLength: 80 }).map((s) => `wamid.${s}`)),
      timestamp: or(fc.integer({ min: 0, max: 2 ** 33 }).map(String)),
      type: or(fc.constantFrom('text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive', 'button', 'reaction', 'order', 'system', 'unsupported', 'revoke', 'edit', 'ephemeral', '')),
      text: or(fc.record({ body: or(fc.string({ maxLength: 5000 })) })),
      image: or(fc.record({ id: or(fc.string()), mime_type: or(fc.constantFrom('image/jpeg', 'image/png', 'text/html')), sha256: or(fc.string()), caption: or(fc.string()) }, { requiredKeys: [] })),
      document: or(fc.record({ id: or(fc.string()), filename: or(fc.string()), mime_type: or(fc.string()) }, { requiredKeys: [] })),
      location: or(fc.record({ latitude: or(fc.double()), longitude: or(fc.double()), name: or(fc.string()) }, { requiredKeys: [] })),
      interactive: or(fc.record({ type: or(fc.constantFrom('button_reply', 'list_reply', 'nfm_reply')), button_reply: or(fc.record({ id: or(fc.string()), title: or(fc.string()) })), nfm_reply: or(fc.record({ response_json: or(fc.string()), body: or(fc.string()) })) }, { requiredKeys: [] })),
      reaction: or(fc.record({ message_id: or(fc.string()), emoji: or(fc.string()) }, { requiredKeys: [] })),
      context: or(fc.record({ id: or(fc.string()), from: or(digits), forwarded: or(fc.boolean()) }, { requiredKeys: [] })),
      contacts: or(fc.array(anyJson, { maxLength: 3 })),
      errors: or(fc.array(fc.record({ code: or(fc.integer()), title: or(fc.string()) }, { requiredKeys: [] }), { maxLength: 2 })),
      edit: or(fc.record({ original_message_id: or(fc.string()), message: or(anyJson) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  ).map((m) => ({ ...m, _phone: phone }))
const statusArb = fc.record(
  {
    id: or(fc.string({ minLength: 1 })),
    status: or(fc.constantFrom('sent', 'delivered', 'read', 'played', 'failed', 'deleted', '')),
    timestamp: or(fc.integer({ min: 0, max: 2 ** 33 }).map(String)),
    recipient_id: or(digits),
    errors: or(fc.array(anyJson, { maxLength: 2 })),
    conversation: or(anyJson),
    pricing: or(anyJson),
  },
  { requiredKeys: [] },
)
const deliveryArb = (phone: string) =>
  fc.record({
    object: fc.oneof({ weight: 9, arbitrary: fc.constant('whatsapp_business_account') }, { weight: 1, arbitrary: weird }),
    entry: or(
      fc.array(
        or(
          fc.record(
            {
              id: or(fc.constant('WABA')),
              time: or(fc.integer()),
              changes: or(
                fc.array(
                  or(
                    fc.record(
                      {
                        field: or(fc.constantFrom('messages', 'message_template_status_update', 'message_template_quality_update', 'template_category_update', 'account_update')),
                        value: or(
                          fc.record(
                            {
                              messaging_product: or(fc.constant('whatsapp')),
                              metadata: or(fc.record({ phone_number_id: or(fc.constant(phone)), display_phone_number: or(fc.string()) }, { requiredKeys: [] })),
                              contacts: or(fc.array(or(fc.record({ wa_id: or(digits), user_id: or(fc.string()), profile: or(fc.record({ name: or(fc.string()) })) }, { requiredKeys: [] })), { maxLength: 3 })),
                              messages: or(fc.array(or(messageArb(phone).map(({ _phone, ...m }) => m)), { maxLength: 4 })),
                              statuses: or(fc.array(or(statusArb), { maxLength: 3 })),
                              errors: or(fc.array(anyJson, { maxLength: 2 })),
                              message_template_id: or(fc.integer()),
                              event: or(fc.string()),
                            },
                            { requiredKeys: [] },
                          ),
                        ),
                      },
                      { requiredKeys: [] },
                    ),
                  ),
                  { maxLength: 3 },
                ),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        { maxLength: 3 },
      ),
    ),
  }, { requiredKeys: [] })

// ---- the parser, in process -------------------------------------------------------------------------

describe('webhook parser', () => {
  test('parseDelivery throws only DeliveryShapeError, for anything at all', () => {
    const onlyShapeErrors = (body: unknown) => {
      try {
        const out = parseDelivery(body)
        expect(Array.isArray(out.messages) && Array.isArray(out.statuses) && Array.isArray(out.errors)).toBe(true)
      } catch (err) {
        if (!(err instanceof DeliveryShapeError)) throw err
      }
    }
    fc.assert(fc.property(fc.anything({ maxDepth: 5, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true }), onlyShapeErrors), { numRuns: 3000 })
    fc.assert(fc.property(deliveryArb('1234567890'), onlyShapeErrors), { numRuns: 3000 })
    // Inputs JSON.parse can really produce (what the webhook hands it).
    fc.assert(fc.property(deliveryArb('1234567890').map((d) => JSON.parse(JSON.stringify(d))), onlyShapeErrors), { numRuns: 2000 })
  })
})

// ---- the binary ----------------------------------------------------------------------------------------

const rig = faultRig({ LOG_LEVEL: 'info' })

const scalar = <T>(db: Database, sql: string) => Object.values(db.query(sql).get() as Record<string, T>)[0]

describe('webhook endpoint (compiled binary)', () => {
  test('arbitrary signed bodies: 200 or 400, never 5xx; what is stored is processed whole or not at all', async () => {
    const { k, p } = rig
    const answers = new Map<number, number>()
    const count = (s: number) => answers.set(s, (answers.get(s) ?? 0) + 1)
    const send = async (raw: string) => {
      const bytes = new TextEncoder().encode(raw) // signed over exactly the bytes sent
      const res = await fetch(k.base + p.webhookPath, {
        method: 'POST',
        body: bytes,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(p.appSecret, bytes) },
      })
      await res.arrayBuffer()
      count(res.status)
      return res.status
    }
    // Structured deliveries with hostile parts.
    await fc.assert(
      fc.asyncProperty(deliveryArb(p.phoneNumberId), async (d) => {
        const status = await send(JSON.stringify(d))
        // A delivery the parser refuses as a whole (wrong object, no entry array) is refused at the door.
        const isDelivery = (d as { object?: unknown }).object === 'whatsapp_business_account' && Array.isArray((d as { entry?: unknown }).entry)
        expect(status).toBe(isDelivery ? 200 : 400)
      }),
      { numRuns: 600 },
    )
    // Any JSON at all, and text that is not JSON.
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson.map((j) => JSON.stringify(j)), fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 500 })), async (raw) => {
        const status = await send(raw)
        expect([200, 400]).toContain(status)
      }),
      { numRuns: 400 },
    )
    // A good delivery still works afterwards, and the server is alive.
    const good = textDelivery(p.phoneNumberId, '5583990009999', 'depois do fuzz')
    expect((await deliver(k, p, good.body)).status).toBe(200)

    // Processing settles: nothing pending; nothing half-written.
    await until(() => {
      const db = k.db()
      try {
        return scalar<number>(db, "SELECT count(*) FROM inbound_events WHERE status = 'pending'") === 0
      } finally {
        db.close()
      }
    }, 30_000, 'every stored delivery processed')
    const db = k.db()
    try {
      const failed = db.query<{ id: number; error: string | null }, []>("SELECT id, error FROM inbound_events WHERE status = 'failed'").all()
      const stored = scalar<number>(db, 'SELECT count(*) FROM inbound_events')
      const reasons = [...new Set(failed.map((f) => f.error))]
      console.log(`webhook fuzz: answers ${JSON.stringify(Object.fromEntries(answers))}; ${stored} stored, ${failed.length} failed in processing; reasons ${JSON.stringify(reasons)}`)
      // Deliveries the parser refuses as a whole are answered 400 and never stored; anything stored
      // failing in processing is a processing bug.
      expect(reasons).toEqual([])
      expect(db.query('PRAGMA foreign_key_check').all()).toEqual([])
      expect(scalar<string>(db, 'PRAGMA integrity_check')).toBe('ok')
      // No partial conversation: every ticket has a message, every inbound message a ticket and a contact.
      expect(scalar<number>(db, 'SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id)')).toBe(0)
      expect(db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM messages WHERE external_id = ? AND direction = 'in'").get(good.id)!.n).toBe(1)
    } finally {
      db.close()
    }
    expect(k.proc.running).toBe(true)
    expect(k.proc.stdout).not.toContain('unhandled error')
    expect(k.proc.stdout).not.toContain('worker pass failed')
  }, 120_000)
})

// ---- every API body schema ----------------------------------------------------------------------------

interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  enum?: unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  format?: string
}

/** Bodies near the schema (right keys, values right or wrong), so validation is tested past the top level. */
function fromSchema(s: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 4) return anyJson
  const variants = s.anyOf ?? s.oneOf
  if (variants?.length) return fc.oneof(...variants.map((v) => fromSchema(v, depth + 1)))
  if (s.const !== undefined) return or(fc.constant(s.const))
  if (s.enum) return or(fc.constantFrom(...s.enum))
  const type = Array.isArray(s.type) ? s.type[0] : s.type
  switch (type) {
    case 'object': {
      const props = s.properties ?? {}
      const keys = Object.keys(props)
      if (!keys.length) return or(fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 3 }))
      const rec = fc.record(Object.fromEntries(keys.map((key) => [key, or(fromSchema(props[key], depth + 1))])), { requiredKeys: [] })
      // Sometimes an unknown key too.
      return fc.oneof({ weight: 4, arbitrary: rec }, { weight: 1, arbitrary: fc.tuple(rec, fc.string({ minLength: 1, maxLength: 8 }), anyJson).map(([r, k2, v]) => ({ ...(r as object), [k2]: v })) })
    }
    case 'array':
      return or(fc.array(fromSchema(s.items, depth + 1), { maxLength: 6 }))
    case 'string':
      if (s.format === 'date-time') return or(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()))
      return or(fc.string({ minLength: Math.max(0, (s.minLength ?? 0) - 1), maxLength: Math.min((s.maxLength ?? 40) + 2, 300) }))
    case 'integer':
      return or(fc.integer({ min: (s.minimum ?? -10) - 2, max: Math.min((s.maximum ?? 1000) + 2, 2 ** 31) }))
    case 'number':
      return or(fc.double())
    case 'boolean':
      return or(fc.boolean())
    case 'null':
      return fc.constant(null)
    default:
      return anyJson
  }
}

/** Content of the tables an API call may write (api_tokens.last_used_at is touched on use: left out). */
function fingerprint(db: Database): Map<string, string> {
  const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('api_tokens', 'sessions') ORDER BY name").all()
  const out = new Map<string, string>()
  for (const { name } of tables) {
    const rows = db.query(`SELECT * FROM "${name}"`).all()
    out.set(name, new Bun.CryptoHasher('sha1').update(JSON.stringify(rows)).digest('hex') + `:${rows.length}`)
  }
  return out
}
const changedTables = (a: Map<string, string>, b: Map<string, string>) => [...new Set([...a.keys(), ...b.keys()])].filter((t) => a.get(t) !== b.get(t))

describe('API body schemas (compiled binary)', () => {
  test('arbitrary JSON to every POST/PUT/PATCH body: never 5xx; a 4xx writes nothing', async () => {
    const { k, p } = rig
    const doc = (await api(k, p.token, 'GET', '/api/v1/openapi.json')).json as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>> }
    // Things for path parameters to point at: a victim user (never the caller), a ticket.
    const victim = await api(k, p.token, 'POST', '/api/v1/users', { name: 'Vítima', email: 'victim@faults.test', password: 'victim-password-1', profile: 'agent' })
    expect(victim.status).toBe(201)
    expect((await deliver(k, p, textDelivery(p.phoneNumberId, '5583990008888', 'ticket do fuzz').body)).status).toBe(200)
    const ticket = await until(async () => (await api(k, p.token, 'GET', '/api/v1/tickets?limit=1')).json?.data?.[0]?.id as number | undefined, 10_000, 'a ticket')
    const idFor = async (path: string): Promise<string> => {
      if (path.startsWith('/api/v1/users/')) return String(victim.json.id)
      if (path.startsWith('/api/v1/channels/')) return String(p.channelId)
      const list = await api(k, p.token, 'GET', path.replace(/\/\{id\}.*$/, '') + '?limit=1')
      return String(list.json?.data?.[0]?.id ?? 1)
    }

    const routes: { method: string; path: string; schema: JsonSchema | undefined }[] = []
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!['post', 'put', 'patch'].includes(method)) continue
        const content = op.requestBody?.content
        if (!content?.['application/json']) continue
        routes.push({ method: method.toUpperCase(), path, schema: content['application/json'].schema })
      }
    }
    expect(routes.length).toBeGreaterThanOrEqual(8)

    const db = k.db()
    const dataVersion = () => db.query<{ data_version: number }, []>('PRAGMA data_version').get()!.data_version
    // The full fingerprint is recomputed only when another connection committed something.
    let cached = { dv: dataVersion(), fp: fingerprint(db) }
    const current = () => {
      const dv = dataVersion()
      if (dv !== cached.dv) cached = { dv, fp: fingerprint(db) }
      return cached
    }
    /**
     * Waits until nothing has been committed for 150 ms (a 2xx may have started background work)
     * and no message is waiting in the outbox: the sender's retries (backoff of seconds) would
     * otherwise commit in the middle of a later request and be blamed on it.
     */
    const outboxBusy = () => db.query<{ n: number }, []>("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')").get()!.n > 0
    const quiet = async () => {
      let dv = dataVersion()
      for (let i = 0; i < 200; i++) {
        await Bun.sleep(50)
        const next = dataVersion()
        if (next === dv && i >= 2 && !outboxBusy()) return
        dv = next
      }
      // A message still retrying after 10 s (backoff of seconds to minutes) would keep committing
      // during later requests: park it, so every later change is the request's own.
      const rw = new Database(join(k.dataDir, 'kumquat.db'))
      try {
        rw.run('PRAGMA busy_timeout = 5000')
        rw.run("UPDATE outbox SET status = 'failed', last_error = 'parked by the fuzz test' WHERE status = 'pending'")
      } finally {
        rw.close()
      }
      await Bun.sleep(200)
    }
    const summary: Record<string, Record<number, number>> = {}
    const problems: string[] = []
    try {
      for (const route of routes) {
        let path = route.path
        for (const m of route.path.matchAll(/\{(\w+)\}/g)) path = path.replace(m[0], m[1] === 'ticket' ? String(ticket) : await idFor(route.path))
        const counts: Record<number, number> = (summary[`${route.method} ${route.path}`] = {})
        await quiet() // what the set-up or the previous route started has settled
        const bodies = fc.oneof({ weight: 3, arbitrary: fromSchema(route.schema) }, { weight: 1, arbitrary: anyJson })
        await fc.assert(
          fc.asyncProperty(bodies, async (body) => {
            const before = current()
            const r = await api(k, p.token, route.method, path, undefined, { raw: JSON.stringify(body) ?? 'null' })
            counts[r.status] = (counts[r.status] ?? 0) + 1
            if (r.status >= 500) problems.push(`${route.method} ${path} → ${r.status} for ${JSON.stringify(body).slice(0, 300)}: ${r.text.slice(0, 200)}`)
            expect(r.status).toBeLessThan(500)
            if (r.status < 400) return quiet()
            expect(r.json?.error?.code).toBeString()
            if (dataVersion() === before.dv) return // nothing at all was committed meanwhile
            const after = current()
            const changed = changedTables(before.fp, after.fp)
            if (!changed.length) return
            // Unless the database is changing on its own right now, the request wrote it.
            await Bun.sleep(300)
            const idle = changedTables(after.fp, current().fp)
            if (!idle.length) problems.push(`${route.method} ${path} → ${r.status} but wrote ${changed.join(', ')} for ${JSON.stringify(body).slice(0, 300)}`)
            expect(idle.length ? [] : changed).toEqual([])
          }),
          { numRuns: 40 },
        )
        // Malformed JSON too.
        const malformed = await api(k, p.token, route.method, path, undefined, { raw: '{"name": ' })
        counts[malformed.status] = (counts[malformed.status] ?? 0) + 1
        expect(malformed.status).toBeGreaterThanOrEqual(400)
        expect(malformed.status).toBeLessThan(500)
        await quiet()
      }
    } finally {
      db.close()
      const serverErrors = k.proc.stdout.split('\n').filter((l) => l.includes('"level":50')).slice(0, 3).map((l) => l.slice(0, 700))
      console.log(`API body fuzz: ${routes.length} routes; answers ${JSON.stringify(summary)}${problems.length ? `\nPROBLEMS:\n${problems.join('\n')}\nSERVER ERRORS:\n${serverErrors.join('\n')}` : ''}`)
    }
    expect(k.proc.running).toBe(true)
    expect(k.proc.stdout).not.toContain('unhandled error')
  }, 180_000)
})

describe('bugs found by this fuzz, fixed (src/http/json-body.ts)', () => {
  test('an object with its own "toString"/"valueOf" where a string is expected answers 400, not 500 (Elysia mapValueError)', async () => {
    const { k, p } = rig
    for (const name of [{ toString: 1 }, { valueOf: 1 }, { toString: 1, valueOf: 1 }]) {
      const r = await api(k, p.token, 'POST', '/api/v1/sectors', { name })
      expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status: 400, code: 'validation_failed' })
    }
  })
  test('a lone surrogate in a text answers 400 with the field, every time, and stores nothing', async () => {
    const { k, p } = rig
    const before = (await api(k, p.token, 'GET', '/api/v1/customer-types')).text
    for (let i = 0; i < 2; i++) {
      const r = await api(k, p.token, 'POST', '/api/v1/customer-types', undefined, { raw: '{"name":"tipo \\ud800"}' })
      expect(r.status).toBe(400)
      expect(r.json.error.details).toEqual([{ field: 'name', message: expect.stringContaining('Unicode') }])
    }
    expect((await api(k, p.token, 'GET', '/api/v1/customer-types')).text).toBe(before)
  })
})

// A sanity check of the harness itself: the fingerprint sees writes.
test('fingerprint notices a write', () => {
  const db = new Database(':memory:')
  db.exec('CREATE TABLE t (x)')
  const a = fingerprint(db)
  db.exec('INSERT INTO t VALUES (1)')
  expect(changedTables(a, fingerprint(db))).toEqual(['t'])
  db.close()
  void join
})
