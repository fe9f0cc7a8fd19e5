#include "room_rules.h"

#include "absl/time/time.h"

namespace natter::chat {
namespace {

// A mute "until unmuted" (9999-12-31T23:59:59Z), as SetNotifications writes it (kMutedForeverMs).
constexpr int64_t kMutedUntilUnmuted = 253'402'300'799'000;

// An invitation event about `i` (the room's name is set by the store, as it is after the change).
v1::UserEvent Invitation(const std::string& type, const InvitationRecord& i,
                         const std::string& invitee, const std::string& by = "") {
  v1::UserEvent event;
  v1::RoomInvitation* out = event.mutable_invitation();
  out->set_type(type);
  out->set_conversation_id(i.room_id);
  out->set_room(i.room);
  out->set_inviter_id(i.inviter_id);
  out->set_inviter(i.inviter);
  out->set_invitee_id(i.invitee_id);
  out->set_invitee(invitee);
  out->set_created_at_ms(i.created_at_ms);
  out->set_by(by);
  return event;
}

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
    case RoomAction::kAccept:
      if (!s.actor_invitation &&
          (args.action == RoomAction::kAccept || (room.is_private && !s.actor_role))) {
        // To a private room's non-members, it does not exist (RoomVisible).
        return args.action == RoomAction::kAccept
                   ? absl::NotFoundError("you have no invitation to room " + Quoted(room.name))
                   : absl::NotFoundError("no room named " + Quoted(room.name));
      }
      if (s.actor_role) {
        if (!s.actor_invitation) {
          change.noop = true;
          return change;
        }
        // Joined by name meanwhile: the invitation is answered all the same.
        change.drop_actor_invitation = true;
        change.events.emplace_back(
            s.actor_invitation->inviter_id,
            Invitation("accepted", *s.actor_invitation, args.actor.username));
        change.events.emplace_back(
            args.actor.id, Invitation("accepted", *s.actor_invitation, args.actor.username));
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
      if (s.actor_invitation) {
        change.drop_actor_invitation = true;
        change.events.emplace_back(
            s.actor_invitation->inviter_id,
            Invitation("accepted", *s.actor_invitation, args.actor.username));
        change.events.emplace_back(
            args.actor.id, Invitation("accepted", *s.actor_invitation, args.actor.username));
      }
      return change;

    case RoomAction::kDecline:
      if (!s.actor_invitation) {
        return absl::NotFoundError("you have no invitation to room " + Quoted(room.name));
      }
      change.drop_actor_invitation = true;
      change.events.emplace_back(s.actor_invitation->inviter_id,
                                 Invitation("declined", *s.actor_invitation, args.actor.username));
      change.events.emplace_back(args.actor.id,
                                 Invitation("declined", *s.actor_invitation, args.actor.username));
      return change;

    case RoomAction::kInvite: {
      if (!moderates) {
        return absl::PermissionDeniedError("only the owner and moderators of " + Quoted(room.name) +
                                           " can invite users");
      }
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("you are in room " + Quoted(room.name) + " already");
      }
      if (s.target_member()) {
        return absl::AlreadyExistsError(args.target.username + " is in room " + Quoted(room.name) +
                                        " already");
      }
      if (s.target_banned) {
        return absl::FailedPreconditionError(args.target.username + " is banned from room " +
                                             Quoted(room.name) + "; lift the ban to invite them");
      }
      if (s.blocked) {
        // Whoever blocked whom, as a direct message to them would be refused.
        return absl::PermissionDeniedError("you cannot invite this user");
      }
      if (s.target_invitation) {
        change.noop = true;  // invited already (by anyone): one pending invitation is enough
        return change;
      }
      if (s.room_invitations >= kMaxRoomInvitations) {
        return absl::ResourceExhaustedError(
            "room " + Quoted(room.name) + " has " + std::to_string(kMaxRoomInvitations) +
            " pending invitations; wait for answers or cancel some");
      }
      if (s.actor_invitations_sent >= kMaxInvitationsSent) {
        return absl::ResourceExhaustedError("you have " + std::to_string(kMaxInvitationsSent) +
                                            " pending invitations; wait for answers or cancel "
                                            "some");
      }
      if (s.target_invitations >= kMaxInvitationsHeld) {
        return absl::ResourceExhaustedError(args.target.username + " has " +
                                            std::to_string(kMaxInvitationsHeld) +
                                            " pending invitations already; try again later");
      }
      change.invite_target = true;
      InvitationRecord invitation{room.id,       room.name,           args.target.id,
                                  args.actor.id, args.actor.username, 0};
      v1::UserEvent event = Invitation("invited", invitation, args.target.username);
      change.events.emplace_back(args.target.id, std::move(event));
      return change;
    }

