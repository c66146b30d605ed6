// Bot flows: the admin pages (`/admin/bot`, session + CSRF, permission `bot.manage`) — list, new,
// editor, versions, export/import, which flow each channel uses — and the REST API
// (`/api/v1/bot/flows`, bearer tokens; permission checked before anything sent is validated).
import { Elysia, t } from 'elysia'
import { can } from '../admin/permissions'
import { apiGuard, apiViewer } from '../api/guard'
import { ErrorBody } from '../api/pagination'
import { IdParams, list } from '../api/schemas'
import { updateChannel } from '../channels/channels'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { checkSessionCsrf } from '../http/csrf'
import { forbidden, HttpError, notFound } from '../http/errors'
import { buildView, flashKey, html, pageViewer, readCheckedForm, redirect } from '../http/pages'
import type { Viewer } from '../http/auth'
import type { MessageKey } from '../i18n'
import { FlowEditorPage, type EditorState } from '../../views/bot/editor'
import { BotFlowsPage, FlowVersionsPage, type ImportState } from '../../views/bot/flows'
import type { View } from '../../views/view'
import { builtinFlow } from './default-flow'
import { formToDefinition, isStepType, newStep, problemsByField } from './editor'
import { validateFlow, type FlowDefinition, type FlowProblem } from './flow'
import { blankFlow, createFlow, deleteFlow, exportFlow, FlowInvalid, flowEnv, flowJson, importValue, MAX_IMPORT_BYTES, parseImport, readImport, saveFlowVersion } from './flows'
import type { Flow } from './store'

// ---- API schemas ------------------------------------------------------------------------------------

const DateTime = t.String({ format: 'date-time' })
export const BotFlowSchema = t.Object({
  id: t.Integer(),
  name: t.String(),
  builtin: t.Boolean({ description: 'the default flow Kumquat ships (new channels use it)' }),
  version: t.Integer({ description: 'the version new conversations start on' }),
  channel_ids: t.Array(t.Integer()),
  active_conversations: t.Integer(),
  created_at: DateTime,
  updated_at: DateTime,
})
const FlowDocument = t.Record(t.String(), t.Unknown(), {
  description: 'an exported flow ({ format: "kumquat.bot_flow", flow: { name, start, settings, steps } }) or a bare definition { name, start, settings, steps }',
})
const VersionQuery = t.Object({ version: t.Optional(t.Integer({ minimum: 1 })) }, { additionalProperties: true })
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }

const idParam = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'fluxo'

