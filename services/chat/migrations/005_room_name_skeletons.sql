-- Look-alike room names (issue 19): name_skeleton is the room name's confusables skeleton (Unicode
-- TR39 after case folding, NameSkeleton in libs/common/text.h), unique, so "lоbby" with a Cyrillic
-- о cannot be created beside "lobby". NULL for direct conversations, and for rooms made before this
-- migration until natter-chat fills it in at startup (BackfillRoomNameSkeletons in room_service.h);
-- UNIQUE allows any number of NULLs meanwhile.
ALTER TABLE conversations
  ADD COLUMN IF NOT EXISTS name_skeleton VARBINARY(2048) NULL AFTER name_key,
  ADD UNIQUE KEY IF NOT EXISTS uq_conversations_name_skeleton (name_skeleton);
