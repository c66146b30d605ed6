// Business hours arithmetic: holidays (Brazilian national ones with Carnaval, Sexta-feira Santa and
// Corpus Christi from Easter), intervals, time zones, next opening, business time.
import { describe, expect, test } from 'bun:test'
import { businessMs, isOpenAt, localParts, nextOpening, parseIntervals, parseTime, readWeekly, zonedTime, type CalendarRules } from './calendar'
import { brazilianHolidayOn, brazilianHolidays, easter } from './holidays'

const HOUR = 3_600_000
/** A São Paulo wall-clock time (UTC−3 all year since 2019) as an instant. */
const sp = (iso: string) => Date.parse(`${iso}-03:00`)
const weekdays = (intervals: [number, number][]) => [[], intervals, intervals, intervals, intervals, intervals, []] as [number, number][][]
const cal = (o: Partial<CalendarRules> = {}): CalendarRules => ({
  timeZone: 'America/Sao_Paulo',
  weekly: weekdays([[480, 720], [780, 1080]]),
  nationalHolidays: true,
  holidays: [],
  ...o,
})

describe('Brazilian national holidays', () => {
  test('Easter Sunday from the computus', () => {
    expect(easter(2024)).toEqual([3, 31])
    expect(easter(2025)).toEqual([4, 20])
    expect(easter(2026)).toEqual([4, 5])
    expect(easter(2027)).toEqual([3, 28])
    expect(easter(2038)).toEqual([4, 25])
  })

  test('2026: every date, movable ones included', () => {
    expect(brazilianHolidays(2026).map((h) => [h.date, h.key])).toEqual([
      ['2026-01-01', 'new_year'],
      ['2026-02-16', 'carnival_monday'],
      ['2026-02-17', 'carnival_tuesday'],
      ['2026-04-03', 'good_friday'],
      ['2026-04-21', 'tiradentes'],
      ['2026-05-01', 'labour'],
      ['2026-06-04', 'corpus_christi'],
      ['2026-09-07', 'independence'],
      ['2026-10-12', 'aparecida'],
      ['2026-11-02', 'all_souls'],
      ['2026-11-15', 'republic'],
      ['2026-11-20', 'black_consciousness'],
      ['2026-12-25', 'christmas'],
    ])
  })

  test('2027: Carnaval 8–9 Feb, Good Friday 26 Mar, Corpus Christi 27 May', () => {
    const byKey = Object.fromEntries(brazilianHolidays(2027).map((h) => [h.key, h.date]))
    expect(byKey).toMatchObject({
      carnival_monday: '2027-02-08',
      carnival_tuesday: '2027-02-09',
      good_friday: '2027-03-26',
      corpus_christi: '2027-05-27',
      tiradentes: '2027-04-21',
      christmas: '2027-12-25',
    })
    expect(brazilianHolidays(2027)).toHaveLength(13)
    expect(brazilianHolidayOn('2027-02-09')?.name).toBe('Carnaval (terça-feira)')
    expect(brazilianHolidayOn('2027-02-10')).toBeNull() // Quarta-feira de Cinzas is a working day
  })

  test('Consciência Negra is national from 2024 on', () => {
    expect(brazilianHolidayOn('2023-11-20')).toBeNull()
    expect(brazilianHolidayOn('2024-11-20')?.key).toBe('black_consciousness')
  })
})

