// The HTTP server around the app: one log line and one metrics sample per request, security
// headers on every response, the peer address recorded, and a graceful stop.
import { bodyLimitFor, createApp, matchedRoute } from './app'
import { errorResponse } from './http/error-response'
import { readAtMost } from './http/read-limited'
import { tooLarge } from './http/errors'
import type { Context } from './context'
import { resolvedViewer } from './http/auth'
import { rememberIp } from './http/client-ip'
import { applySecurityHeaders } from './http/security-headers'
import { assetsReady } from './http/assets'
import { startInboundProcessor } from './channels/processor'
import { startMediaFetcher } from './channels/whatsapp/media-fetch'
import { startOutboxSender } from './channels/whatsapp/sender'
import { startBulkSender } from './templates/bulk'
import type { WorkerLoop } from './channels/worker-loop'
import { checkpointPolicy, shutdownCheckpoint } from './ops/litestream'
import { startScheduledBackups } from './ops/scheduled-backup'
import { startStorageWatch } from './ops/storage'
import { startRoutingWorker } from './desk/routing'
import { startBotTimers } from './bot/engine'
import { startSupervisionWorkers } from './alerts/worker'
import { startHousekeeping } from './ops/housekeeping'
import { applyRateLimitHeaders } from './integrations/rate-limit'
import { startWebhookWorker } from './integrations/webhook-delivery'
import { startRetentionWorker } from './lgpd/retention'

export interface Running {
  port: number
  url: string
  stop(): Promise<void>
}

/** Largest body Bun accepts at all (uploads); per-route limits are enforced below and in the app. */
const MAX_REQUEST_BODY = 110 * 1024 * 1024

export async function startServer(ctx: Context): Promise<Running> {
  await assetsReady
  const app = createApp(ctx)
  ctx.hub.start()
  const workers = startWorkers(ctx)
  // Operations: the daily backup schedule and the data folder's free space (src/ops).
  workers.push(startScheduledBackups(ctx), startStorageWatch(ctx), startHousekeeping(ctx))
  if (ctx.config.litestream) ctx.log.info(checkpointPolicy(true))

  const server = Bun.serve({
    port: ctx.config.port,
    hostname: ctx.config.host,
    reusePort: false, // a second copy on the same port must fail, not silently share it
    maxRequestBodySize: Math.max(MAX_REQUEST_BODY, ctx.config.maxBodyBytes),
    idleTimeout: 30, // SSE streams ping every 15 s
    async fetch(request, srv) {
      const started = performance.now()
      const ip = srv.requestIP(request)?.address
      rememberIp(request, ip)
      // A body without Content-Length (chunked) is read up to the route's limit here, so an
      // oversized one is refused with our 413 before anything parses it.
      const bounded = await boundBody(ctx, request, bodyLimitFor(ctx, new URL(request.url).pathname, request.headers.get('content-type')))
      if (bounded instanceof Response) {
        applySecurityHeaders(bounded.headers, ctx.config.secure)
        ctx.metrics.observe(request.method, 'body-limit', 413, (performance.now() - started) / 1000)
        return bounded
      }
      if (bounded !== request) rememberIp(bounded, ip)
      request = bounded
      const response = await app.handle(request)
      applySecurityHeaders(response.headers, ctx.config.secure)
      applyRateLimitHeaders(request, response.headers)
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
        await Promise.all(workers.map((w) => w.stop()))
        // Let the streams just closed flush their end; force the rest after a moment.
        await Promise.race([server.stop(false), Bun.sleep(1500).then(() => server.stop(true))])
        // Fold the WAL back into the database so a copied file is complete — unless Litestream
        // owns checkpoints (KUMQUAT_LITESTREAM=1, see src/ops/litestream.ts).
        shutdownCheckpoint(ctx)
        ctx.db.close()
      })()
      return stopping
    },
  }
}

/** Reads a chunked body up to `limit` bytes; returns a Request over the bytes, or the 413 answer. */
async function boundBody(ctx: Context, request: Request, limit: number): Promise<Request | Response> {
  if (!request.body || request.headers.has('content-length')) return request
  const bytes = await readAtMost(request.body, limit)
  if (!bytes) return errorResponse(ctx, request, tooLarge(limit), null)
  return new Request(request.url, { method: request.method, headers: request.headers, body: bytes, signal: request.signal })
}

/** Background work that only the server does (CLI commands never start it). */
function startWorkers(ctx: Context): WorkerLoop[] {
  const inbound = startInboundProcessor(ctx)
  const media = startMediaFetcher(ctx)
  const outbox = startOutboxSender(ctx)
  ctx.wake.inbound = inbound.wake
  ctx.wake.media = media.wake
  ctx.wake.outbox = outbox.wake
  const routing = startRoutingWorker(ctx)
  ctx.wake.routing = routing.wake
  const bulk = startBulkSender(ctx)
  // The bot's inactivity reminders and abandonments (state in the database: resumes after a restart).
  const botTimers = startBotTimers(ctx)
  // Supervision: alert evaluation and webhooks, the notices clock (src/alerts/worker.ts).
  const supervision = startSupervisionWorkers(ctx)
  return [inbound, media, outbox, routing, bulk, botTimers, ...supervision, startWebhookWorker(ctx), startRetentionWorker(ctx)]
}
