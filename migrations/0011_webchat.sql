-- Kumquat 0011: WebChat channel: visitors, sessions (issue 10).
-- Times are integer milliseconds since the epoch (UTC).

-- One visitor session: the widget's credential (only its sha256 is kept) and what the visitor told
-- us in the pre-chat form. Each session has its own contact (contacts.external_key = visitor id),
-- so a session reads exactly its contact's tickets.
CREATE TABLE webchat_sessions (
  id              INTEGER PRIMARY KEY,
  channel_id      INTEGER NOT NULL REFERENCES channels (id),
  contact_id      INTEGER NOT NULL REFERENCES contacts (id),
  token_hash      TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  email           TEXT,
  phone           TEXT,
  code            TEXT,                 -- CPF/CNPJ, normalised
  customer_id     INTEGER,
  consent_at      INTEGER NOT NULL,     -- when the visitor ticked the consent box
  consent_version INTEGER NOT NULL,     -- the channel's consent text version they agreed to
  consent_text    TEXT NOT NULL,        -- that text, as shown (LGPD: what was agreed to)
  page_url        TEXT,
  user_agent      TEXT,
  locale          TEXT,
  ip              TEXT,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX webchat_sessions_contact ON webchat_sessions (contact_id);
