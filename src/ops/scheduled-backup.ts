// Scheduled backups: once a day at HH:MM in the installation's time zone, `kumquat backup` into a
// folder, keeping the newest N. The backup runs as a child process (the same executable, or
// `bun src/main.ts` in development): VACUUM INTO and the media copy are synchronous and would
// otherwise stall every request for their whole duration. Settings and the last result live in
// the `settings` table; the last result is shown on /admin/backups and in /metrics.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { Context } from '../context'
import { write } from '../db/open'
import { settingsStore } from './settings-store'

export interface BackupSchedule {
  enabled: boolean
  /** HH:MM, 24 h, in the installation's time zone (KUMQUAT_TIME_ZONE) */
  time: string
  /** how many scheduled/manual backups to keep in the folder */
  keep: number
  /** absolute path */
  folder: string
  /** when these settings were saved: a slot before it never triggers a catch-up run */
  saved_at: number
}

export interface BackupRun {
  trigger: 'schedule' | 'manual'
  started_at: number
  finished_at: number
  /** the daily slot this run was for (scheduled runs) */
  scheduled_for: number | null
  ok: boolean
  file: string | null
  /** database snapshot + media archive */
  bytes: number
  db_bytes: number
  media_files: number
  media_bytes: number
  ms: number
  error: string | null
  warnings: string[]
  /** older backups removed after this one succeeded */
  pruned: string[]
}

const KEY_SCHEDULE = 'backup.schedule'
const KEY_LAST = 'backup.last'
const KEY_LAST_SUCCESS = 'backup.last_success'
const KEY_SLOT_DONE = 'backup.slot_done'

export const BACKUP_NAME = /^kumquat-\d{8}-\d{6}(?:-\d+)?\.db$/
export const KEEP_MAX = 365
const RETRY_MS = 15 * 60_000
const MAX_ATTEMPTS = 3

export const defaultSchedule = (dataDir: string): BackupSchedule => ({ enabled: false, time: '02:30', keep: 7, folder: join(dataDir, 'backups'), saved_at: 0 })

export function scheduleOf(ctx: Context): BackupSchedule {
  const stored = settingsStore(ctx.db).get<Partial<BackupSchedule>>(KEY_SCHEDULE)
  return { ...defaultSchedule(ctx.config.dataDir), ...(stored ?? {}) }
}

export const lastRun = (ctx: Context) => settingsStore(ctx.db).get<BackupRun>(KEY_LAST)
export const lastSuccess = (ctx: Context) => settingsStore(ctx.db).get<BackupRun>(KEY_LAST_SUCCESS)

// ---- validation -------------------------------------------------------------------------------

export type ScheduleProblem = 'ops.time_invalid' | 'ops.keep_invalid' | 'ops.folder_relative' | 'ops.folder_unwritable' | 'ops.folder_inside_media'

export interface ScheduleInput {
  enabled: boolean
  time: string
  keep: string | number
  folder: string
}

/** Field problems of a schedule (empty when it is good); the folder is created and tested for writing. */
export function validateSchedule(ctx: Context, input: ScheduleInput): Partial<Record<keyof ScheduleInput, ScheduleProblem>> {
  const problems: Partial<Record<keyof ScheduleInput, ScheduleProblem>> = {}
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(input.time.trim())) problems.time = 'ops.time_invalid'
  const keep = typeof input.keep === 'number' ? input.keep : /^\d{1,4}$/.test(input.keep.trim()) ? Number(input.keep) : NaN
  if (!Number.isInteger(keep) || keep < 1 || keep > KEEP_MAX) problems.keep = 'ops.keep_invalid'
  const folder = input.folder.trim()
  if (!folder || !isAbsolute(folder) || folder.includes('\0')) problems.folder = 'ops.folder_relative'
  else if (resolve(folder).startsWith(resolve(ctx.mediaDir))) problems.folder = 'ops.folder_inside_media'
  else if (!folderWritable(folder)) problems.folder = 'ops.folder_unwritable'
  return problems
}

function folderWritable(folder: string): boolean {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    const probe = join(folder, `.kumquat-probe-${process.pid}`)
    writeFileSync(probe, 'ok')
    rmSync(probe, { force: true })
    return true
  } catch {
    return false
  }
}

