// Numbers and durations as supervisors read them, in the viewer's language.
import type { View } from '../view'

const pad = (n: number) => String(n).padStart(2, '0')

/** 45 s · 3 min 05 s · 2 h 07 min · 3 d 04 h */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${pad(s % 60)} s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${pad(m % 60)} min`
  return `${Math.floor(h / 24)} d ${pad(h % 24)} h`
}

/** A duration given in seconds (the reports' unit). */
export const seconds = (s: number | null | undefined) => (s === null || s === undefined ? '—' : duration(s * 1000))

const formats = new Map<string, Intl.NumberFormat>()
/** 1.234 (pt-BR) / 1,234 (en); one decimal at most. */
export function num(v: View, n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  let f = formats.get(v.lang)
  if (!f) formats.set(v.lang, (f = new Intl.NumberFormat(v.lang, { maximumFractionDigits: 1 })))
  return f.format(n)
}

/** Share of a total, as "12,5%". */
export const percent = (v: View, part: number, total: number) => (total > 0 ? `${num(v, Math.round((part / total) * 1000) / 10)}%` : '—')
