// SessionStore and LoginThrottle on Redis.
//   session:{token hash}         hash with the session's fields, expiring with the session
//   user_sessions:{user id}      set of the user's token hashes (listing, "log out everywhere")
//   login_failures:{counter}     hash {n: failures, last: ms of the latest}, expiring after the
//                                latest failure (counters: see AuthService's throttling)
//   login_known:{key}|{address}  present while the user has logged in from the address lately
#pragma once

#include "common/redis_client.h"
#include "session_store.h"

namespace natter::auth {

class RedisSessionStore final : public SessionStore {
 public:
  explicit RedisSessionStore(RedisClient& redis) : redis_(redis) {}

  absl::Status Put(const std::string& token_hash, const Session& session,
                   std::chrono::seconds ttl) override;
  absl::StatusOr<std::optional<Session>> Get(const std::string& token_hash) override;
  absl::Status Touch(const std::string& token_hash, int64_t last_used_ms, int64_t expires_at_ms,
                     std::chrono::seconds ttl) override;
  absl::Status Delete(const std::string& token_hash, uint64_t user_id) override;
  absl::StatusOr<std::vector<std::pair<std::string, Session>>> ListForUser(
      uint64_t user_id) override;

 private:
  RedisClient& redis_;
};

class RedisLoginThrottle final : public LoginThrottle {
 public:
  explicit RedisLoginThrottle(RedisClient& redis) : redis_(redis) {}

  absl::StatusOr<std::vector<Counter>> Get(const std::vector<std::string>& keys) override;
  absl::Status RecordFailure(const std::vector<std::string>& keys, int64_t now_ms,
                             std::chrono::seconds ttl) override;
  absl::Status Reset(const std::string& key) override;
  absl::StatusOr<bool> IsKnownAddress(const std::string& username_key,
                                      const std::string& address) override;
  absl::Status RememberAddress(const std::string& username_key, const std::string& address,
                               std::chrono::seconds ttl) override;

 private:
  RedisClient& redis_;
};

}  // namespace natter::auth
