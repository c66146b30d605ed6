// Agent pages for tickets (placeholder registered by the lead; filled in by the conversation page work).
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function deskPages(_ctx: Context) {
  return new Elysia()
}
