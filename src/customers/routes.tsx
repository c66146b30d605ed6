// Customers, customer types, classifications and quick replies: API and admin pages (placeholder registered by the lead).
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function customersRoutes(_ctx: Context) {
  return new Elysia()
}
