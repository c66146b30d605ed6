// Customers (clientes), customer types, classifications and quick replies (tags rápidas): the REST
// API (`/api/v1/...`, bearer tokens; permission checked before anything sent is validated) and the
// pages (`/customers`, `/admin/customer-types`, `/admin/classifications`, `/admin/quick-replies`;
// session + CSRF). Both go through the same validation (customers.ts, classifications-store.ts,
// quick-replies.ts).
import { Elysia, t } from 'elysia'
import { can } from '../admin/permissions'
import { apiGuard, apiViewer } from '../api/guard'
import { decodeCursor, ErrorBody, ListQuery, page } from '../api/pagination'
import { IdParams, list } from '../api/schemas'
import type { Context } from '../context'
import { classificationJson, saveClassification, type Classification } from '../desk/classifications-store'
import { canChangeQuickReply, canSeeQuickReply, deleteQuickReply, quickRepliesManagedBy, quickReplyJson, saveQuickReply, shortcutPrefix, type QuickReplyRaw } from '../desk/quick-replies'
import { scopeOf, type QuickReply } from '../desk/quick-replies-store'
import { clientIp } from '../http/client-ip'
import { badRequest, forbidden, HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { ClassificationFormPage, ClassificationsPage, type ClassificationFormValues } from '../../views/admin/classifications'
import { QuickRepliesPage, QuickReplyFormPage, QuickReplyPreview, type QuickReplyFormValues } from '../../views/admin/quick-replies'
import { CodeCheck, customerFormValues, CustomerFormPage, CustomersPage, CustomersRows, type CodeCheckResult, type CustomerFormValues, type CustomersListState } from '../../views/customers/customers'
import { CustomerTypesPage } from '../../views/customers/types'
import type { Problems } from '../../views/view'
import { parseCustomerCode } from './code'
import { CustomFieldInputs } from '../../views/customers/fields'
import { customerInputFromForm, customerValuesFromForm, fieldsOfTypeParam, storedFieldValues } from './form-fields'
import { customerContactsRoutes, customerRelations } from './contacts-routes'
import { customerFieldsRoutes } from './fields-routes'
import { exportCustomersCsv } from './export'
import { customerMergeRoutes } from './merge-routes'
import { customerImportRoutes } from './import-routes'
import { codeProblem, createCustomer, customerApiJson, customerSearchOf, customerTypeJson, saveCustomerType, updateCustomer, type CustomerInput } from './customers'
import type { Customer } from './store'

// ---- API schemas (they validate input and generate /api/v1/openapi.json) ------------------------

const DateTime = t.String({ format: 'date-time' })
const CodeType = t.Union([t.Literal('cpf'), t.Literal('cnpj')])

export const CustomerSchema = t.Object({
  id: t.Integer(),
  name: t.String(),
  code: t.Nullable(t.String({ description: 'CPF or CNPJ, normalised: no punctuation, upper case' })),
  code_type: t.Nullable(CodeType),
  type_id: t.Nullable(t.Integer()),
  email: t.Nullable(t.String()),
  phone: t.Nullable(t.String({ description: 'digits, with a leading + when given' })),
  notes: t.Nullable(t.String()),
  created_at: DateTime,
  updated_at: DateTime,
  fields: t.Optional(
    t.Record(t.String(), t.Union([t.String(), t.Number(), t.Null()]), {
      description: "Extension: the custom fields of the customer's type, `{ <key>: value }` — numbers as numbers, dates as YYYY-MM-DD, null when empty",
    }),
  ),
})

const customerFields = {
  code: t.Optional(
    t.Nullable(
      t.String({
        maxLength: 40,
        description: 'CPF (11 digits) or CNPJ (14 characters; the alphanumeric CNPJ too), punctuation allowed; check digits validated; null or "" clears it',
      }),
    ),
  ),
  type_id: t.Optional(t.Nullable(t.Integer({ minimum: 1, description: 'a customer type id' }))),
  email: t.Optional(t.Nullable(t.String({ maxLength: 254 }))),
  phone: t.Optional(t.Nullable(t.String({ maxLength: 40, description: 'with the area code; punctuation allowed' }))),
  notes: t.Optional(t.Nullable(t.String({ maxLength: 4000 }))),
  fields: t.Optional(
    t.Record(t.String({ maxLength: 40 }), t.Union([t.String({ maxLength: 1000 }), t.Number(), t.Null()]), {
      description:
        "Extension: custom fields of the customer's type (after this change), `{ <key>: value }`; the keys sent are checked (number, date YYYY-MM-DD, one of the options); null or \"\" clears; required fields must have a value when fields are sent, when creating with a type or changing the type. 400 names them `fields.<key>`.",
    }),
  ),
}

export const CustomerCreate = t.Object({ name: t.String({ minLength: 1, maxLength: 200 }), ...customerFields }, { additionalProperties: false })
export const CustomerPatch = t.Object({ name: t.Optional(t.String({ minLength: 1, maxLength: 200 })), ...customerFields }, { additionalProperties: false })

export const CustomerTypeSchema = t.Object({ id: t.Integer(), name: t.String(), created_at: DateTime })
export const CustomerTypeInput = t.Object({ name: t.String({ minLength: 1, maxLength: 80 }) }, { additionalProperties: false })

export const ClassificationSchema = t.Object({
  id: t.Integer(),
  name: t.String(),
  sector_id: t.Nullable(t.Integer({ description: 'null = every sector' })),
  active: t.Boolean(),
  created_at: DateTime,
  updated_at: DateTime,
})
export const ClassificationCreate = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 120 }),
    sector_id: t.Optional(t.Nullable(t.Integer({ minimum: 1, description: 'null or omitted = every sector' }))),
    active: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
)
export const ClassificationPatch = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 120 })),
    sector_id: t.Optional(t.Nullable(t.Integer({ minimum: 1 }))),
    active: t.Optional(t.Boolean({ description: 'false: no longer offered when closing (closed tickets keep it)' })),
  },
  { additionalProperties: false },
)

