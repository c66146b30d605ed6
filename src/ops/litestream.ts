// Checkpoints with and without Litestream (KUMQUAT_LITESTREAM). See README "Litestream" for the
// reasoning; in short:
//
// - Litestream replicates by reading WAL frames before they are folded into the database. It keeps
//   a read transaction open on the database at all times, and does the checkpoints itself (PASSIVE
//   at ~1000 pages and on an interval, TRUNCATE only as an emergency brake for a runaway WAL).
// - SQLite's own auto-checkpoint (PASSIVE, every 1000 pages) cannot move past a reader, so it is
//   harmless beside Litestream and it is kept: if Litestream stops or was never started, the WAL
//   stays bounded instead of filling the disk (which `wal_autocheckpoint = 0` would risk).
// - What must not happen is the application's own RESTART/TRUNCATE checkpoint: it waits (busy
//   timeout) for Litestream's reader and, when it wins the race between Litestream's locks, resets
//   the WAL under Litestream — which then loses its position and has to start a new snapshot
//   ("generation"). Kumquat's only such checkpoint is the one at shutdown, skipped in this mode.
import type { Context } from '../context'

export type ShutdownCheckpoint = 'skipped' | 'truncated' | 'busy'

export function checkpointPolicy(litestream: boolean): string {
  return litestream
    ? 'KUMQUAT_LITESTREAM=1: Litestream owns checkpoints; Kumquat keeps only SQLite\'s PASSIVE auto-checkpoint and never runs TRUNCATE/RESTART'
    : 'Kumquat checkpoints the WAL itself (PASSIVE auto-checkpoint, TRUNCATE at shutdown)'
}

/** At shutdown: fold the WAL back into the database (so a copied file is complete) — unless Litestream owns it. */
export function shutdownCheckpoint(ctx: Pick<Context, 'db' | 'config' | 'log'>): ShutdownCheckpoint {
  if (ctx.config.litestream) {
    ctx.log.info('KUMQUAT_LITESTREAM=1: leaving the WAL to Litestream (no shutdown checkpoint)')
    return 'skipped'
  }
  const row = ctx.db.query<{ busy: number; log: number; checkpointed: number }, []>('PRAGMA wal_checkpoint(TRUNCATE)').get()
  return row && row.busy ? 'busy' : 'truncated'
}
