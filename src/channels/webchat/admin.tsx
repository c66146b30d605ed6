// The web-chat channel's admin pages (channels.manage): create, settings, and the live preview.
// The form is turned into the API's input shape and goes through the same validation
// (settings.ts), so the API and the page cannot disagree.
import { Elysia } from 'elysia'
import type { Context } from '../../context'
import { clientIp } from '../../http/client-ip'
import { HttpError, notFound } from '../../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect, type Form } from '../../http/pages'
import type { MessageKey } from '../../i18n'
import { NewWebchatPage, WebchatPage, WebchatPreviewPage, type WebchatFormValues } from '../../../views/channels/webchat'
import type { Problems } from '../../../views/view'
import type { Channel } from '../store'
import { createWebchatChannel, defaultSettings, embedSnippet, PRECHAT_FIELDS, settingsOf, updateWebchatChannel, type PrechatMode, type WebchatInput } from './settings'

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

const problemsOf = (e: unknown): Problems | null =>
  e instanceof HttpError && e.status === 400 && e.details?.length ? Object.fromEntries(e.details.map((p) => [p.field, p.key as MessageKey])) : null

const intOrRaw = (raw: string) => (/^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : raw)

/** The form → the API's input. Megabytes → bytes; a blank policy URL → none. */
export function inputFromForm(form: Form, creating: boolean): WebchatInput {
  const mb = Number(form.get('max_file_mb').replace(',', '.'))
  const prechat: Record<string, string> = {}
  for (const f of PRECHAT_FIELDS) prechat[f] = form.get(`prechat_${f}`)
  const flow = form.get('bot_flow_id').trim()
  return {
    ...(creating ? { type: 'webchat' } : {}),
    name: form.get('name'),
    sector_id: intOrRaw(form.get('sector_id')),
    bot_flow_id: flow ? intOrRaw(flow) : null,
    allowed_origins: form
      .get('allowed_origins')
      .split(/[\s,]+/)
      .filter(Boolean),
    title: form.get('title'),
    greeting: form.get('greeting'),
    colors: { primary: form.get('color_primary'), text: form.get('color_text') },
    prechat,
    consent_text: form.get('consent_text'),
    policy_url: form.get('policy_url').trim() || null,
    uploads: form.get('uploads') === '1',
    max_file_bytes: Number.isFinite(mb) && form.get('max_file_mb').trim() ? Math.round(mb * 1_000_000) : -1,
  }
}

function valuesFromForm(form: Form): WebchatFormValues {
  const sector = form.get('sector_id').trim()
  const flow = form.get('bot_flow_id').trim()
  const prechat = {} as Record<(typeof PRECHAT_FIELDS)[number], PrechatMode>
  for (const f of PRECHAT_FIELDS) prechat[f] = (form.get(`prechat_${f}`) || 'optional') as PrechatMode
  return {
    name: form.get('name'),
    sector_id: /^\d{1,15}$/.test(sector) ? Number(sector) : null,
    bot_flow_id: /^\d{1,15}$/.test(flow) ? Number(flow) : null,
    allowed_origins: form.get('allowed_origins'),
    title: form.get('title'),
    greeting: form.get('greeting'),
    color_primary: form.get('color_primary'),
    color_text: form.get('color_text'),
    prechat,
    consent_text: form.get('consent_text'),
    policy_url: form.get('policy_url'),
    uploads: form.get('uploads') === '1',
    max_file_mb: form.get('max_file_mb'),
  }
}

function valuesOf(ctx: Context, c: Channel | null, sectorId: number | null): WebchatFormValues {
  const s = c ? settingsOf(ctx, c) : { ...defaultSettings(ctx), allowed_origins: [] as string[] }
  return {
    name: c?.name ?? '',
    sector_id: c?.sector_id ?? sectorId,
    bot_flow_id: c ? c.bot_flow_id : (ctx.stores.bot.flows.builtin()?.id ?? null),
    allowed_origins: s.allowed_origins.join('\n'),
    title: s.title,
    greeting: s.greeting,
    color_primary: s.colors.primary,
    color_text: s.colors.text,
    prechat: { ...s.prechat },
    consent_text: s.consent_text,
    policy_url: s.policy_url ?? '',
    uploads: s.uploads,
    max_file_mb: String(s.max_file_bytes / 1_000_000),
  }
}

export function webchatAdmin(ctx: Context) {
  const channelOr404 = (raw: string): Channel => {
    const channel = ctx.stores.channels.get(idParam(raw))
    if (!channel || channel.type !== 'webchat') throw notFound()
    return channel
  }
  const lists = () => ({ sectors: ctx.stores.sectors.list(), flows: ctx.stores.bot.flows.list() })
  const defaultSector = () => {
    const all = ctx.stores.sectors.list()
    return all.length === 1 ? all[0].id : null
  }

  return new Elysia({ name: 'webchatAdmin' })
    .get('/admin/channels/new/webchat', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      return html(<NewWebchatPage v={buildView(ctx, request, viewer)} values={valuesOf(ctx, null, defaultSector())} problems={{}} {...lists()} />)
    })
    .post('/admin/channels/new/webchat', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const form = await readCheckedForm(request, viewer)
      let channel: Channel
      try {
        channel = createWebchatChannel(ctx, viewer.user.id, inputFromForm(form, true), clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        return html(<NewWebchatPage v={buildView(ctx, request, viewer)} values={valuesFromForm(form)} problems={problems} {...lists()} />, 422)
      }
      return redirect(`/admin/channels/${channel.id}/webchat?ok=webchat.created`)
    })
    .get('/admin/channels/:id/webchat', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const channel = channelOr404(params.id)
      const v = buildView(ctx, request, viewer)
      const snippet = embedSnippet(ctx, settingsOf(ctx, channel).channel_key)
      return html(<WebchatPage v={v} channel={channel} snippet={snippet} values={valuesOf(ctx, channel, null)} problems={{}} flash={flashKey(request, ['webchat.created', 'webchat.saved'] as const)} {...lists()} />)
    })
    .post('/admin/channels/:id/webchat', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const form = await readCheckedForm(request, viewer)
      const channel = channelOr404(params.id)
      try {
        updateWebchatChannel(ctx, viewer.user.id, channel, inputFromForm(form, false), clientIp(request))
      } catch (e) {
        const problems = problemsOf(e)
        if (!problems) throw e
        const snippet = embedSnippet(ctx, settingsOf(ctx, channel).channel_key)
        return html(<WebchatPage v={buildView(ctx, request, viewer)} channel={channel} snippet={snippet} values={valuesFromForm(form)} problems={problems} {...lists()} />, 422)
      }
      return redirect(`/admin/channels/${channel.id}/webchat?ok=webchat.saved`)
    })
    .get('/admin/channels/:id/webchat/preview', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'channels.manage')
      const channel = channelOr404(params.id)
      // Our own origin is always allowed for the visitor endpoints (visitor-api.ts), so the preview
      // works whatever the channel's allowed origins are; the page's CSP allows our own script.
      return html(<WebchatPreviewPage v={buildView(ctx, request, viewer)} channel={channel} scriptUrl="/webchat.js" channelKey={settingsOf(ctx, channel).channel_key} />)
    })
}
