// Messages of a ticket, inbound and outbound. `external_id` (the provider's id) is unique per
// channel: a redelivered webhook finds its message and changes nothing.
import type { Database } from 'bun:sqlite'

export type MessageStatus = 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed'
export type Author = 'customer' | 'bot' | 'agent' | 'system'

export interface Message {
  id: number
  ticket_id: number
  channel_id: number
  direction: 'in' | 'out'
  author: Author
  author_id: number | null
  author_name: string | null
  type: string
  text: string | null
  media_id: number | null
  location: Record<string, unknown> | null
  extra: Record<string, unknown> | null
  reply_to_id: number | null
  external_id: string | null
  reply_to_external_id: string | null
  status: MessageStatus
  error_code: number | null
  error_title: string | null
  error_message: string | null
  provider_at: number | null
  created_at: number
  updated_at: number
}

interface Row extends Omit<Message, 'location' | 'extra'> {
  location: string | null
  extra: string | null
}
const toMessage = (r: Row): Message => ({ ...r, location: r.location ? JSON.parse(r.location) : null, extra: r.extra ? JSON.parse(r.extra) : null })

const SELECT = `
  SELECT m.id, m.ticket_id, m.channel_id, m.direction, m.author, m.author_id, u.name AS author_name, m.type, m.text,
         m.media_id, m.location, m.extra, m.reply_to_id, m.external_id, m.reply_to_external_id, m.status,
         m.error_code, m.error_title, m.error_message, m.provider_at, m.created_at, m.updated_at
  FROM messages m LEFT JOIN users u ON u.id = m.author_id`

export interface NewMessage {
  ticket_id: number
  channel_id: number
  direction: 'in' | 'out'
  author: Author
  author_id?: number | null
  type: string
  text?: string | null
  media_id?: number | null
  location?: Record<string, unknown> | null
  extra?: Record<string, unknown> | null
  reply_to_id?: number | null
  external_id?: string | null
  reply_to_external_id?: string | null
  status: MessageStatus
  error_code?: number | null
  error_title?: string | null
  error_message?: string | null
  provider_at?: number | null
}

export function messagesStore(db: Database) {
  const byId = db.query<Row, [number]>(`${SELECT} WHERE m.id = ?`)
  const byExternal = db.query<Row, [number, string]>(`${SELECT} WHERE m.channel_id = ? AND m.external_id = ?`)
  const ofTicket = db.query<Row, [number, number, number]>(`${SELECT} WHERE m.ticket_id = ? AND m.id > ? ORDER BY m.id LIMIT ?`)
  const insert = db.query<{ id: number }, Record<string, string | number | null>>(
    `INSERT INTO messages (ticket_id, channel_id, direction, author, author_id, type, text, media_id, location, extra, reply_to_id,
       external_id, reply_to_external_id, status, error_code, error_title, error_message, provider_at, created_at, updated_at)
     VALUES ($ticket_id, $channel_id, $direction, $author, $author_id, $type, $text, $media_id, $location, $extra, $reply_to_id,
       $external_id, $reply_to_external_id, $status, $error_code, $error_title, $error_message, $provider_at, $now, $now)
     RETURNING id`,
  )
  const setStatus = db.query<unknown, [string, number | null, string | null, string | null, number, number]>(
    'UPDATE messages SET status = ?, error_code = ?, error_title = ?, error_message = ?, updated_at = ? WHERE id = ?',
  )
  const setExternal = db.query<unknown, [string, number, number]>('UPDATE messages SET external_id = ?, updated_at = ? WHERE id = ?')
  const waitingForQuote = db.query<{ id: number }, [number, string]>(
    'SELECT id FROM messages WHERE channel_id = ? AND reply_to_external_id = ? AND reply_to_id IS NULL',
  )
  const setReplyTo = db.query<unknown, [number, number]>('UPDATE messages SET reply_to_id = ? WHERE id = ?')
  const byMedia = db.query<Row, [number]>(`${SELECT} WHERE m.media_id = ? ORDER BY m.id`)
  const setExtra = db.query<unknown, [string | null, string | null, number, number]>('UPDATE messages SET extra = ?, text = ?, updated_at = ? WHERE id = ?')
  const reactionsOf = db.query<Row, [number]>(`${SELECT} WHERE m.reply_to_id = ? AND m.type = 'reaction' ORDER BY m.id`)

  return {
    get: (id: number): Message | null => {
      const r = byId.get(id)
      return r ? toMessage(r) : null
    },
    byExternal: (channelId: number, externalId: string): Message | null => {
      const r = byExternal.get(channelId, externalId)
      return r ? toMessage(r) : null
    },
    /** Oldest first, after the cursor id. */
    ofTicket: (ticketId: number, after = 0, limit = 1000): Message[] => ofTicket.all(ticketId, after, limit).map(toMessage),
    reactionsOf: (messageId: number): Message[] => reactionsOf.all(messageId).map(toMessage),
    byMedia: (mediaId: number): Message[] => byMedia.all(mediaId).map(toMessage),
    /** Edits and revokes change a message in place (the original text is kept in extra). */
    setExtraAndText: (id: number, extra: Record<string, unknown> | null, text: string | null) =>
      setExtra.run(extra && Object.keys(extra).length ? JSON.stringify(extra) : null, text, Date.now(), id),
    /** Call inside a write transaction. */
    insert(m: NewMessage): number {
      const id = insert.get({
        ticket_id: m.ticket_id,
        channel_id: m.channel_id,
        direction: m.direction,
        author: m.author,
        author_id: m.author_id ?? null,
        type: m.type,
        text: m.text ?? null,
        media_id: m.media_id ?? null,
        location: m.location ? JSON.stringify(m.location) : null,
        extra: m.extra && Object.keys(m.extra).length ? JSON.stringify(m.extra) : null,
        reply_to_id: m.reply_to_id ?? null,
        external_id: m.external_id ?? null,
        reply_to_external_id: m.reply_to_external_id ?? null,
        status: m.status,
        error_code: m.error_code ?? null,
        error_title: m.error_title ?? null,
        error_message: m.error_message ?? null,
        provider_at: m.provider_at ?? null,
        now: Date.now(),
      })!.id
      // A quote of a message we had not seen yet is linked when that message arrives.
      if (m.external_id) for (const w of waitingForQuote.all(m.channel_id, m.external_id)) setReplyTo.run(id, w.id)
      return id
    },
    setStatus: (id: number, status: MessageStatus, error: { code: number | null; title: string | null; message: string | null } | null = null) =>
      setStatus.run(status, error?.code ?? null, error?.title ?? null, error?.message ?? null, Date.now(), id),
    setExternalId: (id: number, externalId: string) => setExternal.run(externalId, Date.now(), id),
  }
}
export type MessagesStore = ReturnType<typeof messagesStore>
