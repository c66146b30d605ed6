// Business hours in use: saving calendars and holidays (validation), sectors' settings, whether a
// sector may be routed, the out-of-hours reply at a given moment — Carnaval 2027 in both sector
// modes (queue for the next opening, or close) — and business time for SLAs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config'
import { createContext, type Context } from '../context'
import { write } from '../db/open'
import { HttpError } from '../http/errors'
import { createLogger } from '../logger'
import { addHoliday, deleteCalendar, formatOpening, isSectorOpen, outOfHoursFor, saveCalendar, saveSectorHours, sectorBusinessMs, sectorRoutable } from './hours'
import { replyOutOfHours } from './out-of-hours'

let ctx: Context
let dir: string
let admin: number
let seq = 0
const sp = (iso: string) => Date.parse(`${iso}-03:00`)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kumquat-hours-'))
  ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dir, LOG_LEVEL: 'silent' }), createLogger('silent'))
  admin = write(ctx.db, () => ctx.db.query<{ id: number }, [number]>("INSERT INTO users (name, email, profile_id, presence_since, created_at, updated_at) VALUES ('Ana', 'ana@example.com', (SELECT id FROM profiles WHERE key = 'admin'), ?1, ?1, ?1) RETURNING id").get(Date.now())!.id)
})
afterAll(() => {
  ctx.db.close()
  rmSync(dir, { recursive: true, force: true })
})

