// SessionStore on Redis: session:{token hash} is a hash with the session's fields and a TTL;
// user_sessions:{user id} is the set of a user's token hashes (for "log out everywhere").
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
  absl::Status Delete(const std::string& token_hash, uint64_t user_id) override;

 private:
  RedisClient& redis_;
};

}  // namespace natter::auth
