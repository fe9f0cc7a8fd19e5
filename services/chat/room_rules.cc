#include "room_rules.h"

namespace natter::chat {
namespace {

v1::UserEvent Membership(const std::string& type, const ConversationRecord& room,
                         const std::string& by = "") {
  v1::UserEvent event;
  v1::RoomMembership* m = event.mutable_room();
  m->set_type(type);
  m->set_conversation_id(room.id);
  m->set_room(room.name);
  m->set_by(by);
  return event;
}

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

absl::StatusOr<RoomChange> DecideRoomChange(const RoomState& s, const RoomRequestArgs& args) {
  const ConversationRecord& room = s.room;
  const bool owner = s.actor_role == "owner";
  RoomChange change;
  if (room.is_lobby()) {
    switch (args.action) {
      case RoomAction::kJoin:
        change.noop = true;  // everyone is in the lobby
        return change;
      case RoomAction::kLeave:
        return absl::FailedPreconditionError("everyone stays in the lobby; it cannot be left");
      default:
        return absl::PermissionDeniedError("the lobby has no owner; nobody can change it");
    }
  }
  switch (args.action) {
    case RoomAction::kJoin:
      if (s.actor_role) {
        change.noop = true;
        return change;
      }
      if (s.actor_banned) {
        return absl::PermissionDeniedError("you are banned from room " + Quoted(room.name));
      }
      if (room.member_count >= kMaxRoomMembers) {
        return absl::ResourceExhaustedError("room " + Quoted(room.name) + " is full (" +
                                            std::to_string(kMaxRoomMembers) + " members)");
      }
      change.add_actor = true;
      if (room.owner_id == 0) change.new_owner = args.actor.id;  // an abandoned room is adopted
      change.entry_type = kTypeMemberJoined;
      change.events.emplace_back(args.actor.id, Membership("joined", room));
      return change;

    case RoomAction::kLeave:
      if (!s.actor_role) {
        return absl::FailedPreconditionError("you are not in room " + Quoted(room.name));
      }
      change.remove_actor = true;
      if (owner) change.new_owner = s.successor.value_or(0);
      change.entry_type = kTypeMemberLeft;
      change.events.emplace_back(args.actor.id, Membership("left", room));
      return change;

    case RoomAction::kRemove:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can remove members");
      }
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("to leave a room you own, leave it");
      }
      if (!s.target_member) {
        return absl::NotFoundError(args.target.username + " is not in room " + Quoted(room.name));
      }
      change.remove_target = true;
      change.entry_type = kTypeMemberRemoved;
      change.target_user_id = args.target.id;
      change.target_user = args.target.username;
      change.events.emplace_back(args.target.id, Membership("removed", room, args.actor.username));
      return change;

    case RoomAction::kBan:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can ban users");
      }
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("you cannot ban yourself; to go, leave the room");
      }
      if (s.target_banned) {
        change.noop = true;
        return change;
      }
      change.ban_target = true;
      if (s.target_member) {
        // Removed as by kRemove, with "banned" as the entry's text so members can tell.
        change.remove_target = true;
        change.entry_type = kTypeMemberRemoved;
        change.entry_text = "banned";
        change.target_user_id = args.target.id;
        change.target_user = args.target.username;
        change.events.emplace_back(args.target.id,
                                   Membership("removed", room, args.actor.username));
      }
      return change;

    case RoomAction::kUnban:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can lift bans");
      }
      if (!s.target_banned) {
        return absl::NotFoundError(args.target.username + " is not banned from room " +
                                   Quoted(room.name));
      }
      change.ban_target = false;
      return change;

    case RoomAction::kSetTopic:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can set its topic");
      }
      if (args.topic == room.topic) {
        change.noop = true;
        return change;
      }
      change.topic = args.topic;
      change.entry_type = kTypeTopicChanged;
      change.entry_text = args.topic;
      return change;

    case RoomAction::kRename:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can rename it");
      }
      if (args.name == room.name) {
        change.noop = true;
        return change;
      }
      change.name = args.name;
      change.name_key = args.name_key;
      change.name_skeleton = args.name_skeleton;
      change.entry_type = kTypeRoomRenamed;
      change.entry_text = args.name;
      return change;
  }
  return absl::InvalidArgumentError("unknown room action");
}

}  // namespace natter::chat