describe('time zones', () => {
  test('local parts and wall-clock instants agree both ways', () => {
    const at = zonedTime(2026, 11, 25, 8 * 60 + 30, 'America/Sao_Paulo')
    expect(new Date(at).toISOString()).toBe('2026-11-25T11:30:00.000Z')
    expect(localParts(at, 'America/Sao_Paulo')).toMatchObject({ y: 2026, m: 11, d: 25, weekday: 3, minutes: 510, date: '2026-11-25' })
    // Manaus is an hour behind São Paulo; Noronha an hour ahead.
    expect(new Date(zonedTime(2026, 11, 25, 480, 'America/Manaus')).toISOString()).toBe('2026-11-25T12:00:00.000Z')
    expect(new Date(zonedTime(2026, 11, 25, 480, 'America/Noronha')).toISOString()).toBe('2026-11-25T10:00:00.000Z')
    // 24:00 is the next midnight.
    expect(new Date(zonedTime(2026, 11, 25, 1440, 'America/Sao_Paulo')).toISOString()).toBe('2026-11-26T03:00:00.000Z')
  })

  test('across a DST change (New York): wall-clock hours stay put', () => {
    const ny = cal({ timeZone: 'America/New_York', nationalHolidays: false })
    // Before (EST, UTC−5) and after (EDT, UTC−4) the 8 March 2026 change: 08:00 local both weeks.
    expect(new Date(zonedTime(2026, 3, 6, 480, 'America/New_York')).toISOString()).toBe('2026-03-06T13:00:00.000Z')
    expect(new Date(zonedTime(2026, 3, 9, 480, 'America/New_York')).toISOString()).toBe('2026-03-09T12:00:00.000Z')
    expect(isOpenAt(ny, Date.parse('2026-03-09T12:30:00Z'))).toBe(true)
    expect(isOpenAt(ny, Date.parse('2026-03-09T11:30:00Z'))).toBe(false)
    // Friday 18:00 EST → Monday 08:00 EDT: 3 days minus the hour the clock jumped.
    expect(nextOpening(ny, Date.parse('2026-03-06T23:00:00Z'))).toBe(Date.parse('2026-03-09T12:00:00Z'))
  })

  test('the same instant is open in one zone and closed in another', () => {
    const at = Date.parse('2026-11-25T11:30:00Z') // 08:30 in São Paulo, 07:30 in Manaus
    expect(isOpenAt(cal(), at)).toBe(true)
    expect(isOpenAt(cal({ timeZone: 'America/Manaus' }), at)).toBe(false)
  })
})

