// LGPD data subject requests for one customer:
// - export: everything Kumquat holds about them — the customer record, their contacts (channel
//   identities), their tickets with every message (internal notes marked) — as JSON, or as a zip
//   with that JSON and the media files;
// - anonymise: personal data replaced in the customer, contacts, tickets' free texts, messages and
//   media (files deleted), the raw webhook deliveries and the live-event buffer; the rows stay, so
//   counts, times, classifications and survey scores still add up in the reports. With SQLite's
//   secure_delete on and the WAL truncated afterwards, the old values are not left in the file.
// Both are audited (who, when, from where; never the data itself).
import type { Database } from 'bun:sqlite'
import { existsSync, unlinkSync } from 'node:fs'
import type { User } from '../admin/users-store'
import type { Context } from '../context'
import { customerFieldsJson } from '../customers/fields'
import type { Customer } from '../customers/store'
import { write } from '../db/open'
import { mediaPath } from '../desk/media-files'
import { conflict } from '../http/errors'
import { t, type Lang } from '../i18n'
import { lgpdStore, type ExportMessage, type LgpdStore } from './store'
import { safeEntryName, zipStream, type ZipSource } from './zip'

const stores = new WeakMap<Database, LgpdStore>()
const storeOf = (ctx: Context): LgpdStore => {
  let s = stores.get(ctx.db)
  if (!s) stores.set(ctx.db, (s = lgpdStore(ctx.db)))
  return s
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
const parse = (text: string | null): unknown => {
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const EXT: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp', 'audio/ogg': '.ogg', 'audio/mpeg': '.mp3', 'video/mp4': '.mp4', 'application/pdf': '.pdf' }

/** Where a message's file goes inside the zip (null: no file stored). */
function mediaEntry(m: ExportMessage): string | null {
  if (!m.media_id || !m.media_sha256 || m.media_status !== 'ready') return null
  const base = m.media_filename ? safeEntryName(m.media_filename) : `file${EXT[m.media_mime ?? ''] ?? ''}`
  return `media/${m.media_id}-${base}`
}

export interface CustomerExport {
  json: Record<string, unknown>
  files: ZipSource[]
  counts: { contacts: number; tickets: number; messages: number; media: number }
}

export function customerExport(ctx: Context, customer: Customer): CustomerExport {
  const store = storeOf(ctx)
  const contacts = store.contacts(customer.id)
  const tickets = store.tickets(customer.id, contacts.map((c) => c.id))
  const messages = store.messages(tickets.map((x) => x.id))
  const files: ZipSource[] = []
  const byTicket = new Map<number, ExportMessage[]>()
  for (const m of messages) byTicket.set(m.ticket_id, [...(byTicket.get(m.ticket_id) ?? []), m])
  const json = {
    format: 'kumquat.customer-export/1',
    exported_at: new Date().toISOString(),
    customer: {
      id: customer.id,
      name: customer.name,
      code: customer.code,
      code_type: customer.code_type,
      type_id: customer.type_id,
      type: customer.type_id ? (ctx.stores.customers.types.get(customer.type_id)?.name ?? null) : null,
      email: customer.email,
      phone: customer.phone,
      notes: customer.notes,
      // The custom fields of the customer's type (src/customers/fields.ts).
      fields: customerFieldsJson(ctx, customer),
      anonymized_at: iso(customer.anonymized_at),
      created_at: iso(customer.created_at),
      updated_at: iso(customer.updated_at),
    },
    contacts: contacts.map((c) => ({ id: c.id, channel_id: c.channel_id, channel_type: c.channel_type, identity: c.external_key, name: c.name, phone: c.phone, opted_out: c.opted_out === 1, created_at: iso(c.created_at) })),
    tickets: tickets.map((tk) => ({
      id: tk.id,
      protocol: tk.protocol,
      channel_id: tk.channel_id,
      contact_id: tk.contact_id,
      status: tk.status,
      sector_id: tk.sector_id,
      classification_id: tk.classification_id,
      notes: tk.notes,
      close_note: tk.close_note,
      created_at: iso(tk.created_at),
      closed_at: iso(tk.closed_at),
      messages: (byTicket.get(tk.id) ?? []).map((m) => {
        const file = mediaEntry(m)
        if (file) {
          const path = mediaPath(ctx, m.media_sha256!)
          if (existsSync(path)) files.push({ name: file, path })
        }
        return {
          id: m.id,
          direction: m.direction,
          author: m.author,
          internal_note: m.type === 'note',
          type: m.type,
          text: m.text,
          location: parse(m.location),
          extra: parse(m.extra),
          media: m.media_id ? { mime_type: m.media_mime, filename: m.media_filename, size: m.media_size, sha256: m.media_sha256, file } : null,
          status: m.status,
          created_at: iso(m.created_at),
        }
      }),
    })),
  }
  return { json, files, counts: { contacts: contacts.length, tickets: tickets.length, messages: messages.length, media: files.length } }
}

/** Exports and records it in the audit log (in that order: an export that fails is not logged as given). */
export function exportCustomer(ctx: Context, actor: User, customer: Customer, format: 'json' | 'zip', ip: string | null): CustomerExport {
  const out = customerExport(ctx, customer)
  write(ctx.db, () =>
    ctx.stores.audit.record({ actor_id: actor.id, action: 'customer.export', object_type: 'customer', object_id: customer.id, ip, details: { format, ...out.counts } }),
  )
  return out
}

/** The export as a zip: customer.json plus media/<id>-<name> files. */
export function exportZip(out: CustomerExport): ReadableStream<Uint8Array> {
  const json = new TextEncoder().encode(JSON.stringify(out.json, null, 2))
  return zipStream([{ name: 'customer.json', data: json }, ...out.files])
}

export const exportFileName = (customer: Customer, ext: 'zip' | 'json') => `cliente-${customer.id}-lgpd.${ext}`

export function anonymizeCustomer(ctx: Context, actor: User, customer: Customer, ip: string | null, lang: Lang = ctx.config.defaultLanguage) {
  if (customer.anonymized_at !== null) throw conflict('already_anonymized', 'lgpd.already_anonymized')
  const store = storeOf(ctx)
  const contacts = store.contacts(customer.id)
  const tickets = store.tickets(customer.id, contacts.map((c) => c.id))
  const open = tickets.filter((x) => x.status !== 'closed')
  if (open.length) throw conflict('tickets_open', 'lgpd.tickets_open', { count: open.length })
  const now = Date.now()
  const secure = (ctx.db.query('PRAGMA secure_delete').get() as { secure_delete: number }).secure_delete
  if (!secure) ctx.db.exec('PRAGMA secure_delete = ON')
  let media: { id: number; sha256: string | null }[] = []
  try {
    media = write(ctx.db, () => {
      const r = store.anonymize({
        customerId: customer.id,
        name: t(lang, 'lgpd.anonymized_name', { id: customer.id }),
        contactIds: contacts.map((c) => c.id),
        externalKeys: contacts.map((c) => c.external_key).concat(contacts.map((c) => c.phone ?? '').filter(Boolean)),
        ticketIds: tickets.map((x) => x.id),
        now,
      })
      // Custom-field values are personal data too: gone, not replaced.
      ctx.stores.customers.fields.clearAll(customer.id)
      // Web-chat visitors: what the pre-chat form and the browser told us (the consent record stays).
      ctx.stores.webchat.anonymizeContacts(contacts.map((c) => c.id))
      ctx.stores.audit.record({
        actor_id: actor.id,
        action: 'customer.anonymize',
        object_type: 'customer',
        object_id: customer.id,
        ip,
        details: { contacts: contacts.length, tickets: tickets.length, media: r.media.length },
      })
      return r.media
    })
  } finally {
    if (!secure) ctx.db.exec('PRAGMA secure_delete = OFF')
  }
  // Files after the commit: a file another customer also sent stays.
  for (const m of media) {
    if (!m.sha256 || store.fileInUse(m.sha256)) continue
    try {
      unlinkSync(mediaPath(ctx, m.sha256))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log.error({ err, media_id: m.id }, 'lgpd: could not delete a media file')
    }
  }
  // Old page images live in the WAL until a checkpoint: fold them in and empty it.
  try {
    ctx.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  } catch (err) {
    ctx.log.warn({ err }, 'lgpd: checkpoint after anonymising did not complete')
  }
  ctx.hub.wake()
  return ctx.stores.customers.get(customer.id)!
}
