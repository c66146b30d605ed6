-- Kumquat 0012: Customer types' custom fields, contacts linked to customers, imports (issue 5).
-- Times are integer milliseconds since the epoch (UTC).

-- Campos personalizados: per customer type, in the order an admin chose. `key` names the field in
-- the API (`fields: { <key>: value }`) and as a CSV column; it and `kind` are fixed once created
-- (stored values were checked against the kind). `options` is a JSON array of strings for 'choice'.
CREATE TABLE customer_fields (
  id         INTEGER PRIMARY KEY,
  type_id    INTEGER NOT NULL REFERENCES customer_types (id),
  key        TEXT NOT NULL,
  label      TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'choice')),
  options    TEXT NOT NULL DEFAULT '[]',
  required   INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
  position   INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (type_id, key)
) STRICT;
CREATE INDEX customer_fields_order ON customer_fields (type_id, position, id);

-- One value per customer and field, stored as text in a canonical form: a number as JS prints it
-- ("1500.5"), a date as ISO "YYYY-MM-DD", a choice as one of the options. Blank = no row.
CREATE TABLE customer_field_values (
  customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  field_id    INTEGER NOT NULL REFERENCES customer_fields (id) ON DELETE CASCADE,
  value       TEXT NOT NULL,
  PRIMARY KEY (customer_id, field_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX customer_field_values_field ON customer_field_values (field_id);

-- CSV imports: the uploaded file is kept between the dry run and the import (the import re-checks
-- every row against the database as it is then), with the rejected rows of the last check.
CREATE TABLE customer_imports (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  filename   TEXT NOT NULL,
  body       TEXT NOT NULL,                -- emptied once imported
  header     TEXT NOT NULL DEFAULT '[]',   -- JSON: the file's header cells
  status     TEXT NOT NULL CHECK (status IN ('preview', 'imported')),
  total      INTEGER NOT NULL DEFAULT 0,
  valid      INTEGER NOT NULL DEFAULT 0,
  imported   INTEGER NOT NULL DEFAULT 0,
  rejected   TEXT NOT NULL DEFAULT '[]',   -- JSON [{ line, cells: [..], reasons: [..] }]
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX customer_imports_user ON customer_imports (user_id, id);

-- The customer page lists a customer's tickets newest first.
CREATE INDEX tickets_customer_id ON tickets (customer_id, id) WHERE customer_id IS NOT NULL;
