// Settings pages (/admin/settings, /admin/settings/communication), the public logo, and the API
// (GET|PATCH /api/v1/settings). The time zone and default language apply to the running server
// as soon as they are saved.
import { Elysia, t } from 'elysia'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { checkSessionCsrf } from '../http/csrf'
import { HttpError } from '../http/errors'
import { buildView, flashKey, html, pageViewer, redirect } from '../http/pages'
import { retentionPreview } from '../lgpd/retention'
import { LANGS, t as translate, type MessageKey } from '../i18n'
import { CommunicationPage, GeneralSettingsPage, generalValues, type GeneralFormValues } from '../../views/settings/settings'
import type { Problems } from '../../views/view'
import { applyToConfig, generalSettings, logoOf, logoType, MAX_LOGO_BYTES, MESSAGE_DEFAULTS, MESSAGE_KEYS, messagesOf, saveGeneral, saveLogo, saveMessages, type GeneralInput, type Messages } from './settings'

const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && e.status === 400 && e.details ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

const Policy = t.Object(
  { min_length: t.Optional(t.Integer({ minimum: 8, maximum: 128 })), letters_and_digits: t.Optional(t.Boolean()), symbol: t.Optional(t.Boolean()) },
  { additionalProperties: false },
)
const generalFields = {
  company_name: t.String({ maxLength: 120 }),
  time_zone: t.String({ description: 'IANA time zone, e.g. America/Sao_Paulo' }),
  language: t.Union([t.Literal('pt-BR'), t.Literal('en')], { description: 'default language of pages and customer messages' }),
  reopen_window_minutes: t.Integer({ minimum: 0, maximum: 10080, description: 'a customer writing again within this time after a close reopens the same ticket; 0 = never' }),
  require_classification: t.Boolean({ description: 'the default of "classification required to close" for new sectors' }),
  retention_months: t.Integer({ minimum: 0, maximum: 240, description: 'closed tickets older than this are cleaned (0 = keep)' }),
  retention_mode: t.Union([t.Literal('anonymize'), t.Literal('media'), t.Literal('delete')], {
    description: 'anonymize: message texts and media; media: media files only; delete: the tickets with their messages, media, history and surveys (they leave the reports; cannot be undone). Contacts and customers stay',
  }),
  session_hours: t.Integer({ minimum: 1, maximum: 2160 }),
  remember_days: t.Integer({ minimum: 1, maximum: 365 }),
}
const Texts = t.Record(t.String(), t.Record(t.String(), t.Record(t.String(), t.String())), {
  description: 'message → channel ("default" | "whatsapp" | "webchat" | "email") → language ("pt-BR" | "en") → text. Messages: protocol, out_of_hours, inactivity, survey_thanks; {protocolo} and other placeholders are kept',
})
export const SettingsSchema = t.Object({
  general: t.Object({ ...generalFields, password: t.Object({ min_length: t.Integer(), letters_and_digits: t.Boolean(), symbol: t.Boolean() }) }),
  messages: Texts,
})
export const SettingsPatch = t.Object(
  {
    general: t.Optional(t.Partial(t.Object({ ...generalFields, password: Policy }), { additionalProperties: false })),
    messages: t.Optional(Texts),
  },
  { additionalProperties: false },
)

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody }

function formGeneral(data: FormData): GeneralInput & { values: GeneralFormValues } {
  const s = (k: string) => {
    const x = data.get(k)
    return typeof x === 'string' ? x : ''
  }
  const values: GeneralFormValues = {
    company_name: s('company_name'),
    time_zone: s('time_zone'),
    language: s('language'),
    reopen_window_minutes: s('reopen_window_minutes'),
    require_classification: s('require_classification') === '1',
    retention_months: s('retention_months'),
    retention_mode: s('retention_mode'),
    session_hours: s('session_hours'),
    remember_days: s('remember_days'),
    password_min_length: s('password_min_length'),
    password_letters_and_digits: s('password_letters_and_digits') === '1',
    password_symbol: s('password_symbol') === '1',
  }
  return {
    values,
    company_name: values.company_name,
    time_zone: values.time_zone,
    language: values.language,
    reopen_window_minutes: values.reopen_window_minutes,
    require_classification: values.require_classification,
    retention_months: values.retention_months,
    retention_mode: values.retention_mode,
    session_hours: values.session_hours,
    remember_days: values.remember_days,
    password: { min_length: values.password_min_length, letters_and_digits: values.password_letters_and_digits, symbol: values.password_symbol },
  }
}

/** The placeholders of the communication page: the built-in text of each message, per language. */
const builtInTexts = () => Object.fromEntries(MESSAGE_KEYS.map((k) => [k, Object.fromEntries(LANGS.map((l) => [l, translate(l, MESSAGE_DEFAULTS[k])]))]))

