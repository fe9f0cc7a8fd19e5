// The accounts natter-auth keeps (MySQL in production, a fake in unit tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  std::string username_skeleton;
  std::string password_hash;
  std::string display_name;
  int64_t created_at_ms = 0;
};

// CreateUser's and SetUsernameSkeleton's ALREADY_EXISTS messages: which unique form was taken.
inline constexpr std::string_view kUsernameKeyTaken = "username is taken";
inline constexpr std::string_view kUsernameSkeletonTaken = "a look-alike username exists";

class UserStore {
 public:
  virtual ~UserStore() = default;
  // ALREADY_EXISTS (kUsernameKeyTaken) when `user.username_key` is taken, or
  // (kUsernameSkeletonTaken) when `user.username_skeleton` is, also by a deleted account.
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

  // Accounts made before usernames had a skeleton: (id, username) of up to `limit` of them with
  // ids above `after_id`, in id order.
  virtual absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> UsersWithoutSkeleton(
      uint64_t after_id, size_t limit) = 0;
  // Sets the skeleton of an account that has none; ALREADY_EXISTS (kUsernameSkeletonTaken) when
  // another account holds it.
  virtual absl::Status SetUsernameSkeleton(uint64_t user_id, std::string_view skeleton) = 0;
};

}  // namespace natter::auth
