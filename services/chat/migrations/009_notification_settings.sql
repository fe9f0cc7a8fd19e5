-- Notification settings (issue 23 item 8): one row per user and conversation, for those who changed
-- theirs (no row: "all", not muted), kept beside read_markers and keyed the same way, so listing a
-- user's conversations joins both by key. Each user's own, stored here so every device agrees.
-- level is "all" or "none" as text, so a level can be added ("mentions") without a migration.
-- muted_until_ms: 0 not muted; 253402300799000 (9999-12-31T23:59:59Z) until unmuted; otherwise
-- the end of the mute, kept after it has run out (reads compare it with the time).
CREATE TABLE IF NOT EXISTS notification_settings (
  user_id BIGINT UNSIGNED NOT NULL,
  conversation_id BIGINT UNSIGNED NOT NULL,
  level VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'all',
  muted_until_ms BIGINT NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, conversation_id)
) ENGINE=InnoDB;
