// Templates (modelos HSM) as Meta knows them, one row per channel, name and language. Plain SQL,
// prepared once. Components are Meta's JSON, stored as given.
import type { Database } from 'bun:sqlite'

export interface Template {
  id: number
  channel_id: number
  external_id: string | null
  name: string
  language: string
  category: string
  parameter_format: 'POSITIONAL' | 'NAMED'
  status: string
  status_at: number
  components: unknown[]
  reply_sector_id: number | null
  rejected_reason: string | null
  quality_score: string | null
  created_by: number | null
  synced_at: number | null
  created_at: number
  updated_at: number
}

interface Row extends Omit<Template, 'components'> {
  components: string
}

const COLUMNS =
  'id, channel_id, external_id, name, language, category, parameter_format, status, status_at, components, reply_sector_id, rejected_reason, quality_score, created_by, synced_at, created_at, updated_at'
const toTemplate = (r: Row): Template => ({ ...r, components: JSON.parse(r.components) })

export interface NewTemplate {
  channel_id: number
  external_id: string | null
  name: string
  language: string
  category: string
  parameter_format: 'POSITIONAL' | 'NAMED'
  status: string
  components: unknown[]
  reply_sector_id: number | null
  rejected_reason?: string | null
  created_by: number | null
}

export interface TemplateFilter {
  channel_id?: number
  status?: string
  before: number
  limit: number
}

