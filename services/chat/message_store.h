// Conversations, their entries and members as natter-chat stores them (MySQL in production, a fake
// in unit tests). The rules (who may do what) live in chat_service and room_rules; the store
// applies each change atomically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "friend_store.h"
#include "message_search.h"
#include "natter/v1/common.pb.h"

namespace natter::chat {

inline constexpr char kLobby[] = "lobby";

// Entry types (ChatMessage.type).
inline constexpr char kTypeMessage[] = "message";
inline constexpr char kTypeEdited[] = "message_edited";
inline constexpr char kTypeDeleted[] = "message_deleted";
inline constexpr char kTypeRoomCreated[] = "room_created";
inline constexpr char kTypeMemberJoined[] = "member_joined";
inline constexpr char kTypeMemberLeft[] = "member_left";
inline constexpr char kTypeMemberRemoved[] = "member_removed";
inline constexpr char kTypeMemberRoleChanged[] = "member_role_changed";  // text: the new role
inline constexpr char kTypeTopicChanged[] = "topic_changed";
inline constexpr char kTypeRoomRenamed[] = "room_renamed";
// A user's reaction to a message (target_seq) given or taken back; text: the emoji.
inline constexpr char kTypeReactionAdded[] = "reaction_added";
inline constexpr char kTypeReactionRemoved[] = "reaction_removed";
// Private rooms (issue 23 item 6): a moderator's mute of a member (target_user; text: the end of
// the mute in Unix ms, 253402300799000 until unmuted) and its end; the owner's change of the room's
// privacy (text: "private" or "public") and history visibility (text: "all" or "since_join").
inline constexpr char kTypeMemberMuted[] = "member_muted";
inline constexpr char kTypeMemberUnmuted[] = "member_unmuted";
inline constexpr char kTypeRoomPrivacyChanged[] = "room_privacy_changed";
inline constexpr char kTypeRoomHistoryChanged[] = "room_history_changed";

// Group conversations (issue 23 item 7): made (text: the title, seq 1), a member added by another
// (sender: who added them; target_user: the member), renamed (text: the new title, empty for none).
// Leaving and removals are member_left and member_removed as in rooms.
inline constexpr char kTypeGroupCreated[] = "group_created";
inline constexpr char kTypeMemberAdded[] = "member_added";
inline constexpr char kTypeGroupRenamed[] = "group_renamed";

inline bool IsReactionType(std::string_view type) {
  return type == kTypeReactionAdded || type == kTypeReactionRemoved;
}

// A message (target_seq) pinned or unpinned (pins.h).
inline constexpr char kTypeMessagePinned[] = "message_pinned";
inline constexpr char kTypeMessageUnpinned[] = "message_unpinned";

inline bool IsPinType(std::string_view type) {
  return type == kTypeMessagePinned || type == kTypeMessageUnpinned;
}

// How many messages a conversation may have pinned at once.
inline constexpr size_t kMaxPins = 50;
// Append's FAILED_PRECONDITION for a pin in a conversation that has kMaxPins.
inline constexpr char kRefusedTooManyPins[] =
    "this conversation has 50 pinned messages already; unpin one first";

// How many different emoji one message may carry (each given by any number of users).
inline constexpr size_t kMaxReactionEmoji = 20;
// Append's FAILED_PRECONDITION for a new emoji on a message that has kMaxReactionEmoji.
inline constexpr char kRefusedTooManyReactions[] =
    "this message has 20 different reactions already; add one of those instead";

// How much of a quoted message a reply carries (ReplyPreview.snippet), in code points.
inline constexpr size_t kReplySnippetChars = 100;

// The preview of `quoted` as a reply carries it: its sender and the first kReplySnippetChars code
// points of its text (what MariaDB's LEFT gives for the stored ones), or `deleted`.
inline v1::ReplyPreview ReplyPreviewOf(const v1::ChatMessage& quoted) {
  v1::ReplyPreview reply;
  reply.set_sender_id(quoted.sender_id());
  reply.set_sender(quoted.sender());
  reply.set_deleted(quoted.deleted());
  if (!quoted.deleted()) {
    const std::string& text = quoted.text();
    size_t chars = 0, end = 0;
    for (; end < text.size(); ++end) {  // a UTF-8 lead byte starts each code point
      if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80 && chars++ == kReplySnippetChars) {
        break;
      }
    }
    reply.set_snippet(text.substr(0, end));
  }
  return reply;
}

