// Rate limits for API tokens: one token bucket per token, refilled continuously at `per_minute`
// and holding at most `burst` requests. Spending is a few arithmetic operations on a Map entry —
// no database write (or read: the configuration is cached and replaced on save) per request.
//
// In memory, on purpose: Kumquat is one process (design.md §3), so one Map sees every request; a
// restart forgets the buckets, which only ever grants a client one fresh burst. Several processes
// behind a load balancer (design.md §8) would each apply the limit: the shared counter would then
// belong in the engine that also carries realtime (not SQLite: a write per request).
//
// Headers on every API response authenticated by a token (the server adds them, src/server.ts):
//   X-RateLimit-Limit      the bucket size (the burst)
//   X-RateLimit-Remaining  requests that may be made right now
//   X-RateLimit-Reset      seconds until the bucket is full again
// and, on 429, Retry-After: seconds until the next request is allowed.
import type { Context } from '../context'
import { write } from '../db/open'
import { HttpError } from '../http/errors'

export interface RateLimitConfig {
  /** sustained requests per minute per token */
  per_minute: number
  /** requests a token may make at once after being idle (the bucket size) */
  burst: number
}

const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name])
  return Number.isInteger(v) && v > 0 ? v : fallback
}
/**
 * Until an admin saves other values: 6,000/min (100/s sustained), burst 1,000 — generous, so an
 * ERP's nightly sync or a script paging through tickets is never cut off, while a runaway loop is
 * (KUMQUAT_API_RATE_PER_MINUTE / _BURST change the default).
 */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { per_minute: envInt('KUMQUAT_API_RATE_PER_MINUTE', 6000), burst: envInt('KUMQUAT_API_RATE_BURST', 1000) }
export const RATE_LIMIT_BOUNDS = { per_minute: [1, 1_000_000], burst: [1, 100_000] } as const
const SETTINGS_KEY = 'integrations.rate_limit'

export interface Decision {
  allowed: boolean
  limit: number
  remaining: number
  /** seconds until the bucket is full */
  reset: number
  /** seconds until one request is allowed (0 when allowed) */
  retryAfter: number
}

interface Bucket {
  tokens: number
  at: number
}

/** Token buckets keyed by API token id. */
export class RateLimiter {
  private buckets = new Map<number, Bucket>()
  constructor(public config: RateLimitConfig) {}

  take(key: number, now = Date.now()): Decision {
    const { per_minute, burst } = this.config
    const perMs = per_minute / 60_000
    const b = this.buckets.get(key) ?? { tokens: burst, at: now }
    b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.at) * perMs)
    b.at = now
    this.buckets.set(key, b)
    const allowed = b.tokens >= 1
    if (allowed) b.tokens -= 1
    return {
      allowed,
      limit: burst,
      remaining: Math.floor(b.tokens),
      reset: Math.ceil((burst - b.tokens) / perMs / 1000),
      retryAfter: allowed ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)),
    }
  }

  /** Forgets buckets that have been full for a while (a revoked token's bucket, say). */
  sweep(now = Date.now()) {
    const perMs = this.config.per_minute / 60_000
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * perMs >= this.config.burst) this.buckets.delete(key)
  }
}

const limiters = new WeakMap<Context, RateLimiter>()
const decisions = new WeakMap<Request, Decision>()

export function limiterOf(ctx: Context): RateLimiter {
  let l = limiters.get(ctx)
  if (!l) {
    limiters.set(ctx, (l = new RateLimiter(readRateLimit(ctx))))
    const sweep = setInterval(() => l!.sweep(), 10 * 60_000)
    sweep.unref?.()
  }
  return l
}

export function readRateLimit(ctx: Context): RateLimitConfig {
  const stored = ctx.stores.settings.get<Partial<RateLimitConfig>>(SETTINGS_KEY) ?? {}
  return { ...DEFAULT_RATE_LIMIT, ...stored }
}

/** Saves the limits (audited) and applies them at once; buckets keep their current level. */
export function saveRateLimit(ctx: Context, actorId: number, config: RateLimitConfig, ip: string | null) {
  write(ctx.db, () => {
    ctx.stores.settings.set(SETTINGS_KEY, config)
    ctx.stores.audit.record({ actor_id: actorId, action: 'settings.update', object_type: 'settings', object_id: 'rate_limit', ip, details: { ...config } })
  })
  limiterOf(ctx).config = { ...config }
}

/**
 * Spends one request of this token's bucket, once per request (the viewer is resolved more than
 * once per request: guards, handlers, the error page). Throws 429 `rate_limited` when empty.
 */
export function spendApiRequest(ctx: Context, request: Request, tokenId: number) {
  let d = decisions.get(request)
  if (!d) decisions.set(request, (d = limiterOf(ctx).take(tokenId)))
  if (!d.allowed) throw new HttpError(429, 'rate_limited', 'integrations.rate_limited', { seconds: d.retryAfter })
}

/** Adds the X-RateLimit-* headers to the response of a request that spent from a bucket. */
export function applyRateLimitHeaders(request: Request, headers: Headers) {
  const d = decisions.get(request)
  if (!d) return
  headers.set('x-ratelimit-limit', String(d.limit))
  headers.set('x-ratelimit-remaining', String(d.remaining))
  headers.set('x-ratelimit-reset', String(d.reset))
  if (!d.allowed) headers.set('retry-after', String(d.retryAfter))
}