export function templatesStore(db: Database) {
  const byId = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM templates WHERE id = ?`)
  const byName = db.query<Row, [number, string, string]>(`SELECT ${COLUMNS} FROM templates WHERE channel_id = ? AND name = ? AND language = ?`)
  const byExternal = db.query<Row, [string]>(`SELECT ${COLUMNS} FROM templates WHERE external_id = ?`)
  const ofChannel = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM templates WHERE channel_id = ? ORDER BY name, language`)
  const approved = db.query<Row, [number]>(`SELECT ${COLUMNS} FROM templates WHERE channel_id = ? AND status = 'APPROVED' ORDER BY name, language`)
  const list = db.query<Row, Record<string, string | number | null>>(
    `SELECT ${COLUMNS} FROM templates
     WHERE id < $before AND ($channel IS NULL OR channel_id = $channel)
       AND (($status IS NULL AND status != 'DELETED') OR status = $status)
     ORDER BY id DESC LIMIT $limit`,
  )
  const insert = db.query<{ id: number }, Record<string, string | number | null>>(
    `INSERT INTO templates (channel_id, external_id, name, language, category, parameter_format, status, status_at, components,
       reply_sector_id, rejected_reason, created_by, created_at, updated_at)
     VALUES ($channel_id, $external_id, $name, $language, $category, $parameter_format, $status, 0, $components,
       $reply_sector_id, $rejected_reason, $created_by, $now, $now)
     RETURNING id`,
  )
  const resubmitted = db.query<unknown, [string | null, string, string, string, number | null, number | null, number, number, number]>(
    `UPDATE templates SET external_id = ?, category = ?, status = ?, components = ?, reply_sector_id = ?, rejected_reason = NULL,
       quality_score = NULL, created_by = ?, status_at = ?, updated_at = ? WHERE id = ?`,
  )
  const edited = db.query<unknown, [string, string, string, number, number, number]>(
    'UPDATE templates SET category = ?, status = ?, components = ?, rejected_reason = NULL, status_at = ?, updated_at = ? WHERE id = ?',
  )
  const setReplySector = db.query<unknown, [number | null, number, number]>('UPDATE templates SET reply_sector_id = ?, updated_at = ? WHERE id = ?')
  const setStatus = db.query<unknown, [string, string | null, number, number, number]>(
    'UPDATE templates SET status = ?, rejected_reason = ?, status_at = ?, updated_at = ? WHERE id = ?',
  )
  const setQuality = db.query<unknown, [string | null, number, number]>('UPDATE templates SET quality_score = ?, updated_at = ? WHERE id = ?')
  const setCategory = db.query<unknown, [string, number, number]>('UPDATE templates SET category = ?, updated_at = ? WHERE id = ?')
  const synced = db.query<unknown, Record<string, string | number | null>>(
    `UPDATE templates SET external_id = $external_id, category = $category, parameter_format = $parameter_format, status = $status,
       status_at = 0, components = $components, rejected_reason = $rejected_reason, quality_score = coalesce($quality_score, quality_score),
       synced_at = $now, updated_at = CASE WHEN status IS $status AND components IS $components AND category IS $category
         AND rejected_reason IS $rejected_reason THEN updated_at ELSE $now END
     WHERE id = $id`,
  )
  const wabaChannels = db.query<{ id: number }, [string]>(
    "SELECT id FROM channels WHERE type = 'whatsapp' AND json_extract(settings, '$.waba_id') = ? ORDER BY id",
  )
  return {
    get: (id: number): Template | null => {
      const r = byId.get(id)
      return r ? toTemplate(r) : null
    },
    byName: (channelId: number, name: string, language: string): Template | null => {
      const r = byName.get(channelId, name, language)
      return r ? toTemplate(r) : null
    },
    /** Every row for Meta's template id (several channels may share one WhatsApp Business Account). */
    byExternal: (externalId: string): Template[] => byExternal.all(externalId).map(toTemplate),
    ofChannel: (channelId: number): Template[] => ofChannel.all(channelId).map(toTemplate),
    approved: (channelId: number): Template[] => approved.all(channelId).map(toTemplate),
    /** Newest first; DELETED ones only when asked for by status. */
    list: (f: TemplateFilter): Template[] =>
      list.all({ before: f.before, channel: f.channel_id ?? null, status: f.status ?? null, limit: f.limit }).map(toTemplate),
    /** Channels whose settings name this WhatsApp Business Account. */
    channelsOfWaba: (wabaId: string): number[] => wabaChannels.all(wabaId).map((r) => r.id),
    /** Call inside a write transaction. */
    insert(t: NewTemplate): number {
      return insert.get({
        channel_id: t.channel_id,
        external_id: t.external_id,
        name: t.name,
        language: t.language,
        category: t.category,
        parameter_format: t.parameter_format,
        status: t.status,
        components: JSON.stringify(t.components),
        reply_sector_id: t.reply_sector_id,
        rejected_reason: t.rejected_reason ?? null,
        created_by: t.created_by,
        now: Date.now(),
      })!.id
    },
    /** A deleted template submitted again under the same name and language. Call inside a write transaction. */
    resubmitted(id: number, t: Pick<NewTemplate, 'external_id' | 'category' | 'status' | 'components' | 'reply_sector_id' | 'created_by'>) {
      const now = Date.now()
      resubmitted.run(t.external_id, t.category, t.status, JSON.stringify(t.components), t.reply_sector_id, t.created_by, 0, now, id)
    },
    /** New components sent to Meta (back to review). */
    edited: (id: number, category: string, status: string, components: unknown[]) => {
      const now = Date.now()
      edited.run(category, status, JSON.stringify(components), 0, now, id)
    },
    setReplySector: (id: number, sectorId: number | null) => setReplySector.run(sectorId, Date.now(), id),
    setStatus: (id: number, status: string, reason: string | null, at = Date.now()) => setStatus.run(status, reason, at, Date.now(), id),
    setQuality: (id: number, score: string | null) => setQuality.run(score, Date.now(), id),
    setCategory: (id: number, category: string) => setCategory.run(category, Date.now(), id),
    /** What Meta's list says about a template we have. Call inside a write transaction. */
    synced(id: number, m: { external_id: string; category: string; parameter_format: string; status: string; components: unknown[]; rejected_reason: string | null; quality_score: string | null }) {
      synced.run({ id, ...m, components: JSON.stringify(m.components), now: Date.now() })
    },
  }
}
export type TemplatesStore = ReturnType<typeof templatesStore>
