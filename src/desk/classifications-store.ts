// Classificações (tabulação): the reason an agent picks when closing a ticket. A NULL sector means
// every sector. Deactivated ones stay (closed tickets point at them) but are no longer offered.
// The store, plus the validation shared by the API and the admin page (saveClassification).
import type { Database } from 'bun:sqlite'
import type { Context } from '../context'
import { write } from '../db/open'
import { badRequest, type FieldProblem } from '../http/errors'

export interface Classification {
  id: number
  name: string
  sector_id: number | null
  active: boolean
  created_at: number
  updated_at: number
}

interface Row extends Omit<Classification, 'active'> {
  active: number
}

export interface ClassificationValues {
  name: string
  sector_id: number | null
  active: boolean
}

const fold = (s: string) => s.normalize('NFC').toLocaleLowerCase('pt-BR')
const toClassification = (r: Row): Classification => ({ ...r, active: r.active === 1 })
const COLUMNS = 'id, name, sector_id, active, created_at, updated_at'

export function classificationsStore(db: Database) {
  const byId = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM classifications WHERE id = ?`)
  const all = db.query<Row, []>(`SELECT ${COLUMNS} FROM classifications ORDER BY sector_id IS NOT NULL, sector_id, name COLLATE NOCASE`)
  // ?2: -1 = every classification, else those that apply to that sector (its own and the global ones);
  // ?3: -1 = active or not, else 1 / 0.
  const page = db.query<Row, [number, number, number, number]>(
    `SELECT ${COLUMNS} FROM classifications
     WHERE id < ?1 AND (?2 = -1 OR sector_id IS NULL OR sector_id = ?2) AND (?3 = -1 OR active = ?3)
     ORDER BY id DESC LIMIT ?4`,
  )
  const forSector = db.query<Row, [number]>(
    `SELECT ${COLUMNS} FROM classifications WHERE active = 1 AND (sector_id IS NULL OR sector_id = ?) ORDER BY name COLLATE NOCASE`,
  )
  const global = db.query<Row, []>(`SELECT ${COLUMNS} FROM classifications WHERE active = 1 AND sector_id IS NULL ORDER BY name COLLATE NOCASE`)
  const ofScope = db.query<Row, [number | null]>(`SELECT ${COLUMNS} FROM classifications WHERE sector_id IS ?`)
  const insert = db.query<{ id: number }, [string, number | null, number, number, number]>(
    'INSERT INTO classifications (name, sector_id, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  )
  const update = db.query<unknown, [string, number | null, number, number, number]>(
    'UPDATE classifications SET name = ?, sector_id = ?, active = ?, updated_at = ? WHERE id = ?',
  )
  return {
    get(id: number): Classification | null {
      const r = byId.get(id)
      return r ? toClassification(r) : null
    },
    /** Every classification, global first, then by sector and name (the admin page). */
    list: (): Classification[] => all.all().map(toClassification),
    /** Newest first, before the cursor id; with a sector, those that apply to it (its own and the global ones). */
    page(o: { before: number; limit: number; sector?: number | null; active?: boolean | null }): Classification[] {
      const sector = o.sector ?? -1
      const active = o.active === undefined || o.active === null ? -1 : o.active ? 1 : 0
      return page.all(o.before, sector, active, o.limit).map(toClassification)
    },
    /** What an agent may pick when closing a ticket of this sector: the active global ones and the sector's. */
    activeFor: (sectorId: number | null): Classification[] => (sectorId === null ? global.all() : forSector.all(sectorId)).map(toClassification),
    /**
     * The one with this name in the same scope (same sector, or both global), if any; compared
     * case-insensitively in JS (SQLite's NOCASE folds ASCII only, so "DÚVIDA" would differ from "dúvida").
     */
    sameName(name: string, sectorId: number | null): Classification | null {
      const want = fold(name.trim())
      const r = ofScope.all(sectorId).find((c) => fold(c.name) === want)
      return r ? toClassification(r) : null
    },
    /** Call inside a write transaction. */
    create(c: ClassificationValues): number {
      const now = Date.now()
      return insert.get(c.name, c.sector_id, c.active ? 1 : 0, now, now)!.id
    },
    /** Call inside a write transaction. */
    update(id: number, c: ClassificationValues) {
      update.run(c.name, c.sector_id, c.active ? 1 : 0, Date.now(), id)
    },
  }
}
export type ClassificationsStore = ReturnType<typeof classificationsStore>

// ---- validation and saving, shared by the API and the admin page --------------------------------

export interface ClassificationRaw {
  name?: unknown
  sector_id?: unknown
  active?: unknown
}

/** Validates the fields present over `base` (the current one, or the defaults when creating). */
export function validateClassification(ctx: Context, raw: ClassificationRaw, existing: Classification | null) {
  const problems: FieldProblem[] = []
  const out: ClassificationValues = existing ? { name: existing.name, sector_id: existing.sector_id, active: existing.active } : { name: '', sector_id: null, active: true }
  if (raw.name !== undefined || !existing) {
    const name = typeof raw.name === 'string' ? raw.name.trim() : ''
    if (!name || name.length > 120) problems.push({ field: 'name', key: 'classifications.valid_name' })
    else out.name = name
  }
  if (raw.sector_id !== undefined) {
    const id = raw.sector_id
    if (id === null) out.sector_id = null
    else if (typeof id !== 'number' || !Number.isInteger(id) || !ctx.stores.sectors.get(id)) problems.push({ field: 'sector_id', key: 'classifications.valid_sector' })
    else out.sector_id = id
  }
  if (raw.active !== undefined) {
    if (typeof raw.active !== 'boolean') problems.push({ field: 'active', key: 'form.required' })
    else out.active = raw.active
  }
  if (!problems.length) {
    const other = ctx.stores.classifications.sameName(out.name, out.sector_id)
    if (other && other.id !== existing?.id) problems.push({ field: 'name', key: 'classifications.name_taken' })
  }
  return { value: out, problems }
}

export function saveClassification(ctx: Context, actorId: number, raw: ClassificationRaw, existing: Classification | null, ip: string | null): Classification {
  const { value, problems } = validateClassification(ctx, raw, existing)
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  const id = write(ctx.db, () => {
    const id = existing ? (ctx.stores.classifications.update(existing.id, value), existing.id) : ctx.stores.classifications.create(value)
    ctx.stores.audit.record({
      actor_id: actorId,
      action: existing ? 'classification.update' : 'classification.create',
      object_type: 'classification',
      object_id: id,
      ip,
      details: { ...value },
    })
    return id
  })
  return ctx.stores.classifications.get(id)!
}

/** api.md: `{ id, name, sector_id | null }` (plus active and times). */
export function classificationJson(c: Classification) {
  return {
    id: c.id,
    name: c.name,
    sector_id: c.sector_id,
    active: c.active,
    created_at: new Date(c.created_at).toISOString(),
    updated_at: new Date(c.updated_at).toISOString(),
  }
}
