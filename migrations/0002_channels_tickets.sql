-- Kumquat 0002: channels, contacts, tickets, messages, media, the inbound event store, statuses,
-- and the outbox. Times are integer milliseconds since the epoch (UTC).

CREATE TABLE channels (
  id            INTEGER PRIMARY KEY,
  type          TEXT NOT NULL CHECK (type IN ('whatsapp', 'webchat', 'email')),
  name          TEXT NOT NULL,
  sector_id     INTEGER NOT NULL REFERENCES sectors (id),
  bot_flow_id   INTEGER,                 -- NULL: no bot (straight to the sector's queue)
  webhook_key   TEXT NOT NULL UNIQUE,    -- random path segment of the webhook URL
  settings      TEXT NOT NULL DEFAULT '{}', -- JSON, non-secret (phone_number_id, waba_id, graph_base_url, graph_version, ...)
  secrets       TEXT NOT NULL DEFAULT '', -- AES-256-GCM sealed JSON (access_token, app_secret, verify_token)
  lookup_key    TEXT,                    -- phone_number_id for WhatsApp: routes deliveries
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'disabled')),
  status_reason TEXT,                    -- why the outbox is paused (token expired, blocked...)
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX channels_lookup ON channels (type, lookup_key) WHERE lookup_key IS NOT NULL;

-- A channel identity of a customer (WhatsApp wa_id / business-scoped user id, e-mail, visitor).
CREATE TABLE contacts (
  id           INTEGER PRIMARY KEY,
  channel_id   INTEGER NOT NULL REFERENCES channels (id),
  external_key TEXT NOT NULL,           -- wa_id (or user_id when wa_id is empty)
  name         TEXT,
  phone        TEXT,
  customer_id  INTEGER,
  opted_out    INTEGER NOT NULL DEFAULT 0 CHECK (opted_out IN (0, 1)),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (channel_id, external_key)
) STRICT;

-- Protocol numbers: YYYYMMDD + a daily sequence; the counter row makes them unique and never reused.
CREATE TABLE protocol_days (
  day  TEXT PRIMARY KEY,                -- 'YYYYMMDD' in the installation's time zone
  last INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE tickets (
  id                INTEGER PRIMARY KEY,
  protocol          TEXT NOT NULL UNIQUE,
  channel_id        INTEGER NOT NULL REFERENCES channels (id),
  contact_id        INTEGER NOT NULL REFERENCES contacts (id),
  status            TEXT NOT NULL CHECK (status IN ('bot', 'queued', 'open', 'closed')),
  sector_id         INTEGER REFERENCES sectors (id),
  assignee_id       INTEGER REFERENCES users (id),
  customer_id       INTEGER,
  anonymous         INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
  confidential      INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),
  classification_id INTEGER,
  last_inbound_at   INTEGER,            -- provider timestamp of the customer's last message (24 h window)
  created_at        INTEGER NOT NULL,
  queued_at         INTEGER,
  assigned_at       INTEGER,
  first_response_at INTEGER,
  closed_at         INTEGER,
  updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX tickets_contact_open ON tickets (contact_id, status);
CREATE INDEX tickets_status ON tickets (status, sector_id, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX tickets_channel ON tickets (channel_id, id);
CREATE INDEX tickets_updated ON tickets (updated_at, id);

-- Files, content-addressed under <data>/media/<sha256[0:2]>/<sha256>.
CREATE TABLE media (
  id                INTEGER PRIMARY KEY,
  channel_id        INTEGER REFERENCES channels (id),
  provider_media_id TEXT,               -- id on the provider (download source, or upload result)
  sha256            TEXT,               -- hex of the stored bytes (NULL until downloaded)
  expected_sha256   TEXT,               -- as announced by the provider (base64 or hex)
  mime_type         TEXT NOT NULL,
  filename          TEXT,
  size              INTEGER,
  status            TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,
  error             TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX media_pending ON media (status, next_attempt_at);

CREATE TABLE messages (
  id            INTEGER PRIMARY KEY,
  ticket_id     INTEGER NOT NULL REFERENCES tickets (id),
  channel_id    INTEGER NOT NULL REFERENCES channels (id),
  direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  author        TEXT NOT NULL CHECK (author IN ('customer', 'bot', 'agent', 'system')),
  author_id     INTEGER REFERENCES users (id),
  type          TEXT NOT NULL,
  text          TEXT,
  media_id      INTEGER REFERENCES media (id),
  location      TEXT,                   -- JSON { latitude, longitude, name, address, url }
  extra         TEXT,                   -- JSON: contacts, interactive id, button payload, referral, context, errors, template
  reply_to_id   INTEGER REFERENCES messages (id),
  external_id   TEXT,                   -- provider id (wamid)
  reply_to_external_id TEXT,            -- quoted provider id, kept until the quoted message is known
  status        TEXT NOT NULL CHECK (status IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
  error_code    INTEGER,
  error_title   TEXT,
  error_message TEXT,
  provider_at   INTEGER,                -- provider timestamp
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX messages_external ON messages (channel_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX messages_ticket ON messages (ticket_id, id);
CREATE INDEX messages_reply_pending ON messages (channel_id, reply_to_external_id) WHERE reply_to_external_id IS NOT NULL AND reply_to_id IS NULL;

-- Every webhook delivery, stored as received (raw bytes) before it is acknowledged.
CREATE TABLE inbound_events (
  id           INTEGER PRIMARY KEY,
  channel_id   INTEGER NOT NULL REFERENCES channels (id),
  received_at  INTEGER NOT NULL,
  body         BLOB NOT NULL,
  status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  error        TEXT,
  processed_at INTEGER
) STRICT;
CREATE INDEX inbound_events_pending ON inbound_events (status, id);

-- Delivery statuses from the provider, deduplicated on (message id, status). One that arrives
-- before our send stored the wamid waits here (applied = 0) until it appears.
CREATE TABLE message_statuses (
  channel_id  INTEGER NOT NULL REFERENCES channels (id),
  external_id TEXT NOT NULL,
  status      TEXT NOT NULL,
  provider_at INTEGER,
  errors      TEXT,
  applied     INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  received_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, external_id, status)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_statuses_unapplied ON message_statuses (channel_id, external_id) WHERE applied = 0;

-- Outbound calls, committed with the change that needs them; a worker sends and retries.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  channel_id      INTEGER NOT NULL REFERENCES channels (id),
  ticket_id       INTEGER REFERENCES tickets (id),
  message_id      INTEGER REFERENCES messages (id),
  kind            TEXT NOT NULL CHECK (kind IN ('send', 'mark_read')),
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
CREATE INDEX outbox_ticket ON outbox (ticket_id, status, id);
