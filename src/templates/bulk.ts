// Bulk notices (disparos): a supervisor sends one approved template to a CSV list of numbers with
// per-line variables. Lines are checked on upload (a bad number or missing variable fails that line
// with its reason, never the file); a worker then queues them through the outbox at a bounded rate —
// overall at most `ratePerSecond`, never more than `maxInFlight` waiting in a channel's outbox (so
// agents' messages are not stuck behind a long list), and about one message every `perNumberMs` to
// the same person (whatsapp.md §8). Opted-out contacts are skipped. The result file reports each
// line: sent (and delivered/read when Meta says so) or failed / skipped with the reason.
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { inheritContactCustomer } from '../customers/contacts'
import { write } from '../db/open'
import { ticketJson, ticketTopics } from '../desk/json'
import { insertOutbound } from '../desk/outbound'
import type { Ticket } from '../desk/tickets-store'
import { badRequest, HttpError } from '../http/errors'
import { t, type Lang, type MessageKey } from '../i18n'
import { explainGraphError, isKnownGraphError } from '../channels/whatsapp/errors'
import { startLoop, type WorkerLoop } from '../channels/worker-loop'
import type { BulkResultRow, BulkRow, BulkRun } from './bulk-store'
import { contactByNumber, prepareSend, templateMessage } from './send'
import type { Template } from './store'
import { normalisePhone, paramProblem, partsOf, variablesOf } from './validation'

/** Pacing; tests shorten them. */
export const bulkSettings = { ratePerSecond: 20, perNumberMs: 6000, maxInFlight: 20, intervalMs: 1000, maxRows: 10_000 }

// ---- CSV ------------------------------------------------------------------------------------------

