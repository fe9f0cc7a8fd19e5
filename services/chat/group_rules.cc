#include "group_rules.h"

#include <fmt/format.h>

#include "common/check.h"
#include "common/status.h"
#include "common/text.h"

namespace natter::chat {
namespace {

// A RoomMembership event (the store sets its seq); a group has no room name.
v1::UserEvent Membership(const std::string& type, uint64_t group_id, const std::string& by) {
  v1::UserEvent event;
  v1::RoomMembership* m = event.mutable_room();
  m->set_type(type);
  m->set_conversation_id(group_id);
  m->set_by(by);
  return event;
}

}  // namespace

absl::StatusOr<RoomChange> DecideGroupChange(const RoomState& s, const GroupRequestArgs& args) {
  const ConversationRecord& group = s.room;
  NATTER_CHECK(group.is_group(), "group rules asked about a conversation that is no group");
  if (!s.actor_role) {
    // As for an id nobody has: a group does not exist for those outside it.
    return absl::NotFoundError("no conversation " + std::to_string(group.id));
  }
  RoomChange change;
  switch (args.action) {
    case GroupAction::kAdd:
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("you are in this group already");
      }
      if (s.target_member()) {
        change.noop = true;
        return change;
      }
      if (s.blocked) {
        return absl::FailedPreconditionError("you cannot add " + args.target.username +
                                             " to a group");
      }
      if (group.member_count >= kMaxGroupMembers) {
        return absl::FailedPreconditionError(
            fmt::format("this group has {} members, the most a group can have", kMaxGroupMembers));
      }
      change.add_target = true;
      change.entry_type = kTypeMemberAdded;
      change.target_user_id = args.target.id;
      change.target_user = args.target.username;
      change.events.emplace_back(args.target.id,
                                 Membership("joined", group.id, args.actor.username));
      return change;
    case GroupAction::kLeave:
      change.remove_actor = true;
      if (s.actor_role == MemberRole::kOwner) change.new_owner = s.successor.value_or(0);
      change.entry_type = kTypeMemberLeft;
      change.events.emplace_back(args.actor.id, Membership("left", group.id, ""));
      return change;
    case GroupAction::kRemove:
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("to remove yourself, leave the group");
      }
      if (s.actor_role != MemberRole::kOwner) {
        return absl::PermissionDeniedError("only the group's creator can remove members");
      }
      if (!s.target_member()) {
        return absl::NotFoundError(args.target.username + " is not in this group");
      }
      change.remove_target = true;
      change.entry_type = kTypeMemberRemoved;
      change.target_user_id = args.target.id;
      change.target_user = args.target.username;
      change.events.emplace_back(args.target.id,
                                 Membership("removed", group.id, args.actor.username));
      return change;
    case GroupAction::kRename:
      if (args.title == group.topic) {
        change.noop = true;
        return change;
      }
      change.topic = args.title;
      change.entry_type = kTypeGroupRenamed;
      change.entry_text = args.title;
      return change;
  }
  return absl::InvalidArgumentError("unknown group action");
}

absl::StatusOr<std::string> ValidateGroupTitle(const std::string& title) {
  if (title.empty()) return title;
  RETURN_IF_ERROR(ValidateText(title, kMaxGroupTitleChars * 4, "group title"));
  if (title.find('\n') != std::string::npos) {
    return absl::InvalidArgumentError("a group title must be one line");
  }
  ASSIGN_OR_RETURN(auto normalized, NormalizeNfc(title));
  if (CodepointCount(normalized) > kMaxGroupTitleChars) {
    return absl::InvalidArgumentError(
        fmt::format("a group title can be at most {} characters long", kMaxGroupTitleChars));
  }
  return normalized;
}

}  // namespace natter::chat
