-- Kumquat 0014: Outgoing webhooks, per-token rate limits, data retention (issue 8).
-- Times are integer milliseconds since the epoch (UTC).

-- A subscription: events matching `events` (JSON array of patterns: "ticket.*", "message.created",
-- "*") are POSTed to `url`, signed with the secret (sealed like channel secrets). It sees what its
-- creator may see. `cursor` is the last events.id examined: deliveries and the cursor advance in
-- one transaction, so a restart neither loses nor doubles an event.
CREATE TABLE webhooks (
  id                   INTEGER PRIMARY KEY,
  url                  TEXT    NOT NULL,
  description          TEXT    NOT NULL DEFAULT '',
  events               TEXT    NOT NULL,
  secret               TEXT    NOT NULL,
  active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_by           INTEGER NOT NULL REFERENCES users (id),
  cursor               INTEGER NOT NULL DEFAULT 0,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  disabled_reason      TEXT,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
) STRICT;

-- One event for one subscription. The body is kept (the events table is a bounded buffer): a
-- delivery retried for hours, or redelivered from the log, sends the same bytes.
CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY,
  webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id        INTEGER NOT NULL,
  event           TEXT    NOT NULL,
  ticket_id       INTEGER,
  body            TEXT    NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  response_status INTEGER,
  error           TEXT,
  duration_ms     INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (webhook_id, event_id)
) STRICT;
-- The sender takes the oldest pending delivery of each subscription (order per subscription).
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, id) WHERE status = 'pending';
-- The delivery log of a subscription, newest first.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id DESC);
-- LGPD and retention clear the bodies of a ticket's deliveries.
CREATE INDEX webhook_deliveries_ticket ON webhook_deliveries (ticket_id) WHERE ticket_id IS NOT NULL;
-- Old log rows are pruned.
CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created_at);

-- The data-retention job (src/lgpd/retention.ts): one row per run; `last_ticket_id` is how far it
-- got, so a run interrupted by a crash resumes where it stopped.
CREATE TABLE retention_runs (
  id             INTEGER PRIMARY KEY,
  trigger        TEXT    NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  mode           TEXT    NOT NULL,
  cutoff         INTEGER NOT NULL,
  status         TEXT    NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  last_ticket_id INTEGER NOT NULL DEFAULT 0,
  tickets        INTEGER NOT NULL DEFAULT 0,
  files          INTEGER NOT NULL DEFAULT 0,
  actor_id       INTEGER REFERENCES users (id),
  error          TEXT,
  started_at     INTEGER NOT NULL,
  finished_at    INTEGER
) STRICT;

-- Tickets the retention job has cleaned, and how ('media' ⊂ 'anonymize'): a later run skips them.
CREATE TABLE retention_tickets (
  ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
  mode      TEXT    NOT NULL CHECK (mode IN ('media', 'anonymize')),
  at        INTEGER NOT NULL
) STRICT;

-- Media files to delete from disk, written in the transaction that released them and removed
-- after the commit: a crash in between leaves the list, which the next run finishes.
CREATE TABLE retention_files (
  sha256 TEXT PRIMARY KEY
) STRICT;
