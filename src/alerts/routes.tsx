// Alerts pages: the list (open until acknowledged, then history) for `monitoring.view`, scoped to
// the viewer's sectors; acknowledging; the rules and the sectors' waiting targets for
// `alerts.manage` (admins); the chime.
import { Elysia } from 'elysia'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { write } from '../db/open'
import { notFound } from '../http/errors'
import { buildView, flashKey, html, isHtmx, pageViewer, readCheckedForm, redirect, type Form } from '../http/pages'
import { randomToken } from '../http/tokens'
import type { MessageKey } from '../i18n'
import { checkWebhookUrl } from '../integrations/webhook-url'
import { webhookSettings } from '../integrations/webhooks'
import { inScope, scopeOf, type Scope } from '../monitoring/scope'
import { DEFAULT_WAIT_TARGET_S } from '../monitoring/store'
import { AlertsPage, emptyRule, RulesPage, type AlertNames, type RuleValues } from '../../views/alerts/alerts'
import { acknowledgeAlert, recordSupervisionEvent } from './evaluate'
import { chimeWav } from './sound'
import { ALERT_KINDS, type Alert, type AlertKind, type RuleInput } from './store'

const HISTORY_PAGE = 50
const FLASHES = ['alerts.created', 'alerts.updated', 'alerts.deleted', 'alerts.targets_saved'] as const

export function alertNames(ctx: Context): AlertNames {
  const sectors = new Map(ctx.stores.sectors.list().map((s) => [s.id, s.name]))
  const users = new Map<number, string>()
  return {
    sector: (id) => (id === null ? '—' : (sectors.get(id) ?? `#${id}`)),
    agent(id) {
      if (id === null) return '—'
      if (!users.has(id)) users.set(id, ctx.stores.users.get(id)?.name ?? `#${id}`)
      return users.get(id)!
    },
  }
}

/** Alerts the scope covers: of its sectors (alerts without a sector: admins only). */
export const alertInScope = (scope: Scope, a: Pick<Alert, 'sector_id'>) => inScope(scope, a.sector_id)

/** The unacknowledged alerts a user sees, newest first. */
export function openAlertsFor(ctx: Context, user: User): Alert[] {
  const scope = scopeOf(ctx.db, user)
  return ctx.stores.alerts.unacked().filter((a) => alertInScope(scope, a))
}

function readRule(ctx: Context, form: Form): { values: RuleValues; input: RuleInput | null; problems: Partial<Record<string, MessageKey>> } {
  const values: RuleValues = {
    sector_id: form.get('sector_id'),
    kind: form.get('kind'),
    threshold_min: form.get('threshold_min').trim(),
    cooldown_min: form.get('cooldown_min').trim(),
    webhook_url: form.get('webhook_url').trim(),
    active: form.get('active') === '1',
  }
  const problems: Partial<Record<string, MessageKey>> = {}
  const kind = ALERT_KINDS.find((k) => k === values.kind)
  if (!kind) problems.kind = 'alerts.kind_invalid'
  let sectorId: number | null = null
  if (values.sector_id) {
    sectorId = /^\d{1,9}$/.test(values.sector_id) ? Number(values.sector_id) : -1
    if (!ctx.stores.sectors.get(sectorId)) problems.sector_id = 'alerts.sector_invalid'
  }
  const minutes = (raw: string) => (/^\d{1,4}$/.test(raw) && Number(raw) <= 1440 ? Number(raw) : null)
  const threshold = minutes(values.threshold_min)
  const cooldown = minutes(values.cooldown_min)
  if (threshold === null) problems.threshold_min = 'alerts.minutes_invalid'
  if (cooldown === null) problems.cooldown_min = 'alerts.minutes_invalid'
  let url: string | null = null
  if (values.webhook_url) {
    // The integration webhooks' address rules: https, the internal network only when allowed.
    const check = checkWebhookUrl(values.webhook_url, webhookSettings(ctx).allow_private)
    if (check.problem) problems.webhook_url = check.problem === 'integrations.url_invalid' ? 'alerts.webhook_invalid' : check.problem
    url = check.url
  }
  if (Object.keys(problems).length) return { values, input: null, problems }
  return { values, input: { sector_id: sectorId, kind: kind as AlertKind, threshold_min: threshold!, cooldown_min: cooldown!, webhook_url: url, active: values.active }, problems }
}

