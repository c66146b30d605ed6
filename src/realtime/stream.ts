// One SSE response of events: replay from Last-Event-ID (or a snapshot when there is none or the
// gap was pruned), then live events from the hub (the stream's life — pings, cleanup when the client
// goes — is sse-stream.ts).
import type { EventsStore, StoredEvent } from './events-store'
import type { Hub } from './hub'
import { formatSse, type SseMessage } from './sse-format'
import { sseStream } from './sse-stream'

export interface StreamOptions {
  hub: Hub
  events: EventsStore
  signal: AbortSignal
  topics: ReadonlySet<string>
  lastEventId: string | null
  allowed(ev: StoredEvent): boolean
  /** The SSE message for one event (or its already formatted text), or null to skip it for this client. */
  render(ev: StoredEvent): SseMessage | string | null
  /** Messages that bring a client without a usable Last-Event-ID up to date. */
  snapshot(reason: 'fresh' | 'gap'): SseMessage[]
  heartbeatMs?: number
  /** Drop a client that has this many bytes waiting (it reconnects and replays). */
  maxBufferedBytes?: number
}

export function parseLastEventId(header: string | null): number | null {
  if (!header || !/^\d{1,15}$/.test(header.trim())) return null
  return Number(header.trim())
}

export function sseResponse(o: StreamOptions): Response {
  return sseStream({
    hub: o.hub,
    signal: o.signal,
    heartbeatMs: o.heartbeatMs,
    maxBufferedBytes: o.maxBufferedBytes,
    open({ push }) {
      const send = (m: SseMessage | string | null) => m && push(typeof m === 'string' ? m : formatSse(m))
      const sub = {
        topics: o.topics,
        lastId: 0,
        allowed: o.allowed,
        deliver: (ev: StoredEvent) => send(o.render(ev)),
      }

      // Replay and registration happen in one synchronous block: nothing is fanned out between them.
      push(formatSse({ retry: 2000 }))
      const newest = o.events.newestId()
      const from = parseLastEventId(o.lastEventId)
      const oldest = o.events.oldestId()
      const canReplay = from !== null && from <= newest && (oldest === null || from >= oldest - 1)
      if (canReplay) {
        let cursor = from
        for (;;) {
          const batch = o.events.after(cursor)
          if (batch.length === 0) break
          for (const ev of batch) {
            cursor = ev.id
            if (ev.topics.some((t) => o.topics.has(t)) && o.allowed(ev)) send(o.render(ev))
          }
        }
        sub.lastId = cursor
      } else {
        sub.lastId = newest
        for (const m of o.snapshot(from === null && !o.lastEventId ? 'fresh' : 'gap')) send(m)
      }
      // Give the client a cursor even if nothing happens before it reconnects.
      push(formatSse({ id: sub.lastId }))
      return o.hub.subscribe(sub)
    },
  })
}
