// Integrations (issue 8): outgoing webhooks (subscriptions, delivery log).
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function integrationsRoutes(ctx: Context) {
  void ctx
  return new Elysia({ name: 'integrationsRoutes' })
}
