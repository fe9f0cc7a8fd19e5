-- Room moderators (issue 19 item 13): the owner makes members moderators, who may remove, ban and
-- unban members but not the owner or one another. 'moderator' goes last in the ENUM, so existing
-- rows keep their values and MariaDB changes only the table's metadata (no copy of the table).
ALTER TABLE conversation_members
  MODIFY COLUMN role ENUM('owner', 'member', 'moderator') NOT NULL DEFAULT 'member';
