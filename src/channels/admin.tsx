// Channels: the REST API (`/api/v1/channels`, bearer tokens) and the admin pages (`/admin/channels`,
// session + CSRF), both with the `channels.manage` permission and the same logic (channels.ts).
// The API checks the permission before the body is validated (the `permission` macro).
import { Elysia, t } from 'elysia'
import { can } from '../admin/permissions'
import type { Context } from '../context'
import { apiGuard, apiViewer } from '../api/guard'
import { decodeCursor, ErrorBody, ListQuery, page } from '../api/pagination'
import { IdParams, list } from '../api/schemas'
import { langOf } from '../http/auth'
import { clientIp } from '../http/client-ip'
import { forbidden, HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, isHtmx, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { ChannelPage, NewChannelPage, TestResultView, type ChannelFormValues } from '../../views/channels/channel'
import { ChannelsPage } from '../../views/channels/channels'
import type { Problems, View } from '../../views/view'
import { assertSupportedType, channelJson, createChannel, testChannel, updateChannel, verifyTokenOf, webhookUrl, type ChannelInput, type TestResult } from './channels'
import type { Channel } from './store'
import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION } from './whatsapp/graph'

// ---- API schemas (they validate input and generate /api/v1/openapi.json) ------------------------

const MetaId = t.String({ pattern: '^[0-9]{1,30}$', description: 'digits, as Meta shows it' })
const Secret = t.String({ minLength: 1, maxLength: 1000, description: 'write-only: never returned' })
const GraphBaseUrl = t.String({ minLength: 1, maxLength: 500, description: `absolute http(s) URL; default ${DEFAULT_GRAPH_BASE_URL}` })
const GraphVersion = t.String({ pattern: '^v[0-9]{1,3}\\.[0-9]{1,3}$', description: `default ${DEFAULT_GRAPH_VERSION}` })
const BotFlow = t.Nullable(t.Integer({ minimum: 1 }), { description: 'bot flows are not available yet: only null (stored as null whether given or omitted)' })

export const WhatsAppChannelCreate = t.Object(
  {
    type: t.Literal('whatsapp'),
    name: t.String({ minLength: 1, maxLength: 120 }),
    phone_number_id: MetaId,
    waba_id: MetaId,
    access_token: Secret,
    app_secret: Secret,
    verify_token: t.Optional(t.String({ minLength: 1, maxLength: 1000, description: 'write-only; generated when omitted (shown to admins on the channel page)' })),
    graph_base_url: t.Optional(GraphBaseUrl),
    graph_version: t.Optional(GraphVersion),
    sector_id: t.Integer({ minimum: 1 }),
    bot_flow_id: t.Optional(BotFlow),
  },
  { additionalProperties: false },
)

export const WhatsAppChannelPatch = t.Object(
  {
    type: t.Optional(t.Literal('whatsapp')),
    name: t.Optional(t.String({ minLength: 1, maxLength: 120 })),
    phone_number_id: t.Optional(MetaId),
    waba_id: t.Optional(MetaId),
    access_token: t.Optional(Secret),
    app_secret: t.Optional(Secret),
    verify_token: t.Optional(Secret),
    graph_base_url: t.Optional(GraphBaseUrl),
    graph_version: t.Optional(GraphVersion),
    sector_id: t.Optional(t.Integer({ minimum: 1 })),
    bot_flow_id: t.Optional(BotFlow),
  },
  { additionalProperties: false },
)

const NullableString = t.Nullable(t.String())