const Scope = t.Union([t.Literal('global'), t.Literal('sector'), t.Literal('personal')])
export const QuickReplySchema = t.Object({
  id: t.Integer(),
  shortcut: t.String({ description: 'typed as /shortcut in the composer' }),
  text: t.String({ description: 'may hold the variables {cliente}, {protocolo} and {atendente}' }),
  scope: Scope,
  sector_id: t.Nullable(t.Integer()),
  user_id: t.Nullable(t.Integer({ description: 'the owner of a personal reply' })),
  created_at: DateTime,
  updated_at: DateTime,
})
const quickReplyFields = {
  scope: t.Optional(
    t.Union([t.Literal('global'), t.Literal('sector'), t.Literal('personal')], {
      description: "personal (the caller's own; the default), sector (needs sector_id) or global; sector and global need the quick_replies.manage permission",
    }),
  ),
  sector_id: t.Optional(t.Nullable(t.Integer({ minimum: 1 }))),
}
export const QuickReplyCreate = t.Object(
  {
    shortcut: t.String({ minLength: 1, maxLength: 31, description: '^[a-z0-9_-]{1,30}$ (a leading / is dropped, upper case lowered)' }),
    text: t.String({ minLength: 1, maxLength: 4096 }),
    ...quickReplyFields,
  },
  { additionalProperties: false },
)
export const QuickReplyPatch = t.Object(
  {
    shortcut: t.Optional(t.String({ minLength: 1, maxLength: 31 })),
    text: t.Optional(t.String({ minLength: 1, maxLength: 4096 })),
    ...quickReplyFields,
  },
  { additionalProperties: false },
)

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }
const created = (body: unknown) => new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } })

// ---- helpers shared by the pages ---------------------------------------------------------------

const PAGE_SIZE = 25

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

/** Field problems of a validation (400) or a taken code/shortcut (409), for the form. */
const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && (e.status === 400 || e.status === 409) && e.details?.length ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

/** A form's id field: '' → null, digits → a number, anything else stays a string (and fails validation). */
const formId = (raw: string): number | string | null => {
  const s = raw.trim()
  if (!s) return null
  return /^\d{1,15}$/.test(s) ? Number(s) : s
}



