// Importar clientes (CSV): the upload form, the dry run's preview (valid rows, rejected rows with
// their reasons, the confirm button) and the result. Every cell comes from the file: `safe` always.
import { PREVIEW_ROWS, type ImportCheck } from '../../src/customers/import'
import type { CustomerImport, RejectedRow } from '../../src/customers/imports-store'
import { CsrfField } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

export function ImportUploadPage({ v, error, maxMb, maxRows }: { v: View; error: string | null; maxMb: number; maxRows: number }) {
  return (
    <Layout v={v} title={v.t('customer_import.title')}>
      <p>
        <a href="/customers">← {v.escape('customers.title')}</a>
      </p>
      <h1>{v.escape('customer_import.title')}</h1>
      <div class="card">
        <p>{v.escape('customer_import.intro')}</p>
        <p class="muted small">{v.escape('customer_import.columns')}</p>
        {error ? (
          <div class="flash error" role="alert" safe>
            {error}
          </div>
        ) : (
          ''
        )}
        <form method="post" action="/customers/import" enctype="multipart/form-data">
          <CsrfField v={v} />
          <label for="import-file">{v.escape('customer_import.file')}</label>
          <input id="import-file" name="file" type="file" accept=".csv,text/csv,text/plain" required aria-describedby="import-limit" />
          <p class="hint" id="import-limit">
            {v.escape('customer_import.limit', { mb: maxMb, rows: maxRows.toLocaleString('pt-BR') })}
          </p>
          <div class="actions">
            <button type="submit">{v.escape('customer_import.submit')}</button>
          </div>
        </form>
      </div>
    </Layout>
  )
}

function RejectedTable({ v, rows }: { v: View; rows: RejectedRow[] }) {
  return (
    <div class="table-wrap">
      <table id="import-rejected">
        <thead>
          <tr>
            <th>{v.escape('customer_import.line')}</th>
            <th>{v.escape('customer_import.row')}</th>
            <th>{v.escape('customer_import.reason')}</th>
          </tr>
        </thead>
        <tbody hx-ignore>
          {rows.map((r) => (
            <tr>
              <td safe>{String(r.line)}</td>
              <td safe>{r.cells.filter((c) => c.trim()).slice(0, 3).join(' · ')}</td>
              <td safe>{r.reasons.join(' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The dry run (status preview: `check` is the file checked now) or the result (imported). */
export function ImportResultPage({ v, imp, check }: { v: View; imp: CustomerImport; check: ImportCheck | null }) {
  const done = imp.status === 'imported'
  const rejected = done || !check ? imp.rejected : check.rejected
  const total = done || !check ? imp.total : check.total
  const valid = done || !check ? imp.valid : check.valid.length
  const nameCol = check?.map.columns.name
  return (
    <Layout v={v} title={v.t(done ? 'customer_import.done_title' : 'customer_import.preview_title')}>
      <p>
        <a href="/customers">← {v.escape('customers.title')}</a>
      </p>
      <h1>{v.escape(done ? 'customer_import.done_title' : 'customer_import.preview_title')}</h1>
      <div class="card" id="import-summary">
        <p class="muted small" safe>
          {imp.filename}
        </p>
        {done ? (
          <p class="flash ok" role="status">
            {v.escape('customer_import.done', { imported: imp.imported, rejected: imp.rejected.length })}
          </p>
        ) : (
          <>
            <p>
              <strong>{v.escape('customer_import.summary', { total, valid, rejected: rejected.length })}</strong> {v.escape('customer_import.preview_note')}
            </p>
            {check && check.map.ignored.length ? <p class="muted small">{v.escape('customer_import.ignored_columns', { names: check.map.ignored.join(', ') })}</p> : ''}
          </>
        )}
        <div class="row">
          {!done && valid > 0 ? (
            <form method="post" action={`/customers/import/${imp.id}`}>
              <CsrfField v={v} />
              <button type="submit" id="import-confirm">
                {v.escape('customer_import.confirm', { n: valid })}
              </button>
            </form>
          ) : (
            ''
          )}
          {!done && valid === 0 ? <p class="muted">{v.escape('customer_import.nothing')}</p> : ''}
          {rejected.length ? (
            <a class="button secondary" href={`/customers/import/${imp.id}/rejected.csv`} download="">
              {v.escape('customer_import.download_rejected')}
            </a>
          ) : (
            ''
          )}
          <a class="button secondary" href="/customers/import">
            {v.escape('customer_import.again')}
          </a>
        </div>
      </div>
      {!done && check && check.valid.length ? (
        <section class="card">
          <h2>{v.escape('customer_import.valid_title', { n: Math.min(check.valid.length, PREVIEW_ROWS) })}</h2>
          <div class="table-wrap">
            <table id="import-valid">
              <thead>
                <tr>
                  <th>{v.escape('customer_import.line')}</th>
                  {check.header.map((h) => (
                    <th safe>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody hx-ignore>
                {check.valid.slice(0, PREVIEW_ROWS).map((r) => (
                  <tr>
                    <td safe>{String(r.line)}</td>
                    {check.header.map((_, i) => (
                      <td class={i === nameCol ? 'strong' : undefined} safe>
                        {r.cells[i] ?? ''}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : (
        ''
      )}
      {rejected.length ? (
        <section class="card">
          <h2>{v.escape('customer_import.rejected_title')}</h2>
          <RejectedTable v={v} rows={rejected.slice(0, 200)} />
        </section>
      ) : (
        ''
      )}
    </Layout>
  )
}
