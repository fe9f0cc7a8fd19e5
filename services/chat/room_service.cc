#include "room_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "chat_service.h"
#include "common/name_skeleton.h"
#include "common/status.h"
#include "common/text.h"
#include "delivery.h"

namespace natter::chat {
namespace {

constexpr size_t kMaxRoomRefBytes = 256;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

absl::StatusOr<std::string> ValidateTopic(const std::string& topic) {
  if (topic.empty()) return topic;
  RETURN_IF_ERROR(ValidateText(topic, kMaxTopicChars * 4, "topic"));
  if (topic.find('\n') != std::string::npos) {
    return absl::InvalidArgumentError("topic must be one line");
  }
  ASSIGN_OR_RETURN(auto normalized, NormalizeNfc(topic));
  if (CodepointCount(normalized) > kMaxTopicChars) {
    return absl::InvalidArgumentError("topic must be at most 250 characters long");
  }
  return normalized;
}

// A room name in the forms the store keeps: as given (NFC), case-folded (unique), and its
// look-alike skeleton (unique).
struct RoomNameForms {
  std::string name;
  std::string key;
  std::string skeleton;
};

absl::StatusOr<RoomNameForms> RoomName(const std::string& name) {
  ASSIGN_OR_RETURN(auto normalized, NormalizeName(name, kMinRoomName, kMaxRoomName, "room name"));
  ASSIGN_OR_RETURN(auto key, FoldCase(normalized));
  ASSIGN_OR_RETURN(auto skeleton, RoomNameSkeleton(normalized));
  return RoomNameForms{normalized, key, skeleton};
}

// The store's ALREADY_EXISTS for a new name, as the person who chose the name should read it.
absl::Status NameTaken(const absl::Status& taken, const std::string& name) {
  if (std::string_view(taken.message().data(), taken.message().size()) == kRoomNameSkeletonTaken) {
    return absl::AlreadyExistsError("a room whose name looks the same as " + Quoted(name) +
                                    " exists already; choose another name");
  }
  return absl::AlreadyExistsError("a room named " + Quoted(name) + " exists already");
}

// The room setting a request names; `unspecified` for UNSPECIFIED.
absl::StatusOr<RoomHistory> History(v1::HistoryVisibility history, RoomHistory unspecified) {
  switch (history) {
    case v1::HISTORY_VISIBILITY_UNSPECIFIED:
      return unspecified;
    case v1::HISTORY_VISIBILITY_ALL:
      return RoomHistory::kAll;
    case v1::HISTORY_VISIBILITY_SINCE_JOIN:
      return RoomHistory::kSinceJoin;
    default:
      return absl::InvalidArgumentError("unknown history visibility; use all or since_join");
  }
}

}  // namespace

absl::StatusOr<std::string> RoomNameSkeleton(std::string_view normalized_name) {
  ASSIGN_OR_RETURN(auto skeleton, NameSkeleton(normalized_name));
  if (skeleton.size() > kMaxRoomNameSkeletonBytes) {
    return absl::InvalidArgumentError(
        "room name has characters that cannot be told apart from others; choose another name");
  }
  return skeleton;
}

absl::StatusOr<size_t> BackfillRoomNameSkeletons(MessageStore& store, size_t batch) {
  size_t filled = 0;
  uint64_t after = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto rooms, store.RoomsWithoutSkeleton(after, batch));
    if (rooms.empty()) return filled;
    for (const auto& [id, name] : rooms) {
      after = id;
      auto skeleton = RoomNameSkeleton(name);
      if (!skeleton.ok()) {
        spdlog::warn("room {} has no name skeleton: {}", id,
                     std::string(skeleton.status().message()));
        continue;
      }
      auto s = store.SetRoomNameSkeleton(id, *skeleton);
      if (absl::IsAlreadyExists(s)) {
        // Created before look-alikes were refused: both keep their names, and the older one holds
        // the skeleton, so no third look-alike can join them.
        spdlog::warn("room {} has a look-alike of an older room's name; it keeps its name", id);
        continue;
      }
      if (!s.ok()) return s;
      ++filled;
    }
  }
}

