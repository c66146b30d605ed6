// Business time in bulk (reports) and backwards (alert cutoffs): the clock agrees with businessMs
// on spans over nights, a weekend, a lunch break and Carnaval 2027; the cutoff is the moment from
// which N business minutes have passed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { write } from '../db/open'
import { createLogger } from '../logger'
import { businessClock } from './business-clock'
import { businessCutoff, businessMs, openIntervals } from './calendar'
import { saveCalendar, saveSectorHours } from './hours'

const sp = (iso: string) => Date.parse(`${iso}-03:00`)
const MIN = 60_000
const HOUR = 60 * MIN

let ctx: Context
let dir: string
let withCal: number
let without: number
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kumquat-clock-'))
  ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dir, LOG_LEVEL: 'silent' }), createLogger('silent'))
  const admin = write(ctx.db, () => ctx.db.query<{ id: number }, [number]>("INSERT INTO users (name, email, profile_id, presence_since, created_at, updated_at) VALUES ('Ana', 'ana@example.com', (SELECT id FROM profiles WHERE key = 'admin'), ?1, ?1, ?1) RETURNING id").get(Date.now())!.id)
  const sector = (name: string) => write(ctx.db, () => ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
  withCal = sector('Comercial')
  without = sector('Plantão')
  // The default calendar: Mon–Fri 08–12 and 13–18, national holidays (Carnaval included).
  const cal = saveCalendar(ctx, admin, { name: 'Comercial' }, null, null)
  saveSectorHours(ctx, admin, withCal, { business_hours_id: cal.id }, null)
})
afterAll(() => {
  ctx.db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the business clock of a period', () => {
  test('agrees with businessMs over nights, a weekend, lunch and Carnaval; elapsed without a calendar', () => {
    const from = sp('2027-02-01T00:00')
    const to = sp('2027-03-01T00:00')
    const clock = businessClock(ctx, from, to)
    const rules = ctx.stores.hours.rules(ctx.stores.sectors.get(withCal)!.business_hours_id!)!
    const spans: [string, string, number][] = [
      ['2027-02-03T09:00', '2027-02-03T10:30', 1.5 * HOUR],
      ['2027-02-03T11:00', '2027-02-03T14:00', 2 * HOUR], // lunch
      ['2027-02-03T20:00', '2027-02-04T08:30', 30 * MIN], // night
      ['2027-02-05T17:50', '2027-02-10T08:10', 20 * MIN], // weekend and Carnaval (8 and 9 Feb)
      ['2027-02-06T10:00', '2027-02-07T10:00', 0], // Saturday to Sunday
      ['2027-02-01T00:00', '2027-02-06T00:00', 5 * 9 * HOUR],
    ]
    for (const [a, b, ms] of spans) {
      expect({ a, ms: clock(withCal, sp(a), sp(b)) }).toEqual({ a, ms })
      expect(businessMs(rules, sp(a), sp(b))).toBe(ms)
    }
    // Outside the period it still answers (the slow way).
    expect(clock(withCal, sp('2027-03-05T17:00'), sp('2027-03-08T09:00'))).toBe(2 * HOUR)
    expect(clock(without, sp('2027-02-05T17:50'), sp('2027-02-10T08:10'))).toBe(sp('2027-02-10T08:10') - sp('2027-02-05T17:50'))
    expect(clock(null, 0, 5000)).toBe(5000)
    expect(clock(withCal, sp('2027-02-03T10:00'), sp('2027-02-03T09:00'))).toBe(0)
  })

  test('open intervals are instants in time order, clipped to the span', () => {
    const rules = ctx.stores.hours.rules(ctx.stores.sectors.get(withCal)!.business_hours_id!)!
    expect(openIntervals(rules, sp('2027-02-05T10:00'), sp('2027-02-10T12:30'))).toEqual([
      [sp('2027-02-05T10:00'), sp('2027-02-05T12:00')],
      [sp('2027-02-05T13:00'), sp('2027-02-05T18:00')],
      [sp('2027-02-10T08:00'), sp('2027-02-10T12:00')],
    ])
  })
})

describe('the business-time cutoff (alerts)', () => {
  test('the moment from which N business minutes have passed', () => {
    const rules = ctx.stores.hours.rules(ctx.stores.sectors.get(withCal)!.business_hours_id!)!
    // Wednesday after Carnaval at 08:06: 15 business minutes back is Friday 17:51.
    expect(businessCutoff(rules, sp('2027-02-10T08:06'), 15 * MIN)).toBe(sp('2027-02-05T17:51'))
    // Inside a day, across lunch.
    expect(businessCutoff(rules, sp('2027-02-11T13:10'), 30 * MIN)).toBe(sp('2027-02-11T11:40'))
    // At night the clock stands still: the cutoff is inside the last open hour.
    expect(businessCutoff(rules, sp('2027-02-11T23:00'), 10 * MIN)).toBe(sp('2027-02-11T17:50'))
    expect(businessCutoff(rules, sp('2027-02-11T23:00'), 0)).toBe(sp('2027-02-11T23:00'))
    // More than a week of business time: it looks further back.
    expect(businessCutoff(rules, sp('2027-03-01T08:00'), 60 * HOUR)).toBe(sp('2027-02-18T11:00')) // 6 weekdays of 9 h, then 6 h of Thursday
    // A calendar that never opens: nothing has waited long enough.
    expect(businessCutoff({ ...rules, weekly: [[], [], [], [], [], [], []] }, sp('2027-02-11T10:00'), MIN)).toBe(-Infinity)
  })
})
