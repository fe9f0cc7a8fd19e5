-- Mentions (issue 23 item 4): the users an entry's text names as "@username", resolved when it is
-- sent or edited. One row per entry and user: a message's rows are its mentions now (an edit
-- replaces them, a deletion removes them); a message_edited entry's rows are those of its new text,
-- so a catch-up reads what was delivered live. added: the entry newly mentions the user (every
-- mention of a message; of an edit, those the text before did not have). message_id is the
-- entry's, so a user's mentions are read newest first by the second key, however many there are.
CREATE TABLE IF NOT EXISTS message_mentions (
  conversation_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  username VARCHAR(64) NOT NULL,
  added TINYINT(1) NOT NULL DEFAULT 1,
  position SMALLINT UNSIGNED NOT NULL,
  message_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (conversation_id, seq, user_id),
  KEY idx_message_mentions_user (user_id, message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