RoomService::RoomService(MessageStore& store, EventPublisher& publisher, UserDirectory& users,
                         RateLimiter& limiter, ChatLimits limits, const Clock& clock)
    : store_(store),
      publisher_(publisher),
      users_(users),
      limiter_(limiter),
      limits_(limits),
      clock_(clock) {}

absl::Status RoomService::TakeRoomChange(const v1::Caller& caller) {
  return TakeAllowance(limiter_, RoomChangeLimitKey(caller.user_id()), limits_.room_changes,
                       fmt::format("you are changing rooms too fast (at most {:g} a "
                                   "second)",
                                   limits_.room_changes.per_second));
}

absl::StatusOr<ConversationRecord> RoomService::FindRoom(const std::string& name, uint64_t viewer) {
  if (name.empty() || name.size() > kMaxRoomRefBytes) {
    return absl::InvalidArgumentError("give a room name");
  }
  auto key = FoldCase(name);
  if (!key.ok()) return absl::InvalidArgumentError("room name is not valid UTF-8");
  ASSIGN_OR_RETURN(auto room, store_.FindRoom(*key, viewer));
  if (!room.has_value()) return absl::NotFoundError("no room named " + Quoted(name));
  if (room->is_private && !room->is_member) {
    ASSIGN_OR_RETURN(auto invitation, store_.FindInvitation(room->id, viewer));
    if (!RoomVisible(*room, invitation.has_value())) {
      return absl::NotFoundError("no room named " + Quoted(name));
    }
  }
  return std::move(*room);
}

v1::RoomResponse RoomService::Response(const ConversationRecord& room, uint64_t viewer) {
  v1::RoomResponse response;
  *response.mutable_room() = ConversationView(room, viewer, LookupNames(users_, {room.owner_id}));
  return response;
}

absl::StatusOr<ConversationRecord> RoomService::Apply(const ConversationRecord& room,
                                                      const RoomRequestArgs& args) {
  auto result =
      store_.ChangeRoom(room.id, args.actor.id, args.actor.username, args.target.id, clock_.NowMs(),
                        [&](const RoomState& state) { return DecideRoomChange(state, args); });
  if (!result.ok()) return result.status();
  if (result->entry) PublishEntry(publisher_, result->room, *result->entry, "", "");
  PublishUserEvents(publisher_, result->events);
  // Whose rooms changed (an invitation changes none).
  std::vector<uint64_t> users;
  for (const auto& e : result->events) {
    if (e.event.has_room()) users.push_back(e.user_id);
  }
  if (!users.empty()) AnnounceAudienceChanged(publisher_, users);
  return std::move(result->room);
}

absl::StatusOr<v1::RoomResponse> RoomService::CreateRoom(const v1::CreateRoomRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto name, RoomName(request.name()));
  ASSIGN_OR_RETURN(auto topic, ValidateTopic(request.topic()));
  NewRoom room;
  room.name = name.name;
  room.name_key = name.key;
  room.name_skeleton = name.skeleton;
  room.topic = topic;
  room.owner_id = request.caller().user_id();
  room.owner = request.caller().username();
  room.now_ms = clock_.NowMs();
  room.is_private = request.private_room();
  ASSIGN_OR_RETURN(room.history, History(request.history(), RoomHistory::kAll));
  // After validation, so a typo costs no allowance.
  if (auto s = TakeAllowance(limiter_, RoomCreationLimitKey(room.owner_id), limits_.room_creations,
                             fmt::format("you have created too many rooms (at most {:g} an hour)",
                                         limits_.room_creations.per_second * 3600.0));
      !s.ok()) {
    return s;
  }
  auto created = store_.CreateRoom(room);
  if (absl::IsAlreadyExists(created.status())) return NameTaken(created.status(), room.name);
  if (!created.ok()) return created.status();
  if (created->entry) PublishEntry(publisher_, created->room, *created->entry, "", "");
  PublishUserEvents(publisher_, created->events);
  AnnounceAudienceChanged(publisher_, {room.owner_id});
  return Response(created->room, room.owner_id);
}

