// MessageStore on MySQL/MariaDB (migrations/001_conversations_messages.sql,
// 003_rooms_direct_reads.sql, 004_bans_replays.sql, 005_room_name_skeletons.sql, ...,
// 008_reactions.sql, 010_mentions.sql, 011_pins.sql).
#pragma once

#include "common/mysql_pool.h"
#include "message_store.h"

namespace natter::chat {

class MysqlMessageStore final : public MessageStore {
 public:
  explicit MysqlMessageStore(MysqlPool& pool) : pool_(pool) {}

  absl::StatusOr<std::optional<ConversationRecord>> FindRoom(std::string_view name_key,
                                                             uint64_t viewer) override;
  absl::StatusOr<std::optional<ConversationRecord>> FindConversation(uint64_t id,
                                                                     uint64_t viewer) override;
  absl::StatusOr<std::optional<ConversationRecord>> FindDirect(uint64_t a, uint64_t b) override;
  absl::StatusOr<ConversationRecord> OpenDirect(uint64_t a, uint64_t b, int64_t now_ms) override;
  absl::StatusOr<std::vector<ConversationRecord>> ConversationsOf(uint64_t user_id) override;
  absl::StatusOr<AppendResult> Append(const NewMessage& message) override;
  absl::StatusOr<std::map<uint64_t, std::vector<v1::Reaction>>> Reactions(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) override;
  absl::StatusOr<std::map<uint64_t, std::vector<v1::Mention>>> Mentions(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) override;
  absl::StatusOr<std::vector<v1::ChatMessage>> MentionsOf(uint64_t user_id,
                                                          uint64_t before_message_id,
                                                          uint32_t limit) override;
  absl::StatusOr<std::vector<v1::Pin>> Pins(uint64_t conversation_id) override;
  absl::StatusOr<std::optional<v1::ChatMessage>> FindMessage(uint64_t conversation_id,
                                                             uint64_t seq) override;
  absl::StatusOr<std::vector<v1::ChatMessage>> MessagesBefore(uint64_t conversation_id,
                                                              uint64_t before_seq,
                                                              uint32_t limit) override;
  absl::StatusOr<std::vector<v1::ChatMessage>> MessagesAfter(uint64_t conversation_id,
                                                             uint64_t after_seq,
                                                             uint32_t limit) override;
  absl::StatusOr<ReadState> MarkRead(uint64_t user_id, uint64_t conversation_id,
                                     uint64_t seq) override;
  absl::StatusOr<NotificationRecord> SetNotifications(
      uint64_t user_id, uint64_t conversation_id, std::optional<std::string> level,
      std::optional<int64_t> muted_until_ms) override;
  absl::StatusOr<RoomChangeResult> CreateRoom(const NewRoom& room) override;
  absl::StatusOr<RoomChangeResult> ChangeRoom(uint64_t room_id, uint64_t actor,
                                              std::string_view actor_name, uint64_t target,
                                              int64_t now_ms, const DecideRoom& decide) override;
  absl::StatusOr<RoomChangeResult> CreateGroup(const NewGroup& group) override;
  absl::StatusOr<uint32_t> GroupsCreatedSince(uint64_t user_id, int64_t since_ms) override;
  absl::StatusOr<std::vector<ConversationRecord>> ListRooms(std::string_view prefix_key,
                                                            uint32_t limit,
                                                            uint64_t viewer) override;
  absl::StatusOr<std::vector<BanRecord>> Bans(uint64_t room_id, uint32_t limit) override;
  absl::StatusOr<std::vector<MemberRecord>> Members(uint64_t conversation_id,
                                                    uint32_t limit) override;
  absl::StatusOr<std::map<uint64_t, std::vector<MemberRecord>>> GroupMembersOf(
      uint64_t user_id, uint32_t per_group) override;
  absl::StatusOr<std::vector<ConversationRecord>> RoomsOf(uint64_t user_id) override;
  absl::StatusOr<std::optional<InvitationRecord>> FindInvitation(uint64_t room_id,
                                                                 uint64_t user_id) override;
  absl::StatusOr<std::vector<InvitationRecord>> InvitationsOf(uint64_t user_id,
                                                              uint32_t limit) override;
  absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> RoomsWithoutSkeleton(
      uint64_t after_id, size_t limit) override;
  absl::Status SetRoomNameSkeleton(uint64_t room_id, std::string_view skeleton) override;
  // mysql_message_search.cc (migration 012).
  absl::StatusOr<std::vector<SearchHitRecord>> Search(const SearchSpec& spec) override;
  absl::StatusOr<size_t> IndexOlderMessages(size_t limit) override;

 private:
  MysqlPool& pool_;
};

}  // namespace natter::chat
