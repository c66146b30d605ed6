// /admin/backups: the daily backup schedule (on/off, time, how many to keep, folder), "back up now",
// the last result, and the storage state of the data folder (full / low / WAL size).
import type { Lang, MessageKey } from '../../src/i18n'
import type { BackupRun } from '../../src/ops/scheduled-backup'
import type { StorageStatus } from '../../src/ops/storage'
import { CsrfField, FieldError, FixErrors, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export interface BackupFormValues {
  enabled: boolean
  time: string
  keep: string
  folder: string
}

export interface BackupStatusData {
  last: BackupRun | null
  lastSuccess: BackupRun | null
  running: { started_at: number } | null
}

/** 1536 → "1,5 KB" (pt-BR) / "1.5 KB" (en). */
export function formatBytes(n: number, lang: Lang): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${units[i]}`
}

const seconds = (ms: number, lang: Lang) => `${new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(ms / 1000)} s`

/** Running indicator and last result; polls itself while a backup runs. */
export function BackupStatus({ v, data }: { v: View; data: BackupStatusData }) {
  const { last, lastSuccess, running } = data
  const poll = running ? { 'hx-get': '/admin/backups/status', 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {}
  return (
    <section id="backup-status" class="card" aria-live="polite" {...poll}>
      <h2>{v.escape('ops.last_title')}</h2>
      {running ? (
        <p class="flash info" role="status">
          {v.escape('ops.running', { when: v.date(running.started_at) })}{' '}
          <a href="/admin/backups">{v.escape('ops.refresh')}</a>
        </p>
      ) : (
        ''
      )}
      {!last ? (
        <p class="hint">{v.escape('ops.never')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <tbody>
              <tr>
                <th>{v.escape('ops.last_result')}</th>
                <td>
                  {last.ok ? <span class="badge ok">{v.escape('ops.result_ok')}</span> : <span class="badge off">{v.escape('ops.result_error')}</span>}
                  {last.error ? (
                    <span class="hint" safe>
                      {' ' + last.error}
                    </span>
                  ) : (
                    ''
                  )}
                </td>
              </tr>
              <tr>
                <th>{v.escape('ops.last_when')}</th>
                <td safe>{v.date(last.started_at)}</td>
              </tr>
              <tr>
                <th>{v.escape('ops.last_trigger')}</th>
                <td>{v.escape(last.trigger === 'schedule' ? 'ops.trigger_schedule' : 'ops.trigger_manual')}</td>
              </tr>
              <tr>
                <th>{v.escape('ops.last_file')}</th>
                <td>
                  <code safe>{last.file ?? '—'}</code>
                </td>
              </tr>
              {last.ok ? (
                <>
                  <tr>
                    <th>{v.escape('ops.last_size')}</th>
                    <td safe>{formatBytes(last.bytes, v.lang)}</td>
                  </tr>
                  <tr>
                    <th>{v.escape('ops.last_media')}</th>
                    <td>{v.escape('ops.media_count', { count: last.media_files, size: formatBytes(last.media_bytes, v.lang) })}</td>
                  </tr>
                </>
              ) : (
                ''
              )}
              <tr>
                <th>{v.escape('ops.last_duration')}</th>
                <td safe>{seconds(last.ms, v.lang)}</td>
              </tr>
            </tbody>
          </table>
        </div>
      )}
      {last?.pruned.length ? <p class="hint">{v.escape('ops.pruned', { count: last.pruned.length })}</p> : ''}
      {last?.warnings.length ? (
        <div class="flash error" role="alert">
          <strong>{v.escape('ops.warnings')}</strong>
          <ul>
            {last.warnings.map((w) => (
              <li safe>{w}</li>
            ))}
          </ul>
        </div>
      ) : (
        ''
      )}
      {lastSuccess && last && !last.ok ? <p class="hint">{v.escape('ops.last_success', { when: v.date(lastSuccess.started_at) })}</p> : ''}
    </section>
  )
}

export function StorageNotice({ v, storage, litestream }: { v: View; storage: StorageStatus; litestream: boolean }) {
  const free = formatBytes(storage.free, v.lang)
  return (
    <section class="card" id="storage">
      <h2>{v.escape('ops.storage_title')}</h2>
      {storage.state === 'full' ? (
        <div class="flash error" role="alert">
          {v.escape('ops.storage_full')}
        </div>
      ) : storage.state === 'low' ? (
        <div class="flash error" role="alert">
          {v.escape('ops.storage_low', { free })}
        </div>
      ) : (
        ''
      )}
      <p>{v.escape('ops.storage_free', { free, total: formatBytes(storage.total, v.lang) })}</p>
      <p class="hint">{v.escape('ops.wal_size', { size: formatBytes(storage.wal_bytes, v.lang) })}</p>
      {litestream ? <p class="hint">{v.escape('ops.litestream_on')}</p> : ''}
    </section>
  )
}

export function BackupsPage(p: {
  v: View
  values: BackupFormValues
  problems: Problems
  flash?: MessageKey | null
  next: number | null
  status: BackupStatusData
  storage: StorageStatus
  litestream: boolean
}) {
  const { v, values, problems } = p
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  return (
    <Layout v={v} title={v.t('ops.title')}>
      <Flash v={v} kind="ok" message={p.flash} />
      <h1>{v.escape('ops.title')}</h1>
      {p.storage.state !== 'ok' ? <StorageNotice v={v} storage={p.storage} litestream={p.litestream} /> : ''}
      <div class="card">
        <h2>{v.escape('ops.schedule_title')}</h2>
        <p class="hint">{v.escape('ops.schedule_intro')}</p>
        <FixErrors v={v} problems={problems} />
        <form method="post" action="/admin/backups" novalidate>
          <CsrfField v={v} />
          <label class="inline">
            <input type="checkbox" name="enabled" value="1" checked={values.enabled} /> {v.escape('ops.enabled')}
          </label>
          <label for="time">{v.escape('ops.time')}</label>
          <input id="time" name="time" type="time" required value={values.time} aria-invalid={invalid('time')} aria-describedby="time-hint" />
          <p class="hint" id="time-hint">
            {v.escape('ops.time_hint', { zone: v.timeZone })}
          </p>
          <FieldError v={v} problems={problems} field="time" />
          <label for="keep">{v.escape('ops.keep')}</label>
          <input id="keep" name="keep" type="number" min="1" max="365" required value={values.keep} aria-invalid={invalid('keep')} aria-describedby="keep-hint" />
          <p class="hint" id="keep-hint">
            {v.escape('ops.keep_hint')}
          </p>
          <FieldError v={v} problems={problems} field="keep" />
          <label for="folder">{v.escape('ops.folder')}</label>
          <input id="folder" name="folder" type="text" required maxlength="1000" value={values.folder} aria-invalid={invalid('folder')} aria-describedby="folder-hint" />
          <p class="hint" id="folder-hint">
            {v.escape('ops.folder_hint')}
          </p>
          <FieldError v={v} problems={problems} field="folder" />
          <div class="actions">
            <button type="submit">{v.escape('form.save')}</button>
          </div>
        </form>
        <p class="hint">{p.next ? v.escape('ops.next_run', { when: v.date(p.next) }) : v.escape('ops.disabled')}</p>
        <form method="post" action="/admin/backups/run" class="row">
          <CsrfField v={v} />
          <button type="submit" class="secondary" disabled={p.status.running ? true : undefined}>
            {v.escape('ops.run_now')}
          </button>
        </form>
      </div>
      <BackupStatus v={v} data={p.status} />
      {p.storage.state === 'ok' ? <StorageNotice v={v} storage={p.storage} litestream={p.litestream} /> : ''}
      <p class="hint">{v.escape('ops.restore_hint')}</p>
    </Layout>
  )
}