absl::StatusOr<v1::RoomResponse> RoomService::JoinRoom(const v1::RoomRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const uint64_t me = request.caller().user_id();
  ASSIGN_OR_RETURN(auto room, FindRoom(request.room(), me));
  RETURN_IF_ERROR(TakeRoomChange(request.caller()));
  RoomRequestArgs args{.action = RoomAction::kJoin, .actor = {me, request.caller().username()}};
  ASSIGN_OR_RETURN(auto after, Apply(room, args));
  return Response(after, me);
}

absl::StatusOr<v1::RoomResponse> RoomService::LeaveRoom(const v1::RoomRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const uint64_t me = request.caller().user_id();
  ASSIGN_OR_RETURN(auto room, FindRoom(request.room(), me));
  RETURN_IF_ERROR(TakeRoomChange(request.caller()));
  RoomRequestArgs args{.action = RoomAction::kLeave, .actor = {me, request.caller().username()}};
  ASSIGN_OR_RETURN(auto after, Apply(room, args));
  return Response(after, me);
}

absl::StatusOr<v1::RoomResponse> RoomService::RemoveMember(const v1::RemoveMemberRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  RoomAction action;
  switch (request.action()) {
    case v1::MEMBER_ACTION_REMOVE:
      action = RoomAction::kRemove;
      break;
    case v1::MEMBER_ACTION_BAN:
      action = RoomAction::kBan;
      break;
    case v1::MEMBER_ACTION_UNBAN:
      action = RoomAction::kUnban;
      break;
    default:
      return absl::InvalidArgumentError("unknown member action; use remove, ban or unban");
  }
  return ChangeMember(request.caller(), request.room(), request.username(), {.action = action});
}

absl::StatusOr<v1::RoomResponse> RoomService::SetMemberRole(
    const v1::SetMemberRoleRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  MemberRole role;
  switch (request.role()) {
    case v1::ROOM_ROLE_MEMBER:
      role = MemberRole::kMember;
      break;
    case v1::ROOM_ROLE_MODERATOR:
      role = MemberRole::kModerator;
      break;
    default:
      return absl::InvalidArgumentError("unknown role; use moderator or member");
  }
  return ChangeMember(request.caller(), request.room(), request.username(),
                      {.action = RoomAction::kSetRole, .role = role});
}

absl::StatusOr<v1::RoomResponse> RoomService::Invite(const v1::InviteRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  return ChangeMember(
      request.caller(), request.room(), request.username(),
      {.action = request.cancel() ? RoomAction::kCancelInvitation : RoomAction::kInvite});
}

absl::StatusOr<v1::RoomResponse> RoomService::AnswerInvitation(
    const v1::AnswerInvitationRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const uint64_t me = request.caller().user_id();
  ASSIGN_OR_RETURN(auto room, FindRoom(request.room(), me));
  RETURN_IF_ERROR(TakeRoomChange(request.caller()));
  RoomRequestArgs args{.action = request.accept() ? RoomAction::kAccept : RoomAction::kDecline,
                       .actor = {me, request.caller().username()}};
  ASSIGN_OR_RETURN(auto after, Apply(room, args));
  return Response(after, me);
}

absl::StatusOr<v1::ListInvitationsResponse> RoomService::ListInvitations(
    const v1::ListInvitationsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const uint64_t me = request.caller().user_id();
  ASSIGN_OR_RETURN(auto invitations, store_.InvitationsOf(me, kMaxInvitationsHeld));
  std::vector<uint64_t> inviters;
  for (const auto& i : invitations) inviters.push_back(i.inviter_id);
  Names names = LookupNames(users_, std::move(inviters));
  v1::ListInvitationsResponse response;
  for (const auto& i : invitations) {
    v1::RoomInvitation* out = response.add_invitations();
    out->set_type("invited");
    out->set_conversation_id(i.room_id);
    out->set_room(i.room);
    out->set_inviter_id(i.inviter_id);
    auto it = names.find(i.inviter_id);
    out->set_inviter(it == names.end() ? i.inviter : it->second);
    out->set_invitee_id(me);
    out->set_invitee(request.caller().username());
    out->set_created_at_ms(i.created_at_ms);
  }
  return response;
}