function quickReplyRawFromForm(form: Form): QuickReplyRaw {
  const scope = form.get('scope') || 'personal'
  return { shortcut: form.get('shortcut'), text: form.get('text'), scope, sector_id: scope === 'sector' ? formId(form.get('sector_id')) : undefined }
}

const quickReplyValuesFromForm = (form: Form): QuickReplyFormValues => ({
  shortcut: form.get('shortcut'),
  text: form.get('text'),
  scope: form.get('scope') || 'personal',
  sector_id: form.get('sector_id'),
})

const quickReplyValues = (q: QuickReply | null): QuickReplyFormValues => ({
  shortcut: q?.shortcut ?? '',
  text: q?.text ?? '',
  scope: q ? scopeOf(q) : 'personal',
  sector_id: q?.sector_id ? String(q.sector_id) : '',
})

const classificationValues = (c: Classification | null): ClassificationFormValues => ({ name: c?.name ?? '', sector_id: c?.sector_id ? String(c.sector_id) : '' })

export function customersRoutes(ctx: Context) {
  return new Elysia().use(customersApi(ctx)).use(customersPages(ctx)).use(customerFieldsRoutes(ctx)).use(customerContactsRoutes(ctx)).use(customerMergeRoutes(ctx)).use(customerImportRoutes(ctx))
}

// ---- API --------------------------------------------------------------------------------------

