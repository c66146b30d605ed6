// POST /tickets/:id/typing — the workspace composer says "the agent is typing" (public/app.js,
// throttled there and here). Only for an open web-chat ticket the agent handles: its assignee, or
// someone who sees every ticket. CSRF-checked like every page POST.
import { Elysia } from 'elysia'
import { can } from '../../admin/permissions'
import type { Context } from '../../context'
import { canSeeTicket } from '../../desk/visibility'
import { HttpError, notFound } from '../../http/errors'
import { checkSessionCsrf } from '../../http/csrf'
import { pageViewer } from '../../http/pages'
import { recordAgentTyping } from './typing'

export function agentTyping(ctx: Context) {
  return new Elysia({ name: 'webchatAgentTyping' }).post('/tickets/:id/typing', ({ request, params }) => {
    const viewer = pageViewer(ctx, request)
    checkSessionCsrf(request, viewer, null) // the token in the header (public/app.js)
    const ticket = /^\d{1,15}$/.test(params.id) ? ctx.stores.tickets.get(Number(params.id)) : null
    if (!ticket || !canSeeTicket(viewer.user, ticket)) throw notFound()
    if (ticket.channel_type !== 'webchat') throw new HttpError(409, 'not_webchat', 'webchat.not_webchat')
    const handles = ticket.assignee_id === viewer.user.id || can(viewer.user, 'tickets.view_all')
    if (ticket.status === 'open' && handles) recordAgentTyping(ctx, viewer.user, ticket)
    return new Response(null, { status: 204 })
  })
}
