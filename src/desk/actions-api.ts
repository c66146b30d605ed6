// REST API v1: ticket actions — accept, decline, transfer, close, PATCH (placeholder registered by the lead; filled in by the routing work).
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function ticketActionsApi(_ctx: Context) {
  return new Elysia({ prefix: '/api/v1' })
}
