// Helpers for the end-to-end suites: build the real binary, run it as a process (CLI or server),
// find a free port, and read Server-Sent Events over fetch with a spec-following parser.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'

/** The repository root, from this file's place (works in any clone). */
export const REPO = resolve(import.meta.dir, '../..')
const BUN = join(REPO, 'node_modules/.bin/bun')

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

/** Builds the compiled binary into `outfile` with the project's build script. */
export async function buildBinary(outfile: string, timeoutMs = 120_000): Promise<void> {
  const proc = Bun.spawn([BUN, 'scripts/build.ts', outfile], { cwd: REPO, stdout: 'pipe', stderr: 'pipe', env: cleanEnv() })
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(timer)
  if (code !== 0) throw new Error(`build failed (exit ${code}):\n${out}\n${err}`)
}

/**
 * A minimal environment for the binary: no NODE_ENV (bun test sets NODE_ENV=test, which the binary
 * must not inherit) and no stray KUMQUAT_* from the developer's shell.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() }
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR
  return { ...env, ...extra }
}

/** A port nobody listens on right now (bind port 0, read it, close). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = listener.port
  listener.stop(true)
  return port
}

/** Reads a byte stream to its end, chunk by chunk. */
async function eachChunk(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      onChunk(value)
    }
  } finally {
    reader.releaseLock()
  }
}

/** Every process the suite started, so afterAll can end whatever is still running. */
const spawned = new Set<Subprocess>()

