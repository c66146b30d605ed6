// The events table: every committed fact that browsers and API clients see live. A change records
// its event inside the same transaction, so an event exists if and only if the change committed.
import type { Database } from 'bun:sqlite'

export type EventName =
  | 'ticket.created'
  | 'ticket.updated'
  | 'message.created'
  | 'message.updated'
  | 'presence.updated'
  // page-only (never on the API stream): supervisors' alerts and notices
  | 'alert.fired'
  | 'alert.cleared'
  | 'alert.acked'
  | 'alert.rule_deleted'
  | 'notice.changed'
  // web chat typing indicators (src/channels/webchat/typing.ts): visitor streams and the workspace only
  | 'webchat.typing'

export interface StoredEvent {
  id: number
  at: number
  topics: string[]
  name: EventName
  data: unknown
  /** `data` as stored (JSON text): API streams send it as is, without serialising per stream. */
  json: string
}

interface Row {
  id: number
  at: number
  topics: string
  name: EventName
  data: string
}

const toEvent = (r: Row): StoredEvent => ({
  id: r.id,
  at: r.at,
  topics: JSON.parse(r.topics),
  name: r.name,
  data: JSON.parse(r.data),
  json: r.data,
})

export function eventsStore(db: Database) {
  const insert = db.query<{ id: number }, [number, string, string, string]>(
    'INSERT INTO events (at, topics, name, data) VALUES (?, ?, ?, ?) RETURNING id',
  )
  const after = db.query<Row, [number, number]>(
    'SELECT id, at, topics, name, data FROM events WHERE id > ? ORDER BY id LIMIT ?',
  )
  const oldest = db.query<{ id: number | null }, []>('SELECT min(id) AS id FROM events')
  const newest = db.query<{ id: number | null }, []>('SELECT max(id) AS id FROM events')
  const prune = db.query<unknown, [number]>('DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?')

  return {
    /** Call inside the write transaction of the change it describes. */
    record(topics: string[], name: EventName, data: unknown): number {
      return insert.get(Date.now(), JSON.stringify(topics), name, JSON.stringify(data))!.id
    },
    after: (id: number, limit = 500): StoredEvent[] => after.all(id, limit).map(toEvent),
    oldestId: (): number | null => oldest.get()?.id ?? null,
    newestId: (): number => newest.get()?.id ?? 0,
    /** Keeps the newest `keep` events: the bounded replay buffer. */
    prune: (keep: number) => prune.run(keep),
  }
}
export type EventsStore = ReturnType<typeof eventsStore>
