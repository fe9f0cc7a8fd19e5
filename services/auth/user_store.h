// The accounts natter-auth keeps (MySQL in production, a fake in unit tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace natter::auth {

struct UserRecord {
  uint64_t id = 0;
  std::string username;
  std::string password_hash;
  std::string display_name;
  uint32_t avatar_version = 0;
  bool deleted = false;
  int64_t created_at_ms = 0;
};

struct NewUser {
  std::string username;
  std::string username_key;
  std::string password_hash;
  std::string display_name;
  int64_t created_at_ms = 0;
};

class UserStore {
 public:
  virtual ~UserStore() = default;
  // ALREADY_EXISTS when `user.username_key` is taken (also by a deleted account).
  virtual absl::StatusOr<uint64_t> CreateUser(const NewUser& user) = 0;
  virtual absl::StatusOr<std::optional<UserRecord>> FindByKey(std::string_view username_key) = 0;
  virtual absl::StatusOr<std::optional<UserRecord>> FindById(uint64_t user_id) = 0;
  // The users that exist among `user_ids`, in no particular order.
  virtual absl::StatusOr<std::vector<UserRecord>> FindByIds(
      const std::vector<uint64_t>& user_ids) = 0;
  virtual absl::Status UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) = 0;
  virtual absl::Status UpdateDisplayName(uint64_t user_id, std::string_view display_name) = 0;
  // Stores the avatar and returns its new version (previous + 1).
  virtual absl::StatusOr<uint32_t> SetAvatar(uint64_t user_id, std::string_view png,
                                             int64_t now_ms) = 0;
  // The current avatar (version, PNG), if any.
  virtual absl::StatusOr<std::optional<std::pair<uint32_t, std::string>>> GetAvatar(
      uint64_t user_id) = 0;
  // Replaces the password hash with `unusable_hash` (of a random secret nobody knows), removes the
  // display name and avatar; keeps the id and reserves the username.
  virtual absl::Status MarkDeleted(uint64_t user_id, int64_t now_ms,
                                   std::string_view unusable_hash) = 0;
};

}  // namespace natter::auth
