// Business time of many durations at once (reports over a month or a year of tickets). Walking a
// calendar day by day for each ticket would take seconds on a month of 80 000 tickets; instead each
// calendar's open intervals over the report's span are listed once with their running total, and a
// duration [a, b) is open(b) − open(a), where open(x) = business time from the span's start to x
// (found by binary search). Same result as sectorBusinessMs (hours.ts), which it falls back to for
// moments outside the span.
import type { Context } from '../context'
import { businessMs, openIntervals, type CalendarRules } from './calendar'

export type BusinessClock = (sectorId: number | null, from: number, to: number) => number

interface Table {
  rules: CalendarRules
  starts: Float64Array
  ends: Float64Array
  /** business time before interval i */
  before: Float64Array
}

function table(rules: CalendarRules, from: number, to: number): Table {
  const list = openIntervals(rules, from, to)
  const starts = new Float64Array(list.length)
  const ends = new Float64Array(list.length)
  const before = new Float64Array(list.length)
  let sum = 0
  list.forEach(([a, b], i) => {
    starts[i] = a
    ends[i] = b
    before[i] = sum
    sum += b - a
  })
  return { rules, starts, ends, before }
}

/** Business time from the span's start to x (x inside the span). */
function openUntil(t: Table, x: number): number {
  // The last interval starting at or before x.
  let lo = 0
  let hi = t.starts.length - 1
  let i = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (t.starts[mid] <= x) {
      i = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  if (i < 0) return 0
  return t.before[i] + Math.min(x, t.ends[i]) - t.starts[i]
}

/**
 * A clock for durations inside [from, to): business time in each sector's calendar, elapsed time
 * for a sector without one (or no sector). Sectors and calendars are read once, when made.
 */
export function businessClock(ctx: Context, from: number, to: number): BusinessClock {
  const calendarOf = new Map<number, number>()
  for (const s of ctx.stores.sectors.list()) if (s.business_hours_id) calendarOf.set(s.id, s.business_hours_id)
  const tables = new Map<number, Table | null>()
  const tableOf = (calendarId: number) => {
    let t = tables.get(calendarId)
    if (t === undefined) {
      const rules = ctx.stores.hours.rules(calendarId)
      tables.set(calendarId, (t = rules ? table(rules, from, to) : null))
    }
    return t
  }
  return (sectorId, a, b) => {
    if (!(b > a)) return 0
    const calendarId = sectorId === null ? undefined : calendarOf.get(sectorId)
    const t = calendarId === undefined ? null : tableOf(calendarId)
    if (!t) return b - a
    if (a < from || b > to) return businessMs(t.rules, a, b)
    return openUntil(t, b) - openUntil(t, a)
  }
}
