// The WebChat visitor protocol (issue 10; extends api.md "Web chat visitors" compatibly). This
// comment is the contract the widget (public/webchat.js) and mobile apps are written against.
//
// ---- the channel (admin API, bearer token, channels.* permissions) ----------------------------
// POST /api/v1/channels { type: "webchat", name, allowed_origins: ["https://loja.example"], sector_id,
//   bot_flow_id?, title?, greeting?, colors?: { primary: "#RRGGBB", text: "#RRGGBB" },
//   prechat?: { email?: "required"|"optional"|"hidden", phone?: ..., code?: ... },
//   consent_text?, policy_url?, uploads?: bool, max_file_bytes?: int (1 KB .. 20 MB) }
//   → 201 the channel (no secrets) + { channel_key, embed_snippet, allowed_origins, title, greeting,
//   colors, prechat, consent_text, policy_url, uploads, max_file_bytes }.
//   An origin is scheme://host[:port] (http or https), no path/query/user; stored lower case.
//   PATCH /api/v1/channels/:id takes the same fields (each optional). The channel key never changes.
//   embed_snippet = <script src="<KUMQUAT_BASE_URL>/webchat.js" data-channel="<channel_key>" async></script>
//
// ---- visitor endpoints: /webchat/:channel_key/... (public) ------------------------------------
// Every answer is JSON (except events, media, transcript); errors are { error: { code, message } }
// (400 adds details: [{ field, message }]). An unknown or inactive channel key → 404 channel_not_found.
// CORS: a request with an `Origin` header that is not one of the channel's allowed_origins (nor
//   Kumquat's own origin, for the admin preview) → 403 origin_not_allowed, and nothing is done.
//   An allowed origin gets `Access-Control-Allow-Origin: <origin>`, `Vary: Origin`,
//   `Access-Control-Expose-Headers: retry-after, content-disposition`. No credentials (cookies) are used.
//   A request without Origin (a mobile app, curl) is served without CORS headers.
//   Preflight: OPTIONS on any /webchat/:channel_key/* path → 204 with
//   `Access-Control-Allow-Methods: GET, POST, OPTIONS`,
//   `Access-Control-Allow-Headers: authorization, content-type, last-event-id`, `Access-Control-Max-Age: 600`
//   (403 origin_not_allowed for an origin not allowed).
// Auth (all but config and sessions): `Authorization: Bearer <visitor_token>`; the SSE GET, media GET
//   and transcript GET also take `?token=<visitor_token>` (EventSource and <img>/<a> cannot send
//   headers). No/unknown token, or the token of another channel key → 401 unauthorized;
//   an expired one → 401 session_expired (the widget starts a new session).
// Rate limits → 429 too_many_requests with `Retry-After: <seconds>`:
//   sessions: 20 per 10 minutes per IP (KUMQUAT_WEBCHAT_SESSIONS_PER_IP overrides, for load tests);
//   messages: 20 per minute per token; typing/read/survey/other POSTs: 120 per minute per token;
//   any authenticated visitor POST: 600 per minute per IP. At most 5 open event streams per token (the oldest closes).
// Body limits: JSON 64 KB (413 payload_too_large); multipart up to max_file_bytes + 64 KB.
//
// GET  /webchat/:key/config → 200 { title, greeting, colors: { primary, text },
//        prechat: { name: "required", email, phone, code },       // each "required"|"optional"|"hidden"
//        consent: { text, policy_url },                           // policy_url may be null
//        uploads: bool, max_file_bytes: int,
//        open: bool,                                              // the sector's calendar (src/hours) now
//        out_of_hours_message: string | null }                    // set when open is false
// POST /webchat/:key/sessions { name, email?, phone?, code?, consent: true, page_url?, locale? }
//        → 201 { visitor_token, expires_at }   (expires_at ISO 8601, 30 days after creation)
//        400 validation_failed with details per field (name 1..80 chars; email; phone 8..15 digits, e.g. (83) 99999-0000;
//        code = valid CPF/CNPJ; fields "required" by the channel must be present; "hidden" ones are ignored);
//        400 consent_required when consent !== true (and only the consent is wrong; with other
//        problems it is one more detail of validation_failed, field "consent").
//        The token is the visitor's only credential (≥ 256 random bits, stored hashed). A customer
//        whose code matches is linked to the conversation.
// GET  /webchat/:key/session → 200 { name, ticket: { protocol, status } | null,
//        agent: { name, avatar_url } | null }    (the visitor's latest ticket; status bot|queued|open|closed)
// POST /webchat/:key/messages
//        JSON { text } (1..4096 chars) | JSON { payload, text? } (payload = id of a button of the
//        latest bot menu or survey the visitor was shown; 400 invalid_payload otherwise)
//        | multipart/form-data `file` (+ `caption`): JPEG, PNG, WebP, GIF or PDF, checked by content
//        → 201 VisitorMessage.  400 unsupported_file_type; 413 file_too_large (over max_file_bytes);
//        403 uploads_disabled when the channel takes no files.
// GET  /webchat/:key/messages[?cursor=n | ?after_id=n] → 200 { data: VisitorMessage[], next_cursor }
//        oldest first: every ticket of this session (earlier and current), never internal notes.
//        Up to 500 per call; next_cursor (the last id) when there may be more, else null.
// GET  /webchat/:key/media/:id[?token=] → the file (only a file in this session's conversation;
//        404 otherwise) with its stored content type, `Content-Disposition: inline` for images,
//        `attachment` for others, `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox`.
// GET  /webchat/:key/events?token=[&last_event_id=n] — text/event-stream. `Last-Event-ID` header (or
//        ?last_event_id=) replays what was missed without loss or duplicates; without it the stream
//        starts from now (load GET /messages first, then open the stream). Every event has `id:`;
//        `data` is JSON:
//          event: message.created   data: VisitorMessage
//          event: message.updated   data: VisitorMessage          (status ticks, failures)
//          event: agent.typing      data: { name }                (an agent is typing; show ~5 s)
//          event: survey.requested  data: { message_id, kind, question, options: [{ id, title }], comment_question }
//                                   (follows the message.created of the survey message)
//          event: conversation.closed data: { protocol }
//        A cursor-only message (`id:` without data) may come for events that mean nothing to the
//        visitor: keep its id as the cursor. Past the server's replay buffer the whole conversation
//        is re-sent as message.created (key messages by id).
//        `: ping` comments every 15 s. Once the token expires the stream sends nothing more (the
//        next request answers 401 session_expired).
// POST /webchat/:key/typing {} → 204  (shown live to the assignee; at most one every 3 s counts;
//        call it on input, e.g. at most every 3 s)
// POST /webchat/:key/read { up_to_id } → 204 (marks the agent/bot/system messages up to that id read)
// POST /webchat/:key/page { page_url } → 204 (the page the visitor is on now, when the widget loads on
//          another page of the site; the agent's side panel shows it). 400 validation_failed.
// POST /webchat/:key/survey { score, comment? } → 200 { ok: true } (the survey of the visitor's latest
//        ticket; src/surveys answerSurvey) | 400 out_of_range | 409 survey_not_pending (none sent) |
//        409 survey_expired | 409 survey_already_answered. A tap on a survey option may also be sent
//        as POST /messages { payload: option id } (the WhatsApp way; then the comment is the next text).
// GET  /webchat/:key/transcript[?token=] → text/plain; charset=utf-8 attachment
//        ("conversa-<protocol>.txt"): one line per message, "[dd/mm/yyyy hh:mm] Name: text".
//
// VisitorMessage: { id, direction: "in"|"out", author: "customer"|"bot"|"agent"|"system",
//   author_name: string|null (visitor: their name; agent: the agent's name; bot: "Assistente virtual";
//   system: null), author_avatar_url: string|null (always null for now), type ("text"|"image"|"document"|
//   "interactive"|...), text: string|null, media: { mime_type, filename, size, url } | null
//   (url = /webchat/:key/media/:id — append ?token=), buttons: [{ id, title }] | null (a bot menu:
//   send { payload: id } to pick one; null on survey messages), survey: { kind, options: [{ id, title }], question,
//   comment_question } | null, status: "sent"|"delivered"|"read"|"failed"|"received", created_at (ISO) }
// Texts are plain text: render them with textContent, never as HTML.
import type { Media } from '../../desk/media-store'
import type { Message } from '../../desk/messages-store'

