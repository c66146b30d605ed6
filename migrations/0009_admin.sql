-- Kumquat 0009: administration — the access-profile matrix, hierarchy levels, the audit log's search
-- index, and indexes for LGPD requests. Times are integer
-- milliseconds since the epoch (UTC).

-- ---- the permission matrix -------------------------------------------------------------------
-- The coarse names (users.manage, templates.manage, ...) get the matrix cells they stood for
-- (src/admin/permissions.ts LEGACY), so the matrix shows what each profile really holds. A profile
-- keeps everything it had: each cell is appended only when missing.
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'users.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'users.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'users.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'users.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'users.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'users.edit');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'users.delete')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'users.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'users.delete');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'sectors.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'sectors.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'sectors.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'sectors.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'sectors.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'sectors.edit');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'profiles.view')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'profiles.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'profiles.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.edit');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'profiles.delete')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'profiles.delete');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'channels.view')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'channels.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'channels.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'channels.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'channels.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'channels.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'channels.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'channels.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'channels.edit');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'settings.view')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'settings.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'settings.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'settings.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'settings.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'settings.edit');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'tokens.view')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tokens.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tokens.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'tokens.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tokens.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tokens.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'tokens.delete')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tokens.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tokens.delete');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'customers.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'customers.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'customers.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'customers.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'customers.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'customers.edit');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'templates.view')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'templates.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'templates.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.edit');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'templates.delete')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.manage') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'templates.delete');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'bulk.view')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'bulk.send') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'bulk.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'bulk.create')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'bulk.send') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'bulk.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'bulk.edit')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'bulk.send') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'bulk.edit');
-- The coarse names stay stored as well (code that checks them keeps working); the matrix page
-- shows their cells and saves only cells.

-- New cells the built-in profiles held implicitly before: confidential tickets went with
-- tickets.view_all; every user could create their own API tokens; supervisors see the hierarchy
-- and the survey results.
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'tickets.confidential')
 WHERE EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tickets.view_all') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tickets.confidential');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'tokens.create')
 WHERE key IN ('supervisor', 'agent') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'tokens.create');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'hierarchy.view')
 WHERE key IN ('supervisor') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'hierarchy.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'surveys.view')
 WHERE key IN ('supervisor') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'surveys.view');

ALTER TABLE profiles ADD COLUMN description TEXT;

-- ---- hierarchy levels (níveis hierárquicos) ----------------------------------------------------
-- Levels are ranked (1 = top). Each user may sit at a level and report to one manager; a manager
-- supervises the sectors of everyone below them (src/hierarchy/scope.ts).
CREATE TABLE hierarchy_levels (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  rank       INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 100),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX hierarchy_levels_name ON hierarchy_levels (name COLLATE NOCASE);

CREATE TABLE user_hierarchy (
  user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  level_id   INTEGER REFERENCES hierarchy_levels (id),
  manager_id INTEGER REFERENCES users (id),
  updated_at INTEGER NOT NULL,
  CHECK (manager_id IS NULL OR manager_id <> user_id)
) STRICT;
CREATE INDEX user_hierarchy_manager ON user_hierarchy (manager_id) WHERE manager_id IS NOT NULL;
CREATE INDEX user_hierarchy_level ON user_hierarchy (level_id) WHERE level_id IS NOT NULL;

-- ---- audit -----------------------------------------------------------------------------------
CREATE INDEX audit_log_action ON audit_log (action, at);

-- ---- LGPD (data subject requests) -----------------------------------------------------------------
-- Export and anonymisation find a customer's contacts, and the bulk-sending lines that reached them.
CREATE INDEX contacts_customer ON contacts (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX bulk_rows_contact ON bulk_rows (contact_id) WHERE contact_id IS NOT NULL;
