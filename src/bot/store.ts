// Bot flows with their versions, and the pre-service state of tickets. Plain SQL, prepared once.
import type { Database } from 'bun:sqlite'
import type { FlowDefinition } from './flow'

export interface Flow {
  id: number
  name: string
  builtin: boolean
  current_version: number
  created_at: number
  updated_at: number
}

export interface FlowVersion {
  flow_id: number
  version: number
  definition: FlowDefinition
  created_by: number | null
  created_by_name: string | null
  created_at: number
}

export type PreServiceOutcome = 'handoff' | 'human' | 'resolved' | 'abandoned' | 'out_of_hours' | 'taken_over' | 'error'

export interface ShownChoice {
  id: string
  title: string
  /** what the var stores */
  value: string
  next: string
  /** a sectors menu: the sector picked */
  sector_id?: number
}

export interface PreService {
  ticket_id: number
  flow_id: number | null
  version: number | null
  step: string | null
  attempts: number
  vars: Record<string, string>
  shown: ShownChoice[] | null
  status: 'active' | 'done'
  outcome: PreServiceOutcome | null
  last_activity_at: number
  reminded: boolean
  due_at: number | null
  started_at: number
  ended_at: number | null
}

interface FlowRow extends Omit<Flow, 'builtin'> {
  builtin: number
}
interface VersionRow extends Omit<FlowVersion, 'definition'> {
  definition: string
}
interface PreServiceRow extends Omit<PreService, 'vars' | 'shown' | 'reminded'> {
  vars: string
  shown: string | null
  reminded: number
}

const toFlow = (r: FlowRow): Flow => ({ ...r, builtin: r.builtin === 1 })
const toPre = (r: PreServiceRow): PreService => ({ ...r, vars: JSON.parse(r.vars), shown: r.shown ? JSON.parse(r.shown) : null, reminded: r.reminded === 1 })
const FLOW = 'id, name, builtin, current_version, created_at, updated_at'
const PRE = 'ticket_id, flow_id, version, step, attempts, vars, shown, status, outcome, last_activity_at, reminded, due_at, started_at, ended_at'

