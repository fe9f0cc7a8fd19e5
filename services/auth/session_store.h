// Sessions natter-auth keeps (Redis in production, a fake in unit tests). Sessions are keyed by the
// hash of their token, never by the token itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
  int64_t last_used_ms = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual absl::Status Put(const std::string& token_hash, const Session& session,
                           std::chrono::seconds ttl) = 0;
  virtual absl::StatusOr<std::optional<Session>> Get(const std::string& token_hash) = 0;
  // Records use and slides the expiry.
  virtual absl::Status Touch(const std::string& token_hash, int64_t last_used_ms,
                             int64_t expires_at_ms, std::chrono::seconds ttl) = 0;
  virtual absl::Status Delete(const std::string& token_hash, uint64_t user_id) = 0;
  // Every live session of the user with its token hash.
  virtual absl::StatusOr<std::vector<std::pair<std::string, Session>>> ListForUser(
      uint64_t user_id) = 0;
};

// Failed-login counting for throttling (Redis in production, a fake in unit tests).
class LoginThrottle {
 public:
  virtual ~LoginThrottle() = default;
  // Failures so far within the window for this username key and for this client address, with the
  // milliseconds until each count resets.
  struct Counts {
    int64_t user_failures = 0;
    int64_t user_reset_ms = 0;
    int64_t address_failures = 0;
    int64_t address_reset_ms = 0;
  };
  virtual absl::StatusOr<Counts> Get(const std::string& username_key,
                                     const std::string& address) = 0;
  virtual absl::Status RecordFailure(const std::string& username_key, const std::string& address,
                                     std::chrono::seconds window) = 0;
  virtual absl::Status ResetUser(const std::string& username_key) = 0;
};

}  // namespace natter::auth
