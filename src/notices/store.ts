// Notices (avisos): announcements to everyone, a sector or a profile, between a start and an end,
// marked as read per user. Plain SQL, prepared once.
import type { Database } from 'bun:sqlite'

export type NoticeLevel = 'info' | 'warning'
export type NoticeTarget = 'all' | 'sector' | 'profile'

export interface Notice {
  id: number
  title: string
  body: string
  level: NoticeLevel
  target: NoticeTarget
  target_id: number | null
  starts_at: number
  ends_at: number
  withdrawn_at: number | null
  created_by: number | null
  created_at: number
  updated_at: number
}

export interface NewNotice {
  title: string
  body: string
  level: NoticeLevel
  target: NoticeTarget
  target_id: number | null
  starts_at: number
  ends_at: number
  created_by: number | null
}

/** The user a notice list is for: who they are, where they work, what profile they have. */
export interface Recipient {
  id: number
  profile_id: number
  sector_ids: number[]
}

const COLUMNS = 'n.id, n.title, n.body, n.level, n.target, n.target_id, n.starts_at, n.ends_at, n.withdrawn_at, n.created_by, n.created_at, n.updated_at'
/** Whether the notice reaches the recipient ($user, $profile, $sectors as a JSON array). */
const FOR_RECIPIENT = `(n.target = 'all' OR (n.target = 'profile' AND n.target_id = $profile)
   OR (n.target = 'sector' AND n.target_id IN (SELECT value FROM json_each($sectors))))`

export function noticesStore(db: Database) {
  const insert = db.query<{ id: number }, [string, string, string, string, number | null, number, number, number, number | null, number]>(
    `INSERT INTO notices (title, body, level, target, target_id, starts_at, ends_at, started_sent, created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?10, ?10) RETURNING id`,
  )
  const byId = db.query<Notice, [number]>(`SELECT ${COLUMNS} FROM notices n WHERE n.id = ?`)
  // Current, unread, for one recipient: warnings first, then newest.
  const currentFor = db.query<Notice, Record<string, string | number>>(
    `SELECT ${COLUMNS} FROM notices n
     WHERE n.ends_at > $now AND n.starts_at <= $now AND n.withdrawn_at IS NULL AND ${FOR_RECIPIENT}
       AND NOT EXISTS (SELECT 1 FROM notice_reads r WHERE r.notice_id = n.id AND r.user_id = $user)
     ORDER BY n.level = 'warning' DESC, n.starts_at DESC, n.id DESC LIMIT $limit`,
  )
  // Every notice the recipient is or was a recipient of (the notices page), newest first.
  const allFor = db.query<Notice & { read_at: number | null }, Record<string, string | number>>(
    `SELECT ${COLUMNS}, (SELECT r.read_at FROM notice_reads r WHERE r.notice_id = n.id AND r.user_id = $user) AS read_at
     FROM notices n WHERE n.id < $before AND (${FOR_RECIPIENT} OR $manage = 1)
     ORDER BY n.id DESC LIMIT $limit`,
  )
  const markRead = db.query<unknown, [number, number, number]>(
    'INSERT INTO notice_reads (notice_id, user_id, read_at) VALUES (?, ?, ?) ON CONFLICT (notice_id, user_id) DO NOTHING',
  )
  const withdraw = db.query<unknown, [number, number]>(
    'UPDATE notices SET withdrawn_at = ?1, ended_sent = 1, updated_at = ?1 WHERE id = ?2 AND withdrawn_at IS NULL',
  )
  const toStart = db.query<Notice, [number]>(`SELECT ${COLUMNS} FROM notices n WHERE n.started_sent = 0 AND n.starts_at <= ? ORDER BY n.id LIMIT 100`)
  const toEnd = db.query<Notice, [number]>(`SELECT ${COLUMNS} FROM notices n WHERE n.ended_sent = 0 AND n.ends_at <= ? ORDER BY n.id LIMIT 100`)
  const started = db.query<unknown, [number]>('UPDATE notices SET started_sent = 1 WHERE id = ?')
  const ended = db.query<unknown, [number]>('UPDATE notices SET ended_sent = 1 WHERE id = ?')
  const nextChange = db.query<{ at: number | null }, []>(
    `SELECT min(at) AS at FROM (SELECT min(starts_at) AS at FROM notices WHERE started_sent = 0 UNION ALL SELECT min(ends_at) FROM notices WHERE ended_sent = 0)`,
  )

  const recipientParams = (r: Recipient) => ({ user: r.id, profile: r.profile_id, sectors: JSON.stringify(r.sector_ids) })

  return {
    /** Call inside a write transaction. A notice that starts now is marked as announced (the caller records the event). */
    create(n: NewNotice, now: number): number {
      return insert.get(n.title, n.body, n.level, n.target, n.target_id, n.starts_at, n.ends_at, n.starts_at <= now ? 1 : 0, n.created_by, now)!.id
    },
    get: (id: number): Notice | null => byId.get(id),
    /** The notices showing for a user now: started, not ended, not withdrawn, not read. */
    currentFor: (r: Recipient, now: number, limit = 10): Notice[] => currentFor.all({ ...recipientParams(r), now, limit }),
    /** A page of the notices a user received (or every notice, for `manage`), newest first. */
    listFor: (r: Recipient, manage: boolean, before: number, limit: number) => allFor.all({ ...recipientParams(r), manage: manage ? 1 : 0, before, limit }),
    /** Call inside a write transaction. */
    markRead: (noticeId: number, userId: number, now: number) => markRead.run(noticeId, userId, now).changes === 1,
    /** Call inside a write transaction. False when it was withdrawn already. */
    withdraw: (id: number, now: number): boolean => withdraw.run(now, id).changes === 1,
    /** Notices whose start (or end) has come and was not pushed live yet. */
    dueToStart: (now: number): Notice[] => toStart.all(now),
    dueToEnd: (now: number): Notice[] => toEnd.all(now),
    /** Call inside a write transaction. */
    markStarted: (id: number) => started.run(id),
    /** Call inside a write transaction. */
    markEnded: (id: number) => ended.run(id),
    /** When the next scheduled start or end is due, or null. */
    nextChangeAt: (): number | null => nextChange.get()?.at ?? null,
  }
}
export type NoticesStore = ReturnType<typeof noticesStore>

/** The live-event topics that reach a notice's recipients (src/realtime/routes.tsx topicsFor). */
export function noticeTopics(n: Pick<Notice, 'target' | 'target_id'>): string[] {
  if (n.target === 'sector') return [`sector:${n.target_id}`]
  if (n.target === 'profile') return [`profile:${n.target_id}`]
  return ['all']
}

/** Whether a notice reaches this user (the same rule as the SQL). */
export function reaches(n: Pick<Notice, 'target' | 'target_id'>, r: Recipient): boolean {
  if (n.target === 'all') return true
  if (n.target === 'profile') return n.target_id === r.profile_id
  return n.target_id !== null && r.sector_ids.includes(n.target_id)
}