// Web chat (issue 10; src/channels/webchat/protocol.ts). Checked in full by validateWebchat.
const PrechatMode = t.Union([t.Literal('required'), t.Literal('optional'), t.Literal('hidden')])
const WebchatFields = {
  name: t.String({ minLength: 1, maxLength: 120 }),
  allowed_origins: t.Array(t.String({ maxLength: 300 }), { minItems: 1, maxItems: 20, description: 'scheme://host[:port] of the sites that embed the widget' }),
  sector_id: t.Integer({ minimum: 1 }),
  bot_flow_id: t.Nullable(t.Integer({ minimum: 1 })),
  title: t.String({ minLength: 1, maxLength: 60 }),
  greeting: t.String({ maxLength: 500 }),
  colors: t.Object({ primary: t.Optional(t.String({ pattern: '^#[0-9a-fA-F]{6}$' })), text: t.Optional(t.String({ pattern: '^#[0-9a-fA-F]{6}$' })) }, { additionalProperties: false }),
  prechat: t.Object({ name: t.Optional(t.Literal('required')), email: t.Optional(PrechatMode), phone: t.Optional(PrechatMode), code: t.Optional(PrechatMode) }, { additionalProperties: false }),
  consent_text: t.String({ minLength: 1, maxLength: 2000 }),
  policy_url: t.Nullable(t.String({ maxLength: 500 })),
  uploads: t.Boolean(),
  max_file_bytes: t.Integer({ minimum: 1000, maximum: 20_000_000 }),
}
export const WebchatChannelCreate = t.Object(
  {
    type: t.Literal('webchat'),
    name: WebchatFields.name,
    allowed_origins: WebchatFields.allowed_origins,
    sector_id: WebchatFields.sector_id,
    bot_flow_id: t.Optional(WebchatFields.bot_flow_id),
    title: t.Optional(WebchatFields.title),
    greeting: t.Optional(WebchatFields.greeting),
    colors: t.Optional(WebchatFields.colors),
    prechat: t.Optional(WebchatFields.prechat),
    consent_text: t.Optional(WebchatFields.consent_text),
    policy_url: t.Optional(WebchatFields.policy_url),
    uploads: t.Optional(WebchatFields.uploads),
    max_file_bytes: t.Optional(WebchatFields.max_file_bytes),
  },
  { additionalProperties: false },
)
export const WebchatChannelPatch = t.Object(
  {
    type: t.Optional(t.Literal('webchat')),
    ...Object.fromEntries(Object.entries(WebchatFields).map(([k, v]) => [k, t.Optional(v)])),
  },
  { additionalProperties: false },
)

export const ChannelSchema = t.Object({
  id: t.Integer(),
  type: t.Union([t.Literal('whatsapp'), t.Literal('webchat'), t.Literal('email')]),
  name: t.String(),
  sector_id: t.Integer(),
  bot_flow_id: t.Nullable(t.Integer()),
  status: t.Union([t.Literal('active'), t.Literal('paused'), t.Literal('disabled')]),
  status_reason: NullableString,
  active: t.Boolean(),
  phone_number_id: NullableString,
  waba_id: NullableString,
  graph_base_url: NullableString,
  graph_version: NullableString,
  display_phone_number: t.Nullable(t.String({ description: 'from the last successful connection test' })),
  verified_name: t.Nullable(t.String({ description: 'from the last successful connection test' })),
  quality_rating: t.Nullable(t.String({ description: 'GREEN | YELLOW | RED | UNKNOWN, from the last successful connection test' })),
  webhook_url: t.Nullable(t.String({ description: "absolute callback URL to paste into Meta's dashboard (null for web chat)" })),
  channel_key: t.Optional(t.String({ description: 'web chat: public key of the widget (goes in the embed snippet)' })),
  embed_snippet: t.Optional(t.String({ description: 'web chat: the <script> line to paste into the site' })),
  allowed_origins: t.Optional(t.Array(t.String())),
  title: t.Optional(t.String()),
  greeting: t.Optional(t.String()),
  colors: t.Optional(t.Object({ primary: t.String(), text: t.String() })),
  prechat: t.Optional(t.Object({ name: t.String(), email: t.String(), phone: t.String(), code: t.String() })),
  consent_text: t.Optional(t.String()),
  policy_url: t.Optional(NullableString),
  uploads: t.Optional(t.Boolean()),
  max_file_bytes: t.Optional(t.Integer()),
  created_at: t.String({ format: 'date-time' }),
  updated_at: t.String({ format: 'date-time' }),
})

export const ChannelTestResult = t.Union([
  t.Object({
    ok: t.Literal(true),
    display_phone_number: NullableString,
    verified_name: NullableString,
    quality_rating: NullableString,
    resumed: t.Boolean({ description: 'true when the channel was paused (token/permission errors) and sending resumed' }),
  }),
  t.Object({
    ok: t.Literal(false),
    error: t.Object({
      code: t.String({ description: 'graph_<Meta code> | unreachable | timeout | http_<status> | internal_error' }),
      message: t.String({ description: "plain-language explanation in the caller's language" }),
      graph_code: t.Nullable(t.Integer()),
      details: t.Nullable(t.String({ description: "Meta's own message, for support" })),
    }),
  }),
])

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }

// ---- pages: form ↔ input --------------------------------------------------------------------

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

/** Field problems of a validation (400) or a taken number (409), for the form. */
const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && (e.status === 400 || e.status === 409) && e.details?.length ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

const SECRET_FIELDS = ['access_token', 'app_secret', 'verify_token'] as const