// A member's role in a room (conversation_members.role). The owner renames the room, sets its
// topic and names moderators; the owner and moderators remove and ban members, but a moderator
// never acts on the owner or on another moderator. Both participants of a direct conversation are
// members.
enum class MemberRole { kMember, kModerator, kOwner };

// The role's name, as stored and as clients see it (RoomMember.role): "member", "moderator",
// "owner".
inline std::string_view MemberRoleName(MemberRole role) {
  switch (role) {
    case MemberRole::kMember:
      return "member";
    case MemberRole::kModerator:
      return "moderator";
    case MemberRole::kOwner:
      return "owner";
  }
  return "member";
}

// The role a stored name stands for; none for a name that is no role.
inline std::optional<MemberRole> ParseMemberRole(std::string_view name) {
  for (MemberRole role : {MemberRole::kMember, MemberRole::kModerator, MemberRole::kOwner}) {
    if (MemberRoleName(role) == name) return role;
  }
  return std::nullopt;
}

// One user's notification settings for one conversation (SetNotifications). The level is stored
// as text ("all" or "none"), so a level can be added ("mentions") without a migration.
struct NotificationRecord {
  std::string level = "all";
  int64_t muted_until_ms = 0;  // 0: not muted (stored as it was set: it may have run out)
};

// Which of a room's entries its members may read (conversations.history): all of them, or only
// those from their own member_joined entry on.
enum class RoomHistory { kAll, kSinceJoin };

// The setting's name, as stored and as entries carry it: "all", "since_join".
inline std::string_view RoomHistoryName(RoomHistory history) {
  return history == RoomHistory::kSinceJoin ? "since_join" : "all";
}

// The setting a stored name stands for; one this release does not know reads as the stricter.
inline RoomHistory ParseRoomHistory(std::string_view name) {
  return name == "all" ? RoomHistory::kAll : RoomHistory::kSinceJoin;
}

// A pending invitation to a room (room_invitations), with the room's name.
struct InvitationRecord {
  uint64_t room_id = 0;
  std::string room;
  uint64_t invitee_id = 0;
  uint64_t inviter_id = 0;
  std::string inviter;  // the inviter's username when they invited
  int64_t created_at_ms = 0;
};

struct ConversationRecord {
  uint64_t id = 0;
  std::string kind;  // "room", "direct" or "group"
  std::string name;  // rooms
  uint64_t latest_seq = 0;
  std::string topic;  // rooms; a group's title (kept in conversations.topic: a group has no topic)
  uint64_t owner_id = 0;
  uint64_t direct_low = 0;  // direct: the participants, lower id first
  uint64_t direct_high = 0;
  uint64_t last_msg_no = 0;  // how many entries of type "message" the conversation has
  uint32_t member_count = 0;
  // As one user sees it (FindRoom, FindConversation and ConversationsOf fill these for the viewer).
  bool is_member = false;
  // The viewer's role when a member (FindRoom and FindConversation; the lobby's members have none).
  std::optional<MemberRole> role;
  uint64_t last_read_seq = 0;
  uint64_t read_msg_no = 0;
  uint64_t peer_read_seq = 0;
  std::optional<v1::ChatMessage> last_entry;  // ConversationsOf: the latest message, if any
  NotificationRecord notifications;           // ConversationsOf: the viewer's settings
  // Rooms (migration 014): invite-only and unlisted; what members may read.
  bool is_private = false;
  RoomHistory history = RoomHistory::kAll;
  // The viewer's membership, with role (FindRoom, FindConversation, ListRooms, RoomsOf): the seq
  // of their member_joined entry (0 for members from before migration 014), and a moderator's mute
  // of them (as stored: it may have run out).
  uint64_t joined_seq = 0;
  int64_t muted_until_ms = 0;

