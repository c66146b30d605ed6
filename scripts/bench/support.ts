// What the benchmark scripts share: child processes and temp dirs removed at exit, a free port,
// waiting for a server to answer, percentiles, and a log line on stderr (stdout is the report).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'

const children = new Set<Subprocess>()
const temps = new Set<string>()
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL')
    } catch {}
  }
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})
process.on('SIGINT', () => process.exit(130))

export const log = (m: string) => process.stderr.write(`· ${m}\n`)

/** A temp dir removed when the script ends. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  temps.add(d)
  return d
}

/** A child process (a clean environment plus `env`) killed when the script ends. */
export function spawnChild(cmd: string[], cwd: string, env: Record<string, string>, o: { stdin?: 'pipe'; stdout?: 'pipe' } = {}) {
  const p = Bun.spawn(cmd, { cwd, env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env }, stdin: o.stdin ?? 'ignore', stdout: o.stdout ?? 'ignore', stderr: 'inherit' })
  children.add(p)
  return p
}

export function freePort(): number {
  const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const p = l.port
  l.stop(true)
  return p
}

export async function waitHealthy(url: string, tries = 200) {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await Bun.sleep(100)
  }
  throw new Error(`not healthy: ${url}`)
}

/** A process's resident memory in MB (null when it is gone). */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 1024) : null
  } catch {
    return null
  }
}

/** The p-th percentile (nearest rank below); NaN for no samples. */
export function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
export const median = (xs: number[]) => pct(xs, 50)
export const r1 = (x: number) => Math.round(x * 10) / 10

/** The lines of a child's stdout, one per call (read with next(): a for-await loop left early would close it). */
export function lineReader(p: Subprocess): () => Promise<string> {
  const lines = (async function* () {
    const decoder = new TextDecoder()
    let buf = ''
    const reader = (p.stdout as ReadableStream<Uint8Array>).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buf += decoder.decode(value, { stream: true })
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        yield buf.slice(0, i)
        buf = buf.slice(i + 1)
      }
    }
  })()
  return async () => {
    const r = await lines.next()
    if (r.done) throw new Error('child process ended')
    return r.value
  }
}
