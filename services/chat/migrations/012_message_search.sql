-- Message search (issue 23 item 5): one row per live message with words in it, written in the
-- transaction that stores, edits or deletes the message. `terms` is the message's text as search
-- terms (services/chat/search_terms.h): NFKC + case folded words, CJK runs as overlapping bigrams
-- plus their last character, each encoded as "x" and the hex of its UTF-8, so every token is 3 to
-- 81 letters and digits and none is a stopword: InnoDB FULLTEXT with the server's default
-- tokenizer, innodb_ft_min_token_size and stopwords keeps them all, on a single server and on
-- Galera (which replicates InnoDB FULLTEXT tables like any other) alike. sender_id and sent_at_ms
-- narrow a search by from: and before:/after:; a hit's text is read from messages.
CREATE TABLE IF NOT EXISTS message_search (
  conversation_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  sender_id BIGINT UNSIGNED NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  terms MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  FULLTEXT KEY ft_message_search_terms (terms)
) ENGINE=InnoDB;

-- Messages from before this migration (and any an older replica stores during a rolling update)
-- are indexed by natter-chat in the background, in batches by messages.id: after_message_id is how
-- far it got (0: nothing yet). A SQL migration cannot normalize text, so it only sets this up.
CREATE TABLE IF NOT EXISTS message_search_backfill (
  id TINYINT UNSIGNED NOT NULL,
  after_message_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;

INSERT IGNORE INTO message_search_backfill (id, after_message_id) VALUES (1, 0);