const sector = (name: string) =>
  write(ctx.db, () => ctx.stores.sectors.create({ name: `${name} ${++seq}`, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
const problems = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    if (e instanceof HttpError) return (e.details ?? []).map((d) => `${d.field}:${d.key}`)
    throw e
  }
  return []
}

describe('calendars', () => {
  test('created with defaults (Mon–Fri 08–12 and 13–18, national holidays); days typed as text', () => {
    const cal = saveCalendar(ctx, admin, { name: 'Comercial' }, null, null)
    expect(cal).toMatchObject({ time_zone: 'America/Sao_Paulo', national_holidays: true })
    expect(cal.weekly[1]).toEqual([[480, 720], [780, 1080]])
    expect(cal.weekly[0]).toEqual([])
    const changed = saveCalendar(ctx, admin, { weekly: ['', '9h-18h', '9h-18h', '9h-18h', '9h-18h', '9h-17h', '08:00-12:00'], time_zone: 'America/Manaus' }, cal, null)
    expect(changed.weekly[6]).toEqual([[480, 720]])
    expect(changed.time_zone).toBe('America/Manaus')
  })

  test('validation: name taken, unknown zone, unreadable or overlapping days, empty message', () => {
    saveCalendar(ctx, admin, { name: 'Único' }, null, null)
    expect(problems(() => saveCalendar(ctx, admin, { name: 'ÚNICO'.toLowerCase() }, null, null))).toEqual(['name:hours.name_taken'])
    expect(
      problems(() =>
        saveCalendar(ctx, admin, { name: 'Outro', time_zone: 'Mars/Olympus', weekly: ['x', '', '', '18:00-08:00', '08:00-12:00,11:00-13:00', '', ''], message: ' ' }, null, null),
      ),
    ).toEqual(['time_zone:hours.valid_time_zone', 'day_0:hours.valid_day_format', 'day_3:hours.valid_day_order', 'day_4:hours.valid_day_overlap', 'message:hours.valid_message'])
  })

  test('holidays: fixed and yearly; the same date twice refused; a calendar in use cannot be deleted', () => {
    const cal = saveCalendar(ctx, admin, { name: `Feriados ${++seq}` }, null, null)
    addHoliday(ctx, admin, cal, { date: '2026-08-05', name: 'Aniversário da cidade', recurring: true }, null)
    addHoliday(ctx, admin, cal, { date: '2026-12-24', name: 'Véspera', recurring: false }, null)
    expect(ctx.stores.hours.holidays(cal.id).map((h) => [h.date, h.recurring])).toEqual([
      ['08-05', true],
      ['2026-12-24', false],
    ])
    expect(problems(() => addHoliday(ctx, admin, cal, { date: '2027-08-05', name: 'x', recurring: true }, null))).toEqual(['holiday_date:hours.holiday_exists'])
    expect(problems(() => addHoliday(ctx, admin, cal, { date: '2026-02-30', name: '', recurring: false }, null))).toEqual(['holiday_name:valid.name', 'holiday_date:hours.valid_date'])
    const s = sector('Com calendário')
    saveSectorHours(ctx, admin, s, { business_hours_id: cal.id }, null)
    expect(() => deleteCalendar(ctx, admin, cal, null)).toThrow('calendar_in_use')
    saveSectorHours(ctx, admin, s, { business_hours_id: null }, null)
    deleteCalendar(ctx, admin, cal, null)
    expect(ctx.stores.hours.get(cal.id)).toBeNull()
    expect(ctx.stores.hours.holidays(cal.id)).toEqual([])
  })
})

describe('sectors out of hours (Carnaval 2027, computed from Easter)', () => {
  const carnival = sp('2027-02-09T10:00') // Tuesday of Carnaval, 10:00 in São Paulo
  const wednesday = sp('2027-02-10T10:00')

  function closedSector(mode: 'queue' | 'close', keepWorking = false) {
    const cal = saveCalendar(ctx, admin, { name: `Comercial ${++seq}`, message: 'Estamos fechados ({setor}). Voltamos {abertura}.' }, null, null)
    const s = sector(mode === 'queue' ? 'Fila' : 'Encerra')
    saveSectorHours(ctx, admin, s, { business_hours_id: cal.id, out_of_hours: mode, keep_working: keepWorking }, null)
    return s
  }

  test('open on a working day, closed on Carnaval; routing holds a closed sector unless it keeps working', () => {
    const s = closedSector('queue')
    expect(isSectorOpen(ctx, s, wednesday)).toBe(true)
    expect(isSectorOpen(ctx, s, carnival)).toBe(false)
    expect(sectorRoutable(ctx, s, carnival)).toBe(false)
    expect(sectorRoutable(ctx, closedSector('queue', true), carnival)).toBe(true)
    expect(isSectorOpen(ctx, sector('Sem calendário'), carnival)).toBe(true)
  })

  test('the reply names the next opening (Wednesday after Carnaval) in both modes', () => {
    const q = outOfHoursFor(ctx, closedSector('queue'), carnival)!
    expect(q.mode).toBe('queue')
    expect(q.text).toMatch(/^Estamos fechados \(Fila \d+\)\. Voltamos amanhã às 08:00\.$/)
    expect(q.next_opening).toBe(sp('2027-02-10T08:00'))
    const monday = outOfHoursFor(ctx, closedSector('close'), sp('2027-02-08T09:00'))!
    expect(monday.mode).toBe('close')
    // Closing: the calendar's "we will be back" would mislead; the close text (or the sector's own) goes.
    expect(monday.text).toBe('Olá! No momento estamos fora do horário de atendimento. Por favor, escreva de novo quarta-feira, 10/02, às 08:00.')
    expect(outOfHoursFor(ctx, closedSector('queue'), wednesday)).toBeNull()
  })

  test('a ticket entering the queue on Carnaval: queued with the message, or closed, by sector setting', () => {
    const channelSector = sector('Canal')
    const channel = write(ctx.db, () => ctx.stores.channels.create({ type: 'whatsapp', name: 'C', sector_id: channelSector, bot_flow_id: null, webhook_key: `k${++seq}${'x'.repeat(30)}`, settings: {}, secrets: {}, lookup_key: null }))
    const ticketIn = (sectorId: number) =>
      write(ctx.db, () => {
        const contact = ctx.stores.contacts.upsert(channel, `55839${++seq}`, 'Cliente', null)
        const id = ctx.stores.tickets.create({ protocol: ctx.stores.protocols.next(Date.now(), 'America/Sao_Paulo'), channel_id: channel, contact_id: contact.id, status: 'queued', sector_id: sectorId, now: Date.now() })
        return ctx.stores.tickets.get(id)!
      })
    for (const mode of ['queue', 'close'] as const) {
      const t = ticketIn(closedSector(mode))
      const sent = write(ctx.db, () => replyOutOfHours(ctx, t, carnival))
      expect(sent).toBe(1)
      const [m] = ctx.stores.messages.ofTicket(t.id)
      expect(m).toMatchObject({ author: 'system', direction: 'out', status: 'queued' })
      expect(m.text).toEndWith(mode === 'queue' ? 'Voltamos amanhã às 08:00.' : 'escreva de novo amanhã às 08:00.')
      expect(m.extra?.out_of_hours).toEqual({ mode, next_opening: new Date(sp('2027-02-10T08:00')).toISOString() })
      const after = ctx.stores.tickets.get(t.id)!
      expect(after.status).toBe(mode === 'queue' ? 'queued' : 'closed')
      if (mode === 'close') expect(ctx.stores.bot.pre.outcome(t.id)).toBe('out_of_hours')
    }
    // Inside hours nothing is sent.
    const open = ticketIn(closedSector('queue'))
    expect(write(ctx.db, () => replyOutOfHours(ctx, open, wednesday))).toBe(0)
  })

  test('business time for SLAs skips Carnaval; without a calendar it is elapsed time', () => {
    const s = closedSector('queue')
    // Friday 17:00 before Carnaval → Wednesday 09:00: Friday's last hour + Wednesday's first.
    expect(sectorBusinessMs(ctx, s, sp('2027-02-05T17:00'), sp('2027-02-10T09:00'))).toBe(2 * 3_600_000)
    expect(sectorBusinessMs(ctx, sector('Livre'), 0, 5000)).toBe(5000)
  })

  test('sector settings are validated', () => {
    const s = sector('Valida')
    expect(problems(() => saveSectorHours(ctx, admin, s, { business_hours_id: 999999, out_of_hours: 'later', message: 'x'.repeat(1025) }, null))).toEqual([
      `business_hours_id_${s}:hours.valid_calendar`,
      `out_of_hours_${s}:hours.valid_mode`,
      `message_${s}:hours.valid_message`,
    ])
  })
})

describe('the next opening in words', () => {
  test('today, tomorrow, a weekday with its date; unknown', () => {
    const now = sp('2026-11-25T07:00') // a Wednesday
    expect(formatOpening(sp('2026-11-25T08:00'), 'America/Sao_Paulo', 'pt-BR', now)).toBe('hoje às 08:00')
    expect(formatOpening(sp('2026-11-26T08:00'), 'America/Sao_Paulo', 'pt-BR', now)).toBe('amanhã às 08:00')
    expect(formatOpening(sp('2026-11-30T08:00'), 'America/Sao_Paulo', 'pt-BR', now)).toBe('segunda-feira, 30/11, às 08:00')
    expect(formatOpening(sp('2026-11-30T08:00'), 'America/Sao_Paulo', 'en', now)).toBe('Monday 11/30 at 08:00')
    expect(formatOpening(null, 'America/Sao_Paulo', 'pt-BR', now)).toBe('assim que possível')
  })
})
