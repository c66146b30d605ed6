// The life of one Server-Sent Events response, shared by every stream (the desk's /events, the API's,
// the monitoring board's, the web-chat visitor's): a plain ReadableStream with an abort listener and
// cancel() — an async generator would not run its cleanup when the client disconnects while it
// waits (design.md §6) — a `: ping` every 15 s, a client that stopped reading dropped (it
// reconnects), and the end when the client goes, the hub closes or the stream itself says so.
import type { Hub } from './hub'
import { SSE_PING } from './sse-format'

export interface SseChannel {
  /** Sends already formatted SSE text (nothing once closed). */
  push(text: string): void
  /** Ends the stream; safe to call more than once. */
  end(): void
}

export interface SseStreamOptions {
  hub: Hub
  signal: AbortSignal
  heartbeatMs?: number
  /** Drop a client that has this many bytes waiting. */
  maxBufferedBytes?: number
  /** Runs when the client connects (sends what it has, subscribes); returns what to undo at the end. */
  open(ch: SseChannel): () => void
}

const encoder = new TextEncoder()

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
}

export function sseStream(o: SseStreamOptions): Response {
  let cleanup = () => {}
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false
      let release: (() => void) | null = null
      const ch: SseChannel = {
        push(text) {
          if (closed) return
          controller.enqueue(encoder.encode(text))
          if ((controller.desiredSize ?? 0) < -(o.maxBufferedBytes ?? 1_000_000)) end()
        },
        end: () => end(),
      }
      const heartbeat = setInterval(() => ch.push(SSE_PING), o.heartbeatMs ?? 15_000)
      const unregister = o.hub.onClose(() => end())

      function end() {
        if (closed) return
        closed = true
        clearInterval(heartbeat)
        release?.()
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
      const undo = o.open(ch)
      // open() may have ended the stream already: undo what it set up right away.
      if (closed) undo()
      else release = undo
      if (o.signal.aborted) end()
    },
    cancel() {
      cleanup()
    },
  })
  return new Response(stream, { headers: SSE_HEADERS })
}