/** Form fields → the API's input shape. Blank secrets mean "keep" (or "generate" for the verify token). */
function inputFromForm(form: Form, creating: boolean): ChannelInput {
  const optional = (k: string) => form.get(k).trim() || undefined
  const digits = (k: string) => form.get(k).replace(/\s+/g, '')
  const sector = form.get('sector_id').trim()
  return {
    ...(creating ? { type: 'whatsapp' } : {}),
    name: form.get('name'),
    phone_number_id: digits('phone_number_id'),
    waba_id: digits('waba_id'),
    access_token: optional('access_token'),
    app_secret: optional('app_secret'),
    verify_token: optional('verify_token'),
    graph_base_url: optional('graph_base_url'),
    graph_version: optional('graph_version'),
    sector_id: /^\d{1,15}$/.test(sector) ? Number(sector) : sector,
  }
}

/** What the form shows again after a failed save: everything typed except the secrets. */
function valuesFromForm(form: Form): ChannelFormValues {
  const sector = form.get('sector_id').trim()
  return {
    name: form.get('name'),
    phone_number_id: form.get('phone_number_id').replace(/\s+/g, ''),
    waba_id: form.get('waba_id').replace(/\s+/g, ''),
    graph_base_url: form.get('graph_base_url').trim() || DEFAULT_GRAPH_BASE_URL,
    graph_version: form.get('graph_version').trim() || DEFAULT_GRAPH_VERSION,
    sector_id: /^\d{1,15}$/.test(sector) ? Number(sector) : null,
  }
}

function valuesOf(c: Channel | null, defaultSector: number | null): ChannelFormValues {
  const s = (c?.settings ?? {}) as Record<string, unknown>
  const str = (x: unknown, fallback: string) => (typeof x === 'string' ? x : fallback)
  return {
    name: c?.name ?? '',
    phone_number_id: str(s.phone_number_id, ''),
    waba_id: str(s.waba_id, ''),
    graph_base_url: str(s.graph_base_url, DEFAULT_GRAPH_BASE_URL),
    graph_version: str(s.graph_version, DEFAULT_GRAPH_VERSION),
    sector_id: c?.sector_id ?? defaultSector,
  }
}

/** A JSON body that is an object (the field checks take it from there). */
function objectBody(body: unknown): ChannelInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'validation_failed', 'error.validation', {}, [{ field: 'body', key: 'error.validation' }])
  return body as ChannelInput
}

