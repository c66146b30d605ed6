// Tickets and messages as the API and the live events show them (api.md).
import { explainGraphError, isKnownGraphError } from '../channels/whatsapp/errors'
import type { Media } from './media-store'
import type { Message } from './messages-store'
import type { Ticket } from './tickets-store'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The WhatsApp customer-service window: 24 h from the customer's last message. */
export const WINDOW_MS = 24 * 60 * 60 * 1000

export function windowExpiresAt(t: Ticket): number | null {
  if (t.channel_type !== 'whatsapp' || t.status === 'closed' || t.last_inbound_at === null) return null
  return t.last_inbound_at + WINDOW_MS
}

export function ticketJson(t: Ticket) {
  const expires = windowExpiresAt(t)
  return {
    id: t.id,
    protocol: t.protocol,
    channel_id: t.channel_id,
    channel_type: t.channel_type,
    status: t.status,
    sector_id: t.sector_id,
    assignee_id: t.assignee_id,
    customer_id: t.customer_id,
    anonymous: t.anonymous,
    confidential: t.confidential,
    contact: {
      id: t.contact_id,
      name: t.contact_name,
      ...(t.channel_type === 'whatsapp' ? { wa_id: t.contact_key } : {}),
      ...(t.contact_email ? { email: t.contact_email } : {}),
      phone: t.contact_phone,
    },
    classification_id: t.classification_id,
    window_expires_at: expires !== null && expires > Date.now() ? iso(expires) : null,
    survey: t.survey_kind
      ? { kind: t.survey_kind, score: t.survey_score ?? null, comment: t.survey_comment ?? null, sent_at: iso(t.survey_sent_at ?? null), answered_at: iso(t.survey_answered_at ?? null) }
      : null,
    created_at: iso(t.created_at),
    queued_at: iso(t.queued_at),
    assigned_at: iso(t.assigned_at),
    first_response_at: iso(t.first_response_at),
    closed_at: iso(t.closed_at),
    updated_at: iso(t.updated_at),
  }
}

/** `media` needs the row (type, name, size, hash) when the message has a file. */
/**
 * A failed message's reason (whatsapp.md §4: "mark failed with the reason in Portuguese"):
 * `message` is our explanation of Meta's code when we know it, else what was recorded; `title`
 * and `details` keep Meta's own words for whoever integrates (details: extension).
 */
function messageError(m: Message) {
  const explained = m.error_code !== null && isKnownGraphError(m.error_code) ? explainGraphError(m.error_code, 'pt-BR') : null
  return { code: m.error_code, title: m.error_title, message: explained ?? m.error_message, details: m.error_message }
}

export function messageJson(m: Message, media: Media | null) {
  return {
    id: m.id,
    ticket_id: m.ticket_id,
    direction: m.direction,
    author: m.author,
    author_id: m.author_id,
    type: m.type,
    text: m.text,
    media: media
      ? {
          mime_type: media.mime_type,
          filename: media.filename,
          size: media.size,
          sha256: media.sha256,
          status: media.status,
          url: `/api/v1/media/${media.id}`,
        }
      : null,
    location: m.location
      ? { latitude: m.location.latitude ?? null, longitude: m.location.longitude ?? null, name: m.location.name ?? null, address: m.location.address ?? null }
      : null,
    reply_to_id: m.reply_to_id,
    external_id: m.external_id,
    status: m.status,
    error: m.error_code !== null || m.error_title || m.error_message ? messageError(m) : null,
    extra: m.extra,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
  }
}

/** Topics a ticket's events go to: the ticket, its sector, its assignee, and supervisors. */
export function ticketTopics(t: Pick<Ticket, 'id' | 'sector_id' | 'assignee_id'>): string[] {
  const topics = [`ticket:${t.id}`, 'supervisor']
  if (t.sector_id !== null) topics.push(`sector:${t.sector_id}`)
  if (t.assignee_id !== null) topics.push(`user:${t.assignee_id}`)
  return topics
}
