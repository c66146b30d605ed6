import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { parseDelivery } from '../src/channels/whatsapp/parse'
import { verifySignature } from '../src/channels/whatsapp/signature'
import { startFakeMeta, type FakeMeta } from './fake-meta'
import { WHATSAPP_FIXTURES } from '../test/support/fixtures'

const PN = '106540352242922'
const WABA = '102290129340398'
const TOKEN = 'token-abc'
const OTHER_PN = '200000000000001'
const OTHER_TOKEN = 'token-other'
const SECRET = 'app-secret-xyz'

let meta: FakeMeta

// A webhook receiver standing in for Kumquat: keeps the exact bytes and headers.
interface Received {
  raw: Uint8Array
  signature: string | null
  userAgent: string | null
}
let received: Received[] = []
let receiverStatus = 200
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    received.push({
      raw: new Uint8Array(await req.arrayBuffer()),
      signature: req.headers.get('x-hub-signature-256'),
      userAgent: req.headers.get('user-agent'),
    })
    return new Response('EVENT_RECEIVED', { status: receiverStatus })
  },
})
const WEBHOOK = `http://127.0.0.1:${receiver.port}/webhooks/whatsapp/1`

type Json = Record<string, unknown>

async function call(method: string, path: string, opts: { token?: string | null; body?: unknown; form?: FormData } = {}) {
  const headers: Record<string, string> = {}
  const token = opts.token === undefined ? TOKEN : opts.token
  if (token) headers.authorization = `Bearer ${token}`
  let body: BodyInit | undefined
  if (opts.form) body = opts.form
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  const res = await fetch(meta.url + path, { method, headers, body })
  const text = await res.text()
  let json: Json = {}
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, headers: res.headers, json, text }
}

const control = (path: string, body: unknown = {}) => call('POST', path, { token: null, body })
const send = (body: unknown, token: string | null = TOKEN, pn = PN) => call('POST', `/v24.0/${pn}/messages`, { token, body })
const text = (body: string, to = '+5583988887777') => ({ messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { body } })

function expectGraphError(r: { json: Json }, code: number): Json {
  const error = r.json.error as Json
  expect(error).toBeDefined()
  expect(typeof error.message).toBe('string')
  expect(typeof error.type).toBe('string')
  expect(error.code).toBe(code)
  expect(typeof error.fbtrace_id).toBe('string')
  return error
}

async function until<T>(fn: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error('timed out waiting')
    await Bun.sleep(10)
  }
}

beforeAll(() => {
  meta = startFakeMeta({ port: 0 })
})

afterAll(async () => {
  await meta.stop()
  await receiver.stop(true)
})

beforeEach(async () => {
  received = []
  receiverStatus = 200
  await control('/_fake/reset')
  await control('/_fake/numbers', { phone_number_id: PN, waba_id: WABA, access_token: TOKEN, display_phone_number: '15550783881', verified_name: 'Kumquat Teste' })
  await control('/_fake/numbers', { phone_number_id: OTHER_PN, waba_id: '900', access_token: OTHER_TOKEN })
})

describe('startFakeMeta', () => {
  test('listens on a free port and reports its url', () => {
    expect(meta.port).toBeGreaterThan(0)
    expect(meta.url).toBe(`http://127.0.0.1:${meta.port}`)
  })
})

describe('authorization', () => {
  test('missing token → 401 / 190', async () => {
    const r = await send(text('oi'), null)
    expect(r.status).toBe(401)
    expectGraphError(r, 190)
    expect(r.headers.get('www-authenticate')).toContain('invalid_token')
  })

  test('unknown token → 401 / 190', async () => {
    const r = await send(text('oi'), 'nope')
    expect(r.status).toBe(401)
    expect(expectGraphError(r, 190).message).toContain('Invalid OAuth access token')
  })

  test("another number's token → 400 / 100 subcode 33", async () => {
    const r = await send(text('oi'), OTHER_TOKEN)
    expect(r.status).toBe(400)
    const error = expectGraphError(r, 100)
    expect(error.error_subcode).toBe(33)
    expect(error.type).toBe('GraphMethodException')
  })

  test('access_token query parameter works too', async () => {
    const r = await call('GET', `/v24.0/${PN}?access_token=${TOKEN}`, { token: null })
    expect(r.status).toBe(200)
  })
})

