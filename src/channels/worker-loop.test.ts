// The worker loop's scheduled wake (issue 9, `coalesceMs`, used by routing): a wake schedules the
// pass — it never runs in the caller's stack (nor in its microtasks, where a request's response is
// still being built) — and the wakes of a burst make one pass.
import { expect, test } from 'bun:test'
import { createLogger } from '../logger'
import { startLoop } from './worker-loop'

const log = createLogger('silent')
const HOUR = 3_600_000

test('a wake runs the pass after the caller and its microtasks are done', async () => {
  const order: string[] = []
  let passed!: () => void
  const done = new Promise<void>((r) => (passed = r))
  const loop = startLoop('t', log, async () => {
    order.push('pass')
    passed()
    return false
  }, HOUR, { coalesceMs: 0 })
  // The caller: wakes, then finishes its work over a few microtask hops (as a handler does).
  const caller = async () => {
    loop.wake()
    order.push('woke')
    for (let i = 0; i < 20; i++) await Promise.resolve()
    order.push('answered')
  }
  await caller()
  await done
  expect(order).toEqual(['woke', 'answered', 'pass'])
  await loop.stop()
})

test('the wakes of a burst make one pass; a wake during a pass makes exactly one more', async () => {
  let passes = 0
  let release!: () => void
  let started!: () => void
  let second!: () => void
  const firstStarted = new Promise<void>((r) => (started = r))
  const secondDone = new Promise<void>((r) => (second = r))
  const loop = startLoop('t', log, async () => {
    passes++
    if (passes === 1) {
      started()
      await new Promise<void>((r) => (release = r))
    } else second()
    return false
  }, HOUR, { coalesceMs: 5 })
  for (let i = 0; i < 50; i++) loop.wake() // with the wake at start: one pass
  await firstStarted
  expect(passes).toBe(1)
  for (let i = 0; i < 50; i++) loop.wake() // while it runs: one more pass, not fifty
  release()
  await secondDone
  await Bun.sleep(20) // room for a wrong third pass (the assertion holds however long this is)
  await loop.stop()
  expect(passes).toBe(2)
})

test('wakes spread over one request (between its microtasks) make one pass', async () => {
  let passes = 0
  let passed!: () => void
  const done = new Promise<void>((r) => (passed = r))
  const loop = startLoop('t', log, async () => {
    passes++
    passed()
    return false
  }, HOUR, { coalesceMs: 0 })
  for (let i = 0; i < 10; i++) {
    loop.wake()
    for (let j = 0; j < 3; j++) await Promise.resolve()
  }
  await done
  await Bun.sleep(20) // room for a wrong second pass (the assertion holds however long this is)
  await loop.stop()
  expect(passes).toBe(1)
})

test('a stopped loop runs no pass, even one already scheduled', async () => {
  let passes = 0
  const loop = startLoop('t', log, async () => {
    passes++
    return false
  }, HOUR, { coalesceMs: 0 })
  loop.wake()
  await loop.stop()
  await Bun.sleep(5)
  expect(passes).toBe(0)
})
