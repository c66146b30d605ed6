// Per-token rate limits: a token that spends its burst gets 429 `rate_limited` with Retry-After
// (and the X-RateLimit-* headers on every API answer); another token is unaffected; the bucket
// refills with time (the limiter unit takes the clock as an argument, so no timed assertions).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { RateLimiter, saveRateLimit } from './rate-limit'

let s: TestServer
let one: string
let two: string

const me = (token: string) => fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })

beforeAll(async () => {
  s = await startTestServer()
  const a = await seedUser(s.ctx, { email: 'one@example.com', profile: 'admin' })
  one = a.token
  two = (await seedUser(s.ctx, { email: 'two@example.com' })).token
  // 60 a minute = one a second; a burst of 3.
  saveRateLimit(s.ctx, a.user.id, { per_minute: 60, burst: 3 }, null)
})
afterAll(() => s.stop())

test('over the burst: 429 rate_limited with Retry-After; another token is unaffected; a wait lets it through again', async () => {
  const answers = [await me(one), await me(one), await me(one)]
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200])
  expect(answers[0].headers.get('x-ratelimit-limit')).toBe('3')
  expect(answers.map((r) => Number(r.headers.get('x-ratelimit-remaining')))).toEqual([2, 1, 0])
  expect(Number(answers[2].headers.get('x-ratelimit-reset'))).toBeGreaterThan(0)

  const refused = await me(one)
  expect(refused.status).toBe(429)
  const retryAfter = Number(refused.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThanOrEqual(1)
  expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
  const body = (await refused.json()) as { error: { code: string; message: string } }
  expect(body.error.code).toBe('rate_limited')
  expect(body.error.message).toContain('Tente de novo')

  // Another token (another bucket) is served.
  const other = await me(two)
  expect(other.status).toBe(200)
  expect(other.headers.get('x-ratelimit-remaining')).toBe('2')

  // After Retry-After, the token is served again.
  await Bun.sleep(retryAfter * 1000 + 50)
  expect((await me(one)).status).toBe(200)
})

test('unauthenticated API calls carry no rate-limit headers', async () => {
  const res = await fetch(`${s.url}/api/v1/me`)
  expect(res.status).toBe(401)
  expect(res.headers.get('x-ratelimit-limit')).toBeNull()
})

test('the bucket: burst, refill at the rate, Retry-After and Reset', () => {
  const l = new RateLimiter({ per_minute: 600, burst: 100 })
  const t0 = 1_000_000
  for (let i = 0; i < 100; i++) expect(l.take(7, t0).allowed).toBe(true)
  const no = l.take(7, t0)
  expect(no).toMatchObject({ allowed: false, remaining: 0, retryAfter: 1, limit: 100 })
  expect(no.reset).toBe(10) // 100 requests at 10/s
  expect(l.take(8, t0).allowed).toBe(true) // another key
  expect(l.take(7, t0 + 100).allowed).toBe(true) // 10/s: one more after 100 ms
  expect(l.take(7, t0 + 100).allowed).toBe(false)
  expect(l.take(7, t0 + 60_000).remaining).toBe(99) // full again
  l.sweep(t0 + 120_000)
  expect(l.take(7, t0 + 120_000).remaining).toBe(99)
})
