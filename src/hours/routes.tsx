// Business hours: the admin pages (`/admin/hours`, session + CSRF, permission `hours.manage`) —
// calendars with weekly hours and holidays, and each sector's calendar and out-of-hours behaviour —
// and the REST API (`/api/v1/business-hours`, bearer tokens).
import { Elysia, t } from 'elysia'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import { IdParams, list } from '../api/schemas'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { CalendarPage, calendarFormValues, HoursPage, type CalendarFormValues } from '../../views/hours/hours'
import type { Problems, View } from '../../views/view'
import { isOpenAt, nextOpening } from './calendar'
import { brazilianHolidays } from './holidays'
import { addHoliday, calendarJson, deleteCalendar, formatOpening, removeHoliday, saveCalendar, saveSectorHours, type CalendarInput } from './hours'
import type { Calendar } from './store'

// ---- API schemas ------------------------------------------------------------------------------------

const Interval = t.Tuple([t.Integer({ minimum: 0, maximum: 1440 }), t.Integer({ minimum: 0, maximum: 1440 })], { description: '[start, end) in minutes after local midnight' })
const Day = t.Union([t.Array(Interval), t.String({ maxLength: 200, description: '"08:00-12:00, 13:00-18:00"; empty = closed' })])
export const CalendarSchema = t.Object({
  id: t.Integer(),
  name: t.String(),
  time_zone: t.String({ description: 'IANA time zone, e.g. America/Sao_Paulo' }),
  weekly: t.Array(t.Array(Interval), { description: '7 days, Sunday first' }),
  national_holidays: t.Boolean({ description: 'Brazilian national holidays, Carnaval, Sexta-feira Santa and Corpus Christi included' }),
  message: t.String({ description: 'out-of-hours auto-reply; {abertura} = the next opening' }),
  holidays: t.Array(t.Object({ id: t.Integer(), date: t.String({ description: 'YYYY-MM-DD, or MM-DD when recurring' }), recurring: t.Boolean(), name: t.String() })),
  sector_ids: t.Array(t.Integer()),
  open_now: t.Boolean(),
  next_opening: t.Nullable(t.String({ format: 'date-time' })),
  created_at: t.String({ format: 'date-time' }),
  updated_at: t.String({ format: 'date-time' }),
})
const calendarFields = {
  time_zone: t.Optional(t.String({ maxLength: 64 })),
  weekly: t.Optional(t.Array(Day, { minItems: 7, maxItems: 7, description: '7 days, Sunday first' })),
  national_holidays: t.Optional(t.Boolean()),
  message: t.Optional(t.String({ maxLength: 1024 })),
}
export const CalendarCreate = t.Object({ name: t.String({ minLength: 1, maxLength: 120 }), ...calendarFields }, { additionalProperties: false })
export const CalendarPatch = t.Object({ name: t.Optional(t.String({ minLength: 1, maxLength: 120 })), ...calendarFields }, { additionalProperties: false })
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}
const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && (e.status === 400 || e.status === 409) && e.details?.length ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

/** Every time zone the runtime knows, Brazil's first. */
function timeZones(): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['America/Sao_Paulo']
  const br = ['America/Sao_Paulo', 'America/Bahia', 'America/Fortaleza', 'America/Recife', 'America/Maceio', 'America/Belem', 'America/Araguaina', 'America/Santarem', 'America/Manaus', 'America/Cuiaba', 'America/Campo_Grande', 'America/Porto_Velho', 'America/Boa_Vista', 'America/Rio_Branco', 'America/Eirunepe', 'America/Noronha']
  return [...br.filter((z) => all.includes(z)), ...all.filter((z) => !br.includes(z))]
}

const calendarInputOf = (form: Form): CalendarInput => ({
  name: form.get('name'),
  time_zone: form.get('time_zone'),
  weekly: [0, 1, 2, 3, 4, 5, 6].map((i) => form.get(`day_${i}`)),
  national_holidays: form.get('national_holidays') === '1',
  message: form.get('message'),
})
const valuesFromForm = (form: Form): CalendarFormValues => ({
  name: form.get('name'),
  time_zone: form.get('time_zone'),
  days: [0, 1, 2, 3, 4, 5, 6].map((i) => form.get(`day_${i}`)),
  national_holidays: form.get('national_holidays') === '1',
  message: form.get('message'),
})

