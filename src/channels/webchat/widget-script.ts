// GET /webchat.js: the embeddable widget (public/webchat.js), embedded in the binary.
import { Elysia } from 'elysia'
import widget from '../../../public/webchat.js' with { type: 'file' }
import type { Context } from '../../context'

export function widgetScript(ctx: Context) {
  void ctx
  return new Elysia({ name: 'widgetScript' }).get('/webchat.js', () => new Response(Bun.file(widget), { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' } }))
}
