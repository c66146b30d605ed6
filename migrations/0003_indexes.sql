-- Kumquat 0003: indexes for queries added with the desk API and the sender.
CREATE INDEX messages_media ON messages (media_id) WHERE media_id IS NOT NULL;
CREATE INDEX outbox_message ON outbox (message_id, kind) WHERE message_id IS NOT NULL;
