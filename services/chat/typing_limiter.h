// Typing indicators are ephemeral and rate-limited: one event per user and conversation per window,
// however many devices or replicas the user's notices reach (Redis SET NX PX in production, a fake
// in unit tests).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/redis_client.h"

namespace natter::chat {

inline constexpr int64_t kTypingWindowMs = 3000;

class TypingLimiter {
 public:
  virtual ~TypingLimiter() = default;
  // True if `user_id` may announce typing in `conversation_id` now; then false until the window
  // has passed.
  virtual absl::StatusOr<bool> Allow(uint64_t user_id, uint64_t conversation_id) = 0;
};

class RedisTypingLimiter final : public TypingLimiter {
 public:
  explicit RedisTypingLimiter(RedisClient& redis) : redis_(redis) {}
  absl::StatusOr<bool> Allow(uint64_t user_id, uint64_t conversation_id) override {
    auto reply = redis_.Command(
        {"SET", "typing:" + std::to_string(conversation_id) + ":" + std::to_string(user_id), "1",
         "PX", std::to_string(kTypingWindowMs), "NX"});
    if (!reply.ok()) return reply.status();
    return !reply->is_nil();
  }

 private:
  RedisClient& redis_;
};

}  // namespace natter::chat
