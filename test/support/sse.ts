// Reads a Server-Sent Events response the way a browser does: events split on blank lines,
// multi-line data joined with \n, comments ignored.
export interface SseEvent {
  id?: string
  event?: string
  data: string
}

export class SseReader {
  private reader: ReadableStreamDefaultReader<Uint8Array>
  private buffer = ''
  private decoder = new TextDecoder()
  raw = ''

  constructor(response: Response) {
    this.reader = response.body!.getReader()
  }

  /** The next event with data or a name (cursor-only messages are skipped), or null at the end. */
  async next(timeoutMs = 3000): Promise<SseEvent | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const cut = this.buffer.indexOf('\n\n')
      if (cut >= 0) {
        const block = this.buffer.slice(0, cut)
        this.buffer = this.buffer.slice(cut + 2)
        const ev = parseBlock(block)
        if (ev && (ev.data !== '' || ev.event)) return ev
        continue
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no SSE event within ${timeoutMs} ms; got so far: ${JSON.stringify(this.raw.slice(-500))}`)
      const chunk = await Promise.race([this.reader.read(), Bun.sleep(left).then(() => 'timeout' as const)])
      if (chunk === 'timeout') continue
      if (chunk.done) return null
      const text = this.decoder.decode(chunk.value, { stream: true })
      this.raw += text
      this.buffer += text
    }
  }

  /** Collects events until `count` arrived. */
  async take(count: number, timeoutMs = 3000): Promise<SseEvent[]> {
    const out: SseEvent[] = []
    while (out.length < count) {
      const ev = await this.next(timeoutMs)
      if (!ev) break
      out.push(ev)
    }
    return out
  }

  /** Resolves true if no event arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    try {
      await this.next(ms)
      return false
    } catch {
      return true
    }
  }

  close() {
    this.reader.cancel().catch(() => {})
  }
}

function parseBlock(block: string): SseEvent | null {
  const ev: SseEvent = { data: '' }
  const data: string[] = []
  let any = false
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const i = line.indexOf(':')
    const field = i < 0 ? line : line.slice(0, i)
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
    any = true
    if (field === 'data') data.push(value)
    else if (field === 'id') ev.id = value
    else if (field === 'event') ev.event = value
  }
  if (!any) return null
  ev.data = data.join('\n')
  return ev
}
