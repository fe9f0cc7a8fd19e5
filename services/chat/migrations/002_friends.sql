-- Friendships (two rows per friendship, one per side), pending requests, blocks, and each user's durable
-- personal events with their own sequence (user_event_counters.last_seq, bumped under a row lock).
CREATE TABLE IF NOT EXISTS friendships (
  user_id BIGINT UNSIGNED NOT NULL,
  friend_id BIGINT UNSIGNED NOT NULL,
  since_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, friend_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS friend_requests (
  from_id BIGINT UNSIGNED NOT NULL,
  to_id BIGINT UNSIGNED NOT NULL,
  message VARCHAR(1024) NOT NULL DEFAULT '',
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (from_id, to_id),
  KEY idx_friend_requests_to (to_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS blocks (
  user_id BIGINT UNSIGNED NOT NULL,
  blocked_id BIGINT UNSIGNED NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, blocked_id),
  KEY idx_blocks_blocked (blocked_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS user_event_counters (
  user_id BIGINT UNSIGNED NOT NULL,
  last_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS user_events (
  user_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  event BLOB NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, seq)
) ENGINE=InnoDB;
