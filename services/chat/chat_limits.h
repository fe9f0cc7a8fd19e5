// What natter-chat lets one user do per unit of time. The allowances live in Redis (RateLimiter),
// so they hold for the user as a whole: every device, gateway and chat replica together.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/rate_limit.h"

namespace natter::chat {

struct ChatLimits {
  // Messages, edits, deletions and reactions.
  RateLimit messages{10, 20};
  // Friend requests sent: 50 a day, all of them at once if need be.
  RateLimit friend_requests{50.0 / 86400.0, 50};
  // Every Friendship call (add, cancel, accept, reject, remove, block, unblock): each one writes
  // and tells both sides.
  RateLimit friend_actions{1, 20};
  // Rooms created: 10 an hour, all at once if need be (a room and its name stay).
  RateLimit room_creations{10.0 / 3600.0, 10};
  // Joining, leaving, topic and name changes, removing, banning and unbanning: each is an entry
  // pushed to every member of the room.
  RateLimit room_changes{1, 20};
  // Searches: each reads the full-text index and may scan many matches.
  RateLimit searches{1, 10};

  static ChatLimits Unlimited() {
    return {RateLimit{}, RateLimit{}, RateLimit{}, RateLimit{}, RateLimit{}, RateLimit{}};
  }
};

// Allowances are taken with natter::TakeAllowance (common/rate_limit.h).

inline std::string MessageLimitKey(uint64_t user_id) {
  return "ratelimit:messages:" + std::to_string(user_id);
}
inline std::string FriendRequestLimitKey(uint64_t user_id) {
  return "ratelimit:friend_requests:" + std::to_string(user_id);
}
inline std::string FriendActionLimitKey(uint64_t user_id) {
  return "ratelimit:friend_actions:" + std::to_string(user_id);
}
inline std::string RoomCreationLimitKey(uint64_t user_id) {
  return "ratelimit:room_creations:" + std::to_string(user_id);
}
inline std::string RoomChangeLimitKey(uint64_t user_id) {
  return "ratelimit:room_changes:" + std::to_string(user_id);
}
inline std::string SearchLimitKey(uint64_t user_id) {
  return "ratelimit:searches:" + std::to_string(user_id);
}

}  // namespace natter::chat
