// A customer type's custom fields: the admin page (`/admin/customer-types/:id`: add, change, order,
// delete) and `GET /api/v1/customer-types/:id/fields` (an extension: what `fields` a customer of
// this type takes).
import { Elysia, t } from 'elysia'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import { IdParams } from '../api/schemas'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { CustomerTypeFieldsPage, type FieldFormState } from '../../views/customers/fields'
import type { Problems } from '../../views/view'
import { customFieldJson, deleteCustomField, saveCustomField, type FieldInput } from './fields'
import type { CustomerType } from './store'

export const CustomFieldSchema = t.Object({
  id: t.Integer(),
  key: t.String({ description: 'the name in a Customer’s `fields` and the CSV column' }),
  label: t.String(),
  kind: t.Union([t.Literal('text'), t.Literal('number'), t.Literal('date'), t.Literal('choice')]),
  options: t.Array(t.String(), { description: 'the allowed values of a choice' }),
  required: t.Boolean(),
  position: t.Integer(),
})

const idOf = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

const inputOf = (form: Form): FieldInput => ({
  key: form.get('key'),
  label: form.get('label'),
  kind: form.get('kind'),
  options: form.get('options'),
  required: form.get('required'),
  position: form.get('position'),
})

export function customerFieldsRoutes(ctx: Context) {
  const typeOr404 = (raw: string) => {
    const type = ctx.stores.customers.types.get(idOf(raw))
    if (!type) throw notFound()
    return type
  }
  const fieldOr404 = (type: CustomerType, raw: string) => {
    const f = ctx.stores.customers.fields.get(idOf(raw))
    if (!f || f.type_id !== type.id) throw notFound()
    return f
  }
  const render = (request: Request, viewer: ReturnType<typeof pageViewer>, type: CustomerType, failed: FieldFormState | null = null) => {
    const fields = ctx.stores.customers.fields.ofType(type.id)
    return html(
      <CustomerTypeFieldsPage
        v={buildView(ctx, request, viewer)}
        type={type}
        fields={fields}
        usedBy={new Map(fields.map((f) => [f.id, ctx.stores.customers.fields.usedBy(f.id)]))}
        failed={failed}
        flash={failed ? null : flashKey(request, ['customer_fields.created', 'customer_fields.saved', 'customer_fields.deleted'] as const)}
      />,
      failed ? 422 : 200,
    )
  }
  const problemsOf = (e: unknown): Problems | null =>
    e instanceof HttpError && e.status === 400 && e.details?.length ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null
  const draftOf = (form: Form) => ({ key: form.get('key'), label: form.get('label'), kind: form.get('kind'), options: form.get('options'), required: form.get('required') === '1', position: form.get('position') })

  const api = new Elysia({ prefix: '/api/v1' }).use(apiGuard(ctx)).get(
    '/customer-types/:id/fields',
    ({ request, params }) => {
      apiViewer(ctx, request)
      return { data: ctx.stores.customers.fields.ofType(typeOr404(params.id).id).map(customFieldJson), next_cursor: null }
    },
    {
      permission: 'customers.view',
      params: IdParams,
      response: { 200: t.Object({ data: t.Array(CustomFieldSchema), next_cursor: t.Null() }), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      detail: { tags: ['customers'], summary: "Extension: a customer type's custom fields, in their order" },
    },
  )

  return new Elysia()
    .use(api)
    .get('/admin/customer-types/:id', ({ request, params }) => render(request, pageViewer(ctx, request, 'customer_types.manage'), typeOr404(params.id)))
    .post('/admin/customer-types/:id/fields', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customer_types.manage')
      const form = await readCheckedForm(request, viewer)
      const type = typeOr404(params.id)
      try {
        saveCustomField(ctx, viewer.user.id, type, inputOf(form), null, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return render(request, viewer, type, { fieldId: null, draft: draftOf(form), problems })
      }
      return redirect(`/admin/customer-types/${type.id}?ok=customer_fields.created`)
    })
    .post('/admin/customer-types/:id/fields/:field', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customer_types.manage')
      const form = await readCheckedForm(request, viewer)
      const type = typeOr404(params.id)
      const field = fieldOr404(type, params.field)
      try {
        saveCustomField(ctx, viewer.user.id, type, inputOf(form), field, clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return render(request, viewer, type, { fieldId: field.id, draft: { ...draftOf(form), key: field.key, kind: field.kind }, problems })
      }
      return redirect(`/admin/customer-types/${type.id}?ok=customer_fields.saved#field-${field.id}`)
    })
    .post('/admin/customer-types/:id/fields/:field/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customer_types.manage')
      await readCheckedForm(request, viewer)
      const type = typeOr404(params.id)
      deleteCustomField(ctx, viewer.user.id, fieldOr404(type, params.field), clientIp(request))
      return redirect(`/admin/customer-types/${type.id}?ok=customer_fields.deleted`)
    })
}
