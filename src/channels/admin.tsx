// Channels: API and admin pages (placeholder registered by the lead; filled in by the channels work).
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function channelsAdmin(_ctx: Context) {
  return new Elysia()
}
