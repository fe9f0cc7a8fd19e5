#include "chat_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "common/channels.h"
#include "common/status.h"
#include "common/text.h"
#include "natter/v1/gateway.pb.h"

namespace natter::chat {
namespace {

absl::Status ValidateCaller(const v1::Caller& caller) {
  // The gateway fills the caller from the session; a missing one is a bug in the peer, not user
  // input.
  if (caller.user_id() == 0 || caller.username().empty()) {
    return absl::InvalidArgumentError("request has no authenticated caller");
  }
  return absl::OkStatus();
}

absl::Status ValidateClientMsgId(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientMsgId) {
    return absl::InvalidArgumentError("client_msg_id must be 1 to 64 characters long");
  }
  bool ok = std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
  if (!ok) {
    return absl::InvalidArgumentError(
        "client_msg_id may contain only letters, digits, '-', '_', '.' and ':'");
  }
  return absl::OkStatus();
}

}  // namespace

ChatService::ChatService(MessageStore& store, EventPublisher& publisher, UserDirectory& users,
                         const Clock& clock)
    : store_(store), publisher_(publisher), users_(users), clock_(clock) {}

absl::StatusOr<ConversationRecord> ChatService::Resolve(const v1::Caller& caller,
                                                        const std::string* room,
                                                        uint64_t conversation_id) {
  absl::StatusOr<std::optional<ConversationRecord>> found =
      room ? store_.FindRoom(*room) : store_.FindConversation(conversation_id);
  if (!found.ok()) return found.status();
  // Every room is public for now and every user is in it; membership checks arrive with rooms.
  if (!found->has_value()) {
    return absl::NotFoundError(room ? "no room named \"" + *room + "\""
                                    : "no conversation " + std::to_string(conversation_id));
  }
  return std::move(**found);
}

absl::StatusOr<v1::SendAck> ChatService::Send(const v1::SendRequest& request) {
  if (auto s = ValidateCaller(request.caller()); !s.ok()) return s;
  if (request.target_case() == v1::SendRequest::TARGET_NOT_SET) {
    return absl::InvalidArgumentError("say where to send the message: a room or a conversation");
  }
  if (auto s = ValidateClientMsgId(request.client_msg_id()); !s.ok()) return s;
  if (auto s = ValidateText(request.text(), kMaxMessageBytes, "message"); !s.ok()) return s;
  auto conversation = Resolve(request.caller(), request.has_room() ? &request.room() : nullptr,
                              request.conversation_id());
  if (!conversation.ok()) return conversation.status();

  NewMessage message;
  message.conversation_id = conversation->id;
  message.sender_id = request.caller().user_id();
  message.sender = request.caller().username();
  message.client_msg_id = request.client_msg_id();
  message.text = request.text();
  message.sent_at_ms = clock_.NowMs();
  auto stored = store_.Append(message);
  if (!stored.ok()) return stored.status();
  if (stored->duplicate) return stored->ack;

  v1::ServerEvent event;
  v1::ChatMessage* out = event.mutable_message();
  out->set_conversation_id(conversation->id);
  out->set_seq(stored->ack.seq());
  out->set_message_id(stored->ack.message_id());
  out->set_sender_id(message.sender_id);
  out->set_sender(message.sender);
  out->set_text(message.text);
  out->set_sent_at_ms(stored->ack.sent_at_ms());
  if (conversation->kind == "room") out->set_room(conversation->name);
  out->set_client_msg_id(message.client_msg_id);
  // The message is committed: a failed publish delays live delivery but loses nothing, because
  // receivers find the gap by seq and sync from MySQL.
  if (auto s = publisher_.Publish(ConversationChannel(conversation->id), event.SerializeAsString());
      !s.ok()) {
    spdlog::warn("publish of conversation {} seq {} failed: {}", conversation->id,
                 stored->ack.seq(), s.message());
  }
  return stored->ack;
}

