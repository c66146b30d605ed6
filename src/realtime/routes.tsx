// GET /events (pages: HTML fragments as <hx-partial> swaps, rendered by the same components the
// pages use) and GET /api/v1/events (API clients: named events with the resource as JSON).
import { Elysia } from 'elysia'
import { can } from '../admin/permissions'
import { eventVisibleTo } from './event-access'
import { accessVersion } from './access-version'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { deskLivePartials } from '../desk/pages'
import { offerNotice, workspaceLivePartials, workspaceSnapshot } from '../desk/workspace'
import { presenceEvent } from '../desk/presence'
import { apiViewer } from '../api/guard'
import { isSupervisionEvent, supervisionPartials, supervisionSnapshot } from '../notices/live'
import { buildView, pageViewer } from '../http/pages'
import { PresenceForm } from '../../views/components'
import { PresenceCell } from '../../views/admin/users'
import type { View } from '../../views/view'
import type { StoredEvent } from './events-store'
import { sseResponse } from './stream'
import { formatSse } from './sse-format'
import type { SseMessage } from './sse-format'

/**
 * Re-checked for every event: a user deactivated or moved to another sector while their stream is
 * open stops receiving what they may no longer see.
 */
function stillAllowed(ctx: Context, userId: number) {
  let cached: { version: number; at: number; user: User | null; topics: Set<string> | null } | null = null
  return (ev: StoredEvent) => {
    const now = Date.now()
    if (!cached || cached.version !== accessVersion() || now - cached.at > ACCESS_RECHECK_MS) {
      const user = ctx.stores.users.get(userId)
      cached = { version: accessVersion(), at: now, user: user?.active ? user : null, topics: user?.active ? topicsFor(user) : null }
    }
    return cached.topics !== null && eventVisibleTo(cached.user!, cached.topics, ev)
  }
}

/**
 * The API stream's text for an event is the same for every client: format it once per event
 * (the event object is shared by all streams during a fan-out), not once per stream.
 */
const apiMessages = new WeakMap<StoredEvent, string>()
function apiMessage(ev: StoredEvent): string {
  let text = apiMessages.get(ev)
  if (text === undefined) apiMessages.set(ev, (text = formatSse({ id: ev.id, event: ev.name, data: ev.json })))
  return text
}

/** Changes made by another process (the CLI) reach open streams within this time. */
const ACCESS_RECHECK_MS = 2000

/** The topics a user's streams listen to, from who they are and what they may see. */
export function topicsFor(user: User): Set<string> {
  const topics = new Set([`user:${user.id}`, ...user.sector_ids.map((s) => `sector:${s}`)])
  if (can(user, 'monitoring.view')) topics.add('supervisor')
  // Notices (src/notices): to everyone, or to one profile.
  topics.add('all')
  topics.add(`profile:${user.profile_id}`)
  return topics
}

interface PresenceData {
  user_id: number
  name: string
  status: User['presence']
  reason: string | null
  since: string
}

const partial = (target: string, swap: string, body: JSX.Element) => `<hx-partial hx-target="${target}" hx-swap="${swap}">${body}</hx-partial>`

/** Which page the stream feeds (`/events?page=workspace`): each gets the partials it shows. */
type PageKind = 'workspace' | 'page'

/** HTML for one event on a page stream; null when this page has nothing to update. */
function renderForPage(ctx: Context, v: View, me: User, ev: StoredEvent, kind: PageKind = 'page'): SseMessage | null {
  if (ev.name === 'presence.updated') {
    const p = ev.data as PresenceData
    let out = partial(`#user-${p.user_id}-presence`, 'innerHTML', <PresenceCell v={v} user={{ presence: p.status, presence_reason: p.reason }} />)
    if (p.user_id === me.id) {
      const updated = { ...me, presence: p.status, presence_reason: p.reason }
      out += partial('#presence', 'outerHTML', <PresenceForm v={v} user={updated} />)
    }
    return { id: ev.id, data: out }
  }
  // Notices and alerts: the notices area of every page (src/notices/live.tsx).
  if (isSupervisionEvent(ev)) {
    const out = supervisionPartials(ctx, v, me.id, ev)
    return out ? { id: ev.id, data: out } : null
  }
  // The agent workspace: its regions (offers, my tickets, the queue, the open ticket) — desk/workspace.tsx.
  if (kind === 'workspace') {
    const out = workspaceLivePartials(ctx, v, me.id, ev)
    return out ? { id: ev.id, data: out } : null
  }
  // Tickets and messages: the conversation, the ticket lists and the home page (desk/pages.tsx);
  // on any page, a notice when a ticket is offered to the viewer.
  const out = (deskLivePartials(ctx, v, me.id, ev) ?? '') + (offerNotice(ctx, v, me.id, ev) ?? '')
  return out ? { id: ev.id, data: out } : null
}

export function realtimeRoutes(ctx: Context) {
  return new Elysia()
    .get('/events', ({ request }) => {
      const viewer = pageViewer(ctx, request)
      const v = buildView(ctx, request, viewer)
      const kind: PageKind = new URL(request.url).searchParams.get('page') === 'workspace' ? 'workspace' : 'page'
      return sseResponse({
        hub: ctx.hub,
        events: ctx.stores.events,
        signal: request.signal,
        topics: topicsFor(viewer.user),
        lastEventId: request.headers.get('last-event-id'),
        allowed: stillAllowed(ctx, viewer.user.id),
        render: (ev) => renderForPage(ctx, v, viewer.user, ev, kind),
        // After a gap the page may be stale: redraw what the stream keeps live.
        snapshot: (reason) => {
          if (reason === 'fresh') return []
          const me = ctx.stores.users.get(viewer.user.id)!
          const presence = { data: partial('#presence', 'outerHTML', <PresenceForm v={v} user={me} />) }
          const notices = { data: supervisionSnapshot(ctx, { ...v, user: me }, me) }
          return kind === 'workspace' ? [presence, notices, { data: workspaceSnapshot(ctx, v, me) }] : [presence, notices]
        },
      })
    })
    .get(
      '/api/v1/events',
      ({ request }) => {
        const viewer = apiViewer(ctx, request)
        return sseResponse({
          hub: ctx.hub,
          events: ctx.stores.events,
          signal: request.signal,
          topics: topicsFor(viewer.user),
          lastEventId: request.headers.get('last-event-id'),
          allowed: stillAllowed(ctx, viewer.user.id),
          // Notices and alerts are page furniture, not API resources (api.md lists the API's events).
          // Web chat typing indicators are page furniture too (src/channels/webchat/typing.ts).
          render: (ev) => (isSupervisionEvent(ev) || ev.name === 'webchat.typing' ? null : apiMessage(ev)),
          // Events are state updates: after a gap, re-send the state this stream carries.
          snapshot: (reason) => {
            if (reason === 'fresh') return []
            const me = ctx.stores.users.get(viewer.user.id)!
            return [{ event: 'presence.updated', data: JSON.stringify(presenceEvent(me)) }]
          },
        })
      },
      { detail: { tags: ['events'], summary: 'Server-Sent Events: ticket.*, message.*, presence.updated; Last-Event-ID resumes' } },
    )
}
