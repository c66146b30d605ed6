// The WebChat channel (issue 10): the widget script, the visitor protocol (/webchat/:channel_key/*,
// protocol.ts), the channel's settings pages and the agent's typing indicator.
import { Elysia } from 'elysia'
import type { Context } from '../../context'
import { webchatAdmin } from './admin'
import { agentTyping } from './agent-typing'
import { visitorApi } from './visitor-api'
import { widgetScript } from './widget-script'

export function webchatRoutes(ctx: Context) {
  return new Elysia({ name: 'webchatRoutes' }).use(widgetScript(ctx)).use(visitorApi(ctx)).use(webchatAdmin(ctx)).use(agentTyping(ctx))
}
