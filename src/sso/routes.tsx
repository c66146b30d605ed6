// Single sign-on with OpenID Connect (issue 8): provider settings, the login redirect and callback.
import { Elysia } from 'elysia'
import type { Context } from '../context'

export function ssoRoutes(ctx: Context) {
  void ctx
  return new Elysia({ name: 'ssoRoutes' })
}
