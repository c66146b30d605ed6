import { describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { signBody, verifySignature } from './signature'

const secret = 'app-secret-123'
const encoder = new TextEncoder()

// Independent reference: what Meta computes over the bytes it sends.
function reference(body: string | Uint8Array): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex')
}

describe('signBody', () => {
  test('matches an HMAC-SHA256 over the UTF-8 bytes, lowercase hex', () => {
    const body = '{"text":{"body":"olá"}}'
    const header = signBody(secret, body)
    expect(header).toBe(reference(body))
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/)
  })

  test('a string and its UTF-8 bytes sign the same', () => {
    const body = 'Ação ✅ 😮 / @ \\u00e7'
    expect(signBody(secret, body)).toBe(signBody(secret, encoder.encode(body)))
  })
})

describe('verifySignature', () => {
  const bodies = {
    ascii: '{"object":"whatsapp_business_account","entry":[]}',
    accents: '{"text":{"body":"Olá, não consigo emitir a 2ª via — ação urgente"}}',
    emoji: '{"reaction":{"emoji":"😮"},"text":{"body":"👍🏽 ok 🇧🇷"}}',
    slashesAndAt: '{"url":"https://lookaside.fbsbx.com/a/b","email":"ana@example.com"}',
  }

  for (const [name, body] of Object.entries(bodies)) {
    test(`accepts a correct signature (${name})`, () => {
      const raw = encoder.encode(body)
      expect(verifySignature(secret, raw, reference(raw))).toBe(true)
    })
  }

  test('re-serialised JSON with escaped non-ASCII does not verify (why we keep raw bytes)', () => {
    const raw = encoder.encode(bodies.accents)
    const header = reference(raw)
    // Python-style json.dumps escapes non-ASCII; PHP escapes "/". Same data, different bytes.
    const escaped = bodies.accents.replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
    expect(escaped).not.toBe(bodies.accents)
    expect(verifySignature(secret, encoder.encode(escaped), header)).toBe(false)
  })

  test('rejects a tampered body', () => {
    const raw = encoder.encode(bodies.emoji)
    const header = reference(raw)
    const tampered = encoder.encode(bodies.emoji.replace('ok', 'OK'))
    expect(verifySignature(secret, tampered, header)).toBe(false)
  })

  test('rejects the wrong secret', () => {
    const raw = encoder.encode(bodies.ascii)
    expect(verifySignature('another-secret', raw, reference(raw))).toBe(false)
  })

  test('rejects a wrong prefix', () => {
    const raw = encoder.encode(bodies.ascii)
    const hex = reference(raw).slice('sha256='.length)
    expect(verifySignature(secret, raw, 'sha1=' + hex)).toBe(false)
    expect(verifySignature(secret, raw, 'SHA256=' + hex)).toBe(false)
    expect(verifySignature(secret, raw, hex)).toBe(false)
    expect(verifySignature(secret, raw, ' sha256=' + hex)).toBe(false)
  })

  test('rejects uppercase hex (the contract says lowercase)', () => {
    const raw = encoder.encode(bodies.ascii)
    const hex = reference(raw).slice('sha256='.length)
    expect(hex).not.toBe(hex.toUpperCase())
    expect(verifySignature(secret, raw, 'sha256=' + hex.toUpperCase())).toBe(false)
  })

  test('rejects a truncated or padded header without throwing', () => {
    const raw = encoder.encode(bodies.ascii)
    const header = reference(raw)
    expect(verifySignature(secret, raw, header.slice(0, -1))).toBe(false)
    expect(verifySignature(secret, raw, header.slice(0, -2))).toBe(false)
    expect(verifySignature(secret, raw, header + '0')).toBe(false)
    expect(verifySignature(secret, raw, header + '00')).toBe(false)
    expect(verifySignature(secret, raw, 'sha256=')).toBe(false)
  })

  test('rejects non-hex characters of the right length', () => {
    const raw = encoder.encode(bodies.ascii)
    expect(verifySignature(secret, raw, 'sha256=' + 'g'.repeat(64))).toBe(false)
  })

  test('rejects a missing or empty header', () => {
    const raw = encoder.encode(bodies.ascii)
    expect(verifySignature(secret, raw, null)).toBe(false)
    expect(verifySignature(secret, raw, '')).toBe(false)
  })

  test('an unconfigured (empty) secret never verifies', () => {
    const raw = encoder.encode(bodies.ascii)
    const header = 'sha256=' + createHmac('sha256', '').update(raw).digest('hex')
    expect(verifySignature('', raw, header)).toBe(false)
  })

  test('empty body signs and verifies', () => {
    const raw = new Uint8Array(0)
    expect(verifySignature(secret, raw, signBody(secret, raw))).toBe(true)
  })
})