export interface VisitorButton {
  id: string
  title: string
}

export interface VisitorSurvey {
  kind: string
  options: VisitorButton[]
  question: string | null
  comment_question: string | null
}

export interface VisitorMessage {
  id: number
  direction: 'in' | 'out'
  author: Message['author']
  author_name: string | null
  author_avatar_url: string | null
  type: string
  text: string | null
  media: { mime_type: string; filename: string | null; size: number | null; url: string } | null
  buttons: VisitorButton[] | null
  survey: VisitorSurvey | null
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'received'
  created_at: string
}

/** What the visitor may see of a message: internal notes never. */
export const visibleToVisitor = (m: Pick<Message, 'type'>) => m.type !== 'note'

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** Buttons of a bot menu, from the WhatsApp Graph `interactive` object src/bot/render.ts builds. */
export function buttonsOf(extra: Record<string, unknown> | null): VisitorButton[] | null {
  const i = extra?.interactive as { type?: unknown; action?: { buttons?: unknown; sections?: unknown } } | undefined
  if (!i || typeof i !== 'object') return null
  const out: VisitorButton[] = []
  if (i.type === 'button' && Array.isArray(i.action?.buttons)) {
    for (const b of i.action.buttons as { reply?: { id?: unknown; title?: unknown } }[]) {
      const id = str(b?.reply?.id)
      const title = str(b?.reply?.title)
      if (id && title) out.push({ id, title })
    }
  } else if (i.type === 'list' && Array.isArray(i.action?.sections)) {
    for (const s of i.action.sections as { rows?: unknown }[]) {
      if (!Array.isArray(s?.rows)) continue
      for (const r of s.rows as { id?: unknown; title?: unknown }[]) {
        const id = str(r?.id)
        const title = str(r?.title)
        if (id && title) out.push({ id, title })
      }
    }
  }
  return out.length ? out : null
}

