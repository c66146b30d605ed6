// The dashboard (relatórios): filters, the headline numbers, times (TME, TMA, first response),
// volume by hour and weekday, by channel, classification and agent, surveys. Every number links
// to the tickets it counts; every table has its CSV; charts are SVG beside their tables. Durations
// are in the time basis the toggle picks (business hours by default, see src/reports/filters.ts).
import { drillHref, query, type FilterValues } from '../../src/reports/filters'
import type { Metric } from '../../src/reports/store'
import { TIME_BASES, type Dashboard, type Stat, type TimeBasis } from '../../src/reports/summary'
import type { MessageKey } from '../../src/i18n'
import { DataTable, Empty, FilterSelect } from '../components'
import { Layout } from '../layout'
import type { Children } from '@kitajs/html'
import type { View } from '../view'
import { BarChart, ColumnChart, type Bar } from './charts'
import { num, percent, seconds } from './format'

export interface Option {
  id: number
  name: string
}

export interface DashboardProps {
  v: View
  d: Dashboard
  values: FilterValues
  problem: MessageKey | null
  sectors: Option[]
  channels: Option[]
  agents: Option[]
  names: { channel(id: number): string; classification(id: number | null): string; agent(id: number): string }
  presets: { key: MessageKey; from: string; to: string }[]
}

export const WEEKDAYS: MessageKey[] = ['reports.dow_0', 'reports.dow_1', 'reports.dow_2', 'reports.dow_3', 'reports.dow_4', 'reports.dow_5', 'reports.dow_6']

/** A number that links to the tickets behind it. */
function Count({ n, href, v }: { n: number; href: string; v: View }) {
  return (
    <a href={href} class="count" safe>
      {num(v, n)}
    </a>
  )
}

/** A duration (seconds) that links to the tickets behind it. */
const Seconds = ({ s, href }: { s: number | null; href: string }) => (
  <a href={href} safe>
    {seconds(s)}
  </a>
)

function Csv({ v, values, table }: { v: View; values: FilterValues; table: string }) {
  return (
    <a class="small" href={`/reports/export/${table}.csv?${query(values)}`} download="">
      {v.escape('reports.csv')}
    </a>
  )
}

/** A part of the dashboard: its heading with the CSV of its table (none when `csv` is null), then its content. */
function Section({ v, values, id, title, csv, children }: { v: View; values: FilterValues; id: string; title: MessageKey; csv: string | null; children?: Children }) {
  return (
    <section aria-labelledby={id}>
      <div class="row spread">
        <h2 id={id}>{v.escape(title)}</h2>
        {csv ? <Csv v={v} values={values} table={csv} /> : ''}
      </div>
      {children}
    </section>
  )
}

/** Counts per hour or weekday: the chart beside its table. */
function CountsByBar({ v, id, title, head, bars, suffix = '' }: { v: View; id: string; title: MessageKey; head: MessageKey; bars: Bar[]; suffix?: string }) {
  return (
    <div class="grid">
      <ColumnChart v={v} id={`chart-${id}`} title={v.t(title)} bars={bars} />
      <DataTable
        v={v}
        wrap
        id={`table-${id}`}
        head={[head, 'reports.created']}
        rows={bars}
        row={(b) => (
          <tr>
            <th scope="row" safe>
              {b.label + suffix}
            </th>
            <td>
              <Count v={v} n={b.value} href={b.href} />
            </td>
          </tr>
        )}
      />
    </div>
  )
}

function Kpi({ v, id, label, n, href, of }: { v: View; id: string; label: MessageKey; n: number; href: string; of?: number }) {
  return (
    <div class="card" id={id}>
      <div class="muted small">{v.escape(label)}</div>
      <Count v={v} n={n} href={href} />
      {of === undefined ? '' : <> <span class="muted small" safe>{percent(v, n, of)}</span></>}
    </div>
  )
}

/** A filter form's period: the from and to dates (ids `${prefix}from`, `${prefix}to`). */
export function PeriodFields({ v, prefix, values }: { v: View; prefix: string; values: FilterValues }) {
  return (
    <>
      <div>
        <label for={`${prefix}from`}>{v.escape('reports.from')}</label>
        <input id={`${prefix}from`} type="date" name="from" value={values.from} required />
      </div>
      <div>
        <label for={`${prefix}to`}>{v.escape('reports.to')}</label>
        <input id={`${prefix}to`} type="date" name="to" value={values.to} required />
      </div>
    </>
  )
}

/** A filter form's sector, channel and agent selects (ids `${prefix}sector_id` …). */
export function ScopeSelects({ v, prefix, values, sectors, channels, agents }: { v: View; prefix: string; values: FilterValues; sectors: Option[]; channels: Option[]; agents: Option[] }) {
  const select = (name: 'sector_id' | 'channel_id' | 'agent_id', label: MessageKey, all: MessageKey, options: Option[]) => (
    <FilterSelect v={v} id={`${prefix}${name}`} name={name} label={label} all={all} options={options} value={values[name]} />
  )
  return (
    <>
      {select('sector_id', 'reports.sector', 'reports.all_sectors', sectors)}
      {select('channel_id', 'reports.channel', 'reports.all_channels', channels)}
      {select('agent_id', 'reports.agent', 'reports.all_agents', agents)}
    </>
  )
}