describe('POST /:v/:phone_number_id/messages', () => {
  test('accepts a text and answers like Meta; the call is recorded', async () => {
    const r = await send(text('Olá, tudo bem? 😊'))
    expect(r.status).toBe(200)
    expect(r.json.messaging_product).toBe('whatsapp')
    expect(r.json.contacts).toEqual([{ input: '+5583988887777', wa_id: '5583988887777' }])
    const [message] = r.json.messages as Json[]
    expect(String(message!.id)).toStartWith('wamid.')

    const log = await call('GET', '/_fake/requests?path=/*/*/messages', { token: null })
    const requests = log.json.requests as Json[]
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({ method: 'POST', path: `/v24.0/${PN}/messages`, token: TOKEN, status: 200 })
    expect((requests[0]!.body as Json).text).toEqual({ body: 'Olá, tudo bem? 😊' })
    expect(meta.state.messages[0]).toMatchObject({ wamid: message!.id, to: '+5583988887777', type: 'text' })
  })

  test('any vNN.N version is accepted', async () => {
    expect((await call('POST', `/v19.0/${PN}/messages`, { body: text('a') })).status).toBe(200)
    expect((await call('POST', `/v25.1/${PN}/messages`, { body: text('a') })).status).toBe(200)
    const bad = await call('POST', `/latest/${PN}/messages`, { body: text('a') })
    expect(bad.status).toBe(400)
    expectGraphError(bad, 2500)
  })

  test('type defaults to text, as on the Graph API', async () => {
    const r = await send({ messaging_product: 'whatsapp', to: '5583988887777', text: { body: 'x' } })
    expect(r.status).toBe(200)
  })

  const invalid: [string, unknown, number, string][] = [
    ['missing messaging_product', { to: '+55839', type: 'text', text: { body: 'x' } }, 100, 'messaging_product'],
    ['wrong messaging_product', { messaging_product: 'sms', to: '+5583988887777', type: 'text', text: { body: 'x' } }, 100, 'messaging_product'],
    ['missing to', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 100, 'to'],
    ['bad to', { messaging_product: 'whatsapp', to: 'abc', type: 'text', text: { body: 'x' } }, 131009, ''],
    ['unknown type', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'poll', poll: {} }, 100, 'type'],
    ['missing text object', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'text' }, 100, 'text'],
    ['empty text body', text(''), 100, "text['body']"],
    ['text body over 4096', text('a'.repeat(4097)), 100, 'at most 4096'],
    ['media with neither id nor link', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'image', image: { caption: 'x' } }, 100, "image['id']"],
    ['media with unknown id', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'image', image: { id: '123' } }, 131009, ''],
    ['caption over 1024', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'image', image: { link: 'https://x/y.jpg', caption: 'c'.repeat(1025) } }, 100, 'at most 1024'],
    ['template without language', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'template', template: { name: 'x' } }, 100, "['language']['code']"],
    ['template without name', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'template', template: { language: { code: 'pt_BR' } } }, 100, "template['name']"],
    ['template param with newline', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'template', template: { name: 'x', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'a\nb' }] }] } }, 100, ''],
    ['4 buttons', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `b${i}`, title: `B${i}` } })) } } }, 131009, ''],
    ['button title over 20', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'x'.repeat(21) } }] } } }, 100, 'at most 20'],
    ['list with 11 rows', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'interactive', interactive: { type: 'list', body: { text: 'b' }, action: { button: 'Ver', sections: [{ title: 's', rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `R${i}` })) }] } } }, 131009, ''],
    ['reaction without message_id', { messaging_product: 'whatsapp', to: '+5583988887777', type: 'reaction', reaction: { emoji: '👍' } }, 100, 'message_id'],
  ]
  for (const [name, body, code, hint] of invalid) {
    test(`rejects ${name} (code ${code})`, async () => {
      const r = await send(body)
      expect(r.status).toBe(400)
      const error = expectGraphError(r, code)
      if (hint) expect(String(error.message)).toContain(hint)
      if (code === 131009) expect((error.error_data as Json).details).toBeString()
    })
  }

  test('4096 emoji is within the limit (characters, not UTF-16 units)', async () => {
    expect((await send(text('😀'.repeat(4096)))).status).toBe(200)
  })

  test('accepts every other type in a valid shape', async () => {
    const up = await control('/_fake/media', { mime_type: 'image/jpeg', text: 'jpeg', phone_number_id: PN })
    const to = '+5583988887777'
    const bodies: Json[] = [
      { type: 'image', image: { id: up.json.id, caption: 'foto' } },
      { type: 'document', document: { link: 'https://example.com/a.pdf', filename: 'a.pdf' } },
      { type: 'audio', audio: { link: 'https://example.com/a.ogg' } },
      { type: 'location', location: { latitude: -7.1, longitude: -34.8, name: 'x' } },
      { type: 'contacts', contacts: [{ name: { formatted_name: 'Ana' }, phones: [{ phone: '+5583988887777' }] }] },
      { type: 'interactive', interactive: { type: 'button', body: { text: 'Escolha' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'Sim' } }, { type: 'reply', reply: { id: 'b', title: 'Não' } }] } } },
      { type: 'interactive', interactive: { type: 'list', body: { text: 'Escolha' }, action: { button: 'Ver opções', sections: [{ title: 'S', rows: [{ id: 'r1', title: 'Um', description: 'primeiro' }] }] } } },
      { type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' } },
      { type: 'template', template: { name: 'boas_vindas', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] } },
    ]
    for (const b of bodies) {
      const r = await send({ messaging_product: 'whatsapp', to, ...b, context: { message_id: 'wamid.ctx' } })
      expect({ type: b.type, status: r.status, body: r.json }).toMatchObject({ type: b.type, status: 200 })
    }
    const template = await send({ messaging_product: 'whatsapp', to, ...bodies.at(-1)! })
    expect((template.json.messages as Json[])[0]!.message_status).toBe('accepted')
  })

  test('mark as read (with typing indicator)', async () => {
    const r = await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.in1', typing_indicator: { type: 'text' } })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ success: true })
    expect(meta.state.reads).toMatchObject([{ phoneNumberId: PN, messageId: 'wamid.in1', typingIndicator: true }])
    const bad = await send({ messaging_product: 'whatsapp', status: 'read' })
    expect(bad.status).toBe(400)
    expectGraphError(bad, 100)
  })

  test('strict templates: unknown → 132001, wrong parameter count → 132000, approved → ok', async () => {
    await control('/_fake/numbers', { phone_number_id: PN, waba_id: WABA, access_token: TOKEN, strict_templates: true })
    const tpl = (params: string[]) => ({
      messaging_product: 'whatsapp', to: '+5583988887777', type: 'template',
      template: { name: 'protocolo', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: params.map((t) => ({ type: 'text', text: t })) }] },
    })
    const unknown = await send(tpl(['1']))
    expect(unknown.status).toBe(400)
    expectGraphError(unknown, 132001)

    await control('/_fake/templates', { waba_id: WABA, name: 'protocolo', language: 'pt_BR', status: 'APPROVED', components: [{ type: 'BODY', text: 'Seu protocolo é {{1}}, {{2}}.' }] })
    const wrong = await send(tpl(['1']))
    expectGraphError(wrong, 132000)
    expect((await send(tpl(['123', 'Ana']))).status).toBe(200)
  })
})

