-- Kumquat 0005: permissions for customers, customer types, classifications and quick replies.
-- The built-in admin profile holds every permission by key (src/admin/permissions.ts). Agents
-- create and edit customers from the protocol form; supervisors also keep the classifications and
-- the sector and global quick replies (tags rápidas). Each name is appended only when missing, so
-- a profile an admin already edited keeps its other permissions and gets no duplicates.

UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'customers.view')
 WHERE key IN ('supervisor', 'agent') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'customers.view');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'customers.manage')
 WHERE key IN ('supervisor', 'agent') AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'customers.manage');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'classifications.manage')
 WHERE key = 'supervisor' AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'classifications.manage');
UPDATE profiles SET permissions = json_insert(permissions, '$[#]', 'quick_replies.manage')
 WHERE key = 'supervisor' AND NOT EXISTS (SELECT 1 FROM json_each(profiles.permissions) WHERE value = 'quick_replies.manage');

-- The customer-types page counts customers per type.
CREATE INDEX customers_type ON customers (type_id) WHERE type_id IS NOT NULL;
