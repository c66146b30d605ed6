// Notices pages: every signed-in user sees the notices meant for them (the page, and the layout's
// notices area: GET /notices/area, then live) and marks them read; `notices.manage` (admins,
// supervisors) publishes to everyone, a sector or a profile, and withdraws.
import { Elysia } from 'elysia'
import { can } from '../admin/permissions'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { notFound } from '../http/errors'
import { buildView, flashKey, html, isHtmx, pageViewer, readCheckedForm, redirect } from '../http/pages'
import type { MessageKey } from '../i18n'
import { localDateTimeValue } from '../reports/period'
import { NoticesAreaContent, NoticesPage, type NoticeValues } from '../../views/notices/notices'
import type { View } from '../../views/view'
import { liveAlerts } from './live'
import { NoticeProblems, publishNotice, readNotice, recipientOf, validateNotice, withdrawNotice } from './notices'
import type { Notice } from './store'

const PAGE = 50
const FLASHES = ['notices.published', 'notices.withdrawn'] as const

export function noticesArea(ctx: Context, v: View, user: User, chime = false): JSX.Element {
  const notices = ctx.stores.notices.currentFor(recipientOf(user), Date.now())
  return <NoticesAreaContent v={v} notices={notices} alerts={can(user, 'monitoring.view') ? liveAlerts(ctx, v, user, chime) : ''} />
}

export function noticesRoutes(ctx: Context) {
  const page = (request: Request, viewer: ReturnType<typeof pageViewer>, o: { values?: NoticeValues; problems?: Partial<Record<string, MessageKey>>; flash?: MessageKey | null } = {}, status = 200) => {
    const url = new URL(request.url)
    const raw = url.searchParams.get('before') ?? ''
    const before = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.MAX_SAFE_INTEGER
    const manage = can(viewer.user, 'notices.manage')
    const rows = ctx.stores.notices.listFor(recipientOf(viewer.user), manage, before, PAGE + 1)
    const sectors = ctx.stores.sectors.list()
    const profiles = ctx.stores.profiles.list()
    const v = buildView(ctx, request, viewer)
    const now = Date.now()
    const targetName = (n: Notice) =>
      n.target === 'all'
        ? v.t('notices.target_all')
        : n.target === 'sector'
          ? (sectors.find((s) => s.id === n.target_id)?.name ?? `#${n.target_id}`)
          : (profiles.find((p) => p.id === n.target_id)?.name ?? `#${n.target_id}`)
    const tz = ctx.config.timeZone
    return html(
      <NoticesPage
        v={v}
        notices={rows.slice(0, PAGE)}
        now={now}
        next={rows.length > PAGE ? rows[PAGE - 1].id : null}
        manage={manage}
        sectors={sectors.map((s) => ({ id: s.id, name: s.name }))}
        profiles={profiles.map((p) => ({ id: p.id, name: p.name }))}
        values={o.values ?? { title: '', body: '', level: 'info', target: 'all', sector_id: '', profile_id: '', starts_at: localDateTimeValue(now, tz), ends_at: localDateTimeValue(now + 86_400_000, tz) }}
        problems={o.problems ?? {}}
        flash={o.flash ?? flashKey(request, FLASHES)}
        targetName={targetName}
      />,
      status,
    )
  }
  const noticeId = (raw: string) => {
    const n = /^\d{1,15}$/.test(raw) ? ctx.stores.notices.get(Number(raw)) : null
    if (!n) throw notFound()
    return n
  }

  return new Elysia()
    .get('/notices', ({ request }) => page(request, pageViewer(ctx, request)))
    .get('/notices/area', ({ request }) => {
      const viewer = pageViewer(ctx, request)
      return html(noticesArea(ctx, buildView(ctx, request, viewer), viewer.user))
    })
    .post('/notices', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'notices.manage')
      const form = await readCheckedForm(request, viewer)
      const values: NoticeValues = {
        title: form.get('title'),
        body: form.get('body'),
        level: form.get('level'),
        target: form.get('target'),
        sector_id: form.get('sector_id'),
        profile_id: form.get('profile_id'),
        starts_at: form.get('starts_at'),
        ends_at: form.get('ends_at'),
      }
      try {
        publishNotice(ctx, validateNotice(ctx, values, viewer.user.id))
      } catch (e) {
        if (!(e instanceof NoticeProblems)) throw e
        return page(request, viewer, { values, problems: Object.fromEntries(e.problems.map((p) => [p.field, p.key])) }, 422)
      }
      return redirect('/notices?ok=notices.published')
    })
    .post('/notices/:id/read', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request)
      await readCheckedForm(request, viewer)
      const n = noticeId(params.id)
      if (!ctx.stores.notices.listFor(recipientOf(viewer.user), false, n.id + 1, 1).some((x) => x.id === n.id)) throw notFound()
      readNotice(ctx, n.id, viewer.user)
      // The live stream redraws the notices area on every page of this user.
      return isHtmx(request) ? new Response(null, { status: 204 }) : redirect('/notices')
    })
    .post('/notices/:id/withdraw', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'notices.manage')
      await readCheckedForm(request, viewer)
      const n = noticeId(params.id)
      withdrawNotice(ctx, n.id, viewer.user.id)
      return redirect('/notices?ok=notices.withdrawn')
    })
}
