// A customer's contacts and tickets: the API (`GET|POST /api/v1/customers/:id/contacts`,
// `DELETE /api/v1/customers/:id/contacts/:contact_id` — extensions of api.md) and the customer
// page's part (the lists, link / unlink, the contact search).
import { Elysia, t } from 'elysia'
import { can } from '../admin/permissions'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import { IdParams } from '../api/schemas'
import type { Context } from '../context'
import { canSeeTicket } from '../desk/visibility'
import { clientIp } from '../http/client-ip'
import { notFound } from '../http/errors'
import { buildView, html, isHtmx, pageViewer, readCheckedForm, redirect } from '../http/pages'
import { ContactResults, CustomerRelations } from '../../views/customers/contacts'
import type { View } from '../../views/view'
import { contactJson, linkContact, unlinkContact } from './contacts'
import type { Customer } from './store'

const TICKETS_PAGE = 20
const SEARCH_LIMIT = 10

const DateTime = t.String({ format: 'date-time' })
export const ContactSchema = t.Object({
  id: t.Integer(),
  channel_id: t.Integer(),
  channel_type: t.String({ description: 'whatsapp | webchat | email' }),
  identity: t.String({ description: "the channel's key: WhatsApp wa_id, e-mail address or web-chat visitor id" }),
  name: t.Nullable(t.String()),
  wa_id: t.Optional(t.String()),
  email: t.Optional(t.String()),
  phone: t.Nullable(t.String()),
  customer_id: t.Nullable(t.Integer()),
  last_ticket_at: t.Nullable(DateTime),
  created_at: DateTime,
})
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }
const idOf = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

/** The customer page's lists below the form (contacts, tickets the viewer may see, actions). */
export function customerRelations(ctx: Context, request: Request, v: View, customer: Customer) {
  const url = new URL(request.url)
  const user = v.user!
  const beforeRaw = url.searchParams.get('tickets_before') ?? ''
  const before = /^\d{1,15}$/.test(beforeRaw) ? Number(beforeRaw) : Number.MAX_SAFE_INTEGER
  const rows = ctx.stores.customers.contacts.tickets(customer.id, before, TICKETS_PAGE + 1)
  const shown = rows.slice(0, TICKETS_PAGE)
  const q = (url.searchParams.get('contact_q') ?? '').trim().slice(0, 100)
  return (
    <CustomerRelations
      v={v}
      d={{
        customer,
        contacts: ctx.stores.customers.contacts.ofCustomer(customer.id),
        // Confidential tickets and other sectors' stay hidden, as in the ticket lists.
        tickets: shown.filter((x) => canSeeTicket(user, x)),
        ticketsNext: rows.length > TICKETS_PAGE ? shown[shown.length - 1].id : null,
        canEdit: can(user, 'customers.edit'),
        canMerge: can(user, 'customers.edit') && can(user, 'customers.delete'),
        canPrivacy: can(user, 'customers.export') || can(user, 'customers.delete'),
        search: q ? { q, contacts: ctx.stores.customers.contacts.search(q, SEARCH_LIMIT) } : null,
      }}
    />
  )
}

export function customerContactsRoutes(ctx: Context) {
  const customerOr404 = (id: number) => {
    const c = ctx.stores.customers.get(id)
    if (!c) throw notFound()
    return c
  }
  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get('/customers/:id/contacts', ({ params }) => ({ data: ctx.stores.customers.contacts.ofCustomer(customerOr404(Number(params.id)).id).map(contactJson), next_cursor: null }), {
      permission: 'customers.view',
      params: IdParams,
      response: { 200: t.Object({ data: t.Array(ContactSchema), next_cursor: t.Null() }), ...errors },
      detail: { tags: ['customers'], summary: "Extension: the customer's contacts (WhatsApp numbers, e-mail addresses, web-chat visitors), oldest first" },
    })
    .post(
      '/customers/:id/contacts',
      ({ request, params, body }) => {
        const { contact, linked } = linkContact(ctx, apiViewer(ctx, request).user.id, customerOr404(Number(params.id)), body.contact_id, clientIp(request))
        return new Response(JSON.stringify(contactJson(contact)), { status: linked ? 201 : 200, headers: { 'content-type': 'application/json' } })
      },
      {
        permission: 'customers.edit',
        params: IdParams,
        body: t.Object({ contact_id: t.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: { 200: ContactSchema, 201: ContactSchema, ...errors, 409: ErrorBody },
        detail: {
          tags: ['customers'],
          summary: 'Extension: link a contact to the customer',
          description:
            "201 with the contact; 200 when it was already this customer's. Its next ticket starts with this customer. 404 unknown contact; 409 `contact_linked` when another customer has it (unlink it there first); 409 `customer_anonymized`.",
        },
      },
    )
    .delete(
      '/customers/:id/contacts/:contact_id',
      ({ request, params }) => {
        unlinkContact(ctx, apiViewer(ctx, request).user.id, customerOr404(Number(params.id)), Number(params.contact_id), clientIp(request))
        return new Response(null, { status: 204 })
      },
      {
        permission: 'customers.edit',
        params: t.Object({ id: t.String({ pattern: '^[0-9]{1,15}$' }), contact_id: t.String({ pattern: '^[0-9]{1,15}$' }) }),
        detail: { tags: ['customers'], summary: 'Extension: unlink a contact from the customer; 204, 404 when it is not linked to it' },
      },
    )

  return (
    new Elysia()
      .use(api)
      // ---- pages ------------------------------------------------------------------------------
      .get('/customers/:id/contacts/search', ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.edit')
        const customer = customerOr404(idOf(params.id))
        const q = (new URL(request.url).searchParams.get('q') ?? '').trim().slice(0, 100)
        // Without JavaScript the form lands here: back to the page, with the results in it.
        if (!isHtmx(request)) return redirect(`/customers/${customer.id}?contact_q=${encodeURIComponent(q)}#customer-contacts`)
        return html(<ContactResults v={buildView(ctx, request, viewer)} customer={customer} q={q} contacts={q ? ctx.stores.customers.contacts.search(q, SEARCH_LIMIT) : []} />)
      })
      .post('/customers/:id/contacts', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.edit')
        const form = await readCheckedForm(request, viewer)
        const customer = customerOr404(idOf(params.id))
        const raw = form.get('contact_id').trim()
        linkContact(ctx, viewer.user.id, customer, /^\d{1,15}$/.test(raw) ? Number(raw) : 0, clientIp(request))
        return redirect(`/customers/${customer.id}?ok=customer_contacts.linked#customer-contacts`)
      })
      .post('/customers/:id/contacts/:contact_id/unlink', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'customers.edit')
        await readCheckedForm(request, viewer)
        const customer = customerOr404(idOf(params.id))
        unlinkContact(ctx, viewer.user.id, customer, idOf(params.contact_id), clientIp(request))
        return redirect(`/customers/${customer.id}?ok=customer_contacts.unlinked#customer-contacts`)
      })
  )
}
