// natter-chat's conversations: validate, check the caller may act on the conversation, store with
// the next per-conversation seq, ack after commit, publish.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "chat_limits.h"
#include "common/clock.h"
#include "common/event_publisher.h"
#include "common/rate_limit.h"
#include "file_service.h"
#include "friend_store.h"
#include "group_rules.h"
#include "message_store.h"
#include "natter/v1/chat.pb.h"
#include "typing_limiter.h"
#include "user_directory.h"

namespace natter::chat {

inline constexpr size_t kMaxMessageBytes = 4096;
inline constexpr size_t kMaxClientMsgId = 64;
// A reaction's emoji, in bytes of UTF-8 (the longest emoji sequences, family ZWJ sequences, take
// 25).
inline constexpr size_t kMaxEmojiBytes = 32;
inline constexpr uint32_t kDefaultSyncLimit = 100;
inline constexpr uint32_t kMaxSyncLimit = 500;
inline constexpr uint32_t kDefaultHistoryLimit = 50;
inline constexpr uint32_t kMaxHistoryLimit = 200;
inline constexpr uint32_t kDefaultMentionsLimit = 20;
inline constexpr uint32_t kMaxMentionsLimit = 100;
// SetNotifications: "muted until unmuted" (9999-12-31T23:59:59Z, so "muted_until_ms > now" holds
// for it like for any mute), and how far ahead a timed mute may end.
inline constexpr int64_t kMutedForeverMs = 253'402'300'799'000;
inline constexpr int64_t kMaxMuteMs = int64_t{366} * 24 * 3600 * 1000;
// How many direct conversations a replica remembers by their participants (about 100 bytes each).
inline constexpr size_t kMaxRememberedDirects = 100'000;

// The request carries an authenticated caller (set by the gateway).
absl::Status ValidateCaller(const v1::Caller& caller);

// Usernames by id, as natter-auth knows them now ("deleted user" for deleted accounts); ids it
// cannot name are left out.
using Names = std::unordered_map<uint64_t, std::string>;
Names LookupNames(UserDirectory& users, std::vector<uint64_t> ids);

// `c` as `viewer` sees it.
v1::Conversation ConversationView(const ConversationRecord& c, uint64_t viewer, const Names& names);
// A user's notification settings as a client sees them at `now_ms` (a mute that ran out: 0).
v1::NotificationSettings NotificationsView(uint64_t conversation_id, const NotificationRecord& n,
                                           int64_t now_ms);

class ChatService {
 public:
  ChatService(MessageStore& store, FriendStore& friends, EventPublisher& publisher,
              UserDirectory& users, TypingLimiter& typing, RateLimiter& limiter, ChatLimits limits,
              const Clock& clock, FileService* files = nullptr);

  absl::StatusOr<v1::SendAck> Send(const v1::SendRequest& request);
  absl::StatusOr<v1::SendAck> Edit(const v1::EditRequest& request);
  absl::StatusOr<v1::SendAck> Delete(const v1::DeleteRequest& request);
  absl::StatusOr<v1::SendAck> React(const v1::ReactRequest& request);
  absl::StatusOr<v1::SendAck> Pin(const v1::PinRequest& request);
  // The conversation's pinned messages (pins.cc).
  absl::StatusOr<v1::ListPinsResponse> ListPins(const v1::ListPinsRequest& request);
  absl::StatusOr<v1::SyncResponse> Sync(const v1::SyncRequest& request);
  absl::StatusOr<v1::HistoryResponse> History(const v1::HistoryRequest& request);
  absl::StatusOr<v1::ListConversationsResponse> ListConversations(
      const v1::ListConversationsRequest& request);
  absl::StatusOr<v1::TypingResponse> Typing(const v1::TypingRequest& request);
  absl::StatusOr<v1::MarkReadResponse> MarkRead(const v1::MarkReadRequest& request);
  absl::StatusOr<v1::NotificationSettings> SetNotifications(
      const v1::SetNotificationsRequest& request);
  // Message search over the conversations the caller can read (search.cc).
  absl::StatusOr<v1::SearchResponse> Search(const v1::SearchRequest& request);
  // The caller's mentions, newest first (mentions.h).
  absl::StatusOr<v1::ListMentionsResponse> ListMentions(const v1::ListMentionsRequest& request);
  // Group conversations (groups.cc, group_rules.h).
  absl::StatusOr<v1::GroupResponse> CreateGroup(const v1::CreateGroupRequest& request);
  absl::StatusOr<v1::GroupResponse> AddGroupMembers(const v1::AddGroupMembersRequest& request);
  absl::StatusOr<v1::GroupResponse> RemoveGroupMember(const v1::RemoveGroupMemberRequest& request);
  absl::StatusOr<v1::GroupResponse> LeaveGroup(const v1::GroupRequest& request);
  absl::StatusOr<v1::GroupResponse> RenameGroup(const v1::RenameGroupRequest& request);
  absl::StatusOr<v1::GroupResponse> GroupMembers(const v1::GroupRequest& request);

