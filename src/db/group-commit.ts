// Group commit: writes that arrive in the same turn of the event loop share one transaction, so
// one fsync makes a whole burst durable (synchronous=FULL costs a disk flush per commit). Each
// caller still waits for its own write to be committed before answering.
import type { Database } from 'bun:sqlite'
import { write } from './open'

interface Pending<T, R> {
  item: T
  resolve(result: R): void
  reject(error: unknown): void
}

export class GroupCommit<T, R> {
  private queue: Pending<T, R>[] = []
  private scheduled = false

  constructor(private db: Database, private writeOne: (item: T) => R, private maxBatch = 500) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush() {
    this.scheduled = false
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch)
      let results: R[]
      try {
        results = write(this.db, () => batch.map((p) => this.writeOne(p.item)))
      } catch (err) {
        // Nothing of this batch was committed: every caller gets the error (and answers 5xx).
        for (const p of batch) p.reject(err)
        continue
      }
      batch.forEach((p, i) => p.resolve(results[i]))
    }
  }
}
