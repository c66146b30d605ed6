// Business hours in use: creating and changing calendars, holidays and sector settings (shared by
// the pages and the API: one validation, one transaction per change with its audit entry), and
// the checks the rest of Kumquat asks — is a sector open now, may its tickets be offered, what to
// answer outside hours, how much business time lies between two moments.
//
// Out of hours, behaviour by sector setting (sector_hours.out_of_hours):
// - 'queue' (the default): the customer gets the out-of-hours message (with the next opening) and
//   the ticket still enters the queue, so agents find it when the sector opens;
// - 'close': the customer gets the message and the ticket is closed (pre-service outcome
//   'out_of_hours'); writing again starts a new ticket.
// Tickets of a closed sector wait in the queue without being offered unless the sector is set to
// keep working (sectorRoutable).
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, conflict, notFound, type FieldProblem } from '../http/errors'
import { t, type Lang } from '../i18n'
import { businessMs, isOpenAt, isValidTimeZone, nextOpening, parseIntervals, readWeekly, localParts, type CalendarRules, type Interval, type Weekly } from './calendar'
import { addDays } from './holidays'
import type { Calendar, CalendarValues, HolidayRow, OutOfHoursMode, SectorHours } from './store'

export const MAX_MESSAGE = 1024

export interface CalendarInput {
  name?: unknown
  time_zone?: unknown
  /** 7 entries, Sunday first: "08:00-12:00, 13:00-18:00" strings or [[start, end], …] minute pairs */
  weekly?: unknown
  national_holidays?: unknown
  message?: unknown
}

/** The weekday a form or API entry means: a day's text or its minute pairs. */
function readDay(raw: unknown): { intervals: Interval[] } | { error: 'format' | 'order' | 'overlap' } {
  if (typeof raw === 'string') return parseIntervals(raw)
  if (Array.isArray(raw)) {
    const week = readWeekly([raw, [], [], [], [], [], []])
    return week ? { intervals: week[0] } : { error: 'format' }
  }
  if (raw === null || raw === undefined) return { intervals: [] }
  return { error: 'format' }
}

export function defaultCalendar(lang: Lang, timeZone: string): CalendarValues {
  const day: Interval[] = [[480, 720], [780, 1080]]
  return { name: '', time_zone: timeZone, weekly: [[], day, day, day, day, day, []], national_holidays: true, message: t(lang, 'hours.default_message') }
}

/** Names compared the way people read them: case-insensitive in Portuguese (SQLite's NOCASE folds ASCII only). */
const fold = (s: string) => s.normalize('NFC').toLocaleLowerCase('pt-BR')
const sameName = (ctx: Context, name: string) => ctx.stores.hours.list().find((c) => fold(c.name) === fold(name)) ?? null

export function validateCalendar(ctx: Context, raw: CalendarInput, existing: Calendar | null) {
  const problems: FieldProblem[] = []
  const out: CalendarValues = existing
    ? { name: existing.name, time_zone: existing.time_zone, weekly: existing.weekly, national_holidays: existing.national_holidays, message: existing.message }
    : defaultCalendar(ctx.config.defaultLanguage, ctx.config.timeZone)
  if (raw.name !== undefined || !existing) {
    const name = typeof raw.name === 'string' ? raw.name.trim() : ''
    const other = name ? sameName(ctx, name) : null
    if (!name || name.length > 120) problems.push({ field: 'name', key: 'valid.name' })
    else if (other && other.id !== existing?.id) problems.push({ field: 'name', key: 'hours.name_taken' })
    else out.name = name
  }
  if (raw.time_zone !== undefined) {
    if (!isValidTimeZone(raw.time_zone)) problems.push({ field: 'time_zone', key: 'hours.valid_time_zone' })
    else out.time_zone = raw.time_zone
  }
  if (raw.weekly !== undefined) {
    if (!Array.isArray(raw.weekly) || raw.weekly.length !== 7) problems.push({ field: 'weekly', key: 'hours.valid_weekly' })
    else {
      const week: Weekly = []
      raw.weekly.forEach((day, i) => {
        const r = readDay(day)
        if ('error' in r) problems.push({ field: `day_${i}`, key: `hours.valid_day_${r.error}` })
        else week.push(r.intervals)
      })
      if (week.length === 7) out.weekly = week
    }
  }
  if (raw.national_holidays !== undefined) {
    if (typeof raw.national_holidays !== 'boolean') problems.push({ field: 'national_holidays', key: 'form.required' })
    else out.national_holidays = raw.national_holidays
  }
  if (raw.message !== undefined) {
    const message = typeof raw.message === 'string' ? raw.message.replace(/\r\n?/g, '\n').trim() : ''
    if (!message || message.length > MAX_MESSAGE) problems.push({ field: 'message', key: 'hours.valid_message' })
    else out.message = message
  }
  return { value: out, problems }
}

