// FakeTypingLimiter: natter::chat's typing rate limit on a FakeClock, with RedisTypingLimiter's
// semantics (one notice per user and conversation per kTypingWindowMs).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "fakes/fake_clock.h"
#include "typing_limiter.h"

namespace natter::fakes {

class FakeTypingLimiter final : public chat::TypingLimiter {
 public:
  explicit FakeTypingLimiter(const FakeClock& clock) : clock_(clock) {}

  absl::StatusOr<bool> Allow(uint64_t user_id, uint64_t conversation_id) override {
    std::lock_guard lock(mu_);
    int64_t now = clock_.NowMs();
    auto [it, fresh] = last_.try_emplace({user_id, conversation_id}, now);
    if (fresh) return true;
    if (now - it->second < chat::kTypingWindowMs) return false;
    it->second = now;
    return true;
  }

 private:
  const FakeClock& clock_;
  std::mutex mu_;
  std::map<std::pair<uint64_t, uint64_t>, int64_t> last_;
};

}  // namespace natter::fakes
