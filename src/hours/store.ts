// Business-hours calendars, their holidays, and each sector's out-of-hours settings. Plain SQL,
// prepared once.
import type { Database } from 'bun:sqlite'
import { readWeekly, type CalendarRules, type Holiday, type Weekly } from './calendar'

export interface Calendar {
  id: number
  name: string
  time_zone: string
  weekly: Weekly
  national_holidays: boolean
  message: string
  created_at: number
  updated_at: number
}

export interface CalendarValues {
  name: string
  time_zone: string
  weekly: Weekly
  national_holidays: boolean
  message: string
}

export interface HolidayRow extends Holiday {
  id: number
  business_hours_id: number
  created_at: number
}

export type OutOfHoursMode = 'queue' | 'close'

export interface SectorHours {
  sector_id: number
  out_of_hours: OutOfHoursMode
  keep_working: boolean
  message: string | null
}

type HolidayDbRow = Omit<HolidayRow, 'recurring'> & { recurring: number }

interface CalendarRow extends Omit<Calendar, 'weekly' | 'national_holidays'> {
  weekly: string
  national_holidays: number
}
const EMPTY_WEEK: Weekly = [[], [], [], [], [], [], []]
const toCalendar = (r: CalendarRow): Calendar => ({ ...r, weekly: readWeekly(JSON.parse(r.weekly)) ?? EMPTY_WEEK, national_holidays: r.national_holidays === 1 })
const COLUMNS = 'id, name, time_zone, weekly, national_holidays, message, created_at, updated_at'