describe('media', () => {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5])

  function upload(fields: Record<string, string | Blob>, token: string | null = TOKEN) {
    const form = new FormData()
    for (const [k, v] of Object.entries(fields)) form.append(k, v)
    return call('POST', `/v24.0/${PN}/media`, { token, form })
  }

  test('upload → info → download with the token → delete', async () => {
    const up = await upload({ messaging_product: 'whatsapp', type: 'image/jpeg', file: new File([bytes], 'foto.jpg', { type: 'image/jpeg' }) })
    expect(up.status).toBe(200)
    const id = String(up.json.id)
    expect(id).toMatch(/^\d{16}$/)

    const info = await call('GET', `/v24.0/${id}`)
    expect(info.status).toBe(200)
    expect(info.json).toMatchObject({
      messaging_product: 'whatsapp',
      mime_type: 'image/jpeg',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      file_size: bytes.length,
      id,
    })
    const url = String(info.json.url)
    expect(url).toStartWith(meta.url + '/whatsapp_business/attachments/?mid=' + id)

    expect((await fetch(url)).status).toBe(401)
    expect((await fetch(url, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } })).status).toBe(401)
    const tampered = url.replace(/hash=[^&]+/, 'hash=forged')
    expect((await fetch(tampered, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404)
    const download = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}`, 'user-agent': 'kumquat-test' } })
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('image/jpeg')
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes)

    // Another number's token cannot read it through the Graph API either.
    const foreign = await call('GET', `/v24.0/${id}`, { token: OTHER_TOKEN })
    expect(expectGraphError(foreign, 100).error_subcode).toBe(33)

    expect((await call('DELETE', `/v24.0/${id}`)).json).toEqual({ success: true })
    const gone = await call('GET', `/v24.0/${id}`)
    expect(gone.status).toBe(400)
    expect(expectGraphError(gone, 100).error_subcode).toBe(33)
    expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404)
  })

  test('the recorded upload shows fields and file summary, not bytes', async () => {
    await upload({ messaging_product: 'whatsapp', type: 'application/pdf', file: new File(['%PDF-1.4'], 'boleto.pdf') })
    const log = meta.state.requests.find((r) => r.path.endsWith('/media'))!
    expect(log.body).toEqual({ messaging_product: 'whatsapp', type: 'application/pdf', file: { name: 'boleto.pdf', type: expect.any(String), size: 8 } })
  })

  test('upload errors', async () => {
    const noProduct = await upload({ type: 'image/jpeg', file: new File([bytes], 'a.jpg') })
    expect(expectGraphError(noProduct, 100).message).toContain('messaging_product')
    const noFile = await upload({ messaging_product: 'whatsapp', type: 'image/jpeg' })
    expect(expectGraphError(noFile, 100).message).toContain('file')
    const badType = await upload({ messaging_product: 'whatsapp', type: 'image/gif', file: new File([bytes], 'a.gif') })
    expect(badType.status).toBe(400)
    expectGraphError(badType, 131053)
    const tooBig = await upload({ messaging_product: 'whatsapp', type: 'image/webp', file: new File([new Uint8Array(600 * 1024)], 's.webp') })
    expectGraphError(tooBig, 131053)
    const noAuth = await upload({ messaging_product: 'whatsapp', type: 'image/jpeg', file: new File([bytes], 'a.jpg') }, null)
    expect(noAuth.status).toBe(401)
  })

  test('preloaded media can be fetched and referenced from a webhook', async () => {
    const pre = await control('/_fake/media', { mime_type: 'audio/ogg; codecs=opus', data_base64: Buffer.from('OggS-voice').toString('base64') })
    expect(pre.status).toBe(201)
    const info = await call('GET', `/v24.0/${pre.json.id}`)
    expect(info.json.sha256).toBe(pre.json.sha256)

    const r = await control('/_fake/webhook', { url: WEBHOOK, app_secret: SECRET, phone_number_id: PN, from: '5583988887777', message: { type: 'audio', audio: { id: pre.json.id, voice: true } } })
    expect(r.json.status).toBe(200)
    const m = parseDelivery(JSON.parse(new TextDecoder().decode(received[0]!.raw))).messages[0]!
    expect(m.media).toEqual({ id: String(pre.json.id), mimeType: 'audio/ogg; codecs=opus', sha256: String(pre.json.sha256_base64), voice: true })
    // webhook sha256 is base64 of the same digest the media GET gives in hex
    expect(Buffer.from(m.media!.sha256!, 'base64').toString('hex')).toBe(String(info.json.sha256))
  })
})

describe('GET /:v/:phone_number_id', () => {
  test('all fields by default, only the asked ones with ?fields=', async () => {
    const all = await call('GET', `/v24.0/${PN}`)
    expect(all.json).toMatchObject({ display_phone_number: '15550783881', verified_name: 'Kumquat Teste', quality_rating: 'GREEN', id: PN })
    const some = await call('GET', `/v24.0/${PN}?fields=display_phone_number,verified_name,quality_rating`)
    expect(some.json).toEqual({ display_phone_number: '15550783881', verified_name: 'Kumquat Teste', quality_rating: 'GREEN', id: PN })
  })

  test('unknown object → 400 / 100 subcode 33; unknown edge → 2500', async () => {
    expect(expectGraphError(await call('GET', '/v24.0/424242'), 100).error_subcode).toBe(33)
    expectGraphError(await call('GET', `/v24.0/${PN}/whatever`), 2500)
  })
})

describe('message templates', () => {
  const base = `/v24.0/${WABA}/message_templates`
  const create = (name: string, language = 'pt_BR', extra: Json = {}) =>
    call('POST', base, {
      body: {
        name, language, category: 'UTILITY',
        components: [
          { type: 'HEADER', format: 'TEXT', text: 'Atendimento' },
          { type: 'BODY', text: 'Olá {{1}}, seu protocolo é {{2}}.', example: { body_text: [['Ana', '2026']] } },
          { type: 'FOOTER', text: 'Kumquat' },
          { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Falar com atendente' }] },
        ],
        ...extra,
      },
    })

  test('create → PENDING, list with paging, delete by name', async () => {
    const a = await create('protocolo_aberto')
    expect(a.status).toBe(200)
    expect(a.json).toEqual({ id: expect.stringMatching(/^\d+$/), status: 'PENDING', category: 'UTILITY' })
    await create('protocolo_aberto', 'en_US')
    await create('pesquisa')

    const first = await call('GET', `${base}?limit=2`)
    expect((first.json.data as Json[]).length).toBe(2)
    expect((first.json.data as Json[])[0]).toMatchObject({ name: 'protocolo_aberto', language: 'pt_BR', status: 'PENDING', category: 'UTILITY', id: a.json.id })
    const paging = first.json.paging as { cursors: Json; next: string }
    expect(paging.cursors.after).toBeString()
    expect(paging.next).toStartWith(meta.url)
    const second = await call('GET', paging.next.slice(meta.url.length))
    expect((second.json.data as Json[]).map((t) => t.name)).toEqual(['pesquisa'])
    expect((second.json.paging as Json).next).toBeUndefined()

    expect((await call('DELETE', `${base}?name=protocolo_aberto`)).json).toEqual({ success: true })
    const left = await call('GET', base)
    expect((left.json.data as Json[]).map((t) => t.name)).toEqual(['pesquisa'])
    expectGraphError(await call('DELETE', `${base}?name=protocolo_aberto`), 100)
  })

  test('delete one language by hsm_id', async () => {
    const pt = await create('aviso')
    await create('aviso', 'en_US')
    await call('DELETE', `${base}?name=aviso&hsm_id=${pt.json.id}`)
    expect(((await call('GET', base)).json.data as Json[]).map((t) => t.language)).toEqual(['en_US'])
  })

  test('name rules, duplicates, categories and component limits', async () => {
    for (const bad of ['Protocolo', 'com espaço', 'hífen-não', 'x'.repeat(513)]) {
      const r = await create(bad)
      expect(r.status).toBe(400)
      expect(expectGraphError(r, 100).error_user_title).toBe('Invalid template name')
    }
    await create('ok_1')
    const dup = await create('ok_1')
    expect(expectGraphError(dup, 100).error_subcode).toBe(2388024)
    expectGraphError(await create('ok_2', 'pt_BR', { category: 'PROMO' }), 100)
    expectGraphError(await create('ok_3', 'pt_BR', { components: [{ type: 'BODY', text: 'x'.repeat(1025) }] }), 100)
    expectGraphError(await create('ok_4', 'pt_BR', { components: [{ type: 'BODY', text: 'Olá {{1}}' }] }), 100) // no example
    expectGraphError(await create('ok_5', 'pt_BR', { components: [{ type: 'HEADER', format: 'TEXT', text: 'x' }] }), 100) // no body
    expectGraphError(await create('ok_6', 'pt_BR', { components: [{ type: 'BODY', text: 'b' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'x'.repeat(26) }] }] }), 100)
  })

  test('edit sends a template back to review; another WABA is not visible', async () => {
    const a = await create('editavel')
    await control('/_fake/templates', { id: a.json.id, status: 'APPROVED' })
    expect(((await call('GET', base)).json.data as Json[])[0]!.status).toBe('APPROVED')
    const edit = await call('POST', `/v24.0/${a.json.id}`, { body: { components: [{ type: 'BODY', text: 'Novo texto' }] } })
    expect(edit.json).toEqual({ success: true })
    expect(((await call('GET', base)).json.data as Json[])[0]!.status).toBe('PENDING')
    expect(expectGraphError(await call('GET', base, { token: OTHER_TOKEN }), 100).error_subcode).toBe(33)
  })
})

describe('faults', () => {
  test('429 with Retry-After for the next N calls, then normal', async () => {
    const f = await control('/_fake/faults', { path: '/*/*/messages', status: 429, retry_after: 7, count: 2 })
    expect(f.status).toBe(201)
    for (let i = 0; i < 2; i++) {
      const r = await send(text('x'))
      expect(r.status).toBe(429)
      expect(r.headers.get('retry-after')).toBe('7')
      expectGraphError(r, 130429)
    }
    expect((await send(text('x'))).status).toBe(200)
  })

  test('500 with a chosen Graph error, and the default 500 body', async () => {
    await control('/_fake/faults', { faults: [{ path: '/**', status: 500 }, { path: '/v24.0/*/messages', status: 400, error: { code: 131047, message: '(#131047) Re-engagement message', error_data: { messaging_product: 'whatsapp', details: 'More than 24 hours have passed' } } }] })
    const first = await send(text('x'))
    expect(first.status).toBe(500)
    expect(expectGraphError(first, 1).is_transient).toBe(true)
    const second = await send(text('x'))
    expect(second.status).toBe(400)
    const e = expectGraphError(second, 131047)
    expect(e.error_data).toEqual({ messaging_product: 'whatsapp', details: 'More than 24 hours have passed' })
  })

  test('timeout: the request is never answered', async () => {
    await control('/_fake/faults', { path: `/v24.0/${PN}/messages`, timeout: true })
    const started = Date.now()
    const attempt = fetch(`${meta.url}/v24.0/${PN}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(text('x')),
      signal: AbortSignal.timeout(300),
    })
    await expect(attempt).rejects.toThrow()
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    // The fake lets go of the held request once the client gives up.
    const held = meta.state.requests.find((r) => r.path.endsWith('/messages'))!
    await until(() => (held.status !== null ? true : undefined))
    expect((await send(text('x'))).status).toBe(200) // only one call was held
  })

  test('delay then answer normally; method filter; raw non-JSON body', async () => {
    await control('/_fake/faults', { path: `/v24.0/${PN}`, method: 'GET', delay_ms: 150 })
    const started = Date.now()
    expect((await call('GET', `/v24.0/${PN}`)).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)

    await control('/_fake/faults', { path: '/*/*/messages', status: 502, raw_body: '<html>Bad Gateway</html>' })
    const r = await send(text('x'))
    expect(r.status).toBe(502)
    expect(r.text).toBe('<html>Bad Gateway</html>')
  })

  test('DELETE /_fake/faults clears pending faults', async () => {
    await control('/_fake/faults', { path: '/**', status: 503, count: 5 })
    expect((await call('GET', '/_fake/faults', { token: null })).json.faults).toHaveLength(1)
    await call('DELETE', '/_fake/faults', { token: null })
    expect((await send(text('x'))).status).toBe(200)
  })

  test('bad fault specs are refused', async () => {
    expect((await control('/_fake/faults', { status: 500 })).status).toBe(400)
    expect((await control('/_fake/faults', { path: '/**' })).status).toBe(400)
  })
})

