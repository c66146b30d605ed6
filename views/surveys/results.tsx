// Resultados das pesquisas: filters (period, sector, channel, agent, kind), the headline per kind
// (CSAT average and % satisfied, NPS with promoters/passives/detractors, CES average), the chosen
// kind's score over time and distribution (SVG beside tables), and the comments with links to
// their tickets. CSV of every answer of the filter.
import type { MessageKey } from '../../src/i18n'
import type { FilterValues } from '../../src/reports/filters'
import { query } from '../../src/reports/filters'
import type { KindResults } from '../../src/surveys/results'
import { SCALES } from '../../src/surveys/scale'
import type { AnswerRow, SurveyKind } from '../../src/surveys/store'
import { Empty } from '../components'
import { Layout } from '../layout'
import { ColumnChart } from '../reports/charts'
import { PeriodFields, ScopeSelects, type Option } from '../reports/dashboard'
import { num } from '../reports/format'
import type { View } from '../view'
import { ScoreChart } from './chart'

export interface ResultsValues extends FilterValues {
  kind: SurveyKind
}

export interface CommentRow extends AnswerRow {
  /** false: a confidential ticket the viewer may not read — the comment is not shown */
  visible: boolean
}

export interface ResultsPageProps {
  v: View
  values: ResultsValues
  problem: MessageKey | null
  results: Record<SurveyKind, KindResults>
  comments: CommentRow[]
  nextComments: number | null
  sectors: Option[]
  channels: Option[]
  agents: Option[]
  names: { channel(id: number): string; sector(id: number | null): string; agent(id: number | null): string }
}

const KINDS: SurveyKind[] = ['csat', 'nps', 'ces']