export function saveCalendar(ctx: Context, actorId: number, raw: CalendarInput, existing: Calendar | null, ip: string | null): Calendar {
  const { value, problems } = validateCalendar(ctx, raw, existing)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const id = write(ctx.db, () => {
    const other = sameName(ctx, value.name)
    if (other && other.id !== existing?.id) throw badRequest('validation_failed', 'error.validation', [{ field: 'name', key: 'hours.name_taken' }])
    const id = existing ? (ctx.stores.hours.update(existing.id, value), existing.id) : ctx.stores.hours.create(value)
    ctx.stores.audit.record({ actor_id: actorId, action: existing ? 'business_hours.update' : 'business_hours.create', object_type: 'business_hours', object_id: id, ip, details: { name: value.name, time_zone: value.time_zone, weekly: value.weekly, national_holidays: value.national_holidays } })
    return id
  })
  ctx.wake.routing() // a sector may be open (or closed) now
  return ctx.stores.hours.get(id)!
}

/** A calendar in use by a sector cannot go (409 calendar_in_use). */
export function deleteCalendar(ctx: Context, actorId: number, cal: Calendar, ip: string | null) {
  write(ctx.db, () => {
    if (ctx.stores.hours.usedBy(cal.id).length) throw conflict('calendar_in_use', 'hours.in_use')
    ctx.stores.hours.remove(cal.id)
    ctx.stores.audit.record({ actor_id: actorId, action: 'business_hours.delete', object_type: 'business_hours', object_id: cal.id, ip, details: { name: cal.name } })
  })
}

export interface HolidayInput {
  date?: unknown
  name?: unknown
  recurring?: unknown
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const realDate = (y: number, m: number, d: number) => {
  const [yy, mm, dd] = addDays(y, m, d, 0)
  return yy === y && mm === m && dd === d && y >= 1900 && y <= 2200
}

export function addHoliday(ctx: Context, actorId: number, cal: Calendar, raw: HolidayInput, ip: string | null): HolidayRow {
  const problems: FieldProblem[] = []
  const recurring = raw.recurring === true
  const name = typeof raw.name === 'string' ? raw.name.trim() : ''
  if (!name || name.length > 120) problems.push({ field: 'holiday_name', key: 'valid.name' })
  const m = typeof raw.date === 'string' ? DATE.exec(raw.date.trim()) : null
  let date = ''
  if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3]))) problems.push({ field: 'holiday_date', key: 'hours.valid_date' })
  else date = recurring ? `${m[2]}-${m[3]}` : `${m[1]}-${m[2]}-${m[3]}`
  if (!problems.length && ctx.stores.hours.holidays(cal.id).some((h) => h.date === date)) problems.push({ field: 'holiday_date', key: 'hours.holiday_exists' })
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const id = write(ctx.db, () => {
    const id = ctx.stores.hours.addHoliday(cal.id, { date, recurring, name })
    ctx.stores.audit.record({ actor_id: actorId, action: 'holiday.create', object_type: 'business_hours', object_id: cal.id, ip, details: { date, recurring, name } })
    return id
  })
  ctx.wake.routing()
  return ctx.stores.hours.holiday(id)!
}