absl::StatusOr<v1::RoomResponse> RoomService::MuteMember(const v1::MuteMemberRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const int64_t until = request.muted_until_ms();
  const int64_t now_ms = clock_.NowMs();
  if (until != 0 && until != kMutedForeverMs && (until <= now_ms || until > now_ms + kMaxMuteMs)) {
    return absl::InvalidArgumentError(
        "muted_until_ms must be 0 (unmute), 253402300799000 (until unmuted) or a time in the "
        "next 366 days");
  }
  return ChangeMember(request.caller(), request.room(), request.username(),
                      {.action = RoomAction::kMute, .muted_until_ms = until});
}

absl::StatusOr<v1::RoomResponse> RoomService::ChangeMember(const v1::Caller& caller,
                                                           const std::string& room_name,
                                                           const std::string& username,
                                                           RoomRequestArgs args) {
  if (username.empty() || username.size() > kMaxRoomRefBytes) {
    return absl::InvalidArgumentError("give the username of the user");
  }
  const uint64_t me = caller.user_id();
  ASSIGN_OR_RETURN(auto room, FindRoom(room_name, me));
  ASSIGN_OR_RETURN(auto target, users_.FindByUsername(username));
  if (!target.has_value()) return absl::NotFoundError("no user named " + Quoted(username));
  RETURN_IF_ERROR(TakeRoomChange(caller));
  args.actor = {me, caller.username()};
  args.target = {target->user_id(), target->username()};
  ASSIGN_OR_RETURN(auto after, Apply(room, args));
  return Response(after, me);
}

absl::StatusOr<v1::RoomResponse> RoomService::UpdateRoom(const v1::UpdateRoomRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const uint64_t me = request.caller().user_id();
  if (!request.has_topic() && !request.has_new_name() && !request.has_private_room() &&
      request.history() == v1::HISTORY_VISIBILITY_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "give a new topic, a new name, private or public, or a history visibility");
  }
  // Validate everything before changing anything.
  std::optional<std::string> topic;
  if (request.has_topic()) {
    ASSIGN_OR_RETURN(auto t, ValidateTopic(request.topic()));
    topic = t;
  }
  std::optional<RoomNameForms> name;
  if (request.has_new_name()) {
    ASSIGN_OR_RETURN(auto n, RoomName(request.new_name()));
    name = n;
  }
  std::optional<RoomHistory> history;
  if (request.history() != v1::HISTORY_VISIBILITY_UNSPECIFIED) {
    ASSIGN_OR_RETURN(history, History(request.history(), RoomHistory::kAll));
  }
  ASSIGN_OR_RETURN(auto room, FindRoom(request.room(), me));
  RETURN_IF_ERROR(TakeRoomChange(request.caller()));
  Party actor{me, request.caller().username()};
  if (name) {
    RoomRequestArgs args{.action = RoomAction::kRename,
                         .actor = actor,
                         .name = name->name,
                         .name_key = name->key,
                         .name_skeleton = name->skeleton};
    auto after = Apply(room, args);
    if (absl::IsAlreadyExists(after.status())) return NameTaken(after.status(), name->name);
    if (!after.ok()) return after.status();
    room = std::move(*after);
  }
  if (topic) {
    RoomRequestArgs args{.action = RoomAction::kSetTopic, .actor = actor, .topic = *topic};
    ASSIGN_OR_RETURN(auto after, Apply(room, args));
    room = std::move(after);
  }
  if (request.has_private_room()) {
    RoomRequestArgs args{
        .action = RoomAction::kSetPrivacy, .actor = actor, .is_private = request.private_room()};
    ASSIGN_OR_RETURN(auto after, Apply(room, args));
    room = std::move(after);
  }
  if (history) {
    RoomRequestArgs args{.action = RoomAction::kSetHistory, .actor = actor, .history = *history};
    ASSIGN_OR_RETURN(auto after, Apply(room, args));
    room = std::move(after);
  }
  return Response(room, me);
}

