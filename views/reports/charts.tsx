// Charts drawn on the server as SVG: no script, no style attribute (colours are SVG presentation
// attributes, which the CSP's style-src does not govern). Every bar is a link to the tickets
// behind it; each chart sits beside a table with the same numbers (the accessible version), so
// the SVG itself is a labelled image.
import type { View } from '../view'
import { num } from './format'

export interface Bar {
  label: string
  value: number
  href: string
}

const BAR = '#3a7bd5'
const AXIS = '#8795a1'
const TEXT = '#39424e'

/** Vertical bars (hours of the day, weekdays). */
export function ColumnChart({ v, id, title, bars, height = 180 }: { v: View; id: string; title: string; bars: Bar[]; height?: number }) {
  const width = 640
  const top = 16
  const bottom = 28
  const left = 8
  const max = Math.max(1, ...bars.map((b) => b.value))
  const slot = (width - left * 2) / Math.max(1, bars.length)
  const barW = Math.max(2, slot * 0.7)
  const plot = height - top - bottom
  return (
    <svg class="chart" id={id} viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-labelledby={`${id}-title`} preserveAspectRatio="xMidYMid meet">
      <title id={`${id}-title`} safe>
        {title}
      </title>
      <line x1={left} y1={top + plot} x2={width - left} y2={top + plot} stroke={AXIS} stroke-width="1" />
      {bars.map((b, i) => {
        const h = Math.round((b.value / max) * plot)
        const x = left + i * slot + (slot - barW) / 2
        return (
          <a href={b.href}>
            <rect x={x.toFixed(1)} y={top + plot - h} width={barW.toFixed(1)} height={Math.max(h, b.value > 0 ? 1 : 0)} fill={BAR} rx="2">
              <title safe>{`${b.label}: ${num(v, b.value)}`}</title>
            </rect>
            {b.value > 0 && bars.length <= 12 ? (
              <text x={(x + barW / 2).toFixed(1)} y={top + plot - h - 3} text-anchor="middle" font-size="11" fill={TEXT} safe>
                {num(v, b.value)}
              </text>
            ) : (
              ''
            )}
            <text x={(x + barW / 2).toFixed(1)} y={height - 10} text-anchor="middle" font-size="11" fill={TEXT} safe>
              {b.label}
            </text>
          </a>
        )
      })}
    </svg>
  )
}

/** Horizontal bars (channels, classifications): long labels fit. */
export function BarChart({ v, id, title, bars }: { v: View; id: string; title: string; bars: Bar[] }) {
  const width = 640
  const rowH = 24
  const labelW = 200
  const valueW = 60
  const height = Math.max(1, bars.length) * rowH + 8
  const max = Math.max(1, ...bars.map((b) => b.value))
  const span = width - labelW - valueW
  return (
    <svg class="chart" id={id} viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-labelledby={`${id}-title`} preserveAspectRatio="xMidYMid meet">
      <title id={`${id}-title`} safe>
        {title}
      </title>
      {bars.map((b, i) => {
        const y = 4 + i * rowH
        const w = Math.round((b.value / max) * span)
        const label = b.label.length > 28 ? `${b.label.slice(0, 27)}…` : b.label
        return (
          <a href={b.href}>
            <text x={labelW - 6} y={y + rowH / 2 + 4} text-anchor="end" font-size="12" fill={TEXT} safe>
              {label}
            </text>
            <rect x={labelW} y={y + 3} width={Math.max(w, b.value > 0 ? 1 : 0)} height={rowH - 6} fill={BAR} rx="2">
              <title safe>{`${b.label}: ${num(v, b.value)}`}</title>
            </rect>
            <text x={labelW + w + 4} y={y + rowH / 2 + 4} font-size="12" fill={TEXT} safe>
              {num(v, b.value)}
            </text>
          </a>
        )
      })}
    </svg>
  )
}
