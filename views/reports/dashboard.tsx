// The dashboard (relatórios): filters, the headline numbers, times (TME, TMA, first response),
// volume by hour and weekday, by channel, classification and agent, surveys. Every number links
// to the tickets it counts; every table has its CSV; charts are SVG beside their tables.
import { drillHref, query, type FilterValues } from '../../src/reports/filters'
import type { Metric } from '../../src/reports/store'
import type { Dashboard, Stat } from '../../src/reports/summary'
import type { MessageKey } from '../../src/i18n'
import { Empty } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'
import { BarChart, ColumnChart } from './charts'
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

function Csv({ v, values, table }: { v: View; values: FilterValues; table: string }) {
  return (
    <a class="small" href={`/reports/export/${table}.csv?${query(values)}`} download="">
      {v.escape('reports.csv')}
    </a>
  )
}

function Filters({ v, values, sectors, channels, agents, presets }: Pick<DashboardProps, 'v' | 'values' | 'sectors' | 'channels' | 'agents' | 'presets'>) {
  const select = (name: keyof FilterValues, label: MessageKey, all: MessageKey, options: Option[]) => (
    <div>
      <label for={`f-${name}`}>{v.escape(label)}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">{v.escape(all)}</option>
        {options.map((o) => (
          <option value={String(o.id)} selected={values[name] === String(o.id)} safe>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  )
  return (
    <form class="card" method="get" action="/reports" role="search" aria-label={v.t('reports.filters')}>
      <div class="grid">
        <div>
          <label for="f-from">{v.escape('reports.from')}</label>
          <input id="f-from" type="date" name="from" value={values.from} required />
        </div>
        <div>
          <label for="f-to">{v.escape('reports.to')}</label>
          <input id="f-to" type="date" name="to" value={values.to} required />
        </div>
        {select('sector_id', 'reports.sector', 'reports.all_sectors', sectors)}
        {select('channel_id', 'reports.channel', 'reports.all_channels', channels)}
        {select('agent_id', 'reports.agent', 'reports.all_agents', agents)}
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
  const s = d.surveys
  return (
    <Layout v={v} title={v.t('reports.title')}>
      <div class="row spread">
        <h1>{v.escape('reports.title')}</h1>
        <Csv v={v} values={values} table="summary" />
      </div>
      {p.problem ? <div class="flash error" role="alert">{v.escape(p.problem)}</div> : ''}
      <Filters v={v} values={values} sectors={p.sectors} channels={p.channels} agents={p.agents} presets={p.presets} />

      <section aria-labelledby="r-volume">
        <h2 id="r-volume">{v.escape('reports.volume')}</h2>
        <div class="grid kpis">
          <div class="card" id="kpi-created">
            <div class="muted small">{v.escape('reports.created')}</div>
            <Count v={v} n={d.created} href={drill('created')} />
          </div>
          <div class="card" id="kpi-closed">
            <div class="muted small">{v.escape('reports.closed')}</div>
            <Count v={v} n={d.closed} href={drill('closed')} />
          </div>
          <div class="card" id="kpi-abandoned">
            <div class="muted small">{v.escape('reports.abandoned')}</div>
            <Count v={v} n={d.abandoned} href={drill('abandoned')} /> <span class="muted small" safe>{percent(v, d.abandoned, d.closed)}</span>
          </div>
          <div class="card" id="kpi-bot">
            <div class="muted small">{v.escape('reports.bot')}</div>
            <Count v={v} n={d.bot} href={drill('bot')} /> <span class="muted small" safe>{percent(v, d.bot, d.closed)}</span>
          </div>
        </div>
        <p class="hint">{v.escape('reports.definitions')}</p>
      </section>

      <section aria-labelledby="r-times">
        <div class="row spread">
          <h2 id="r-times">{v.escape('reports.times')}</h2>
          <Csv v={v} values={values} table="times" />
        </div>
        <div class="table-wrap">
          <table id="table-times">
            <thead>
              <tr>
                <th>{v.escape('reports.metric')}</th>
                <th>{v.escape('reports.avg')}</th>
                <th>{v.escape('reports.p90')}</th>
                <th>{v.escape('reports.tickets')}</th>
              </tr>
            </thead>
            <tbody>
              <StatRow v={v} label="reports.wait" s={d.wait} href={drill('wait')} />
              <StatRow v={v} label="reports.handle" s={d.handle} href={drill('handle')} />
              <StatRow v={v} label="reports.first_response" s={d.first_response} href={drill('first_response')} />
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="r-hours">
        <div class="row spread">
          <h2 id="r-hours">{v.escape('reports.by_hour')}</h2>
          <Csv v={v} values={values} table="hours" />
        </div>
        <div class="grid">
          <ColumnChart v={v} id="chart-hours" title={v.t('reports.by_hour')} bars={hourBars} />
          <div class="table-wrap">
            <table id="table-hours">
              <thead>
                <tr>
                  <th>{v.escape('reports.hour')}</th>
                  <th>{v.escape('reports.created')}</th>
                </tr>
              </thead>
              <tbody>
                {hourBars.map((b) => (
                  <tr>
                    <th scope="row" safe>{`${b.label}h`}</th>
                    <td>
                      <Count v={v} n={b.value} href={b.href} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </section>

      <section aria-labelledby="r-dow">
        <div class="row spread">
          <h2 id="r-dow">{v.escape('reports.by_dow')}</h2>
          <Csv v={v} values={values} table="weekdays" />
        </div>
        <div class="grid">
          <ColumnChart v={v} id="chart-dow" title={v.t('reports.by_dow')} bars={dowBars} />
          <div class="table-wrap">
            <table id="table-dow">
              <thead>
                <tr>
                  <th>{v.escape('reports.weekday')}</th>
                  <th>{v.escape('reports.created')}</th>
                </tr>
              </thead>
              <tbody>
                {dowBars.map((b) => (
                  <tr>
                    <th scope="row" safe>
                      {b.label}
                    </th>
                    <td>
                      <Count v={v} n={b.value} href={b.href} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </section>

      <section aria-labelledby="r-channels">
        <div class="row spread">
          <h2 id="r-channels">{v.escape('reports.by_channel')}</h2>
          <Csv v={v} values={values} table="channels" />
        </div>
        {d.by_channel.length === 0 ? (
          <Empty title={v.t('reports.no_data')} />
        ) : (
          <div class="grid">
            <BarChart v={v} id="chart-channels" title={v.t('reports.by_channel')} bars={channelBars} />
            <div class="table-wrap">
              <table id="table-channels">
                <thead>
                  <tr>
                    <th>{v.escape('reports.channel')}</th>
                    <th>{v.escape('reports.created')}</th>
                    <th>{v.escape('reports.closed')}</th>
                    <th>{v.escape('reports.wait_avg')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.by_channel.map((c) => {
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
                          <a href={drillHref(only, 'wait')} safe>
                            {seconds(c.wait.avg)}
                          </a>
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </section>

      <section aria-labelledby="r-classifications">
        <div class="row spread">
          <h2 id="r-classifications">{v.escape('reports.by_classification')}</h2>
          <Csv v={v} values={values} table="classifications" />
        </div>
        {d.by_classification.length === 0 ? (
          <Empty title={v.t('reports.no_data')} />
        ) : (
          <div class="grid">
            <BarChart v={v} id="chart-classifications" title={v.t('reports.by_classification')} bars={classBars} />
            <div class="table-wrap">
              <table id="table-classifications">
                <thead>
                  <tr>
                    <th>{v.escape('reports.classification')}</th>
                    <th>{v.escape('reports.closed')}</th>
                    <th>{v.escape('reports.handle_avg')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.by_classification.map((c, i) => (
                    <tr>
                      <th scope="row" safe>
                        {p.names.classification(c.classification_id)}
                      </th>
                      <td>
                        <Count v={v} n={c.closed} href={classBars[i].href} />
                      </td>
                      <td safe>{seconds(c.handle_avg)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </section>

      <section aria-labelledby="r-agents">
        <div class="row spread">
          <h2 id="r-agents">{v.escape('reports.by_agent')}</h2>
          <Csv v={v} values={values} table="agents" />
        </div>
        {d.by_agent.length === 0 ? (
          <Empty title={v.t('reports.no_data')} />
        ) : (
          <div class="table-wrap">
            <table id="table-agents">
              <thead>
                <tr>
                  <th>{v.escape('reports.agent')}</th>
                  <th>{v.escape('reports.closed')}</th>
                  <th>{v.escape('reports.handle_avg')}</th>
                  <th>{v.escape('reports.handle_p90')}</th>
                  <th>{v.escape('reports.first_response_avg')}</th>
                </tr>
              </thead>
              <tbody>
                {d.by_agent.map((a) => {
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
                        <a href={drillHref(only, 'handle')} safe>
                          {seconds(a.handle.avg)}
                        </a>
                      </td>
                      <td safe>{seconds(a.handle.p90)}</td>
                      <td>
                        <a href={drillHref(only, 'first_response')} safe>
                          {seconds(a.first_response.avg)}
                        </a>
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="r-surveys">
        <div class="row spread">
          <h2 id="r-surveys">{v.escape('reports.surveys')}</h2>
          {s.available ? <Csv v={v} values={values} table="surveys" /> : ''}
        </div>
        {!s.available || s.csat.responses + s.nps.responses + s.ces.responses === 0 ? (
          <Empty title={v.t('reports.no_surveys')} hint={v.t(s.available ? 'reports.no_surveys_period' : 'reports.no_surveys_hint')} />
        ) : (
          <div class="table-wrap">
            <table id="table-surveys">
              <thead>
                <tr>
                  <th>{v.escape('reports.survey_kind')}</th>
                  <th>{v.escape('reports.responses')}</th>
                  <th>{v.escape('reports.score')}</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">CSAT</th>
                  <td>{s.csat.responses}</td>
                  <td safe>{num(v, s.csat.avg)}</td>
                </tr>
                <tr>
                  <th scope="row">NPS</th>
                  <td>{s.nps.responses}</td>
                  <td safe>{num(v, s.nps.score)}</td>
                </tr>
                <tr>
                  <th scope="row">CES</th>
                  <td>{s.ces.responses}</td>
                  <td safe>{num(v, s.ces.avg)}</td>
                </tr>
              </tbody>
            </table>
          </div>
        )}
      </section>
      <p class="muted small">{v.escape('reports.computed_in', { ms: Math.round(d.ms) })}</p>
    </Layout>
  )
}