  bool is_room() const { return kind == "room"; }
  bool is_direct() const { return kind == "direct"; }
  bool is_group() const { return kind == "group"; }
  bool is_lobby() const { return kind == "room" && name == kLobby; }
  // Direct: the participant who is not `user_id`.
  uint64_t PeerOf(uint64_t user_id) const {
    return direct_low == user_id ? direct_high : direct_low;
  }
};

// An entry to append: a message, or an edit or deletion of one or a reaction to one (target_seq).
struct NewMessage {
  uint64_t conversation_id = 0;
  uint64_t sender_id = 0;
  std::string sender;
  std::string client_msg_id;
  std::string type = kTypeMessage;
  std::string text;
  uint64_t target_seq = 0;
  uint64_t reply_to_seq = 0;  // a message: the message it replies to (checked by the caller)
  v1::ReplyPreview reply;     // with reply_to_seq: its preview, for the entry published; not stored
  int64_t sent_at_ms = 0;
  // A message or edit: the users its text mentions (mentions.h ResolveMentions), stored with it.
  std::vector<v1::Mention> mentions;
  // A direct conversation: refuse the entry (PERMISSION_DENIED, kRefusedBlocked or
  // kRefusedNotFriends) unless its two participants are friends and neither has blocked the other,
  // checked atomically with the append.
  bool friends_only = false;
};

// Why Append refuses a friends_only entry.
inline constexpr char kRefusedBlocked[] = "you cannot message this user";
inline constexpr char kRefusedNotFriends[] =
    "you are no longer friends with this user; you can message them once you are friends again";

struct AppendResult {
  v1::SendAck ack;
  bool duplicate = false;
  // A reaction already as asked: nothing stored (ack.unchanged, no seq).
  bool unchanged = false;
  // A reaction entry stored now: its target's reactions right after it, for the entry published.
  std::vector<v1::Reaction> reactions;
  // A message or edit stored now: its mentions, with `added` as stored (an edit: whether the text
  // before mentioned the user).
  std::vector<v1::Mention> mentions;
};

// A room as a change sees it, read under the room's lock (so a role read here is the role the
// change is decided on: a demotion and a ban by that moderator take their turns).
struct RoomState {
  ConversationRecord room;
  std::optional<MemberRole> actor_role;   // when the actor is a member
  std::optional<MemberRole> target_role;  // when the target (RemoveMember, SetMemberRole) is one
  // Who inherits the room if the actor owns it and leaves: the longest-standing moderator, else
  // the longest-standing member (other than the actor).
  std::optional<uint64_t> successor;
  bool actor_banned = false;
  bool target_banned = false;
  // Pending invitations to this room of the actor and of the target.
  std::optional<InvitationRecord> actor_invitation;
  std::optional<InvitationRecord> target_invitation;
  // How many pending invitations the room has, the actor has sent (to any room) and the target
  // has (from any room): each is limited.
  uint32_t room_invitations = 0;
  uint32_t actor_invitations_sent = 0;
  uint32_t target_invitations = 0;
  int64_t target_muted_until_ms = 0;  // the target's mute, as stored, when a member
  // A block stands between the actor and the target, either way (invitations are refused).
  bool blocked = false;

  bool target_member() const { return target_role.has_value(); }
};

// What a room change does, and the entry it appends.
struct RoomChange {
  bool noop = false;  // nothing to change (joining a room one is in): no entry, no events
  bool add_actor = false;
  bool add_target = false;  // a group: the target added by the actor, reading from this entry on
  bool remove_actor = false;
  bool remove_target = false;
  std::optional<uint64_t> new_owner;  // 0: the room has no owner until someone joins
  std::optional<std::string> topic;
  std::optional<std::string> name;  // with name_key and name_skeleton
  std::string name_key;
  std::string name_skeleton;
  std::optional<bool> ban_target;         // true: ban the target; false: lift their ban
  std::optional<MemberRole> target_role;  // the target's new role (a member, never the owner)
  bool invite_target = false;             // a pending invitation of the target, from the actor
  bool drop_actor_invitation = false;     // the actor's invitation, answered
  bool drop_target_invitation = false;    // the target's invitation, cancelled
  std::optional<int64_t> target_muted_until_ms;  // the target's new mute (0: unmuted)
  std::optional<bool> is_private;
  std::optional<RoomHistory> history;
  // The entry to append; none (empty) for a change members need not see (a ban of a non-member,
  // an unban), which then has no events either.
  std::string entry_type;
  std::string entry_text;
  uint64_t target_user_id = 0;
  std::string target_user;
  // Durable events for the affected users; a RoomMembership's seq is set to the entry's seq, and
  // its (or a RoomInvitation's) room to the room's name after the change. A change with no entry
  // may have events too (an invitation, a declined one).
  std::vector<std::pair<uint64_t, v1::UserEvent>> events;
};

