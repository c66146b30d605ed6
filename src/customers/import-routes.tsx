// The CSV import pages: upload (`/customers/import`), the dry run's preview and the import
// (`/customers/import/:id`, its owner only), and the rejected rows as CSV. customers.create.
import { Elysia } from 'elysia'
import type { Context } from '../context'
import { clientIp } from '../http/client-ip'
import { checkSessionCsrf } from '../http/csrf'
import { HttpError, notFound } from '../http/errors'
import { buildView, html, pageViewer, readCheckedForm, redirect } from '../http/pages'
import { csvResponse } from '../reports/csv'
import { ImportResultPage, ImportUploadPage } from '../../views/customers/import'
import { checkImport, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ownImport, previewImport, rejectedCsv, runImport } from './import'

const idOf = (raw: string): number => {
  if (!/^\d{1,15}$/.test(raw)) throw notFound()
  return Number(raw)
}

export function customerImportRoutes(ctx: Context) {
  const upload = (request: Request, viewer: ReturnType<typeof pageViewer>, error: string | null = null, status = 200) =>
    html(<ImportUploadPage v={buildView(ctx, request, viewer)} error={error} maxMb={IMPORT_MAX_BYTES / 1024 / 1024} maxRows={IMPORT_MAX_ROWS} />, status)

  return new Elysia()
    .get('/customers/import', ({ request }) => upload(request, pageViewer(ctx, request, 'customers.create')))
    .post('/customers/import', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'customers.create')
      const form = await readCheckedForm(request, viewer)
      const v = buildView(ctx, request, viewer)
      const file = form.file('file')
      if (!file || file.size === 0) return upload(request, viewer, v.t('customer_import.file_missing'), 422)
      let id: number
      try {
        id = previewImport(ctx, viewer.user, file.name || 'clientes.csv', new Uint8Array(await file.arrayBuffer()), v.lang)
      } catch (e) {
        // A file we cannot take (too large, not a CSV, no name column, no rows): said on the form.
        if (e instanceof HttpError && e.status !== 403) return upload(request, viewer, v.t(e.key, e.vars), e.status)
        throw e
      }
      return redirect(`/customers/import/${id}`)
    })
    .get('/customers/import/:id', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customers.create')
      const v = buildView(ctx, request, viewer)
      const imp = ownImport(ctx, viewer.user, idOf(params.id))
      // The preview is checked again now: what the import will do.
      return html(<ImportResultPage v={v} imp={imp} check={imp.status === 'preview' ? checkImport(ctx, imp.body, v.lang) : null} />)
    })
    .post('/customers/import/:id', async ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customers.create')
      const data = await request.formData().catch(() => null)
      const fields: Record<string, string> = {}
      for (const [k, value] of data?.entries() ?? []) if (typeof value === 'string') fields[k] = value
      checkSessionCsrf(request, viewer, fields)
      const v = buildView(ctx, request, viewer)
      const imp = ownImport(ctx, viewer.user, idOf(params.id))
      runImport(ctx, viewer.user, imp, v.lang, clientIp(request))
      return redirect(`/customers/import/${imp.id}`)
    })
    .get('/customers/import/:id/rejected.csv', ({ request, params }) => {
      const viewer = pageViewer(ctx, request, 'customers.create')
      const v = buildView(ctx, request, viewer)
      const imp = ownImport(ctx, viewer.user, idOf(params.id))
      // Before the import: the rows rejected now; after: those of the import.
      const rows = imp.status === 'preview' ? checkImport(ctx, imp.body, v.lang).rejected : imp.rejected
      return csvResponse(`clientes-rejeitados-${imp.id}.csv`, rejectedCsv({ ...imp, rejected: rows }, v.lang))
    })
}
