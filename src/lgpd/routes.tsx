// LGPD requests on a customer: the page (/customers/:id/privacy) with export (zip download) and
// anonymise, and the API (GET /api/v1/customers/:id/export, POST /api/v1/customers/:id/anonymize).
import { Elysia, t } from 'elysia'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import { IdParams } from '../api/schemas'
import type { Context } from '../context'
import { CustomerSchema } from '../customers/routes'
import { customerJson } from '../customers/customers'
import { clientIp } from '../http/client-ip'
import { HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect } from '../http/pages'
import { PrivacyPage } from '../../views/lgpd/privacy'
import { anonymizeCustomer, customerExport, exportCustomer, exportFileName, exportZip } from './lgpd'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }

const zipResponse = (body: ReadableStream<Uint8Array>, name: string) =>
  new Response(body, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  })

export function lgpdRoutes(ctx: Context) {
  // Privacy by design: content SQLite frees (an updated contact name, a replaced row) is zeroed, so
  // old personal data does not linger in free space of the database file after anonymising.
  ctx.db.exec('PRAGMA secure_delete = ON')
  const customerOr404 = (raw: string) => {
    if (!/^\d{1,15}$/.test(raw)) throw notFound()
    const c = ctx.stores.customers.get(Number(raw))
    if (!c) throw notFound()
    return c
  }

  const renderPage = (request: Request, viewer: ReturnType<typeof pageViewer>, id: string, status = 200, error: string | null = null) => {
    const customer = customerOr404(id)
    const { counts, json } = customerExport(ctx, customer)
    const open = (json.tickets as { status: string }[]).filter((x) => x.status !== 'closed').length
    return html(<PrivacyPage v={buildView(ctx, request, viewer)} customer={customer} counts={counts} openTickets={open} flash={flashKey(request, ['lgpd.anonymized'] as const)} error={error} />, status)
  }

  const pages = new Elysia()
    .get('/customers/:id/privacy', ({ request, params }) => {
      const viewer = pageViewer(ctx, request)
      const v = buildView(ctx, request, viewer)
      if (!v.can('customers.export') && !v.can('customers.delete')) throw new HttpError(403, 'forbidden', 'error.forbidden')
      return renderPage(request, viewer, params.id)
    })
    .post('/customers/:id/export', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customers.export')
      await readCheckedForm(request, viewer)
      const customer = customerOr404(params.id)
      return zipResponse(exportZip(exportCustomer(ctx, viewer.user, customer, 'zip', clientIp(request))), exportFileName(customer, 'zip'))
    })
    .post('/customers/:id/anonymize', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customers.delete')
      await readCheckedForm(request, viewer)
      const customer = customerOr404(params.id)
      try {
        anonymizeCustomer(ctx, viewer.user, customer, clientIp(request))
      } catch (e) {
        if (e instanceof HttpError && e.status === 409) return renderPage(request, viewer, params.id, 409, buildView(ctx, request, viewer).t(e.key, e.vars))
        throw e
      }
      return redirect(`/customers/${customer.id}/privacy?ok=lgpd.anonymized`)
    })

  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get(
      '/customers/:id/export',
      ({ request, params, query }) => {
        const viewer = apiViewer(ctx, request)
        const customer = customerOr404(params.id)
        const format = query.format === 'zip' ? 'zip' : 'json'
        const out = exportCustomer(ctx, viewer.user, customer, format, clientIp(request))
        if (format === 'zip') return zipResponse(exportZip(out), exportFileName(customer, 'zip'))
        return new Response(JSON.stringify(out.json), {
          headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${exportFileName(customer, 'json')}"`, 'cache-control': 'no-store' },
        })
      },
      {
        permission: 'customers.export',
        params: IdParams,
        query: t.Object({ format: t.Optional(t.Union([t.Literal('json'), t.Literal('zip')], { description: 'json (default) or zip: customer.json plus the media files' })) }),
        response: { 200: t.Object({}, { additionalProperties: true, description: '{ format, exported_at, customer, contacts, tickets: [{ ..., messages: [...] }] } (or application/zip)' }), ...errors },
        detail: { tags: ['customers'], summary: 'LGPD: everything about the customer (customer, contacts, tickets, messages); audited' },
      },
    )
    .post(
      '/customers/:id/anonymize',
      ({ request, params }) => {
        const viewer = apiViewer(ctx, request)
        const customer = customerOr404(params.id)
        return customerJson(anonymizeCustomer(ctx, viewer.user, customer, clientIp(request)))
      },
      {
        permission: 'customers.delete',
        params: IdParams,
        response: { 200: CustomerSchema, ...errors },
        detail: {
          tags: ['customers'],
          summary: 'LGPD: anonymise the customer, their contacts, messages and media (statistics kept); 409 while a ticket is open or when already done; audited',
        },
      },
    )

  return new Elysia().use(pages).use(api)
}
