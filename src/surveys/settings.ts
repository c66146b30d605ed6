// Which survey a ticket gets at close, and the settings behind it.
//
// The rule (shown on the settings page): a channel whose kind is not 'inherit' decides for every
// ticket of the channel, with the channel's texts; a channel on 'inherit' (the default) uses the
// survey of the ticket's sector (sectors.survey), with the sector's texts. Blank texts fall back to
// the built-in question of the kind and to the communication settings' survey_thanks message.
import type { Sector } from '../admin/sectors-store'
import type { Channel } from '../channels/store'
import type { Context } from '../context'
import { write } from '../db/open'
import type { Ticket } from '../desk/tickets-store'
import { badRequest, type FieldProblem } from '../http/errors'
import { t } from '../i18n'
import { messageFor } from '../settings/settings'
import type { ChannelKind, SurveyKind, SurveySettingsRow } from './store'

export const SURVEY_KINDS: readonly SurveyKind[] = ['csat', 'nps', 'ces']
export const SECTOR_KINDS = ['none', 'csat', 'nps', 'ces'] as const
export const CHANNEL_KINDS: readonly ChannelKind[] = ['inherit', 'none', 'csat', 'nps', 'ces']
export const DEFAULT_WINDOW_HOURS = 24
export const MAX_WINDOW_HOURS = 168
/** WhatsApp's interactive body limit; the texts are sent as they are. */
export const MAX_TEXT = 1000

export interface SurveyTexts {
  question: string | null
  comment_question: string | null
  window_hours: number
  thanks: string | null
}

/** A survey as it will be sent: what was configured, with the defaults filled in. */
export interface EffectiveSurvey {
  kind: SurveyKind
  question: string
  comment_question: string | null
  window_hours: number
  thanks: string
  /** which level decided */
  source: 'channel' | 'sector'
}

const textsOf = (row: SurveySettingsRow | null | undefined): SurveyTexts => ({
  question: row?.question ?? null,
  comment_question: row?.comment_question ?? null,
  window_hours: row?.window_hours ?? DEFAULT_WINDOW_HOURS,
  thanks: row?.thanks ?? null,
})

export const defaultQuestion = (ctx: Context, kind: SurveyKind) => t(ctx.config.defaultLanguage, `surveys.default_question.${kind}`)

function effective(ctx: Context, kind: SurveyKind, texts: SurveyTexts, channelType: string, source: EffectiveSurvey['source']): EffectiveSurvey {
  const lang = ctx.config.defaultLanguage
  const channel = channelType === 'whatsapp' || channelType === 'webchat' || channelType === 'email' ? channelType : null
  return {
    kind,
    question: texts.question ?? defaultQuestion(ctx, kind),
    comment_question: texts.comment_question,
    window_hours: texts.window_hours,
    thanks: texts.thanks ?? messageFor(ctx, 'survey_thanks', lang, { channel }),
    source,
  }
}

/** The survey for a ticket closed now, or null when none is configured. */
export function surveyFor(ctx: Context, ticket: Pick<Ticket, 'channel_id' | 'channel_type' | 'sector_id'>): EffectiveSurvey | null {
  const channelRow = ctx.stores.surveys.channelSettings(ticket.channel_id)
  if (channelRow && channelRow.kind !== 'inherit') {
    return channelRow.kind === 'none' ? null : effective(ctx, channelRow.kind, textsOf(channelRow), ticket.channel_type, 'channel')
  }
  const sectorId = ticket.sector_id ?? ctx.stores.channels.get(ticket.channel_id)?.sector_id ?? null
  const sector = sectorId === null ? null : ctx.stores.sectors.get(sectorId)
  if (!sector || sector.survey === 'none') return null
  return effective(ctx, sector.survey, textsOf(ctx.stores.surveys.sectorSettings(sector.id)), ticket.channel_type, 'sector')
}

// ---- the settings page and API ---------------------------------------------------------------------

