// The WebChat channel (issue 10): the widget script, the visitor protocol (/webchat/:channel_key/*,
// api.md "Web chat visitors") and the channel's settings page.
import { Elysia } from 'elysia'
import type { Context } from '../../context'
import { widgetScript } from './widget-script'

export function webchatRoutes(ctx: Context) {
  return new Elysia({ name: 'webchatRoutes' }).use(widgetScript(ctx))
}
