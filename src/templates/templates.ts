// Creating, editing, deleting and synchronising templates with Meta, shared by the API and the
// admin pages. The Graph call happens first, outside any transaction; what Meta accepted is then
// written with its audit entry in one transaction. Meta's refusals come back in plain words.
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, conflict, HttpError, notFound, type FieldProblem } from '../http/errors'
import { t, type Lang, type MessageKey } from '../i18n'
import type { Channel, WhatsAppSecrets, WhatsAppSettings } from '../channels/store'
import { explainGraphError } from '../channels/whatsapp/errors'
import { GraphError } from '../channels/whatsapp/graph'
import { TemplateGraphError, templatesGraph, type MetaTemplate } from '../channels/whatsapp/templates-graph'
import type { Template } from './store'
import { CATEGORIES, EDITABLE_STATUSES, TEMPLATE_LANGUAGE, TEMPLATE_NAME, validateComponents, type TemplateComponent } from './validation'

/** What a caller may send to create a template (API JSON, or the admin form turned into it). */
export interface TemplateInput {
  channel_id?: unknown
  name?: unknown
  language?: unknown
  category?: unknown
  components?: unknown
  reply_sector_id?: unknown
}

export interface TemplatePatch {
  category?: unknown
  components?: unknown
  reply_sector_id?: unknown
}

/** The template as the API shows it (api.md "Templates"), plus Meta's id and quality. */
export function templateJson(tpl: Template) {
  return {
    id: tpl.id,
    channel_id: tpl.channel_id,
    name: tpl.name,
    language: tpl.language,
    category: tpl.category,
    status: tpl.status,
    components: tpl.components,
    reply_sector_id: tpl.reply_sector_id,
    rejected_reason: tpl.rejected_reason,
    external_id: tpl.external_id,
    quality_score: tpl.quality_score,
    parameter_format: tpl.parameter_format,
    created_at: new Date(tpl.created_at).toISOString(),
    updated_at: new Date(tpl.updated_at).toISOString(),
  }
}

/** The WhatsApp channel a template belongs to, or a 400 naming `channel_id`. */
export function whatsappChannelOr400(ctx: Context, id: unknown): Channel {
  const channel = Number.isInteger(id) && (id as number) > 0 ? ctx.stores.channels.get(id as number) : null
  if (!channel || channel.type !== 'whatsapp') throw badRequest('validation_failed', 'templates.valid_channel', [{ field: 'channel_id', key: 'templates.valid_channel' }])
  return channel
}

const graphOf = (ctx: Context, channel: Channel) =>
  templatesGraph(channel.settings as unknown as WhatsAppSettings, ctx.stores.channels.secrets<WhatsAppSecrets>(channel.id).access_token ?? '')

function replySectorProblem(ctx: Context, v: unknown): boolean {
  if (v === null || v === undefined) return false
  return !Number.isInteger(v) || (v as number) < 1 || !ctx.stores.sectors.get(v as number)
}

/** Checks a new template; returns the clean value or the problems. Nothing is written. */
export function validateNewTemplate(ctx: Context, input: TemplateInput) {
  const problems: FieldProblem[] = []
  const name = typeof input.name === 'string' ? input.name.trim() : ''
  if (!TEMPLATE_NAME.test(name)) problems.push({ field: 'name', key: 'templates.valid_name' })
  const language = typeof input.language === 'string' ? input.language.trim() : ''
  if (!TEMPLATE_LANGUAGE.test(language)) problems.push({ field: 'language', key: 'templates.valid_language' })
  const category = typeof input.category === 'string' ? input.category.trim().toUpperCase() : ''
  if (!(CATEGORIES as readonly string[]).includes(category)) problems.push({ field: 'category', key: 'templates.valid_category' })
  const { components, problems: componentProblems } = validateComponents(input.components)
  problems.push(...componentProblems)
  if (replySectorProblem(ctx, input.reply_sector_id)) problems.push({ field: 'reply_sector_id', key: 'templates.valid_reply_sector' })
  const replySectorId = typeof input.reply_sector_id === 'number' ? input.reply_sector_id : null
  return { value: { name, language, category, components, reply_sector_id: replySectorId }, problems }
}

