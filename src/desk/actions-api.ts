// REST API v1: ticket actions (api.md "Tickets") — accept, decline (extension), transfer, close,
// PATCH (the protocol form), and the ticket's history (extension). Any token may call them; then
// per ticket: a ticket the caller cannot see answers 404 (its offered agent sees it), an action the
// caller may not take on it 403 `not_assignee`, a state that does not allow it 409 with a code
// (`not_offered`, `ticket_closed`, `already_assigned`, `limit_reached`, …), bad input 400.
import { Elysia, t } from 'elysia'
import type { User } from '../admin/users-store'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import type { Context } from '../context'
import { notFound } from '../http/errors'
import { acceptTicket, canActOnSight, closeTicket, declineOffer, MAX_NOTE_LENGTH, MAX_NOTES_LENGTH, transferTicket, updateTicket } from './actions'
import { TicketSchema } from './api'
import { ticketJson } from './json'
import type { Ticket } from './tickets-store'

const DateTime = t.String({ format: 'date-time' })
const Id = t.Integer({ minimum: 1 })

export const TicketDetailSchema = t.Object({
  ...TicketSchema.properties,
  notes: t.Nullable(t.String({ description: 'The protocol form’s free notes (internal)' })),
  close_note: t.Nullable(t.String({ description: 'The note given when the ticket was closed' })),
})

const HistorySchema = t.Object({
  id: t.Integer(),
  at: DateTime,
  action: t.String({ description: 'queued | offered | offer_declined | offer_expired | offer_cancelled | assigned | transferred | closed | reopened | updated' }),
  actor_id: t.Nullable(t.Integer({ description: 'Who did it; null = the system (routing, expiry, the customer writing again)' })),
  from_user_id: t.Nullable(t.Integer()),
  to_user_id: t.Nullable(t.Integer()),
  from_sector_id: t.Nullable(t.Integer()),
  to_sector_id: t.Nullable(t.Integer()),
  note: t.Nullable(t.String()),
})

const TicketParams = t.Object({ ticket: t.String({ maxLength: 20, description: 'Ticket id, or its protocol number (14 digits)' }) })

const TransferBody = t.Object(
  {
    user_id: t.Optional(Id),
    sector_id: t.Optional(Id),
    note: t.Optional(t.String({ maxLength: MAX_NOTE_LENGTH, description: 'Shown to the receiver in the conversation (internal)' })),
  },
  { additionalProperties: false, description: 'At least one of `user_id` and `sector_id`' },
)

const CloseBody = t.Object(
  {
    classification_id: t.Optional(t.Nullable(Id)),
    note: t.Optional(t.String({ maxLength: MAX_NOTE_LENGTH })),
  },
  { additionalProperties: false },
)

const PatchBody = t.Object(
  {
    customer_id: t.Optional(t.Nullable(Id)),
    classification_id: t.Optional(t.Nullable(Id)),
    confidential: t.Optional(t.Boolean()),
    anonymous: t.Optional(t.Boolean({ description: 'true removes the customer link (anonymous tickets store none)' })),
    notes: t.Optional(t.Nullable(t.String({ maxLength: MAX_NOTES_LENGTH }))),
  },
  { additionalProperties: false },
)

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }

export function ticketDetailJson(tk: Ticket) {
  return { ...ticketJson(tk), notes: tk.notes, close_note: tk.close_note } as typeof TicketDetailSchema.static
}

