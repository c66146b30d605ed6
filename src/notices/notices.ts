// Publishing, withdrawing and reading notices, and pushing them live: a change records
// 'notice.changed' on the topics of its recipients ('all', 'sector:<id>', 'profile:<id>'); every
// page of a recipient then redraws its notices area. A notice scheduled for later, or ending, is
// pushed when its time comes by the notices worker (announceDue).
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { HttpError, type FieldProblem } from '../http/errors'
import type { MessageKey } from '../i18n'
import { recordSupervisionEvent } from '../alerts/evaluate'
import { DAY, parseLocalDateTime } from '../reports/period'
import { noticeTopics, type NewNotice, type Notice, type NoticeLevel, type NoticeTarget, type Recipient } from './store'

export const TITLE_MAX = 120
export const BODY_MAX = 1000

export interface NoticeForm {
  title: string
  body: string
  level: string
  target: string
  sector_id: string
  profile_id: string
  starts_at: string
  ends_at: string
}

export class NoticeProblems extends HttpError {
  constructor(public problems: FieldProblem[]) {
    super(422, 'validation_failed', 'error.validation', {}, problems)
  }
}

export const recipientOf = (u: User): Recipient => ({ id: u.id, profile_id: u.profile_id, sector_ids: u.sector_ids })

/** Checks a publish form; throws NoticeProblems with every field at fault. */
export function validateNotice(ctx: Context, f: NoticeForm, actorId: number, now = Date.now()): NewNotice {
  const problems: FieldProblem[] = []
  const bad = (field: string, key: MessageKey) => problems.push({ field, key })
  const title = f.title.trim()
  const body = f.body.replace(/\r\n?/g, '\n').trim()
  if (!title) bad('title', 'notices.title_required')
  else if ([...title].length > TITLE_MAX) bad('title', 'notices.title_too_long')
  if ([...body].length > BODY_MAX) bad('body', 'notices.body_too_long')
  const level = (['info', 'warning'] as const).find((l) => l === f.level)
  if (!level) bad('level', 'notices.level_invalid')
  const target = (['all', 'sector', 'profile'] as const).find((t) => t === f.target)
  let targetId: number | null = null
  if (!target) bad('target', 'notices.target_invalid')
  else if (target === 'sector') {
    targetId = /^\d{1,9}$/.test(f.sector_id) ? Number(f.sector_id) : null
    if (targetId === null || !ctx.stores.sectors.get(targetId)) bad('sector_id', 'notices.sector_invalid')
  } else if (target === 'profile') {
    targetId = /^\d{1,9}$/.test(f.profile_id) ? Number(f.profile_id) : null
    if (targetId === null || !ctx.stores.profiles.get(targetId)) bad('profile_id', 'notices.profile_invalid')
  }
  const tz = ctx.config.timeZone
  const starts = f.starts_at.trim() ? parseLocalDateTime(f.starts_at, tz) : now
  const ends = f.ends_at.trim() ? parseLocalDateTime(f.ends_at, tz) : (starts ?? now) + DAY
  if (starts === null) bad('starts_at', 'notices.time_invalid')
  if (ends === null) bad('ends_at', 'notices.time_invalid')
  else if (starts !== null && ends <= starts) bad('ends_at', 'notices.ends_before_start')
  else if (ends <= now) bad('ends_at', 'notices.ends_in_past')
  if (problems.length) throw new NoticeProblems(problems)
  return {
    title,
    body,
    level: level as NoticeLevel,
    target: target as NoticeTarget,
    target_id: targetId,
    starts_at: starts!,
    ends_at: ends!,
    created_by: actorId,
  }
}

const changed = (ctx: Context, n: Notice, why: 'published' | 'started' | 'ended' | 'withdrawn' | 'read', userId?: number) =>
  recordSupervisionEvent(ctx, why === 'read' ? [`user:${userId}`] : noticeTopics(n), 'notice.changed', { id: n.id, change: why, user_id: userId ?? null })

export function publishNotice(ctx: Context, input: NewNotice, now = Date.now()): Notice {
  const notice = write(ctx.db, () => {
    const id = ctx.stores.notices.create(input, now)
    const n = ctx.stores.notices.get(id)!
    ctx.stores.audit.record({ actor_id: input.created_by, action: 'notice.publish', object_type: 'notice', object_id: id, details: { target: n.target, target_id: n.target_id } })
    if (n.starts_at <= now) changed(ctx, n, 'published')
    return n
  })
  ctx.hub.wake()
  wakeNotices(ctx)
  return notice
}

export function withdrawNotice(ctx: Context, id: number, actorId: number, now = Date.now()): boolean {
  const done = write(ctx.db, () => {
    const n = ctx.stores.notices.get(id)
    if (!n || !ctx.stores.notices.withdraw(id, now)) return false
    ctx.stores.audit.record({ actor_id: actorId, action: 'notice.withdraw', object_type: 'notice', object_id: id })
    changed(ctx, n, 'withdrawn')
    return true
  })
  if (done) ctx.hub.wake()
  return done
}

/** Marks a notice read for the user (their other pages drop it too). */
export function readNotice(ctx: Context, id: number, user: User, now = Date.now()): boolean {
  const done = write(ctx.db, () => {
    const n = ctx.stores.notices.get(id)
    if (!n || !ctx.stores.notices.markRead(id, user.id, now)) return false
    changed(ctx, n, 'read', user.id)
    return true
  })
  if (done) ctx.hub.wake()
  return done
}

/** Pushes the notices whose start or end time has come. Returns how many changed. */
export function announceDue(ctx: Context, now = Date.now()): number {
  let n = 0
  for (const notice of ctx.stores.notices.dueToStart(now)) {
    write(ctx.db, () => {
      ctx.stores.notices.markStarted(notice.id)
      if (notice.ends_at > now && notice.withdrawn_at === null) changed(ctx, notice, 'started')
    })
    n++
  }
  for (const notice of ctx.stores.notices.dueToEnd(now)) {
    write(ctx.db, () => {
      ctx.stores.notices.markEnded(notice.id)
      changed(ctx, notice, 'ended')
    })
    n++
  }
  if (n) ctx.hub.wake()
  return n
}

// The notices worker's wake-up (set by startNoticesWorker): a new scheduled notice may be due
// sooner than the next tick.
const wakers = new WeakMap<Context, () => void>()
export const setNoticesWaker = (ctx: Context, wake: () => void) => wakers.set(ctx, wake)
export const wakeNotices = (ctx: Context) => wakers.get(ctx)?.()
