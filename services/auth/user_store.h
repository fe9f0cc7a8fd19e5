// The accounts natter-auth keeps (MySQL in production, a fake in unit tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace natter::auth {

struct UserRecord {
  uint64_t id = 0;
  std::string username;
  std::string password_hash;
};

class UserStore {
 public:
  virtual ~UserStore() = default;
  // ALREADY_EXISTS when `username_key` is taken.
  virtual absl::StatusOr<uint64_t> CreateUser(std::string_view username,
                                              std::string_view username_key,
                                              std::string_view password_hash,
                                              int64_t created_at_ms) = 0;
  virtual absl::StatusOr<std::optional<UserRecord>> FindByKey(std::string_view username_key) = 0;
  virtual absl::Status UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) = 0;
};

}  // namespace natter::auth
