-- Kumquat 0001: the foundation — users, profiles, sectors, sessions, API tokens, live events.
-- Times are integer milliseconds since the epoch (UTC).

CREATE TABLE profiles (
  id          INTEGER PRIMARY KEY,
  key         TEXT UNIQUE,              -- 'admin' | 'supervisor' | 'agent' for the built-ins, NULL for custom
  name        TEXT NOT NULL,
  permissions TEXT NOT NULL DEFAULT '[]', -- JSON array of permission names
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE sectors (
  id                     INTEGER PRIMARY KEY,
  name                   TEXT NOT NULL,
  routing                TEXT NOT NULL DEFAULT 'auto' CHECK (routing IN ('auto', 'offer')),
  offer_timeout_s        INTEGER NOT NULL DEFAULT 30 CHECK (offer_timeout_s BETWEEN 5 AND 600),
  business_hours_id      INTEGER,
  survey                 TEXT NOT NULL DEFAULT 'none' CHECK (survey IN ('none', 'csat', 'nps', 'ces')),
  require_classification INTEGER NOT NULL DEFAULT 0 CHECK (require_classification IN (0, 1)),
  active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX sectors_name ON sectors (name COLLATE NOCASE);

CREATE TABLE users (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL,
  email            TEXT NOT NULL,           -- stored lower-cased
  password_hash    TEXT,                     -- NULL: cannot log in with a password
  profile_id       INTEGER NOT NULL REFERENCES profiles (id),
  active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  language         TEXT CHECK (language IN ('pt-BR', 'en')), -- NULL: the installation default
  presence         TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('available', 'paused', 'offline')),
  presence_reason  TEXT,
  presence_since   INTEGER NOT NULL,
  last_assigned_at INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_profile ON users (profile_id);

CREATE TABLE user_sectors (
  user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sector_id INTEGER NOT NULL REFERENCES sectors (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, sector_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_sectors_sector ON user_sectors (sector_id, user_id);

-- Atendimentos simultâneos: how many tickets of a channel type an agent may hold at once.
CREATE TABLE user_channel_limits (
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel_type TEXT NOT NULL CHECK (channel_type IN ('whatsapp', 'webchat', 'email')),
  max_open     INTEGER NOT NULL CHECK (max_open BETWEEN 0 AND 1000),
  PRIMARY KEY (user_id, channel_type)
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,   -- sha256 of the cookie value; the cookie itself is never stored
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token   TEXT NOT NULL,
  remember     INTEGER NOT NULL DEFAULT 0 CHECK (remember IN (0, 1)),
  ip           TEXT,
  user_agent   TEXT,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  revoked_at   INTEGER
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id, revoked_at, expires_at);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  label        TEXT NOT NULL,
  prefix       TEXT NOT NULL,          -- first characters, shown in lists so a token can be recognised
  token_hash   TEXT NOT NULL UNIQUE,   -- sha256 of the token
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id, revoked_at);

-- Committed facts to fan out over SSE. The id is the SSE `id:`; the table is the replay buffer.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  topics     TEXT NOT NULL,            -- JSON array of 'user:1' | 'sector:2' | 'ticket:3' | 'supervisor'
  name       TEXT NOT NULL,            -- 'presence.updated', 'ticket.created', ...
  data       TEXT NOT NULL             -- JSON: the full resource
) STRICT;

-- Security-relevant actions (append-only; nothing in the app updates or deletes these rows).
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor_id    INTEGER,
  action      TEXT NOT NULL,
  object_type TEXT,
  object_id   TEXT,
  ip          TEXT,
  details     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The built-in access profiles. Admin holds every permission (checked in code by key as well, so a
-- permission added later reaches admins without a migration).
INSERT INTO profiles (key, name, permissions, created_at, updated_at) VALUES
  ('admin', 'Administrador', '["users.view","users.manage","sectors.view","sectors.manage","profiles.manage","channels.manage","settings.manage","audit.view","monitoring.view","tickets.view_all","reports.view","tokens.manage"]', 0, 0),
  ('supervisor', 'Supervisor', '["users.view","sectors.view","monitoring.view","tickets.view_all","reports.view"]', 0, 0),
  ('agent', 'Atendente', '[]', 0, 0);
