-- Kumquat 0008: supervisor monitoring, reports, alerts and notices (avisos).
-- Times are integer milliseconds since the epoch (UTC).

-- ---- reports -------------------------------------------------------------------------------------
-- The dashboard and GET /api/v1/reports/summary read one period of each time column. Each index
-- covers what its pass reads (no table lookups), so a month of a year with a million tickets is a
-- range scan of ~80k compact index entries per pass (scripts/bench/reports.ts measures it).
CREATE INDEX tickets_report_created ON tickets (created_at, channel_id, sector_id, assignee_id);
CREATE INDEX tickets_report_closed ON tickets (closed_at, channel_id, sector_id, assignee_id, classification_id, queued_at, assigned_at, first_response_at)
  WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_report_assigned ON tickets (assigned_at, queued_at, channel_id, sector_id, assignee_id)
  WHERE assigned_at IS NOT NULL;
CREATE INDEX tickets_report_first_response ON tickets (first_response_at, assigned_at, channel_id, sector_id, assignee_id)
  WHERE first_response_at IS NOT NULL;
-- Monitoring: the offers agents missed today (one range scan of today's offers).
CREATE INDEX offers_offered ON offers (offered_at, user_id, status);

-- ---- monitoring ----------------------------------------------------------------------------------
-- The waiting-time target of a sector: the live page colours a wait green below half of it, amber
-- up to it, red past it. A sector without a row uses the default (5 minutes).
CREATE TABLE sector_targets (
  sector_id     INTEGER PRIMARY KEY REFERENCES sectors (id) ON DELETE CASCADE,
  wait_target_s INTEGER NOT NULL CHECK (wait_target_s BETWEEN 10 AND 86400),
  updated_at    INTEGER NOT NULL
) STRICT;

-- ---- alerts (alertas) ----------------------------------------------------------------------------
-- A rule an admin defines for one sector (NULL: every sector). Kinds:
--   queue_wait       a ticket waits in the queue longer than threshold_min
--   no_agent         tickets wait and no agent of the sector is available (for threshold_min)
--   first_response   an agent has not answered a ticket assigned threshold_min ago
--   customer_waiting the customer's last message has had no answer for threshold_min
--   negative_survey  a survey answer is negative (CSAT ≤ 2, NPS ≤ 6, CES ≤ 3)
CREATE TABLE alert_rules (
  id             INTEGER PRIMARY KEY,
  sector_id      INTEGER REFERENCES sectors (id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('queue_wait', 'no_agent', 'first_response', 'customer_waiting', 'negative_survey')),
  threshold_min  INTEGER NOT NULL DEFAULT 5 CHECK (threshold_min BETWEEN 0 AND 1440),
  cooldown_min   INTEGER NOT NULL DEFAULT 10 CHECK (cooldown_min BETWEEN 0 AND 1440),
  webhook_url    TEXT,                   -- optional outgoing webhook (HTTP POST, HMAC-signed)
  webhook_secret TEXT,                   -- AES-256-GCM sealed (src/db/sealed.ts)
  active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_by     INTEGER REFERENCES users (id),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_rules_active ON alert_rules (active, kind);

-- One row per time a rule's condition started to hold for a subject ('sector:3', 'ticket:120',
-- 'survey:120'). It clears when the condition stops; it stays listed until acknowledged.
CREATE TABLE alerts (
  id         INTEGER PRIMARY KEY,
  rule_id    INTEGER NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  sector_id  INTEGER REFERENCES sectors (id) ON DELETE SET NULL,
  subject    TEXT NOT NULL,
  ticket_id  INTEGER REFERENCES tickets (id),
  user_id    INTEGER REFERENCES users (id),
  details    TEXT NOT NULL DEFAULT '{}',
  fired_at   INTEGER NOT NULL,
  cleared_at INTEGER,
  acked_at   INTEGER,
  acked_by   INTEGER REFERENCES users (id)
) STRICT;
-- At most one active alert per rule and subject, whatever the worker does.
CREATE UNIQUE INDEX alerts_one_active ON alerts (rule_id, subject) WHERE cleared_at IS NULL;
CREATE INDEX alerts_rule_subject ON alerts (rule_id, subject, cleared_at);
CREATE INDEX alerts_unacked ON alerts (acked_at, id);
CREATE INDEX alerts_fired ON alerts (fired_at);

-- Outgoing webhook calls of alerts, committed with the alert; a worker sends and retries.
CREATE TABLE alert_deliveries (
  id              INTEGER PRIMARY KEY,
  alert_id        INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  event           TEXT NOT NULL CHECK (event IN ('alert.fired', 'alert.cleared')),
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_at, id);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, id);

-- ---- notices (avisos) ----------------------------------------------------------------------------
CREATE TABLE notices (
  id            INTEGER PRIMARY KEY,
  title         TEXT NOT NULL,
  body          TEXT NOT NULL DEFAULT '',
  level         TEXT NOT NULL CHECK (level IN ('info', 'warning')),
  target        TEXT NOT NULL CHECK (target IN ('all', 'sector', 'profile')),
  target_id     INTEGER,                 -- the sector or profile; NULL for 'all'
  starts_at     INTEGER NOT NULL,
  ends_at       INTEGER NOT NULL,
  withdrawn_at  INTEGER,                 -- ended early
  started_sent  INTEGER NOT NULL DEFAULT 0 CHECK (started_sent IN (0, 1)), -- its start was pushed live
  ended_sent    INTEGER NOT NULL DEFAULT 0 CHECK (ended_sent IN (0, 1)),   -- its end was pushed live
  created_by    INTEGER REFERENCES users (id),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  CHECK (ends_at > starts_at),
  CHECK ((target = 'all') = (target_id IS NULL))
) STRICT;
CREATE INDEX notices_window ON notices (ends_at, starts_at);
CREATE INDEX notices_to_start ON notices (started_sent, starts_at) WHERE started_sent = 0;
CREATE INDEX notices_to_end ON notices (ended_sent, ends_at) WHERE ended_sent = 0;

CREATE TABLE notice_reads (
  notice_id INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
  user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  read_at   INTEGER NOT NULL,
  PRIMARY KEY (notice_id, user_id)
) STRICT, WITHOUT ROWID;

-- Supervisors publish notices; admins hold every permission by key (alerts.manage included).
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'notices.manage')
 WHERE key = 'supervisor' AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'notices.manage');
