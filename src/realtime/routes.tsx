// GET /events (pages: HTML fragments as <hx-partial> swaps, rendered by the same components the
// pages use) and GET /api/v1/events (API clients: named events with the resource as JSON).
import { Elysia } from 'elysia'
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { presenceEvent } from '../desk/presence'
import { apiViewer } from '../api/guard'
import { buildView, pageViewer } from '../http/pages'
import { PresenceForm } from '../../views/components'
import { PresenceCell } from '../../views/admin/users'
import type { View } from '../../views/view'
import type { StoredEvent } from './events-store'
import { sseResponse } from './stream'
import type { SseMessage } from './sse-format'

/**
 * Re-checked for every event: a user deactivated or moved to another sector while their stream is
 * open stops receiving what they may no longer see.
 */
function stillAllowed(ctx: Context, userId: number) {
  return (ev: StoredEvent) => {
    const user = ctx.stores.users.get(userId)
    if (!user?.active) return false
    const topics = topicsFor(user)
    return ev.topics.some((t) => topics.has(t))
  }
}

/** The topics a user's streams listen to, from who they are and what they may see. */
export function topicsFor(user: User): Set<string> {
  const topics = new Set([`user:${user.id}`, ...user.sector_ids.map((s) => `sector:${s}`)])
  if (can(user, 'monitoring.view')) topics.add('supervisor')
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

/** HTML for one event on a page stream; null when this page has nothing to update. */
function renderForPage(v: View, me: User, ev: StoredEvent): SseMessage | null {
  if (ev.name === 'presence.updated') {
    const p = ev.data as PresenceData
    let out = partial(`#user-${p.user_id}-presence`, 'innerHTML', <PresenceCell v={v} user={{ presence: p.status, presence_reason: p.reason }} />)
    if (p.user_id === me.id) {
      const updated = { ...me, presence: p.status, presence_reason: p.reason }
      out += partial('#presence', 'outerHTML', <PresenceForm v={v} user={updated} />)
    }
    return { id: ev.id, data: out }
  }
  return null
}

export function realtimeRoutes(ctx: Context) {
  return new Elysia()
    .get('/events', ({ request }) => {
      const viewer = pageViewer(ctx, request)
      const v = buildView(ctx, request, viewer)
      return sseResponse({
        hub: ctx.hub,
        events: ctx.stores.events,
        signal: request.signal,
        topics: topicsFor(viewer.user),
        lastEventId: request.headers.get('last-event-id'),
        allowed: stillAllowed(ctx, viewer.user.id),
        render: (ev) => renderForPage(v, viewer.user, ev),
        // After a gap the page may be stale: redraw what the stream keeps live.
        snapshot: (reason) => {
          if (reason === 'fresh') return []
          const me = ctx.stores.users.get(viewer.user.id)!
          return [{ data: partial('#presence', 'outerHTML', <PresenceForm v={v} user={me} />) }]
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
          render: (ev) => ({ id: ev.id, event: ev.name, data: JSON.stringify(ev.data) }),
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
