// Reads a byte stream to its end, but never more than `max` bytes: past that it stops reading
// (cancels the stream) and answers null, so an oversized body or download never fills memory.
export async function readAtMost(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  return new Uint8Array(Buffer.concat(chunks)) as Uint8Array<ArrayBuffer>
}
