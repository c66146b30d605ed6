// Feriados nacionais do Brasil, the fixed ones and the movable ones computed from Easter:
// Carnaval (Monday and Tuesday, 48 and 47 days before Easter), Sexta-feira Santa (2 days before)
// and Corpus Christi (60 days after). Carnaval and Corpus Christi are officially "pontos
// facultativos", but nearly every company closes, so a calendar with national holidays on treats
// them as holidays. Dates are 'YYYY-MM-DD' strings (a day, not an instant: the calendar's time
// zone decides when it starts).

export interface NationalHoliday {
  /** stable key (i18n: hours.holiday_<key>) */
  key: string
  date: string
  /** the name in Portuguese, as Brazilians call it */
  name: string
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')
export const isoDate = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`

/** Gregorian Easter Sunday (the anonymous Meeus/Jones/Butcher algorithm): [month 1-12, day]. */
export function easter(year: number): [number, number] {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return [month, day]
}

/** The calendar date `days` after (or before, when negative) y-m-d. */
export function addDays(y: number, m: number, d: number, days: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d + days))
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()]
}

const FIXED: [string, number, number, string][] = [
  ['new_year', 1, 1, 'Confraternização Universal'],
  ['tiradentes', 4, 21, 'Tiradentes'],
  ['labour', 5, 1, 'Dia do Trabalho'],
  ['independence', 9, 7, 'Independência do Brasil'],
  ['aparecida', 10, 12, 'Nossa Senhora Aparecida'],
  ['all_souls', 11, 2, 'Finados'],
  ['republic', 11, 15, 'Proclamação da República'],
  ['black_consciousness', 11, 20, 'Dia Nacional de Zumbi e da Consciência Negra'], // national since 2024 (Lei 14.759/2023)
  ['christmas', 12, 25, 'Natal'],
]

const MOVABLE: [string, number, string][] = [
  ['carnival_monday', -48, 'Carnaval (segunda-feira)'],
  ['carnival_tuesday', -47, 'Carnaval (terça-feira)'],
  ['good_friday', -2, 'Sexta-feira Santa'],
  ['corpus_christi', 60, 'Corpus Christi'],
]

const cache = new Map<number, NationalHoliday[]>()

/** Every national holiday of a year, in date order. */
export function brazilianHolidays(year: number): NationalHoliday[] {
  const hit = cache.get(year)
  if (hit) return hit
  const list: NationalHoliday[] = []
  for (const [key, m, d, name] of FIXED) {
    if (key === 'black_consciousness' && year < 2024) continue
    list.push({ key, date: isoDate(year, m, d), name })
  }
  const [em, ed] = easter(year)
  for (const [key, offset, name] of MOVABLE) list.push({ key, date: isoDate(...addDays(year, em, ed, offset)), name })
  list.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
  if (cache.size > 200) cache.clear()
  cache.set(year, list)
  return list
}

/** The national holiday on a date ('YYYY-MM-DD'), or null. */
export function brazilianHolidayOn(date: string): NationalHoliday | null {
  const year = Number(date.slice(0, 4))
  return brazilianHolidays(year).find((h) => h.date === date) ?? null
}
