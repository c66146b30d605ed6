// Delivery statuses, deduplicated on (channel, message id, status).
import type { Database } from 'bun:sqlite'

export interface StoredStatus {
  external_id: string
  status: string
  provider_at: number | null
  errors: string | null
}

export function statusesStore(db: Database) {
  const insert = db.query<unknown, [number, string, string, number | null, string | null, number]>(
    `INSERT INTO message_statuses (channel_id, external_id, status, provider_at, errors, received_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  )
  const unapplied = db.query<StoredStatus, [number, string]>(
    'SELECT external_id, status, provider_at, errors FROM message_statuses WHERE channel_id = ? AND external_id = ? AND applied = 0 ORDER BY provider_at, received_at',
  )
  const applied = db.query<unknown, [number, string, string]>('UPDATE message_statuses SET applied = 1 WHERE channel_id = ? AND external_id = ? AND status = ?')
  const prune = db.query<unknown, [number, number]>(
    `DELETE FROM message_statuses WHERE (channel_id, external_id, status) IN
       (SELECT channel_id, external_id, status FROM message_statuses WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
  )
  return {
    /** True when this (message, status) is new; false for a redelivery. Call inside a write transaction. */
    record: (channelId: number, externalId: string, status: string, providerAt: number | null, errors: unknown[] | null): boolean =>
      insert.run(channelId, externalId, status, providerAt, errors?.length ? JSON.stringify(errors) : null, Date.now()).changes > 0,
    unapplied: (channelId: number, externalId: string): StoredStatus[] => unapplied.all(channelId, externalId),
    markApplied: (channelId: number, externalId: string, status: string) => applied.run(channelId, externalId, status),
    /**
     * Deletes up to `limit` statuses received before `before`, applied or not: applying is upwards
     * only and idempotent, so a forgotten one redelivered changes nothing. Call inside a write transaction.
     */
    prune: (before: number, limit: number): number => prune.run(before, limit).changes,
  }
}
export type StatusesStore = ReturnType<typeof statusesStore>
