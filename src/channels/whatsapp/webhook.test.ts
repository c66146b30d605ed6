// The webhook door (issue 9): a delivery the processor would refuse as a whole is answered 400 and
// not stored; the signature is still checked first; unknown fields inside entries are accepted.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestServer, type TestServer } from '../../../test/support/server'
import { envelope, textFrom, whatsappRig, type WhatsAppRig } from '../../../test/support/whatsapp'

let s: TestServer
let wa: WhatsAppRig
const stored = () => s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM inbound_events').get()!.n

beforeAll(async () => {
  s = await startTestServer()
  wa = await whatsappRig(s)
})
afterAll(async () => {
  await s.stop()
  await wa.meta.stop()
})

test('a WABA delivery without an entry array → 400, nothing stored', async () => {
  const before = stored()
  for (const body of [{ object: 'whatsapp_business_account' }, { object: 'whatsapp_business_account', entry: {} }, { object: 'whatsapp_business_account', entry: 'x' }, { object: 'whatsapp_business_account', entry: null }]) {
    const res = await wa.deliver(body)
    expect({ body, status: res.status }).toEqual({ body, status: 400 })
    expect(await res.text()).toContain('entry')
  }
  expect((await wa.deliver([1, 2])).status).toBe(400)
  expect(stored()).toBe(before)
})

test('the signature is checked before the shape', async () => {
  const res = await wa.deliver({ object: 'whatsapp_business_account' }, 'sha256=' + '0'.repeat(64))
  expect(res.status).toBe(401)
})

test('unknown fields (top level, entries, changes, values) are still accepted and processed', async () => {
  const body = envelope(wa.phoneNumberId, textFrom('5583944445555', 'campos novos')) as Record<string, unknown> & { entry: Record<string, unknown>[] }
  body.future_top = { x: 1 }
  body.entry[0].future_entry = [1, 2]
  ;(body.entry[0].changes as Record<string, unknown>[])[0].future_change = 'y'
  ;(body.entry[0].changes as { value: Record<string, unknown> }[])[0].value.future_value = { z: true }
  const before = stored()
  expect((await wa.deliver(body)).status).toBe(200)
  expect(stored()).toBe(before + 1)
  await wa.until(() => s.ctx.db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE text = 'campos novos'").get()!.n === 1)
  // An empty entry array is a valid (if pointless) delivery.
  expect((await wa.deliver({ object: 'whatsapp_business_account', entry: [] })).status).toBe(200)
})
