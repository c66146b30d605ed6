// Templates (modelos HSM): the REST API (`/api/v1/templates`, `POST /api/v1/tickets` to start an
// outbound conversation) and the pages — admin (`/admin/templates`, templates.manage), sending by
// hand (`/tickets/:id/template`, `/conversations/new`, templates.send) and bulk notices (`/bulk`,
// bulk.send). API permissions are checked before anything the caller sent is validated.
import { Elysia, t } from 'elysia'
import { can, type Permission } from '../admin/permissions'
import type { User } from '../admin/users-store'
import { apiGuard, apiViewer } from '../api/guard'
import { decodeCursor, ErrorBody, ListQuery, page } from '../api/pagination'
import { IdParams, list } from '../api/schemas'
import type { Channel } from '../channels/store'
import type { Context } from '../context'
import { TicketSchema } from '../desk/api'
import { ticketJson } from '../desk/json'
import { windowOpen } from '../desk/outbound'
import type { Ticket } from '../desk/tickets-store'
import { canSeeTicket } from '../desk/visibility'
import { langOf } from '../http/auth'
import { clientIp } from '../http/client-ip'
import { forbidden, HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, isHtmx, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import { t as tr, type MessageKey } from '../i18n'
import { BulkPage, RunPage, RunProgress, type RunSummary } from '../../views/templates/bulk'
import { EditorPreview, NewTemplatePage, TemplatePage, TemplatesPage, type EditorProps } from '../../views/templates/admin'
import { emptySendValues, NewConversationPage, SendPreview, sendSlots, TicketTemplatePage, type SendValues } from '../../views/templates/send'
import type { Problems, View } from '../../views/view'
import { changeRun, createBulkRun, resultCsv } from './bulk'
import { componentsFromValues, emptyValues, formProblems, valuesFromComponents, valuesFromForm, type TemplateFormValues } from './form'
import { prepareSend, sendTemplateToTicket, startConversation, type TemplateSendInput } from './send'
import type { Template } from './store'
import { createTemplate, deleteTemplate, editTemplate, syncTemplates, templateJson } from './templates'
import { LIMITS, partsOf, validateComponents } from './validation'

// ---- API schemas (they validate input and generate /api/v1/openapi.json) ----------------------------

const DateTime = t.String({ format: 'date-time' })
const Components = t.Array(t.Record(t.String(), t.Unknown()), {
  minItems: 1,
  maxItems: 4,
  description: "Meta's components: HEADER { format: TEXT|IMAGE|VIDEO|DOCUMENT, text?, example? }, BODY { text, example: { body_text: [[…]] } }, FOOTER { text }, BUTTONS { buttons: [{ type: QUICK_REPLY|URL|PHONE_NUMBER, text, url?, phone_number?, example? }] }",
})

export const TemplateSchema = t.Object({
  id: t.Integer(),
  channel_id: t.Integer(),
  name: t.String(),
  language: t.String(),
  category: t.String({ description: 'MARKETING | UTILITY | AUTHENTICATION' }),
  status: t.String({ description: 'APPROVED | PENDING | REJECTED | PAUSED | DISABLED | FLAGGED | IN_APPEAL | PENDING_DELETION | DELETED | … (Meta’s words); only APPROVED sends' }),
  components: t.Array(t.Unknown()),
  reply_sector_id: t.Nullable(t.Integer({ description: 'fila de resposta para HSM: where a reply goes; null = the channel’s sector' })),
  rejected_reason: t.Nullable(t.String({ description: "Meta's reason (INVALID_FORMAT, INCORRECT_CATEGORY, …) when rejected, paused or disabled" })),
  external_id: t.Nullable(t.String({ description: "Meta's template id" })),
  quality_score: t.Nullable(t.String()),
  parameter_format: t.String(),
  created_at: DateTime,
  updated_at: DateTime,
})

const TemplateCreate = t.Object(
  {
    channel_id: t.Integer({ minimum: 1 }),
    name: t.String({ minLength: 1, maxLength: 512, description: 'lowercase letters, digits and underscores' }),
    language: t.String({ minLength: 2, maxLength: 15, description: 'pt_BR, en_US, es, …' }),
    category: t.String({ minLength: 1, maxLength: 20, description: 'MARKETING | UTILITY | AUTHENTICATION' }),
    components: Components,
    reply_sector_id: t.Optional(t.Nullable(t.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
)

const TemplatePatchSchema = t.Object(
  {
    category: t.Optional(t.String({ minLength: 1, maxLength: 20 })),
    components: t.Optional(Components),
    reply_sector_id: t.Optional(t.Nullable(t.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
)

const TemplateQuery = t.Object({
  ...ListQuery.properties,
  channel_id: t.Optional(t.Integer({ minimum: 1 })),
  status: t.Optional(t.String({ maxLength: 20, description: 'e.g. APPROVED; DELETED ones are listed only when asked for' })),
})

const SyncQuery = t.Object({ channel_id: t.Integer({ minimum: 1 }) })
const SyncResultSchema = t.Object({ total: t.Integer(), created: t.Integer(), updated: t.Integer(), removed: t.Integer(), data: t.Array(TemplateSchema) })

export const TemplateSend = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 512 }),
    language: t.String({ minLength: 2, maxLength: 15 }),
    params: t.Optional(t.Array(t.Unknown(), { maxItems: 100, description: 'values of the body variables {{1}}, {{2}}, … (text; no newline or tab, at most 4 spaces in a row)' })),
    header_params: t.Optional(t.Array(t.Unknown(), { maxItems: 1, description: 'the text header’s variable, when it has one' })),
    header_media: t.Optional(t.Object({ link: t.Optional(t.String({ maxLength: 2000 })), id: t.Optional(t.String({ maxLength: 30 })) }, { additionalProperties: false, description: 'the file of an IMAGE/VIDEO/DOCUMENT header: an https link or a Meta media id' })),
    button_params: t.Optional(t.Array(t.Unknown(), { maxItems: 10, description: 'the suffix of each URL button ending in {{1}}, in button order' })),
  },
  { additionalProperties: false },
)

const StartTicket = t.Object(
  {
    channel_id: t.Integer({ minimum: 1 }),
    to: t.String({ minLength: 1, maxLength: 20, description: 'E.164, e.g. +5583988887777' }),
    template: TemplateSend,
    sector_id: t.Optional(t.Nullable(t.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
)

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }
const metaErrors = { 409: ErrorBody, 422: ErrorBody, 502: ErrorBody }

// ---- helpers ------------------------------------------------------------------------------------------

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}
const optionalInt = (raw: string | null): number | null => (raw && /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : null)

/** Field problems of a validation (400) or a conflict with fields, for a form. */
const problemsOf = (e: unknown): FieldProblemList | null => (e instanceof HttpError && (e.status === 400 || e.status === 409) && e.details?.length ? e.details : null)
type FieldProblemList = NonNullable<HttpError['details']>

function canAny(user: User, permissions: Permission[]) {
  return permissions.some((p) => can(user, p))
}

/** The send input of the pages' forms (`param_1`, `header_param`, …) in the API's shape. */
function sendInputFromForm(form: Form, tpl: Template): { input: TemplateSendInput; values: SendValues } {
  const slots = sendSlots(tpl)
  const values: SendValues = {
    params: slots.body.map((_, i) => form.get(`param_${i + 1}`)),
    header_param: form.get('header_param'),
    header_media_link: form.get('header_media_link').trim(),
    button_params: slots.urlButtons.map((_, i) => form.get(`button_param_${i}`)),
  }
  const input: TemplateSendInput = {
    name: tpl.name,
    language: tpl.language,
    params: values.params,
    ...(slots.headerVar ? { header_params: [values.header_param] } : {}),
    ...(slots.headerMedia ? { header_media: { link: values.header_media_link } } : {}),
    ...(slots.urlButtons.length ? { button_params: values.button_params } : {}),
  }
  return { input, values }
}

/** `template.params[1]` → the form's `param_2`, and so on. */
function sendFormProblems(details: FieldProblemList): Problems {
  const out: Problems = {}
  for (const d of details) {
    const m = /^template\.(params|header_params|header_media|button_params)(?:\[(\d+)\])?$/.exec(d.field)
    let field = d.field
    if (m) {
      const i = m[2] === undefined ? 0 : Number(m[2])
      field = m[1] === 'params' ? `param_${i + 1}` : m[1] === 'header_params' ? 'header_param' : m[1] === 'header_media' ? 'header_media_link' : `button_param_${i}`
    }
    out[field] ??= d.key
  }
  return out
}

export function templatesRoutes(ctx: Context) {
  const created = (body: unknown) => new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } })
  const templateOr404 = (id: number) => {
    const tpl = ctx.stores.templates.get(id)
    if (!tpl) throw notFound()
    return tpl
  }
  const whatsappChannels = () => ctx.stores.channels.list().filter((c) => c.type === 'whatsapp')
  const sectorsList = () => ctx.stores.sectors.list().filter((s) => s.active)

  // ---- API -------------------------------------------------------------------------------------------
  const readers: Permission[] = ['templates.manage', 'templates.send', 'bulk.send']
  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get(
      '/templates',
      ({ query }) => {
        const limit = query.limit ?? 50
        const rows = ctx.stores.templates.list({ channel_id: query.channel_id, status: query.status?.toUpperCase(), before: decodeCursor(query.cursor), limit: limit + 1 })
        return page(rows, limit, templateJson)
      },
      {
        permission: true,
        transform({ request }) {
          if (!canAny(apiViewer(ctx, request).user, readers)) throw forbidden()
        },
        query: TemplateQuery,
        response: { 200: list(TemplateSchema), ...errors },
        detail: { tags: ['templates'], summary: 'List templates (newest first), optionally of one channel or status' },
      },
    )
    .get('/templates/:id', ({ params }) => templateJson(templateOr404(Number(params.id))), {
      permission: true,
      transform({ request }) {
        if (!canAny(apiViewer(ctx, request).user, readers)) throw forbidden()
      },
      params: IdParams,
      response: { 200: TemplateSchema, ...errors },
      detail: { tags: ['templates'], summary: 'One template' },
    })
    .post(
      '/templates',
      async ({ request, body }) => {
        const viewer = apiViewer(ctx, request)
        return created(templateJson(await createTemplate(ctx, viewer.user.id, body, langOf(ctx, request, viewer), clientIp(request))))
      },
      {
        permission: 'templates.manage',
        body: TemplateCreate,
        response: { 201: TemplateSchema, ...errors, ...metaErrors },
        detail: {
          tags: ['templates'],
          summary: 'Submit a template to Meta (status PENDING until Meta decides)',
          description: '400 names each field that breaks a rule; 409 `template_exists`; 422 `meta_refused` / 502 `meta_unavailable` explain what Meta said in plain words.',
        },
      },
    )
    .patch(
      '/templates/:id',
      async ({ request, params, body }) => {
        const viewer = apiViewer(ctx, request)
        return templateJson(await editTemplate(ctx, viewer.user.id, templateOr404(Number(params.id)), body, langOf(ctx, request, viewer), clientIp(request)))
      },
      {
        permission: 'templates.manage',
        params: IdParams,
        body: TemplatePatchSchema,
        response: { 200: TemplateSchema, ...errors, ...metaErrors },
        detail: {
          tags: ['templates'],
          summary: 'Change a template: reply sector (ours), or components/category (resubmitted to Meta: back to PENDING)',
          description: 'Meta edits only APPROVED, REJECTED or PAUSED templates (409 `template_not_editable` otherwise).',
        },
      },
    )
    .delete(
      '/templates/:id',
      async ({ request, params }) => {
        const viewer = apiViewer(ctx, request)
        return templateJson(await deleteTemplate(ctx, viewer.user.id, templateOr404(Number(params.id)), langOf(ctx, request, viewer), clientIp(request)))
      },
      {
        permission: 'templates.manage',
        params: IdParams,
        response: { 200: TemplateSchema, ...errors, ...metaErrors },
        detail: { tags: ['templates'], summary: 'Delete the template at Meta (this name and language); it stays here with status DELETED' },
      },
    )
    .post(
      '/templates/sync',
      async ({ request, query }) => {
        const viewer = apiViewer(ctx, request)
        const channel = ctx.stores.channels.get(query.channel_id)
        if (!channel) throw notFound()
        const result = await syncTemplates(ctx, viewer.user.id, channel, langOf(ctx, request, viewer), clientIp(request))
        return { ...result, data: ctx.stores.templates.ofChannel(channel.id).filter((x) => x.status !== 'DELETED').map(templateJson) }
      },
      {
        permission: 'templates.manage',
        query: SyncQuery,
        response: { 200: SyncResultSchema, ...errors, ...metaErrors },
        detail: { tags: ['templates'], summary: "Pull Meta's list (every page): statuses, categories and reasons refreshed, new ones added, gone ones DELETED" },
      },
    )
    .post(
      '/tickets',
      ({ request, body }) => {
        const user = apiViewer(ctx, request).user
        const out = startConversation(ctx, user, body)
        const json = ticketJson(out.ticket) as typeof TicketSchema.static
        return out.created ? created(json) : json
      },
      {
        permission: 'templates.send',
        body: StartTicket,
        response: { 200: TicketSchema, 201: TicketSchema, ...errors, 409: ErrorBody },
        detail: {
          tags: ['tickets'],
          summary: 'Start an outbound conversation with an approved template',
          description:
            '`to` in E.164. The contact is found (a Brazilian mobile with or without the 9th digit) or created; a ticket opens — assigned to the caller when they serve customers (a sector member that is not an admin or supervisor), else queued in `sector_id`, the template’s reply sector or the channel’s sector — and the template is queued (201). ' +
            'When the contact already has an open ticket the template goes there (200), or 409 `ticket_already_open` when the caller may not see it. 409 `template_not_approved`; 400 names a wrong parameter (`template.params[0]`).',
        },
      },
    )

  // ---- admin pages -------------------------------------------------------------------------------------
  const rowsFor = (values: TemplateFormValues, more: boolean) => Math.min(LIMITS.buttons, Math.max(3, values.buttons.length + 1) + (more ? 1 : 0))

  const editorProps = (v: View, channel: Channel, template: Template | null, values: TemplateFormValues, problems: Problems, rows: number, error: string | null = null): EditorProps => {
    const layout = componentsFromValues(values)
    return { v, template, channel, values, problems, sectors: sectorsList(), parts: partsOf(layout.components), error, rows }
  }

  const renderList = (request: Request, viewer: ReturnType<typeof pageViewer>, channelId: number | null, o: { flash?: MessageKey | null; error?: string | null } = {}, status = 200) => {
    const channels = whatsappChannels()
    const channel = channels.find((c) => c.id === channelId) ?? channels[0] ?? null
    const templates = channel ? ctx.stores.templates.ofChannel(channel.id).filter((x) => x.status !== 'DELETED') : []
    const sectors = new Map(ctx.stores.sectors.list().map((s) => [s.id, s]))
    return html(<TemplatesPage v={buildView(ctx, request, viewer)} channels={channels} channel={channel} templates={templates} sectors={sectors} flash={o.flash} error={o.error} />, status)
  }

  const templatePage = (v: View, tpl: Template, o: { values?: TemplateFormValues; problems?: Problems; error?: string | null; flash?: MessageKey | null; more?: boolean } = {}, status = 200) => {
    const channel = ctx.stores.channels.get(tpl.channel_id)!
    const values = o.values ?? valuesFromComponents({ channel_id: channel.id, name: tpl.name, language: tpl.language, category: tpl.category, reply_sector_id: tpl.reply_sector_id }, tpl.components)
    const props = editorProps(v, channel, tpl, values, o.problems ?? {}, rowsFor(values, o.more ?? false), o.error ?? null)
    return html(<TemplatePage {...props} sectorsById={new Map(ctx.stores.sectors.list().map((s) => [s.id, s]))} flash={o.flash} />, status)
  }

  const admin = new Elysia()
    .get('/admin/templates', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const url = new URL(request.url)
      return renderList(request, viewer, optionalInt(url.searchParams.get('channel_id')), { flash: flashKey(request, ['templates.synced', 'templates.deleted'] as const) })
    })
    .post('/admin/templates/sync', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const form = await readCheckedForm(request, viewer)
      const channel = ctx.stores.channels.get(optionalInt(form.get('channel_id')) ?? 0)
      if (!channel || channel.type !== 'whatsapp') throw notFound()
      const v = buildView(ctx, request, viewer)
      try {
        await syncTemplates(ctx, viewer.user.id, channel, v.lang, clientIp(request))
      } catch (e) {
        if (!(e instanceof HttpError) || e.status < 422) throw e
        return renderList(request, viewer, channel.id, { error: tr(v.lang, e.key, e.vars) }, e.status)
      }
      return redirect(`/admin/templates?channel_id=${channel.id}&ok=templates.synced`)
    })
    .get('/admin/templates/new', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const channels = whatsappChannels()
      const channel = channels.find((c) => c.id === optionalInt(new URL(request.url).searchParams.get('channel_id'))) ?? channels[0]
      if (!channel) return redirect('/admin/templates')
      const values = emptyValues(channel.id)
      return html(<NewTemplatePage {...editorProps(buildView(ctx, request, viewer), channel, null, values, {}, rowsFor(values, false))} />)
    })
    .post('/admin/templates/preview', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const form = await readCheckedForm(request, viewer)
      const values = valuesFromForm(form)
      const layout = componentsFromValues(values)
      const { problems } = validateComponents(layout.components)
      return html(<EditorPreview v={buildView(ctx, request, viewer)} parts={partsOf(layout.components)} values={values} problems={formProblems(problems, layout)} />)
    })
    .post('/admin/templates', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const form = await readCheckedForm(request, viewer)
      const values = valuesFromForm(form)
      const channel = ctx.stores.channels.get(values.channel_id ?? 0)
      if (!channel || channel.type !== 'whatsapp') throw notFound()
      const v = buildView(ctx, request, viewer)
      const again = (problems: Problems, error: string | null, status: number, more = false) =>
        html(<NewTemplatePage {...editorProps(v, channel, null, values, problems, rowsFor(values, more), error)} />, status)
      if (form.get('more_buttons')) return again({}, null, 200, true)
      const layout = componentsFromValues(values)
      try {
        const tpl = await createTemplate(
          ctx,
          viewer.user.id,
          { channel_id: channel.id, name: values.name, language: values.language, category: values.category, components: layout.components, reply_sector_id: values.reply_sector_id },
          v.lang,
          clientIp(request),
        )
        return redirect(`/admin/templates/${tpl.id}?ok=templates.created`)
      } catch (e) {
        const details = problemsOf(e)
        if (details) return again(formProblems(details, layout), null, 422)
        if (e instanceof HttpError && e.status >= 422) return again({}, tr(v.lang, e.key, e.vars), 422)
        throw e
      }
    })
    .get('/admin/templates/:id', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const tpl = templateOr404(idParam(params.id))
      return templatePage(buildView(ctx, request, viewer), tpl, { flash: flashKey(request, ['templates.created', 'templates.saved', 'templates.resubmitted'] as const) })
    })
    .post('/admin/templates/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const form = await readCheckedForm(request, viewer)
      const tpl = templateOr404(idParam(params.id))
      const v = buildView(ctx, request, viewer)
      const values = { ...valuesFromForm(form), channel_id: tpl.channel_id, name: tpl.name, language: tpl.language, reply_sector_id: tpl.reply_sector_id }
      if (form.get('more_buttons')) return templatePage(v, tpl, { values, more: true })
      const layout = componentsFromValues(values)
      try {
        await editTemplate(ctx, viewer.user.id, tpl, { components: layout.components, category: values.category }, v.lang, clientIp(request))
      } catch (e) {
        const details = problemsOf(e)
        if (details) return templatePage(v, tpl, { values, problems: formProblems(details, layout) }, 422)
        if (e instanceof HttpError && (e.status >= 422 || e.status === 409)) return templatePage(v, tpl, { values, error: tr(v.lang, e.key, e.vars) }, 422)
        throw e
      }
      return redirect(`/admin/templates/${tpl.id}?ok=templates.resubmitted`)
    })
    .post('/admin/templates/:id/reply-sector', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      const form = await readCheckedForm(request, viewer)
      const tpl = templateOr404(idParam(params.id))
      const v = buildView(ctx, request, viewer)
      try {
        await editTemplate(ctx, viewer.user.id, tpl, { reply_sector_id: optionalInt(form.get('reply_sector_id')) }, v.lang, clientIp(request))
      } catch (e) {
        if (!(e instanceof HttpError) || e.status !== 400) throw e
        return templatePage(v, tpl, { error: tr(v.lang, 'templates.valid_reply_sector') }, 422)
      }
      return redirect(`/admin/templates/${tpl.id}?ok=templates.saved`)
    })
    .post('/admin/templates/:id/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'templates.manage')
      await readCheckedForm(request, viewer)
      const tpl = templateOr404(idParam(params.id))
      const v = buildView(ctx, request, viewer)
      try {
        await deleteTemplate(ctx, viewer.user.id, tpl, v.lang, clientIp(request))
      } catch (e) {
        if (!(e instanceof HttpError) || e.status < 422) throw e
        return templatePage(v, tpl, { error: tr(v.lang, e.key, e.vars) }, e.status)
      }
      return redirect(`/admin/templates?channel_id=${tpl.channel_id}&ok=templates.deleted`)
    })

  // ---- sending by hand ---------------------------------------------------------------------------------
  const visibleTicket = (user: User, raw: string): Ticket => {
    const ticket = ctx.stores.tickets.get(idParam(raw))
    if (!ticket || !canSeeTicket(user, ticket)) throw notFound()
    return ticket
  }
  const approvedOf = (channelId: number, raw: string | null) => {
    const templates = ctx.stores.templates.approved(channelId)
    const id = optionalInt(raw)
    return { templates, selected: templates.find((x) => x.id === id) ?? null }
  }
  const ticketSuggestions = (ticket: Ticket, user: User) => {
    const name = ticket.contact_name?.trim()
    return [...new Set([name, name?.split(/\s+/)[0], ticket.protocol, user.name].filter((s): s is string => Boolean(s)))]
  }
  const ticketPage = (request: Request, viewer: ReturnType<typeof pageViewer>, ticket: Ticket, raw: string | null, o: { values?: SendValues; problems?: Problems; error?: string | null } = {}, status = 200) => {
    const { templates, selected } = approvedOf(ticket.channel_id, raw)
    return html(
      <TicketTemplatePage
        v={buildView(ctx, request, viewer)}
        ticket={ticket}
        templates={templates}
        selected={selected}
        values={o.values ?? emptySendValues()}
        problems={o.problems ?? {}}
        error={o.error ?? null}
        suggestions={ticketSuggestions(ticket, viewer.user)}
        windowOpen={windowOpen(ticket)}
      />,
      status,
    )
  }
  /** A send that failed on the caller's input: field problems, or the message of a 409. */
  const sendFailure = (e: unknown, lang: View['lang']): { problems: Problems; error: string | null } | null => {
    if (!(e instanceof HttpError) || (e.status !== 400 && e.status !== 409)) return null
    const problems = e.details?.length ? sendFormProblems(e.details) : {}
    const shown = Object.keys(problems).some((k) => /^(param_|header_|button_param_|to$)/.test(k))
    return { problems, error: shown ? null : tr(lang, e.key, e.vars) }
  }

  const sending = new Elysia()
    .get('/tickets/:id/template', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'templates.send')
      const ticket = visibleTicket(viewer.user, params.id)
      if (ticket.channel_type !== 'whatsapp') throw notFound()
      return ticketPage(request, viewer, ticket, new URL(request.url).searchParams.get('template_id'))
    })
    .post('/tickets/:id/template/preview', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'templates.send')
      const form = await readCheckedForm(request, viewer)
      const ticket = visibleTicket(viewer.user, params.id)
      const tpl = approvedOf(ticket.channel_id, form.get('template_id')).selected
      if (!tpl) throw notFound()
      return html(<SendPreview v={buildView(ctx, request, viewer)} tpl={tpl} values={sendInputFromForm(form, tpl).values} />)
    })
    .post('/tickets/:id/template', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'templates.send')
      const form = await readCheckedForm(request, viewer)
      const ticket = visibleTicket(viewer.user, params.id)
      const tpl = approvedOf(ticket.channel_id, form.get('template_id')).selected
      if (!tpl) return ticketPage(request, viewer, ticket, null, { error: tr(buildView(ctx, request, viewer).lang, 'templates.not_found') }, 422)
      const { input, values } = sendInputFromForm(form, tpl)
      try {
        sendTemplateToTicket(ctx, viewer.user, ticket, input)
      } catch (e) {
        const failure = sendFailure(e, buildView(ctx, request, viewer).lang)
        if (!failure) throw e
        return ticketPage(request, viewer, ticket, String(tpl.id), { values, ...failure }, 422)
      }
      return redirect(`/tickets/${ticket.id}`)
    })
    .get('/conversations/new', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.send')
      const url = new URL(request.url)
      return conversationPage(request, viewer, optionalInt(url.searchParams.get('channel_id')), url.searchParams.get('template_id'), (url.searchParams.get('to') ?? '').slice(0, 30))
    })
    .post('/conversations/new/preview', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.send')
      const form = await readCheckedForm(request, viewer)
      const tpl = approvedOf(optionalInt(form.get('channel_id')) ?? 0, form.get('template_id')).selected
      if (!tpl) throw notFound()
      return html(<SendPreview v={buildView(ctx, request, viewer)} tpl={tpl} values={sendInputFromForm(form, tpl).values} />)
    })
    .post('/conversations/new', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'templates.send')
      const form = await readCheckedForm(request, viewer)
      const channelId = optionalInt(form.get('channel_id'))
      const tpl = approvedOf(channelId ?? 0, form.get('template_id')).selected
      const to = form.get('to').replace(/[\s().-]/g, '')
      if (!tpl) return conversationPage(request, viewer, channelId, null, to, { error: tr(buildView(ctx, request, viewer).lang, 'templates.not_found') }, 422)
      const { input, values } = sendInputFromForm(form, tpl)
      let ticket: Ticket
      try {
        ticket = startConversation(ctx, viewer.user, { channel_id: channelId, to, template: input }).ticket
      } catch (e) {
        const failure = sendFailure(e, buildView(ctx, request, viewer).lang)
        if (!failure) throw e
        return conversationPage(request, viewer, channelId, String(tpl.id), to, { values, ...failure }, 422)
      }
      return redirect(canSeeTicket(viewer.user, ticket) ? `/tickets/${ticket.id}` : '/tickets')
    })

  function conversationPage(request: Request, viewer: ReturnType<typeof pageViewer>, channelId: number | null, rawTemplate: string | null, to: string, o: { values?: SendValues; problems?: Problems; error?: string | null } = {}, status = 200) {
    const channels = whatsappChannels().filter((c) => c.active)
    const channel = channels.find((c) => c.id === channelId) ?? channels[0] ?? null
    const { templates, selected } = channel ? approvedOf(channel.id, rawTemplate) : { templates: [], selected: null }
    return html(
      <NewConversationPage
        v={buildView(ctx, request, viewer)}
        channels={channels}
        channel={channel}
        templates={templates}
        selected={selected}
        to={to}
        values={o.values ?? emptySendValues()}
        problems={o.problems ?? {}}
        error={o.error ?? null}
        suggestions={[viewer.user.name]}
      />,
      status,
    )
  }

  // ---- bulk notices ----------------------------------------------------------------------------------------
  const summary = (runId: number): RunSummary => {
    const run = ctx.stores.bulk.run(runId)
    if (!run) throw notFound()
    return { run, template: ctx.stores.templates.get(run.template_id), channel: ctx.stores.channels.get(run.channel_id), counts: ctx.stores.bulk.counts(run.id) }
  }
  const pausedReason = (s: RunSummary, v: View) => (s.run.status === 'paused' && s.template && s.template.status !== 'APPROVED' ? v.t('bulk.paused_template', { status: s.template.status }) : null)
  const bulkTemplates = () => whatsappChannels().flatMap((c) => ctx.stores.templates.approved(c.id))
  const bulkPage = (request: Request, viewer: ReturnType<typeof pageViewer>, o: { problems?: Problems; error?: string | null; selected?: number | null } = {}, status = 200) => {
    const runs = ctx.stores.bulk.runs(Number.MAX_SAFE_INTEGER, 50).map((r) => summary(r.id))
    const channels = new Map(ctx.stores.channels.list().map((c) => [c.id, c]))
    return html(<BulkPage v={buildView(ctx, request, viewer)} runs={runs} templates={bulkTemplates()} channels={channels} problems={o.problems ?? {}} error={o.error ?? null} selected={o.selected ?? null} />, status)
  }

  const bulk = new Elysia()
    .get('/bulk', ({ request }) => bulkPage(request, pageViewer(ctx, request, 'bulk.send')))
    .post('/bulk', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'bulk.send')
      const form = await readCheckedForm(request, viewer)
      const templateId = optionalInt(form.fields.template_id ?? null)
      const file = form.file('file')
      const v = buildView(ctx, request, viewer)
      if (!file || file.size === 0) return bulkPage(request, viewer, { problems: { file: 'bulk.valid_empty' }, selected: templateId }, 422)
      try {
        const run = createBulkRun(ctx, viewer.user, { template_id: templateId, label: file.name, csv: await file.text() }, clientIp(request))
        return redirect(`/bulk/${run.id}?ok=bulk.started`)
      } catch (e) {
        if (!(e instanceof HttpError) || e.status !== 400) throw e
        const problems: Problems = Object.fromEntries((e.details ?? []).map((d) => [d.field, d.key]))
        return bulkPage(request, viewer, { problems, error: tr(v.lang, e.key, e.vars), selected: templateId }, 422)
      }
    })
    .get('/bulk/:id', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bulk.send')
      const v = buildView(ctx, request, viewer)
      const s = summary(idParam(params.id))
      return html(<RunPage v={v} summary={s} flash={flashKey(request, ['bulk.started'] as const)} paused_reason={pausedReason(s, v)} />)
    })
    .get('/bulk/:id/progress', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bulk.send')
      return html(<RunProgress v={buildView(ctx, request, viewer)} summary={summary(idParam(params.id))} />)
    })
    .post('/bulk/:id/:action', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bulk.send')
      await readCheckedForm(request, viewer)
      const action = params.action
      if (action !== 'pause' && action !== 'resume' && action !== 'cancel') throw notFound()
      const s = summary(idParam(params.id))
      changeRun(ctx, viewer.user, s.run, action, clientIp(request))
      if (isHtmx(request)) return html(<RunProgress v={buildView(ctx, request, viewer)} summary={summary(s.run.id)} />)
      return redirect(`/bulk/${s.run.id}`)
    })
    .get('/bulk/:id/result.csv', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bulk.send')
      const s = summary(idParam(params.id))
      const lang = buildView(ctx, request, viewer).lang
      return new Response(resultCsv(ctx, s.run, lang), {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="disparo-${s.run.id}-resultado.csv"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      })
    })

  return new Elysia().use(api).use(admin).use(sending).use(bulk)
}