export function settingsRoutes(ctx: Context) {
  applyToConfig(ctx)
  const zones = (() => {
    try {
      return Intl.supportedValuesOf('timeZone')
    } catch {
      return ['America/Sao_Paulo', 'UTC']
    }
  })()

  const renderGeneral = (request: Request, viewer: ReturnType<typeof pageViewer>, values: GeneralFormValues, problems: Problems, status = 200) => {
    const list = zones.includes(values.time_zone) ? zones : [values.time_zone, ...zones]
    return html(
      <GeneralSettingsPage v={buildView(ctx, request, viewer)} values={values} problems={problems} zones={list} hasLogo={logoOf(ctx) !== null} retention={retentionPreview(ctx)} flash={flashKey(request, ['settings.saved'] as const)} />,
      status,
    )
  }

  const pages = new Elysia()
    .get('/admin/settings', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.view')
      return renderGeneral(request, viewer, generalValues(generalSettings(ctx)), {})
    })
    .post('/admin/settings', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.edit')
      let data: FormData
      try {
        data = await request.formData()
      } catch {
        throw new HttpError(415, 'unsupported_media_type', 'error.unsupported_media_type')
      }
      const fields = Object.fromEntries([...data.entries()].filter(([, x]) => typeof x === 'string'))
      checkSessionCsrf(request, viewer, fields)
      const input = formGeneral(data)
      const file = data.get('logo')
      const ip = clientIp(request)
      try {
        const { values: _v, ...general } = input
        // Validate the logo first, so a bad file leaves everything else unsaved too.
        const logo = file instanceof Blob && file.size > 0 ? new Uint8Array(await file.arrayBuffer()) : null
        if (logo) saveLogoChecked(logo)
        saveGeneral(ctx, viewer.user.id, general, ip)
        if (logo) saveLogo(ctx, viewer.user.id, logo, ip)
        else if (data.get('remove_logo') === '1' && logoOf(ctx)) saveLogo(ctx, viewer.user.id, null, ip)
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return renderGeneral(request, viewer, input.values, problems, 422)
      }
      return redirect('/admin/settings?ok=settings.saved')
    })
    .get('/admin/settings/communication', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.view')
      return html(<CommunicationPage v={buildView(ctx, request, viewer)} messages={messagesOf(ctx)} defaults={builtInTexts()} problems={{}} flash={flashKey(request, ['settings.saved'] as const)} />)
    })
    .post('/admin/settings/communication', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.edit')
      let data: FormData
      try {
        data = await request.formData()
      } catch {
        throw new HttpError(415, 'unsupported_media_type', 'error.unsupported_media_type')
      }
      const fields = Object.fromEntries([...data.entries()].filter(([, x]) => typeof x === 'string')) as Record<string, string>
      checkSessionCsrf(request, viewer, fields)
      const messages: Record<string, Record<string, Record<string, string>>> = {}
      for (const [name, value] of Object.entries(fields)) {
        const m = /^(\w+)\.(\w+)\.(pt-BR|en)$/.exec(name)
        if (!m) continue
        ;((messages[m[1]] ??= {})[m[2]] ??= {})[m[3]] = value
      }
      try {
        saveMessages(ctx, viewer.user.id, messages, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return html(<CommunicationPage v={buildView(ctx, request, viewer)} messages={messages as Messages} defaults={builtInTexts()} problems={problems} />, 422)
      }
      return redirect('/admin/settings/communication?ok=settings.saved')
    })
    // The company logo: public (the login page may show it), typed by its magic bytes when saved.
    .get('/branding/logo', () => {
      const logo = logoOf(ctx)
      if (!logo) return new Response(null, { status: 404 })
      return new Response(Buffer.from(logo.data, 'base64'), {
        headers: { 'content-type': logo.mime, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox' },
      })
    })

  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get('/settings', () => ({ general: generalSettings(ctx), messages: messagesOf(ctx) as never }), {
      permission: 'settings.view',
      response: { 200: SettingsSchema, ...errors },
      detail: { tags: ['settings'], summary: 'General settings and the default messages to customers' },
    })
    .patch(
      '/settings',
      ({ request, body }) => {
        const viewer = apiViewer(ctx, request)
        const ip = clientIp(request)
        if (body.general) saveGeneral(ctx, viewer.user.id, body.general, ip)
        if (body.messages) saveMessages(ctx, viewer.user.id, body.messages, ip)
        return { general: generalSettings(ctx), messages: messagesOf(ctx) as never }
      },
      {
        permission: 'settings.edit',
        body: SettingsPatch,
        response: { 200: SettingsSchema, ...errors },
        detail: { tags: ['settings'], summary: 'Change settings: the fields of `general` given; `messages` replaces all default messages; audited' },
      },
    )

  /** saveLogo checks again; this surfaces a bad file before anything is written. */
  function saveLogoChecked(bytes: Uint8Array) {
    if (bytes.length > MAX_LOGO_BYTES) throw new HttpError(400, 'validation_failed', 'error.validation', {}, [{ field: 'logo', key: 'settings.valid_logo_size' }])
    if (!logoType(bytes)) throw new HttpError(400, 'validation_failed', 'error.validation', {}, [{ field: 'logo', key: 'settings.valid_logo_type' }])
  }

  return new Elysia().use(pages).use(api)
}
