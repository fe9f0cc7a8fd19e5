-- Pinned messages (issue 23 item 8): at most 50 per conversation, one row each. Each pin and unpin
-- is also an entry of the conversation (message_pinned / message_unpinned, target_seq: the
-- message), so it is delivered and caught up with by seq; this table is the list ListPins reads.
-- Deleting a message removes its row. entry_seq is the seq of the message_pinned entry.
CREATE TABLE IF NOT EXISTS message_pins (
  conversation_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  pinned_by BIGINT UNSIGNED NOT NULL,
  pinned_by_name VARCHAR(64) NOT NULL,
  pinned_at_ms BIGINT NOT NULL,
  entry_seq BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
