// A background loop that runs one pass at a time: woken when there is work, and on a timer as a
// safety net (for rows left by a crash, or due later). A pass returns true while more work is ready.
import type { Logger } from '../logger'

export interface WorkerLoop {
  wake(): void
  stop(): Promise<void>
}

export function startLoop(name: string, log: Logger, pass: () => Promise<boolean>, intervalMs: number): WorkerLoop {
  let running: Promise<void> | null = null
  let again = false
  let stopped = false

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
  const wake = () => {
    if (stopped) return
    if (running) again = true
    else running = run()
  }
  const timer = setInterval(wake, intervalMs)
  timer.unref?.()
  queueMicrotask(wake)
  return {
    wake,
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