export function botStore(db: Database) {
  const flowsAll = db.query<FlowRow, []>(`SELECT ${FLOW} FROM bot_flows ORDER BY builtin DESC, name COLLATE NOCASE, id`)
  const flowById = db.query<FlowRow, [number]>(`SELECT ${FLOW} FROM bot_flows WHERE id = ?`)
  const builtin = db.query<FlowRow, []>(`SELECT ${FLOW} FROM bot_flows WHERE builtin = 1`)
  const flowInsert = db.query<{ id: number }, [string, number, number, number]>(
    'INSERT INTO bot_flows (name, builtin, current_version, created_at, updated_at) VALUES (?1, ?2, 1, ?3, ?4) RETURNING id',
  )
  const flowSetVersion = db.query<unknown, [string, number, number, number]>('UPDATE bot_flows SET name = ?, current_version = ?, updated_at = ? WHERE id = ?')
  const flowDelete = db.query<unknown, [number]>('DELETE FROM bot_flows WHERE id = ?')
  const versionInsert = db.query<unknown, [number, number, string, number | null, number]>(
    'INSERT INTO bot_flow_versions (flow_id, version, definition, created_by, created_at) VALUES (?, ?, ?, ?, ?)',
  )
  const versionGet = db.query<VersionRow, [number, number]>(
    `SELECT v.flow_id, v.version, v.definition, v.created_by, u.name AS created_by_name, v.created_at
     FROM bot_flow_versions v LEFT JOIN users u ON u.id = v.created_by WHERE v.flow_id = ? AND v.version = ?`,
  )
  const versionsOf = db.query<VersionRow, [number]>(
    `SELECT v.flow_id, v.version, v.definition, v.created_by, u.name AS created_by_name, v.created_at
     FROM bot_flow_versions v LEFT JOIN users u ON u.id = v.created_by WHERE v.flow_id = ? ORDER BY v.version DESC`,
  )
  const channelsOf = db.query<{ id: number; name: string }, [number]>('SELECT id, name FROM channels WHERE bot_flow_id = ? ORDER BY name COLLATE NOCASE')
  const activeOf = db.query<{ version: number; n: number }, [number]>(
    "SELECT version, count(*) AS n FROM pre_service WHERE flow_id = ? AND status = 'active' GROUP BY version",
  )
  const everRan = db.query<{ n: number }, [number]>('SELECT count(*) AS n FROM pre_service WHERE flow_id = ?')

  const preGet = db.query<PreServiceRow, [number]>(`SELECT ${PRE} FROM pre_service WHERE ticket_id = ?`)
  const preInsert = db.query<unknown, Record<string, string | number | null>>(
    `INSERT INTO pre_service (ticket_id, flow_id, version, step, attempts, vars, shown, status, outcome, last_activity_at, reminded, due_at, started_at, ended_at)
     VALUES ($ticket_id, $flow_id, $version, $step, $attempts, $vars, $shown, $status, $outcome, $last_activity_at, $reminded, $due_at, $started_at, $ended_at)`,
  )
  const preUpdate = db.query<unknown, Record<string, string | number | null>>(
    `UPDATE pre_service SET step = $step, attempts = $attempts, vars = $vars, shown = $shown, status = $status, outcome = $outcome,
       last_activity_at = $last_activity_at, reminded = $reminded, due_at = $due_at, ended_at = $ended_at WHERE ticket_id = $ticket_id`,
  )
  const preOutcome = db.query<{ outcome: PreServiceOutcome | null }, [number]>('SELECT outcome FROM pre_service WHERE ticket_id = ?')
  const preFinish = db.query<unknown, [string, number, number]>(
    "UPDATE pre_service SET status = 'done', outcome = ?, due_at = NULL, ended_at = ? WHERE ticket_id = ?",
  )
  const due = db.query<PreServiceRow, [number, number]>(
    `SELECT ${PRE} FROM pre_service WHERE status = 'active' AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?`,
  )
  const linkContact = db.query<unknown, [number, number, number]>('UPDATE contacts SET customer_id = ?, updated_at = ? WHERE id = ? AND customer_id IS NULL')

  const parsed = new Map<string, FlowDefinition>()
  const toVersion = (r: VersionRow): FlowVersion => {
    const key = `${r.flow_id}:${r.version}`
    // Versions never change once stored: their parsed definitions are kept.
    let definition = parsed.get(key)
    if (!definition) {
      definition = JSON.parse(r.definition) as FlowDefinition
      if (parsed.size > 500) parsed.clear()
      parsed.set(key, definition)
    }
    return { ...r, definition }
  }
  const row = (p: PreService) => ({
    ticket_id: p.ticket_id,
    flow_id: p.flow_id,
    version: p.version,
    step: p.step,
    attempts: p.attempts,
    vars: JSON.stringify(p.vars),
    shown: p.shown ? JSON.stringify(p.shown) : null,
    status: p.status,
    outcome: p.outcome,
    last_activity_at: p.last_activity_at,
    reminded: p.reminded ? 1 : 0,
    due_at: p.due_at,
    started_at: p.started_at,
    ended_at: p.ended_at,
  })

  return {
    flows: {
      list: (): Flow[] => flowsAll.all().map(toFlow),
      get: (id: number): Flow | null => {
        const r = flowById.get(id)
        return r ? toFlow(r) : null
      },
      builtin: (): Flow | null => {
        const r = builtin.get()
        return r ? toFlow(r) : null
      },
      /** Call inside a write transaction: a new flow with its version 1. */
      create(def: FlowDefinition, actorId: number | null, isBuiltin = false): number {
        const now = Date.now()
        const id = flowInsert.get(def.name, isBuiltin ? 1 : 0, now, now)!.id
        versionInsert.run(id, 1, JSON.stringify(def), actorId, now)
        return id
      },
      /** Call inside a write transaction: stores the next version and makes it current. */
      addVersion(flow: Flow, def: FlowDefinition, actorId: number | null): number {
        const now = Date.now()
        const version = flow.current_version + 1
        versionInsert.run(flow.id, version, JSON.stringify(def), actorId, now)
        flowSetVersion.run(def.name, version, now, flow.id)
        return version
      },
      /** Call inside a write transaction (versions go with it). */
      remove: (id: number) => flowDelete.run(id),
      version: (flowId: number, version: number): FlowVersion | null => {
        const r = versionGet.get(flowId, version)
        return r ? toVersion(r) : null
      },
      versions: (flowId: number): FlowVersion[] => versionsOf.all(flowId).map(toVersion),
      channels: (flowId: number) => channelsOf.all(flowId),
      /** Conversations in progress per version. */
      active: (flowId: number): Map<number, number> => new Map(activeOf.all(flowId).map((r) => [r.version, r.n])),
      everRan: (flowId: number): boolean => everRan.get(flowId)!.n > 0,
    },
    pre: {
      get: (ticketId: number): PreService | null => {
        const r = preGet.get(ticketId)
        return r ? toPre(r) : null
      },
      /** How the pre-service of a ticket ended (null: still going, or none). */
      outcome: (ticketId: number): PreServiceOutcome | null => preOutcome.get(ticketId)?.outcome ?? null,
      /** Call inside a write transaction. */
      insert: (p: PreService) => preInsert.run(row(p)),
      /** Call inside a write transaction. */
      save: (p: PreService) => preUpdate.run(row(p)),
      /**
       * Call inside a write transaction: the pre-service is over with this outcome (a row is made
       * when the ticket had none). Touches no JSON, so it works whatever state the row is in.
       */
      finish(ticketId: number, outcome: PreServiceOutcome, now: number) {
        if (preFinish.run(outcome, now, ticketId).changes > 0) return
        preInsert.run({ ticket_id: ticketId, flow_id: null, version: null, step: null, attempts: 0, vars: '{}', shown: null, status: 'done', outcome, last_activity_at: now, reminded: 0, due_at: null, started_at: now, ended_at: now })
      },
      /** Active conversations whose reminder or abandonment is due at `now`, earliest first. */
      due: (now: number, limit: number): PreService[] => due.all(now, limit).map(toPre),
    },
    /** Call inside a write transaction: the contact becomes the customer's when it belongs to nobody yet. */
    linkContact: (contactId: number, customerId: number) => linkContact.run(customerId, Date.now(), contactId),
  }
}
export type BotStore = ReturnType<typeof botStore>