 private:
  // The conversation `ref` names, if the caller takes part in it: NOT_FOUND for a direct
  // conversation (or id) that is not theirs, never revealing whether it exists;
  // FAILED_PRECONDITION for a room they have not joined. With `open_direct` (sending), a direct
  // conversation with a friend is created on first use, and one this replica has seen before comes
  // back with only its identity (id, kind, participants; see `directs_`).
  absl::StatusOr<ConversationRecord> Resolve(const v1::Caller& caller,
                                             const v1::ConversationRef& ref, bool open_direct);
  std::optional<uint64_t> RememberedDirect(uint64_t low, uint64_t high);
  void RememberDirect(const ConversationRecord& c);
  // PERMISSION_DENIED (kRefusedNotFriends or kRefusedBlocked) unless the participants of a direct
  // conversation are friends and neither has blocked the other.
  absl::Status CheckFriends(const v1::Caller& caller, const ConversationRecord& c);
  // RESOURCE_EXHAUSTED (with the wait) when the caller is over their message allowance.
  absl::Status TakeMessageAllowance(const v1::Caller& caller);
  // Appends an entry and publishes it (with the file it carries, recorded as carried first).
  absl::StatusOr<v1::SendAck> AppendAndPublish(const ConversationRecord& c, NewMessage entry,
                                               const FileRecord* attachment = nullptr);
  // Sets the file each live message of `entries` carries (without a FileService: none).
  absl::Status AttachFiles(uint64_t conversation_id, std::vector<v1::ChatMessage>& entries);
  void Publish(const ConversationRecord& c, const v1::ChatMessage& entry);
  // An edit or deletion of the caller's message `seq`.
  absl::StatusOr<v1::SendAck> Change(const v1::Caller& caller, const v1::ConversationRef& ref,
                                     uint64_t seq, const std::string& client_msg_id,
                                     const std::string& type, const std::string& text);
  // Sets the reactions of `entries` as they are now: a live message's own, a reaction entry's
  // target's.
  absl::Status AttachReactions(uint64_t conversation_id, std::vector<v1::ChatMessage>& entries);
  // Sets the mentions of `entries` as stored: a live message's now, an edit entry's of its text.
  absl::Status AttachMentions(uint64_t conversation_id, std::vector<v1::ChatMessage>& entries);
  // Moves `entries` into `out` with the room name, each user's current name and (direct) the peer
  // as `viewer` sees it.
  void Present(const ConversationRecord& c, uint64_t viewer, std::vector<v1::ChatMessage>& entries,
               google::protobuf::RepeatedPtrField<v1::ChatMessage>& out);

  // Groups (groups.cc). The group `id` names, if the caller is in it (NOT_FOUND otherwise, as
  // for an id nobody has); FAILED_PRECONDITION for a conversation of theirs that is no group.
  absl::StatusOr<ConversationRecord> FindGroup(const v1::Caller& caller, uint64_t id);
  // The users named, each a friend of the caller's (PERMISSION_DENIED otherwise, as for a direct
  // message), without the caller and without repeats.
  absl::StatusOr<std::vector<Party>> GroupFriends(
      const v1::Caller& caller, const google::protobuf::RepeatedPtrField<std::string>& usernames);
  // Applies a group change and publishes its entry and membership events.
  absl::StatusOr<ConversationRecord> ApplyGroupChange(const ConversationRecord& group,
                                                      const GroupRequestArgs& args);
  absl::StatusOr<v1::GroupResponse> GroupResponseOf(const ConversationRecord& group,
                                                    uint64_t viewer, bool members);
  // The files the latest messages of `conversations` carry, by (conversation id, seq); none when
  // they cannot be read (previews then say only that a file came).
  std::map<std::pair<uint64_t, uint64_t>, FileRecord> PreviewAttachments(
      const std::vector<ConversationRecord>& conversations);

  MessageStore& store_;
  FriendStore& friends_;
  EventPublisher& publisher_;
  UserDirectory& users_;
  TypingLimiter& typing_;
  RateLimiter& limiter_;
  ChatLimits limits_;
  const Clock& clock_;
  FileService* const files_;
  // Direct conversations' ids by participants (lower id first). Once made, a direct conversation
  // keeps its id and participants and is never deleted, so a message to a user needs no lookup
  // after the first; a block is still checked on every message. Forgotten all at once when full.
  std::mutex directs_mu_;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> directs_;
};

}  // namespace natter::chat
