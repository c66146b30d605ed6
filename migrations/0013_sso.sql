-- Kumquat 0013: Single sign-on with OpenID Connect (issue 8).
-- Times are integer milliseconds since the epoch (UTC).

-- The identity provider (one per installation: the company's Entra ID tenant, Google Workspace or
-- Keycloak). The client secret is sealed with AES-256-GCM (src/db/sealed.ts), never stored plain.
CREATE TABLE sso_provider (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),
  kind                 TEXT NOT NULL CHECK (kind IN ('microsoft', 'generic')),
  label                TEXT NOT NULL,
  tenant_id            TEXT NOT NULL DEFAULT '',   -- microsoft: the directory (tenant) GUID
  issuer_url           TEXT NOT NULL DEFAULT '',   -- generic: the issuer identifier
  client_id            TEXT NOT NULL,
  client_secret_sealed TEXT,
  scopes               TEXT NOT NULL,
  auto_create          INTEGER NOT NULL DEFAULT 0 CHECK (auto_create IN (0, 1)),
  default_profile_id   INTEGER REFERENCES profiles (id),
  default_sector_ids   TEXT NOT NULL DEFAULT '[]', -- JSON array of sector ids
  allowed_domains      TEXT NOT NULL DEFAULT '[]', -- JSON array of lower-case domains; [] = any
  enabled              INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  updated_at           INTEGER NOT NULL,
  updated_by           INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;

-- One row per login started: state, nonce and PKCE verifier, bound to the browser that started it
-- (the hash of a random cookie value). A callback claims its row once (used_at), so a replayed
-- callback URL is refused; rows are purged a day after they expire.
CREATE TABLE sso_logins (
  state_hash    TEXT PRIMARY KEY,
  browser_hash  TEXT NOT NULL,
  nonce         TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  next          TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER
) STRICT;
CREATE INDEX sso_logins_expires ON sso_logins (expires_at);

-- The provider account (issuer + subject) a Kumquat user signed in with, linked on the first
-- login by e-mail: later logins follow the link, so changing the e-mail at the provider cannot
-- move an account onto another Kumquat user.
CREATE TABLE sso_identities (
  issuer        TEXT NOT NULL,
  subject       TEXT NOT NULL,
  user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    INTEGER NOT NULL,
  last_login_at INTEGER NOT NULL,
  PRIMARY KEY (issuer, subject)
) STRICT;
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- Per user: password login switched off (then only single sign-on works for them).
ALTER TABLE users ADD COLUMN password_login_disabled INTEGER NOT NULL DEFAULT 0 CHECK (password_login_disabled IN (0, 1));