describe('webhooks out', () => {
  test('convenience message: Meta-shaped envelope, signed over the exact bytes', async () => {
    const r = await control('/_fake/webhook', {
      url: WEBHOOK, app_secret: SECRET, phone_number_id: PN, from: '5583988887777', name: 'Ana Conceição',
      message: { type: 'text', text: 'Olá! Preciso da 2ª via — ação/urgente @ hoje 😮' },
    })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ status: 200, body: 'EVENT_RECEIVED' })
    const got = received[0]!
    expect(got.userAgent).toBe('facebookexternalua')
    expect(got.signature).toBe(String(r.json.signature))
    expect(verifySignature(SECRET, got.raw, got.signature)).toBe(true)
    expect(verifySignature('wrong', got.raw, got.signature)).toBe(false)

    const parsed = parseDelivery(JSON.parse(new TextDecoder().decode(got.raw)))
    expect(parsed.errors).toEqual([])
    expect(parsed.messages[0]).toMatchObject({
      phoneNumberId: PN, wabaId: WABA, displayPhoneNumber: '15550783881', contactKey: '5583988887777',
      profileName: 'Ana Conceição', type: 'text', text: 'Olá! Preciso da 2ª via — ação/urgente @ hoje 😮',
    })
    expect(parsed.messages[0]!.providerId).toStartWith('wamid.')
  })

  test('several messages and a status in one delivery', async () => {
    const sent = await send(text('resposta'))
    const wamid = String((sent.json.messages as Json[])[0]!.id)
    await control('/_fake/webhook', {
      url: WEBHOOK, app_secret: SECRET, phone_number_id: PN, from: '5583988887777',
      messages: [{ type: 'text', body: 'um', id: 'wamid.fixed1' }, { type: 'reaction', reaction: { message_id: wamid, emoji: '👍' } }],
      statuses: [{ id: wamid, status: 'read' }],
    })
    const parsed = parseDelivery(JSON.parse(new TextDecoder().decode(received[0]!.raw)))
    expect(parsed.messages.map((m) => m.type)).toEqual(['text', 'reaction'])
    expect(parsed.messages[0]!.providerId).toBe('wamid.fixed1')
    expect(parsed.statuses[0]).toMatchObject({ providerId: wamid, status: 'read', recipientId: '5583988887777' })
  })

  test('failed status with error_code shortcut', async () => {
    await control('/_fake/webhook', { url: WEBHOOK, app_secret: SECRET, phone_number_id: PN, status: { id: 'wamid.out', status: 'failed', error_code: 131047 }, from: '5583988887777' })
    const s = parseDelivery(JSON.parse(new TextDecoder().decode(received[0]!.raw))).statuses[0]!
    expect(s.status).toBe('failed')
    expect(s.errors[0]).toMatchObject({ code: 131047, title: 'Re-engagement message' })
  })

  test('raw payload form (a fixture), exact raw bytes, forged signature, target status passed back', async () => {
    const fixture = await Bun.file(`${WHATSAPP_FIXTURES}/status_sent_pmp.json`).json()
    const r1 = await control('/_fake/webhook', { url: WEBHOOK, app_secret: SECRET, payload: fixture })
    expect(r1.json.status).toBe(200)
    expect(verifySignature(SECRET, received[0]!.raw, received[0]!.signature)).toBe(true)

    // raw_body: bytes exactly as given (escaped unicode, as some senders serialise)
    const raw = '{"object":"whatsapp_business_account","entry":[],"note":"a\\u00e7\\u00e3o\\/x"}'
    await control('/_fake/webhook', { url: WEBHOOK, app_secret: SECRET, raw_body: raw })
    expect(new TextDecoder().decode(received[1]!.raw)).toBe(raw)
    expect(verifySignature(SECRET, received[1]!.raw, received[1]!.signature)).toBe(true)

    receiverStatus = 401
    const forged = await control('/_fake/webhook', { url: WEBHOOK, app_secret: SECRET, payload: fixture, signature: 'sha256=' + '0'.repeat(64) })
    expect(forged.json.status).toBe(401)
    expect(verifySignature(SECRET, received[2]!.raw, received[2]!.signature)).toBe(false)
  })

  test('an unreachable target is reported, not thrown', async () => {
    const r = await control('/_fake/webhook', { url: 'http://127.0.0.1:1/nothing', app_secret: SECRET, payload: { object: 'whatsapp_business_account', entry: [] } })
    expect(r.status).toBe(502)
    expect((r.json.error as Json).message).toBeString()
  })

  test('auto statuses: an accepted send produces sent → delivered → read webhooks', async () => {
    await control('/_fake/numbers', { phone_number_id: PN, waba_id: WABA, access_token: TOKEN, display_phone_number: '15550783881', webhook_url: WEBHOOK, app_secret: SECRET, auto_statuses: ['sent', 'delivered', 'read'], status_delay_ms: 20 })
    const r = await send(text('oi'))
    const wamid = String((r.json.messages as Json[])[0]!.id)
    await until(() => (received.length >= 3 ? true : undefined))
    const statuses = received.map((x) => {
      expect(verifySignature(SECRET, x.raw, x.signature)).toBe(true)
      return parseDelivery(JSON.parse(new TextDecoder().decode(x.raw))).statuses[0]!
    })
    expect(statuses.map((s) => [s.providerId, s.status])).toEqual([[wamid, 'sent'], [wamid, 'delivered'], [wamid, 'read']])
    expect(statuses[0]!.recipientId).toBe('5583988887777')
  })

  test('control errors are plain 400s', async () => {
    expect((await control('/_fake/webhook', { app_secret: SECRET })).status).toBe(400)
    expect((await control('/_fake/webhook', { url: WEBHOOK, app_secret: SECRET, phone_number_id: 'unknown' })).status).toBe(400)
    expect((await control('/_fake/numbers', { phone_number_id: '1' })).status).toBe(400)
    expect((await call('GET', '/_fake/nothing', { token: null })).status).toBe(404)
  })
})