/** RFC 4180 with the delimiter guessed from the first line (`,` `;` or tab — Brazilian Excel writes `;`). */
export function parseCsv(input: string): string[][] {
  const text = input.replace(/^\uFEFF/, '')
  const firstLine = text.split(/\r\n|\n|\r/, 1)[0] ?? ''
  const outside = firstLine.replace(/"[^"]*"/g, '')
  const candidates: [string, number][] = [',', ';', '\t'].map((d) => [d, outside.split(d).length - 1])
  const delimiter = candidates.sort((a, b) => b[1] - a[1])[0][1] > 0 ? candidates[0][0] : ','
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === delimiter) {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/** A cell as a spreadsheet will not run it as a formula. */
function csvCell(value: string | number | null, delimiter: string): string {
  let s = value === null ? '' : String(value)
  // A phone number as typed (+55 83 …) calls nothing; anything else starting like a formula is defused.
  if (/^[=+\-@\t\r]/.test(s) && !/^\+[0-9\s().-]+$/.test(s)) s = `'${s}`
  return s.includes(delimiter) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

// ---- creating a run ---------------------------------------------------------------------------------

/** What a bulk send can fill from a spreadsheet: body variables only (no header file, no URL suffix). */
export function bulkProblem(tpl: Template): MessageKey | null {
  const parts = partsOf(tpl.components)
  if (parts.header && parts.header.format !== 'TEXT') return 'bulk.template_media_header'
  if (parts.header?.text && variablesOf(parts.header.text).length) return 'bulk.template_header_variable'
  if (parts.buttons.some((b) => b.type === 'URL' && b.url && variablesOf(b.url).length)) return 'bulk.template_url_variable'
  return null
}

const looksLikeHeader = (cells: string[]) => cells.length > 0 && normalisePhone(cells[0]) === null && /\p{L}/u.test(cells[0])

export function createBulkRun(ctx: Context, user: User, o: { template_id: unknown; label: string; csv: string }, ip: string | null = null): BulkRun {
  const tpl = Number.isInteger(o.template_id) ? ctx.stores.templates.get(o.template_id as number) : null
  if (!tpl || tpl.status !== 'APPROVED') throw badRequest('validation_failed', 'bulk.valid_template', [{ field: 'template_id', key: 'bulk.valid_template' }])
  const unsupported = bulkProblem(tpl)
  if (unsupported) throw badRequest('validation_failed', unsupported, [{ field: 'template_id', key: unsupported }])
  const vars = variablesOf(partsOf(tpl.components).body).length
  const all = parseCsv(o.csv).map((cells, i) => ({ line: i + 1, cells: cells.map((c) => c.trim()) }))
  const data = all.filter(({ cells }) => cells.some((c) => c !== ''))
  if (data.length && looksLikeHeader(data[0].cells)) data.shift()
  if (!data.length) throw badRequest('validation_failed', 'bulk.valid_empty', [{ field: 'file', key: 'bulk.valid_empty' }])
  if (data.length > bulkSettings.maxRows) throw new HttpError(400, 'validation_failed', 'bulk.valid_too_many', { max: bulkSettings.maxRows }, [{ field: 'file', key: 'bulk.valid_too_many_field' }])

  const label = o.label.trim().slice(0, 200) || 'lista.csv'
  const id = write(ctx.db, () => {
    const runId = ctx.stores.bulk.createRun({ channel_id: tpl.channel_id, template_id: tpl.id, label, total: data.length, created_by: user.id })
    for (const { line, cells } of data) {
      const phone = cells[0] ?? ''
      const waId = normalisePhone(phone)
      const params = cells.slice(1, 1 + vars)
      let reason: string | null = null
      if (!waId) reason = 'invalid_phone'
      else if (params.length < vars) reason = 'params_missing'
      else {
        const problem = params.map(paramProblem).find((p) => p !== null)
        if (problem) reason = problem === 'templates.param_empty' ? 'param_empty' : 'param_format'
      }
      ctx.stores.bulk.insertRow({ run_id: runId, line, phone: phone.slice(0, 100), wa_id: waId, params, status: reason ? 'failed' : 'pending', reason })
    }
    ctx.stores.audit.record({ actor_id: user.id, action: 'bulk.create', object_type: 'bulk_run', object_id: runId, ip, details: { template_id: tpl.id, channel_id: tpl.channel_id, rows: data.length, label } })
    return runId
  })
  ctx.log.info({ bulk_run: id, rows: data.length, template_id: tpl.id }, 'bulk notice started')
  wakeBulk(ctx)
  return ctx.stores.bulk.run(id)!
}

/** Pause, resume or cancel (pending lines of a cancelled run are skipped; queued ones still go). */
export function changeRun(ctx: Context, user: User, run: BulkRun, action: 'pause' | 'resume' | 'cancel', ip: string | null = null): BulkRun {
  write(ctx.db, () => {
    const fresh = ctx.stores.bulk.run(run.id)!
    const next = action === 'pause' ? 'paused' : action === 'resume' ? 'running' : 'cancelled'
    const allowed = action === 'pause' ? fresh.status === 'running' : action === 'resume' ? fresh.status === 'paused' : fresh.status === 'running' || fresh.status === 'paused'
    if (!allowed) throw new HttpError(409, 'bulk_state', 'bulk.state_conflict')
    if (action === 'resume') {
      const tpl = ctx.stores.templates.get(fresh.template_id)
      if (tpl?.status !== 'APPROVED') throw new HttpError(409, 'template_not_approved', 'templates.not_approved', { status: tpl?.status ?? '—' })
    }
    if (action === 'cancel') ctx.stores.bulk.cancelPending(run.id)
    ctx.stores.bulk.setRunStatus(run.id, next)
    ctx.stores.audit.record({ actor_id: user.id, action: `bulk.${action}`, object_type: 'bulk_run', object_id: run.id, ip })
  })
  if (action === 'resume') wakeBulk(ctx)
  return ctx.stores.bulk.run(run.id)!
}

// ---- the worker -----------------------------------------------------------------------------------

const wakers = new WeakMap<Context, () => void>()
export const wakeBulk = (ctx: Context) => wakers.get(ctx)?.()

type Outcome = 'queued' | 'deferred' | 'failed' | 'skipped' | 'paused' | 'stopped'

export function startBulkSender(ctx: Context): WorkerLoop {
  /** When each of the last messages was queued (the overall rate is counted over one second). */
  const recent: number[] = []
  // Work that waits for the rate window, room in the outbox or a line's pacing wakes the loop when
  // it may go on, rather than at the next tick of the safety-net timer.
  let timer: ReturnType<typeof setTimeout> | null = null
  const wakeIn = (ms: number) => {
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      loop.wake()
    }, Math.max(20, Math.min(ms, bulkSettings.intervalMs)))
    timer.unref?.()
  }
  const loop = startLoop(
    'bulk',
    ctx.log,
    async () => {
      if (!ctx.stores.bulk.anyActive()) return false // idle: no write at all
      write(ctx.db, () => {
        ctx.stores.bulk.settle()
        for (const id of ctx.stores.bulk.finished()) ctx.stores.bulk.setRunStatus(id, 'done')
      })
      const now = Date.now()
      while (recent.length && recent[0] <= now - 1000) recent.shift()
      let budget = bulkSettings.ratePerSecond - recent.length
      let queued = 0
      for (const run of ctx.stores.bulk.running()) {
        const later = ctx.stores.bulk.nextNotBefore(run.id)
        if (later !== null && later > now) wakeIn(later - now)
        if (budget <= 0) {
          wakeIn(recent[0] + 1000 - now)
          break
        }
        const room = bulkSettings.maxInFlight - ctx.stores.bulk.inFlight(run.channel_id)
        if (room <= 0) {
          wakeIn(250) // the outbox is sending what is already queued (or its channel is paused)
          continue
        }
        const rows = ctx.stores.bulk.due(run.id, now, Math.min(budget, room))
        if (!rows.length) continue
        // One transaction for the lines of this pass (one fsync, not one per line).
        const n = write(ctx.db, () => {
          let n = 0
          for (const row of rows) {
            const outcome = sendRow(ctx, run.id, row, now)
            if (outcome === 'queued') n++
            if (outcome === 'paused' || outcome === 'stopped') break
          }
          return n
        })
        for (let i = 0; i < n; i++) recent.push(Date.now())
        budget -= n
        queued += n
      }
      if (queued) {
        ctx.hub.wake()
        ctx.wake.outbox()
        wakeIn(50) // more lines may be waiting for room the outbox is about to free
      }
      return false
    },
    bulkSettings.intervalMs,
  )
  wakers.set(ctx, loop.wake)
  return {
    wake: loop.wake,
    async stop() {
      if (timer) clearTimeout(timer)
      await loop.stop()
    },
  }
}

