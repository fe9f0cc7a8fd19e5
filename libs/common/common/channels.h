// Redis pub/sub channel names. Every publisher and subscriber builds them here.
#pragma once

#include <cstdint>
#include <string>

namespace natter {

// Events of one conversation (room or direct), to every gateway with a local member.
inline std::string ConversationChannel(uint64_t conversation_id) {
  return "room:" + std::to_string(conversation_id);
}

// Personal events of one user (direct messages, friend requests, presence, session revoked).
inline std::string UserChannel(uint64_t user_id) { return "user:" + std::to_string(user_id); }

// A user's profile changed (payload: the ServerEvent with ProfileChanged); natter-presence passes
// it on to the user's friends.
inline constexpr char kProfileChangedChannel[] = "profile_changed";

}  // namespace natter