absl::StatusOr<v1::SyncResponse> ChatService::Sync(const v1::SyncRequest& request) {
  if (auto s = ValidateCaller(request.caller()); !s.ok()) return s;
  if (request.limit() > kMaxSyncLimit) {
    return absl::InvalidArgumentError("limit must be at most " + std::to_string(kMaxSyncLimit));
  }
  auto conversation = Resolve(request.caller(), nullptr, request.conversation_id());
  if (!conversation.ok()) return conversation.status();
  uint32_t limit = request.limit() == 0 ? kDefaultSyncLimit : request.limit();
  auto messages = store_.MessagesAfter(conversation->id, request.after_seq(), limit + 1);
  if (!messages.ok()) return messages.status();

  v1::SyncResponse response;
  response.set_has_more(messages->size() > limit);
  if (response.has_more()) messages->resize(limit);
  Present(*conversation, *messages, *response.mutable_messages());
  response.set_latest_seq(
      std::max(conversation->latest_seq,
               response.messages().empty() ? 0 : response.messages().rbegin()->seq()));
  return response;
}

void ChatService::Present(const ConversationRecord& conversation,
                          std::vector<v1::ChatMessage>& messages,
                          google::protobuf::RepeatedPtrField<v1::ChatMessage>& out) {
  // Names as they are now (a deleted account shows as "deleted user"); the name stored with each
  // message is the fallback while natter-auth cannot be asked.
  std::vector<uint64_t> senders;
  for (const auto& m : messages) senders.push_back(m.sender_id());
  auto names = users_.Profiles(senders);
  if (!names.ok()) {
    spdlog::warn("sender names unavailable, using stored ones: {}", names.status().message());
  }
  for (auto& m : messages) {
    if (conversation.kind == "room") m.set_room(conversation.name);
    if (names.ok()) {
      if (auto it = names->find(m.sender_id()); it != names->end()) {
        m.set_sender(it->second.username());
      }
    }
    *out.Add() = std::move(m);
  }
}

absl::StatusOr<v1::HistoryResponse> ChatService::History(const v1::HistoryRequest& request) {
  if (auto s = ValidateCaller(request.caller()); !s.ok()) return s;
  if (request.target_case() == v1::HistoryRequest::TARGET_NOT_SET) {
    return absl::InvalidArgumentError("say which history: a room or a conversation");
  }
  if (request.limit() > kMaxHistoryLimit) {
    return absl::InvalidArgumentError("limit must be at most " + std::to_string(kMaxHistoryLimit));
  }
  auto conversation = Resolve(request.caller(), request.has_room() ? &request.room() : nullptr,
                              request.conversation_id());
  if (!conversation.ok()) return conversation.status();
  uint32_t limit = request.limit() == 0 ? kDefaultHistoryLimit : request.limit();
  uint64_t before =
      request.before_seq() == 0 ? std::numeric_limits<uint64_t>::max() : request.before_seq();
  auto messages = store_.MessagesBefore(conversation->id, before, limit + 1);
  if (!messages.ok()) return messages.status();

  v1::HistoryResponse response;
  response.set_conversation_id(conversation->id);
  response.set_has_more(messages->size() > limit);
  if (response.has_more()) messages->resize(limit);
  std::reverse(messages->begin(), messages->end());  // oldest first
  Present(*conversation, *messages, *response.mutable_messages());
  return response;
}

absl::StatusOr<v1::ListConversationsResponse> ChatService::ListConversations(
    const v1::ListConversationsRequest& request) {
  if (auto s = ValidateCaller(request.caller()); !s.ok()) return s;
  auto conversations = store_.ConversationsOf(request.caller().user_id());
  if (!conversations.ok()) return conversations.status();
  v1::ListConversationsResponse response;
  for (const auto& c : *conversations) {
    v1::Conversation* out = response.add_conversations();
    out->set_id(c.id);
    out->set_kind(c.kind);
    out->set_name(c.name);
    out->set_latest_seq(c.latest_seq);
  }
  return response;
}

}  // namespace natter::chat
