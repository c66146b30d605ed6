-- Kumquat 0010: Satisfaction surveys (issue 6).
-- Times are integer milliseconds since the epoch (UTC).

-- What a sector or a channel sends at close. A sector's kind stays in sectors.survey (one source
-- of truth with the sectors page); its row here holds the texts. A channel's row holds its own kind:
-- 'inherit' (the default, no row) = the sector's survey; anything else wins over the sector's.
CREATE TABLE survey_settings (
  id               INTEGER PRIMARY KEY,
  sector_id        INTEGER UNIQUE REFERENCES sectors (id),
  channel_id       INTEGER UNIQUE REFERENCES channels (id),
  kind             TEXT NOT NULL DEFAULT 'inherit' CHECK (kind IN ('inherit', 'none', 'csat', 'nps', 'ces')),
  question         TEXT,                -- NULL: the built-in question of the kind
  comment_question TEXT,                -- NULL: no comment asked
  window_hours     INTEGER NOT NULL DEFAULT 24 CHECK (window_hours BETWEEN 1 AND 168),
  thanks           TEXT,                -- NULL: the communication settings' survey_thanks
  updated_at       INTEGER NOT NULL,
  CHECK ((sector_id IS NULL) <> (channel_id IS NULL))
) STRICT;

-- One survey sent at a ticket's close. Sector, agent and channel are those at close (a reopened
-- ticket may move; the answer rates the service that was closed). Texts are copied so a later
-- settings change does not alter what the customer was asked.
CREATE TABLE surveys (
  id               INTEGER PRIMARY KEY,
  ticket_id        INTEGER NOT NULL REFERENCES tickets (id),
  contact_id       INTEGER NOT NULL REFERENCES contacts (id),
  channel_id       INTEGER NOT NULL REFERENCES channels (id),
  sector_id        INTEGER REFERENCES sectors (id),
  agent_id         INTEGER REFERENCES users (id),
  kind             TEXT NOT NULL CHECK (kind IN ('csat', 'nps', 'ces')),
  status           TEXT NOT NULL CHECK (status IN ('sent', 'commenting', 'answered')),
  question         TEXT NOT NULL,
  comment_question TEXT,
  thanks           TEXT NOT NULL,
  score            INTEGER,
  comment          TEXT,
  sent_at          INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  answered_at      INTEGER,
  commented_at     INTEGER,
  notice_at        INTEGER,             -- when the customer was told (once) that an answer was not taken
  message_id       INTEGER REFERENCES messages (id)
) STRICT;
CREATE INDEX surveys_contact ON surveys (contact_id, id);
CREATE INDEX surveys_ticket ON surveys (ticket_id, id);
CREATE INDEX surveys_answered ON surveys (answered_at) WHERE answered_at IS NOT NULL;

-- The ticket's latest survey: ticket reads join it by primary key (no query per ticket).
ALTER TABLE tickets ADD COLUMN survey_id INTEGER REFERENCES surveys (id);
