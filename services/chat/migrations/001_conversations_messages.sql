-- Conversations and their messages. last_seq is the per-conversation sequence counter: a sender's
-- transaction increments it (row lock) and stores the message under the new value, so seqs are dense.
CREATE TABLE IF NOT EXISTS conversations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  kind ENUM('room', 'direct') NOT NULL,
  name VARCHAR(64) NULL,
  last_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_conversations_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO conversations (kind, name, created_at_ms)
VALUES ('room', 'lobby', CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED));

-- The primary key (conversation_id, seq) clusters a conversation's messages in seq order, so sync and
-- history are range scans however long the conversation grows. (sender_id, client_msg_id) dedupes
-- replayed sends.
CREATE TABLE IF NOT EXISTS messages (
  conversation_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  sender_id BIGINT UNSIGNED NOT NULL,
  sender VARCHAR(64) NOT NULL,
  client_msg_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  body TEXT NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE KEY uq_messages_id (id),
  UNIQUE KEY uq_messages_dedupe (sender_id, client_msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
