// Group conversations (issue 23 item 7): ChatService's CreateGroup, AddGroupMembers,
// RemoveGroupMember, LeaveGroup, RenameGroup and GroupMembers. The rules are group_rules.h; the
// store applies each change with ChangeRoom (a group is locked, changed and delivered as a room
// is), and messages, replies, reactions, pins, mentions, files, reads and mutes in a group go
// through the same paths as in any conversation (chat_service.cc), by conversation id.
#include <fmt/format.h>

#include <algorithm>

#include "chat_service.h"
#include "common/status.h"
#include "delivery.h"
#include "group_rules.h"

namespace natter::chat {
namespace {

constexpr size_t kMaxUsernameRefBytes = 256;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Group changes share the room changes' allowance: each is an entry pushed to every member.
absl::Status TakeGroupChange(RateLimiter& limiter, const ChatLimits& limits,
                             const v1::Caller& caller) {
  return TakeAllowance(limiter, RoomChangeLimitKey(caller.user_id()), limits.room_changes,
                       fmt::format("you are changing groups too fast (at most {:g} a second)",
                                   limits.room_changes.per_second));
}

}  // namespace

absl::StatusOr<ConversationRecord> ChatService::FindGroup(const v1::Caller& caller, uint64_t id) {
  if (id == 0) return absl::InvalidArgumentError("say which group: its conversation id");
  ASSIGN_OR_RETURN(auto c, store_.FindConversation(id, caller.user_id()));
  // Outside a group (or a private room, or someone else's direct conversation) it does not exist.
  if (!c.has_value() || !c->is_member || (c->is_room() && c->is_private)) {
    return absl::NotFoundError("no conversation " + std::to_string(id));
  }
  if (!c->is_group()) {
    return absl::FailedPreconditionError("conversation " + std::to_string(id) + " is not a group");
  }
  return std::move(*c);
}

absl::StatusOr<std::vector<Party>> ChatService::GroupFriends(
    const v1::Caller& caller, const google::protobuf::RepeatedPtrField<std::string>& usernames) {
  std::vector<Party> out;
  for (const std::string& name : usernames) {
    if (name.empty() || name.size() > kMaxUsernameRefBytes) {
      return absl::InvalidArgumentError("give each member by username");
    }
    ASSIGN_OR_RETURN(auto user, users_.FindByUsername(name));
    if (!user.has_value()) return absl::NotFoundError("no user named " + Quoted(name));
    const uint64_t id = user->user_id();
    if (id == caller.user_id()) continue;  // the caller is in the group anyway
    if (std::any_of(out.begin(), out.end(), [id](const Party& p) { return p.id == id; })) continue;
    // As for a direct conversation: only friends, and a block ends a friendship either way.
    ASSIGN_OR_RETURN(auto friends, friends_.AreFriends(caller.user_id(), id));
    if (!friends) {
      ASSIGN_OR_RETURN(auto blocked, friends_.EitherBlocked(caller.user_id(), id));
      if (blocked) {
        return absl::PermissionDeniedError("you cannot add " + Quoted(user->username()) +
                                           " to a group");
      }
      return absl::PermissionDeniedError("you can add " + Quoted(user->username()) +
                                         " to a group once you are friends");
    }
    out.push_back({id, user->username()});
  }
  return out;
}

absl::StatusOr<ConversationRecord> ChatService::ApplyGroupChange(const ConversationRecord& group,
                                                                 const GroupRequestArgs& args) {
  ASSIGN_OR_RETURN(auto result,
                   store_.ChangeRoom(
                       group.id, args.actor.id, args.actor.username, args.target.id, clock_.NowMs(),
                       [&](const RoomState& state) { return DecideGroupChange(state, args); }));
  if (result.entry) PublishEntry(publisher_, result.room, *result.entry, "", "");
  PublishUserEvents(publisher_, result.events);
  return std::move(result.room);
}

absl::StatusOr<v1::GroupResponse> ChatService::GroupResponseOf(const ConversationRecord& group,
                                                               uint64_t viewer, bool members) {
  v1::GroupResponse response;
  std::vector<MemberRecord> listed;
  if (members || group.is_member) {
    ASSIGN_OR_RETURN(listed, store_.Members(group.id, kMaxGroupMembers));
  }
  std::vector<uint64_t> ids{group.owner_id};
  for (const auto& m : listed) ids.push_back(m.user_id);
  Names names = LookupNames(users_, std::move(ids));
  v1::Conversation* out = response.mutable_group();
  *out = ConversationView(group, viewer, names);
  for (const auto& m : listed) {
    auto it = names.find(m.user_id);
    const std::string name = it == names.end() ? "" : it->second;
    if (m.user_id != viewer && out->member_names_size() < int{kGroupMemberNamesShown}) {
      out->add_member_names(name);
    }
    if (!members) continue;
    v1::RoomMember* member = response.add_members();
    member->set_user_id(m.user_id);
    member->set_username(name);
    member->set_role(std::string(MemberRoleName(m.role)));
    member->set_joined_at_ms(m.joined_at_ms);
  }
  return response;
}

absl::StatusOr<v1::GroupResponse> ChatService::CreateGroup(const v1::CreateGroupRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto title, ValidateGroupTitle(request.title()));
  const auto too_many = [] {
    return absl::InvalidArgumentError(
        fmt::format("a group has at most {} people: you and up to {} friends", kMaxGroupMembers,
                    kMaxGroupMembers - 1));
  };
  if (request.usernames_size() > int{kMaxGroupMembers - 1}) return too_many();
  ASSIGN_OR_RETURN(auto others, GroupFriends(request.caller(), request.usernames()));
  if (others.size() + 1 < kMinGroupMembers) {
    return absl::InvalidArgumentError(fmt::format(
        "a group needs at least {} people: you and {} or more friends (for one friend, send "
        "them a direct message)",
        kMinGroupMembers, kMinGroupMembers - 1));
  }
  const uint64_t me = request.caller().user_id();
  const int64_t now_ms = clock_.NowMs();
  ASSIGN_OR_RETURN(auto created, store_.GroupsCreatedSince(me, now_ms - 24 * 3600 * 1000));
  if (created >= kMaxGroupsCreatedPerDay) {
    return absl::ResourceExhaustedError(
        fmt::format("you have created {} groups in the last 24 hours, the most allowed; try again "
                    "later",
                    kMaxGroupsCreatedPerDay));
  }
  NewGroup group{
      .title = title, .creator_id = me, .creator = request.caller().username(), .now_ms = now_ms};
  for (const auto& p : others) group.members.push_back(p.id);
  ASSIGN_OR_RETURN(auto result, store_.CreateGroup(group));
  if (result.entry) PublishEntry(publisher_, result.room, *result.entry, "", "");
  PublishUserEvents(publisher_, result.events);
  return GroupResponseOf(result.room, me, /*members=*/true);
}

