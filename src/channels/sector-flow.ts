// A channel's sector and bot flow, checked the same way for every channel type (api.md).
import type { Context } from '../context'
import type { FieldProblem } from '../http/errors'
import type { Channel } from './store'

/**
 * The sector (required when creating) and the bot flow of a channel being created or changed.
 * bot_flow_id omitted → the built-in default flow (a new channel) or the flow it has (a change);
 * null → no bot (tickets queue in the sector at once); an id → that flow (src/bot). Problems are
 * added to `problems`, the sector's first.
 */
export function checkSectorAndFlow(ctx: Context, input: { sector_id?: unknown; bot_flow_id?: unknown }, existing: Channel | null, problems: FieldProblem[]): { sectorId: number; botFlowId: number | null } {
  let sectorId = existing?.sector_id ?? 0
  if (existing === null || input.sector_id !== undefined) {
    const id = input.sector_id
    if (!Number.isInteger(id) || (id as number) < 1 || !ctx.stores.sectors.get(id as number)) problems.push({ field: 'sector_id', key: 'channels.valid_sector' })
    else sectorId = id as number
  }
  let botFlowId: number | null = existing ? existing.bot_flow_id : (ctx.stores.bot.flows.builtin()?.id ?? null)
  if (input.bot_flow_id === null) botFlowId = null
  else if (input.bot_flow_id !== undefined) {
    const id = input.bot_flow_id
    if (!Number.isInteger(id) || (id as number) < 1 || !ctx.stores.bot.flows.get(id as number)) problems.push({ field: 'bot_flow_id', key: 'bot.valid_channel_flow' })
    else botFlowId = id as number
  }
  return { sectorId, botFlowId }
}