function Filters({ v, values, sectors, channels, agents }: Pick<ResultsPageProps, 'v' | 'values' | 'sectors' | 'channels' | 'agents'>) {
  return (
    <form class="card" method="get" action="/surveys" role="search" aria-label={v.t('reports.filters')}>
      <div class="grid">
        <PeriodFields v={v} prefix="sf-" values={values} />
        <div>
          <label for="sf-kind">{v.escape('surveys.results_kind')}</label>
          <select id="sf-kind" name="kind">
            {KINDS.map((k) => (
              <option value={k} selected={values.kind === k}>
                {v.escape(`surveys.kind.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <ScopeSelects v={v} prefix="sf-" values={values} sectors={sectors} channels={channels} agents={agents} />
      </div>
      <div class="actions">
        <button type="submit">{v.escape('reports.apply')}</button>
      </div>
    </form>
  )
}

function Headline({ v, r, values }: { v: View; r: KindResults; values: ResultsValues }) {
  const label: Record<SurveyKind, MessageKey> = { csat: 'surveys.csat_avg', nps: 'surveys.nps_score', ces: 'surveys.ces_avg' }
  return (
    <a class={`card survey-kpi${values.kind === r.kind ? ' current' : ''}`} href={`/surveys?${query(values, { kind: r.kind })}`} aria-current={values.kind === r.kind ? 'true' : undefined}>
      <span class="muted small">{v.escape(label[r.kind])}</span>
      <strong class="big" data-kpi={r.kind} safe>
        {r.score === null ? '—' : num(v, r.score)}
      </strong>
      <span class="small" safe>{`${v.t('surveys.responses')}: ${num(v, r.responses)}`}</span>
      {r.kind === 'csat' && r.satisfied_pct !== null ? <span class="small" safe>{`${v.t('surveys.csat_satisfied')}: ${num(v, r.satisfied_pct)}%`}</span> : ''}
      {r.kind === 'nps' && r.responses ? (
        <span class="small" safe>{`${v.t('surveys.promoters')} ${r.promoters} · ${v.t('surveys.passives')} ${r.passives} · ${v.t('surveys.detractors')} ${r.detractors}`}</span>
      ) : (
        ''
      )}
    </a>
  )
}

export function ResultsPage(p: ResultsPageProps) {
  const { v, values } = p
  const r = p.results[values.kind]
  const { min, max } = r.kind === 'nps' ? { min: -100, max: 100 } : SCALES[r.kind]
  const qs = query(values)
  return (
    <Layout v={v} title={v.t('surveys.results_title')}>
      <div class="row spread">
        <h1>{v.escape('surveys.results_title')}</h1>
        <a class="small" href={`/surveys/export.csv?${qs}`} download="">
          {v.escape('surveys.csv')}
        </a>
      </div>
      {p.problem ? (
        <div class="flash error" role="alert">
          {v.escape(p.problem)}
        </div>
      ) : (
        ''
      )}
      <Filters v={v} values={values} sectors={p.sectors} channels={p.channels} agents={p.agents} />
      <div class="grid survey-kpis">
        {KINDS.map((k) => (
          <Headline v={v} r={p.results[k]} values={values} />
        ))}
      </div>
      {r.kind === 'nps' ? <p class="hint">{v.escape('surveys.nps_formula')}</p> : ''}

      {r.responses === 0 ? (
        <div class="card spaced">
          <Empty title={v.t('surveys.no_answers')} />
        </div>
      ) : (
        <div class="grid spaced">
          <section class="card" aria-labelledby="s-time">
            <h2 id="s-time">{v.escape('surveys.over_time')}</h2>
            <ScoreChart v={v} id="survey-time" title={v.t('surveys.over_time')} points={r.series.map((s) => ({ label: s.period.length > 7 ? s.period.slice(5) : s.period, value: s.score }))} min={min} max={max} />
            <table class="small">
              <thead>
                <tr>
                  <th scope="col">{v.escape('surveys.day')}</th>
                  <th scope="col">{v.escape('surveys.score')}</th>
                  <th scope="col">{v.escape('surveys.responses')}</th>
                </tr>
              </thead>
              <tbody>
                {r.series.map((s) => (
                  <tr>
                    <td safe>{s.period}</td>
                    <td safe>{num(v, s.score)}</td>
                    <td safe>{num(v, s.responses)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section class="card" aria-labelledby="s-dist">
            <h2 id="s-dist">{v.escape('surveys.distribution')}</h2>
            <ColumnChart v={v} id="survey-distribution" title={v.t('surveys.distribution')} bars={r.distribution.map((d) => ({ label: String(d.score), value: d.count, href: '#survey-distribution-table' }))} />
            <table class="small" id="survey-distribution-table">
              <thead>
                <tr>
                  <th scope="col">{v.escape('surveys.score')}</th>
                  <th scope="col">{v.escape('surveys.responses')}</th>
                </tr>
              </thead>
              <tbody>
                {r.distribution.map((d) => (
                  <tr>
                    <td safe>{String(d.score)}</td>
                    <td safe>{num(v, d.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      )}

      <section class="card spaced" aria-labelledby="s-comments">
        <h2 id="s-comments">{v.escape('surveys.comments')}</h2>
        {p.comments.length === 0 ? (
          <Empty title={v.t('surveys.no_comments')} />
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{v.escape('surveys.ticket')}</th>
                  <th scope="col">{v.escape('surveys.score')}</th>
                  <th scope="col">{v.escape('surveys.comment')}</th>
                  <th scope="col">{v.escape('reports.sector')}</th>
                  <th scope="col">{v.escape('reports.agent')}</th>
                  <th scope="col">{v.escape('surveys.answered_at')}</th>
                </tr>
              </thead>
              <tbody>
                {p.comments.map((c) => (
                  <tr>
                    <td>
                      <a href={`/tickets/${c.ticket_id}`} safe>
                        {c.protocol}
                      </a>
                    </td>
                    <td safe>{String(c.score)}</td>
                    <td hx-ignore>{c.visible ? <span class="survey-comment" safe>{c.comment ?? ''}</span> : <em class="muted">{v.escape('surveys.confidential_hidden')}</em>}</td>
                    <td safe>{p.names.sector(c.sector_id)}</td>
                    <td safe>{p.names.agent(c.agent_id)}</td>
                    <td safe>{v.date(c.answered_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {p.nextComments !== null ? (
          <p>
            <a href={`/surveys?${query(values, { before: p.nextComments })}#s-comments`}>{v.escape('surveys.more')}</a>
          </p>
        ) : (
          ''
        )}
      </section>
    </Layout>
  )
}
