// The rules of group conversations (issue 23 item 7), as pure functions of a group's state: what
// adding, removing or a member leaving changes, and renaming; which entry each appends and which
// events the affected users get, or why it is refused. Unit-tested for every action in every state.
//
// A group is 3 to 100 people made from its creator's friends, with an optional title and no name:
// it is not in the rooms' namespace, never listed and never joined by name; those outside it are
// answered NOT_FOUND, as for an id nobody has. Who may do what: any member adds their own friends
// (not someone in a block with them) while the group has room; any member renames it; a member
// leaves; the creator (the owner; if they leave, the longest-standing member) removes members.
// An added member reads the group from their member_added entry on (since_join, room_rules.h).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "friendship_rules.h"
#include "message_store.h"

namespace natter::chat {

// Members of a group, its creator included: CreateGroup picks kMinGroupMembers - 1 to
// kMaxGroupMembers - 1 friends.
inline constexpr uint32_t kMinGroupMembers = 3;
inline constexpr uint32_t kMaxGroupMembers = 100;
// A group's title, in characters (one line; empty: none).
inline constexpr size_t kMaxGroupTitleChars = 64;
// Groups one user may create in 24 hours (RESOURCE_EXHAUSTED beyond): each pushes an event to up
// to 99 others.
inline constexpr uint32_t kMaxGroupsCreatedPerDay = 50;
// How many members other than the viewer a Conversation names (member_names), for a label.
inline constexpr uint32_t kGroupMemberNamesShown = 5;

enum class GroupAction {
  kAdd,     // the target, a friend of the actor's (checked by the caller: the friendship store)
  kLeave,   // the actor
  kRemove,  // the target, by the owner
  kRename,  // title (validated)
};

struct GroupRequestArgs {
  GroupAction action = GroupAction::kAdd;
  Party actor;
  Party target;       // kAdd, kRemove
  std::string title;  // kRename
};

// The change `args` makes to the group `state` describes (RoomState, read under the group's lock),
// or why it is refused: NOT_FOUND for an actor who is not a member; FAILED_PRECONDITION for a full
// group or a target in a block with the actor; PERMISSION_DENIED for a removal by anyone but the
// owner; NOT_FOUND for removing someone not in the group. Adding a member already in, or renaming
// to the same title, changes nothing (noop).
absl::StatusOr<RoomChange> DecideGroupChange(const RoomState& state, const GroupRequestArgs& args);

// The group's title as stored: NFC, one line, at most kMaxGroupTitleChars characters (empty: no
// title); INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> ValidateGroupTitle(const std::string& title);

}  // namespace natter::chat
