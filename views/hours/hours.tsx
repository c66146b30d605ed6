// Horários de atendimento: the calendars (open now?, next opening, which sectors use them), a new
// calendar, each sector's calendar and out-of-hours behaviour; and one calendar's page (weekly
// hours per weekday, time zone, national holidays, the out-of-hours message, its own holidays).
import type { Sector } from '../../src/admin/sectors-store'
import { formatIntervals } from '../../src/hours/calendar'
import type { NationalHoliday } from '../../src/hours/holidays'
import type { Calendar, HolidayRow, SectorHours } from '../../src/hours/store'
import type { MessageKey } from '../../src/i18n'
import { Card, CsrfField, DataTable, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export interface CalendarRow {
  cal: Calendar
  open: boolean
  nextOpening: string
  sectors: { id: number; name: string }[]
  /** the sectors' names for the list ('—' when none) */
  sectorNames: string
}

const WEEKDAY_KEYS = ['hours.sunday', 'hours.monday', 'hours.tuesday', 'hours.wednesday', 'hours.thursday', 'hours.friday', 'hours.saturday'] as const

function OpenBadge({ v, open }: { v: View; open: boolean }) {
  return open ? <span class="badge ok">{v.escape('hours.open_now')}</span> : <span class="badge off">{v.escape('hours.closed_now')}</span>
}

export function HoursPage({
  v,
  rows,
  sectors,
  settings,
  flash,
  newValues,
  problems,
}: {
  v: View
  rows: CalendarRow[]
  sectors: Sector[]
  settings: Map<number, SectorHours>
  flash?: MessageKey | null
  newValues?: { name: string }
  problems: Problems
}) {
  return (
    <Layout v={v} title={v.t('hours.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <h1>{v.escape('hours.title')}</h1>
      <p class="muted">{v.escape('hours.intro')}</p>

      <DataTable
        v={v}
        empty={{ title: v.t('hours.empty'), hint: v.t('hours.empty_hint'), box: 'card' }}
        wrap
        head={['hours.col_name', 'hours.col_time_zone', 'hours.col_now', 'hours.col_next_opening', 'hours.col_sectors']}
        rows={rows}
        row={(r) => (
          <tr>
            <td>
              <a href={`/admin/hours/${r.cal.id}`} safe>
                {r.cal.name}
              </a>
            </td>
            <td safe>{r.cal.time_zone}</td>
            <td>
              <OpenBadge v={v} open={r.open} />
            </td>
            <td safe>{r.open ? '—' : r.nextOpening}</td>
            <td safe>{r.sectorNames}</td>
          </tr>
        )}
      />

      <div class="card spaced">
        <h2>{v.escape('hours.new')}</h2>
        <form method="post" action="/admin/hours" class="row" novalidate>
          <CsrfField v={v} />
          <label for="new-name">{v.escape('hours.field_name')}</label>
          <input id="new-name" name="name" type="text" required maxlength="120" value={newValues?.name ?? ''} aria-invalid={problems.name ? 'true' : undefined} />
          <button type="submit">{v.escape('hours.create')}</button>
        </form>
        <FieldError v={v} problems={problems} field="name" />
        <p class="hint">{v.escape('hours.new_hint')}</p>
      </div>

      <Card v={v} class="card spaced" title="hours.sectors" hint="hours.sectors_hint">
        <DataTable
          v={v}
          wrap
          head={['hours.col_sector', 'hours.col_calendar', 'hours.col_out_of_hours', 'hours.col_message', 'list.actions']}
          rows={sectors}
          row={(s) => {
            const st = settings.get(s.id) ?? { sector_id: s.id, out_of_hours: 'queue', keep_working: false, message: null }
            const form = `sector-hours-${s.id}`
            return (
              <tr>
                <td safe>{s.name}</td>
                <td>
                  <select name="business_hours_id" form={form} aria-label={v.t('hours.col_calendar')}>
                    <option value="">{v.escape('hours.no_calendar')}</option>
                    {rows.map((r) => (
                      <option value={String(r.cal.id)} selected={s.business_hours_id === r.cal.id} safe>
                        {r.cal.name}
                      </option>
                    ))}
                  </select>
                  <FieldError v={v} problems={problems} field={`business_hours_id_${s.id}`} />
                </td>
                <td>
                  <select name="out_of_hours" form={form} aria-label={v.t('hours.col_out_of_hours')}>
                    <option value="queue" selected={st.out_of_hours === 'queue'}>
                      {v.escape('hours.mode_queue')}
                    </option>
                    <option value="close" selected={st.out_of_hours === 'close'}>
                      {v.escape('hours.mode_close')}
                    </option>
                  </select>
                  <label class="inline">
                    <input type="checkbox" name="keep_working" value="1" form={form} checked={st.keep_working} /> {v.escape('hours.keep_working')}
                  </label>
                </td>
                <td>
                  <textarea name="message" rows="2" maxlength="1024" form={form} placeholder={v.t('hours.sector_message_placeholder')} aria-label={v.t('hours.col_message')} safe>
                    {st.message ?? ''}
                  </textarea>
                  <FieldError v={v} problems={problems} field={`message_${s.id}`} />
                </td>
                <td>
                  <form id={form} method="post" action={`/admin/hours/sectors/${s.id}`}>
                    <CsrfField v={v} />
                    <button type="submit" class="small secondary">
                      {v.escape('hours.save_sector')}
                    </button>
                  </form>
                </td>
              </tr>
            )
          }}
        />
      </Card>
    </Layout>
  )
}

export interface CalendarFormValues {
  name: string
  time_zone: string
  days: string[]
  national_holidays: boolean
  message: string
}

export const calendarFormValues = (c: Calendar): CalendarFormValues => ({
  name: c.name,
  time_zone: c.time_zone,
  days: c.weekly.map(formatIntervals),
  national_holidays: c.national_holidays,
  message: c.message,
})

export function CalendarPage({
  v,
  cal,
  values,
  problems,
  holidays,
  national,
  holidayValues,
  timeZones,
  open,
  nextOpening,
  sectors,
  flash,
  error,
}: {
  v: View
  cal: Calendar
  values: CalendarFormValues
  problems: Problems
  holidays: HolidayRow[]
  national: { year: number; list: NationalHoliday[] }[]
  holidayValues: { date: string; name: string; recurring: boolean }
  timeZones: string[]
  open: boolean
  nextOpening: string
  sectors: { id: number; name: string }[]
  flash?: MessageKey | null
  error?: MessageKey | null
}) {
  const fmtDate = (iso: string) => iso.split('-').reverse().join('/')
  return (
    <Layout v={v} title={cal.name}>
      <p>
        <a href="/admin/hours">← {v.escape('hours.back')}</a>
      </p>
      <Flash v={v} kind="ok" message={flash} />
      <Flash v={v} kind="error" message={error} />
      <h1 safe>{cal.name}</h1>
      <p>
        <OpenBadge v={v} open={open} /> {open ? '' : <span class="muted">{v.escape('hours.next_opening', { when: nextOpening })}</span>}
      </p>
      <p class="muted" safe>
        {sectors.length ? v.t('hours.used_by', { sectors: sectors.map((s) => s.name).join(', ') }) : v.t('hours.used_by_none')}
      </p>

      <div class="card">
        <h2>{v.escape('hours.weekly')}</h2>
        {Object.keys(problems).some((k) => !k.startsWith('holiday_')) ? (
          <div class="flash error" role="alert">
            {v.escape('form.fix_errors')}
          </div>
        ) : (
          ''
        )}
        <form method="post" action={`/admin/hours/${cal.id}`} novalidate>
          <CsrfField v={v} />
          <div class="grid">
            <div>
              <label for="name">{v.escape('hours.field_name')}</label>
              <input id="name" name="name" type="text" required maxlength="120" value={values.name} aria-invalid={problems.name ? 'true' : undefined} />
              <FieldError v={v} problems={problems} field="name" />
            </div>
            <div>
              <label for="time_zone">{v.escape('hours.field_time_zone')}</label>
              <select id="time_zone" name="time_zone" aria-invalid={problems.time_zone ? 'true' : undefined}>
                {(timeZones.includes(values.time_zone) ? timeZones : [values.time_zone, ...timeZones]).map((z) => (
                  <option value={z} selected={z === values.time_zone} safe>
                    {z}
                  </option>
                ))}
              </select>
              <FieldError v={v} problems={problems} field="time_zone" />
            </div>
          </div>
          <p class="hint">{v.escape('hours.weekly_hint')}</p>
          <div class="grid">
            {WEEKDAY_KEYS.map((key, i) => (
              <div>
                <label for={`day_${i}`}>{v.escape(key)}</label>
                <input id={`day_${i}`} name={`day_${i}`} type="text" maxlength="200" value={values.days[i] ?? ''} placeholder={v.t('hours.closed_all_day')} aria-invalid={problems[`day_${i}`] ? 'true' : undefined} />
                <FieldError v={v} problems={problems} field={`day_${i}`} />
              </div>
            ))}
          </div>
          <label class="inline">
            <input type="checkbox" name="national_holidays" value="1" checked={values.national_holidays} /> {v.escape('hours.field_national_holidays')}
          </label>
          <p class="hint">{v.escape('hours.national_hint')}</p>
          <label for="message">{v.escape('hours.field_message')}</label>
          <textarea id="message" name="message" rows="3" maxlength="1024" aria-invalid={problems.message ? 'true' : undefined} safe>
            {values.message}
          </textarea>
          <p class="hint">{v.escape('hours.message_hint')}</p>
          <FieldError v={v} problems={problems} field="message" />
          <div class="actions">
            <button type="submit">{v.escape('hours.save')}</button>
          </div>
        </form>
      </div>

      <Card v={v} class="card spaced" title="hours.holidays" hint="hours.holidays_hint">
        <DataTable
          v={v}
          empty={{ title: v.t('hours.holidays_empty') }}
          head={['hours.holiday_date', 'hours.holiday_name', 'list.actions']}
          rows={holidays}
          row={(h) => (
            <tr>
              <td>
                <span safe>{h.recurring ? h.date.split('-').reverse().join('/') : fmtDate(h.date)}</span> {h.recurring ? <span class="tag">{v.escape('hours.yearly')}</span> : ''}
              </td>
              <td safe>{h.name}</td>
              <td>
                <form method="post" action={`/admin/hours/${cal.id}/holidays/${h.id}/delete`}>
                  <CsrfField v={v} />
                  <button type="submit" class="small secondary">
                    {v.escape('hours.holiday_remove')}
                  </button>
                </form>
              </td>
            </tr>
          )}
        />
        <h3>{v.escape('hours.holiday_add')}</h3>
        <form method="post" action={`/admin/hours/${cal.id}/holidays`} class="grid" novalidate>
          <CsrfField v={v} />
          <div>
            <label for="holiday_date">{v.escape('hours.holiday_date')}</label>
            <input id="holiday_date" name="date" type="date" required value={holidayValues.date} aria-invalid={problems.holiday_date ? 'true' : undefined} />
            <FieldError v={v} problems={problems} field="holiday_date" />
          </div>
          <div>
            <label for="holiday_name">{v.escape('hours.holiday_name')}</label>
            <input id="holiday_name" name="name" type="text" required maxlength="120" value={holidayValues.name} aria-invalid={problems.holiday_name ? 'true' : undefined} />
            <FieldError v={v} problems={problems} field="holiday_name" />
          </div>
          <div>
            <label class="inline">
              <input type="checkbox" name="recurring" value="1" checked={holidayValues.recurring} /> {v.escape('hours.holiday_recurring')}
            </label>
          </div>
          <div class="actions">
            <button type="submit" class="secondary">
              {v.escape('hours.holiday_add_button')}
            </button>
          </div>
        </form>
      </Card>

      {values.national_holidays ? (
        <div class="card spaced">
          <h2>{v.escape('hours.national')}</h2>
          <div class="grid">
            {national.map((n) => (
              <div>
                <h3 safe>{String(n.year)}</h3>
                <ul>
                  {n.list.map((h) => (
                    <li>
                      <span safe>{fmtDate(h.date)}</span> — {v.escape(`hours.holiday_${h.key}` as MessageKey)}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        </div>
      ) : (
        ''
      )}

      <div class="card spaced">
        <form method="post" action={`/admin/hours/${cal.id}/delete`}>
          <CsrfField v={v} />
          <button type="submit" class="secondary">
            {v.escape('hours.delete')}
          </button>
          <span class="hint">{v.escape('hours.delete_hint')}</span>
        </form>
      </div>
    </Layout>
  )
}
