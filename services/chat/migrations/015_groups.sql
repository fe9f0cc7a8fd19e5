-- Group conversations (issue 23 item 7): 3 to 100 people made from the creator's friends, with an
-- optional title and no name. A group is a conversation of its own kind, not a room: it has no
-- name or name_key (the rooms' namespace stays the rooms'), so it is never listed and never found
-- by name; it is kept with private = 1 and history = 'since_join' (an added member reads from
-- their member_added entry on, conversation_members.joined_seq; the first members from seq 1).
-- Its title is kept in topic (a group has no topic), owner_id is its creator (who removes
-- members; the longest-standing member after the creator leaves). 'group' goes last in the ENUM,
-- so existing rows keep their values and MariaDB changes only the table's metadata.
ALTER TABLE conversations
  MODIFY COLUMN kind ENUM('room', 'direct', 'group') NOT NULL;