struct RoomChangeResult {
  ConversationRecord room;  // after the change
  std::optional<v1::ChatMessage> entry;
  std::vector<StoredUserEvent> events;
};

struct NewRoom {
  std::string name;
  std::string name_key;
  std::string name_skeleton;  // NameSkeleton of the name: look-alikes share it
  std::string topic;
  uint64_t owner_id = 0;
  std::string owner;
  int64_t now_ms = 0;
  bool is_private = false;
  RoomHistory history = RoomHistory::kAll;
};

// A group conversation to create (group_rules.h): its creator (its owner) and the other members,
// all members from its group_created entry (seq 1) on.
struct NewGroup {
  std::string title;  // validated; empty: none
  uint64_t creator_id = 0;
  std::string creator;
  std::vector<uint64_t> members;  // the others, without the creator
  int64_t now_ms = 0;
};

// CreateRoom's and ChangeRoom's ALREADY_EXISTS messages for a new name: which unique form of it
// another room holds, its case-folded key or its look-alike skeleton.
inline constexpr std::string_view kRoomNameKeyTaken = "room name taken";
inline constexpr std::string_view kRoomNameSkeletonTaken = "a look-alike room name exists";

struct MemberRecord {
  uint64_t user_id = 0;
  MemberRole role = MemberRole::kMember;
  int64_t joined_at_ms = 0;
  int64_t muted_until_ms = 0;  // as stored: it may have run out
};

struct BanRecord {
  uint64_t user_id = 0;
  uint64_t by_user_id = 0;
  int64_t banned_at_ms = 0;
};

struct ReadState {
  uint64_t last_read_seq = 0;
  uint64_t unread = 0;
  bool moved = false;  // the marker moved forward
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // The room whose case-folded name is `name_key`, with `viewer`'s membership.
  virtual absl::StatusOr<std::optional<ConversationRecord>> FindRoom(std::string_view name_key,
                                                                     uint64_t viewer) = 0;
  // The conversation with `viewer`'s membership (for a direct one: whether viewer takes part).
  virtual absl::StatusOr<std::optional<ConversationRecord>> FindConversation(uint64_t id,
                                                                             uint64_t viewer) = 0;
  // The direct conversation of two users, if they have one (viewer: `a`).
  virtual absl::StatusOr<std::optional<ConversationRecord>> FindDirect(uint64_t a, uint64_t b) = 0;
  // The direct conversation of two users, created (with both as members) if they have none.
  virtual absl::StatusOr<ConversationRecord> OpenDirect(uint64_t a, uint64_t b, int64_t now_ms) = 0;
  // Every conversation `user_id` takes part in (the lobby first), with read markers and unread
  // counts. The first time, the user's lobby marker is set to the lobby's latest message.
  virtual absl::StatusOr<std::vector<ConversationRecord>> ConversationsOf(uint64_t user_id) = 0;

