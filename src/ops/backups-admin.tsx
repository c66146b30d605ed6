// /admin/backups (permission settings.manage): edit the daily backup schedule, run one now, see the
// last result and the storage state. Session + CSRF like every admin page.
import { Elysia } from 'elysia'
import type { Context } from '../context'
import { buildView, flashKey, html, isHtmx, pageViewer, readCheckedForm, redirect } from '../http/pages'
import { BackupsPage, BackupStatus, type BackupFormValues, type BackupStatusData } from '../../views/ops/backups'
import type { Problems } from '../../views/view'
import { backupRunner, lastRun, lastSuccess, nextSlot, saveSchedule, scheduleOf, validateSchedule, type BackupSchedule } from './scheduled-backup'
import { storageMonitor } from './storage'

const valuesOf = (s: BackupSchedule): BackupFormValues => ({ enabled: s.enabled, time: s.time, keep: String(s.keep), folder: s.folder })

export function backupsAdmin(ctx: Context) {
  const status = (): BackupStatusData => {
    const running = backupRunner(ctx).current
    return { last: lastRun(ctx), lastSuccess: lastSuccess(ctx), running: running ? { started_at: running.started_at } : null }
  }
  const page = (request: Request, viewer: ReturnType<typeof pageViewer>, o: { values?: BackupFormValues; problems?: Problems } = {}, code = 200) => {
    const schedule = scheduleOf(ctx)
    return html(
      <BackupsPage
        v={buildView(ctx, request, viewer)}
        values={o.values ?? valuesOf(schedule)}
        problems={o.problems ?? {}}
        flash={flashKey(request, ['ops.saved', 'ops.run_started'] as const)}
        next={schedule.enabled ? nextSlot(Date.now(), schedule.time, ctx.config.timeZone) : null}
        status={status()}
        storage={storageMonitor(ctx).current()}
        litestream={ctx.config.litestream}
      />,
      code,
    )
  }

  return new Elysia()
    .get('/admin/backups', ({ request }) => page(request, pageViewer(ctx, request, 'settings.manage')))
    .get('/admin/backups/status', ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.manage')
      return html(<BackupStatus v={buildView(ctx, request, viewer)} data={status()} />)
    })
    .post('/admin/backups', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.manage')
      const form = await readCheckedForm(request, viewer)
      const values: BackupFormValues = { enabled: form.get('enabled') === '1', time: form.get('time').trim(), keep: form.get('keep').trim(), folder: form.get('folder').trim() }
      const problems = validateSchedule(ctx, values)
      if (Object.keys(problems).length) return page(request, viewer, { values, problems }, 422)
      saveSchedule(ctx, viewer.user.id, values)
      return redirect('/admin/backups?ok=ops.saved')
    })
    .post('/admin/backups/run', async ({ request }) => {
      const viewer = pageViewer(ctx, request, 'settings.manage')
      await readCheckedForm(request, viewer)
      void backupRunner(ctx).start('manual', { actorId: viewer.user.id })
      if (isHtmx(request)) return html(<BackupStatus v={buildView(ctx, request, viewer)} data={status()} />)
      return redirect('/admin/backups?ok=ops.run_started')
    })
}