/** The survey a message asks (extra.survey, written by src/surveys), in the visitor's shape. */
export function surveyOf(extra: Record<string, unknown> | null): VisitorSurvey | null {
  const s = extra?.survey as Record<string, unknown> | undefined
  if (!s || typeof s !== 'object') return null
  const kind = str(s.kind)
  if (!kind) return null
  const rawOptions = Array.isArray(s.options) ? s.options : []
  const options: VisitorButton[] = []
  for (const o of rawOptions as Record<string, unknown>[]) {
    const id = o && (typeof o.id === 'string' || typeof o.id === 'number') ? String(o.id) : null
    const title = o ? (str(o.title) ?? (typeof o.id === 'number' ? String(o.id) : null)) : null
    if (id && title) options.push({ id, title })
  }
  return { kind, options, question: str(s.question), comment_question: str(s.comment_question) }
}

const VISITOR_STATUS: Record<Message['status'], VisitorMessage['status']> = {
  received: 'received',
  queued: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
}

export interface Names {
  visitor: string | null
  bot: string | null
}

/** A stored message as the visitor sees it. `key` is the channel key (for the media URL). */
export function visitorMessage(m: Message, media: Media | null, key: string, names: Names): VisitorMessage {
  const survey = m.direction === 'out' ? surveyOf(m.extra) : null
  const authorName = m.author === 'customer' ? names.visitor : m.author === 'agent' ? m.author_name : m.author === 'bot' ? names.bot : null
  return {
    id: m.id,
    direction: m.direction,
    author: m.author,
    author_name: authorName,
    author_avatar_url: null,
    type: m.type,
    text: m.text,
    media: media ? { mime_type: media.mime_type, filename: media.filename, size: media.size, url: `/webchat/${key}/media/${media.id}` } : null,
    // A survey's options come as `survey` (its WhatsApp buttons are the same options, cut to fit).
    buttons: m.direction === 'out' && !survey ? buttonsOf(m.extra) : null,
    survey,
    status: VISITOR_STATUS[m.status],
    created_at: new Date(m.created_at).toISOString(),
  }
}
