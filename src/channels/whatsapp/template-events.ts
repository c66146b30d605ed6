// Template webhooks (whatsapp.md §1): `message_template_status_update` moves a template's status
// (APPROVED, REJECTED with its reason, PAUSED, DISABLED, …), `message_template_quality_update` its
// quality, `template_category_update` its category. Events name the WhatsApp Business Account, so
// every channel of that account with the template follows. Deliveries come late and out of order:
// an event older than the last one applied (Meta's `entry.time`) changes nothing. Also hands the
// delivery's messages to the templates feature (opt-out words, replies to templates).
import type { Context } from '../../context'
import type { Template } from '../../templates/store'
import { noteInboundMessage } from '../../templates/replies'
import type { ParsedDelivery, TemplateEvent } from './parse'

/** Call inside the delivery's write transaction, after its messages were stored. */
export function applyTemplateDelivery(ctx: Context, parsed: Pick<ParsedDelivery, 'templateEvents' | 'messages'>) {
  for (const e of parsed.templateEvents) applyTemplateEvent(ctx, e)
  for (const m of parsed.messages) noteInboundMessage(ctx, m)
}

function templatesOf(ctx: Context, e: TemplateEvent): Template[] {
  const channels = ctx.stores.templates.channelsOfWaba(e.wabaId)
  if (!channels.length) return []
  const byId = e.templateId ? ctx.stores.templates.byExternal(e.templateId).filter((t) => channels.includes(t.channel_id)) : []
  if (byId.length || !e.templateName || !e.language) return byId
  return channels.map((c) => ctx.stores.templates.byName(c, e.templateName!, e.language!)).filter((t): t is Template => t !== null)
}

/** REINSTATED puts a paused or flagged template back in service. */
const statusOf = (event: string) => (event === 'REINSTATED' ? 'APPROVED' : event)

/** Meta's reason (`INVALID_FORMAT`, …), with the recommendation from `rejection_info` when given. */
function reasonOf(e: Extract<TemplateEvent, { field: 'message_template_status_update' }>): string | null {
  const reason = e.reason && e.reason !== 'NONE' ? e.reason : null
  const info = e.rejectionInfo && typeof e.rejectionInfo === 'object' ? (e.rejectionInfo as Record<string, unknown>) : null
  const detail = typeof info?.reason === 'string' && info.reason !== reason ? info.reason : null
  const recommendation = typeof info?.recommendation === 'string' ? info.recommendation : null
  const text = [reason, detail, recommendation].filter(Boolean).join(' — ')
  return text ? text.slice(0, 1000) : null
}

export function applyTemplateEvent(ctx: Context, e: TemplateEvent) {
  const rows = templatesOf(ctx, e)
  if (!rows.length) {
    ctx.log.info({ waba_id: e.wabaId, template_id: e.templateId, field: e.field }, 'template event for a template we do not have: ignored (Sincronizar brings it)')
    return
  }
  for (const row of rows) {
    switch (e.field) {
      case 'message_template_status_update': {
        if (!e.event) break
        const at = e.timeMs ?? Date.now()
        if (at < row.status_at) break // an older event delivered late
        const status = statusOf(e.event.toUpperCase())
        ctx.stores.templates.setStatus(row.id, status, status === 'APPROVED' ? null : reasonOf(e), at)
        ctx.log.info({ template_id: row.id, channel_id: row.channel_id, status }, 'template status changed')
        break
      }
      case 'message_template_quality_update':
        if (e.newQualityScore) ctx.stores.templates.setQuality(row.id, e.newQualityScore.toUpperCase())
        break
      case 'template_category_update':
        if (e.newCategory) ctx.stores.templates.setCategory(row.id, e.newCategory.toUpperCase())
        break
    }
  }
}