/** One line: the checks, the contact and its ticket, the message in the outbox. Call inside a write transaction. */
function sendRow(ctx: Context, runId: number, row: BulkRow, now: number): Outcome {
  const run = ctx.stores.bulk.run(runId)
  if (!run || run.status !== 'running') return 'stopped'
  const tpl = ctx.stores.templates.get(run.template_id)
  if (!tpl || tpl.status !== 'APPROVED') {
    // Paused or disabled by Meta meanwhile: stop here; the supervisor resumes once it is approved.
    ctx.stores.bulk.setRunStatus(run.id, 'paused')
    ctx.log.warn({ bulk_run: run.id, template_status: tpl?.status ?? null }, 'bulk notice paused: template no longer approved')
    return 'paused'
  }
  if (!row.wa_id) {
    ctx.stores.bulk.mark(row.id, 'failed', { reason: 'invalid_phone' })
    return 'failed'
  }
  let prepared
  try {
    prepared = prepareSend(tpl, { params: row.params })
  } catch {
    ctx.stores.bulk.mark(row.id, 'failed', { reason: 'param_format' })
    return 'failed'
  }
  let contact = contactByNumber(ctx, run.channel_id, row.wa_id)
  if (contact?.opted_out) {
    ctx.stores.bulk.mark(row.id, 'skipped', { reason: 'opted_out', contact_id: contact.id })
    return 'skipped'
  }
  if (contact) {
    const last = ctx.stores.recipients.lastOutboundAt(contact.id)
    if (last !== null && now - last < bulkSettings.perNumberMs) {
      ctx.stores.bulk.defer(row.id, last + bulkSettings.perNumberMs)
      return 'deferred'
    }
  }
  contact ??= ctx.stores.contacts.upsert(run.channel_id, row.wa_id, null, row.wa_id)
  const ticket = ctx.stores.tickets.openOfContact(contact.id) ?? ctx.stores.tickets.lastOfContact(contact.id) ?? noticeTicket(ctx, run, tpl, contact.id)
  const message = insertOutbound(ctx, ticket, { author: 'system', author_id: run.created_by, ...templateMessage(prepared, { bulk_run_id: run.id }) })
  ctx.stores.bulk.mark(row.id, 'queued', { contact_id: contact.id, ticket_id: ticket.id, message_id: message.id })
  return 'queued'
}