/** Saves a validated schedule (call validateSchedule first) and records it in the audit log. */
export function saveSchedule(ctx: Context, actorId: number | null, input: ScheduleInput): BackupSchedule {
  const schedule: BackupSchedule = {
    enabled: input.enabled,
    time: input.time.trim(),
    keep: Number(input.keep),
    folder: resolve(input.folder.trim()),
    saved_at: Date.now(),
  }
  write(ctx.db, () => {
    settingsStore(ctx.db).set(KEY_SCHEDULE, schedule)
    ctx.stores.audit.record({ actor_id: actorId, action: 'backup.schedule', object_type: 'settings', object_id: 'backup', details: { ...schedule } })
  })
  return schedule
}

// ---- time zone arithmetic (no library: Intl gives the wall clock of an instant) ----------------

const partsFormat = new Map<string, Intl.DateTimeFormat>()
function wallClock(ms: number, timeZone: string) {
  let f = partsFormat.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    partsFormat.set(timeZone, f)
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]))
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), mi: Number(p.minute), s: Number(p.second) }
}

/** The UTC instant of a wall-clock time in a zone (for a time skipped by DST, the instant just after). */
export function zonedTime(y: number, m: number, d: number, h: number, mi: number, timeZone: string): number {
  const asUtc = Date.UTC(y, m - 1, d, h, mi)
  const offsetAt = (t: number) => {
    const w = wallClock(t, timeZone)
    return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - Math.floor(t / 1000) * 1000
  }
  let t = asUtc - offsetAt(asUtc)
  t = asUtc - offsetAt(t)
  return t
}

/** The most recent daily HH:MM (in the zone) at or before `now`. */
export function latestSlot(now: number, time: string, timeZone: string): number {
  const [h, mi] = time.split(':').map(Number)
  const w = wallClock(now, timeZone)
  let slot = zonedTime(w.y, w.m, w.d, h, mi, timeZone)
  if (slot > now) {
    const prev = new Date(Date.UTC(w.y, w.m - 1, w.d - 1))
    slot = zonedTime(prev.getUTCFullYear(), prev.getUTCMonth() + 1, prev.getUTCDate(), h, mi, timeZone)
  }
  return slot
}

/** The next daily HH:MM strictly after `now`. */
export function nextSlot(now: number, time: string, timeZone: string): number {
  const [h, mi] = time.split(':').map(Number)
  const w = wallClock(now, timeZone)
  for (let add = 0; add < 3; add++) {
    const day = new Date(Date.UTC(w.y, w.m - 1, w.d + add))
    const slot = zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), h, mi, timeZone)
    if (slot > now) return slot
  }
  return now + 86_400_000
}

/** kumquat-YYYYMMDD-HHMMSS.db in the installation's wall clock, unique in the folder. */
export function backupFileName(folder: string, now: number, timeZone: string): string {
  const w = wallClock(now, timeZone)
  const p2 = (n: number) => String(n).padStart(2, '0')
  const stem = `kumquat-${w.y}${p2(w.m)}${p2(w.d)}-${p2(w.h)}${p2(w.mi)}${p2(w.s)}`
  for (let i = 1; ; i++) {
    const name = i === 1 ? `${stem}.db` : `${stem}-${i}.db`
    if (!existsSync(join(folder, name)) && !existsSync(join(folder, `${name}.media.tar`))) return join(folder, name)
  }
}

/** Removes all but the newest `keep` backups Kumquat made in the folder (never other files). */
export function pruneBackups(folder: string, keep: number): string[] {
  if (!existsSync(folder)) return []
  const ours = readdirSync(folder)
    .filter((f) => BACKUP_NAME.test(f))
    .sort((a, b) => stemKey(b).localeCompare(stemKey(a)))
  const removed: string[] = []
  for (const name of ours.slice(keep)) {
    rmSync(join(folder, name), { force: true })
    rmSync(join(folder, `${name}.media.tar`), { force: true })
    removed.push(name)
  }
  return removed
}
// kumquat-20261125-023000-2.db sorts after kumquat-20261125-023000.db
const stemKey = (name: string) => {
  const m = /^kumquat-(\d{8}-\d{6})(?:-(\d+))?\.db$/.exec(name)!
  return `${m[1]}-${(m[2] ?? '1').padStart(4, '0')}`
}