  // Appends the entry under the conversation's next seq, atomically with the dedupe check on
  // (sender_id, client_msg_id): a replay of the same entry (conversation, type, target and text as
  // first sent) returns the original ack with duplicate = true; a client_msg_id the sender already
  // used for a different entry is ALREADY_EXISTS. A message also moves the sender's read marker to
  // it. An edit or deletion changes its target in the same transaction: FAILED_PRECONDITION if the
  // target is no longer the sender's live message. With friends_only, PERMISSION_DENIED when a
  // direct conversation's two participants are not friends or a block stands between them (a
  // replay of an entry stored before still gets its original ack).
  // A reaction entry (kTypeReactionAdded / kTypeReactionRemoved, text: the emoji) adds or removes
  // the sender's reaction to its target, which must be a live message of the conversation
  // (anyone's; FAILED_PRECONDITION otherwise), in the same transaction; adding one already there or
  // removing one not there stores nothing (unchanged). A new emoji on a message that has
  // kMaxReactionEmoji is FAILED_PRECONDITION (kRefusedTooManyReactions). A deletion removes its
  // target's reactions. A pin entry (kTypeMessagePinned / kTypeMessageUnpinned) pins or unpins
  // its target, a live message of the conversation (anyone's), in the same transaction; pinning
  // one pinned or unpinning one not pinned stores nothing (unchanged); a pin beyond kMaxPins is
  // FAILED_PRECONDITION (kRefusedTooManyPins); a deletion unpins its target. A message stores its
  // `mentions` (all added); an edit stores its own and
  // replaces its target's, each added unless the target mentioned the user before; a deletion
  // removes its target's.
  virtual absl::StatusOr<AppendResult> Append(const NewMessage& message) = 0;

  // The reactions to those of `seqs` that are messages with reactions, by seq: each emoji in the
  // order it was first given (of the reactions there now), its users in the order they reacted,
  // with the usernames stored with them.
  virtual absl::StatusOr<std::map<uint64_t, std::vector<v1::Reaction>>> Reactions(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) = 0;

  // The mentions of those of `seqs` that have any, by seq, each entry's in the order first named:
  // a message's as they are now, an edit entry's those of its text (migration 010).
  virtual absl::StatusOr<std::map<uint64_t, std::vector<v1::Mention>>> Mentions(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) = 0;
  // Up to `limit` live messages (type message, not deleted) that mention `user_id` now, with
  // message_id < before_message_id, in conversations the user can read now (a member; the lobby:
  // anyone), newest (highest message_id) first. Without reactions or mentions (read those apart).
  virtual absl::StatusOr<std::vector<v1::ChatMessage>> MentionsOf(uint64_t user_id,
                                                                  uint64_t before_message_id,
                                                                  uint32_t limit) = 0;
  // The conversation's pins, most recently pinned first, each with its message as it is now
  // (without reactions or mentions) and the pinner's stored name.
  virtual absl::StatusOr<std::vector<v1::Pin>> Pins(uint64_t conversation_id) = 0;

  // One entry, as it is now. (Entries are read without their reactions: see Reactions.)
  virtual absl::StatusOr<std::optional<v1::ChatMessage>> FindMessage(uint64_t conversation_id,
                                                                     uint64_t seq) = 0;
  // Up to `limit` messages and room changes (no edit, delete or reaction entries) with
  // seq < before_seq, newest first.
  virtual absl::StatusOr<std::vector<v1::ChatMessage>> MessagesBefore(uint64_t conversation_id,
                                                                      uint64_t before_seq,
                                                                      uint32_t limit) = 0;
  // Up to `limit` entries of every type with seq > after_seq, oldest first.
  virtual absl::StatusOr<std::vector<v1::ChatMessage>> MessagesAfter(uint64_t conversation_id,
                                                                     uint64_t after_seq,
                                                                     uint32_t limit) = 0;

  // Moves `user_id`'s read marker to min(seq, latest) unless it is already there or beyond.
  virtual absl::StatusOr<ReadState> MarkRead(uint64_t user_id, uint64_t conversation_id,
                                             uint64_t seq) = 0;

  // Sets `user_id`'s notification settings for the conversation: the level and the mute each when
  // given, the other kept (a user who never set any has "all", not muted). Returns them after.
  virtual absl::StatusOr<NotificationRecord> SetNotifications(
      uint64_t user_id, uint64_t conversation_id, std::optional<std::string> level,
      std::optional<int64_t> muted_until_ms) = 0;