export function alertsRoutes(ctx: Context) {
  const rulesPage = (request: Request, viewer: ReturnType<typeof pageViewer>, o: Partial<Parameters<typeof RulesPage>[0]> = {}, status = 200) => {
    const targets = ctx.stores.monitoring.targets()
    const sectors = ctx.stores.sectors.list().map((s) => ({ id: s.id, name: s.name, target_s: targets.get(s.id) ?? DEFAULT_WAIT_TARGET_S }))
    return html(
      <RulesPage
        v={buildView(ctx, request, viewer)}
        rules={ctx.stores.alerts.rules()}
        sectors={sectors}
        values={o.values ?? emptyRule}
        problems={o.problems ?? {}}
        secret={o.secret ?? null}
        flash={o.flash ?? flashKey(request, FLASHES)}
      />,
      status,
    )
  }
  const rule = (raw: string) => {
    const r = /^\d{1,9}$/.test(raw) ? ctx.stores.alerts.rule(Number(raw)) : null
    if (!r) throw notFound()
    return r
  }

  return (
    new Elysia()
      .get('/alerts/sound.wav', () => new Response(chimeWav(), { headers: { 'content-type': 'audio/wav', 'cache-control': 'public, max-age=86400' } }))
      .get('/alerts', ({ request }) => {
        const viewer = pageViewer(ctx, request, 'monitoring.view')
        const scope = scopeOf(ctx.db, viewer.user)
        const raw = new URL(request.url).searchParams.get('before') ?? ''
        const before = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.MAX_SAFE_INTEGER
        // History: scoped in memory over a bounded window of the newest acknowledged alerts.
        const history = ctx.stores.alerts.acked(before, HISTORY_PAGE * 4).filter((a) => alertInScope(scope, a))
        const page = history.slice(0, HISTORY_PAGE)
        return html(
          <AlertsPage
            v={buildView(ctx, request, viewer)}
            open={openAlertsFor(ctx, viewer.user)}
            history={page}
            names={alertNames(ctx)}
            next={history.length > HISTORY_PAGE ? page[page.length - 1].id : null}
          />,
        )
      })
      .post('/alerts/:id/ack', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'monitoring.view')
        await readCheckedForm(request, viewer)
        const alert = /^\d{1,15}$/.test(params.id) ? ctx.stores.alerts.get(Number(params.id)) : null
        if (!alert || !alertInScope(scopeOf(ctx.db, viewer.user), alert)) throw notFound()
        acknowledgeAlert(ctx, alert.id, viewer.user.id)
        // The live stream redraws every open list; a plain form goes back to the alerts page.
        return isHtmx(request) ? new Response(null, { status: 204 }) : redirect('/alerts')
      })

      // ---- rules (admin) ---------------------------------------------------------------------
      .get('/alerts/rules', ({ request }) => rulesPage(request, pageViewer(ctx, request, 'alerts.manage')))
      .post('/alerts/rules', async ({ request }) => {
        const viewer = pageViewer(ctx, request, 'alerts.manage')
        const form = await readCheckedForm(request, viewer)
        const { values, input, problems } = readRule(ctx, form)
        if (!input) return rulesPage(request, viewer, { values, problems }, 422)
        const secret = input.webhook_url ? randomToken(24) : null
        const id = write(ctx.db, () => {
          const id = ctx.stores.alerts.createRule(input, secret, viewer.user.id)
          ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'alert_rule.create', object_type: 'alert_rule', object_id: id, details: { kind: input.kind, sector_id: input.sector_id } })
          return id
        })
        return rulesPage(request, viewer, { flash: 'alerts.created', secret: secret ? { rule_id: id, secret } : null })
      })
      .post('/alerts/rules/:id/toggle', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'alerts.manage')
        await readCheckedForm(request, viewer)
        const r = rule(params.id)
        write(ctx.db, () => {
          ctx.stores.alerts.updateRule(r.id, { ...r, active: !r.active })
          ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'alert_rule.update', object_type: 'alert_rule', object_id: r.id, details: { active: !r.active } })
        })
        return redirect('/alerts/rules?ok=alerts.updated')
      })
      .post('/alerts/rules/:id/secret', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'alerts.manage')
        await readCheckedForm(request, viewer)
        const r = rule(params.id)
        const secret = randomToken(24)
        write(ctx.db, () => {
          ctx.stores.alerts.setSecret(r.id, secret)
          ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'alert_rule.secret', object_type: 'alert_rule', object_id: r.id })
        })
        return rulesPage(request, viewer, { flash: 'alerts.updated', secret: { rule_id: r.id, secret } })
      })
      .post('/alerts/rules/:id/delete', async ({ request, params }) => {
        const viewer = pageViewer(ctx, request, 'alerts.manage')
        await readCheckedForm(request, viewer)
        const r = rule(params.id)
        write(ctx.db, () => {
          ctx.stores.alerts.deleteRule(r.id)
          // Its alerts go with it: open lists everywhere redraw.
          recordSupervisionEvent(ctx, ['supervisor'], 'alert.rule_deleted', { rule_id: r.id })
          ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'alert_rule.delete', object_type: 'alert_rule', object_id: r.id, details: { kind: r.kind } })
        })
        ctx.hub.wake()
        return redirect('/alerts/rules?ok=alerts.deleted')
      })
      .post('/alerts/targets', async ({ request }) => {
        const viewer = pageViewer(ctx, request, 'alerts.manage')
        const form = await readCheckedForm(request, viewer)
        const changes: [number, number][] = []
        for (const s of ctx.stores.sectors.list()) {
          const raw = form.get(`target_${s.id}`).trim()
          if (!raw) continue
          if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1440) return rulesPage(request, viewer, { problems: { targets: 'alerts.minutes_invalid' } }, 422)
          changes.push([s.id, Number(raw) * 60])
        }
        write(ctx.db, () => {
          for (const [id, seconds] of changes) ctx.stores.monitoring.setTarget(id, seconds)
          ctx.stores.audit.record({ actor_id: viewer.user.id, action: 'sector_targets.update', object_type: 'sector', details: { targets: Object.fromEntries(changes) } })
        })
        return redirect('/alerts/rules?ok=alerts.targets_saved')
      })
  )
}