describe('reset', () => {
  test('clears numbers, media, templates, requests and faults', async () => {
    await send(text('x'))
    await control('/_fake/faults', { path: '/**', status: 500, count: 3 })
    await control('/_fake/reset')
    expect(meta.state.requests).toHaveLength(0)
    expect(meta.state.faults).toHaveLength(0)
    expect(meta.state.numbers.size).toBe(0)
    expect((await send(text('x'))).status).toBe(401)
  })
})

describe('CLI', () => {
  test('--demo plays a customer against a webhook, signed, and serves the Graph API', async () => {
    const proc = Bun.spawn(
      [process.execPath, import.meta.dir + '/fake-meta.ts', '--port', '0', '--demo', '--webhook', WEBHOOK, '--app-secret', SECRET, '--phone-number-id', PN, '--interval', '0.05'],
      { stdout: 'pipe', stderr: 'pipe' },
    )
    try {
      await until(() => (received.length >= 5 ? true : undefined), 10_000)
      const parsed = received.map((r) => {
        expect(verifySignature(SECRET, r.raw, r.signature)).toBe(true)
        return parseDelivery(JSON.parse(new TextDecoder().decode(r.raw))).messages[0]!
      })
      expect(parsed.map((m) => m.type)).toEqual(['text', 'text', 'image', 'location', 'text'])
      expect(parsed.every((m) => m.phoneNumberId === PN && m.contactKey === '5583988887777')).toBe(true)
      expect(parsed[2]!.media?.mimeType).toBe('image/png')
    } finally {
      proc.kill()
      await proc.exited
    }
    const out = await new Response(proc.stdout).text()
    expect(out).toContain('fake-meta listening on http://127.0.0.1:')
    expect(out).toContain('Graph base URL')
  }, 20_000)
})
