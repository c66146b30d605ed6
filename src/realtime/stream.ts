// One SSE response: replay from Last-Event-ID (or a snapshot when there is none or the gap was
// pruned), then live events from the hub, a `: ping` every 15 s, and cleanup when the client goes.
// A plain ReadableStream with an abort listener and cancel(): an async generator would not run
// its cleanup when the client disconnects while it waits.
import type { EventsStore, StoredEvent } from './events-store'
import type { Hub } from './hub'
import { formatSse, SSE_PING, type SseMessage } from './sse-format'

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

const encoder = new TextEncoder()

export function parseLastEventId(header: string | null): number | null {
  if (!header || !/^\d{1,15}$/.test(header.trim())) return null
  return Number(header.trim())
}

export function sseResponse(o: StreamOptions): Response {
  let cleanup = () => {}
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let closed = false
        const push = (text: string) => {
          if (closed) return
          controller.enqueue(encoder.encode(text))
          if ((controller.desiredSize ?? 0) < -(o.maxBufferedBytes ?? 1_000_000)) end()
        }
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

        const unsubscribe = o.hub.subscribe(sub)
        const heartbeat = setInterval(() => push(SSE_PING), o.heartbeatMs ?? 15_000)
        const unregister = o.hub.onClose(() => end())

        function end() {
          if (closed) return
          closed = true
          clearInterval(heartbeat)
          unsubscribe()
          unregister()
          o.signal.removeEventListener('abort', end)
          try {
            controller.close()
          } catch {
            // already closed by the client
          }
        }
        cleanup = end
        o.signal.addEventListener('abort', end)
        if (o.signal.aborted) end()
      },
      cancel() {
        cleanup()
      },
    },
  )
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  })
}