function Filters({ v, values, sectors, channels, agents, presets }: Pick<DashboardProps, 'v' | 'values' | 'sectors' | 'channels' | 'agents' | 'presets'>) {
  return (
    <form class="card" method="get" action="/reports" role="search" aria-label={v.t('reports.filters')}>
      <input type="hidden" name="time" value={values.time} />
      <div class="grid">
        <PeriodFields v={v} prefix="f-" values={values} />
        <ScopeSelects v={v} prefix="f-" values={values} sectors={sectors} channels={channels} agents={agents} />
      </div>
      <div class="actions">
        <button type="submit">{v.escape('reports.apply')}</button>
        <span class="row small">
          {presets.map((p) => (
            <a href={`/reports?${query({ ...values, from: p.from, to: p.to })}`}>{v.escape(p.key)}</a>
          ))}
        </span>
      </div>
    </form>
  )
}

export const BASIS_LABEL: Record<TimeBasis, MessageKey> = { business: 'reports.basis_business', elapsed: 'reports.basis_elapsed' }

/** The toggle between business hours and elapsed time: two links, the current one marked. */
function BasisToggle({ v, values }: { v: View; values: FilterValues }) {
  return (
    <>
      <nav class="tabs" id="time-basis" aria-label={v.t('reports.time_basis')}>
        <span class="tab muted">{v.escape('reports.time_basis')}</span>
        {TIME_BASES.map((b) => (
          <a class="tab" href={`/reports?${query({ ...values, time: b })}`} aria-current={values.time === b ? 'page' : undefined}>
            {v.escape(BASIS_LABEL[b])}
          </a>
        ))}
      </nav>
      <p class="hint">{v.escape('reports.basis_hint')}</p>
    </>
  )
}

function StatRow({ v, label, s, href }: { v: View; label: MessageKey; s: Stat; href: string }) {
  return (
    <tr>
      <th scope="row">{v.escape(label)}</th>
      <td safe>{seconds(s.avg)}</td>
      <td safe>{seconds(s.p90)}</td>
      <td>
        <Count v={v} n={s.n} href={href} />
      </td>
    </tr>
  )
}

