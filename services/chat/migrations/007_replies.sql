-- Replies (issue 23 item 2): a message may quote an earlier message of its conversation by seq.
-- 0 for every other entry and for messages from before this migration. The quoted message is read
-- with a join on (conversation_id, seq), the primary key, so it needs no index of its own.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS reply_to_seq BIGINT UNSIGNED NOT NULL DEFAULT 0;
