// Who users are, as natter-chat needs to know it: names and profiles of senders and friends
// (natter-auth in production, a fake in unit tests). A deleted account is shown as "deleted user".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "natter/v1/auth.pb.h"

namespace natter::chat {

class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // Profiles of the given users; unknown ids are left out.
  virtual absl::StatusOr<std::unordered_map<uint64_t, v1::Profile>> Profiles(
      const std::vector<uint64_t>& user_ids) = 0;
  // The live (not deleted) user with this name, if any.
  virtual absl::StatusOr<std::optional<v1::Profile>> FindByUsername(
      const std::string& username) = 0;
};

}  // namespace natter::chat
