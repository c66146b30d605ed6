// Satisfaction surveys (issue 6): settings per channel and sector, the results page, CSV export.
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function surveysRoutes(ctx: Context) {
  void ctx
  return new Elysia({ name: 'surveysRoutes' })
}
