// Rate limits: a sustained rate with a burst, enforced with GCRA (the generic cell rate algorithm,
// a token bucket kept as one timestamp). TokenBucket holds one caller's state in process (a client
// stream's commands); RedisRateLimiter (redis_rate_limiter.h) holds it in Redis, so every replica
// shares one allowance per key (a user's messages, whichever gateway and chat replica they go
// through).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace natter {

struct RateLimit {
  double per_second = 0;  // sustained rate; 0 or less: unlimited
  double burst = 1;       // actions allowed at once after a quiet spell
  bool unlimited() const { return per_second <= 0; }
};

// The GCRA step: with the theoretical arrival time `tat_ms` (0 for a new caller), may one action
// happen at `now_ms`? Returns the wait (0: allowed, and `tat_ms` moved on).
std::chrono::milliseconds GcraTake(const RateLimit& limit, double now_ms, double& tat_ms);

// One caller's allowance in process. Not thread-safe: its owner locks.
class TokenBucket {
 public:
  explicit TokenBucket(RateLimit limit) : limit_(limit) {}
  std::chrono::milliseconds Take(int64_t now_ms) {
    return GcraTake(limit_, static_cast<double>(now_ms), tat_ms_);
  }

 private:
  RateLimit limit_;
  double tat_ms_ = 0;
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes one action from `key`'s allowance under `limit`: 0 when allowed, else how long to wait.
  virtual absl::StatusOr<std::chrono::milliseconds> Take(const std::string& key,
                                                         const RateLimit& limit) = 0;
};

// One action from `key`'s allowance: OK, or RESOURCE_EXHAUSTED "`too_fast`; try again in 2 s" with
// the delay attached (TooFast in common/status.h). A limiter that cannot answer (Redis out of
// reach) lets the action through: a limit must not take the service down with its store.
absl::Status TakeAllowance(RateLimiter& limiter, const std::string& key, const RateLimit& limit,
                           std::string_view too_fast);

}  // namespace natter
