// Our own Server-Sent Events formatter: every line of a multi-line payload gets its own `data:`
// prefix (Elysia's sse() helper drops it on the second line, and HTML fragments have newlines).
export interface SseMessage {
  id?: number | string
  event?: string
  data?: string
  retry?: number
}

export function formatSse(m: SseMessage): string {
  let out = ''
  if (m.id !== undefined) out += `id: ${String(m.id).replace(/[\r\n]/g, '')}\n`
  if (m.event) out += `event: ${m.event.replace(/[\r\n]/g, '')}\n`
  if (m.retry !== undefined) out += `retry: ${Math.floor(m.retry)}\n`
  if (m.data !== undefined) {
    for (const line of m.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`
  }
  return out + '\n'
}

/** A comment line: keeps proxies (and Bun's 10 s idle timeout) from closing a quiet stream. */
export const SSE_PING = ': ping\n\n'
