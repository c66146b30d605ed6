// Creating and changing sectors, shared by the API and the admin pages.
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, type FieldProblem } from '../http/errors'
import type { Routing, Sector, SectorInput, SurveyKind } from './sectors-store'

export interface SectorRaw {
  name?: unknown
  routing?: unknown
  offer_timeout_s?: unknown
  business_hours_id?: unknown
  survey?: unknown
  require_classification?: unknown
}

const ROUTINGS: Routing[] = ['auto', 'offer']
const SURVEYS: SurveyKind[] = ['none', 'csat', 'nps', 'ces']

/** Validates the fields present over `base` (the current sector, or the defaults when creating). */
export function validateSector(ctx: Context, raw: SectorRaw, base: SectorInput, sectorId?: number) {
  const problems: FieldProblem[] = []
  const out: SectorInput = { ...base }
  if (raw.name !== undefined || sectorId === undefined) {
    const name = typeof raw.name === 'string' ? raw.name.trim() : ''
    const other = name ? ctx.stores.sectors.byName(name) : null
    if (!name || name.length > 120) problems.push({ field: 'name', key: 'valid.name' })
    else if (other && other.id !== sectorId) problems.push({ field: 'name', key: 'valid.sector_name_taken' })
    else out.name = name
  }
  if (raw.routing !== undefined) {
    if (!ROUTINGS.includes(raw.routing as Routing)) problems.push({ field: 'routing', key: 'valid.routing' })
    else out.routing = raw.routing as Routing
  }
  if (raw.offer_timeout_s !== undefined) {
    const n = raw.offer_timeout_s
    if (!Number.isInteger(n) || (n as number) < 5 || (n as number) > 600) problems.push({ field: 'offer_timeout_s', key: 'valid.offer_timeout' })
    else out.offer_timeout_s = n as number
  }
  if (raw.survey !== undefined) {
    if (!SURVEYS.includes(raw.survey as SurveyKind)) problems.push({ field: 'survey', key: 'valid.survey' })
    else out.survey = raw.survey as SurveyKind
  }
  if (raw.require_classification !== undefined) {
    if (typeof raw.require_classification !== 'boolean') problems.push({ field: 'require_classification', key: 'form.required' })
    else out.require_classification = raw.require_classification
  }
  if (raw.business_hours_id !== undefined) {
    // A business-hours calendar (src/hours), or null for none (always open).
    const id = raw.business_hours_id
    if (id === null) out.business_hours_id = null
    else if (!Number.isInteger(id) || !ctx.stores.hours.get(id as number)) problems.push({ field: 'business_hours_id', key: 'hours.valid_calendar' })
    else out.business_hours_id = id as number
  }
  return { value: out, problems }
}

export const SECTOR_DEFAULTS: SectorInput = {
  name: '',
  routing: 'auto',
  offer_timeout_s: 30,
  business_hours_id: null,
  survey: 'none',
  require_classification: false,
}

export function saveSector(ctx: Context, actorId: number, raw: SectorRaw, existing: Sector | null, ip: string | null): Sector {
  const { value, problems } = validateSector(ctx, raw, existing ?? SECTOR_DEFAULTS, existing?.id)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const id = write(ctx.db, () => {
    const id = existing ? (ctx.stores.sectors.update(existing.id, value), existing.id) : ctx.stores.sectors.create(value)
    ctx.stores.audit.record({ actor_id: actorId, action: existing ? 'sector.update' : 'sector.create', object_type: 'sector', object_id: id, ip, details: { ...value } })
    return id
  })
  // A routing mode or timeout change may make waiting tickets assignable now.
  ctx.wake.routing()
  return ctx.stores.sectors.get(id)!
}

/** api.md: `{ id, name, routing, offer_timeout_s, business_hours_id?, survey, require_classification }` */
export function sectorJson(s: Sector) {
  return {
    id: s.id,
    name: s.name,
    routing: s.routing,
    offer_timeout_s: s.offer_timeout_s,
    business_hours_id: s.business_hours_id,
    survey: s.survey,
    require_classification: s.require_classification,
    active: s.active,
    created_at: new Date(s.created_at).toISOString(),
    updated_at: new Date(s.updated_at).toISOString(),
  }
}
