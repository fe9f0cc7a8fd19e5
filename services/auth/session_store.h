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

// Failed password attempts, for throttling (Redis in production, so every replica shares them; a
// fake in unit tests). AuthService names the counters ("pair:alice|10.0.0.7", "address:10.0.0.7",
// "account:alice", "session:4f2a...") and decides what their counts mean; this only keeps them.
class LoginThrottle {
 public:
  virtual ~LoginThrottle() = default;
  struct Counter {
    int64_t failures = 0;         // since the counter was last reset or expired
    int64_t last_failure_ms = 0;  // the service clock's time of the latest
  };
  // The counters named `keys`, in the same order (zero for one never bumped or expired).
  virtual absl::StatusOr<std::vector<Counter>> Get(const std::vector<std::string>& keys) = 0;
  // Adds a failure at `now_ms` to each of `keys`; each expires `ttl` after its latest failure.
  virtual absl::Status RecordFailure(const std::vector<std::string>& keys, int64_t now_ms,
                                     std::chrono::seconds ttl) = 0;
  virtual absl::Status Reset(const std::string& key) = 0;

  // Addresses a user has logged in from (with the right password) within `ttl` of the last time.
  virtual absl::StatusOr<bool> IsKnownAddress(const std::string& username_key,
                                              const std::string& address) = 0;
  virtual absl::Status RememberAddress(const std::string& username_key, const std::string& address,
                                       std::chrono::seconds ttl) = 0;
};

}  // namespace natter::auth