export function DashboardPage(p: DashboardProps) {
  const { v, d, values } = p
  const drill = (m: Metric, extra: Record<string, string | number | null> = {}) => drillHref(values, m, extra)
  const hourBars = d.by_hour.map((n, h) => ({ label: String(h).padStart(2, '0'), value: n, href: drill('created', { hour: h }) }))
  const dowBars = d.by_dow.map((n, i) => ({ label: v.t(WEEKDAYS[i]), value: n, href: drill('created', { dow: i }) }))
  const channelBars = d.by_channel.map((c) => ({ label: p.names.channel(c.channel_id), value: c.created, href: drillHref({ ...values, channel_id: String(c.channel_id) }, 'created') }))
  const classBars = d.by_classification.map((c) => ({ label: p.names.classification(c.classification_id), value: c.closed, href: drill('closed', { classification: c.classification_id ?? 0 }) }))
  const noData = { title: v.t('reports.no_data') }
  const s = d.surveys
  const section = (id: string, title: MessageKey, csv: string | null, content: JSX.Element) => (
    <Section v={v} values={values} id={id} title={title} csv={csv}>
      {content}
    </Section>
  )
  return (
    <Layout v={v} title={v.t('reports.title')}>
      <div class="row spread">
        <h1>{v.escape('reports.title')}</h1>
        <Csv v={v} values={values} table="summary" />
      </div>
      {p.problem ? <div class="flash error" role="alert">{v.escape(p.problem)}</div> : ''}
      <Filters v={v} values={values} sectors={p.sectors} channels={p.channels} agents={p.agents} presets={p.presets} />
      <BasisToggle v={v} values={values} />

      {section(
        'r-volume',
        'reports.volume',
        null,
        <>
          <div class="grid kpis">
            <Kpi v={v} id="kpi-created" label="reports.created" n={d.created} href={drill('created')} />
            <Kpi v={v} id="kpi-closed" label="reports.closed" n={d.closed} href={drill('closed')} />
            <Kpi v={v} id="kpi-abandoned" label="reports.abandoned" n={d.abandoned} href={drill('abandoned')} of={d.closed} />
            <Kpi v={v} id="kpi-bot" label="reports.bot" n={d.bot} href={drill('bot')} of={d.closed} />
          </div>
          <p class="hint">{v.escape('reports.definitions')}</p>
        </>,
      )}

      {section(
        'r-times',
        'reports.times',
        'times',
        <>
          <p class="muted small" id="times-basis">{v.escape(BASIS_LABEL[d.basis])}</p>
          <DataTable
            v={v}
            wrap
            id="table-times"
            head={['reports.metric', 'reports.avg', 'reports.p90', 'reports.tickets']}
            rows={[
              ['reports.wait', d.wait, 'wait'],
              ['reports.handle', d.handle, 'handle'],
              ['reports.first_response', d.first_response, 'first_response'],
            ] as const}
            row={([label, stat, metric]) => <StatRow v={v} label={label} s={stat} href={drill(metric)} />}
          />
        </>,
      )}

      {section('r-hours', 'reports.by_hour', 'hours', <CountsByBar v={v} id="hours" title="reports.by_hour" head="reports.hour" bars={hourBars} suffix="h" />)}
      {section('r-dow', 'reports.by_dow', 'weekdays', <CountsByBar v={v} id="dow" title="reports.by_dow" head="reports.weekday" bars={dowBars} />)}

      {section(
        'r-channels',
        'reports.by_channel',
        'channels',
        d.by_channel.length === 0 ? (
          <Empty {...noData} />
        ) : (
          <div class="grid">
            <BarChart v={v} id="chart-channels" title={v.t('reports.by_channel')} bars={channelBars} />
            <DataTable
              v={v}
              wrap
              id="table-channels"
              head={['reports.channel', 'reports.created', 'reports.closed', 'reports.wait_avg']}
              rows={d.by_channel}
              row={(c) => {
                const only = { ...values, channel_id: String(c.channel_id) }
                return (
                  <tr>
                    <th scope="row" safe>
                      {p.names.channel(c.channel_id)}
                    </th>
                    <td>
                      <Count v={v} n={c.created} href={drillHref(only, 'created')} />
                    </td>
                    <td>
                      <Count v={v} n={c.closed} href={drillHref(only, 'closed')} />
                    </td>
                    <td>
                      <Seconds s={c.wait.avg} href={drillHref(only, 'wait')} />
                    </td>
                  </tr>
                )
              }}
            />
          </div>
        ),
      )}

      {section(
        'r-classifications',
        'reports.by_classification',
        'classifications',
        d.by_classification.length === 0 ? (
          <Empty {...noData} />
        ) : (
          <div class="grid">
            <BarChart v={v} id="chart-classifications" title={v.t('reports.by_classification')} bars={classBars} />
            <DataTable
              v={v}
              wrap
              id="table-classifications"
              head={['reports.classification', 'reports.closed', 'reports.handle_avg']}
              rows={d.by_classification}
              row={(c, i) => (
                <tr>
                  <th scope="row" safe>
                    {p.names.classification(c.classification_id)}
                  </th>
                  <td>
                    <Count v={v} n={c.closed} href={classBars[i].href} />
                  </td>
                  <td safe>{seconds(c.handle_avg)}</td>
                </tr>
              )}
            />
          </div>
        ),
      )}

      {section(
        'r-agents',
        'reports.by_agent',
        'agents',
        <DataTable
          v={v}
          wrap
          id="table-agents"
          empty={noData}
          head={['reports.agent', 'reports.closed', 'reports.handle_avg', 'reports.handle_p90', 'reports.first_response_avg']}
          rows={d.by_agent}
          row={(a) => {
            const only = { ...values, agent_id: String(a.agent_id) }
            return (
              <tr>
                <th scope="row" safe>
                  {p.names.agent(a.agent_id)}
                </th>
                <td>
                  <Count v={v} n={a.closed} href={drillHref(only, 'closed')} />
                </td>
                <td>
                  <Seconds s={a.handle.avg} href={drillHref(only, 'handle')} />
                </td>
                <td safe>{seconds(a.handle.p90)}</td>
                <td>
                  <Seconds s={a.first_response.avg} href={drillHref(only, 'first_response')} />
                </td>
              </tr>
            )
          }}
        />,
      )}

      {section(
        'r-surveys',
        'reports.surveys',
        s.available ? 'surveys' : null,
        !s.available || s.csat.responses + s.nps.responses + s.ces.responses === 0 ? (
          <Empty title={v.t('reports.no_surveys')} hint={v.t(s.available ? 'reports.no_surveys_period' : 'reports.no_surveys_hint')} />
        ) : (
          <DataTable
            v={v}
            wrap
            id="table-surveys"
            head={['reports.survey_kind', 'reports.responses', 'reports.score']}
            rows={[
              ['CSAT', s.csat.responses, s.csat.avg],
              ['NPS', s.nps.responses, s.nps.score],
              ['CES', s.ces.responses, s.ces.avg],
            ] as const}
            row={([kind, responses, score]) => (
              <tr>
                <th scope="row">{kind}</th>
                <td>{responses}</td>
                <td safe>{num(v, score)}</td>
              </tr>
            )}
          />
        ),
      )}
      <p class="muted small">{v.escape('reports.computed_in', { ms: Math.round(d.ms) })}</p>
    </Layout>
  )
}
