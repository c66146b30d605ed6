// Login throttling: failures counted per account and per IP in a sliding window, in memory
// (a restart forgets them, which only ever helps a real user).
export interface ThrottleRule {
  max: number
  windowMs: number
}

export class Throttle {
  private failures = new Map<string, number[]>()

  constructor(private rule: ThrottleRule) {}

  /** Seconds to wait before another attempt is allowed for this key, 0 when allowed. */
  retryAfter(key: string, now = Date.now()): number {
    const recent = this.recent(key, now)
    if (recent.length < this.rule.max) return 0
    return Math.max(1, Math.ceil((recent[0] + this.rule.windowMs - now) / 1000))
  }

  fail(key: string, now = Date.now()) {
    const recent = this.recent(key, now)
    recent.push(now)
    this.failures.set(key, recent)
    if (this.failures.size > 50_000) this.sweep(now)
  }

  /** Rate limiting: records one request and answers 0, or the seconds to wait (nothing recorded). */
  take(key: string, now = Date.now()): number {
    const wait = this.retryAfter(key, now)
    if (wait === 0) this.fail(key, now)
    return wait
  }

  reset(key: string) {
    this.failures.delete(key)
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.rule.windowMs)
  }

  private sweep(now: number) {
    for (const [key] of this.failures) if (this.recent(key, now).length === 0) this.failures.delete(key)
  }
}

/** 5 wrong passwords for one account in 15 min, or 30 from one address, lock further tries for a while. */
export const createLoginThrottles = () => ({
  account: new Throttle({ max: 5, windowMs: 15 * 60_000 }),
  ip: new Throttle({ max: 30, windowMs: 15 * 60_000 }),
})
