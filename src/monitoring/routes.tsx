// The live monitoring page (monitoramento) and what a supervisor does from it: move a ticket to
// another agent or sector (actions.transfer), take a queued ticket (actions.accept), force an
// agent's presence (setPresence with the supervisor as actor: audited 'presence.force'), open any
// ticket of their scope read-only and, with `tickets.view_all`, whisper an internal note.
//
// Everything needs `monitoring.view`; tickets and agents outside the viewer's scope (scope.ts:
// admins everything, supervisors their sectors and their team's) answer 404. The ticket actions
// then apply the desk's own rules (actions.ts: `tickets.view_all` to move or take a ticket that is
// not yours).
import { Elysia } from 'elysia'
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { acceptTicket, transferTicket } from '../desk/actions'
import { messageView, partial } from '../desk/pages'
import { queueOutbound } from '../desk/outbound'
import { setPresence } from '../desk/presence'
import type { Ticket } from '../desk/tickets-store'
import { canSeeTicket } from '../desk/visibility'
import { forbidden, HttpError, notFound } from '../http/errors'
import { buildView, html, isHtmx, pageViewer, readCheckedForm, redirect } from '../http/pages'
import { ActionFlash, BoardView, MonitoringPage } from '../../views/monitoring/board'
import { MovePage, MovePanel, ReadOnlyTicketPage, type MoveTarget } from '../../views/monitoring/ticket'
import type { View } from '../../views/view'
import { buildBoard } from './board'
import { scopeOf, inScope } from './scope'
import { boardStream } from './stream'

const NOTE_MAX = 10_000
const CONVERSATION_LIMIT = 500
const BOARD_EVENTS = new Set(['ticket.created', 'ticket.updated', 'message.created', 'presence.updated'])

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

/** The sector a ticket counts in: its own, or its channel's while it has none. */
export function ticketSector(ctx: Context, t: Ticket): number | null {
  return t.sector_id ?? ctx.stores.channels.get(t.channel_id)?.sector_id ?? null
}

