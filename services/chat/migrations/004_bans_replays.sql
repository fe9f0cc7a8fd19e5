-- Room bans (issue 19): a banned user cannot join the room again until the owner lifts the ban.
CREATE TABLE IF NOT EXISTS room_bans (
  conversation_id BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  banned_by BIGINT UNSIGNED NOT NULL,
  banned_at_ms BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) ENGINE=InnoDB;

-- A replayed client_msg_id must name the same entry it named first (issue 19). The conversation,
-- type and target never change, but a message's body does when it is edited or deleted, so the
-- SHA-256 of the text as first sent is kept beside it. Entries from before this migration have
-- none; their replays are compared on conversation, type and target only.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS body_sha256 BINARY(32) NULL;
