// The score over time as SVG columns on a fixed scale (CSAT 1–5, CES 1–7, NPS −100…100 with a zero
// line): the reports' ColumnChart scales to its largest bar and has no negative side, which would
// misdraw NPS. Same drawing rules as views/reports/charts.tsx: no script, no style attribute, a
// titled image beside a table with the same numbers.
import { num } from '../reports/format'
import type { View } from '../view'

const POS = '#3a7bd5'
const NEG = '#c0392b'
const AXIS = '#8795a1'
const TEXT = '#39424e'

export function ScoreChart({ v, id, title, points, min, max }: { v: View; id: string; title: string; points: { label: string; value: number }[]; min: number; max: number }) {
  const width = 640
  const height = 200
  const top = 12
  const bottom = 28
  const left = 36
  const plot = height - top - bottom
  const base = Math.max(0, min) // CSAT/CES bars grow from 0; NPS from its zero line
  const y = (value: number) => top + ((max - value) / (max - min || 1)) * plot
  const slot = (width - left - 8) / Math.max(1, points.length)
  const barW = Math.max(2, slot * 0.7)
  const step = Math.max(1, Math.ceil(points.length / 12))
  return (
    <svg class="chart" id={id} viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-labelledby={`${id}-title`} preserveAspectRatio="xMidYMid meet">
      <title id={`${id}-title`} safe>
        {title}
      </title>
      {[max, min < 0 ? 0 : null, min].map((tick) =>
        tick === null ? (
          ''
        ) : (
          <g>
            <line x1={left} y1={y(tick).toFixed(1)} x2={width - 8} y2={y(tick).toFixed(1)} stroke={AXIS} stroke-width="1" stroke-dasharray={tick === 0 || tick === min ? '' : '3 3'} />
            <text x={left - 4} y={(y(tick) + 4).toFixed(1)} text-anchor="end" font-size="11" fill={TEXT} safe>
              {String(tick)}
            </text>
          </g>
        ),
      )}
      {points.map((p, i) => {
        const x = left + i * slot + (slot - barW) / 2
        const from = y(base)
        const to = y(Math.min(max, Math.max(min, p.value)))
        return (
          <g>
            <rect x={x.toFixed(1)} y={Math.min(from, to).toFixed(1)} width={barW.toFixed(1)} height={Math.max(1, Math.abs(from - to)).toFixed(1)} fill={p.value < 0 ? NEG : POS} rx="2">
              <title safe>{`${p.label}: ${num(v, p.value)}`}</title>
            </rect>
            {i % step === 0 ? (
              <text x={(x + barW / 2).toFixed(1)} y={height - 10} text-anchor="middle" font-size="11" fill={TEXT} safe>
                {p.label}
              </text>
            ) : (
              ''
            )}
          </g>
        )
      })}
    </svg>
  )
}