// ---- Meta's errors in plain words ---------------------------------------------------------------

const SUBCODES: Record<number, MessageKey> = {
  2388024: 'templates.meta_exists_language',
  2388023: 'templates.meta_being_deleted',
  2388299: 'templates.valid_body_edges',
  2388043: 'templates.meta_examples',
  2388047: 'templates.meta_header_format',
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** A failed management call, explained for an admin in their language. */
export function explainTemplateFailure(err: unknown, graphBaseUrl: string, lang: Lang): string {
  if (!(err instanceof GraphError)) return t(lang, 'templates.meta_unknown')
  const subcode = err instanceof TemplateGraphError ? err.subcode : null
  if (subcode !== null && SUBCODES[subcode]) return t(lang, SUBCODES[subcode])
  if (err.status === null) return t(lang, err.message === 'timeout' ? 'templates.meta_timeout' : 'templates.meta_unreachable', { host: hostOf(graphBaseUrl) })
  if (err.code === 100 && err.details) return t(lang, 'templates.meta_invalid', { details: err.details.slice(0, 500) })
  if (err.code !== null) {
    const base = explainGraphError(err.code, lang)
    return err.details ? `${base} — ${err.details.slice(0, 500)}` : base
  }
  if (err.status === 401 || err.status === 403) return explainGraphError(190, lang)
  return t(lang, 'templates.meta_http', { status: err.status })
}

/** 422 when Meta looked at the request and refused it; 502 when Meta could not be asked. */
export function metaHttpError(err: unknown, channel: Channel, lang: Lang): HttpError {
  const reason = explainTemplateFailure(err, (channel.settings as Partial<WhatsAppSettings>).graph_base_url ?? '', lang)
  const refused = err instanceof GraphError && err.status !== null && err.status >= 400 && err.status < 500 && err.status !== 429
  return new HttpError(refused ? 422 : 502, refused ? 'meta_refused' : 'meta_unavailable', 'templates.meta_error', { reason })
}

function logFailure(ctx: Context, err: unknown, what: string, channelId: number) {
  if (err instanceof GraphError) ctx.log.warn({ channel_id: channelId, http_status: err.status, graph_code: err.code, subcode: (err as TemplateGraphError).subcode ?? null }, `template ${what} refused`)
  else ctx.log.error({ err, channel_id: channelId }, `template ${what} crashed`)
}

// ---- create, edit, delete -------------------------------------------------------------------------

export async function createTemplate(ctx: Context, actorId: number | null, input: TemplateInput, lang: Lang, ip: string | null = null): Promise<Template> {
  const channel = whatsappChannelOr400(ctx, input.channel_id)
  const { value, problems } = validateNewTemplate(ctx, input)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const taken = () => new HttpError(409, 'template_exists', 'templates.exists', {}, [{ field: 'name', key: 'templates.exists' }])
  const before = ctx.stores.templates.byName(channel.id, value.name, value.language)
  if (before && before.status !== 'DELETED') throw taken()

  let meta: { id: string; status: string; category: string | null }
  try {
    meta = await graphOf(ctx, channel).create({ name: value.name, language: value.language, category: value.category, components: value.components })
  } catch (err) {
    logFailure(ctx, err, 'create', channel.id)
    throw metaHttpError(err, channel, lang)
  }
  const id = write(ctx.db, () => {
    const fresh = ctx.stores.templates.byName(channel.id, value.name, value.language)
    const row = { external_id: meta.id, category: (meta.category ?? value.category).toUpperCase(), status: meta.status, components: value.components, reply_sector_id: value.reply_sector_id, created_by: actorId }
    let id: number
    if (fresh) {
      // Deleted here before (or created by a concurrent request that lost the race at Meta's side).
      ctx.stores.templates.resubmitted(fresh.id, row)
      id = fresh.id
    } else {
      id = ctx.stores.templates.insert({ channel_id: channel.id, name: value.name, language: value.language, parameter_format: 'POSITIONAL', ...row })
    }
    ctx.stores.audit.record({ actor_id: actorId, action: 'template.create', object_type: 'template', object_id: id, ip, details: { channel_id: channel.id, name: value.name, language: value.language, category: row.category, external_id: meta.id, status: meta.status } })
    return id
  })
  ctx.log.info({ template_id: id, channel_id: channel.id, status: meta.status }, 'template submitted')
  return ctx.stores.templates.get(id)!
}

/**
 * Changes a template. The reply sector is ours (no call to Meta); new components or a new category
 * go to Meta, which puts the template back in review (PENDING). Meta edits only approved, rejected
 * or paused templates.
 */
export async function editTemplate(ctx: Context, actorId: number | null, tpl: Template, patch: TemplatePatch, lang: Lang, ip: string | null = null): Promise<Template> {
  if (tpl.status === 'DELETED') throw notFound()
  const problems: FieldProblem[] = []
  if (patch.reply_sector_id !== undefined && replySectorProblem(ctx, patch.reply_sector_id)) problems.push({ field: 'reply_sector_id', key: 'templates.valid_reply_sector' })
  let category = tpl.category
  if (patch.category !== undefined) {
    const c = typeof patch.category === 'string' ? patch.category.trim().toUpperCase() : ''
    if (!(CATEGORIES as readonly string[]).includes(c)) problems.push({ field: 'category', key: 'templates.valid_category' })
    else category = c
  }
  let components: TemplateComponent[] | null = null
  if (patch.components !== undefined) {
    const checked = validateComponents(patch.components)
    problems.push(...checked.problems)
    components = checked.components
  }
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const toMeta = components !== null || category !== tpl.category
  if (toMeta) {
    if (!EDITABLE_STATUSES.has(tpl.status) || !tpl.external_id) throw conflict('template_not_editable', 'templates.not_editable', { status: tpl.status })
    const channel = ctx.stores.channels.get(tpl.channel_id)!
    try {
      await graphOf(ctx, channel).edit(tpl.external_id, { components: components ?? tpl.components, ...(category !== tpl.category ? { category } : {}) })
    } catch (err) {
      logFailure(ctx, err, 'edit', channel.id)
      throw metaHttpError(err, channel, lang)
    }
  }
  write(ctx.db, () => {
    if (toMeta) ctx.stores.templates.edited(tpl.id, category, 'PENDING', components ?? tpl.components)
    if (patch.reply_sector_id !== undefined) ctx.stores.templates.setReplySector(tpl.id, (patch.reply_sector_id as number | null) ?? null)
    ctx.stores.audit.record({
      actor_id: actorId,
      action: 'template.update',
      object_type: 'template',
      object_id: tpl.id,
      ip,
      details: { resubmitted: toMeta, category, ...(patch.reply_sector_id !== undefined ? { reply_sector_id: patch.reply_sector_id } : {}) },
    })
  })
  return ctx.stores.templates.get(tpl.id)!
}

/**
 * Deletes the template at Meta (by name, narrowed to this language by its id) and marks it
 * DELETED here; the row stays for the messages and bulk runs that used it. One Meta no longer
 * has counts as deleted.
 */
export async function deleteTemplate(ctx: Context, actorId: number | null, tpl: Template, lang: Lang, ip: string | null = null): Promise<Template> {
  if (tpl.status === 'DELETED') throw notFound()
  const channel = ctx.stores.channels.get(tpl.channel_id)!
  try {
    await graphOf(ctx, channel).remove(tpl.name, tpl.external_id)
  } catch (err) {
    const gone = err instanceof GraphError && err.code === 100 && /not found|does not exist/i.test(`${err.details ?? ''} ${err.message}`)
    if (!gone) {
      logFailure(ctx, err, 'delete', channel.id)
      throw metaHttpError(err, channel, lang)
    }
  }
  write(ctx.db, () => {
    ctx.stores.templates.setStatus(tpl.id, 'DELETED', null)
    ctx.stores.audit.record({ actor_id: actorId, action: 'template.delete', object_type: 'template', object_id: tpl.id, ip, details: { name: tpl.name, language: tpl.language, external_id: tpl.external_id } })
  })
  return ctx.stores.templates.get(tpl.id)!
}

// ---- "Sincronizar" ----------------------------------------------------------------------------------

export interface SyncResult {
  total: number
  created: number
  updated: number
  removed: number
}

/**
 * Pulls Meta's list (every page) and makes the channel's templates match it: new ones added,
 * statuses, categories, components and reasons refreshed, ones Meta no longer lists marked DELETED.
 * Reply sectors (ours) are kept.
 */
export async function syncTemplates(ctx: Context, actorId: number | null, channel: Channel, lang: Lang, ip: string | null = null): Promise<SyncResult> {
  if (channel.type !== 'whatsapp') throw badRequest('validation_failed', 'templates.valid_channel', [{ field: 'channel_id', key: 'templates.valid_channel' }])
  let metas: MetaTemplate[]
  try {
    metas = await graphOf(ctx, channel).list()
  } catch (err) {
    logFailure(ctx, err, 'sync', channel.id)
    throw metaHttpError(err, channel, lang)
  }
  const result = write(ctx.db, () => applyMetaList(ctx, channel.id, metas))
  write(ctx.db, () =>
    ctx.stores.audit.record({ actor_id: actorId, action: 'template.sync', object_type: 'channel', object_id: channel.id, ip, details: { ...result } }),
  )
  ctx.log.info({ channel_id: channel.id, ...result }, 'templates synchronised')
  return result
}

/** Call inside a write transaction. */
export function applyMetaList(ctx: Context, channelId: number, metas: MetaTemplate[]): SyncResult {
  const local = ctx.stores.templates.ofChannel(channelId)
  const byExternal = new Map(local.filter((l) => l.external_id).map((l) => [l.external_id!, l]))
  const byKey = new Map(local.map((l) => [`${l.name}\u0000${l.language}`, l]))
  const seen = new Set<number>()
  const result: SyncResult = { total: metas.length, created: 0, updated: 0, removed: 0 }
  for (const m of metas) {
    const row = byExternal.get(m.id) ?? byKey.get(`${m.name}\u0000${m.language}`)
    const format = m.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL'
    if (row) {
      seen.add(row.id)
      const changed =
        row.status !== m.status || row.category !== m.category || row.rejected_reason !== m.rejected_reason || JSON.stringify(row.components) !== JSON.stringify(m.components) || row.external_id !== m.id
      ctx.stores.templates.synced(row.id, { external_id: m.id, category: m.category, parameter_format: format, status: m.status, components: m.components, rejected_reason: m.rejected_reason, quality_score: m.quality_score })
      if (changed) result.updated++
    } else {
      const id = ctx.stores.templates.insert({
        channel_id: channelId,
        external_id: m.id,
        name: m.name,
        language: m.language,
        category: m.category,
        parameter_format: format,
        status: m.status,
        components: m.components,
        reply_sector_id: null,
        rejected_reason: m.rejected_reason,
        created_by: null,
      })
      if (m.quality_score) ctx.stores.templates.setQuality(id, m.quality_score)
      seen.add(id)
      result.created++
    }
  }
  for (const l of local) {
    if (seen.has(l.id) || l.status === 'DELETED') continue
    ctx.stores.templates.setStatus(l.id, 'DELETED', null)
    result.removed++
  }
  return result
}
