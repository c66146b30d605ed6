// Is the data directory writable, and how much room is left? A small probe file written (and
// fsync'd) now and then tells "disk full" apart from "disk nearly full": SQLite and the media store
// fail with SQLITE_FULL / ENOSPC when the disk is full — webhooks are then answered 5xx (Meta
// retries) — and this is what turns that into a signal: /healthz, /metrics, a log line when it
// changes, and the banner on the admin operations page.
import { statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Context } from '../context'
import { databasePath } from '../db/open'

export type StorageState = 'ok' | 'low' | 'full'

export interface StorageStatus {
  state: StorageState
  /** bytes available to Kumquat in the data dir's file system */
  free: number
  total: number
  writable: boolean
  /** the probe's error (ENOSPC, EROFS, …) when not writable */
  error: string | null
  wal_bytes: number
  checked_at: number
}

const PROBE = '.kumquat-write-probe'
const PROBE_BYTES = new Uint8Array(4096)

export function checkStorage(dataDir: string, minFree: number): StorageStatus {
  let free = 0
  let total = 0
  try {
    const s = statfsSync(dataDir)
    free = s.bavail * s.bsize
    total = s.blocks * s.bsize
  } catch {
    // unknown: judged by the probe alone
  }
  let writable = true
  let error: string | null = null
  const probe = join(dataDir, PROBE)
  try {
    writeFileSync(probe, PROBE_BYTES, { flush: true })
  } catch (err) {
    writable = false
    error = (err as NodeJS.ErrnoException).code ?? (err as Error).message
  }
  try {
    unlinkSync(probe)
  } catch {
    // not created
  }
  let wal = 0
  try {
    wal = statSync(`${databasePath(dataDir)}-wal`).size
  } catch {
    // no WAL right now
  }
  const state: StorageState = !writable ? 'full' : free < minFree ? 'low' : 'ok'
  return { state, free, total, writable, error, wal_bytes: wal, checked_at: Date.now() }
}

/** The storage state of a context, re-checked when older than `maxAgeMs`; logs when it changes. */
export class StorageMonitor {
  status: StorageStatus | null = null
  constructor(private ctx: Context) {}

  current(maxAgeMs = 2000): StorageStatus {
    if (this.status && Date.now() - this.status.checked_at < maxAgeMs) return this.status
    const next = checkStorage(this.ctx.config.dataDir, this.ctx.config.diskMinFreeBytes)
    const before = this.status?.state ?? 'ok'
    this.status = next
    if (next.state !== before) {
      const fields = { state: next.state, free_bytes: next.free, error: next.error, data_dir: this.ctx.config.dataDir }
      if (next.state === 'full') this.ctx.log.error(fields, 'data directory is full: webhooks are refused (Meta retries them) until space is freed')
      else if (next.state === 'low') this.ctx.log.warn(fields, 'data directory is running out of space')
      else this.ctx.log.info(fields, 'data directory has space again')
    }
    return next
  }
}

const monitors = new WeakMap<Context, StorageMonitor>()
export function storageMonitor(ctx: Context): StorageMonitor {
  let m = monitors.get(ctx)
  if (!m) monitors.set(ctx, (m = new StorageMonitor(ctx)))
  return m
}

/** Checks every `intervalMs` so the log line and the gauges follow the disk even with nobody asking. */
export function startStorageWatch(ctx: Context, intervalMs = 15_000) {
  const monitor = storageMonitor(ctx)
  const check = () => {
    try {
      monitor.current(0)
    } catch (err) {
      ctx.log.error({ err }, 'storage check failed')
    }
  }
  const timer = setInterval(check, intervalMs)
  timer.unref?.()
  queueMicrotask(check)
  return {
    wake: check,
    async stop() {
      clearInterval(timer)
    },
  }
}
