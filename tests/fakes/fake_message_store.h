// FakeMessageStore: natter::chat's message store in memory. The store
// keeps MysqlMessageStore's semantics: the "lobby" room exists with id 1; seqs are dense per
// conversation and start at 1; (sender_id, client_msg_id) is unique across all conversations and a
// replay returns the original ack with duplicate = true; MessagesAfter is ordered by seq and
// limited; ConversationsOf lists the lobby. Every call is atomic under one mutex, like the MySQL
// transaction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fakes/failure_injector.h"
#include "fakes/fake_event_publisher.h"
#include "message_store.h"

namespace natter::fakes {

class FakeMessageStore final : public chat::MessageStore {
 public:
  static constexpr uint64_t kLobbyId = 1;

  FakeMessageStore() { AddConversation("room", "lobby"); }

  absl::StatusOr<std::optional<chat::ConversationRecord>> FindRoom(std::string_view name) override {
    if (auto s = failures_.Take("FindRoom"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    for (const auto& [id, c] : conversations_) {
      if (c.kind == "room" && c.name == name) return c;
    }
    return std::nullopt;
  }

  absl::StatusOr<std::optional<chat::ConversationRecord>> FindConversation(uint64_t id) override {
    if (auto s = failures_.Take("FindConversation"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = conversations_.find(id);
    if (it == conversations_.end()) return std::nullopt;
    return it->second;
  }

  absl::StatusOr<std::vector<chat::ConversationRecord>> ConversationsOf(uint64_t user_id) override {
    if (auto s = failures_.Take("ConversationsOf"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    // Like MysqlMessageStore: every user belongs to the lobby, and only to it for now.
    std::vector<chat::ConversationRecord> out;
    for (const auto& [id, c] : conversations_) {
      if (c.kind == "room" && c.name == "lobby") out.push_back(c);
    }
    return out;
  }

  absl::StatusOr<chat::AppendResult> Append(const chat::NewMessage& m) override {
    if (auto s = failures_.Take("Append"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++append_calls_;
    if (auto it = acks_.find({m.sender_id, m.client_msg_id}); it != acks_.end()) {
      chat::AppendResult replay{it->second, true};
      replay.ack.set_duplicate(true);
      return replay;
    }
    auto conversation = conversations_.find(m.conversation_id);
    if (conversation == conversations_.end()) {
      return absl::NotFoundError("conversation " + std::to_string(m.conversation_id) +
                                 " does not exist");
    }
    uint64_t seq = ++conversation->second.latest_seq;
    v1::ChatMessage& stored = messages_[m.conversation_id].emplace_back();
    stored.set_conversation_id(m.conversation_id);
    stored.set_seq(seq);
    stored.set_message_id(next_message_id_++);
    stored.set_sender_id(m.sender_id);
    stored.set_sender(m.sender);
    stored.set_client_msg_id(m.client_msg_id);
    stored.set_text(m.text);
    stored.set_sent_at_ms(m.sent_at_ms);

    chat::AppendResult result;
    result.ack.set_conversation_id(m.conversation_id);
    result.ack.set_seq(seq);
    result.ack.set_message_id(stored.message_id());
    result.ack.set_sent_at_ms(m.sent_at_ms);
    acks_.emplace(std::make_pair(m.sender_id, m.client_msg_id), result.ack);
    return result;
  }

  absl::StatusOr<std::vector<v1::ChatMessage>> MessagesBefore(uint64_t conversation_id,
                                                              uint64_t before_seq,
                                                              uint32_t limit) override {
    if (auto s = failures_.Take("MessagesBefore"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<v1::ChatMessage> out;
    const auto& all = messages_[conversation_id];
    for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it) {
      if (it->seq() < before_seq) out.push_back(*it);
    }
    return out;
  }

  absl::StatusOr<std::vector<v1::ChatMessage>> MessagesAfter(uint64_t conversation_id,
                                                             uint64_t after_seq,
                                                             uint32_t limit) override {
    if (auto s = failures_.Take("MessagesAfter"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    last_messages_after_limit_ = limit;
    std::vector<v1::ChatMessage> out;
    auto it = messages_.find(conversation_id);
    if (it == messages_.end()) return out;
    // Stored in seq order, seq n at index n - 1.
    const auto& all = it->second;
    for (size_t i = std::min<uint64_t>(after_seq, all.size()); i < all.size() && out.size() < limit;
         ++i) {
      out.push_back(all[i]);
    }
    return out;
  }

  // Test access.
  void FailNext(absl::Status status, std::string method = "") {
    failures_.FailNext(std::move(status), std::move(method));
  }
  // Adds a conversation ("room" or "direct") and returns its id.
  uint64_t AddConversation(std::string kind, std::string name) {
    std::lock_guard lock(mu_);
    uint64_t id = next_conversation_id_++;
    conversations_[id] = chat::ConversationRecord{id, std::move(kind), std::move(name), 0};
    return id;
  }
  std::vector<v1::ChatMessage> Messages(uint64_t conversation_id) const {
    std::lock_guard lock(mu_);
    auto it = messages_.find(conversation_id);
    return it == messages_.end() ? std::vector<v1::ChatMessage>{} : it->second;
  }
  int append_calls() const {
    std::lock_guard lock(mu_);
    return append_calls_;
  }
  std::optional<uint32_t> last_messages_after_limit() const {
    std::lock_guard lock(mu_);
    return last_messages_after_limit_;
  }

 private:
  FailureInjector failures_;
  mutable std::mutex mu_;
  uint64_t next_conversation_id_ ABSL_GUARDED_BY(mu_) = kLobbyId;
  uint64_t next_message_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, chat::ConversationRecord> conversations_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::vector<v1::ChatMessage>> messages_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<uint64_t, std::string>, v1::SendAck> acks_ ABSL_GUARDED_BY(mu_);
  int append_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<uint32_t> last_messages_after_limit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
