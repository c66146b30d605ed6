// The per-token rate limiter's cost per request (src/integrations/rate-limit.ts): one bucket
// update on a Map, no database. Prints ns per take() over many tokens, all allowed and all refused.
//
//   node_modules/.bin/bun scripts/bench/rate-limit.ts
import { RateLimiter } from '../../src/integrations/rate-limit'

const N = Number(process.env.BENCH_N ?? 2_000_000)
const TOKENS = Number(process.env.BENCH_TOKENS ?? 1000)

function run(label: string, limiter: RateLimiter, clock: (i: number) => number) {
  for (let i = 0; i < 100_000; i++) limiter.take(i % TOKENS, clock(i)) // warm-up
  const t0 = performance.now()
  let allowed = 0
  for (let i = 0; i < N; i++) if (limiter.take(i % TOKENS, clock(i)).allowed) allowed++
  const ms = performance.now() - t0
  console.log(`${label.padEnd(34)} ${((ms * 1e6) / N).toFixed(1).padStart(7)} ns/request  (${N} requests, ${TOKENS} tokens, ${allowed} allowed)`)
}

run('under the limit (clock advancing)', new RateLimiter({ per_minute: 600_000, burst: 1000 }), (i) => 1_000_000 + i)
run('over the limit (all refused)', new RateLimiter({ per_minute: 1, burst: 1 }), () => 1_000_000)
