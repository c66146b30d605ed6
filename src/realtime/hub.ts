// The in-process fan-out of committed events. Writers record events inside their transaction and
// call wake() after commit; a slow poll also picks up events committed by another process (the CLI).
// Each subscriber has its own cursor, so replay and live delivery never double an event.
import type { Logger } from '../logger'
import type { EventsStore, StoredEvent } from './events-store'

export interface Subscriber {
  /** Topics this stream listens to (computed from the user's permissions at connect time). */
  topics: ReadonlySet<string>
  /** Last event id delivered (or replayed) to this subscriber. */
  lastId: number
  /** Per-event permission check, on top of the topic match. */
  allowed(ev: StoredEvent): boolean
  deliver(ev: StoredEvent): void
}

export interface HubOptions {
  pollMs?: number
  retention: number
  log: Logger
}

export class Hub {
  private subscribers = new Set<Subscriber>()
  private closers = new Set<() => void>()
  private lastId: number
  private timer: ReturnType<typeof setInterval> | null = null
  private pruneTimer: ReturnType<typeof setInterval> | null = null
  published = 0

  constructor(private events: EventsStore, private opts: HubOptions) {
    this.lastId = events.newestId()
  }

  get clientCount(): number {
    return this.subscribers.size
  }

  get newestId(): number {
    return this.lastId
  }

  start() {
    this.timer = setInterval(() => this.wake(), this.opts.pollMs ?? 500)
    this.pruneTimer = setInterval(() => this.events.prune(this.opts.retention), 60_000)
    this.timer.unref?.()
    this.pruneTimer.unref?.()
  }

  stop() {
    if (this.timer) clearInterval(this.timer)
    if (this.pruneTimer) clearInterval(this.pruneTimer)
    this.timer = this.pruneTimer = null
  }

  subscribe(sub: Subscriber): () => void {
    this.subscribers.add(sub)
    return () => this.subscribers.delete(sub)
  }

  /** Streams register how to end themselves, so shutdown can close them all. */
  onClose(close: () => void): () => void {
    this.closers.add(close)
    return () => this.closers.delete(close)
  }

  closeAll() {
    for (const close of [...this.closers]) close()
  }

  /** Reads what was committed since the last look and hands each event to the streams that may see it. */
  wake() {
    for (;;) {
      const batch = this.events.after(this.lastId)
      if (batch.length === 0) return
      for (const ev of batch) {
        this.lastId = ev.id
        this.published++
        this.fanOut(ev)
      }
    }
  }

  private fanOut(ev: StoredEvent) {
    for (const sub of this.subscribers) {
      if (ev.id <= sub.lastId) continue
      if (!ev.topics.some((t) => sub.topics.has(t))) continue
      try {
        if (!sub.allowed(ev)) continue
        sub.lastId = ev.id
        sub.deliver(ev)
      } catch (err) {
        this.opts.log.warn({ err, event: ev.id }, 'sse delivery failed')
      }
    }
  }
}
