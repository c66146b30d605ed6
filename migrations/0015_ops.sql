-- Kumquat 0015: Operations housekeeping (issue 9).
-- Times are integer milliseconds since the epoch (UTC).

-- Housekeeping (src/ops/housekeeping.ts) prunes delivery statuses by age: old ones only deduplicate
-- redeliveries Meta stopped sending long ago, or wait for a message that will never be ours.
CREATE INDEX message_statuses_received ON message_statuses (received_at);
