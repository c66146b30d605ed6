// Merging customers: the page (`/customers/:id/merge`: search the duplicate, preview, confirm) and
// `POST /api/v1/customers/:id/merge { from_id }` (an extension). Both need customers.edit and
// customers.delete (the duplicate is deleted).
import { Elysia, t } from 'elysia'
import { can } from '../admin/permissions'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import { IdParams } from '../api/schemas'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { forbidden, notFound } from '../http/errors'
import { buildView, html, pageViewer, readCheckedForm, redirect } from '../http/pages'
import { MergePage } from '../../views/customers/merge'
import { customerApiJson, searchCustomers } from './customers'
import { mergeCustomers, mergePlan } from './merge'
import { CustomerSchema } from './routes'

const idOf = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

export function customerMergeRoutes(ctx: Context) {
  const customerOr404 = (id: number) => {
    const c = ctx.stores.customers.get(id)
    if (!c) throw notFound()
    return c
  }
  const mayMerge = (request: Request) => {
    const viewer = pageViewer(ctx, request, 'customers.edit')
    if (!can(viewer.user, 'customers.delete')) throw forbidden()
    return viewer
  }
  const api = new Elysia({ prefix: '/api/v1' }).use(apiGuard(ctx)).post(
    '/customers/:id/merge',
    ({ request, params, body }) => {
      const viewer = apiViewer(ctx, request)
      if (!can(viewer.user, 'customers.delete')) throw forbidden()
      const keep = customerOr404(Number(params.id))
      return customerApiJson(ctx, mergeCustomers(ctx, viewer.user.id, keep.id, body.from_id, clientIp(request)))
    },
    {
      permission: 'customers.edit',
      params: IdParams,
      body: t.Object({ from_id: t.Integer({ minimum: 1, description: 'the duplicate: merged into :id, then deleted' }) }, { additionalProperties: false }),
      response: { 200: CustomerSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      detail: {
        tags: ['customers'],
        summary: 'Extension: merge a duplicate customer into this one',
        description:
          "One transaction: the duplicate's tickets, contacts and web-chat sessions move to :id (a `ticket.updated` event each); code, e-mail, phone, type and custom-field values that :id lacks are copied; its notes are appended; the duplicate is deleted. Needs customers.edit and customers.delete. 400 when from_id is :id or does not exist; 409 `customer_anonymized`.",
      },
    },
  )

  return new Elysia()
    .use(api)
    .get('/customers/:id/merge', ({ request, params }) => {
      const viewer = mayMerge(request)
      const keep = customerOr404(idOf(params.id))
      const url = new URL(request.url)
      const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100)
      const fromRaw = url.searchParams.get('from') ?? ''
      const from = /^\d{1,15}$/.test(fromRaw) ? ctx.stores.customers.get(Number(fromRaw)) : null
      const types = new Map(ctx.stores.customers.types.list().map((x) => [x.id, x.name]))
      return html(
        <MergePage
          v={buildView(ctx, request, viewer)}
          keep={keep}
          q={q}
          results={q ? searchCustomers(ctx, q, 10).filter((c) => c.id !== keep.id && c.anonymized_at === null) : []}
          plan={from ? mergePlan(ctx, keep, from) : null}
          typeName={(id) => (id === null ? null : (types.get(id) ?? null))}
        />,
      )
    })
    .post('/customers/:id/merge', async ({ request, params }) => {
      const viewer = mayMerge(request)
      const form = await readCheckedForm(request, viewer)
      const keep = customerOr404(idOf(params.id))
      const raw = form.get('from_id').trim()
      mergeCustomers(ctx, viewer.user.id, keep.id, /^\d{1,15}$/.test(raw) ? Number(raw) : 0, clientIp(request))
      return redirect(`/customers/${keep.id}?ok=customer_merge.done`)
    })
}
