// The HTTP server around the app: one log line and one metrics sample per request, security
// headers on every response, the peer address recorded, and a graceful stop.
import { createApp, matchedRoute } from './app'
import type { Context } from './context'
import { resolvedViewer } from './http/auth'
import { rememberIp } from './http/client-ip'
import { applySecurityHeaders } from './http/security-headers'
import { assetsReady } from './http/assets'

export interface Running {
  port: number
  url: string
  stop(): Promise<void>
}

/** Largest body any route accepts; per-route limits are checked in the app. */
const MAX_REQUEST_BODY = 8 * 1024 * 1024

export async function startServer(ctx: Context): Promise<Running> {
  await assetsReady
  const app = createApp(ctx)
  ctx.hub.start()

  const server = Bun.serve({
    port: ctx.config.port,
    hostname: ctx.config.host,
    reusePort: false, // a second copy on the same port must fail, not silently share it
    maxRequestBodySize: Math.max(MAX_REQUEST_BODY, ctx.config.maxBodyBytes),
    idleTimeout: 30, // SSE streams ping every 15 s
    async fetch(request, srv) {
      const started = performance.now()
      rememberIp(request, srv.requestIP(request)?.address)
      const response = await app.handle(request)
      applySecurityHeaders(response.headers, ctx.config.secure)
      const ms = performance.now() - started
      const route = matchedRoute(request)
      ctx.metrics.observe(request.method, route, response.status, ms / 1000)
      if (route !== '/healthz' && route !== '/assets/*') {
        ctx.log.info(
          { method: request.method, path: new URL(request.url).pathname, status: response.status, ms: Math.round(ms * 10) / 10, user_id: resolvedViewer(request)?.user.id ?? null },
          'request',
        )
      }
      return response
    },
    error(err) {
      ctx.log.error({ err }, 'server error')
      return new Response('Internal Server Error', { status: 500 })
    },
  })

  let stopping: Promise<void> | null = null
  return {
    port: server.port!,
    url: `http://localhost:${server.port}`,
    stop() {
      stopping ??= (async () => {
        ctx.hub.closeAll()
        ctx.hub.stop()
        await server.stop(true)
        // Fold the WAL back into the database so a copied file is complete.
        ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
        ctx.db.close()
      })()
      return stopping
    },
  }
}
