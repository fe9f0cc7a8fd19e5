// MessageStore on MySQL/MariaDB (migrations/001_conversations_messages.sql).
#pragma once

#include "common/mysql_pool.h"
#include "message_store.h"

namespace natter::chat {

class MysqlMessageStore final : public MessageStore {
 public:
  explicit MysqlMessageStore(MysqlPool& pool) : pool_(pool) {}

  absl::StatusOr<std::optional<ConversationRecord>> FindRoom(std::string_view name) override;
  absl::StatusOr<std::optional<ConversationRecord>> FindConversation(uint64_t id) override;
  absl::StatusOr<std::vector<ConversationRecord>> ConversationsOf(uint64_t user_id) override;
  absl::StatusOr<AppendResult> Append(const NewMessage& message) override;
  absl::StatusOr<std::vector<v1::ChatMessage>> MessagesBefore(uint64_t conversation_id,
                                                              uint64_t before_seq,
                                                              uint32_t limit) override;
  absl::StatusOr<std::vector<v1::ChatMessage>> MessagesAfter(uint64_t conversation_id,
                                                             uint64_t after_seq,
                                                             uint32_t limit) override;

 private:
  MysqlPool& pool_;
};

}  // namespace natter::chat