function customersApi(ctx: Context) {
  const customerOr404 = (id: number) => {
    const c = ctx.stores.customers.get(id)
    if (!c) throw notFound()
    return c
  }
  /** A quick reply the caller may see (someone else's personal one is a 404, like one that does not exist). */
  const visibleQuickReply = (request: Request, id: number) => {
    const user = apiViewer(ctx, request).user
    const q = ctx.stores.quickReplies.get(id)
    if (!q || !canSeeQuickReply(user, q)) throw notFound()
    return { user, q }
  }
  /**
   * PATCH and DELETE: the per-reply rule (404 unseen, 403 not changeable) before the body is
   * validated, like the permission macro (transform runs before validation; params are raw here).
   */
  const mayChangeQuickReply = ({ request, params }: { request: Request; params: Record<string, string | undefined> }) => {
    if (!/^\d{1,15}$/.test(params.id ?? '')) throw notFound()
    const { user, q } = visibleQuickReply(request, Number(params.id))
    if (!canChangeQuickReply(user, q)) throw forbidden()
  }

  return (
    new Elysia({ prefix: '/api/v1' })
      .use(apiGuard(ctx))
      // ---- customers -------------------------------------------------------------------------
      .get(
        '/customers',
        ({ query }) => {
          const limit = query.limit ?? 50
          if (query.code !== undefined && query.code.trim() !== '') {
            const parsed = parseCustomerCode(query.code)
            if ('error' in parsed) throw badRequest('validation_failed', 'error.validation', [{ field: 'code', key: codeProblem(query.code) }])
            const c = ctx.stores.customers.byCode(parsed.code)
            return { data: c ? [customerApiJson(ctx, c)] : [], next_cursor: null }
          }
          const q = (query.q ?? '').trim()
          return page(ctx.stores.customers.list({ search: q ? customerSearchOf(q) : null, before: decodeCursor(query.cursor), limit: limit + 1 }), limit, (c) => customerApiJson(ctx, c))
        },
        {
          permission: 'customers.view',
          query: t.Object({
            ...ListQuery.properties,
            code: t.Optional(t.String({ maxLength: 40, description: 'CPF/CNPJ with or without punctuation: the exact customer (other filters ignored); 400 when it is not a valid code' })),
            q: t.Optional(t.String({ maxLength: 100, description: 'matches name or e-mail (contains), the code (prefix, with or without punctuation) or phone digits' })),
          }),
          response: { 200: list(CustomerSchema), ...errors },
          detail: { tags: ['customers'], summary: 'List or find customers, newest first' },
        },
      )
      .get('/customers/:id', ({ params }) => customerApiJson(ctx, customerOr404(Number(params.id))), {
        permission: 'customers.view',
        params: IdParams,
        response: { 200: CustomerSchema, ...errors },
        detail: { tags: ['customers'], summary: 'One customer' },
      })
      .post('/customers', ({ request, body }) => created(customerApiJson(ctx, createCustomer(ctx, apiViewer(ctx, request).user.id, body, clientIp(request)))), {
        permission: 'customers.manage',
        body: CustomerCreate,
        response: { 201: CustomerSchema, ...errors, 409: ErrorBody },
        detail: { tags: ['customers'], summary: 'Create a customer; 400 naming `code` when the CPF/CNPJ is invalid, 409 `customer_exists` when it is taken' },
      })
      .patch(
        '/customers/:id',
        ({ request, params, body }) => customerApiJson(ctx, updateCustomer(ctx, apiViewer(ctx, request).user.id, customerOr404(Number(params.id)), body, clientIp(request))),
        {
          permission: 'customers.manage',
          params: IdParams,
          body: CustomerPatch,
          response: { 200: CustomerSchema, ...errors, 409: ErrorBody },
          detail: { tags: ['customers'], summary: 'Change a customer (the fields given); the same errors as POST' },
        },
      )

      // ---- customer types --------------------------------------------------------------------
      .get(
        '/customer-types',
        ({ query }) => {
          const limit = query.limit ?? 50
          return page(ctx.stores.customers.types.page(decodeCursor(query.cursor), limit + 1), limit, customerTypeJson)
        },
        { permission: 'customers.view', query: ListQuery, response: { 200: list(CustomerTypeSchema), ...errors }, detail: { tags: ['customers'], summary: 'List customer types, newest first' } },
      )
      .post('/customer-types', ({ request, body }) => created(customerTypeJson(saveCustomerType(ctx, apiViewer(ctx, request).user.id, body, null, clientIp(request)))), {
        permission: 'customer_types.manage',
        body: CustomerTypeInput,
        response: { 201: CustomerTypeSchema, ...errors },
        detail: { tags: ['customers'], summary: 'Create a customer type (names are unique, ignoring case)' },
      })
      .patch(
        '/customer-types/:id',
        ({ request, params, body }) => {
          const existing = ctx.stores.customers.types.get(Number(params.id))
          if (!existing) throw notFound()
          return customerTypeJson(saveCustomerType(ctx, apiViewer(ctx, request).user.id, body, existing, clientIp(request)))
        },
        { permission: 'customer_types.manage', params: IdParams, body: CustomerTypeInput, response: { 200: CustomerTypeSchema, ...errors }, detail: { tags: ['customers'], summary: 'Rename a customer type' } },
      )

      // ---- classifications -------------------------------------------------------------------
      .get(
        '/classifications',
        ({ query }) => {
          const limit = query.limit ?? 50
          const active = query.active === undefined ? null : query.active === 'true'
          return page(ctx.stores.classifications.page({ before: decodeCursor(query.cursor), limit: limit + 1, sector: query.sector_id ?? null, active }), limit, classificationJson)
        },
        {
          permission: true,
          query: t.Object({
            ...ListQuery.properties,
            sector_id: t.Optional(t.Integer({ minimum: 1, description: 'only those that apply to this sector: its own and the global ones' })),
            active: t.Optional(t.Union([t.Literal('true'), t.Literal('false')])),
          }),
          response: { 200: list(ClassificationSchema), ...errors },
          detail: { tags: ['classifications'], summary: 'List classifications (tabulações), newest first' },
        },
      )
      .get(
        '/classifications/:id',
        ({ params }) => {
          const c = ctx.stores.classifications.get(Number(params.id))
          if (!c) throw notFound()
          return classificationJson(c)
        },
        { permission: true, params: IdParams, response: { 200: ClassificationSchema, ...errors }, detail: { tags: ['classifications'], summary: 'One classification' } },
      )
      .post('/classifications', ({ request, body }) => created(classificationJson(saveClassification(ctx, apiViewer(ctx, request).user.id, body, null, clientIp(request)))), {
        permission: 'classifications.manage',
        body: ClassificationCreate,
        response: { 201: ClassificationSchema, ...errors },
        detail: { tags: ['classifications'], summary: 'Create a classification for one sector or (sector_id null) every sector' },
      })
      .patch(
        '/classifications/:id',
        ({ request, params, body }) => {
          const existing = ctx.stores.classifications.get(Number(params.id))
          if (!existing) throw notFound()
          return classificationJson(saveClassification(ctx, apiViewer(ctx, request).user.id, body, existing, clientIp(request)))
        },
        {
          permission: 'classifications.manage',
          params: IdParams,
          body: ClassificationPatch,
          response: { 200: ClassificationSchema, ...errors },
          detail: { tags: ['classifications'], summary: 'Change a classification; `active: false` deactivates it' },
        },
      )

      // ---- quick replies ---------------------------------------------------------------------
      .get(
        '/quick-replies',
        ({ request, query }) => {
          const user = apiViewer(ctx, request).user
          const limit = query.limit ?? 50
          const prefix = shortcutPrefix(query.prefix ?? '')
          if (prefix === null) return { data: [], next_cursor: null }
          const rows = ctx.stores.quickReplies.visiblePage({
            userId: user.id,
            sectorIds: user.sector_ids,
            allSectors: can(user, 'quick_replies.manage'),
            prefix,
            before: decodeCursor(query.cursor),
            limit: limit + 1,
          })
          return page(rows, limit, quickReplyJson)
        },
        {
          permission: true,
          query: t.Object({ ...ListQuery.properties, prefix: t.Optional(t.String({ maxLength: 31, description: 'shortcut prefix, with or without the leading /' })) }),
          response: { 200: list(QuickReplySchema), ...errors },
          detail: {
            tags: ['quick replies'],
            summary: "Quick replies the caller sees, newest first: their personal ones, the global ones and their sectors' (every sector's with quick_replies.manage)",
          },
        },
      )
      .get('/quick-replies/:id', ({ request, params }) => quickReplyJson(visibleQuickReply(request, Number(params.id)).q), {
        permission: true,
        params: IdParams,
        response: { 200: QuickReplySchema, ...errors },
        detail: { tags: ['quick replies'], summary: 'One quick reply (404 for another user’s personal one)' },
      })
      .post(
        '/quick-replies',
        ({ request, body }) => created(quickReplyJson(saveQuickReply(ctx, apiViewer(ctx, request).user, body, null, clientIp(request)))),
        {
          permission: true,
          body: QuickReplyCreate,
          response: { 201: QuickReplySchema, ...errors, 409: ErrorBody },
          detail: { tags: ['quick replies'], summary: 'Create a quick reply; 409 `quick_reply_exists` when the shortcut is taken in the same scope' },
        },
      )
      .patch(
        '/quick-replies/:id',
        ({ request, params, body }) => {
          const { user, q } = visibleQuickReply(request, Number(params.id))
          return quickReplyJson(saveQuickReply(ctx, user, body, q, clientIp(request)))
        },
        {
          permission: true,
          parse: mayChangeQuickReply,
          transform: mayChangeQuickReply,
          params: IdParams,
          body: QuickReplyPatch,
          response: { 200: QuickReplySchema, ...errors, 409: ErrorBody },
          detail: { tags: ['quick replies'], summary: 'Change a quick reply (own personal ones; sector and global ones with quick_replies.manage)' },
        },
      )
      .delete(
        '/quick-replies/:id',
        ({ request, params }) => {
          const { user, q } = visibleQuickReply(request, Number(params.id))
          deleteQuickReply(ctx, user, q, clientIp(request))
          return new Response(null, { status: 204 })
        },
        { permission: true, transform: mayChangeQuickReply, params: IdParams, detail: { tags: ['quick replies'], summary: 'Delete a quick reply (the same rule as PATCH); 204' } },
      )
  )
}

