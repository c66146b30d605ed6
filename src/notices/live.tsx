// What the page stream (/events) pushes for notices and alerts, for one viewer: the notices area
// redrawn when a notice reaching them changes (published, started, ended, withdrawn, read on
// another page), and the alerts strip — plus the alerts page's open list — when an alert of their
// scope fires (with the chime), clears or is acknowledged. Called by src/realtime/routes.tsx.
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { partial } from '../desk/pages'
import { scopeOf } from '../monitoring/scope'
import type { StoredEvent } from '../realtime/events-store'
import { AlertsLive, OpenAlerts } from '../../views/alerts/alerts'
import { NoticesList } from '../../views/notices/notices'
import type { View } from '../../views/view'
import { alertInScope, alertNames, openAlertsFor } from '../alerts/routes'
import { recipientOf } from './notices'
import { reaches } from './store'

/** How many alerts the strip in the header shows. */
const STRIP = 5

export function liveAlerts(ctx: Context, v: View, user: User, chime: boolean): JSX.Element {
  const open = openAlertsFor(ctx, user)
  return <AlertsLive v={v} alerts={open.slice(0, STRIP)} total={open.length} names={alertNames(ctx)} chime={chime} />
}

/** Event names this module renders (the page stream asks before anything else). */
export const isSupervisionEvent = (ev: StoredEvent) => {
  const name = ev.name as string
  return name.startsWith('alert.') || name.startsWith('notice.')
}

/** After a gap in the page stream: the notices list and the alerts strip as they are now. */
export function supervisionSnapshot(ctx: Context, v: View, me: User): string {
  let out = partial('#notices-list', 'innerHTML', <NoticesList v={v} notices={ctx.stores.notices.currentFor(recipientOf(me), Date.now())} />)
  if (can(me, 'monitoring.view')) out += partial('#alerts-live', 'innerHTML', liveAlerts(ctx, v, me, false))
  return out
}

export function supervisionPartials(ctx: Context, v: View, meId: number, ev: StoredEvent): string | null {
  const me = ctx.stores.users.get(meId)
  if (!me?.active) return null
  const name = ev.name as string
  const view = { ...v, user: me }
  if (name === 'notice.changed') {
    const data = ev.data as { id: number; change: string; user_id: number | null }
    if (data.change === 'read' && data.user_id !== me.id) return null
    const n = ctx.stores.notices.get(data.id)
    if (!n || (data.change !== 'read' && !reaches(n, recipientOf(me)))) return null
    return partial('#notices-list', 'innerHTML', <NoticesList v={view} notices={ctx.stores.notices.currentFor(recipientOf(me), Date.now())} />)
  }
  if (name.startsWith('alert.')) {
    if (!can(me, 'monitoring.view')) return null
    const data = ev.data as { id?: number; sector_id?: number | null }
    // Alerts outside the viewer's scope change nothing they see (a deleted rule: redraw anyway).
    if (data.id !== undefined && !alertInScope(scopeOf(ctx.db, me), { sector_id: data.sector_id ?? null })) return null
    const open = openAlertsFor(ctx, me)
    let out = partial('#alerts-live', 'innerHTML', <AlertsLive v={view} alerts={open.slice(0, STRIP)} total={open.length} names={alertNames(ctx)} chime={name === 'alert.fired'} />)
    out += partial('#alerts-open', 'outerHTML', <OpenAlerts v={view} alerts={open} names={alertNames(ctx)} />)
    return out
  }
  return null
}