absl::StatusOr<v1::ListRoomsResponse> RoomService::ListRooms(const v1::ListRoomsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  if (request.limit() > kMaxRoomListLimit) {
    return absl::InvalidArgumentError("limit must be at most " + std::to_string(kMaxRoomListLimit));
  }
  if (request.prefix().size() > kMaxRoomRefBytes) {
    return absl::InvalidArgumentError("prefix is too long");
  }
  auto prefix = FoldCase(request.prefix());
  if (!prefix.ok()) return absl::InvalidArgumentError("prefix is not valid UTF-8");
  const uint64_t me = request.caller().user_id();
  uint32_t limit = request.limit() == 0 ? kDefaultRoomListLimit : request.limit();
  ASSIGN_OR_RETURN(auto rooms, store_.ListRooms(*prefix, limit, me));
  std::vector<uint64_t> owners;
  for (const auto& r : rooms) owners.push_back(r.owner_id);
  Names names = LookupNames(users_, std::move(owners));
  v1::ListRoomsResponse response;
  for (const auto& r : rooms) {
    v1::RoomListing* listing = response.add_rooms();
    *listing->mutable_room() = ConversationView(r, me, names);
    listing->set_joined(r.is_member);
  }
  return response;
}

absl::StatusOr<v1::RoomMembersResponse> RoomService::RoomMembers(const v1::RoomRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const uint64_t me = request.caller().user_id();
  ASSIGN_OR_RETURN(auto room, FindRoom(request.room(), me));
  if (room.is_lobby()) {
    return absl::FailedPreconditionError(
        "everyone is in the lobby; ask who is online there instead");
  }
  if (request.bans()) return Bans(request.caller(), room);
  ASSIGN_OR_RETURN(auto members, store_.Members(room.id, kMaxRoomMembers));
  const int64_t now_ms = clock_.NowMs();
  std::vector<uint64_t> ids{room.owner_id};
  for (const auto& m : members) ids.push_back(m.user_id);
  Names names = LookupNames(users_, std::move(ids));
  v1::RoomMembersResponse response;
  *response.mutable_room() = ConversationView(room, me, names);
  for (const auto& m : members) {
    v1::RoomMember* out = response.add_members();
    out->set_user_id(m.user_id);
    if (auto it = names.find(m.user_id); it != names.end()) out->set_username(it->second);
    out->set_role(std::string(MemberRoleName(m.role)));
    out->set_joined_at_ms(m.joined_at_ms);
    if (m.muted_until_ms > now_ms) out->set_muted_until_ms(m.muted_until_ms);
  }
  return response;
}

absl::StatusOr<v1::RoomMembersResponse> RoomService::Bans(const v1::Caller& caller,
                                                          const ConversationRecord& room) {
  // Whom the room keeps out is the business of those who keep them out; the banned need not learn
  // who else is. (room.role is the caller's, read with the room.)
  if (room.role != MemberRole::kOwner && room.role != MemberRole::kModerator) {
    return absl::PermissionDeniedError("only the owner and moderators of " + Quoted(room.name) +
                                       " can see its bans");
  }
  ASSIGN_OR_RETURN(auto bans, store_.Bans(room.id, kMaxRoomBansListed));
  std::vector<uint64_t> ids{room.owner_id};
  for (const auto& b : bans) {
    ids.push_back(b.user_id);
    ids.push_back(b.by_user_id);
  }
  Names names = LookupNames(users_, std::move(ids));
  v1::RoomMembersResponse response;
  *response.mutable_room() = ConversationView(room, caller.user_id(), names);
  for (const auto& b : bans) {
    v1::RoomBan* out = response.add_bans();
    out->set_user_id(b.user_id);
    if (auto it = names.find(b.user_id); it != names.end()) out->set_username(it->second);
    out->set_by_user_id(b.by_user_id);
    if (auto it = names.find(b.by_user_id); it != names.end()) out->set_by(it->second);
    out->set_banned_at_ms(b.banned_at_ms);
  }
  return response;
}

}  // namespace natter::chat