/**
 * A person we never talked to: the notice is kept in a closed ticket of its own (their history);
 * their reply opens a new ticket like any message (in the template's reply sector once ticket
 * creation asks replySectorFor).
 */
function noticeTicket(ctx: Context, run: BulkRun, tpl: Template, contactId: number): Ticket {
  const now = Date.now()
  const channel = ctx.stores.channels.get(run.channel_id)!
  const sectorId = tpl.reply_sector_id ?? channel.sector_id
  const id = ctx.stores.tickets.create({ protocol: ctx.stores.protocols.next(now, ctx.config.timeZone), channel_id: run.channel_id, contact_id: contactId, status: 'closed', sector_id: sectorId, now })
  inheritContactCustomer(ctx, id, contactId, now)
  ctx.stores.tickets.close(id, null, null, now)
  ctx.stores.history.record({ ticket_id: id, action: 'closed', at: now, actor_id: run.created_by, to_sector_id: sectorId, note: `bulk:${run.id}` })
  const ticket = ctx.stores.tickets.get(id)!
  ctx.stores.events.record(ticketTopics(ticket), 'ticket.created', ticketJson(ticket))
  return ticket
}

// ---- results ------------------------------------------------------------------------------------------

export type LineOutcome = 'pending' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'skipped'

/** The outcome of one line as of now, with the reason in plain words for failures and skips. */
export function lineOutcome(r: BulkResultRow, lang: Lang): { outcome: LineOutcome; reason: string } {
  if (r.status === 'pending') return { outcome: 'pending', reason: '' }
  if (r.status === 'skipped' || (r.status === 'failed' && r.reason)) {
    return { outcome: r.status, reason: r.reason ? t(lang, `bulk.reason_${r.reason}` as MessageKey) : '' }
  }
  const status = r.message_status
  if (status === 'failed') {
    const reason = r.error_code !== null && isKnownGraphError(r.error_code) ? explainGraphError(r.error_code, lang) : (r.error_message ?? explainGraphError(r.error_code, lang))
    return { outcome: 'failed', reason }
  }
  if (status === 'sent' || status === 'delivered' || status === 'read') return { outcome: status, reason: '' }
  return { outcome: 'queued', reason: '' }
}

/** The result file: one line per line of the list, in the list's order. */
export function resultCsv(ctx: Context, run: BulkRun, lang: Lang): string {
  const d = lang === 'pt-BR' ? ';' : ','
  const head = [t(lang, 'bulk.csv_line'), t(lang, 'bulk.csv_phone'), t(lang, 'bulk.csv_whatsapp'), t(lang, 'bulk.csv_status'), t(lang, 'bulk.csv_reason'), t(lang, 'bulk.csv_message_id')]
  const lines = [head.map((h) => csvCell(h, d)).join(d)]
  for (const r of ctx.stores.bulk.result(run.id)) {
    const { outcome, reason } = lineOutcome(r, lang)
    lines.push([r.line, r.phone, r.wa_id, t(lang, `bulk.outcome_${outcome}`), reason, r.external_id].map((c) => csvCell(c, d)).join(d))
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n'
}
