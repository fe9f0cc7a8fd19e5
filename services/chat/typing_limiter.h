// Typing indicators are ephemeral and rate-limited: one event per user and conversation per window,
// however many devices or replicas the user's notices reach (Redis SET NX PX in production,
// redis_typing_limiter.h; a fake in unit tests).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace natter::chat {

inline constexpr int64_t kTypingWindowMs = 3000;

class TypingLimiter {
 public:
  virtual ~TypingLimiter() = default;
  // True if `user_id` may announce typing in `conversation_id` now; then false until the window
  // has passed.
  virtual absl::StatusOr<bool> Allow(uint64_t user_id, uint64_t conversation_id) = 0;
};

}  // namespace natter::chat