export function ticketActionsApi(ctx: Context) {
  /** The ticket by id or protocol if the user may see it (or holds its offer); 404 otherwise. */
  const target = (request: Request, ref: string): { user: User; ticket: Ticket } => {
    const user = apiViewer(ctx, request).user
    const ticket = ctx.stores.tickets.byRef(ref)
    if (!ticket || !canActOnSight(ctx, user, ticket)) throw notFound()
    return { user, ticket }
  }

  return new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .post(
      '/tickets/:ticket/accept',
      ({ request, params }) => {
        const { user, ticket } = target(request, params.ticket)
        return ticketDetailJson(acceptTicket(ctx, user, ticket.id))
      },
      {
        permission: true,
        params: TicketParams,
        response: { 200: TicketDetailSchema, ...errors },
        detail: {
          tags: ['tickets'],
          summary: 'Take a ticket: the offered agent accepts it',
          description:
            'Works for the agent holding the ticket’s pending offer, for a member of the ticket’s sector taking a queued ticket that is on offer to nobody, and for supervisors/admins (`tickets.view_all`) on any queued ticket (a pending offer to someone else is cancelled). ' +
            'The assignee calling it again gets the ticket unchanged. 409: `not_offered` (offered to someone else), `already_assigned`, `ticket_closed`, `not_queued`, `offer_expired`, `limit_reached` (the caller’s simultaneous limit for the channel).',
        },
      },
    )
    .post(
      '/tickets/:ticket/decline',
      ({ request, params }) => {
        const { user, ticket } = target(request, params.ticket)
        return ticketDetailJson(declineOffer(ctx, user, ticket.id))
      },
      {
        permission: true,
        params: TicketParams,
        response: { 200: TicketDetailSchema, ...errors },
        detail: {
          tags: ['tickets'],
          summary: 'Decline an offered ticket (extension)',
          description: 'The offered agent turns the offer down: the miss is recorded and the ticket goes to the next eligible agent. 409 `not_offered` when the caller holds no pending offer for it, `ticket_closed`.',
        },
      },
    )
    .post(
      '/tickets/:ticket/transfer',
      ({ request, params, body }) => {
        const { user, ticket } = target(request, params.ticket)
        return ticketDetailJson(transferTicket(ctx, user, ticket.id, body))
      },
      {
        permission: true,
        params: TicketParams,
        body: TransferBody,
        response: { 200: TicketDetailSchema, ...errors },
        detail: {
          tags: ['tickets'],
          summary: 'Transfer a ticket to an agent or a sector',
          description:
            'By the assignee or a supervisor/admin. `sector_id` alone: back to that sector’s queue (unassigned, keeping its first queue time) and routed again; the sender is not offered it again. ' +
            '`user_id` (with `sector_id` to move sectors too): assigned to that agent at once; they must be active, not offline, a member of the (destination) sector and within their simultaneous limit. ' +
            'The conversation gets an internal note from `system` naming who, where to and the note. 403 `not_assignee`; 409 `ticket_closed`, `user_not_in_sector`, `agent_offline`, `agent_at_limit`, `already_assigned`, `already_queued`; 400 for an unknown user or sector.',
        },
      },
    )
    .post(
      '/tickets/:ticket/close',
      ({ request, params, body }) => {
        const { user, ticket } = target(request, params.ticket)
        return ticketDetailJson(closeTicket(ctx, user, ticket.id, body ?? {}))
      },
      {
        permission: true,
        params: TicketParams,
        body: t.Optional(CloseBody),
        response: { 200: TicketDetailSchema, ...errors },
        detail: {
          tags: ['tickets'],
          summary: 'Close (finalizar) a ticket',
          description:
            'By the assignee or a supervisor/admin. The classification (the ticket’s own when omitted) must be global or of the ticket’s sector, and active; it is required where the sector says so (400 `classification_required`, field `classification_id`). ' +
            'A pending offer is cancelled and the freed slot routes the queue. 403 `not_assignee`; 409 `ticket_closed`.',
        },
      },
    )
    .patch(
      '/tickets/:ticket',
      ({ request, params, body }) => {
        const { user, ticket } = target(request, params.ticket)
        return ticketDetailJson(updateTicket(ctx, user, ticket.id, body))
      },
      {
        permission: true,
        params: TicketParams,
        body: PatchBody,
        response: { 200: TicketDetailSchema, ...errors },
        detail: {
          tags: ['tickets'],
          summary: 'Update the protocol form: customer, classification, confidential, anonymous, notes',
          description:
            'By the assignee or a supervisor/admin. `customer_id` must exist (400); an anonymous ticket takes no customer (409 `ticket_anonymous`); `anonymous: true` removes the link. `classification_id` must be global or of the ticket’s sector. `null` clears a field.',
        },
      },
    )
    .get(
      '/tickets/:ticket/history',
      ({ request, params }) => {
        const { ticket } = target(request, params.ticket)
        const data = ctx.stores.history.ofTicket(ticket.id).map(({ ticket_id: _t, ...h }) => ({ ...h, at: new Date(h.at).toISOString() }))
        return { data }
      },
      {
        permission: true,
        params: TicketParams,
        response: { 200: t.Object({ data: t.Array(HistorySchema) }), ...errors },
        detail: { tags: ['tickets'], summary: 'What happened to the ticket, oldest first (extension): offers, misses, assignments, transfers, closes, reopens' },
      },
    )
}