export function monitoringRoutes(ctx: Context) {
  const viewerOf = (request: Request) => pageViewer(ctx, request, 'monitoring.view')

  /** The ticket if it is in the viewer's scope; 404 otherwise. */
  const scopedTicket = (user: User, raw: string): Ticket => {
    const t = ctx.stores.tickets.get(idParam(raw))
    if (!t || !inScope(scopeOf(ctx.db, user), ticketSector(ctx, t))) throw notFound()
    // Confidential tickets stay with their assignee and the profiles allowed to see them.
    if (t.confidential && !canSeeTicket(user, t)) throw notFound()
    return t
  }

  /** An agent (member of a sector) in the viewer's scope; 404 otherwise. */
  const scopedAgent = (user: User, raw: string): User => {
    const agent = ctx.stores.users.get(idParam(raw))
    const scope = scopeOf(ctx.db, user)
    if (!agent?.active || agent.sector_ids.length === 0 || !agent.sector_ids.some((s) => inScope(scope, s))) throw notFound()
    return agent
  }

  /** Where a ticket may be moved: the active sectors in scope, and each of their agents who is not offline. */
  const moveTargets = (user: User, t: Ticket): MoveTarget[] => {
    const scope = scopeOf(ctx.db, user)
    const out: MoveTarget[] = []
    for (const s of ctx.stores.sectors.list()) {
      if (!s.active || !inScope(scope, s.id)) continue
      out.push({ value: `sector:${s.id}`, sector: s.name, agent: null, presence: null, current: s.id === t.sector_id && t.status === 'queued' })
      for (const a of ctx.stores.users.membersOf(s.id)) {
        if (!a.active || a.presence === 'offline') continue
        out.push({ value: `agent:${a.id}:${s.id}`, sector: s.name, agent: a.name, presence: a.presence, current: a.id === t.assignee_id && s.id === t.sector_id })
      }
    }
    return out
  }

  /** An action's answer: a flash (htmx) or back to the page (plain form). Errors become flashes too. */
  const answer = (request: Request, v: View, run: () => string, back = '/monitoring'): Response => {
    try {
      const message = run()
      return isHtmx(request) ? html(<ActionFlash v={v} kind="ok" message={message} />) : redirect(back)
    } catch (e) {
      if (!(e instanceof HttpError) || !isHtmx(request) || e.status === 403 || e.status === 404) throw e
      return html(<ActionFlash v={v} kind="error" message={v.t(e.details?.[0]?.key ?? e.key, e.vars)} />, e.status)
    }
  }

  return (
    new Elysia()
      .get('/monitoring', ({ request }) => {
        const viewer = viewerOf(request)
        return html(<MonitoringPage v={buildView(ctx, request, viewer)} board={buildBoard(ctx, viewer.user)} />)
      })
      .get('/monitoring/board', ({ request }) => {
        const viewer = viewerOf(request)
        return html(<BoardView v={buildView(ctx, request, viewer)} board={buildBoard(ctx, viewer.user)} />)
      })
      .get('/monitoring/stream', ({ request }) => {
        const viewer = viewerOf(request)
        const v = buildView(ctx, request, viewer)
        return boardStream({
          hub: ctx.hub,
          signal: request.signal,
          relevant: (ev) => BOARD_EVENTS.has(ev.name),
          render: () => {
            // Checked again for every board: a user deactivated or stripped of the permission stops here.
            const me = ctx.stores.users.get(viewer.user.id)
            if (!me?.active || !can(me, 'monitoring.view')) return null
            return partial('#monitoring-board', 'outerMorph', <BoardView v={{ ...v, user: me }} board={buildBoard(ctx, me)} />)
          },
        })
      })

      // ---- tickets ---------------------------------------------------------------------------
      .get('/monitoring/tickets/:id', ({ request, params }) => {
        const viewer = viewerOf(request)
        const t = scopedTicket(viewer.user, params.id)
        write(ctx.db, () => ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'ticket.view', object_type: 'ticket', object_id: t.id, details: { via: 'monitoring' } }))
        const messages = ctx.stores.messages
          .ofTicket(t.id, 0, 100_000)
          .filter((m) => m.type !== 'reaction')
          .slice(-CONVERSATION_LIMIT)
          .map((m) => messageView(ctx, m))
        const v = buildView(ctx, request, viewer)
        return html(
          <ReadOnlyTicketPage
            v={v}
            t={t}
            sector={t.sector_id === null ? null : (ctx.stores.sectors.get(t.sector_id)?.name ?? null)}
            agent={t.assignee_id === null ? null : (ctx.stores.users.get(t.assignee_id)?.name ?? null)}
            channel={ctx.stores.channels.get(t.channel_id)?.name ?? t.channel_type}
            messages={messages}
            canWhisper={can(viewer.user, 'tickets.view_all')}
            cursor={ctx.stores.events.newestId()}
          />,
        )
      })
      .post('/monitoring/tickets/:id/note', async ({ request, params }) => {
        const viewer = viewerOf(request)
        const t = scopedTicket(viewer.user, params.id)
        const form = await readCheckedForm(request, viewer)
        if (!can(viewer.user, 'tickets.view_all')) throw forbidden()
        const v = buildView(ctx, request, viewer)
        return answer(
          request,
          v,
          () => {
            const text = form.get('text').replace(/\r\n?/g, '\n')
            if (!text.trim()) throw new HttpError(422, 'validation_failed', 'desk.composer_empty')
            if ([...text].length > NOTE_MAX) throw new HttpError(422, 'validation_failed', 'desk.note_too_long', { max: NOTE_MAX })
            queueOutbound(ctx, t, { author: 'agent', author_id: viewer.user.id, type: 'note', text })
            return v.t('monitoring.note_sent')
          },
          `/monitoring/tickets/${t.id}`,
        )
      })
      .get('/monitoring/tickets/:id/move', ({ request, params }) => {
        const viewer = viewerOf(request)
        const t = scopedTicket(viewer.user, params.id)
        const v = buildView(ctx, request, viewer)
        const panel = <MovePanel v={v} t={t} targets={moveTargets(viewer.user, t)} />
        return isHtmx(request) ? html(panel) : html(<MovePage v={v} t={t} panel={panel} />)
      })
      .post('/monitoring/tickets/:id/move', async ({ request, params }) => {
        const viewer = viewerOf(request)
        const t = scopedTicket(viewer.user, params.id)
        const form = await readCheckedForm(request, viewer)
        const v = buildView(ctx, request, viewer)
        return answer(request, v, () => {
          const to = form.get('to')
          const note = form.get('note')
          const scope = scopeOf(ctx.db, viewer.user)
          let input: { user_id?: number; sector_id?: number }
          const sector = /^sector:(\d{1,9})$/.exec(to)
          const agent = /^agent:(\d{1,9}):(\d{1,9})$/.exec(to)
          if (sector) input = { sector_id: Number(sector[1]) }
          else if (agent) input = { user_id: Number(agent[1]), sector_id: Number(agent[2]) }
          else throw new HttpError(400, 'validation_failed', 'monitoring.move_pick')
          if (!inScope(scope, input.sector_id!)) throw new HttpError(400, 'validation_failed', 'desk.transfer_sector_invalid')
          const after = transferTicket(ctx, viewer.user, t.id, { ...input, note: note.trim() || null })
          return v.t('monitoring.moved', { protocol: after.protocol })
        })
      })
      .post('/monitoring/tickets/:id/take', async ({ request, params }) => {
        const viewer = viewerOf(request)
        const t = scopedTicket(viewer.user, params.id)
        await readCheckedForm(request, viewer)
        const v = buildView(ctx, request, viewer)
        return answer(
          request,
          v,
          () => {
            const after = acceptTicket(ctx, viewer.user, t.id)
            return v.t('monitoring.taken', { protocol: after.protocol })
          },
          `/tickets/${t.id}`,
        )
      })

      // ---- agents ----------------------------------------------------------------------------
      .post('/monitoring/agents/:id/presence', async ({ request, params }) => {
        const viewer = viewerOf(request)
        const agent = scopedAgent(viewer.user, params.id)
        const form = await readCheckedForm(request, viewer)
        const v = buildView(ctx, request, viewer)
        return answer(request, v, () => {
          const updated = setPresence(ctx, agent, form.get('status'), form.get('reason') || null, viewer.user.id)
          return v.t('monitoring.presence_forced', { name: updated.name, status: v.t(`presence.${updated.presence}`) })
        })
      })
  )
}
