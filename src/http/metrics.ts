// Prometheus text exposition, kept by hand: a few counters and one latency histogram.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

export class Metrics {
  private requests = new Map<string, number>() // `${route}\t${method}\t${status}` → count
  private latency = new Map<string, { buckets: number[]; sum: number; count: number }>()

  observe(method: string, route: string, status: number, seconds: number) {
    const key = `${route}\t${method}\t${status}`
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1)
    let h = this.latency.get(route)
    if (!h) this.latency.set(route, (h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }))
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.buckets[i]++
    h.sum += seconds
    h.count++
  }

  render(gauges: { sseClients: number; eventsPublished: number; uptimeSeconds: number }): string {
    const lines: string[] = []
    const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    lines.push('# HELP kumquat_http_requests_total HTTP requests by route, method and status.')
    lines.push('# TYPE kumquat_http_requests_total counter')
    for (const [key, n] of this.requests) {
      const [route, method, status] = key.split('\t')
      lines.push(`kumquat_http_requests_total{route="${label(route)}",method="${method}",status="${status}"} ${n}`)
    }
    lines.push('# HELP kumquat_http_request_duration_seconds HTTP request latency.')
    lines.push('# TYPE kumquat_http_request_duration_seconds histogram')
    for (const [route, h] of this.latency) {
      const r = label(route)
      BUCKETS.forEach((b, i) => lines.push(`kumquat_http_request_duration_seconds_bucket{route="${r}",le="${b}"} ${h.buckets[i]}`))
      lines.push(`kumquat_http_request_duration_seconds_bucket{route="${r}",le="+Inf"} ${h.count}`)
      lines.push(`kumquat_http_request_duration_seconds_sum{route="${r}"} ${h.sum.toFixed(6)}`)
      lines.push(`kumquat_http_request_duration_seconds_count{route="${r}"} ${h.count}`)
    }
    lines.push('# HELP kumquat_sse_clients Open Server-Sent Events streams.')
    lines.push('# TYPE kumquat_sse_clients gauge')
    lines.push(`kumquat_sse_clients ${gauges.sseClients}`)
    lines.push('# HELP kumquat_events_published_total Events fanned out to live streams.')
    lines.push('# TYPE kumquat_events_published_total counter')
    lines.push(`kumquat_events_published_total ${gauges.eventsPublished}`)
    lines.push('# HELP kumquat_uptime_seconds Seconds since the process started.')
    lines.push('# TYPE kumquat_uptime_seconds gauge')
    lines.push(`kumquat_uptime_seconds ${gauges.uptimeSeconds}`)
    return lines.join('\n') + '\n'
  }
}