describe('intervals', () => {
  test('several intervals a day: open inside, closed at lunch, end excluded', () => {
    const c = cal()
    expect(isOpenAt(c, sp('2026-11-25T07:59'))).toBe(false)
    expect(isOpenAt(c, sp('2026-11-25T08:00'))).toBe(true)
    expect(isOpenAt(c, sp('2026-11-25T11:59'))).toBe(true)
    expect(isOpenAt(c, sp('2026-11-25T12:00'))).toBe(false)
    expect(isOpenAt(c, sp('2026-11-25T12:30'))).toBe(false)
    expect(isOpenAt(c, sp('2026-11-25T13:00'))).toBe(true)
    expect(isOpenAt(c, sp('2026-11-25T17:59'))).toBe(true)
    expect(isOpenAt(c, sp('2026-11-25T18:00'))).toBe(false)
    expect(isOpenAt(c, sp('2026-11-28T10:00'))).toBe(false) // Saturday
  })

  test('holidays close the day: national (movable too), the calendar’s own fixed and yearly dates', () => {
    const c = cal({ holidays: [{ date: '2026-11-24', recurring: false, name: 'Inventário' }, { date: '08-05', recurring: true, name: 'Aniversário de João Pessoa' }] })
    expect(isOpenAt(c, sp('2026-02-17T10:00'))).toBe(false) // Carnaval 2026
    expect(isOpenAt(c, sp('2027-02-08T10:00'))).toBe(false) // Carnaval 2027
    expect(isOpenAt(c, sp('2027-05-27T10:00'))).toBe(false) // Corpus Christi 2027
    expect(isOpenAt(c, sp('2026-04-03T10:00'))).toBe(false) // Sexta-feira Santa
    expect(isOpenAt(c, sp('2026-11-24T10:00'))).toBe(false) // fixed
    expect(isOpenAt(c, sp('2026-08-05T10:00'))).toBe(false) // yearly
    expect(isOpenAt(c, sp('2027-08-05T10:00'))).toBe(false)
    expect(isOpenAt(c, sp('2027-11-24T10:00'))).toBe(true) // the fixed one was 2026 only
    expect(isOpenAt(cal({ nationalHolidays: false }), sp('2026-02-17T10:00'))).toBe(true)
  })

  test('next opening: later today, after lunch, over the weekend, over Carnaval', () => {
    const c = cal()
    expect(nextOpening(c, sp('2026-11-25T07:00'))).toBe(sp('2026-11-25T08:00'))
    expect(nextOpening(c, sp('2026-11-25T12:10'))).toBe(sp('2026-11-25T13:00'))
    expect(nextOpening(c, sp('2026-11-25T10:00'))).toBe(sp('2026-11-25T10:00')) // open now
    expect(nextOpening(c, sp('2026-11-27T18:30'))).toBe(sp('2026-11-30T08:00')) // Friday evening → Monday
    // Friday before Carnaval 2027 → Wednesday 10 Feb (Monday and Tuesday are holidays).
    expect(nextOpening(c, sp('2027-02-05T19:00'))).toBe(sp('2027-02-10T08:00'))
    expect(nextOpening(cal({ weekly: [[], [], [], [], [], [], []] }), sp('2026-11-25T07:00'))).toBeNull()
  })

  test('business time between two moments', () => {
    const c = cal()
    expect(businessMs(c, sp('2026-11-25T09:00'), sp('2026-11-25T10:30'))).toBe(1.5 * HOUR)
    expect(businessMs(c, sp('2026-11-25T11:00'), sp('2026-11-25T14:00'))).toBe(2 * HOUR) // lunch excluded
    expect(businessMs(c, sp('2026-11-27T17:00'), sp('2026-11-30T09:00'))).toBe(2 * HOUR) // over a weekend
    expect(businessMs(c, sp('2026-11-25T20:00'), sp('2026-11-26T07:00'))).toBe(0)
    expect(businessMs(c, sp('2026-11-23T08:00'), sp('2026-11-28T00:00'))).toBe(5 * 9 * HOUR)
    expect(businessMs(c, sp('2026-11-25T10:00'), sp('2026-11-25T09:00'))).toBe(0)
  })
})

describe('typed hours', () => {
  test('intervals as people type them', () => {
    expect(parseIntervals('08:00-12:00, 13:00-18:00')).toEqual({ intervals: [[480, 720], [780, 1080]] })
    expect(parseIntervals('13h às 18h; 8h a 12h')).toEqual({ intervals: [[480, 720], [780, 1080]] })
    expect(parseIntervals('22:00-24:00')).toEqual({ intervals: [[1320, 1440]] })
    expect(parseIntervals('')).toEqual({ intervals: [] })
    expect(parseIntervals('8 às 18h30')).toEqual({ intervals: [[480, 1110]] })
    expect(parseIntervals('manhã')).toEqual({ error: 'format' })
    expect(parseIntervals('18:00-08:00')).toEqual({ error: 'order' })
    expect(parseIntervals('08:00-12:00, 11:00-13:00')).toEqual({ error: 'overlap' })
    expect(parseIntervals('25:00-26:00')).toEqual({ error: 'format' })
    expect(parseTime('7:5')).toBeNull()
  })

  test('stored weekly JSON is checked to the letter', () => {
    expect(readWeekly(weekdays([[480, 720]]))).not.toBeNull()
    expect(readWeekly([[], []])).toBeNull()
    expect(readWeekly([[[720, 480]], [], [], [], [], [], []])).toBeNull()
    expect(readWeekly([[[0, 1441]], [], [], [], [], [], []])).toBeNull()
    expect(readWeekly([[[0, 600], [500, 700]], [], [], [], [], [], []])).toBeNull()
  })
})
