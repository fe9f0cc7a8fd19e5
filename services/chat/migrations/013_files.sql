-- Files (issue 23 item 1): pictures and other attachments, in MariaDB so that every replica sees
-- them and the --ha Galera cluster replicates them like messages. Three levels:
--   file_blobs: stored bytes, one row per distinct SHA-256 (dedupe). A blob being uploaded is
--     "staged": sha256 NULL (UNIQUE allows any number) until its last chunk is in; then it is
--     published under its hash, or dropped when that hash is stored already.
--   file_chunks: a blob's bytes (part 0) and an image's thumbnail (part 1) in chunks of at most
--     256 KiB, so no row (and no Galera writeset) is large.
--   files: one row per upload (the file_id clients see): its name and uploader, naming a blob.
--   file_refs: which message carries which file; a download is allowed to the uploader and to the
--     members of any conversation with a ref. A deleted message's ref goes.
CREATE TABLE IF NOT EXISTS file_blobs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sha256 BINARY(32) NULL,
  size BIGINT UNSIGNED NOT NULL DEFAULT 0,
  content_type VARCHAR(100) NOT NULL DEFAULT '',
  width INT UNSIGNED NOT NULL DEFAULT 0,
  height INT UNSIGNED NOT NULL DEFAULT 0,
  thumbnail_size BIGINT UNSIGNED NOT NULL DEFAULT 0,
  staged_by BIGINT UNSIGNED NOT NULL DEFAULT 0,
  created_at_ms BIGINT NOT NULL,
  UNIQUE KEY file_blobs_sha256 (sha256),
  KEY file_blobs_staged (created_at_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS file_chunks (
  blob_id BIGINT UNSIGNED NOT NULL,
  part TINYINT UNSIGNED NOT NULL,
  idx INT UNSIGNED NOT NULL,
  data MEDIUMBLOB NOT NULL,
  PRIMARY KEY (blob_id, part, idx)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS files (
  id CHAR(32) NOT NULL PRIMARY KEY,
  blob_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(255) NOT NULL,
  uploader BIGINT UNSIGNED NOT NULL,
  size BIGINT UNSIGNED NOT NULL,
  created_at_ms BIGINT NOT NULL,
  KEY files_uploader (uploader, created_at_ms),
  KEY files_blob (blob_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS file_refs (
  conversation_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  file_id CHAR(32) NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  KEY file_refs_file (file_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