// ---- pages ------------------------------------------------------------------------------------

function customersPages(ctx: Context) {
  const listState = (request: Request): CustomersListState => {
    const url = new URL(request.url)
    const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100)
    const beforeRaw = url.searchParams.get('before') ?? ''
    const before = /^\d{1,15}$/.test(beforeRaw) ? Number(beforeRaw) : null
    const rows = ctx.stores.customers.list({ search: q ? customerSearchOf(q) : null, before: before ?? Number.MAX_SAFE_INTEGER, limit: PAGE_SIZE + 1 })
    const customers = rows.slice(0, PAGE_SIZE)
    return {
      q,
      customers,
      types: new Map(ctx.stores.customers.types.list().map((t) => [t.id, t.name])),
      next: rows.length > PAGE_SIZE ? customers[customers.length - 1].id : null,
      paged: before !== null,
    }
  }
  const renderCustomerForm = (request: Request, viewer: ReturnType<typeof pageViewer>, customer: Customer | null, values: CustomerFormValues, problems: Problems, status = 200) => {
    const v = buildView(ctx, request, viewer)
    return html(
      <CustomerFormPage
        v={v}
        customer={customer}
        values={values}
        problems={problems}
        types={ctx.stores.customers.types.list()}
        customFields={fieldsOfTypeParam(ctx, values.type_id)}
        flash={status === 200 ? flashKey(request, ['customers.created', 'customers.saved', 'customer_contacts.linked', 'customer_contacts.unlinked', 'customer_merge.done'] as const) : null}
        after={customer ? customerRelations(ctx, request, v, customer) : ''}
      />,
      status,
    )
  }
  const customerOr404 = (raw: string) => {
    const c = ctx.stores.customers.get(idParam(raw))
    if (!c) throw notFound()
    return c
  }

  const renderTypes = (request: Request, viewer: ReturnType<typeof pageViewer>, o: { name?: string; problems?: Problems; editing?: number | null; status?: number } = {}) =>
    html(
      <CustomerTypesPage
        v={buildView(ctx, request, viewer)}
        types={ctx.stores.customers.types.list()}
        uses={ctx.stores.customers.types.uses()}
        fieldCounts={ctx.stores.customers.fields.all().reduce((m, f) => m.set(f.type_id, (m.get(f.type_id) ?? 0) + 1), new Map<number, number>())}
        name={o.name ?? ''}
        problems={o.problems ?? {}}
        editing={o.editing ?? null}
        flash={o.status ? null : flashKey(request, ['customer_types.created', 'customer_types.saved'] as const)}
      />,
      o.status ?? 200,
    )

  const renderClassifications = (request: Request, viewer: ReturnType<typeof pageViewer>, values: ClassificationFormValues, problems: Problems, status = 200) => {
    const filter = new URL(request.url).searchParams.get('sector') ?? 'all'
    return html(
      <ClassificationsPage
        v={buildView(ctx, request, viewer)}
        classifications={ctx.stores.classifications.list()}
        sectors={ctx.stores.sectors.list()}
        filter={/^(all|global|\d{1,15})$/.test(filter) ? filter : 'all'}
        values={values}
        problems={problems}
        flash={status === 200 ? flashKey(request, ['classifications.created', 'classifications.saved'] as const) : null}
      />,
      status,
    )
  }
  const classificationOr404 = (raw: string) => {
    const c = ctx.stores.classifications.get(idParam(raw))
    if (!c) throw notFound()
    return c
  }

  const renderQuickReplyForm = (request: Request, viewer: ReturnType<typeof pageViewer>, reply: QuickReply | null, values: QuickReplyFormValues, problems: Problems, status = 200) =>
    html(<QuickReplyFormPage v={buildView(ctx, request, viewer)} reply={reply} values={values} problems={problems} sectors={ctx.stores.sectors.list()} />, status)
  /** A reply the viewer may change: 404 when they may not even see it, 403 when they may only see it. */
  const changeableQuickReply = (viewer: ReturnType<typeof pageViewer>, raw: string) => {
    const q = ctx.stores.quickReplies.get(idParam(raw))
    if (!q || !canSeeQuickReply(viewer.user, q)) throw notFound()
    if (!canChangeQuickReply(viewer.user, q)) throw forbidden()
    return q
  }

  return (
    new Elysia()
      // ---- customers -------------------------------------------------------------------------
      .get('/customers', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'customers.view')
        const flash = flashKey(request, ['customers.created', 'customers.saved'] as const)
        return html(<CustomersPage v={buildView(ctx, request, viewer)} state={listState(request)} flash={flash} />)
      })
      .get('/customers/rows', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'customers.view')
        return html(<CustomersRows v={buildView(ctx, request, viewer)} state={listState(request)} />)
      })
      .get('/customers/new', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'customers.manage')
        return renderCustomerForm(request, viewer, null, customerFormValues(null), {})
      })
      .post('/customers', async ({ request }) => {
        const viewer = pageViewer(ctx, request, 'customers.manage')
        const form = await readCheckedForm(request, viewer)
        let customer: Customer
        try {
          customer = createCustomer(ctx, viewer.user.id, customerInputFromForm(ctx, form), clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          return renderCustomerForm(request, viewer, null, customerValuesFromForm(form), problems, 422)
        }
        return redirect(`/customers/${customer.id}?ok=customers.created`)
      })
      /** The code input's live check (a fragment): valid, invalid (why), or already someone else's. */
      .post('/customers/code-check', async ({ request }) => {
        const viewer = pageViewer(ctx, request, 'customers.manage')
        const form = await readCheckedForm(request, viewer)
        const raw = form.get('code')
        const self = Number(form.get('customer_id')) || null
        let result: CodeCheckResult = null
        if (raw.trim()) {
          const parsed = parseCustomerCode(raw)
          if ('error' in parsed) result = { kind: 'invalid', key: codeProblem(raw) }
          else {
            const other = ctx.stores.customers.byCode(parsed.code)
            result = other && other.id !== self ? { kind: 'taken', customer: other } : { kind: 'ok', code: parsed.code, type: parsed.type }
          }
        }
        const target = (request.headers.get('hx-target') ?? '').replace(/^[a-z]*#/, '')
        const id = /^[A-Za-z][\w-]{0,60}$/.test(target) ? target : 'code-check'
        return html(<CodeCheck v={buildView(ctx, request, viewer)} id={id} result={result} />)
      })
      /** CSV of the customers the search box holds (streamed; customers.view + customers.export; audited). */
      .get('/customers/export.csv', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'customers.export')
        if (!can(viewer.user, 'customers.view')) throw forbidden()
        const q = (new URL(request.url).searchParams.get('q') ?? '').trim().slice(0, 100)
        return exportCustomersCsv(ctx, viewer.user, q, clientIp(request))
      })
      /** The type select's answer: the chosen type's custom-field inputs, empty (a fragment). */
      .get('/customers/field-inputs', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        if (!can(viewer.user, 'customers.create') && !can(viewer.user, 'customers.edit')) throw forbidden()
        const url = new URL(request.url)
        const rawPrefix = url.searchParams.get('prefix') ?? ''
        const prefix = /^[A-Za-z][\w-]{0,30}$/.test(rawPrefix) ? rawPrefix : ''
        return html(<CustomFieldInputs v={buildView(ctx, request, viewer)} fields={fieldsOfTypeParam(ctx, url.searchParams.get('type_id') ?? '')} values={{}} problems={{}} prefix={prefix} />)
      })
      .get('/customers/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.view')
        const customer = customerOr404(params.id)
        return renderCustomerForm(request, viewer, customer, customerFormValues(customer, storedFieldValues(ctx, customer)), {})
      })
      .post('/customers/:id', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.manage')
        const form = await readCheckedForm(request, viewer)
        const customer = customerOr404(params.id)
        try {
          updateCustomer(ctx, viewer.user.id, customer, customerInputFromForm(ctx, form), clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          return renderCustomerForm(request, viewer, customer, customerValuesFromForm(form), problems, 422)
        }
        return redirect(`/customers/${customer.id}?ok=customers.saved`)
      })

      // ---- customer types --------------------------------------------------------------------
      .get('/admin/customer-types', ({ request }) => renderTypes(request, pageViewer(ctx, request, 'customer_types.manage')))
      .post('/admin/customer-types/:id?', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customer_types.manage')
        const form = await readCheckedForm(request, viewer)
        const existing = params.id ? ctx.stores.customers.types.get(idParam(params.id)) : null
        if (params.id && !existing) throw notFound()
        try {
          saveCustomerType(ctx, viewer.user.id, { name: form.get('name') }, existing, clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          return renderTypes(request, viewer, { name: form.get('name'), problems, editing: existing?.id ?? null, status: 422 })
        }
        return redirect(`/admin/customer-types?ok=${existing ? 'customer_types.saved' : 'customer_types.created'}`)
      })

      // ---- classifications -------------------------------------------------------------------
      .get('/admin/classifications', ({ request }) => renderClassifications(request, pageViewer(ctx, request, 'classifications.manage'), classificationValues(null), {}))
      .get('/admin/classifications/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'classifications.manage')
        const c = classificationOr404(params.id)
        return html(<ClassificationFormPage v={buildView(ctx, request, viewer)} classification={c} values={classificationValues(c)} problems={{}} sectors={ctx.stores.sectors.list()} />)
      })
      .post('/admin/classifications/:id?', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'classifications.manage')
        const form = await readCheckedForm(request, viewer)
        const existing = params.id ? classificationOr404(params.id) : null
        const raw = { name: form.get('name'), sector_id: formId(form.get('sector_id')) }
        try {
          saveClassification(ctx, viewer.user.id, raw, existing, clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          const values = { name: form.get('name'), sector_id: form.get('sector_id') }
          if (!existing) return renderClassifications(request, viewer, values, problems, 422)
          return html(<ClassificationFormPage v={buildView(ctx, request, viewer)} classification={existing} values={values} problems={problems} sectors={ctx.stores.sectors.list()} />, 422)
        }
        return redirect(`/admin/classifications?ok=${existing ? 'classifications.saved' : 'classifications.created'}`)
      })
      .post('/admin/classifications/:id/:action', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'classifications.manage')
        await readCheckedForm(request, viewer)
        if (params.action !== 'activate' && params.action !== 'deactivate') throw notFound()
        const existing = classificationOr404(params.id)
        saveClassification(ctx, viewer.user.id, { active: params.action === 'activate' }, existing, clientIp(request))
        return redirect('/admin/classifications?ok=classifications.saved')
      })

      // ---- quick replies (everyone: their personal ones; sector and global with quick_replies.manage) ----
      .get('/admin/quick-replies', ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const flash = flashKey(request, ['quick_replies.created', 'quick_replies.saved', 'quick_replies.deleted'] as const)
        return html(
          <QuickRepliesPage
            v={buildView(ctx, request, viewer)}
            replies={quickRepliesManagedBy(ctx, viewer.user)}
            sectors={ctx.stores.sectors.list()}
            canChange={(q) => canChangeQuickReply(viewer.user, q)}
            flash={flash}
          />,
        )
      })
      .get('/admin/quick-replies/new', ({ request }) => renderQuickReplyForm(request, pageViewer(ctx, request), null, quickReplyValues(null), {}))
      .post('/admin/quick-replies/preview', async ({ request }) => {
        const viewer = pageViewer(ctx, request)
        const form = await readCheckedForm(request, viewer)
        return html(<QuickReplyPreview v={buildView(ctx, request, viewer)} text={form.get('text').slice(0, 8192)} />)
      })
      .get('/admin/quick-replies/:id', ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const q = changeableQuickReply(viewer, params.id)
        return renderQuickReplyForm(request, viewer, q, quickReplyValues(q), {})
      })
      .post('/admin/quick-replies/:id?', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        const form = await readCheckedForm(request, viewer)
        const existing = params.id ? changeableQuickReply(viewer, params.id) : null
        try {
          saveQuickReply(ctx, viewer.user, quickReplyRawFromForm(form), existing, clientIp(request))
        } catch (e) {
          const problems = problemsOf(e)
          if (!problems) throw e
          return renderQuickReplyForm(request, viewer, existing, quickReplyValuesFromForm(form), problems, 422)
        }
        return redirect(`/admin/quick-replies?ok=${existing ? 'quick_replies.saved' : 'quick_replies.created'}`)
      })
      .post('/admin/quick-replies/:id/delete', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request)
        await readCheckedForm(request, viewer)
        const q = changeableQuickReply(viewer, params.id)
        deleteQuickReply(ctx, viewer.user, q, clientIp(request))
        return redirect('/admin/quick-replies?ok=quick_replies.deleted')
      })
  )
}
