// Operations endpoints: /healthz (the database answers and the data folder takes writes), /metrics
// (Prometheus text), the backups admin page, and the embedded static assets.
import { Elysia } from 'elysia'
import type { Context } from '../context'
import { asset, serveAsset } from '../http/assets'
import { notFound } from '../http/errors'
import { backupsAdmin } from './backups-admin'
import { backupRunner, lastRun, lastSuccess } from './scheduled-backup'
import { storageMonitor } from './storage'

/** Gauges of this feature, appended to the HTTP metrics (never failing the scrape). */
export function opsMetrics(ctx: Context): string {
  let last: ReturnType<typeof lastRun> = null
  let success: ReturnType<typeof lastSuccess> = null
  try {
    last = lastRun(ctx)
    success = lastSuccess(ctx)
  } catch (err) {
    ctx.log.error({ err }, 'metrics: cannot read the last backup result')
  }
  const storage = storageMonitor(ctx).current(5000)
  const lines = [
    '# HELP kumquat_backup_last_success_timestamp_seconds Unix time when the last successful backup finished (0: none yet).',
    '# TYPE kumquat_backup_last_success_timestamp_seconds gauge',
    `kumquat_backup_last_success_timestamp_seconds ${success ? Math.floor(success.finished_at / 1000) : 0}`,
    '# HELP kumquat_backup_last_status Result of the last backup: 1 ok, 0 failed, -1 none yet.',
    '# TYPE kumquat_backup_last_status gauge',
    `kumquat_backup_last_status ${last ? (last.ok ? 1 : 0) : -1}`,
    '# HELP kumquat_backup_last_size_bytes Size of the last successful backup (database snapshot plus media archive).',
    '# TYPE kumquat_backup_last_size_bytes gauge',
    `kumquat_backup_last_size_bytes ${success?.bytes ?? 0}`,
    '# HELP kumquat_backup_running 1 while a backup runs.',
    '# TYPE kumquat_backup_running gauge',
    `kumquat_backup_running ${backupRunner(ctx).running ? 1 : 0}`,
    '# HELP kumquat_storage_free_bytes Bytes available in the data folder\'s file system.',
    '# TYPE kumquat_storage_free_bytes gauge',
    `kumquat_storage_free_bytes ${storage.free}`,
    '# HELP kumquat_storage_writable 1 when a probe write to the data folder succeeds, 0 when it fails (disk full, read-only).',
    '# TYPE kumquat_storage_writable gauge',
    `kumquat_storage_writable ${storage.writable ? 1 : 0}`,
    '# HELP kumquat_storage_low 1 when free space is below KUMQUAT_DISK_MIN_FREE_MB (or the disk is full).',
    '# TYPE kumquat_storage_low gauge',
    `kumquat_storage_low ${storage.state === 'ok' ? 0 : 1}`,
    '# HELP kumquat_sqlite_wal_bytes Size of the database write-ahead log.',
    '# TYPE kumquat_sqlite_wal_bytes gauge',
    `kumquat_sqlite_wal_bytes ${storage.wal_bytes}`,
  ]
  return lines.join('\n') + '\n'
}

export function opsRoutes(ctx: Context) {
  const ping = ctx.db.query<{ ok: number }, []>('SELECT 1 AS ok')
  return new Elysia()
    .get('/healthz', () => {
      const uptime_s = Math.round((Date.now() - ctx.startedAt) / 1000)
      try {
        ping.get()
      } catch (err) {
        ctx.log.error({ err }, 'health check failed')
        return Response.json({ status: 'error', uptime_s, checks: { database: 'error' } }, { status: 503 })
      }
      // A full disk cannot take webhooks (they are answered 5xx): not healthy, whatever else works.
      const storage = storageMonitor(ctx).current()
      const checks = { database: 'ok', storage: storage.state }
      if (storage.state === 'full') return Response.json({ status: 'error', uptime_s, checks, storage_error: storage.error }, { status: 503 })
      return Response.json({ status: 'ok', uptime_s, checks })
    })
    .get('/metrics', () =>
      new Response(
        ctx.metrics.render({
          sseClients: ctx.hub.clientCount,
          eventsPublished: ctx.hub.published,
          uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        }) + opsMetrics(ctx),
        { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } },
      ),
    )
    .use(backupsAdmin(ctx))
    .get('/assets/*', ({ request }) => serveAsset(new URL(request.url).pathname) ?? Promise.reject(notFound()))
    .get('/favicon.ico', () => new Response(null, { status: 301, headers: { location: asset('favicon.svg') } }))
}