  // Creates a room owned by its creator, with a room_created entry (seq 1). ALREADY_EXISTS
  // (kRoomNameKeyTaken or kRoomNameSkeletonTaken) if another room holds the name key or skeleton.
  virtual absl::StatusOr<RoomChangeResult> CreateRoom(const NewRoom& room) = 0;
  using DecideRoom = std::function<absl::StatusOr<RoomChange>(const RoomState&)>;
  // Locks the room (or group), reads its state for `actor` (and `target`: role and ban), lets
  // `decide` choose the change and applies it with its entry and user events in one transaction.
  // ALREADY_EXISTS
  // (kRoomNameKeyTaken or kRoomNameSkeletonTaken) if another room holds a new name's key or
  // skeleton; the room's own old name never stands in the way.
  virtual absl::StatusOr<RoomChangeResult> ChangeRoom(uint64_t room_id, uint64_t actor,
                                                      std::string_view actor_name, uint64_t target,
                                                      int64_t now_ms, const DecideRoom& decide) = 0;
  // Creates a group conversation (kind "group", history since_join) with a group_created entry
  // (seq 1) whose members are the creator (owner) and group.members, each with a RoomMembership
  // "joined" event (room empty, by: the creator).
  virtual absl::StatusOr<RoomChangeResult> CreateGroup(const NewGroup& group) = 0;
  // How many groups `user_id` created at or after `since_ms`.
  virtual absl::StatusOr<uint32_t> GroupsCreatedSince(uint64_t user_id, int64_t since_ms) = 0;
  // Rooms (not the lobby's members: it has none listed) whose name key starts with `prefix_key`, by
  // name, with `viewer`'s membership; private rooms only when `viewer` is a member.
  virtual absl::StatusOr<std::vector<ConversationRecord>> ListRooms(std::string_view prefix_key,
                                                                    uint32_t limit,
                                                                    uint64_t viewer) = 0;
  // The users banned from a room, newest first.
  virtual absl::StatusOr<std::vector<BanRecord>> Bans(uint64_t room_id, uint32_t limit) = 0;
  // Members of a room or direct conversation: the owner, the moderators, then the members, each
  // by joining time.
  virtual absl::StatusOr<std::vector<MemberRecord>> Members(uint64_t conversation_id,
                                                            uint32_t limit) = 0;
  // The first `per_group` members (in Members' order) of each group `user_id` is in, by group id:
  // what labels untitled groups in a conversation list, in one read however many groups.
  virtual absl::StatusOr<std::map<uint64_t, std::vector<MemberRecord>>> GroupMembersOf(
      uint64_t user_id, uint32_t per_group) = 0;
  // The rooms `user_id` is in: the lobby, then the rooms joined and the groups, by id.
  virtual absl::StatusOr<std::vector<ConversationRecord>> RoomsOf(uint64_t user_id) = 0;
  // `user_id`'s pending invitation to the room, if they have one.
  virtual absl::StatusOr<std::optional<InvitationRecord>> FindInvitation(uint64_t room_id,
                                                                         uint64_t user_id) = 0;
  // Up to `limit` of `user_id`'s pending invitations, newest first.
  virtual absl::StatusOr<std::vector<InvitationRecord>> InvitationsOf(uint64_t user_id,
                                                                      uint32_t limit) = 0;

  // Rooms made before room names had a skeleton (migration 005): (id, name) of up to `limit` of
  // them with no skeleton and id > after_id, by id.
  virtual absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> RoomsWithoutSkeleton(
      uint64_t after_id, size_t limit) = 0;
  // Sets the skeleton of a room that has none (a room that has one keeps it); ALREADY_EXISTS
  // (kRoomNameSkeletonTaken) when another room holds it.
  virtual absl::Status SetRoomNameSkeleton(uint64_t room_id, std::string_view skeleton) = 0;
  // Search (message_search.h): up to spec.limit live messages (type message, not deleted) after
  // the first spec.offset, holding every clause (a clause's terms next to each other, in order),
  // in conversations spec.viewer can read now (a member; the lobby: anyone), narrowed by sender,
  // conversation and time; the most relevant first, equally relevant ones newest first. Each with
  // its text as it is now.
  virtual absl::StatusOr<std::vector<SearchHitRecord>> Search(const SearchSpec& spec) = 0;
  // Indexes up to `limit` of the messages the search index has not seen yet (those stored before
  // it existed), resuming where the last call stopped; how many it looked at (0: none left).
  virtual absl::StatusOr<size_t> IndexOlderMessages(size_t limit) = 0;
};

}  // namespace natter::chat
