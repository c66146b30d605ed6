// Periods, local days and hours across time zones and daylight-saving changes; CSV cells.
import { describe, expect, test } from 'bun:test'
import { csvCell, toCsv } from './csv'
import { BUCKET_MS, bucketMapper, localDateTimeValue, localMidnight, offsetSegments, parseBound, parseLocalDateTime, parsePeriod, startOfDay, tzOffset } from './period'
import { stat } from './summary'

const NY = 'America/New_York'
const SP = 'America/Sao_Paulo'

describe('time zones', () => {
  test('São Paulo is UTC−3 all year (no daylight saving since 2019)', () => {
    expect(tzOffset(Date.parse('2026-01-15T12:00:00Z'), SP)).toBe(-3 * 3600_000)
    expect(tzOffset(Date.parse('2026-07-15T12:00:00Z'), SP)).toBe(-3 * 3600_000)
    expect(localMidnight(2026, 3, 1, SP)).toBe(Date.parse('2026-03-01T03:00:00Z'))
    expect(startOfDay(Date.parse('2026-03-02T02:59:59Z'), SP)).toBe(Date.parse('2026-03-01T03:00:00Z'))
  })

  test('New York springs forward on 2026-03-08 at 02:00: a 23-hour local day', () => {
    const start = localMidnight(2026, 3, 8, NY)
    const next = localMidnight(2026, 3, 9, NY)
    expect(start).toBe(Date.parse('2026-03-08T05:00:00Z'))
    expect(next).toBe(Date.parse('2026-03-09T04:00:00Z'))
    expect(next - start).toBe(23 * 3600_000)
    const segments = offsetSegments(start, next, NY)
    expect(segments).toEqual([
      { start, end: Date.parse('2026-03-08T07:00:00Z'), offset: -5 * 3600_000 },
      { start: Date.parse('2026-03-08T07:00:00Z'), end: next, offset: -4 * 3600_000 },
    ])
    const map = bucketMapper({ from: start, to: next }, NY)
    expect(map(Date.parse('2026-03-08T06:45:00Z') / BUCKET_MS)).toEqual({ hour: 1, dow: 0 }) // 01:45 EST, Sunday
    expect(map(Date.parse('2026-03-08T07:00:00Z') / BUCKET_MS)).toEqual({ hour: 3, dow: 0 }) // 03:00 EDT
    expect(map(Date.parse('2026-03-09T03:45:00Z') / BUCKET_MS)).toEqual({ hour: 23, dow: 0 })
  })

  test('half-hour zones map 15-minute buckets exactly (India, UTC+5:30)', () => {
    const map = bucketMapper({ from: Date.parse('2026-03-01T00:00:00Z'), to: Date.parse('2026-03-02T00:00:00Z') }, 'Asia/Kolkata')
    expect(map(Date.parse('2026-03-01T00:15:00Z') / BUCKET_MS).hour).toBe(5) // 05:45
    expect(map(Date.parse('2026-03-01T00:30:00Z') / BUCKET_MS).hour).toBe(6) // 06:00
  })

  test('a year of offsets is a handful of segments', () => {
    const segs = offsetSegments(Date.parse('2026-01-01T05:00:00Z'), Date.parse('2027-01-01T05:00:00Z'), NY)
    expect(segs.map((s) => s.offset / 3600_000)).toEqual([-5, -4, -5])
    expect(new Date(segs[1].start).toISOString()).toBe('2026-03-08T07:00:00.000Z')
    expect(new Date(segs[2].start).toISOString()).toBe('2026-11-01T06:00:00.000Z')
  })
})

describe('period bounds', () => {
  test('dates are whole local days; instants are exact; the default is the last 30 days', () => {
    expect(parseBound('2026-03-01', SP, false)).toBe(Date.parse('2026-03-01T03:00:00Z'))
    expect(parseBound('2026-03-01', SP, true)).toBe(Date.parse('2026-03-02T03:00:00Z'))
    expect(parseBound('2026-03-01T10:00:00.5Z', SP, false)).toBe(Date.parse('2026-03-01T10:00:00.500Z'))
    expect(parseBound('2026-03-01T10:00:00+01:00', SP, false)).toBe(Date.parse('2026-03-01T09:00:00Z'))
    for (const bad of ['2026-02-29', '2026-13-01', '01/03/2026', '2026-03-01T10:00', '', 'now']) expect(parseBound(bad, SP, false)).toBeNull()
    const now = Date.parse('2026-03-10T12:00:00Z')
    expect(parsePeriod(undefined, undefined, SP, now)).toEqual({ from: now - 30 * 86_400_000, to: now })
    expect(() => parsePeriod('2026-03-02', '2026-03-01', SP)).toThrow()
  })

  test('datetime-local inputs are local wall times', () => {
    expect(parseLocalDateTime('2026-03-01T09:30', SP)).toBe(Date.parse('2026-03-01T12:30:00Z'))
    expect(parseLocalDateTime('2026-02-30T09:30', SP)).toBeNull()
    expect(localDateTimeValue(Date.parse('2026-03-01T12:30:00Z'), SP)).toBe('2026-03-01T09:30')
  })
})

describe('statistics', () => {
  test('average and nearest-rank p90, in seconds with one decimal', () => {
    expect(stat([])).toEqual({ n: 0, avg: null, p90: null })
    expect(stat([1000])).toEqual({ n: 1, avg: 1, p90: 1 })
    // 10 values 1..10 s: p90 = the 9th.
    expect(stat([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((s) => s * 1000))).toEqual({ n: 10, avg: 5.5, p90: 9 })
    // 11 values: ceil(9.9) = 10th.
    expect(stat(Array.from({ length: 11 }, (_, i) => (i + 1) * 1000)).p90).toBe(10)
    expect(stat([1234, 1000]).avg).toBe(1.1)
  })
})

describe('CSV', () => {
  test('quotes, CRLF, and no formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell('+55 83')).toBe("'+55 83")
    expect(csvCell(-3)).toBe('-3')
    expect(csvCell(null)).toBe('')
    expect(toCsv(['a', 'b'], [[1, 'x\ny']])).toBe('\ufeffa,b\r\n1,"x\ny"\r\n')
  })
})
