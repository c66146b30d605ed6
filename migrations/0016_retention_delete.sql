-- Kumquat 0016: data retention's 'delete' mode (issue 8) deletes old closed tickets with their rows.
-- With foreign keys on, deleting a parent row makes SQLite look for rows still pointing at it, in
-- every child table; without an index on the child column that is a full scan per deleted row
-- (scripts/bench/retention-delete.ts, 40,000 messages: 9.3 s per batch of 200 tickets holding the
-- write lock, 31 ms with these). These are the child columns that had none. Partial: most rows
-- hold NULL there, so the indexes stay small.
CREATE INDEX messages_reply_to ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;
CREATE INDEX surveys_message ON surveys (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX tickets_survey ON tickets (survey_id) WHERE survey_id IS NOT NULL;
CREATE INDEX bulk_rows_ticket ON bulk_rows (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX bulk_rows_message ON bulk_rows (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX alerts_ticket ON alerts (ticket_id) WHERE ticket_id IS NOT NULL;
