// The CI soak (issue 9): scripts/bench/soak.ts for 60 seconds against the compiled binary — 200
// customers through the fake Graph API's customer role (with the built-in bot flow), 20 agents as
// API clients with 20 SSE streams, offers, transfers, closes, photos and files. Asserts no errors
// of any kind, every acknowledged message stored once, nothing sent twice or assigned twice, no
// RSS growth trend after the warm-up beyond a tolerance, and open file descriptors stable.
import { expect, test } from 'bun:test'
import { formatReport, runSoak } from '../../scripts/bench/soak'
import { binary } from './support'

const DURATION_S = 60
const WARMUP_S = 20
/**
 * RSS after the warm-up: the fit covers 40 s of a load that rises and falls (the day's two peaks),
 * with ±5 MB of noise between samples, so one minute only catches a gross leak: a slope over 20
 * MB/min, or over 8 MB/min that is a real trend (r² > 0.6) rather than noise. The 10- and 30-minute
 * runs of the script judge slow growth (> 1 MB/min with r² > 0.5).
 */
const RSS_SLOPE_GROSS = 20
const RSS_SLOPE_TREND = 8

test('soak, 60 s: no errors, no RSS growth trend, fds stable, every acknowledged message stored once', async () => {
  const report = await runSoak({ durationS: DURATION_S, customers: 200, agents: 20, bot: true, binary: await binary(), sampleEveryS: 2, warmupS: WARMUP_S, log: () => {} })
  console.log(formatReport(report))

  expect(report.errors).toEqual({ total: 0, by_kind: {}, examples: [] })
  const k = report.checks
  expect(k.acked_inbound).toBeGreaterThan(500)
  expect(k.acked_stored_once).toBe(k.acked_inbound)
  expect(k.agent_acked).toBeGreaterThan(100)
  expect(k.agent_acked_stored).toBe(k.agent_acked)
  expect({ inbound_failed: k.inbound_failed, outbound_failed: k.outbound_failed, left_queued: k.outbound_left_queued, sent_twice: k.sent_twice, assigned_twice: k.assigned_twice, integrity: k.integrity }).toEqual({
    inbound_failed: 0, outbound_failed: 0, left_queued: 0, sent_twice: 0, assigned_twice: 0, integrity: 'ok',
  })
  expect(report.server.exit_code).toBe(0)
  expect(report.server.log_errors).toBe(0)

  // Memory: no upward trend after the warm-up, and no sample far above the plateau's floor.
  expect(report.rss_mb.slope_per_min).toBeLessThan(RSS_SLOPE_GROSS)
  expect({ slope: report.rss_mb.slope_per_min, r2: report.rss_mb.r2, trend: report.rss_mb.slope_per_min > RSS_SLOPE_TREND && report.rss_mb.r2 > 0.6 }).toMatchObject({ trend: false })
  expect(report.rss_mb.max).toBeLessThan(report.rss_mb.min * 1.3)
  // File descriptors: a band under load, back near the start when the clients are gone.
  expect(report.fds_stable).toBe(true)
  expect(report.wal_mb.max).toBeLessThan(64)

  // The day happened: bot conversations, offers accepted, transfers, closes, photos, files, streams.
  const t = report.throughput
  expect(t.sse_events).toBeGreaterThan(1000)
  expect(t.accepts).toBeGreaterThan(0)
  expect(t.transfers).toBeGreaterThan(0)
  expect(t.closes).toBeGreaterThan(20)
  expect(t.customer_media).toBeGreaterThan(0)
  expect(t.agent_files).toBeGreaterThan(0)
  // Comercial's CSAT survey (src/surveys): sent at the close, answered by tap or typed number, stored.
  expect({ sent: t.surveys_sent > 0, stored: t.survey_answers_stored > 0 }).toEqual({ sent: true, stored: true })
  expect(report.latency_ms['customer → bot answer']?.n ?? 0).toBeGreaterThan(100)
  expect(report.latency_ms['webhook → SSE message.created']?.n ?? 0).toBeGreaterThan(0)
}, 200_000) // 60 s of load, then the drain (up to 60 s) and the shutdown (up to 15 s), on a busy machine