export interface SectorSettings extends SurveyTexts {
  sector_id: number
  name: string
  kind: Sector['survey']
}
export interface ChannelSettings extends SurveyTexts {
  channel_id: number
  name: string
  type: string
  kind: ChannelKind
  /** what a ticket of this channel gets when closed in the channel's default sector */
  effective_kind: 'none' | SurveyKind
}

export function sectorSettings(ctx: Context, sector: Sector): SectorSettings {
  return { sector_id: sector.id, name: sector.name, kind: sector.survey, ...textsOf(ctx.stores.surveys.sectorSettings(sector.id)) }
}

export function channelSettings(ctx: Context, channel: Channel): ChannelSettings {
  const row = ctx.stores.surveys.channelSettings(channel.id)
  const kind = row?.kind ?? 'inherit'
  const effectiveKind = kind !== 'inherit' ? kind : (ctx.stores.sectors.get(channel.sector_id)?.survey ?? 'none')
  return { channel_id: channel.id, name: channel.name, type: channel.type, kind, effective_kind: effectiveKind, ...textsOf(row) }
}

export interface SettingsInput {
  kind?: unknown
  question?: unknown
  comment_question?: unknown
  window_hours?: unknown
  thanks?: unknown
}

/** Validates a settings body (API or form); fields left out keep `current`. All problems at once. */
function readInput(input: SettingsInput, kinds: readonly string[], current: SurveyTexts & { kind: string }): SurveyTexts & { kind: string } {
  const problems: FieldProblem[] = []
  const out = { ...current }
  if (input.kind !== undefined) {
    if (typeof input.kind !== 'string' || !kinds.includes(input.kind)) problems.push({ field: 'kind', key: 'surveys.valid_kind' })
    else out.kind = input.kind
  }
  const text = (name: 'question' | 'comment_question' | 'thanks') => {
    const raw = input[name]
    if (raw === undefined) return
    if (raw !== null && typeof raw !== 'string') return problems.push({ field: name, key: 'surveys.valid_text' })
    const v = (raw ?? '').trim()
    if (v.length > MAX_TEXT) return problems.push({ field: name, key: 'surveys.valid_text' })
    out[name] = v || null
  }
  text('question')
  text('comment_question')
  text('thanks')
  if (input.window_hours !== undefined) {
    const raw = input.window_hours
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d{1,4}\s*$/.test(raw) ? Number(raw) : NaN
    if (!Number.isInteger(n) || n < 1 || n > MAX_WINDOW_HOURS) problems.push({ field: 'window_hours', key: 'surveys.valid_window' })
    else out.window_hours = n
  }
  if (problems.length) throw badRequest('validation_failed', 'error.validation', problems)
  return out
}

export function saveSectorSettings(ctx: Context, actorId: number, sector: Sector, input: SettingsInput, ip: string | null): SectorSettings {
  const next = readInput(input, SECTOR_KINDS, sectorSettings(ctx, sector))
  write(ctx.db, () => {
    ctx.stores.surveys.saveSector(sector.id, next.kind, next, Date.now())
    ctx.stores.audit.record({ actor_id: actorId, action: 'surveys.settings', object_type: 'sector', object_id: String(sector.id), ip, details: { kind: next.kind, window_hours: next.window_hours } })
  })
  return sectorSettings(ctx, ctx.stores.sectors.get(sector.id)!)
}

export function saveChannelSettings(ctx: Context, actorId: number, channel: Channel, input: SettingsInput, ip: string | null): ChannelSettings {
  const next = readInput(input, CHANNEL_KINDS, channelSettings(ctx, channel))
  write(ctx.db, () => {
    ctx.stores.surveys.saveChannel(channel.id, { ...next, kind: next.kind as ChannelKind }, Date.now())
    ctx.stores.audit.record({ actor_id: actorId, action: 'surveys.settings', object_type: 'channel', object_id: String(channel.id), ip, details: { kind: next.kind, window_hours: next.window_hours } })
  })
  return channelSettings(ctx, channel)
}
