// GET /webchat.js: gzipped for browsers that take it, revalidated by ETag, loadable from any site;
// and the widget's source keeps to its rules (text only, no HTML parsing of data, no eval, small).
import { describe, expect, test } from 'bun:test'
import { gunzipSync } from 'node:zlib'
import widgetPath from '../../../public/webchat.js' with { type: 'file' }
import { widgetResponse } from './widget-script'

const source = await Bun.file(widgetPath).text()
const get = (headers: Record<string, string> = {}) => widgetResponse(new Request('http://kumquat.test/webchat.js', { headers }))

describe('GET /webchat.js', () => {
  test('gzipped when accepted, identical once inflated; plain otherwise; JavaScript either way', async () => {
    const gz = await get({ 'accept-encoding': 'gzip, deflate, br' })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(gz.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(gz.headers.get('vary')).toBe('accept-encoding')
    expect(gz.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    const zipped = new Uint8Array(await gz.arrayBuffer())
    expect(gunzipSync(zipped).toString('utf8')).toBe(source)
    expect(zipped.byteLength).toBeLessThan(30 * 1024) // the goal: < 30 KB transferred

    const plain = await get()
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(await plain.text()).toBe(source)
  })

  test('an unchanged script is revalidated with 304 (its ETag follows the content)', async () => {
    const etag = (await get()).headers.get('etag')!
    expect(etag).toMatch(/^"[0-9a-f]{20}"$/)
    const again = await get({ 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect((await get({ 'if-none-match': '"other"' })).status).toBe(200)
  })
})

describe('the widget source', () => {
  test('parses as a script and inserts data only as text: no innerHTML, insertAdjacentHTML, document.write or eval', () => {
    expect(() => new Function(source)).not.toThrow()
    for (const banned of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setAttribute(\'style\'', '.style.']) {
      expect({ banned, found: source.includes(banned) }).toEqual({ banned, found: false })
    }
  })

  test('styles go through a constructed stylesheet (adoptedStyleSheets), so a host CSP without unsafe-inline allows them', () => {
    expect(source).toContain('new CSSStyleSheet()')
    expect(source).toContain('adoptedStyleSheets')
    expect(source).toContain("attachShadow({ mode: 'open' })")
  })
})