// ---- running a backup ---------------------------------------------------------------------------

/** How to run this same program's CLI: the compiled executable, or bun with src/main.ts. */
export function selfCommand(): string[] {
  const compiled = import.meta.dir.startsWith('/$bunfs/') || /^[A-Z]:\\~BUN\\/.test(import.meta.dir)
  return compiled ? [process.execPath] : [process.execPath, join(import.meta.dir, '..', 'main.ts')]
}

interface JsonBackupOutput {
  ok: true
  file: string
  db_bytes: number
  schema: number
  media_file: string
  media_files: number
  media_bytes: number
  archive_bytes: number
  damaged: string[]
  secret_key: boolean
  ms: number
}

export class BackupRunner {
  current: { promise: Promise<BackupRun>; trigger: BackupRun['trigger']; started_at: number; file: string } | null = null
  private child: ReturnType<typeof Bun.spawn> | null = null
  private stopped = false

  constructor(private ctx: Context) {}

  get running() {
    return this.current !== null
  }

  /** Starts a backup unless one is running (then returns that one). */
  start(trigger: BackupRun['trigger'], o: { actorId?: number | null; scheduledFor?: number | null } = {}): Promise<BackupRun> {
    if (this.current) return this.current.promise
    const schedule = scheduleOf(this.ctx)
    const started = Date.now()
    let file = ''
    try {
      mkdirSync(schedule.folder, { recursive: true, mode: 0o700 })
      file = backupFileName(schedule.folder, started, this.ctx.config.timeZone)
    } catch (err) {
      const run = this.failed(trigger, started, o.scheduledFor ?? null, null, `cannot use the folder ${schedule.folder}: ${(err as Error).message}`)
      this.record(run, o.actorId ?? null)
      return Promise.resolve(run)
    }
    const promise = this.execute(trigger, file, started, schedule.keep, o.scheduledFor ?? null).then((run) => {
      this.record(run, o.actorId ?? null)
      this.current = null
      return run
    })
    this.current = { promise, trigger, started_at: started, file }
    return promise
  }

  private failed(trigger: BackupRun['trigger'], started: number, scheduledFor: number | null, file: string | null, error: string): BackupRun {
    const now = Date.now()
    return { trigger, started_at: started, finished_at: now, scheduled_for: scheduledFor, ok: false, file, bytes: 0, db_bytes: 0, media_files: 0, media_bytes: 0, ms: now - started, error, warnings: [], pruned: [] }
  }