export function killAll() {
  for (const p of spawned) {
    if (p.exitCode === null && p.signalCode === null) {
      try {
        p.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  spawned.clear()
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs the binary to completion (a CLI command); kills it after timeoutMs. */
export async function run(binary: string, args: string[], o: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
  const started = performance.now()
  const proc = Bun.spawn([binary, ...args], { cwd: o.cwd, env: cleanEnv(o.env), stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' })
  spawned.add(proc)
  const timer = setTimeout(() => proc.kill('SIGKILL'), o.timeoutMs ?? 20_000)
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(timer)
  spawned.delete(proc)
  return { code, stdout, stderr, ms: performance.now() - started }
}

/** A long-running process whose output is collected as it arrives. */
export class Proc {
  stdout = ''
  stderr = ''
  readonly exited: Promise<number>
  private drained: Promise<void>

  constructor(readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>) {
    spawned.add(proc)
    const drain = async (stream: ReadableStream<Uint8Array>, into: 'stdout' | 'stderr') => {
      const decoder = new TextDecoder()
      await eachChunk(stream, (chunk) => (this[into] += decoder.decode(chunk, { stream: true })))
      this[into] += decoder.decode()
    }
    this.drained = Promise.all([drain(proc.stdout, 'stdout'), drain(proc.stderr, 'stderr')]).then(() => {})
    this.exited = proc.exited.then(async (code) => {
      spawned.delete(proc)
      await this.drained
      return code
    })
  }

  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null
  }

  /** Resolves to the exit code, or null if still running after ms. */
  async exitWithin(ms: number): Promise<number | null> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const result = await Promise.race([this.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))])
    clearTimeout(timer)
    return result
  }

  kill(signal: NodeJS.Signals | number = 'SIGKILL') {
    if (this.running) this.proc.kill(signal)
  }
}

export function start(binary: string, args: string[], o: { cwd: string; env?: Record<string, string> }): Proc {
  return new Proc(Bun.spawn([binary, ...args], { cwd: o.cwd, env: cleanEnv(o.env), stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' }))
}

/** Polls GET /healthz until 200; fails early (with the output) if the process exits. */
export async function waitHealthy(p: Proc, base: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!p.running) {
      await p.exited
      throw new Error(`server exited with ${p.proc.exitCode} before it was healthy\nstdout:\n${p.stdout}\nstderr:\n${p.stderr}`)
    }
    try {
      const res = await fetch(base + '/healthz', { signal: AbortSignal.timeout(1000) })
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await Bun.sleep(100)
  }
  throw new Error(`server not healthy after ${timeoutMs} ms\nstdout:\n${p.stdout}\nstderr:\n${p.stderr}`)
}

// ---- Server-Sent Events ---------------------------------------------------------------------

export interface SseEvent {
  /** The last event id in effect when the event was dispatched (as EventSource's lastEventId). */
  id: string
  /** Whether this very event block carried an `id:` field. */
  hasId: boolean
  event: string
  data: string
}

/**
 * An incremental parser for text/event-stream, following the HTML spec: lines end in CRLF, LF or
 * CR; `:` starts a comment; `data` lines join with "\n"; a blank line dispatches; a block without
 * data only updates the last event id; one leading space after the colon is dropped.
 */
export class SseParser {
  events: SseEvent[] = []
  comments: string[] = []
  lastEventId = ''
  retry: number | null = null
  private buffer = ''
  private data: string[] = []
  private eventType = ''
  private blockHasId = false

  constructor(private onEvent: (ev: SseEvent) => void = () => {}) {}

  push(text: string, final = false) {
    this.buffer += text
    for (;;) {
      const i = this.buffer.search(/[\r\n]/)
      if (i < 0) break
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (this.buffer[i] === '\r' && i === this.buffer.length - 1 && !final) break
      const line = this.buffer.slice(0, i)
      const skip = this.buffer[i] === '\r' && this.buffer[i + 1] === '\n' ? 2 : 1
      this.buffer = this.buffer.slice(i + skip)
      this.line(line)
    }
  }

  private line(line: string) {
    if (line === '') return this.dispatch()
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).replace(/^ /, ''))
      return
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.eventType = value
    else if (field === 'id' && !value.includes('\0')) {
      this.lastEventId = value
      this.blockHasId = true
    } else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value)
  }

  private dispatch() {
    const hasId = this.blockHasId
    this.blockHasId = false
    if (this.data.length === 0) {
      this.eventType = ''
      return
    }
    const ev = { id: this.lastEventId, hasId, event: this.eventType || 'message', data: this.data.join('\n') }
    this.data = []
    this.eventType = ''
    this.events.push(ev)
    this.onEvent(ev)
  }
}

/** One SSE connection read with fetch. */
export class SseClient {
  readonly parser: SseParser
  /** Resolves when the stream ends: `clean` when the server closed it normally. */
  readonly ended: Promise<{ clean: boolean; error?: unknown }>
  private waiters = new Set<() => void>()
  private controller = new AbortController()
  private finished = false

  private constructor(readonly response: Response) {
    this.parser = new SseParser(() => this.notify())
    this.ended = this.read().then(
      () => ({ clean: true }),
      (error) => ({ clean: false, error }),
    )
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController()
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
    if (response.status !== 200) throw new Error(`SSE ${url}: status ${response.status}: ${await response.text()}`)
    const client = new SseClient(response)
    client.controller = controller
    return client
  }

  get events() {
    return this.parser.events
  }

  get lastEventId() {
    return this.parser.lastEventId
  }

  get done() {
    return this.finished
  }

  private async read() {
    const decoder = new TextDecoder()
    try {
      await eachChunk(this.response.body!, (chunk) => this.parser.push(decoder.decode(chunk, { stream: true })))
      this.parser.push(decoder.decode(), true)
    } finally {
      this.finished = true
      this.notify()
    }
  }

  private notify() {
    for (const w of [...this.waiters]) w()
  }

  /** The first event at index >= from that matches; rejects after timeoutMs or when the stream ends first. */
  async waitFor(match: (ev: SseEvent) => boolean, o: { from?: number; timeoutMs?: number } = {}): Promise<SseEvent> {
    const from = o.from ?? 0
    const find = () => this.events.slice(from).find(match)
    const found = find()
    if (found) return found
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`no matching SSE event within ${o.timeoutMs ?? 5000} ms; got ${JSON.stringify(this.events)}`))
      }, o.timeoutMs ?? 5000)
      const check = () => {
        const ev = find()
        if (ev || this.finished) {
          clearTimeout(timer)
          this.waiters.delete(check)
          if (ev) resolvePromise(ev)
          else reject(new Error(`SSE stream ended without a matching event; got ${JSON.stringify(this.events)}`))
        }
      }
      this.waiters.add(check)
    })
  }

  /** Waits until the server has sent its initial cursor block (`id:` after replay or snapshot). */
  async ready(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    while (this.parser.lastEventId === '' && Date.now() < deadline && !this.finished) await Bun.sleep(10)
    if (this.parser.lastEventId === '') throw new Error('SSE stream sent no id: cursor')
  }

  close() {
    this.controller.abort()
  }
}

/** JSON data of the presence.updated events in a list. */
export const presenceEvents = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'presence.updated').map((e) => ({ id: e.id, ...(JSON.parse(e.data) as { user_id: number; status: string; reason: string | null; name: string; since: string }) }))
