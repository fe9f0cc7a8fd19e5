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

bool Moderates(std::optional<MemberRole> role) {
  return role == MemberRole::kOwner || role == MemberRole::kModerator;
}

// Whether the actor may remove or ban the target, as their roles stand: the owner may act on
// anyone, a moderator on plain members and on users who are not in the room.
absl::Status MayActOn(const RoomState& s, const RoomRequestArgs& args, const std::string& verb) {
  if (s.actor_role == MemberRole::kOwner) return absl::OkStatus();
  const std::string& room = s.room.name;
  if (s.target_role == MemberRole::kOwner) {
    return absl::PermissionDeniedError(args.target.username + " owns room " + Quoted(room) +
                                       "; moderators cannot " + verb + " the owner");
  }
  if (s.target_role == MemberRole::kModerator) {
    return absl::PermissionDeniedError(args.target.username + " is a moderator of " + Quoted(room) +
                                       " too; only the owner can " + verb + " a moderator");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RoomChange> DecideRoomChange(const RoomState& s, const RoomRequestArgs& args) {
  const ConversationRecord& room = s.room;
  const bool owner = s.actor_role == MemberRole::kOwner;
  const bool moderates = Moderates(s.actor_role);
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
      if (!moderates) {
        return absl::PermissionDeniedError("only the owner and moderators of " + Quoted(room.name) +
                                           " can remove members");
      }
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("you cannot remove yourself; to go, leave the room");
      }
      if (!s.target_member()) {
        return absl::NotFoundError(args.target.username + " is not in room " + Quoted(room.name));
      }
      if (auto allowed = MayActOn(s, args, "remove"); !allowed.ok()) return allowed;
      // The removed lose their role with their membership: whoever joins again is a member.
      change.remove_target = true;
      change.entry_type = kTypeMemberRemoved;
      change.target_user_id = args.target.id;
      change.target_user = args.target.username;
      change.events.emplace_back(args.target.id, Membership("removed", room, args.actor.username));
      return change;

    case RoomAction::kBan:
      if (!moderates) {
        return absl::PermissionDeniedError("only the owner and moderators of " + Quoted(room.name) +
                                           " can ban users");
      }
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("you cannot ban yourself; to go, leave the room");
      }
      if (auto allowed = MayActOn(s, args, "ban"); !allowed.ok()) return allowed;
      if (s.target_banned) {
        change.noop = true;
        return change;
      }
      change.ban_target = true;
      if (s.target_member()) {
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
      // The banned are not members, so they hold no role a moderator must respect.
      if (!moderates) {
        return absl::PermissionDeniedError("only the owner and moderators of " + Quoted(room.name) +
                                           " can lift bans");
      }
      if (!s.target_banned) {
        return absl::NotFoundError(args.target.username + " is not banned from room " +
                                   Quoted(room.name));
      }
      change.ban_target = false;
      return change;

    case RoomAction::kSetRole:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can appoint or remove moderators");
      }
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("you own " + Quoted(room.name) +
                                          "; the owner's role cannot change (to hand the room "
                                          "on, leave it)");
      }
      if (args.role == MemberRole::kOwner) {
        return absl::InvalidArgumentError("a room has one owner; make them a moderator or member");
      }
      if (!s.target_member()) {
        return absl::NotFoundError(args.target.username + " is not in room " + Quoted(room.name));
      }
      if (s.target_role == args.role) {
        change.noop = true;
        return change;
      }
      change.target_role = args.role;
      change.entry_type = kTypeMemberRoleChanged;
      change.entry_text = std::string(MemberRoleName(args.role));
      change.target_user_id = args.target.id;
      change.target_user = args.target.username;
      // No RoomMembership event: the target stays in the room (and gateways read every such event
      // as a reason to subscribe or unsubscribe). Members, the target among them, see the entry.
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
