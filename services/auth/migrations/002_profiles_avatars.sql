-- Profiles: an avatar version per user (clients cache avatars by (user, version)) and account deletion.
ALTER TABLE users
  ADD COLUMN IF NOT EXISTS avatar_version INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS deleted_at_ms BIGINT NULL;

-- Avatars as re-encoded 128x128 PNGs (a few KiB), one row per user.
CREATE TABLE IF NOT EXISTS avatars (
  user_id BIGINT UNSIGNED NOT NULL,
  version INT UNSIGNED NOT NULL,
  png MEDIUMBLOB NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB;
