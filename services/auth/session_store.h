// Sessions natter-auth keeps (Redis in production, a fake in unit tests). Stores are keyed by the
// hash of a token, never by the token itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace natter::auth {

struct Session {
  std::string id;  // public identifier, safe to show and log
  uint64_t user_id = 0;
  std::string username;
  std::string device;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual absl::Status Put(const std::string& token_hash, const Session& session,
                           std::chrono::seconds ttl) = 0;
  virtual absl::StatusOr<std::optional<Session>> Get(const std::string& token_hash) = 0;
  virtual absl::Status Delete(const std::string& token_hash, uint64_t user_id) = 0;
};

}  // namespace natter::auth