export function hoursStore(db: Database) {
  const all = db.query<CalendarRow, []>(`SELECT ${COLUMNS} FROM business_hours ORDER BY name COLLATE NOCASE`)
  const byId = db.query<CalendarRow, [number]>(`SELECT ${COLUMNS} FROM business_hours WHERE id = ?`)
  const insert = db.query<{ id: number }, [string, string, string, number, string, number, number]>(
    `INSERT INTO business_hours (name, time_zone, weekly, national_holidays, message, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const update = db.query<unknown, [string, string, string, number, string, number, number]>(
    'UPDATE business_hours SET name = ?, time_zone = ?, weekly = ?, national_holidays = ?, message = ?, updated_at = ? WHERE id = ?',
  )
  const remove = db.query<unknown, [number]>('DELETE FROM business_hours WHERE id = ?')
  const touch = db.query<unknown, [number, number]>('UPDATE business_hours SET updated_at = ? WHERE id = ?')
  const usedBy = db.query<{ id: number; name: string }, [number]>('SELECT id, name FROM sectors WHERE business_hours_id = ? ORDER BY name COLLATE NOCASE')

  const holidaysOf = db.query<HolidayDbRow, [number]>(
    'SELECT id, business_hours_id, date, recurring, name, created_at FROM holidays WHERE business_hours_id = ? ORDER BY recurring DESC, date',
  )
  const holidayById = db.query<HolidayDbRow, [number]>('SELECT id, business_hours_id, date, recurring, name, created_at FROM holidays WHERE id = ?')
  const holidayInsert = db.query<{ id: number }, [number, string, number, string, number]>(
    'INSERT INTO holidays (business_hours_id, date, recurring, name, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  )
  const holidayDelete = db.query<unknown, [number]>('DELETE FROM holidays WHERE id = ?')

  const sectorHours = db.query<{ sector_id: number; out_of_hours: OutOfHoursMode; keep_working: number; message: string | null }, [number]>(
    'SELECT sector_id, out_of_hours, keep_working, message FROM sector_hours WHERE sector_id = ?',
  )
  const sectorHoursAll = db.query<{ sector_id: number; out_of_hours: OutOfHoursMode; keep_working: number; message: string | null }, []>(
    'SELECT sector_id, out_of_hours, keep_working, message FROM sector_hours',
  )
  const sectorHoursUpsert = db.query<unknown, [number, string, number, string | null, number]>(
    `INSERT INTO sector_hours (sector_id, out_of_hours, keep_working, message, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (sector_id) DO UPDATE SET out_of_hours = ?2, keep_working = ?3, message = ?4, updated_at = ?5`,
  )

  const toHoliday = (r: HolidayDbRow): HolidayRow => ({ ...r, recurring: r.recurring === 1 })
  const toSectorHours = (r: { sector_id: number; out_of_hours: OutOfHoursMode; keep_working: number; message: string | null }): SectorHours => ({
    ...r,
    keep_working: r.keep_working === 1,
  })
  const values = (c: CalendarValues) => [c.name, c.time_zone, JSON.stringify(c.weekly), c.national_holidays ? 1 : 0, c.message] as const

  // Rules change rarely and are read on every out-of-hours check: cached by id + updated_at.
  const rulesCache = new Map<number, { updated_at: number; rules: CalendarRules }>()

  const store = {
    list: (): Calendar[] => all.all().map(toCalendar),
    get: (id: number): Calendar | null => {
      const r = byId.get(id)
      return r ? toCalendar(r) : null
    },
    /** Call inside a write transaction. */
    create(c: CalendarValues): number {
      const now = Date.now()
      return insert.get(...values(c), now, now)!.id
    },
    /** Call inside a write transaction. */
    update(id: number, c: CalendarValues) {
      update.run(...values(c), Date.now(), id)
      rulesCache.delete(id)
    },
    /** Call inside a write transaction (holidays go with it). */
    remove(id: number) {
      remove.run(id)
      rulesCache.delete(id)
    },
    /** The sectors that use a calendar. */
    usedBy: (id: number) => usedBy.all(id),

    holidays: (calendarId: number): HolidayRow[] => holidaysOf.all(calendarId).map(toHoliday),
    holiday: (id: number): HolidayRow | null => {
      const r = holidayById.get(id)
      return r ? toHoliday(r) : null
    },
    /** Call inside a write transaction. A date already on the calendar throws SQLite's unique-constraint error. */
    addHoliday(calendarId: number, h: Holiday): number {
      const now = Date.now()
      const id = holidayInsert.get(calendarId, h.date, h.recurring ? 1 : 0, h.name, now)!.id
      touch.run(now, calendarId)
      rulesCache.delete(calendarId)
      return id
    },
    /** Call inside a write transaction. */
    removeHoliday(h: HolidayRow) {
      holidayDelete.run(h.id)
      touch.run(Date.now(), h.business_hours_id)
      rulesCache.delete(h.business_hours_id)
    },

    /** What the is-open computation needs, cached until the calendar (or a holiday of it) changes. */
    rules(id: number): CalendarRules | null {
      const cal = store.get(id)
      if (!cal) return null
      const hit = rulesCache.get(id)
      if (hit && hit.updated_at === cal.updated_at) return hit.rules
      const rules: CalendarRules = {
        timeZone: cal.time_zone,
        weekly: cal.weekly,
        nationalHolidays: cal.national_holidays,
        holidays: store.holidays(id).map((h) => ({ date: h.date, recurring: h.recurring, name: h.name })),
      }
      rulesCache.set(id, { updated_at: cal.updated_at, rules })
      return rules
    },

    sector: (sectorId: number): SectorHours => {
      const r = sectorHours.get(sectorId)
      return r ? toSectorHours(r) : { sector_id: sectorId, out_of_hours: 'queue', keep_working: false, message: null }
    },
    sectors: (): Map<number, SectorHours> => new Map(sectorHoursAll.all().map((r) => [r.sector_id, toSectorHours(r)])),
    /** Call inside a write transaction. */
    setSector(s: SectorHours) {
      sectorHoursUpsert.run(s.sector_id, s.out_of_hours, s.keep_working ? 1 : 0, s.message, Date.now())
    },
  }
  return store
}
export type HoursStore = ReturnType<typeof hoursStore>
