// The monitoring page's own event stream. The board is a state, so the stream does not replay
// events: it sends the board when it connects (a reconnect is a fresh snapshot), then again when
// the hub fans out a ticket, message or presence change — coalesced to at most one board per
// second per stream, however busy the desk is — and every 10 s anyway (waits keep growing).
// A plain ReadableStream with an abort listener and cancel() (design.md §6 pitfalls).
import type { Hub } from '../realtime/hub'
import type { StoredEvent } from '../realtime/events-store'
import { formatSse, SSE_PING } from '../realtime/sse-format'

export interface BoardStreamOptions {
  hub: Hub
  signal: AbortSignal
  /** The board as an SSE data payload, or null to end the stream (the viewer lost access). */
  render(): string | null
  /** Which events change the board. */
  relevant(ev: StoredEvent): boolean
  minGapMs?: number
  refreshMs?: number
  heartbeatMs?: number
}

const encoder = new TextEncoder()

export function boardStream(o: BoardStreamOptions): Response {
  let cleanup = () => {}
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false
      let timer: ReturnType<typeof setTimeout> | null = null
      let lastSent = 0
      const push = (text: string) => {
        if (closed) return
        controller.enqueue(encoder.encode(text))
        // A client that stopped reading: drop it (it reconnects and gets a fresh board).
        if ((controller.desiredSize ?? 0) < -2_000_000) end()
      }
      const flush = () => {
        timer = null
        if (closed) return
        lastSent = Date.now()
        const data = o.render()
        if (data === null) return end()
        push(formatSse({ data }))
      }
      const schedule = () => {
        if (timer || closed) return
        const gap = o.minGapMs ?? 1000
        timer = setTimeout(flush, Math.max(150, gap - (Date.now() - lastSent)))
      }

      push(formatSse({ retry: 2000 }))
      flush()
      const unsubscribe = o.hub.subscribe({
        topics: new Set(['supervisor']),
        lastId: o.hub.newestId,
        allowed: () => true,
        deliver: (ev) => {
          if (o.relevant(ev)) schedule()
        },
      })
      const refresh = setInterval(() => {
        if (Date.now() - lastSent >= (o.refreshMs ?? 10_000) - 50) schedule()
      }, o.refreshMs ?? 10_000)
      const heartbeat = setInterval(() => push(SSE_PING), o.heartbeatMs ?? 15_000)
      const unregister = o.hub.onClose(() => end())

      function end() {
        if (closed) return
        closed = true
        if (timer) clearTimeout(timer)
        clearInterval(refresh)
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
  })
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  })
}
