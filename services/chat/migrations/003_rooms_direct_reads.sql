-- Rooms users create (owner, topic, members), direct conversations between two users, typed entries
-- (edits, deletions and room changes take a seq like messages do) and read markers.
--
-- name_key is the case-folded room name: "Dev" and "dev" are one room. (direct_low, direct_high) are
-- the two participants of a direct conversation, lower id first, so there is one per pair.
-- last_msg_no counts the conversation's messages (type 'message') and messages.msg_no numbers them, so
-- an unread count is a subtraction, not a scan.
ALTER TABLE conversations
  ADD COLUMN IF NOT EXISTS name_key VARCHAR(255) NULL,
  ADD COLUMN IF NOT EXISTS topic VARCHAR(1024) NULL,
  ADD COLUMN IF NOT EXISTS owner_id BIGINT UNSIGNED NULL,
  ADD COLUMN IF NOT EXISTS direct_low BIGINT UNSIGNED NULL,
  ADD COLUMN IF NOT EXISTS direct_high BIGINT UNSIGNED NULL,
  ADD COLUMN IF NOT EXISTS last_msg_no BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS member_count INT UNSIGNED NOT NULL DEFAULT 0,
  ADD UNIQUE KEY IF NOT EXISTS uq_conversations_name_key (name_key),
  ADD UNIQUE KEY IF NOT EXISTS uq_conversations_direct (direct_low, direct_high);

UPDATE conversations SET name_key = name WHERE kind = 'room' AND name_key IS NULL;

ALTER TABLE messages
  ADD COLUMN IF NOT EXISTS type VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
    DEFAULT 'message',
  ADD COLUMN IF NOT EXISTS target_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS target_user_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS edited_at_ms BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS deleted TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS msg_no BIGINT UNSIGNED NOT NULL DEFAULT 0;

-- Before this migration every entry was a message.
UPDATE messages SET msg_no = seq WHERE msg_no = 0;
UPDATE conversations SET last_msg_no = last_seq WHERE last_msg_no = 0;

-- Members of rooms (the lobby has everyone and no rows) and the two participants of a direct
-- conversation.
CREATE TABLE IF NOT EXISTS conversation_members (
  conversation_id BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  role ENUM('owner', 'member') NOT NULL DEFAULT 'member',
  joined_at_ms BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, user_id),
  KEY idx_conversation_members_user (user_id)
) ENGINE=InnoDB;

-- How far each user has read each conversation: the seq, and the msg_no of the last message at or
-- before it.
CREATE TABLE IF NOT EXISTS read_markers (
  user_id BIGINT UNSIGNED NOT NULL,
  conversation_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  msg_no BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (user_id, conversation_id)
) ENGINE=InnoDB;
