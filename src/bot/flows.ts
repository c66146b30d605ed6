// Creating, changing (a new version), importing, exporting and deleting bot flows, shared by the
// pages and the API: one validation (flow.ts), one transaction per change with its audit entry.
import type { Context } from '../context'
import { write } from '../db/open'
import { conflict, HttpError, type FieldProblem } from '../http/errors'
import { builtinFlow } from './default-flow'
import { exportDocument, importDocument, sameDefinition, validateFlow, type FlowDefinition, type FlowEnv, type FlowProblem } from './flow'
import type { Flow } from './store'

/** Largest JSON document accepted for an import. */
export const MAX_IMPORT_BYTES = 256 * 1024

export function flowEnv(ctx: Context): FlowEnv {
  return {
    sectorExists: (id) => ctx.stores.sectors.get(id) !== null,
    customerTypeExists: (id) => ctx.stores.customers.types.get(id) !== null,
  }
}

/** Thrown with the problems of a definition (400 flow_invalid; details list the paths). */
export class FlowInvalid extends HttpError {
  constructor(public problems: FlowProblem[]) {
    super(400, 'flow_invalid', 'bot.flow_invalid', {}, problems.map((p): FieldProblem => ({ field: p.path, key: p.key })))
  }
}

export function checkDefinition(ctx: Context, def: FlowDefinition, extra: FlowProblem[] = []) {
  const problems = [...extra, ...validateFlow(def, flowEnv(ctx))]
  if (problems.length) throw new FlowInvalid(problems)
}

/** A blank flow: a greeting and a handoff, ready to edit. */
export function blankFlow(ctx: Context, name: string): FlowDefinition {
  const base = builtinFlow(ctx.config.defaultLanguage)
  return {
    name,
    start: 'inicio',
    settings: base.settings,
    steps: [
      { id: 'inicio', type: 'message', text: base.steps[0].text, next: 'transferir' },
      { id: 'transferir', type: 'handoff', sector_id: null },
    ],
  }
}

export function createFlow(ctx: Context, actorId: number | null, def: FlowDefinition, ip: string | null, via: 'new' | 'import' = 'new'): Flow {
  checkDefinition(ctx, def)
  const id = write(ctx.db, () => {
    const id = ctx.stores.bot.flows.create(def, actorId)
    ctx.stores.audit.record({ actor_id: actorId, action: via === 'import' ? 'bot_flow.import' : 'bot_flow.create', object_type: 'bot_flow', object_id: id, ip, details: { name: def.name, steps: def.steps.length } })
    return id
  })
  return ctx.stores.bot.flows.get(id)!
}

/**
 * Stores a definition as the flow's next version (conversations in progress keep theirs). A
 * definition equal to the current one stores nothing. Returns the flow and whether it changed.
 */
export function saveFlowVersion(ctx: Context, actorId: number | null, flow: Flow, def: FlowDefinition, ip: string | null, via = 'edit'): { flow: Flow; changed: boolean } {
  checkDefinition(ctx, def)
  const changed = write(ctx.db, () => {
    const fresh = ctx.stores.bot.flows.get(flow.id)
    if (!fresh) throw new HttpError(404, 'not_found', 'error.not_found')
    const current = ctx.stores.bot.flows.version(fresh.id, fresh.current_version)
    if (current && sameDefinition(current.definition, def)) return false
    const version = ctx.stores.bot.flows.addVersion(fresh, def, actorId)
    ctx.stores.audit.record({ actor_id: actorId, action: 'bot_flow.version', object_type: 'bot_flow', object_id: fresh.id, ip, details: { version, via, name: def.name, steps: def.steps.length } })
    return true
  })
  return { flow: ctx.stores.bot.flows.get(flow.id)!, changed }
}

/** Only a flow no channel uses, that never ran a conversation, and not the built-in one, can go. */
export function deleteFlow(ctx: Context, actorId: number, flow: Flow, ip: string | null) {
  write(ctx.db, () => {
    if (flow.builtin) throw conflict('flow_builtin', 'bot.delete_builtin')
    if (ctx.stores.bot.flows.channels(flow.id).length) throw conflict('flow_in_use', 'bot.delete_in_use')
    if (ctx.stores.bot.flows.everRan(flow.id)) throw conflict('flow_has_conversations', 'bot.delete_has_conversations')
    ctx.stores.bot.flows.remove(flow.id)
    ctx.stores.audit.record({ actor_id: actorId, action: 'bot_flow.delete', object_type: 'bot_flow', object_id: flow.id, ip, details: { name: flow.name } })
  })
}

const sectorRefs = (ctx: Context) => ctx.stores.sectors.list().map((s) => ({ id: s.id, name: s.name }))

/** The export document of a flow version (the current one by default); null when no such version. */
export function exportFlow(ctx: Context, flow: Flow, version = flow.current_version) {
  const v = ctx.stores.bot.flows.version(flow.id, version)
  if (!v) return null
  return exportDocument(v.definition, sectorRefs(ctx), { version: v.version, exported_at: Date.now() })
}

/** Parses an uploaded or pasted document: the definition (null when unreadable) and its problems. */
export function readImport(ctx: Context, text: string): { def: FlowDefinition | null; problems: FlowProblem[] } {
  if (text.length > MAX_IMPORT_BYTES) return { def: null, problems: [{ path: 'steps', key: 'bot.import_too_large' }] }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { def: null, problems: [{ path: 'steps', key: 'bot.import_not_json' }] }
  }
  const { def, problems } = importDocument(raw, sectorRefs(ctx))
  return { def, problems: [...problems, ...validateFlow(def, flowEnv(ctx))] }
}

/** The same, throwing 400 flow_invalid when anything is wrong. */
export function parseImport(ctx: Context, text: string): FlowDefinition {
  const { def, problems } = readImport(ctx, text)
  if (!def || problems.length) throw new FlowInvalid(problems)
  return def
}

/** An already-parsed document (the API's JSON body). */
export function importValue(ctx: Context, raw: unknown): FlowDefinition {
  const { def, problems } = importDocument(raw, sectorRefs(ctx))
  checkDefinition(ctx, def, problems)
  return def
}

export function flowJson(ctx: Context, f: Flow) {
  return {
    id: f.id,
    name: f.name,
    builtin: f.builtin,
    version: f.current_version,
    channel_ids: ctx.stores.bot.flows.channels(f.id).map((c) => c.id),
    active_conversations: [...ctx.stores.bot.flows.active(f.id).values()].reduce((a, b) => a + b, 0),
    created_at: new Date(f.created_at).toISOString(),
    updated_at: new Date(f.updated_at).toISOString(),
  }
}
