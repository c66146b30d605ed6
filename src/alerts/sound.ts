// The alert chime: a short two-tone WAV made here (no binary asset to ship), served from our own
// origin (CSP media-src 'self') and played by an <audio autoplay> that arrives with a fired alert.
const RATE = 16_000

function tone(freq: number, seconds: number, volume: number): Int16Array {
  const n = Math.round(RATE * seconds)
  const out = new Int16Array(n)
  for (let i = 0; i < n; i++) {
    const t = i / RATE
    // A soft attack and a decay, so it chimes rather than clicks.
    const envelope = Math.min(1, t / 0.01) * Math.exp(-5 * t)
    out[i] = Math.round(Math.sin(2 * Math.PI * freq * t) * envelope * volume * 32767)
  }
  return out
}

let cached: ArrayBuffer | null = null

export function chimeWav(): ArrayBuffer {
  if (cached) return cached
  const a = tone(880, 0.35, 0.5)
  const b = tone(660, 0.5, 0.5)
  const samples = new Int16Array(a.length + b.length)
  samples.set(a)
  samples.set(b, a.length)
  const data = samples.length * 2
  const buf = new ArrayBuffer(44 + data)
  const dv = new DataView(buf)
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => dv.setUint8(at + i, c.charCodeAt(0)))
  ascii(0, 'RIFF')
  dv.setUint32(4, 36 + data, true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  dv.setUint32(16, 16, true)
  dv.setUint16(20, 1, true) // PCM
  dv.setUint16(22, 1, true) // mono
  dv.setUint32(24, RATE, true)
  dv.setUint32(28, RATE * 2, true)
  dv.setUint16(32, 2, true)
  dv.setUint16(34, 16, true)
  ascii(36, 'data')
  dv.setUint32(40, data, true)
  for (let i = 0; i < samples.length; i++) dv.setInt16(44 + i * 2, samples[i], true)
  cached = buf
  return cached
}
