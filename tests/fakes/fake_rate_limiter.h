// FakeRateLimiter: RedisRateLimiter's GCRA, one TokenBucket per key, on a FakeClock.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "common/rate_limit.h"
#include "fakes/fake_clock.h"

namespace natter::fakes {

class FakeRateLimiter final : public RateLimiter {
 public:
  explicit FakeRateLimiter(const FakeClock& clock) : clock_(clock) {}

  absl::StatusOr<std::chrono::milliseconds> Take(const std::string& key,
                                                 const RateLimit& limit) override {
    std::lock_guard lock(mu_);
    if (!error_.ok()) return error_;
    return GcraTake(limit, static_cast<double>(clock_.NowMs()), tat_[key]);
  }

  // Every Take fails with `error` (Redis down) until it is set back to OK.
  void FailWith(absl::Status error) {
    std::lock_guard lock(mu_);
    error_ = std::move(error);
  }

 private:
  const FakeClock& clock_;
  std::mutex mu_;
  std::map<std::string, double> tat_;
  absl::Status error_;
};

}  // namespace natter::fakes
