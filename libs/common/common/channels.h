// Every Redis pub/sub channel, by name, with the protobuf message its payload carries (serialized).
// Every publisher and subscriber builds names here; a subscriber treats a payload that does not
// parse as untrusted input (logged and dropped, never a crash).
//
// channel                    payload (natter.v1)               published by          subscribed by
// room:{conversation_id}     ServerEvent (gateway.proto)       chat, presence        gateway
// user:{user_id}             ServerEvent (gateway.proto)       auth, chat, presence  gateway
// profile_changed            ServerEvent (gateway.proto)       auth                  presence, chat
// presence:audience_changed  AudienceChanged (presence.proto)  chat                  presence
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace natter {

// Events of one conversation (room or direct), to every gateway with a local member. Payload:
// v1::ServerEvent (an entry, typing, a read marker, a room notice).
inline std::string ConversationChannel(uint64_t conversation_id) {
  return "room:" + std::to_string(conversation_id);
}

// Personal events of one user (direct messages, friend requests, presence, session revoked, a
// block that began or ended). Payload: v1::ServerEvent.
inline std::string UserChannel(uint64_t user_id) { return "user:" + std::to_string(user_id); }

// A user's profile changed. Payload: v1::ServerEvent with ProfileChanged; natter-presence passes it
// on to the user's friends, natter-chat forgets the cached name.
inline constexpr char kProfileChangedChannel[] = "profile_changed";

// natter-chat tells natter-presence that these users' audience (friends, rooms) changed, so it
// drops their cached audiences at once. Payload: v1::AudienceChanged (AudienceChangedPayload).
inline constexpr char kAudienceChangedChannel[] = "presence:audience_changed";

// The presence:audience_changed payload naming `user_ids`.
std::string AudienceChangedPayload(const std::vector<uint64_t>& user_ids);

// The user ids of a presence:audience_changed payload, or nullopt for a payload that names no user
// or does not parse. Besides v1::AudienceChanged it reads the comma-separated ids that natter-chat
// published before (a replica of the previous release, during a rolling update); that fallback
// goes in the release after.
std::optional<std::vector<uint64_t>> ParseAudienceChanged(std::string_view payload);

// For a subscriber that cannot use a payload (it does not parse, or names nothing): logs a warning
// with `why` and counts it in natter_redis_payloads_dropped_total{channel}. `channel` is the
// channel's name as above, without ids ("room", not "room:12"), to keep the label's values few.
void DropPayload(std::string_view channel, std::string_view why);

}  // namespace natter
