// Protocol numbers (protocolo): YYYYMMDD in the installation's time zone + a 6-digit daily
// sequence, e.g. 20261125000123. The counter row is updated in the ticket's transaction, so a
// number is unique and never reused, even if the ticket's transaction is the one that fails later
// (then the whole thing rolls back together, including the counter).
import type { Database } from 'bun:sqlite'

export function protocolDay(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(ms)
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  return `${get('year')}${get('month')}${get('day')}`
}

export function protocolStore(db: Database) {
  const next = db.query<{ last: number }, [string]>(
    `INSERT INTO protocol_days (day, last) VALUES (?, 1)
     ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last`,
  )
  return {
    /** Call inside the write transaction that creates the ticket. */
    next(now: number, timeZone: string): string {
      const day = protocolDay(now, timeZone)
      const n = next.get(day)!.last
      return day + String(n).padStart(6, '0')
    },
  }
}