  private async execute(trigger: BackupRun['trigger'], file: string, started: number, keep: number, scheduledFor: number | null): Promise<BackupRun> {
    const log = this.ctx.log
    log.info({ trigger, file }, 'backup started')
    let stdout = ''
    let stderr = ''
    let code: number | null = null
    let pid: number | null = null
    try {
      const child = Bun.spawn([...selfCommand(), 'backup', file, '--json'], {
        env: { ...process.env, KUMQUAT_DATA_DIR: this.ctx.config.dataDir, ...(this.ctx.config.secretKey ? { KUMQUAT_SECRET_KEY: this.ctx.config.secretKey } : {}) },
        stdin: 'ignore',
        stdout: 'pipe',
        stderr: 'pipe',
      })
      this.child = child
      pid = child.pid
      ;[stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    } catch (err) {
      stderr = (err as Error).message
    } finally {
      this.child = null
    }
    if (code !== 0 && pid !== null) {
      // Killed (a shutdown) or crashed: whatever this child left half-written goes.
      for (const f of [`${file}.partial-${pid}`, `${file}.media.tar.partial-${pid}`]) rmSync(f, { force: true })
    }
    const line = stdout.trim().split('\n').pop() ?? ''
    let out: JsonBackupOutput | null = null
    try {
      out = code === 0 ? (JSON.parse(line) as JsonBackupOutput) : null
    } catch {
      out = null
    }
    if (!out?.ok) {
      const error = stderr.trim().replace(/^kumquat: /, '') || (this.stopped ? 'interrupted by shutdown' : `backup exited with code ${code}`)
      log.error({ trigger, file, code, error }, 'backup failed')
      return this.failed(trigger, started, scheduledFor, file, error)
    }
    let pruned: string[] = []
    const warnings = out.damaged.length ? [`${out.damaged.length} media file(s) are damaged on disk: ${out.damaged.slice(0, 5).join(', ')}`] : []
    try {
      pruned = pruneBackups(resolve(file, '..'), keep)
    } catch (err) {
      warnings.push(`could not remove old backups: ${(err as Error).message}`)
    }
    const finished = Date.now()
    const run: BackupRun = {
      trigger,
      started_at: started,
      finished_at: finished,
      scheduled_for: scheduledFor,
      ok: true,
      file: out.file,
      bytes: out.db_bytes + out.archive_bytes,
      db_bytes: out.db_bytes,
      media_files: out.media_files,
      media_bytes: out.media_bytes,
      ms: finished - started,
      error: null,
      warnings,
      pruned,
    }
    log.info({ trigger, file: run.file, bytes: run.bytes, media_files: run.media_files, ms: run.ms, pruned: pruned.length }, 'backup written')
    return run
  }

  private record(run: BackupRun, actorId: number | null) {
    try {
      write(this.ctx.db, () => {
        const settings = settingsStore(this.ctx.db)
        settings.set(KEY_LAST, run)
        if (run.ok) settings.set(KEY_LAST_SUCCESS, run)
        if (run.trigger === 'manual') {
          this.ctx.stores.audit.record({ actor_id: actorId, action: 'backup.run', object_type: 'settings', object_id: 'backup', details: { ok: run.ok, file: run.file, error: run.error } })
        }
      })
    } catch (err) {
      // The database itself may be what failed (disk full): the log still has it.
      this.ctx.log.error({ err, run }, 'could not record the backup result')
    }
  }

  /** Stops a running backup (at shutdown); its partial files are removed. */
  async stop() {
    this.stopped = true
    const running = this.current
    if (this.child) this.child.kill('SIGTERM')
    if (running) await Promise.race([running.promise, Bun.sleep(2000)])
  }
}

const runners = new WeakMap<Context, BackupRunner>()
/** The one runner of a context: shared by the schedule and the admin page's "run now". */
export function backupRunner(ctx: Context): BackupRunner {
  let r = runners.get(ctx)
  if (!r) runners.set(ctx, (r = new BackupRunner(ctx)))
  return r
}

// ---- the schedule worker --------------------------------------------------------------------------

/**
 * Checks every `intervalMs` whether the latest daily slot is due: it is after the last slot done
 * and after the settings were saved (enabling the schedule at 14:00 does not start a backup for
 * 02:30 of that day; a server that was down at 02:30 catches up when it starts). A failed
 * scheduled backup is tried again after 15 minutes, three times in all.
 */
export function startScheduledBackups(ctx: Context, intervalMs = 30_000) {
  const runner = backupRunner(ctx)
  const settings = settingsStore(ctx.db)
  let attempt: { slot: number; count: number; nextTry: number } | null = null
  let stopped = false
  let ticking = false

  const tick = async () => {
    if (stopped || ticking || runner.running) return
    ticking = true
    try {
      const s = scheduleOf(ctx)
      if (!s.enabled) return
      const now = Date.now()
      const slot = latestSlot(now, s.time, ctx.config.timeZone)
      const done = settings.get<number>(KEY_SLOT_DONE) ?? 0
      if (slot <= done || slot <= s.saved_at) return
      if (attempt?.slot === slot && now < attempt.nextTry) return
      const count = attempt?.slot === slot ? attempt.count + 1 : 1
      const run = await runner.start('schedule', { scheduledFor: slot })
      if (stopped) return
      if (run.ok || count >= MAX_ATTEMPTS) {
        attempt = null
        write(ctx.db, () => settings.set(KEY_SLOT_DONE, slot))
      } else {
        attempt = { slot, count, nextTry: Date.now() + RETRY_MS }
      }
    } catch (err) {
      ctx.log.error({ err }, 'scheduled backup check failed')
    } finally {
      ticking = false
    }
  }
  const timer = setInterval(tick, intervalMs)
  timer.unref?.()
  queueMicrotask(tick)
  return {
    wake: () => void tick(),
    async stop() {
      stopped = true
      clearInterval(timer)
      await runner.stop()
    },
  }
}
