// The room rules, as a pure function of the room's state: what joining, leaving, removing or
// banning a member, lifting a ban, changing a member's role, setting the topic or renaming changes,
// which entry it appends and which events the affected users get, or why it is refused.
// Unit-tested for every action in every state.
//
// Who may do what: the owner renames, sets the topic and makes members moderators (or moderators
// members again); the owner and the moderators remove, ban and unban, but a moderator never acts on
// the owner or on another moderator. Nobody acts on themself (they leave instead).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "friendship_rules.h"
#include "message_store.h"

namespace natter::chat {

inline constexpr uint32_t kMaxRoomMembers = 10000;

enum class RoomAction { kJoin, kLeave, kRemove, kBan, kUnban, kSetRole, kSetTopic, kRename };

struct RoomRequestArgs {
  RoomAction action = RoomAction::kJoin;
  Party actor;
  Party target;                           // kRemove, kBan, kUnban, kSetRole
  MemberRole role = MemberRole::kMember;  // kSetRole: the target's new role
  std::string topic;                      // kSetTopic (validated)
  std::string name;                       // kRename (validated, NFC)
  std::string name_key;                   // kRename
  std::string name_skeleton;              // kRename
};

absl::StatusOr<RoomChange> DecideRoomChange(const RoomState& state, const RoomRequestArgs& args);

}  // namespace natter::chat