export function removeHoliday(ctx: Context, actorId: number, h: HolidayRow, ip: string | null) {
  write(ctx.db, () => {
    ctx.stores.hours.removeHoliday(h)
    ctx.stores.audit.record({ actor_id: actorId, action: 'holiday.delete', object_type: 'business_hours', object_id: h.business_hours_id, ip, details: { date: h.date, name: h.name } })
  })
  ctx.wake.routing()
}

export interface SectorHoursInput {
  business_hours_id?: unknown
  out_of_hours?: unknown
  keep_working?: unknown
  message?: unknown
}

/** A sector's calendar and out-of-hours settings (the calendar goes to sectors.business_hours_id). */
export function saveSectorHours(ctx: Context, actorId: number, sectorId: number, raw: SectorHoursInput, ip: string | null): SectorHours {
  const sector = ctx.stores.sectors.get(sectorId)
  if (!sector) throw notFound()
  const current = ctx.stores.hours.sector(sectorId)
  const next: SectorHours = { ...current }
  let calendarId = sector.business_hours_id
  const problems: FieldProblem[] = []
  if (raw.business_hours_id !== undefined) {
    const id = raw.business_hours_id
    if (id === null) calendarId = null
    else if (!Number.isInteger(id) || !ctx.stores.hours.get(id as number)) problems.push({ field: `business_hours_id_${sectorId}`, key: 'hours.valid_calendar' })
    else calendarId = id as number
  }
  if (raw.out_of_hours !== undefined) {
    if (raw.out_of_hours !== 'queue' && raw.out_of_hours !== 'close') problems.push({ field: `out_of_hours_${sectorId}`, key: 'hours.valid_mode' })
    else next.out_of_hours = raw.out_of_hours as OutOfHoursMode
  }
  if (raw.keep_working !== undefined) {
    if (typeof raw.keep_working !== 'boolean') problems.push({ field: `keep_working_${sectorId}`, key: 'form.required' })
    else next.keep_working = raw.keep_working
  }
  if (raw.message !== undefined) {
    const message = typeof raw.message === 'string' ? raw.message.replace(/\r\n?/g, '\n').trim() : ''
    if (message.length > MAX_MESSAGE) problems.push({ field: `message_${sectorId}`, key: 'hours.valid_message' })
    else next.message = message || null
  }
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  write(ctx.db, () => {
    const fresh = ctx.stores.sectors.get(sectorId)!
    if (fresh.business_hours_id !== calendarId) {
      ctx.stores.sectors.update(sectorId, { name: fresh.name, routing: fresh.routing, offer_timeout_s: fresh.offer_timeout_s, business_hours_id: calendarId, survey: fresh.survey, require_classification: fresh.require_classification })
    }
    ctx.stores.hours.setSector(next)
    ctx.stores.audit.record({ actor_id: actorId, action: 'sector.hours', object_type: 'sector', object_id: sectorId, ip, details: { business_hours_id: calendarId, out_of_hours: next.out_of_hours, keep_working: next.keep_working, message_set: next.message !== null } })
  })
  ctx.wake.routing()
  return ctx.stores.hours.sector(sectorId)
}

// ---- checks used at run time ----------------------------------------------------------------------

/** The calendar rules of a sector, or null when it has none (always open). */
export function sectorRules(ctx: Context, sectorId: number | null): CalendarRules | null {
  if (sectorId === null) return null
  const sector = ctx.stores.sectors.get(sectorId)
  return sector?.business_hours_id ? ctx.stores.hours.rules(sector.business_hours_id) : null
}

/** Whether a sector is inside its business hours (a sector without a calendar is always open). */
export function isSectorOpen(ctx: Context, sectorId: number | null, now = Date.now()): boolean {
  const rules = sectorRules(ctx, sectorId)
  return rules ? isOpenAt(rules, now) : true
}

