// Who users are, as natter-chat needs to know it: the name to show for a message's sender
// (natter-auth in production, a fake in unit tests). A deleted account is shown as "deleted user".
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"

namespace natter::chat {

class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // Usernames of the given users; unknown ids are left out.
  virtual absl::StatusOr<std::unordered_map<uint64_t, std::string>> Usernames(
      const std::vector<uint64_t>& user_ids) = 0;
};

}  // namespace natter::chat
