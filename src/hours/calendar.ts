// Business hours arithmetic, pure: weekly intervals per weekday in a time zone, holidays, whether a
// moment is inside the hours, the next opening, and business time between two moments (SLAs).
// Intervals are [start, end) in minutes after local midnight (0..1440); a day may have several.
// An interval never crosses midnight: 22:00–06:00 is written as 22:00–24:00 and 00:00–06:00 on the
// next day. Local times that do not exist (a DST gap) move forward with the clock.
import { addDays, brazilianHolidayOn, isoDate } from './holidays'

export type Interval = [number, number]
/** Seven lists of intervals, Sunday first (Date#getDay order). */
export type Weekly = Interval[][]

export interface Holiday {
  /** 'YYYY-MM-DD', or 'MM-DD' when recurring every year */
  date: string
  recurring: boolean
  name: string
}

export interface CalendarRules {
  timeZone: string
  weekly: Weekly
  nationalHolidays: boolean
  holidays: Holiday[]
}

export interface LocalParts {
  y: number
  m: number
  d: number
  /** 0 = Sunday */
  weekday: number
  /** minutes after local midnight */
  minutes: number
  date: string
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    formatters.set(timeZone, f)
  }
  return f
}

export function isValidTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || !tz || tz.length > 64) return false
  try {
    formatter(tz)
    return true
  } catch {
    return false
  }
}

