// Sectors (setores / filas): where tickets wait, and how they are routed to agents.
import type { Database } from 'bun:sqlite'

export type Routing = 'auto' | 'offer'
export type SurveyKind = 'none' | 'csat' | 'nps' | 'ces'

export interface Sector {
  id: number
  name: string
  routing: Routing
  offer_timeout_s: number
  business_hours_id: number | null
  survey: SurveyKind
  require_classification: boolean
  active: boolean
  created_at: number
  updated_at: number
}

interface Row extends Omit<Sector, 'require_classification' | 'active'> {
  require_classification: number
  active: number
}

export interface SectorInput {
  name: string
  routing: Routing
  offer_timeout_s: number
  business_hours_id: number | null
  survey: SurveyKind
  require_classification: boolean
}

const toSector = (r: Row): Sector => ({
  ...r,
  require_classification: r.require_classification === 1,
  active: r.active === 1,
})

const COLUMNS =
  'id, name, routing, offer_timeout_s, business_hours_id, survey, require_classification, active, created_at, updated_at'

export function sectorsStore(db: Database) {
  const all = db.query<Row, []>(`SELECT ${COLUMNS} FROM sectors ORDER BY name COLLATE NOCASE`)
  const byId = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM sectors WHERE id = ?`)
  const byName = db.query<Row, [string]>(`SELECT ${COLUMNS} FROM sectors WHERE name = ? COLLATE NOCASE`)
  const page = db.query<Row, [number, number]>(`SELECT ${COLUMNS} FROM sectors WHERE id < ? ORDER BY id DESC LIMIT ?`)
  const insert = db.query<{ id: number }, [string, string, number, number | null, string, number, number, number]>(
    `INSERT INTO sectors (name, routing, offer_timeout_s, business_hours_id, survey, require_classification, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  )
  const update = db.query<unknown, [string, string, number, number | null, string, number, number, number]>(
    `UPDATE sectors SET name = ?, routing = ?, offer_timeout_s = ?, business_hours_id = ?, survey = ?,
       require_classification = ?, updated_at = ? WHERE id = ?`,
  )
  return {
    list: (): Sector[] => all.all().map(toSector),
    /** Newest first, before the cursor id. */
    page: (before: number, limit: number): Sector[] => page.all(before, limit).map(toSector),
    get(id: number): Sector | null {
      const r = byId.get(id)
      return r ? toSector(r) : null
    },
    byName(name: string): Sector | null {
      const r = byName.get(name.trim())
      return r ? toSector(r) : null
    },
    /** Call inside a write transaction. */
    create(s: SectorInput): number {
      const now = Date.now()
      return insert.get(s.name, s.routing, s.offer_timeout_s, s.business_hours_id, s.survey, s.require_classification ? 1 : 0, now, now)!.id
    },
    /** Call inside a write transaction. */
    update(id: number, s: SectorInput) {
      update.run(s.name, s.routing, s.offer_timeout_s, s.business_hours_id, s.survey, s.require_classification ? 1 : 0, Date.now(), id)
    },
  }
}
export type SectorsStore = ReturnType<typeof sectorsStore>
