// Bulk notices (disparos): the list of runs with the form to start one, and one run's page with its
// progress (refreshed every 2 s while it runs), pause / resume / cancel, and the result file.
import type { Channel } from '../../src/channels/store'
import type { MessageKey } from '../../src/i18n'
import type { BulkCounts, BulkRun } from '../../src/templates/bulk-store'
import type { Template } from '../../src/templates/store'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

const RUN_STATUS: Record<BulkRun['status'], MessageKey> = {
  running: 'bulk.run_running',
  paused: 'bulk.run_paused',
  done: 'bulk.run_done',
  cancelled: 'bulk.run_cancelled',
}

export const RunStatus = ({ v, run }: { v: View; run: BulkRun }) => (
  <span class={run.status === 'done' ? 'badge ok' : run.status === 'running' ? 'badge' : 'badge off'}>{v.escape(RUN_STATUS[run.status])}</span>
)

export interface RunSummary {
  run: BulkRun
  template: Template | null
  channel: Channel | null
  counts: BulkCounts
}

export function BulkPage({
  v,
  runs,
  templates,
  channels,
  problems,
  error,
  selected,
}: {
  v: View
  runs: RunSummary[]
  templates: Template[]
  channels: Map<number, Channel>
  problems: Problems
  error: string | null
  selected: number | null
}) {
  return (
    <Layout v={v} title={v.t('bulk.title')}>
      <h1>{v.escape('bulk.title')}</h1>
      <p class="muted">{v.escape('bulk.intro')}</p>
      <section class="card" aria-labelledby="bulk-new">
        <h2 id="bulk-new">{v.escape('bulk.new')}</h2>
        {error ? (
          <div class="flash error" role="alert" safe>
            {error}
          </div>
        ) : (
          ''
        )}
        {templates.length === 0 ? (
          <p class="flash info">{v.escape('bulk.no_templates')}</p>
        ) : (
          <form method="post" action="/bulk" enctype="multipart/form-data">
            <CsrfField v={v} />
            <label for="template_id">{v.escape('bulk.template')}</label>
            <select id="template_id" name="template_id" required aria-invalid={problems.template_id ? 'true' : undefined}>
              {templates.map((tpl) => (
                <option value={String(tpl.id)} selected={selected === tpl.id} safe>
                  {`${channels.get(tpl.channel_id)?.name ?? '—'} · ${tpl.name} (${tpl.language})`}
                </option>
              ))}
            </select>
            <FieldError v={v} problems={problems} field="template_id" />
            <label for="file">{v.escape('bulk.file')}</label>
            <input id="file" name="file" type="file" accept=".csv,text/csv,text/plain" required aria-describedby="file-hint" aria-invalid={problems.file ? 'true' : undefined} />
            <p class="hint" id="file-hint">
              {v.escape('bulk.file_hint')}
            </p>
            <FieldError v={v} problems={problems} field="file" />
            <div class="actions">
              <button type="submit">{v.escape('bulk.start')}</button>
            </div>
          </form>
        )}
      </section>
      <section aria-labelledby="bulk-runs">
        <h2 id="bulk-runs">{v.escape('bulk.runs')}</h2>
        {runs.length === 0 ? (
          <div class="card">
            <Empty title={v.t('bulk.empty')} />
          </div>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{v.escape('bulk.file')}</th>
                  <th>{v.escape('bulk.template')}</th>
                  <th>{v.escape('bulk.status')}</th>
                  <th>{v.escape('bulk.progress')}</th>
                  <th class="optional">{v.escape('bulk.created_at')}</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr>
                    <td>
                      <a href={`/bulk/${r.run.id}`} safe>
                        {r.run.label}
                      </a>
                    </td>
                    <td safe>{r.template?.name ?? '—'}</td>
                    <td>
                      <RunStatus v={v} run={r.run} />
                    </td>
                    <td>{v.escape('bulk.progress_short', { done: r.counts.sent + r.counts.failed + r.counts.skipped, total: r.counts.total })}</td>
                    <td class="optional" safe>
                      {v.date(r.run.created_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  )
}

/** The live part of a run's page; it asks again every 2 s while the run may still change. */
export function RunProgress({ v, summary }: { v: View; summary: RunSummary }) {
  const { run, counts } = summary
  const done = counts.sent + counts.failed + counts.skipped
  const live = run.status === 'running' || run.status === 'paused' || counts.queued > 0
  return (
    <div id="bulk-progress" aria-live="polite" {...(live ? { 'hx-get': `/bulk/${run.id}/progress`, 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {})}>
      <p class="row">
        <RunStatus v={v} run={run} />
        <span>{v.escape('bulk.progress_long', { done, total: counts.total })}</span>
      </p>
      <progress max={String(Math.max(1, counts.total))} value={String(done)}>
        {done}/{counts.total}
      </progress>
      <dl class="facts">
        <dt>{v.escape('bulk.count_sent')}</dt>
        <dd>{counts.sent}</dd>
        <dt>{v.escape('bulk.count_delivered')}</dt>
        <dd>{counts.delivered}</dd>
        <dt>{v.escape('bulk.count_read')}</dt>
        <dd>{counts.read}</dd>
        <dt>{v.escape('bulk.count_failed')}</dt>
        <dd>{counts.failed}</dd>
        <dt>{v.escape('bulk.count_skipped')}</dt>
        <dd>{counts.skipped}</dd>
        <dt>{v.escape('bulk.count_waiting')}</dt>
        <dd>{counts.pending + counts.queued}</dd>
      </dl>
      <div class="actions">
        {run.status === 'running' ? <RunAction v={v} run={run} action="pause" /> : ''}
        {run.status === 'paused' ? <RunAction v={v} run={run} action="resume" /> : ''}
        {run.status === 'running' || run.status === 'paused' ? <RunAction v={v} run={run} action="cancel" /> : ''}
        <a class="button secondary" href={`/bulk/${run.id}/result.csv`} download={`disparo-${run.id}-resultado.csv`}>
          {v.escape('bulk.result')}
        </a>
      </div>
    </div>
  )
}

function RunAction({ v, run, action }: { v: View; run: BulkRun; action: 'pause' | 'resume' | 'cancel' }) {
  const label: MessageKey = action === 'pause' ? 'bulk.pause' : action === 'resume' ? 'bulk.resume' : 'bulk.cancel'
  return (
    <form method="post" action={`/bulk/${run.id}/${action}`} hx-post={`/bulk/${run.id}/${action}`} hx-target="#bulk-progress" hx-swap="outerHTML" hx-confirm={action === 'cancel' ? v.t('bulk.cancel_confirm') : undefined}>
      <CsrfField v={v} />
      <button type="submit" class={action === 'cancel' ? 'danger small' : 'secondary small'}>
        {v.escape(label)}
      </button>
    </form>
  )
}

export function RunPage({ v, summary, flash, paused_reason }: { v: View; summary: RunSummary; flash?: MessageKey | null; paused_reason?: string | null }) {
  const { run, template, channel } = summary
  const templateLabel = template ? `${template.name} (${template.language})` : '—'
  return (
    <Layout v={v} title={run.label}>
      <p class="crumbs">
        <a href="/bulk">← {v.escape('bulk.back')}</a>
      </p>
      <Flash v={v} kind="ok" message={flash} />
      <h1 safe>{run.label}</h1>
      <section class="card">
        <dl class="facts">
          <dt>{v.escape('bulk.template')}</dt>
          <dd safe>{templateLabel}</dd>
          <dt>{v.escape('templates.channel')}</dt>
          <dd safe>{channel?.name ?? '—'}</dd>
          <dt>{v.escape('bulk.created_at')}</dt>
          <dd safe>{v.date(run.created_at)}</dd>
        </dl>
        {paused_reason ? (
          <p class="flash info" safe>
            {paused_reason}
          </p>
        ) : (
          ''
        )}
        <RunProgress v={v} summary={summary} />
        <p class="hint">{v.escape('bulk.pacing_hint')}</p>
      </section>
    </Layout>
  )
}
