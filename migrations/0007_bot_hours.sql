-- Kumquat 0007: pre-service — bot flows (versioned), the pre-service state of each ticket, business
-- hours calendars with their holidays, and each sector's out-of-hours settings.
-- Times are integer milliseconds since the epoch (UTC).

-- A bot flow. Its steps live in versions: editing a flow stores a new version, and a conversation
-- finishes on the version it started with. `builtin` marks the default flow Kumquat ships (new
-- channels use it); it can be edited like any other but not deleted.
CREATE TABLE bot_flows (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  builtin         INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
  current_version INTEGER NOT NULL,      -- the version new conversations start on
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX bot_flows_builtin ON bot_flows (builtin) WHERE builtin = 1;

CREATE TABLE bot_flow_versions (
  flow_id    INTEGER NOT NULL REFERENCES bot_flows (id) ON DELETE CASCADE,
  version    INTEGER NOT NULL,
  definition TEXT NOT NULL,              -- JSON: { name, start, settings, steps[] } (src/bot/flow.ts)
  created_by INTEGER REFERENCES users (id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (flow_id, version)
) STRICT, WITHOUT ROWID;

-- The pre-service phase of a ticket: the bot conversation (flow version, current step, attempts,
-- data collected, the options last shown) and how it ended. Written in the same transaction as the
-- inbound message that moves it, so a restart continues at the same step. A ticket closed out of
-- hours without a bot also gets a row (flow_id NULL, outcome 'out_of_hours').
CREATE TABLE pre_service (
  ticket_id        INTEGER PRIMARY KEY REFERENCES tickets (id),
  flow_id          INTEGER REFERENCES bot_flows (id),
  version          INTEGER,
  step             TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  vars             TEXT NOT NULL DEFAULT '{}', -- JSON: the data collected (name → value)
  shown            TEXT,                       -- JSON: the options of the menu last sent
  status           TEXT NOT NULL CHECK (status IN ('active', 'done')),
  outcome          TEXT CHECK (outcome IN ('handoff', 'human', 'resolved', 'abandoned', 'out_of_hours', 'taken_over', 'error')),
  last_activity_at INTEGER NOT NULL,           -- the customer's last message or the bot's last question
  reminded         INTEGER NOT NULL DEFAULT 0 CHECK (reminded IN (0, 1)),
  due_at           INTEGER,                    -- when the inactivity reminder or the abandonment is due
  started_at       INTEGER NOT NULL,
  ended_at         INTEGER
) STRICT;
CREATE INDEX pre_service_due ON pre_service (status, due_at);
CREATE INDEX pre_service_flow ON pre_service (flow_id, version, status);
CREATE INDEX pre_service_outcome ON pre_service (outcome, ended_at); -- reports: abandoned in a period

-- Horários de atendimento. `weekly` is JSON: 7 lists (Sunday first) of [start, end) minute pairs
-- in the calendar's time zone, e.g. [[], [[480, 720], [780, 1080]], ...].
CREATE TABLE business_hours (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL,
  time_zone          TEXT NOT NULL,
  weekly             TEXT NOT NULL,
  national_holidays  INTEGER NOT NULL DEFAULT 1 CHECK (national_holidays IN (0, 1)), -- Brazilian national holidays, movable ones included
  message            TEXT NOT NULL,       -- the out-of-hours auto-reply ({abertura} = next opening)
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX business_hours_name ON business_hours (name COLLATE NOCASE);

-- Feriados of a calendar: a fixed date ('YYYY-MM-DD') or a yearly one ('MM-DD', recurring = 1).
CREATE TABLE holidays (
  id                INTEGER PRIMARY KEY,
  business_hours_id INTEGER NOT NULL REFERENCES business_hours (id) ON DELETE CASCADE,
  date              TEXT NOT NULL,
  recurring         INTEGER NOT NULL DEFAULT 0 CHECK (recurring IN (0, 1)),
  name              TEXT NOT NULL,
  created_at        INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX holidays_date ON holidays (business_hours_id, date);

-- What a sector does outside its hours (sectors.business_hours_id names the calendar): queue the
-- ticket for the next opening or close it, an optional message of its own, and whether agents
-- keep receiving its tickets anyway. No row = queue, the calendar's message, not keep working.
CREATE TABLE sector_hours (
  sector_id    INTEGER PRIMARY KEY REFERENCES sectors (id) ON DELETE CASCADE,
  out_of_hours TEXT NOT NULL DEFAULT 'queue' CHECK (out_of_hours IN ('queue', 'close')),
  keep_working INTEGER NOT NULL DEFAULT 0 CHECK (keep_working IN (0, 1)),
  message      TEXT,
  updated_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sectors_business_hours ON sectors (business_hours_id) WHERE business_hours_id IS NOT NULL;
