-- Kumquat 0004: the desk — customers, classifications, quick replies, offers (routing), and the
-- history of what happened to each ticket. Times are integer milliseconds since the epoch (UTC).

CREATE TABLE customer_types (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX customer_types_name ON customer_types (name COLLATE NOCASE);

-- Clientes. `code` is a CPF or CNPJ (numeric or alphanumeric), stored normalised: no punctuation, upper case.
CREATE TABLE customers (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  code       TEXT,
  code_type  TEXT CHECK (code_type IN ('cpf', 'cnpj')),
  type_id    INTEGER REFERENCES customer_types (id),
  email      TEXT,
  phone      TEXT,
  notes      TEXT,
  anonymized_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX customers_code ON customers (code) WHERE code IS NOT NULL;
CREATE INDEX customers_name ON customers (name COLLATE NOCASE);

-- Classificações (tabulação): why a ticket was closed. NULL sector = every sector.
CREATE TABLE classifications (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  sector_id  INTEGER REFERENCES sectors (id),
  active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX classifications_sector ON classifications (sector_id, active);

-- Tags rápidas: canned messages typed as /shortcut. Sector-wide (sector_id) or personal (user_id);
-- both NULL = everyone.
CREATE TABLE quick_replies (
  id         INTEGER PRIMARY KEY,
  shortcut   TEXT NOT NULL,
  text       TEXT NOT NULL,
  sector_id  INTEGER REFERENCES sectors (id),
  user_id    INTEGER REFERENCES users (id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX quick_replies_scope ON quick_replies (sector_id, user_id, shortcut);

-- Oferta de cards: a waiting ticket offered to one agent until they accept, decline or time out.
CREATE TABLE offers (
  id           INTEGER PRIMARY KEY,
  ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
  user_id      INTEGER NOT NULL REFERENCES users (id),
  status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled')),
  offered_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  responded_at INTEGER
) STRICT;
-- At most one pending offer per ticket: the database refuses a second one, whatever the code does.
CREATE UNIQUE INDEX offers_one_pending ON offers (ticket_id) WHERE status = 'pending';
CREATE INDEX offers_user ON offers (user_id, status);
CREATE INDEX offers_ticket ON offers (ticket_id, user_id);
CREATE INDEX offers_expiring ON offers (status, expires_at);

-- What happened to a ticket, in order: assignments, offers missed, transfers, closes, reopens.
CREATE TABLE ticket_history (
  id             INTEGER PRIMARY KEY,
  ticket_id      INTEGER NOT NULL REFERENCES tickets (id),
  at             INTEGER NOT NULL,
  actor_id       INTEGER REFERENCES users (id),
  action         TEXT NOT NULL,      -- 'queued' | 'offered' | 'offer_declined' | 'offer_expired' | 'assigned' | 'transferred' | 'closed' | 'reopened' | 'updated'
  from_user_id   INTEGER REFERENCES users (id),
  to_user_id     INTEGER REFERENCES users (id),
  from_sector_id INTEGER REFERENCES sectors (id),
  to_sector_id   INTEGER REFERENCES sectors (id),
  note           TEXT
) STRICT;
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);
CREATE INDEX ticket_history_action ON ticket_history (action, at);

ALTER TABLE tickets ADD COLUMN notes TEXT;                  -- the protocol form's free notes
ALTER TABLE tickets ADD COLUMN close_note TEXT;
ALTER TABLE tickets ADD COLUMN last_read_message_id INTEGER; -- the assignee's read marker (unread counts)
CREATE INDEX tickets_customer ON tickets (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX tickets_queue ON tickets (sector_id, status, queued_at);
