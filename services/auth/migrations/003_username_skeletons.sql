-- Look-alike usernames: username_skeleton is the name's confusables skeleton (Unicode TR39 after
-- case folding, NameSkeleton in libs/common/text.h), unique, so "pаypal" with a Cyrillic а cannot
-- join "paypal". NULL for accounts made before this migration until natter-auth fills it in at
-- startup (AuthService::BackfillUsernameSkeletons); UNIQUE allows any number of NULLs meanwhile.
ALTER TABLE users
  ADD COLUMN IF NOT EXISTS username_skeleton VARBINARY(2048) NULL AFTER username_key,
  ADD UNIQUE KEY IF NOT EXISTS uq_users_username_skeleton (username_skeleton);