export function hoursRoutes(ctx: Context) {
  const calOr404 = (id: number): Calendar => {
    const c = ctx.stores.hours.get(id)
    if (!c) throw notFound()
    return c
  }
  const lang = (v: View) => v.lang

  // ---- API -------------------------------------------------------------------------------------------
  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get('/business-hours', () => ({ data: ctx.stores.hours.list().map((c) => calendarJson(ctx, c)), next_cursor: null }), {
      permission: 'hours.manage',
      response: { 200: list(CalendarSchema), ...errors },
      detail: { tags: ['business hours'], summary: 'Business-hours calendars, with whether each is open now and its next opening' },
    })
    .get('/business-hours/:id', ({ params }) => calendarJson(ctx, calOr404(Number(params.id))), {
      permission: 'hours.manage',
      params: IdParams,
      response: { 200: CalendarSchema, ...errors },
      detail: { tags: ['business hours'], summary: 'One calendar with its holidays' },
    })
    .post(
      '/business-hours',
      ({ request, body }) => {
        const c = saveCalendar(ctx, apiViewer(ctx, request).user.id, body, null, clientIp(request))
        return new Response(JSON.stringify(calendarJson(ctx, c)), { status: 201, headers: { 'content-type': 'application/json' } })
      },
      { permission: 'hours.manage', body: CalendarCreate, response: { 201: CalendarSchema, ...errors }, detail: { tags: ['business hours'], summary: 'Create a calendar (defaults: Mon–Fri 08:00–12:00 and 13:00–18:00, national holidays on)' } },
    )
    .patch(
      '/business-hours/:id',
      ({ request, params, body }) => calendarJson(ctx, saveCalendar(ctx, apiViewer(ctx, request).user.id, body, calOr404(Number(params.id)), clientIp(request))),
      { permission: 'hours.manage', params: IdParams, body: CalendarPatch, response: { 200: CalendarSchema, ...errors }, detail: { tags: ['business hours'], summary: 'Change a calendar' } },
    )

  // ---- pages -----------------------------------------------------------------------------------------
  function listPage(v: View, o: { flash?: MessageKey | null; problems?: Problems; newValues?: { name: string } } = {}, status = 200) {
    const now = Date.now()
    const rows = ctx.stores.hours.list().map((cal) => {
      const rules = ctx.stores.hours.rules(cal.id)!
      const open = isOpenAt(rules, now)
      const sectors = ctx.stores.hours.usedBy(cal.id)
      return { cal, open, nextOpening: formatOpening(nextOpening(rules, now), cal.time_zone, lang(v), now), sectors, sectorNames: sectors.length ? sectors.map((s) => s.name).join(', ') : '—' }
    })
    return html(<HoursPage v={v} rows={rows} sectors={ctx.stores.sectors.list().filter((s) => s.active)} settings={ctx.stores.hours.sectors()} flash={o.flash} problems={o.problems ?? {}} newValues={o.newValues} />, status)
  }

  function calendarPage(v: View, cal: Calendar, o: { values?: CalendarFormValues; problems?: Problems; holidayValues?: { date: string; name: string; recurring: boolean }; flash?: MessageKey | null; error?: MessageKey | null } = {}, status = 200) {
    const now = Date.now()
    const rules = ctx.stores.hours.rules(cal.id)!
    const year = new Date(now).getUTCFullYear()
    return html(
      <CalendarPage
        v={v}
        cal={cal}
        values={o.values ?? calendarFormValues(cal)}
        problems={o.problems ?? {}}
        holidays={ctx.stores.hours.holidays(cal.id)}
        national={[year, year + 1].map((y) => ({ year: y, list: brazilianHolidays(y) }))}
        holidayValues={o.holidayValues ?? { date: '', name: '', recurring: false }}
        timeZones={timeZones()}
        open={isOpenAt(rules, now)}
        nextOpening={formatOpening(nextOpening(rules, now), cal.time_zone, lang(v), now)}
        sectors={ctx.stores.hours.usedBy(cal.id)}
        flash={o.flash}
        error={o.error}
      />,
      status,
    )
  }

  const pages = new Elysia()
    .get('/admin/hours', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      return listPage(buildView(ctx, request, viewer), { flash: flashKey(request, ['hours.deleted', 'hours.sector_saved'] as const) })
    })
    .post('/admin/hours', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      const form = await readCheckedForm(request, viewer)
      try {
        const cal = saveCalendar(ctx, viewer.user.id, { name: form.get('name') }, null, clientIp(request))
        return redirect(`/admin/hours/${cal.id}?ok=hours.created`)
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return listPage(buildView(ctx, request, viewer), { problems, newValues: { name: form.get('name') } }, 422)
      }
    })
    .post('/admin/hours/sectors/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      const form = await readCheckedForm(request, viewer)
      const sectorId = idParam(params.id)
      if (!ctx.stores.sectors.get(sectorId)) throw notFound()
      const cal = form.get('business_hours_id').trim()
      try {
        saveSectorHours(
          ctx,
          viewer.user.id,
          sectorId,
          { business_hours_id: cal === '' ? null : /^\d{1,15}$/.test(cal) ? Number(cal) : cal, out_of_hours: form.get('out_of_hours'), keep_working: form.get('keep_working') === '1', message: form.get('message') },
          clientIp(request),
        )
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return listPage(buildView(ctx, request, viewer), { problems }, 422)
      }
      return redirect('/admin/hours?ok=hours.sector_saved')
    })
    .get('/admin/hours/:id', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      const cal = calOr404(idParam(params.id))
      return calendarPage(buildView(ctx, request, viewer), cal, { flash: flashKey(request, ['hours.created', 'hours.saved', 'hours.holiday_added', 'hours.holiday_removed'] as const) })
    })
    .post('/admin/hours/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      const form = await readCheckedForm(request, viewer)
      const cal = calOr404(idParam(params.id))
      try {
        saveCalendar(ctx, viewer.user.id, calendarInputOf(form), cal, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return calendarPage(buildView(ctx, request, viewer), cal, { values: valuesFromForm(form), problems }, 422)
      }
      return redirect(`/admin/hours/${cal.id}?ok=hours.saved`)
    })
    .post('/admin/hours/:id/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      await readCheckedForm(request, viewer)
      const cal = calOr404(idParam(params.id))
      try {
        deleteCalendar(ctx, viewer.user.id, cal, clientIp(request))
      } catch (e) {
        if (e instanceof HttpError && e.status === 409) return calendarPage(buildView(ctx, request, viewer), cal, { error: e.key }, 409)
        throw e
      }
      return redirect('/admin/hours?ok=hours.deleted')
    })
    .post('/admin/hours/:id/holidays', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      const form = await readCheckedForm(request, viewer)
      const cal = calOr404(idParam(params.id))
      const raw = { date: form.get('date'), name: form.get('name'), recurring: form.get('recurring') === '1' }
      try {
        addHoliday(ctx, viewer.user.id, cal, raw, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return calendarPage(buildView(ctx, request, viewer), cal, { problems, holidayValues: raw }, 422)
      }
      return redirect(`/admin/hours/${cal.id}?ok=hours.holiday_added`)
    })
    .post('/admin/hours/:id/holidays/:holiday/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'hours.manage')
      await readCheckedForm(request, viewer)
      const cal = calOr404(idParam(params.id))
      const h = ctx.stores.hours.holiday(idParam(params.holiday))
      if (!h || h.business_hours_id !== cal.id) throw notFound()
      removeHoliday(ctx, viewer.user.id, h, clientIp(request))
      return redirect(`/admin/hours/${cal.id}?ok=hours.holiday_removed`)
    })

  return new Elysia().use(api).use(pages)
}
