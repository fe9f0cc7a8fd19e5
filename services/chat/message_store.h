// Conversations and messages as natter-chat stores them (MySQL in production, a fake in unit
// tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "natter/v1/common.pb.h"

namespace natter::chat {

struct ConversationRecord {
  uint64_t id = 0;
  std::string kind;  // "room" or "direct"
  std::string name;
  uint64_t latest_seq = 0;
};

struct NewMessage {
  uint64_t conversation_id = 0;
  uint64_t sender_id = 0;
  std::string sender;
  std::string client_msg_id;
  std::string text;
  int64_t sent_at_ms = 0;
};

struct AppendResult {
  v1::SendAck ack;
  bool duplicate = false;
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  virtual absl::StatusOr<std::optional<ConversationRecord>> FindRoom(std::string_view name) = 0;
  virtual absl::StatusOr<std::optional<ConversationRecord>> FindConversation(uint64_t id) = 0;
  // The conversations `user_id` belongs to.
  virtual absl::StatusOr<std::vector<ConversationRecord>> ConversationsOf(uint64_t user_id) = 0;

  // Stores the message under the conversation's next seq, atomically with the dedupe check on
  // (sender_id, client_msg_id): a replay returns the original ack with duplicate = true.
  virtual absl::StatusOr<AppendResult> Append(const NewMessage& message) = 0;

  // Up to `limit` messages with seq < before_seq, newest first.
  virtual absl::StatusOr<std::vector<v1::ChatMessage>> MessagesBefore(uint64_t conversation_id,
                                                                      uint64_t before_seq,
                                                                      uint32_t limit) = 0;

  // Up to `limit` messages with seq > after_seq, oldest first.
  virtual absl::StatusOr<std::vector<v1::ChatMessage>> MessagesAfter(uint64_t conversation_id,
                                                                     uint64_t after_seq,
                                                                     uint32_t limit) = 0;
};

}  // namespace natter::chat
