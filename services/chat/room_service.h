// natter-chat's rooms: create, join, leave, list, members, remove or ban a member, make one a
// moderator, topic and name; private rooms' invitations, members' mutes, who reads the history.
// Each change is an entry in the room (so members see it in order with the messages) and, for the
// user who joined, left or was removed, a durable personal event (so their gateways subscribe or
// unsubscribe, and their other devices follow).
#pragma once

#include "absl/status/statusor.h"
#include "chat_limits.h"
#include "common/clock.h"
#include "common/event_publisher.h"
#include "message_store.h"
#include "natter/v1/chat.pb.h"
#include "room_rules.h"
#include "user_directory.h"

namespace natter::chat {

inline constexpr size_t kMinRoomName = 2;
inline constexpr size_t kMaxRoomName = 32;
inline constexpr size_t kMaxTopicChars = 250;
inline constexpr uint32_t kDefaultRoomListLimit = 50;
inline constexpr uint32_t kMaxRoomListLimit = 200;
inline constexpr uint32_t kMaxRoomBansListed = 1000;
// The form look-alike room names share (NameSkeleton: "lоbby" with a Cyrillic о is "lobby"), unique
// among rooms; INVALID_ARGUMENT when it is longer than the database keeps (migration 005).
inline constexpr size_t kMaxRoomNameSkeletonBytes = 2048;
absl::StatusOr<std::string> RoomNameSkeleton(std::string_view normalized_name);

// Fills in the skeleton of rooms made before room names had one (migration 005), the lobby among
// them, oldest first, `batch` at a time; safe to run on several replicas at once, and again. A
// room whose skeleton an older room already holds (look-alikes created before this check) keeps
// none and is logged; both keep their names. Returns how many were filled in.
absl::StatusOr<size_t> BackfillRoomNameSkeletons(MessageStore& store, size_t batch = 500);

class RoomService {
 public:
  RoomService(MessageStore& store, EventPublisher& publisher, UserDirectory& users,
              RateLimiter& limiter, ChatLimits limits, const Clock& clock);

  absl::StatusOr<v1::RoomResponse> CreateRoom(const v1::CreateRoomRequest& request);
  absl::StatusOr<v1::RoomResponse> JoinRoom(const v1::RoomRequest& request);
  absl::StatusOr<v1::RoomResponse> LeaveRoom(const v1::RoomRequest& request);
  absl::StatusOr<v1::ListRoomsResponse> ListRooms(const v1::ListRoomsRequest& request);
  absl::StatusOr<v1::RoomMembersResponse> RoomMembers(const v1::RoomRequest& request);
  absl::StatusOr<v1::RoomResponse> RemoveMember(const v1::RemoveMemberRequest& request);
  absl::StatusOr<v1::RoomResponse> UpdateRoom(const v1::UpdateRoomRequest& request);
  absl::StatusOr<v1::RoomResponse> SetMemberRole(const v1::SetMemberRoleRequest& request);
  absl::StatusOr<v1::RoomResponse> Invite(const v1::InviteRequest& request);
  absl::StatusOr<v1::RoomResponse> AnswerInvitation(const v1::AnswerInvitationRequest& request);
  absl::StatusOr<v1::ListInvitationsResponse> ListInvitations(
      const v1::ListInvitationsRequest& request);
  absl::StatusOr<v1::RoomResponse> MuteMember(const v1::MuteMemberRequest& request);

 private:
  // The room named `name` as `viewer` sees it; NOT_FOUND, as for a name no room has, for a private
  // room they are not in and not invited to.
  absl::StatusOr<ConversationRecord> FindRoom(const std::string& name, uint64_t viewer);
  // Applies `args` to `room` and publishes what changed.
  absl::StatusOr<ConversationRecord> Apply(const ConversationRecord& room,
                                           const RoomRequestArgs& args);
  v1::RoomResponse Response(const ConversationRecord& room, uint64_t viewer);
  // Applies `args` (its action, and role) by the caller to the user named `username` in the room
  // named `room`.
  absl::StatusOr<v1::RoomResponse> ChangeMember(const v1::Caller& caller, const std::string& room,
                                                const std::string& username, RoomRequestArgs args);
  // RESOURCE_EXHAUSTED (with the wait) when the caller changes rooms too fast.
  absl::Status TakeRoomChange(const v1::Caller& caller);
  absl::StatusOr<v1::RoomMembersResponse> Bans(const v1::Caller& caller,
                                               const ConversationRecord& room);

  MessageStore& store_;
  EventPublisher& publisher_;
  UserDirectory& users_;
  RateLimiter& limiter_;
  ChatLimits limits_;
  const Clock& clock_;
};

}  // namespace natter::chat
