-- Private rooms (issue 23 item 6). A room is public (listed, joined by name) or private (unlisted,
-- joined only by accepting an invitation); history says what its members may read: 'all' its
-- entries, or 'since_join' only those from their own member_joined entry on (joined_seq).
-- muted_until_ms: a moderator's mute of a member, who reads but cannot post (0: not muted;
-- 253402300799000: until unmuted; otherwise its end, kept after it has run out). Members from
-- before this migration have joined_seq 0: they read everything, as they could when they joined.
ALTER TABLE conversations
  ADD COLUMN IF NOT EXISTS private TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS history VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
    DEFAULT 'all';

ALTER TABLE conversation_members
  ADD COLUMN IF NOT EXISTS joined_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS muted_until_ms BIGINT NOT NULL DEFAULT 0;

-- Pending invitations, one per room and invitee; a row goes when it is accepted, declined or
-- cancelled, or when the invitee is banned. inviter: the inviter's username when they invited.
-- The keys count the pending invitations a user has and an inviter has sent (each is limited).
CREATE TABLE IF NOT EXISTS room_invitations (
  conversation_id BIGINT UNSIGNED NOT NULL,
  invitee_id BIGINT UNSIGNED NOT NULL,
  inviter_id BIGINT UNSIGNED NOT NULL,
  inviter VARCHAR(64) NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, invitee_id),
  KEY idx_room_invitations_invitee (invitee_id, created_at_ms),
  KEY idx_room_invitations_inviter (inviter_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
