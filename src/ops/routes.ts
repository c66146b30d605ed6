// Operations endpoints: /healthz (the database answers), /metrics (Prometheus text), and the
// embedded static assets.
import { Elysia } from 'elysia'
import type { Context } from '../context'
import { asset, serveAsset } from '../http/assets'
import { notFound } from '../http/errors'

export function opsRoutes(ctx: Context) {
  const ping = ctx.db.query<{ ok: number }, []>('SELECT 1 AS ok')
  return new Elysia()
    .get('/healthz', () => {
      try {
        ping.get()
        return Response.json({ status: 'ok', uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000) })
      } catch (err) {
        ctx.log.error({ err }, 'health check failed')
        return Response.json({ status: 'error' }, { status: 503 })
      }
    })
    .get('/metrics', () =>
      new Response(
        ctx.metrics.render({
          sseClients: ctx.hub.clientCount,
          eventsPublished: ctx.hub.published,
          uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        }),
        { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } },
      ),
    )
    .get('/assets/*', ({ request }) => serveAsset(new URL(request.url).pathname) ?? Promise.reject(notFound()))
    .get('/favicon.ico', () => new Response(null, { status: 301, headers: { location: asset('favicon.svg') } }))
}
