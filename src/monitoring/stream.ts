// The monitoring page's own event stream. The board is a state, so the stream does not replay
// events: it sends the board when it connects (a reconnect is a fresh snapshot), then again when
// the hub fans out a ticket, message or presence change — coalesced to at most one board per
// second per stream, however busy the desk is — and every 10 s anyway (waits keep growing).
// Its life (pings, cleanup when the client goes) is src/realtime/sse-stream.ts.
import type { Hub } from '../realtime/hub'
import type { StoredEvent } from '../realtime/events-store'
import { formatSse } from '../realtime/sse-format'
import { sseStream } from '../realtime/sse-stream'

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

export function boardStream(o: BoardStreamOptions): Response {
  return sseStream({
    hub: o.hub,
    signal: o.signal,
    heartbeatMs: o.heartbeatMs,
    // A client that stopped reading: drop it (it reconnects and gets a fresh board).
    maxBufferedBytes: 2_000_000,
    open({ push, end }) {
      let timer: ReturnType<typeof setTimeout> | null = null
      let lastSent = 0
      let done = false
      const flush = () => {
        timer = null
        if (done) return
        lastSent = Date.now()
        const data = o.render()
        if (data === null) return end()
        push(formatSse({ data }))
      }
      const schedule = () => {
        if (timer || done) return
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
      return () => {
        done = true
        if (timer) clearTimeout(timer)
        clearInterval(refresh)
        unsubscribe()
      }
    },
  })
}
