// Report periods and the installation's time zone. Times are UTC milliseconds; a period is the
// half-open interval [from, to). Days, hours of day and weekdays are the installation's
// (KUMQUAT_TIME_ZONE, default America/Sao_Paulo), daylight-saving changes included: SQLite knows
// no time zones, so the offsets in force over a period are worked out here (offsetSegments) and
// the queries group by 15-minute UTC buckets, which every real offset maps exactly.
import { badRequest } from '../http/errors'

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000
/** Queries group by this bucket; every time zone offset in use is a multiple of 15 minutes. */
export const BUCKET_MS = 15 * MINUTE
/** The longest period a report covers. */
export const MAX_PERIOD_DAYS = 400

export interface Period {
  from: number
  to: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    formatters.set(tz, f)
  }
  return f
}

/** The zone's offset at instant t, in ms: local wall time = t + offset. */
export function tzOffset(t: number, tz: string): number {
  const p: Record<string, number> = {}
  for (const part of formatter(tz).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value)
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return wall - Math.floor(t / 1000) * 1000
}

export interface OffsetSegment {
  start: number
  end: number
  offset: number
}

/**
 * The offsets in force over [from, to) as consecutive segments. Samples every 6 hours and finds
 * each change to the minute by bisection (zones change offset at most a few times a year).
 */
export function offsetSegments(from: number, to: number, tz: string): OffsetSegment[] {
  const STEP = 6 * HOUR
  const out: OffsetSegment[] = []
  let start = from
  let offset = tzOffset(from, tz)
  let t = from
  while (t < to) {
    const next = Math.min(t + STEP, to)
    const o = tzOffset(next, tz)
    if (o !== offset) {
      // The change lies in (t, next]: find its first minute (offsets change on whole minutes).
      let lo = Math.floor(t / MINUTE)
      let hi = Math.ceil(next / MINUTE)
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2)
        if (tzOffset(mid * MINUTE, tz) === offset) lo = mid
        else hi = mid
      }
      const at = Math.max(hi * MINUTE, start + 1)
      if (at < to) {
        out.push({ start, end: at, offset })
        start = at
        offset = tzOffset(at, tz)
      }
    }
    t = next
  }
  out.push({ start, end: to, offset })
  return out
}

/** Local midnight (as a UTC instant) of the calendar day `y-m-d` in the zone. */
export function localMidnight(y: number, m: number, d: number, tz: string): number {
  const wall = Date.UTC(y, m - 1, d)
  let t = wall - tzOffset(wall, tz)
  t = wall - tzOffset(t, tz)
  return t
}

/** The local calendar date of instant t. */
export function localDate(t: number, tz: string): { y: number; m: number; d: number } {
  const local = new Date(t + tzOffset(t, tz))
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() }
}

/** Start of the local day that contains t. */
export function startOfDay(t: number, tz: string): number {
  const { y, m, d } = localDate(t, tz)
  return localMidnight(y, m, d, tz)
}

/** `YYYY-MM-DD` of instant t in the zone. */
export function isoDay(t: number, tz: string): string {
  const { y, m, d } = localDate(t, tz)
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * `from`/`to` as a client writes them: an ISO 8601 instant with zone (`2026-11-01T03:00:00Z`) is
 * that instant; a date (`2026-11-01`) is a whole local day — its start for `from`, the start of the
 * next day for `to` (so `from=2026-11-01&to=2026-11-30` is all of November). Null: not valid.
 */
export function parseBound(raw: string, tz: string, end: boolean): number | null {
  const v = raw.trim()
  const d = DATE.exec(v)
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])]
    const check = new Date(Date.UTC(y, m - 1, day))
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== day) return null
    return end ? localMidnight(y, m, day + 1, tz) : localMidnight(y, m, day, tz)
  }
  if (DATETIME.test(v)) {
    const t = Date.parse(v)
    return Number.isNaN(t) ? null : t
  }
  return null
}

/**
 * The period of a request: both bounds given, or the defaults (to = now, from = 30 days before).
 * Throws 400 `invalid_period` with the field at fault.
 */
export function parsePeriod(fromRaw: string | undefined | null, toRaw: string | undefined | null, tz: string, now = Date.now()): Period {
  const problem = (field: string) => badRequest('invalid_period', 'reports.invalid_period', [{ field, key: 'reports.invalid_period' }])
  const to = toRaw ? parseBound(toRaw, tz, true) : now
  if (to === null) throw problem('to')
  const from = fromRaw ? parseBound(fromRaw, tz, false) : to - 30 * DAY
  if (from === null) throw problem('from')
  if (from >= to || to - from > MAX_PERIOD_DAYS * DAY) throw problem('from')
  return { from, to }
}

/** Local hour of day (0–23) and weekday (0 = Sunday) of each 15-minute UTC bucket. */
export function bucketMapper(period: Period, tz: string) {
  const segments = offsetSegments(period.from, period.to, tz)
  return (bucket: number): { hour: number; dow: number } => {
    const t = bucket * BUCKET_MS
    let offset = segments[0].offset
    for (const s of segments) if (t >= s.start) offset = s.offset
    const local = t + offset
    const mod = (a: number, n: number) => ((a % n) + n) % n
    // 1970-01-01 (day 0) was a Thursday.
    return { hour: mod(Math.floor(local / HOUR), 24), dow: mod(Math.floor(local / DAY) + 4, 7) }
  }
}

/** The instant of a local wall time `YYYY-MM-DDTHH:MM` (a datetime-local input) in the zone, or null. */
export function parseLocalDateTime(raw: string, tz: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(raw.trim())
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number)
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null
  const wall = Date.UTC(y, mo - 1, d, h, mi)
  if (new Date(wall).getUTCDate() !== d) return null
  const t = wall - tzOffset(wall, tz)
  return wall - tzOffset(t, tz)
}

/** `YYYY-MM-DDTHH:MM` of instant t in the zone (the value of a datetime-local input). */
export function localDateTimeValue(t: number, tz: string): string {
  const local = new Date(t + tzOffset(t, tz))
  return local.toISOString().slice(0, 16)
}
