// natter-chat's logic: validate, store with the next per-conversation seq, ack after commit,
// publish.
#pragma once

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/event_publisher.h"
#include "message_store.h"
#include "natter/v1/chat.pb.h"
#include "user_directory.h"

namespace natter::chat {

inline constexpr size_t kMaxMessageBytes = 4096;
inline constexpr size_t kMaxClientMsgId = 64;
inline constexpr uint32_t kDefaultSyncLimit = 100;
inline constexpr uint32_t kMaxSyncLimit = 500;
inline constexpr uint32_t kDefaultHistoryLimit = 50;
inline constexpr uint32_t kMaxHistoryLimit = 200;

class ChatService {
 public:
  ChatService(MessageStore& store, EventPublisher& publisher, UserDirectory& users,
              const Clock& clock);

  absl::StatusOr<v1::SendAck> Send(const v1::SendRequest& request);
  absl::StatusOr<v1::SyncResponse> Sync(const v1::SyncRequest& request);
  absl::StatusOr<v1::HistoryResponse> History(const v1::HistoryRequest& request);
  absl::StatusOr<v1::ListConversationsResponse> ListConversations(
      const v1::ListConversationsRequest& request);

 private:
  // The conversation, if the caller may use it; NOT_FOUND otherwise (never revealing whether it
  // exists).
  absl::StatusOr<ConversationRecord> Resolve(const v1::Caller& caller, const std::string* room,
                                             uint64_t conversation_id);

  // Moves `messages` into `out` with the room name and each sender's current name.
  void Present(const ConversationRecord& conversation, std::vector<v1::ChatMessage>& messages,
               google::protobuf::RepeatedPtrField<v1::ChatMessage>& out);

  MessageStore& store_;
  EventPublisher& publisher_;
  UserDirectory& users_;
  const Clock& clock_;
};

}  // namespace natter::chat