export function botRoutes(ctx: Context) {
  const flowOr404 = (id: number): Flow => {
    const f = ctx.stores.bot.flows.get(id)
    if (!f) throw notFound()
    return f
  }
  const currentDef = (f: Flow): FlowDefinition => ctx.stores.bot.flows.version(f.id, f.current_version)!.definition

  // ---- API -------------------------------------------------------------------------------------------
  const api = new Elysia({ prefix: '/api/v1' })
    .use(apiGuard(ctx))
    .get('/bot/flows', () => ({ data: ctx.stores.bot.flows.list().map((f) => flowJson(ctx, f)), next_cursor: null }), {
      permission: 'bot.manage',
      response: { 200: list(BotFlowSchema), ...errors },
      detail: { tags: ['bot'], summary: 'Bot flows (the built-in one first)' },
    })
    .get(
      '/bot/flows/:id',
      ({ params, query }) => {
        const f = flowOr404(Number(params.id))
        const doc = exportFlow(ctx, f, query.version ?? f.current_version)
        if (!doc) throw notFound()
        return doc
      },
      {
        permission: 'bot.manage',
        params: IdParams,
        query: VersionQuery,
        detail: { tags: ['bot'], summary: 'A flow as its export document (the current version, or ?version=)' },
      },
    )
    .post(
      '/bot/flows',
      ({ request, body }) => {
        const viewer = apiViewer(ctx, request)
        const f = createFlow(ctx, viewer.user.id, importValue(ctx, body), clientIp(request), 'import')
        return new Response(JSON.stringify(flowJson(ctx, f)), { status: 201, headers: { 'content-type': 'application/json' } })
      },
      {
        permission: 'bot.manage',
        body: FlowDocument,
        response: { 201: BotFlowSchema, ...errors },
        detail: { tags: ['bot'], summary: 'Import a flow (400 flow_invalid with the problems: every next step must exist, every step reachable with a way out)' },
      },
    )
    .put(
      '/bot/flows/:id',
      ({ request, params, body }) => {
        const viewer = apiViewer(ctx, request)
        const f = flowOr404(Number(params.id))
        return flowJson(ctx, saveFlowVersion(ctx, viewer.user.id, f, importValue(ctx, body), clientIp(request), 'api').flow)
      },
      {
        permission: 'bot.manage',
        params: IdParams,
        body: FlowDocument,
        response: { 200: BotFlowSchema, ...errors },
        detail: { tags: ['bot'], summary: 'Store a new version of a flow (conversations in progress finish on theirs)' },
      },
    )

  // ---- pages -----------------------------------------------------------------------------------------
  const flowRows = () => ctx.stores.bot.flows.list().map((flow) => ({ flow, channels: ctx.stores.bot.flows.channels(flow.id), active: [...ctx.stores.bot.flows.active(flow.id).values()].reduce((a, b) => a + b, 0) }))
  const listPage = (v: View, o: { flash?: MessageKey | null; error?: MessageKey | null; importState?: ImportState; newName?: { value: string; problem: MessageKey | null } } = {}, status = 200) =>
    html(<BotFlowsPage v={v} rows={flowRows()} channels={ctx.stores.channels.list()} {...o} />, status)

  const editorState = (flow: Flow, def: FlowDefinition, problems: FlowProblem[] = [], extra: Partial<EditorState> = {}): EditorState => ({
    flow,
    def,
    problems,
    byField: problemsByField(def, problems),
    sectors: ctx.stores.sectors.list().filter((s) => s.active),
    customerTypes: ctx.stores.customers.types.list(),
    ...extra,
  })
  const editorPage = (v: View, st: EditorState, status = 200) => html(<FlowEditorPage v={v} st={st} />, status)

  /** The text of an uploaded file (field `file`) or of the pasted JSON (field `json`), CSRF checked. */
  async function readUpload(request: Request, viewer: Viewer): Promise<string> {
    let data: FormData
    try {
      data = await request.formData()
    } catch {
      throw new HttpError(415, 'unsupported_media_type', 'error.unsupported_media_type')
    }
    const fields: Record<string, string> = {}
    for (const [k, value] of data.entries()) if (typeof value === 'string' && !(k in fields)) fields[k] = value
    checkSessionCsrf(request, viewer, fields)
    const file = data.get('file')
    if (file && typeof file !== 'string' && file.size > 0) {
      if (file.size > MAX_IMPORT_BYTES) throw new FlowInvalid([{ path: 'steps', key: 'bot.import_too_large' }])
      return await file.text()
    }
    return fields.json ?? ''
  }

  const pages = new Elysia()
    .get('/admin/bot', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      return listPage(buildView(ctx, request, viewer), { flash: flashKey(request, ['bot.deleted', 'bot.channel_saved'] as const) })
    })
    .post('/admin/bot/flows', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      const form = await readCheckedForm(request, viewer)
      const name = form.get('name').trim()
      const v = buildView(ctx, request, viewer)
      if (!name || name.length > 120) return listPage(v, { newName: { value: form.get('name'), problem: 'bot.valid_name' } }, 422)
      const def: FlowDefinition = form.get('from') === 'blank' ? blankFlow(ctx, name) : { ...builtinFlow(ctx.config.defaultLanguage), name }
      const f = createFlow(ctx, viewer.user.id, def, clientIp(request))
      return redirect(`/admin/bot/flows/${f.id}?ok=bot.created`)
    })
    .post('/admin/bot/import', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      const text = await readUpload(request, viewer).catch((e) => (e instanceof FlowInvalid ? e : Promise.reject(e)))
      const v = buildView(ctx, request, viewer)
      if (text instanceof FlowInvalid) return listPage(v, { importState: { text: '', problems: text.problems } }, 422)
      try {
        const f = createFlow(ctx, viewer.user.id, parseImport(ctx, text), clientIp(request), 'import')
        return redirect(`/admin/bot/flows/${f.id}?ok=bot.imported`)
      } catch (e) {
        if (!(e instanceof FlowInvalid)) throw e
        return listPage(v, { importState: { text: text.slice(0, MAX_IMPORT_BYTES), problems: e.problems } }, 422)
      }
    })
    .post('/admin/bot/channels/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      if (!can(viewer.user, 'channels.edit')) throw forbidden()
      const form = await readCheckedForm(request, viewer)
      const channel = ctx.stores.channels.get(idParam(params.id))
      if (!channel) throw notFound()
      const raw = form.get('bot_flow_id').trim()
      const flowId = /^\d{1,15}$/.test(raw) ? Number(raw) : null
      if (raw && flowId === null) throw notFound()
      if (flowId !== null) flowOr404(flowId)
      updateChannel(ctx, viewer.user.id, channel, { bot_flow_id: flowId }, clientIp(request))
      return redirect('/admin/bot?ok=bot.channel_saved')
    })
    .get('/admin/bot/flows/:id', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      const f = flowOr404(idParam(params.id))
      const flash = flashKey(request, ['bot.created', 'bot.saved', 'bot.unchanged', 'bot.imported', 'bot.imported_version', 'bot.restored'] as const)
      return editorPage(buildView(ctx, request, viewer), editorState(f, currentDef(f), [], { flash }))
    })
    .post('/admin/bot/flows/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      const form = await readCheckedForm(request, viewer)
      const f = flowOr404(idParam(params.id))
      const v = buildView(ctx, request, viewer)
      const def = formToDefinition(form)
      const action = form.get('do')
      if (action === 'add') {
        const type = form.get('add_type')
        def.steps.push(newStep(def, isStepType(type) ? type : 'message'))
        if (!def.start) def.start = def.steps[0].id
        return editorPage(v, editorState(f, def))
      }
      if (action.startsWith('remove:')) {
        const i = Number(action.slice(7))
        if (Number.isInteger(i) && i >= 0 && i < def.steps.length) def.steps.splice(i, 1)
        return editorPage(v, editorState(f, def))
      }
      if (action === 'check') {
        const problems = validateFlow(def, flowEnv(ctx))
        return editorPage(v, editorState(f, def, problems, { checked: problems.length === 0 }), problems.length ? 422 : 200)
      }
      if (action === 'save') {
        try {
          const { changed } = saveFlowVersion(ctx, viewer.user.id, f, def, clientIp(request))
          return redirect(`/admin/bot/flows/${f.id}?ok=${changed ? 'bot.saved' : 'bot.unchanged'}`)
        } catch (e) {
          if (!(e instanceof FlowInvalid)) throw e
          return editorPage(v, editorState(f, def, e.problems), 422)
        }
      }
      // 'refresh' (a type changed) or anything else: the draft drawn again, nothing saved.
      return editorPage(v, editorState(f, def))
    })
    .get('/admin/bot/flows/:id/export', ({ request, params }) => {
      pageViewer(ctx, request, 'bot.manage')
      const f = flowOr404(idParam(params.id))
      const raw = new URL(request.url).searchParams.get('version')
      const version = raw && /^\d{1,9}$/.test(raw) ? Number(raw) : f.current_version
      const doc = exportFlow(ctx, f, version)
      if (!doc) throw notFound()
      return new Response(JSON.stringify(doc, null, 2), {
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="${slug(f.name)}-v${version}.json"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      })
    })
    .get('/admin/bot/flows/:id/versions', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      const f = flowOr404(idParam(params.id))
      return html(<FlowVersionsPage v={buildView(ctx, request, viewer)} flow={f} versions={ctx.stores.bot.flows.versions(f.id)} active={ctx.stores.bot.flows.active(f.id)} />)
    })
    .post('/admin/bot/flows/:id/versions/:version/restore', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      await readCheckedForm(request, viewer)
      const f = flowOr404(idParam(params.id))
      const old = ctx.stores.bot.flows.version(f.id, idParam(params.version))
      if (!old) throw notFound()
      try {
        saveFlowVersion(ctx, viewer.user.id, f, old.definition, clientIp(request), `restore:${old.version}`)
      } catch (e) {
        // An old version may no longer be valid here (a sector it named was removed): fix it in the editor.
        if (!(e instanceof FlowInvalid)) throw e
        return editorPage(buildView(ctx, request, viewer), editorState(f, old.definition, e.problems), 422)
      }
      return redirect(`/admin/bot/flows/${f.id}?ok=bot.restored`)
    })
    .post('/admin/bot/flows/:id/import', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      const f = flowOr404(idParam(params.id))
      const v = buildView(ctx, request, viewer)
      const text = await readUpload(request, viewer).catch((e) => (e instanceof FlowInvalid ? e : Promise.reject(e)))
      const { def, problems } = text instanceof FlowInvalid ? { def: null, problems: text.problems } : readImport(ctx, text)
      // A draft with problems goes into the editor, to fix and save.
      if (!def || problems.length) return editorPage(v, editorState(f, def ?? currentDef(f), problems), 422)
      saveFlowVersion(ctx, viewer.user.id, f, def, clientIp(request), 'import')
      return redirect(`/admin/bot/flows/${f.id}?ok=bot.imported_version`)
    })
    .post('/admin/bot/flows/:id/delete', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'bot.manage')
      await readCheckedForm(request, viewer)
      const f = flowOr404(idParam(params.id))
      try {
        deleteFlow(ctx, viewer.user.id, f, clientIp(request))
      } catch (e) {
        if (e instanceof HttpError && e.status === 409) return listPage(buildView(ctx, request, viewer), { error: e.key }, 409)
        throw e
      }
      return redirect('/admin/bot?ok=bot.deleted')
    })

  return new Elysia().use(api).use(pages)
}
