// What natter-chat lets one user do per unit of time. The allowances live in Redis (RateLimiter),
// so they hold for the user as a whole: every device, gateway and chat replica together.
#pragma once

#include <string>

#include "common/rate_limit.h"

namespace natter::chat {

struct ChatLimits {
  // Messages, edits and deletions.
  RateLimit messages{10, 20};
  // Friend requests sent: 50 a day, all of them at once if need be.
  RateLimit friend_requests{50.0 / 86400.0, 50};

  static ChatLimits Unlimited() { return {RateLimit{}, RateLimit{}}; }
};

inline std::string MessageLimitKey(uint64_t user_id) {
  return "ratelimit:messages:" + std::to_string(user_id);
}
inline std::string FriendRequestLimitKey(uint64_t user_id) {
  return "ratelimit:friend_requests:" + std::to_string(user_id);
}

}  // namespace natter::chat
