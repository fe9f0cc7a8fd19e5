// RateLimiter over Redis: the GCRA step of rate_limit.h as a Lua script, so every replica shares
// one allowance per key.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "common/rate_limit.h"
#include "common/redis_client.h"

namespace natter {

// One EVAL per Take; Redis's own clock, so replicas need not agree on the time. Keys expire when
// their allowance is full again.
class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(RedisClient& redis) : redis_(redis) {}
  absl::StatusOr<std::chrono::milliseconds> Take(const std::string& key,
                                                 const RateLimit& limit) override;

 private:
  RedisClient& redis_;
};

}  // namespace natter
