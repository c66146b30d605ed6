// REST API v1: tickets, their messages, and media (placeholder registered by the lead; filled in by the desk API work).
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function deskApi(_ctx: Context) {
  return new Elysia({ prefix: '/api/v1' })
}