absl::StatusOr<v1::GroupResponse> ChatService::AddGroupMembers(
    const v1::AddGroupMembersRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  if (request.usernames().empty()) {
    return absl::InvalidArgumentError("give the usernames of the friends to add");
  }
  if (request.usernames_size() > int{kMaxGroupMembers - 1}) {
    return absl::InvalidArgumentError(
        fmt::format("a group has at most {} members", kMaxGroupMembers));
  }
  ASSIGN_OR_RETURN(auto group, FindGroup(request.caller(), request.conversation_id()));
  ASSIGN_OR_RETURN(auto others, GroupFriends(request.caller(), request.usernames()));
  // Checked again for each under the group's lock (DecideGroupChange); this refuses a request
  // that cannot fit before any of it is done. Members already in are counted: they are skipped.
  if (group.member_count + others.size() > kMaxGroupMembers) {
    ASSIGN_OR_RETURN(auto members, store_.Members(group.id, kMaxGroupMembers));
    size_t fresh = 0;
    for (const auto& p : others) {
      fresh += std::none_of(members.begin(), members.end(),
                            [&](const MemberRecord& m) { return m.user_id == p.id; });
    }
    if (members.size() + fresh > kMaxGroupMembers) {
      return absl::FailedPreconditionError(fmt::format(
          "this group has {} members; adding {} more would pass the most a group can have ({})",
          members.size(), fresh, kMaxGroupMembers));
    }
  }
  RETURN_IF_ERROR(TakeGroupChange(limiter_, limits_, request.caller()));
  const Party actor{request.caller().user_id(), request.caller().username()};
  for (const auto& p : others) {
    ASSIGN_OR_RETURN(
        group, ApplyGroupChange(group, {.action = GroupAction::kAdd, .actor = actor, .target = p}));
  }
  return GroupResponseOf(group, actor.id, /*members=*/true);
}

absl::StatusOr<v1::GroupResponse> ChatService::RemoveGroupMember(
    const v1::RemoveGroupMemberRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  if (request.username().empty() || request.username().size() > kMaxUsernameRefBytes) {
    return absl::InvalidArgumentError("give the username of the member to remove");
  }
  ASSIGN_OR_RETURN(auto group, FindGroup(request.caller(), request.conversation_id()));
  ASSIGN_OR_RETURN(auto target, users_.FindByUsername(request.username()));
  if (!target.has_value()) {
    return absl::NotFoundError("no user named " + Quoted(request.username()));
  }
  RETURN_IF_ERROR(TakeGroupChange(limiter_, limits_, request.caller()));
  const Party actor{request.caller().user_id(), request.caller().username()};
  ASSIGN_OR_RETURN(auto after,
                   ApplyGroupChange(group, {.action = GroupAction::kRemove,
                                            .actor = actor,
                                            .target = {target->user_id(), target->username()}}));
  return GroupResponseOf(after, actor.id, /*members=*/false);
}

absl::StatusOr<v1::GroupResponse> ChatService::LeaveGroup(const v1::GroupRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto group, FindGroup(request.caller(), request.conversation_id()));
  RETURN_IF_ERROR(TakeGroupChange(limiter_, limits_, request.caller()));
  const Party actor{request.caller().user_id(), request.caller().username()};
  ASSIGN_OR_RETURN(auto after,
                   ApplyGroupChange(group, {.action = GroupAction::kLeave, .actor = actor}));
  return GroupResponseOf(after, actor.id, /*members=*/false);
}

absl::StatusOr<v1::GroupResponse> ChatService::RenameGroup(const v1::RenameGroupRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto title, ValidateGroupTitle(request.title()));
  ASSIGN_OR_RETURN(auto group, FindGroup(request.caller(), request.conversation_id()));
  RETURN_IF_ERROR(TakeGroupChange(limiter_, limits_, request.caller()));
  const Party actor{request.caller().user_id(), request.caller().username()};
  ASSIGN_OR_RETURN(
      auto after,
      ApplyGroupChange(group, {.action = GroupAction::kRename, .actor = actor, .title = title}));
  return GroupResponseOf(after, actor.id, /*members=*/false);
}

absl::StatusOr<v1::GroupResponse> ChatService::GroupMembers(const v1::GroupRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto group, FindGroup(request.caller(), request.conversation_id()));
  return GroupResponseOf(group, request.caller().user_id(), /*members=*/true);
}

}  // namespace natter::chat