export function channelsAdmin(ctx: Context) {
  const created = (body: unknown) => new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } })
  const channelOr404 = (id: number) => {
    const channel = ctx.stores.channels.get(id)
    if (!channel) throw notFound()
    return channel
  }

  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    // The macro checks in the parse hook (bodies) and in beforeHandle — which runs after params and
    // query are validated, so a bodiless request with a bad id would get 400 before 403. Checking
    // here too (transform runs before validation) keeps "403 whatever it sends" on every route.
    .onTransform(({ request }) => {
      if (!can(apiViewer(ctx, request).user, 'channels.manage')) throw forbidden()
    })
    .get(
      '/channels',
      ({ query }) => {
        const limit = query.limit ?? 50
        return page(ctx.stores.channels.page(decodeCursor(query.cursor), limit + 1), limit, (c) => channelJson(ctx, c))
      },
      { permission: 'channels.manage', query: ListQuery, response: { 200: list(ChannelSchema), ...errors }, detail: { tags: ['channels'], summary: 'List channels, newest first (never their secrets)' } },
    )
    .get('/channels/:id', ({ params }) => channelJson(ctx, channelOr404(Number(params.id))), {
      permission: 'channels.manage',
      params: IdParams,
      response: { 200: ChannelSchema, ...errors },
      detail: { tags: ['channels'], summary: 'One channel, with its webhook URL (never its secrets)' },
    })
    .post('/channels', ({ request, body }) => created(channelJson(ctx, createChannel(ctx, apiViewer(ctx, request).user.id, objectBody(body), clientIp(request)))), {
      permission: 'channels.manage',
      // Before validation, so another type gets "unsupported type" rather than a list of unknown fields.
      transform({ body }) {
        assertSupportedType(body)
      },
      // Two shapes by `type`: a schema union would answer a bad field with a bare "body", so the
      // fields are checked by validateWhatsApp / validateWebchat (each names every bad field); the
      // document still shows both shapes.
      detail: {
        requestBody: { required: true, content: { 'application/json': { schema: t.Union([WhatsAppChannelCreate, WebchatChannelCreate]) as never } } },
        tags: ['channels'],
        summary: 'Connect a WhatsApp number or create a web chat (409 channel_exists when the phone_number_id is taken; 400 unsupported_channel_type for other types)',
      },
    })
    .patch(
      '/channels/:id',
      ({ request, params, body }) => {
        const channel = channelOr404(Number(params.id))
        return channelJson(ctx, updateChannel(ctx, apiViewer(ctx, request).user.id, channel, objectBody(body), clientIp(request)))
      },
      {
        permission: 'channels.manage',
        params: IdParams,
        response: { 200: ChannelSchema, ...errors, 409: ErrorBody },
        detail: {
          requestBody: { required: true, content: { 'application/json': { schema: t.Union([WhatsAppChannelPatch, WebchatChannelPatch]) as never } } },
          tags: ['channels'],
          summary: 'Change a channel (the fields of its type); secrets are replaced only when given',
        },
      },
    )
    .post(
      '/channels/:id/test',
      async ({ request, params }) => {
        const viewer = apiViewer(ctx, request)
        const channel = channelOr404(Number(params.id))
        return testChannel(ctx, viewer.user.id, channel, langOf(ctx, request, viewer), clientIp(request))
      },
      {
        permission: 'channels.manage',
        params: IdParams,
        response: { 200: ChannelTestResult, ...errors },
        detail: { tags: ['channels'], summary: 'Ask the provider about the number; a report (200) whether it worked or not. Success resumes a paused channel.' },
      },
    )

  // ---- pages ---------------------------------------------------------------------------------
  const sectorsList = () => ctx.stores.sectors.list()
  const defaultSector = () => {
    const all = sectorsList()
    return all.length === 1 ? all[0].id : null
  }
  const renderChannel = (
    v: View,
    channel: Channel,
    o: { values?: ChannelFormValues; problems?: Problems; test?: TestResult | null; flash?: MessageKey | null; retype?: boolean } = {},
    status = 200,
  ) =>
    html(
      <ChannelPage
        v={v}
        channel={channel}
        webhookUrl={webhookUrl(ctx, channel)}
        verifyToken={verifyTokenOf(ctx, channel)}
        values={o.values ?? valuesOf(channel, null)}
        problems={o.problems ?? {}}
        sectors={sectorsList()}
        test={o.test ?? null}
        flash={o.flash}
        retype={o.retype}
      />,
      status,
    )

  const pages = new Elysia()
    .get('/admin/channels', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const sectors = new Map(sectorsList().map((s) => [s.id, s]))
      return html(<ChannelsPage v={buildView(ctx, request, viewer)} channels={ctx.stores.channels.list()} sectors={sectors} />)
    })
    .get('/admin/channels/new', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      return html(<NewChannelPage v={buildView(ctx, request, viewer)} values={valuesOf(null, defaultSector())} problems={{}} sectors={sectorsList()} />)
    })
    .post('/admin/channels', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const form = await readCheckedForm(request, viewer)
      let channel: Channel
      try {
        channel = createChannel(ctx, viewer.user.id, inputFromForm(form, true), clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return html(<NewChannelPage v={buildView(ctx, request, viewer)} values={valuesFromForm(form)} problems={problems} sectors={sectorsList()} />, 422)
      }
      return redirect(`/admin/channels/${channel.id}?ok=channels.created`)
    })
    .get('/admin/channels/:id', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const channel = channelOr404(idParam(params.id))
      // A web chat has its own settings page (src/channels/webchat/admin.tsx).
      if (channel.type === 'webchat') return redirect(`/admin/channels/${channel.id}/webchat`)
      return renderChannel(buildView(ctx, request, viewer), channel, { flash: flashKey(request, ['channels.created', 'channels.saved'] as const) })
    })
    .post('/admin/channels/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const form = await readCheckedForm(request, viewer)
      const channel = channelOr404(idParam(params.id))
      try {
        updateChannel(ctx, viewer.user.id, channel, inputFromForm(form, false), clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        const retype = SECRET_FIELDS.some((f) => form.get(f).trim() !== '')
        return renderChannel(buildView(ctx, request, viewer), channel, { values: valuesFromForm(form), problems, retype }, 422)
      }
      return redirect(`/admin/channels/${channel.id}?ok=channels.saved`)
    })
    .post('/admin/channels/:id/test', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      await readCheckedForm(request, viewer)
      const channel = channelOr404(idParam(params.id))
      const v = buildView(ctx, request, viewer)
      const result = await testChannel(ctx, viewer.user.id, channel, v.lang, clientIp(request))
      // htmx swaps the result in; without JavaScript the whole page comes back with it.
      if (isHtmx(request)) return html(<TestResultView v={v} result={result} last={null} />)
      return renderChannel(v, ctx.stores.channels.get(channel.id) ?? channel, { test: result })
    })

  return new Elysia().use(api).use(pages)
}
