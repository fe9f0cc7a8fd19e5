// TypingLimiter over Redis: one SET NX PX per user and conversation, so the window holds across
// devices and chat replicas.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/redis_client.h"
#include "common/status.h"
#include "typing_limiter.h"

namespace natter::chat {

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