/** The wall-clock date and time of an instant in a time zone. */
export function localParts(ms: number, timeZone: string): LocalParts & { seconds: number } {
  const parts: Record<string, number> = {}
  for (const p of formatter(timeZone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  const y = parts.year
  const m = parts.month
  const d = parts.day
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
  return { y, m, d, weekday, minutes: (parts.hour % 24) * 60 + parts.minute, seconds: parts.second, date: isoDate(y, m, d) }
}

/** How far ahead of UTC the zone's wall clock is at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone)
  const wall = Date.UTC(p.y, p.m - 1, p.d, 0, p.minutes, p.seconds)
  return wall - Math.floor(ms / 1000) * 1000
}

/** The instant a wall-clock time (y-m-d, minutes after midnight; 1440 = next midnight) happens in the zone. */
export function zonedTime(y: number, m: number, d: number, minutes: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d, 0, minutes)
  const first = guess - offsetAt(guess, timeZone)
  const second = guess - offsetAt(first, timeZone)
  return second
}

/** The holiday on a local date, if any: the calendar's own (fixed or yearly), then the national ones. */
export function holidayOn(cal: CalendarRules, date: string): { name: string; national: boolean } | null {
  const md = date.slice(5)
  const own = cal.holidays.find((h) => (h.recurring ? h.date === md : h.date === date))
  if (own) return { name: own.name, national: false }
  if (cal.nationalHolidays) {
    const n = brazilianHolidayOn(date)
    if (n) return { name: n.name, national: true }
  }
  return null
}

/** The intervals of a local day (none on a holiday). */
function intervalsOn(cal: CalendarRules, y: number, m: number, d: number): Interval[] {
  if (holidayOn(cal, isoDate(y, m, d))) return []
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
  return cal.weekly[weekday] ?? []
}

export function isOpenAt(cal: CalendarRules, ms: number): boolean {
  const p = localParts(ms, cal.timeZone)
  return intervalsOn(cal, p.y, p.m, p.d).some(([s, e]) => s <= p.minutes && p.minutes < e)
}

/** The first instant at or after `ms` when the calendar is open; null when it never opens within a year. */
export function nextOpening(cal: CalendarRules, ms: number, horizonDays = 370): number | null {
  if (isOpenAt(cal, ms)) return ms
  const p = localParts(ms, cal.timeZone)
  for (let i = 0; i <= horizonDays; i++) {
    const [y, m, d] = addDays(p.y, p.m, p.d, i)
    for (const [s] of [...intervalsOn(cal, y, m, d)].sort((a, b) => a[0] - b[0])) {
      const at = zonedTime(y, m, d, s, cal.timeZone)
      if (at > ms) return at
    }
  }
  return null
}

/** The open intervals [start, end) as instants, clipped to [from, to), in time order. */
export function openIntervals(cal: CalendarRules, from: number, to: number, maxDays = 800): Interval[] {
  const out: Interval[] = []
  if (!(to > from)) return out
  const start = localParts(from, cal.timeZone)
  for (let i = 0; i <= maxDays; i++) {
    const [y, m, d] = addDays(start.y, start.m, start.d, i)
    if (zonedTime(y, m, d, 0, cal.timeZone) >= to) break
    for (const [s, e] of intervalsOn(cal, y, m, d)) {
      const a = Math.max(from, zonedTime(y, m, d, s, cal.timeZone))
      const b = Math.min(to, zonedTime(y, m, d, e, cal.timeZone))
      if (b > a) out.push([a, b])
    }
  }
  return out
}

/** Business time (ms) between two instants: the overlap of [from, to) with the open intervals. */
export function businessMs(cal: CalendarRules, from: number, to: number, maxDays = 800): number {
  let total = 0
  for (const [a, b] of openIntervals(cal, from, to, maxDays)) total += b - a
  return total
}

/**
 * The latest instant from which `ms` of business time have passed by `now` (an SLA's cutoff: a
 * ticket waiting since at or before it has waited at least `ms` in business hours). Looks back up
 * to `maxDays`; -Infinity when the calendar is open for less than `ms` in that span.
 */
export function businessCutoff(cal: CalendarRules, now: number, ms: number, maxDays = 400): number {
  if (ms <= 0) return now
  // Look back a week, then further, so the usual case reads a few days only.
  for (let days = 7; ; days = Math.min(days * 4, maxDays)) {
    const open = openIntervals(cal, now - days * 86_400_000, now, days + 1)
    let left = ms
    for (let i = open.length - 1; i >= 0; i--) {
      const [a, b] = open[i]
      if (b - a >= left) return b - left
      left -= b - a
    }
    if (days >= maxDays) return -Infinity
  }
}

// ---- text forms -----------------------------------------------------------------------------------

const TIME = /^([01]?\d|2[0-4])(?::|h)?([0-5]\d)?$/

/** "8:00", "08:00", "8h", "18h30", "24:00" → minutes; null when not a time of day. */
export function parseTime(raw: string): number | null {
  const m = TIME.exec(raw.trim().toLowerCase())
  if (!m) return null
  const minutes = Number(m[1]) * 60 + Number(m[2] ?? 0)
  return minutes > 1440 ? null : minutes
}

export const formatTime = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`

/**
 * A day's hours as people type them: "08:00-12:00, 13:00-18:00" (also "8h às 12h", ";" or new
 * lines between intervals). Empty = closed all day. Returns the sorted intervals, or an error:
 * 'format' (unreadable), 'order' (an end not after its start) or 'overlap'.
 */
export function parseIntervals(text: string): { intervals: Interval[] } | { error: 'format' | 'order' | 'overlap' } {
  const parts = text
    .split(/[,;\n]+/)
    .map((p) => p.trim())
    .filter(Boolean)
  const out: Interval[] = []
  for (const part of parts) {
    const m = /^(.+?)\s*[-–—]\s*(.+)$/.exec(part) ?? /^(.+?)\s+(?:às|as|a|até|ate|to)\s+(.+)$/i.exec(part)
    if (!m) return { error: 'format' }
    const s = parseTime(m[1])
    const e = parseTime(m[2])
    if (s === null || e === null || s >= 1440) return { error: 'format' }
    if (e <= s) return { error: 'order' }
    out.push([s, e])
  }
  out.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < out.length; i++) if (out[i][0] < out[i - 1][1]) return { error: 'overlap' }
  return { intervals: out }
}

export const formatIntervals = (list: Interval[]) => list.map(([s, e]) => `${formatTime(s)}-${formatTime(e)}`).join(', ')

/** A stored `weekly` value (JSON) checked to the letter; null when it is not one. */
export function readWeekly(value: unknown): Weekly | null {
  if (!Array.isArray(value) || value.length !== 7) return null
  const out: Weekly = []
  for (const day of value) {
    if (!Array.isArray(day) || day.length > 24) return null
    const list: Interval[] = []
    for (const iv of day) {
      if (!Array.isArray(iv) || iv.length !== 2 || !iv.every((x) => Number.isInteger(x))) return null
      const [s, e] = iv as [number, number]
      if (s < 0 || e > 1440 || e <= s) return null
      list.push([s, e])
    }
    list.sort((a, b) => a[0] - b[0])
    for (let i = 1; i < list.length; i++) if (list[i][0] < list[i - 1][1]) return null
    out.push(list)
  }
  return out
}