    case RoomAction::kCancelInvitation:
      if (!moderates) {
        return absl::PermissionDeniedError("only the owner and moderators of " + Quoted(room.name) +
                                           " can cancel invitations");
      }
      if (!s.target_invitation) {
        return absl::NotFoundError(args.target.username + " has no invitation to room " +
                                   Quoted(room.name));
      }
      change.drop_target_invitation = true;
      change.events.emplace_back(
          args.target.id,
          Invitation("cancelled", *s.target_invitation, args.target.username, args.actor.username));
      return change;

    case RoomAction::kMute: {
      if (!moderates) {
        return absl::PermissionDeniedError("only the owner and moderators of " + Quoted(room.name) +
                                           " can mute members");
      }
      if (args.target.id == args.actor.id) {
        return absl::InvalidArgumentError("you cannot mute yourself");
      }
      if (!s.target_member()) {
        return absl::NotFoundError(args.target.username + " is not in room " + Quoted(room.name));
      }
      if (auto allowed = MayActOn(s, args, "mute"); !allowed.ok()) return allowed;
      if (s.target_muted_until_ms == args.muted_until_ms) {
        change.noop = true;
        return change;
      }
      change.target_muted_until_ms = args.muted_until_ms;
      change.entry_type = args.muted_until_ms == 0 ? kTypeMemberUnmuted : kTypeMemberMuted;
      if (args.muted_until_ms != 0) change.entry_text = std::to_string(args.muted_until_ms);
      change.target_user_id = args.target.id;
      change.target_user = args.target.username;
      return change;
    }

    case RoomAction::kSetPrivacy:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can make it private or public");
      }
      if (args.is_private == room.is_private) {
        change.noop = true;
        return change;
      }
      change.is_private = args.is_private;
      change.entry_type = kTypeRoomPrivacyChanged;
      change.entry_text = args.is_private ? "private" : "public";
      return change;

    case RoomAction::kSetHistory:
      if (!owner) {
        return absl::PermissionDeniedError("only the owner of " + Quoted(room.name) +
                                           " can change who reads its history");
      }
      if (args.history == room.history) {
        change.noop = true;
        return change;
      }
      change.history = args.history;
      change.entry_type = kTypeRoomHistoryChanged;
      change.entry_text = std::string(RoomHistoryName(args.history));
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
      if (s.target_invitation) {
        change.drop_target_invitation = true;
        change.events.emplace_back(
            args.target.id, Invitation("cancelled", *s.target_invitation, args.target.username,
                                       args.actor.username));
      }
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

bool RoomVisible(const ConversationRecord& room, bool invited) {
  return !room.is_private || room.is_member || invited;
}

uint64_t ReadableFrom(const ConversationRecord& c) {
  // Groups are since_join from their creation on (CreateGroup).
  if (!c.is_direct() && c.history == RoomHistory::kSinceJoin && c.joined_seq > 0) {
    return c.joined_seq;
  }
  return 1;
}

bool CanReadSeq(const ConversationRecord& c, uint64_t seq) {
  return c.is_member && seq >= ReadableFrom(c);
}

absl::Status CheckMayPost(const ConversationRecord& c, int64_t now_ms) {
  if (!c.is_room() || c.muted_until_ms <= now_ms) return absl::OkStatus();
  if (c.muted_until_ms >= kMutedUntilUnmuted) {
    return absl::FailedPreconditionError("a moderator muted you in room " + Quoted(c.name) +
                                         "; you can read it but not post until they unmute you");
  }
  return absl::FailedPreconditionError(
      "a moderator muted you in room " + Quoted(c.name) + " until " +
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(c.muted_until_ms),
                       absl::UTCTimeZone()) +
      "; you can read it but not post until then");
}

}  // namespace natter::chat