/**
 * Whether routing may offer the sector's queued tickets now: open, or set to keep working out of
 * hours. (For src/desk/routing.ts: skip a sector — in routeSector / decide — when this is false.)
 */
export function sectorRoutable(ctx: Context, sectorId: number, now = Date.now()): boolean {
  return isSectorOpen(ctx, sectorId, now) || ctx.stores.hours.sector(sectorId).keep_working
}

/** Business time between two moments for a sector's SLAs; plain elapsed time without a calendar. */
export function sectorBusinessMs(ctx: Context, sectorId: number | null, from: number, to: number): number {
  const rules = sectorRules(ctx, sectorId)
  return rules ? businessMs(rules, from, to) : Math.max(0, to - from)
}

/** "hoje às 08:00", "amanhã às 08:00", "segunda-feira, 09/02, às 08:00" in the calendar's zone. */
export function formatOpening(ms: number | null, timeZone: string, lang: Lang, now = Date.now()): string {
  if (ms === null) return t(lang, 'hours.opening_unknown')
  const time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(ms)
  const day = localParts(ms, timeZone).date
  const today = localParts(now, timeZone)
  if (day === today.date) return t(lang, 'hours.opening_today', { time })
  const [y, m, d] = addDays(today.y, today.m, today.d, 1)
  if (day === `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`) return t(lang, 'hours.opening_tomorrow', { time })
  const weekday = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone }).format(ms)
  const date = new Intl.DateTimeFormat(lang, { day: '2-digit', month: '2-digit', timeZone }).format(ms)
  return t(lang, 'hours.opening_on', { weekday, date, time })
}

export interface OutOfHours {
  /** the auto-reply with {abertura} filled in ({protocolo} and {setor} are the caller's) */
  text: string
  mode: OutOfHoursMode
  next_opening: number | null
}

/** What to do for a ticket entering a sector's queue now: null when the sector is open (or has no calendar). */
export function outOfHoursFor(ctx: Context, sectorId: number | null, now = Date.now(), lang: Lang = ctx.config.defaultLanguage): OutOfHours | null {
  if (sectorId === null) return null
  const sector = ctx.stores.sectors.get(sectorId)
  if (!sector?.business_hours_id) return null
  const cal = ctx.stores.hours.get(sector.business_hours_id)
  const rules = cal ? ctx.stores.hours.rules(cal.id) : null
  if (!cal || !rules || isOpenAt(rules, now)) return null
  const settings = ctx.stores.hours.sector(sectorId)
  const opening = nextOpening(rules, now)
  const template = settings.message ?? (settings.out_of_hours === 'close' ? t(lang, 'hours.default_message_close') : cal.message)
  const text = template.replace(/\{abertura\}/g, formatOpening(opening, cal.time_zone, lang, now)).replace(/\{setor\}/g, sector.name)
  return { text, mode: settings.out_of_hours, next_opening: opening }
}

export function calendarJson(ctx: Context, cal: Calendar, now = Date.now()) {
  const rules = ctx.stores.hours.rules(cal.id)!
  const opening = nextOpening(rules, now)
  return {
    id: cal.id,
    name: cal.name,
    time_zone: cal.time_zone,
    weekly: cal.weekly,
    national_holidays: cal.national_holidays,
    message: cal.message,
    holidays: ctx.stores.hours.holidays(cal.id).map((h) => ({ id: h.id, date: h.date, recurring: h.recurring, name: h.name })),
    sector_ids: ctx.stores.hours.usedBy(cal.id).map((s) => s.id),
    open_now: isOpenAt(rules, now),
    next_opening: opening === null ? null : new Date(opening).toISOString(),
    created_at: new Date(cal.created_at).toISOString(),
    updated_at: new Date(cal.updated_at).toISOString(),
  }
}
