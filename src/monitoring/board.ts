// The live monitoring board (monitoramento): per sector, per agent, and the tickets waiting and
// open, for one viewer's scope, as of `now`. Read-only; a few small queries (store.ts).
import { can } from '../admin/permissions'
import { CHANNEL_TYPES, DEFAULT_LIMITS, type ChannelType, type User } from '../admin/users-store'
import type { Context } from '../context'
import { startOfDay } from '../reports/period'
import { scopeOf, type Scope } from './scope'
import { DEFAULT_WAIT_TARGET_S } from './store'

/** At most this many tickets per list (the rest are counted). */
export const LIST_LIMIT = 100

export type WaitLevel = 'ok' | 'warn' | 'late'

export interface SectorBoard {
  id: number
  name: string
  in_bot: number
  waiting: number
  longest_wait_ms: number | null
  open: number
  closed_today: number
  available: number
  paused: number
  offline: number
  target_s: number
  level: WaitLevel
}

export interface AgentLoad {
  type: ChannelType
  open: number
  cap: number
}

export interface AgentBoard {
  id: number
  name: string
  presence: 'available' | 'paused' | 'offline'
  reason: string | null
  since: number
  loads: AgentLoad[]
  open: number
  cap: number
  closed_today: number
  handle_avg_s: number | null
  missed_today: number
  sector_ids: number[]
}

export interface TicketBoard {
  id: number
  protocol: string
  status: 'queued' | 'open'
  sector_id: number | null
  sector: string | null
  channel_type: string
  agent: string | null
  contact: string | null
  hidden: boolean
  /** queued: time in the queue; open: how long the customer's last message waits for an answer (null: answered) */
  wait_ms: number | null
  level: WaitLevel
}

export interface Board {
  now: number
  scope: Scope
  sectors: SectorBoard[]
  agents: AgentBoard[]
  waiting: TicketBoard[]
  open: TicketBoard[]
  waiting_total: number
  open_total: number
}

export function waitLevel(waitMs: number | null, targetS: number): WaitLevel {
  if (waitMs === null) return 'ok'
  if (waitMs >= targetS * 1000) return 'late'
  if (waitMs >= (targetS * 1000) / 2) return 'warn'
  return 'ok'
}

export function buildBoard(ctx: Context, viewer: User, now = Date.now()): Board {
  const m = ctx.stores.monitoring
  const scope = scopeOf(ctx.db, viewer)
  const inScope = (id: number | null) => scope.all || (id !== null && scope.sectorIds.includes(id))
  const today = startOfDay(now, ctx.config.timeZone)
  const targets = m.targets()
  const targetOf = (sectorId: number | null) => (sectorId === null ? DEFAULT_WAIT_TARGET_S : (targets.get(sectorId) ?? DEFAULT_WAIT_TARGET_S))

  const allSectors = ctx.stores.sectors.list().filter((s) => s.active && inScope(s.id))
  const names = new Map(ctx.stores.sectors.list().map((s) => [s.id, s.name]))
  const sectors = new Map<number, SectorBoard>(
    allSectors.map((s) => [
      s.id,
      { id: s.id, name: s.name, in_bot: 0, waiting: 0, longest_wait_ms: null, open: 0, closed_today: 0, available: 0, paused: 0, offline: 0, target_s: targetOf(s.id), level: 'ok' as WaitLevel },
    ]),
  )
  for (const r of m.live()) {
    const s = r.sector_id === null ? undefined : sectors.get(r.sector_id)
    if (!s) continue
    if (r.status === 'bot') s.in_bot += r.n
    else if (r.status === 'open') s.open += r.n
    else {
      s.waiting += r.n
      if (r.oldest !== null) s.longest_wait_ms = Math.max(0, now - r.oldest)
    }
  }
  for (const r of m.closedSince(today)) {
    const s = r.sector_id === null ? undefined : sectors.get(r.sector_id)
    if (s) s.closed_today += r.n
  }
  for (const r of m.presence()) {
    const s = sectors.get(r.sector_id)
    if (s) s[r.presence] += r.n
  }
  for (const s of sectors.values()) s.level = waitLevel(s.longest_wait_ms, s.target_s)

  // Agents: members of a sector in scope.
  const limits = new Map<number, Partial<Record<string, number>>>()
  for (const l of m.limits()) limits.set(l.user_id, { ...(limits.get(l.user_id) ?? {}), [l.channel_type]: l.max_open })
  const open = new Map<number, Partial<Record<string, number>>>()
  for (const o of m.openByAgent()) open.set(o.user_id, { ...(open.get(o.user_id) ?? {}), [o.type]: o.n })
  const closed = new Map(m.closedByAgent(today).map((r) => [r.user_id, r]))
  const missed = new Map(m.missedByAgent(today).map((r) => [r.user_id, r.n]))
  const agents: AgentBoard[] = []
  for (const a of m.agents()) {
    const sectorIds = JSON.parse(a.sector_ids) as number[]
    if (!sectorIds.some(inScope)) continue
    const lim = { ...DEFAULT_LIMITS, ...(limits.get(a.id) ?? {}) }
    const held = open.get(a.id) ?? {}
    const loads = CHANNEL_TYPES.map((type) => ({ type, open: held[type] ?? 0, cap: lim[type] })).filter((l) => l.cap > 0 || l.open > 0)
    const c = closed.get(a.id)
    agents.push({
      id: a.id,
      name: a.name,
      presence: a.presence,
      reason: a.presence_reason,
      since: a.presence_since,
      loads,
      open: loads.reduce((n, l) => n + l.open, 0),
      cap: loads.reduce((n, l) => n + l.cap, 0),
      closed_today: c?.n ?? 0,
      handle_avg_s: c && c.handle_n ? Math.round(c.handle_sum / c.handle_n / 1000) : null,
      missed_today: missed.get(a.id) ?? 0,
      sector_ids: sectorIds,
    })
  }

  // Tickets: waiting (longest first) and open (the customer waiting longest for an answer first).
  const agentNames = new Map(m.agents().map((a) => [a.id, a.name]))
  const nameOf = (id: number | null) => (id === null ? null : (agentNames.get(id) ?? ctx.stores.users.get(id)?.name ?? null))
  const seesConfidential = can(viewer, 'tickets.view_all')
  const row = (t: ReturnType<typeof m.tickets>[number], waitMs: number | null): TicketBoard => {
    const hidden = t.confidential === 1 && !seesConfidential && t.assignee_id !== viewer.id
    return {
      id: t.id,
      protocol: t.protocol,
      status: t.status,
      sector_id: t.sector_id,
      sector: t.sector_id === null ? null : (names.get(t.sector_id) ?? null),
      channel_type: t.channel_type,
      agent: nameOf(t.assignee_id),
      contact: hidden ? null : t.contact_name,
      hidden,
      wait_ms: waitMs,
      level: waitLevel(waitMs, targetOf(t.sector_id)),
    }
  }
  const waiting = m.tickets('queued', scope, LIST_LIMIT).map((t) => row(t, Math.max(0, now - (t.queued_at ?? t.created_at))))
  const openRows = m.tickets('open', scope, LIST_LIMIT).map((t) => {
    const since = m.awaitingReplySince(t.id)
    return row(t, since === null ? null : Math.max(0, now - since))
  })
  openRows.sort((a, b) => (b.wait_ms ?? -1) - (a.wait_ms ?? -1))

  const list = [...sectors.values()]
  return {
    now,
    scope,
    sectors: list,
    agents,
    waiting,
    open: openRows,
    waiting_total: list.reduce((n, s) => n + s.waiting, 0),
    open_total: list.reduce((n, s) => n + s.open, 0),
  }
}
