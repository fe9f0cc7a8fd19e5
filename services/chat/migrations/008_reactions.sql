-- Reactions (issue 23 item 3): the reactions messages carry now, one row per user and emoji. Each
-- change is also an entry of the conversation (reaction_added / reaction_removed, target_seq: the
-- message), so it is delivered and caught up with by seq; this table is what reads join. The
-- primary key makes a user's reaction with one emoji unique and keeps a message's reactions
-- together, so the reactions of a page of messages are read by key. entry_seq is the seq of the
-- reaction_added entry: the order users reacted in. emoji is compared byte for byte (a skin tone
-- is another reaction), at most 32 bytes.
CREATE TABLE IF NOT EXISTS message_reactions (
  conversation_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  emoji VARBINARY(32) NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  username VARCHAR(64) NOT NULL,
  entry_seq BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (conversation_id, seq, emoji, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
