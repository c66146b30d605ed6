// A background loop that runs one pass at a time: woken when there is work, and on a timer as a
// safety net (for rows left by a crash, or due later). A pass returns true while more work is ready.
//
// By default a wake starts the pass at once, in the caller's stack, up to the pass's first await.
// With `coalesceMs` a wake only schedules the pass on a timer: the request that woke the worker
// answers first (its microtasks, the response included, run before any timer), the pass never
// lands inside the caller's transaction, and the wakes of a burst make one pass.
import type { Logger } from '../logger'

export interface WorkerLoop {
  wake(): void
  stop(): Promise<void>
}

export interface LoopOptions {
  /** Schedule the pass this many ms after a wake (0: the next turn of the event loop), serving every wake meanwhile with it. */
  coalesceMs?: number
}

export function startLoop(name: string, log: Logger, pass: () => Promise<boolean>, intervalMs: number, opts: LoopOptions = {}): WorkerLoop {
  let running: Promise<void> | null = null
  let again = false
  let stopped = false
  let scheduled: ReturnType<typeof setTimeout> | null = null

  const run = async () => {
    do {
      again = false
      try {
        while (!stopped && (await pass())) {
          // Yield between batches so HTTP requests are served while a backlog drains.
          await new Promise((r) => setImmediate(r))
        }
      } catch (err) {
        log.error({ err, worker: name }, 'worker pass failed')
      }
    } while (again && !stopped)
    running = null
  }
  const start = () => {
    scheduled = null
    if (stopped) return
    if (running) again = true
    else running = run()
  }
  const wake = () => {
    if (stopped || scheduled) return
    // A pass in progress goes round once more (it may have read before the change that woke us).
    if (running) again = true
    else if (opts.coalesceMs === undefined) running = run()
    else scheduled = setTimeout(start, opts.coalesceMs)
  }
  const timer = setInterval(wake, intervalMs)
  timer.unref?.()
  // The first pass waits for the caller (the server start) to finish wiring the workers.
  if (opts.coalesceMs === undefined) queueMicrotask(wake)
  else wake()
  return {
    wake,
    async stop() {
      stopped = true
      clearInterval(timer)
      if (scheduled) clearTimeout(scheduled)
      await running
    },
  }
}
