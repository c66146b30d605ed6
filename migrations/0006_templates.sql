-- Kumquat 0006: WhatsApp message templates (modelos HSM) and bulk notices (disparos).
-- Times are integer milliseconds since the epoch (UTC).

-- A template as Meta knows it, per channel (a WhatsApp number; its WABA holds the template at
-- Meta). `components` is Meta's JSON (HEADER, BODY, FOOTER, BUTTONS). A template deleted here is
-- kept with status 'DELETED' (Meta refuses the same name for a while, and old messages and bulk
-- runs point at it).
CREATE TABLE templates (
  id               INTEGER PRIMARY KEY,
  channel_id       INTEGER NOT NULL REFERENCES channels (id),
  external_id      TEXT,                 -- Meta's template id (hsm id), text like every Graph id
  name             TEXT NOT NULL,
  language         TEXT NOT NULL,        -- pt_BR, en_US, es, ...
  category         TEXT NOT NULL,        -- MARKETING | UTILITY | AUTHENTICATION (Meta may change it)
  parameter_format TEXT NOT NULL DEFAULT 'POSITIONAL' CHECK (parameter_format IN ('POSITIONAL', 'NAMED')),
  status           TEXT NOT NULL,        -- PENDING, APPROVED, REJECTED, PAUSED, DISABLED, ... (Meta's words)
  status_at        INTEGER NOT NULL DEFAULT 0, -- Meta's time of the status webhook applied last (0 after a change of ours
                                         -- or a sync): an older event arriving late is ignored
  components       TEXT NOT NULL DEFAULT '[]',
  reply_sector_id  INTEGER REFERENCES sectors (id), -- fila de resposta para HSM (NULL: the channel's sector)
  rejected_reason  TEXT,                 -- Meta's reason code (INVALID_FORMAT, ...) or text
  quality_score    TEXT,                 -- GREEN | YELLOW | RED | UNKNOWN (quality webhook)
  created_by       INTEGER REFERENCES users (id),
  synced_at        INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX templates_name ON templates (channel_id, name, language);
CREATE INDEX templates_external ON templates (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX templates_channel_status ON templates (channel_id, status, name);

-- A bulk notice: one approved template sent to a list of numbers, at a bounded rate.
CREATE TABLE bulk_runs (
  id           INTEGER PRIMARY KEY,
  channel_id   INTEGER NOT NULL REFERENCES channels (id),
  template_id  INTEGER NOT NULL REFERENCES templates (id),
  label        TEXT NOT NULL,            -- the uploaded file's name
  status       TEXT NOT NULL CHECK (status IN ('running', 'paused', 'done', 'cancelled')),
  total        INTEGER NOT NULL,
  created_by   INTEGER REFERENCES users (id),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  finished_at  INTEGER
) STRICT;
CREATE INDEX bulk_runs_status ON bulk_runs (status, id);

-- One line of the list. 'queued' = the message is in the outbox; its outcome (sent / failed with
-- the reason) is copied from the message once the sender is done with it.
CREATE TABLE bulk_rows (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES bulk_runs (id),
  line        INTEGER NOT NULL,          -- line number in the uploaded file
  phone       TEXT NOT NULL,             -- as typed
  wa_id       TEXT,                      -- digits, E.164 without '+' (NULL: not a valid number)
  params      TEXT NOT NULL DEFAULT '[]',
  status      TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'sent', 'failed', 'skipped')),
  reason      TEXT,
  contact_id  INTEGER REFERENCES contacts (id),
  ticket_id   INTEGER REFERENCES tickets (id),
  message_id  INTEGER REFERENCES messages (id),
  not_before  INTEGER,                   -- per-number pacing (≈ 1 message / 6 s to the same person)
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX bulk_rows_run ON bulk_rows (run_id, status, id);
CREATE INDEX bulk_rows_in_flight ON bulk_rows (message_id) WHERE status = 'queued';

-- The new permissions reach the built-in profiles (admins hold every permission by key anyway):
-- supervisors send templates and bulk notices, agents send templates. Each name is appended only
-- when missing, so a profile an admin already edited keeps its other permissions.
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'templates.send')
 WHERE key IN ('supervisor', 'agent') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.send');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'bulk.send')
 WHERE key = 'supervisor' AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'bulk.send');
