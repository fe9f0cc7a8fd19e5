// The room rules, as a pure function of the room's state: what joining, leaving, removing or
// banning a member, lifting a ban, changing a member's role, setting the topic or renaming changes,
// which entry it appends and which events the affected users get, or why it is refused.
// Unit-tested for every action in every state.
//
// Who may do what: the owner renames, sets the topic, makes the room private or public, sets its
// history visibility and makes members moderators (or moderators members again); the owner and
// the moderators remove, ban, unban, mute and unmute, invite and cancel invitations, but a
// moderator never acts on the owner or on another moderator. Nobody acts on themself (they leave
// instead).
//
// Private rooms: joined only with a pending invitation (joining is accepting it); to anyone else
// a private room is as if it did not exist (NOT_FOUND "no room named ..."), so its name and its
// existence do not leak. The invitee is told of an invitation (and of its cancellation), the
// inviter of its answer. Who reads what: ReadableFrom/CanReadSeq, the one place that says it.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "friendship_rules.h"
#include "message_store.h"

namespace natter::chat {

inline constexpr uint32_t kMaxRoomMembers = 10000;
// Pending invitations: to one room, sent by one user (to any rooms), held by one user (from any
// rooms). Each is RESOURCE_EXHAUSTED beyond; answering or cancelling one frees its place.
inline constexpr uint32_t kMaxRoomInvitations = 200;
inline constexpr uint32_t kMaxInvitationsSent = 100;
inline constexpr uint32_t kMaxInvitationsHeld = 100;

enum class RoomAction {
  kJoin,     // with an invitation, accepts it (a private room needs one)
  kAccept,   // kJoin that needs an invitation
  kDecline,  // the actor's invitation
  kLeave,
  kRemove,
  kBan,
  kUnban,
  kSetRole,
  kSetTopic,
  kRename,
  kInvite,
  kCancelInvitation,
  kMute,  // muted_until_ms (0: unmute)
  kSetPrivacy,
  kSetHistory,
};

struct RoomRequestArgs {
  RoomAction action = RoomAction::kJoin;
  Party actor;
  Party target;                             // kRemove, kBan, kUnban, kSetRole
  MemberRole role = MemberRole::kMember;    // kSetRole: the target's new role
  std::string topic;                        // kSetTopic (validated)
  std::string name;                         // kRename (validated, NFC)
  std::string name_key;                     // kRename
  std::string name_skeleton;                // kRename
  int64_t muted_until_ms = 0;               // kMute: validated, 0 unmutes
  bool is_private = false;                  // kSetPrivacy
  RoomHistory history = RoomHistory::kAll;  // kSetHistory
};

absl::StatusOr<RoomChange> DecideRoomChange(const RoomState& state, const RoomRequestArgs& args);

// Whether `room` (as its viewer sees it, with is_member) exists for its viewer: a public room for
// everyone, a private one for its members and for whoever holds an invitation to it.
bool RoomVisible(const ConversationRecord& room, bool invited);

// The first seq of `c` its viewer (a member) may read: in a room whose history is since_join, the
// seq of their member_joined entry (in a group, always since_join: of their member_added entry,
// or 1 for its first members); otherwise 1 (every entry).
uint64_t ReadableFrom(const ConversationRecord& c);
// Whether the viewer of `c` (a member) may read entry `seq`. Sync, History, replies, reactions and
// search ask this; ReadableFrom is its floor for range reads.
bool CanReadSeq(const ConversationRecord& c, uint64_t seq);

// FAILED_PRECONDITION, saying until when, while a moderator's mute of the viewer of `c` lasts: a
// muted member reads but cannot send, edit, react or show as typing.
absl::Status CheckMayPost(const ConversationRecord& c, int64_t now_ms);

}  // namespace natter::chat
