// FakeMessageStore: natter::chat's message store in memory, with MysqlMessageStore's semantics:
// the "lobby" room exists with id 1 and has everyone; seqs are dense per conversation and start at
// 1; (sender_id, client_msg_id) is unique across all conversations and a replay returns the
// original ack with duplicate = true (a reuse for a different entry is ALREADY_EXISTS);
// friends_only entries need a friendship and no block (SetFriendStore); a message moves its
// sender's read marker; an edit or deletion changes its target atomically with its own entry, a
// reaction entry the target's reactions (an add or remove that changes nothing stores nothing, a
// 21st emoji is refused, a deletion clears them); room
// changes go through the decide callback and append their entry and user events; a room's name key
// and its look-alike skeleton are each unique among rooms (the lobby and AddConversation's rooms
// have their skeleton, as after natter-chat's startup backfill; AddLegacyRoom's have none). Every
// call is atomic under one mutex, like the MySQL transaction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/name_skeleton.h"
#include "common/text.h"
#include "fakes/failure_injector.h"
#include "friend_store.h"
#include "message_store.h"
#include "room_rules.h"

namespace natter::fakes {

class FakeMessageStore final : public chat::MessageStore {
 public:
  static constexpr uint64_t kLobbyId = 1;

  FakeMessageStore() { AddConversation("room", chat::kLobby); }

  absl::StatusOr<std::optional<chat::ConversationRecord>> FindRoom(std::string_view name_key,
                                                                   uint64_t viewer) override {
    if (auto s = failures_.Take("FindRoom"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    for (const auto& [id, c] : conversations_) {
      if (c.is_room() && keys_.at(id) == name_key) return ViewLocked(c, viewer);
    }
    return std::nullopt;
  }

  absl::StatusOr<std::optional<chat::ConversationRecord>> FindConversation(
      uint64_t id, uint64_t viewer) override {
    if (auto s = failures_.Take("FindConversation"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = conversations_.find(id);
    if (it == conversations_.end()) return std::nullopt;
    return ViewLocked(it->second, viewer);
  }

  absl::StatusOr<std::optional<chat::ConversationRecord>> FindDirect(uint64_t a,
                                                                     uint64_t b) override {
    if (auto s = failures_.Take("FindDirect"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++find_direct_calls_;
    for (const auto& [id, c] : conversations_) {
      if (c.is_direct() && c.direct_low == std::min(a, b) && c.direct_high == std::max(a, b)) {
        return ViewLocked(c, a);
      }
    }
    return std::nullopt;
  }

  absl::StatusOr<chat::ConversationRecord> OpenDirect(uint64_t a, uint64_t b,
                                                      int64_t now_ms) override {
    if (auto s = failures_.Take("OpenDirect"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    for (const auto& [id, c] : conversations_) {
      if (c.is_direct() && c.direct_low == std::min(a, b) && c.direct_high == std::max(a, b)) {
        return ViewLocked(c, a);
      }
    }
    uint64_t id = AddLocked("direct", "", "");
    chat::ConversationRecord& c = conversations_[id];
    c.direct_low = std::min(a, b);
    c.direct_high = std::max(a, b);
    c.member_count = 2;
    members_[id][a] = {a, chat::MemberRole::kMember, now_ms};
    members_[id][b] = {b, chat::MemberRole::kMember, now_ms};
    return ViewLocked(c, a);
  }

  absl::StatusOr<std::vector<chat::ConversationRecord>> ConversationsOf(uint64_t user_id) override {
    if (auto s = failures_.Take("ConversationsOf"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<chat::ConversationRecord> out;
    for (const auto& [id, c] : conversations_) {
      if (!c.is_lobby() && !members_[id].contains(user_id)) continue;
      if (c.is_lobby() && !markers_.contains({user_id, id})) {
        markers_[{user_id, id}] = {c.latest_seq, c.last_msg_no};
      }
      chat::ConversationRecord view = ViewLocked(c, user_id);
      if (auto m = markers_.find({user_id, id}); m != markers_.end()) {
        view.last_read_seq = m->second.first;
        view.read_msg_no = m->second.second;
      }
      if (c.is_direct()) {
        if (auto p = markers_.find({c.PeerOf(user_id), id}); p != markers_.end()) {
          view.peer_read_seq = p->second.first;
        }
      }
      const auto& all = entries_[id];
      auto latest = std::find_if(all.rbegin(), all.rend(), [](const auto& e) {
        return e.message.type() == chat::kTypeMessage;
      });
      if (latest != all.rend()) view.last_entry = latest->message;
      if (auto n = notifications_.find({user_id, id}); n != notifications_.end()) {
        view.notifications = n->second;
      }
      out.push_back(std::move(view));
    }
    return out;
  }

  absl::StatusOr<std::vector<chat::ConversationRecord>> RoomsOf(uint64_t user_id) override {
    if (auto s = failures_.Take("RoomsOf"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<chat::ConversationRecord> out;
    for (const auto& [id, c] : conversations_) {
      if ((c.is_room() || c.is_group()) && (c.is_lobby() || members_[id].contains(user_id))) {
        out.push_back(c);
      }
    }
    return out;
  }

  absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> RoomsWithoutSkeleton(
      uint64_t after_id, size_t limit) override {
    if (auto s = failures_.Take("RoomsWithoutSkeleton"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<std::pair<uint64_t, std::string>> out;
    for (auto it = conversations_.upper_bound(after_id);
         it != conversations_.end() && out.size() < limit; ++it) {
      if (it->second.is_room() && !skeletons_.contains(it->first)) {
        out.emplace_back(it->first, it->second.name);
      }
    }
    return out;
  }

  absl::Status SetRoomNameSkeleton(uint64_t room_id, std::string_view skeleton) override {
    if (auto s = failures_.Take("SetRoomNameSkeleton"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = conversations_.find(room_id);
    if (it == conversations_.end() || !it->second.is_room() || skeletons_.contains(room_id)) {
      return absl::OkStatus();
    }
    if (SkeletonHolderLocked(skeleton)) {
      return absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken));
    }
    skeletons_[room_id] = std::string(skeleton);
    return absl::OkStatus();
  }

  absl::StatusOr<chat::AppendResult> Append(const chat::NewMessage& m) override {
    if (auto s = failures_.Take("Append"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++append_calls_;
    if (auto it = acks_.find({m.sender_id, m.client_msg_id}); it != acks_.end()) {
      const Sent& first = it->second;
      if (first.conversation_id != m.conversation_id || first.type != m.type ||
          first.target_seq != m.target_seq || first.text != m.text) {
        return absl::AlreadyExistsError("client_msg_id \"" + m.client_msg_id +
                                        "\" was already used for a different message");
      }
      chat::AppendResult replay{first.ack, true};
      replay.ack.set_duplicate(true);
      return replay;
    }
    auto conversation = conversations_.find(m.conversation_id);
    if (conversation == conversations_.end()) {
      return absl::NotFoundError("conversation " + std::to_string(m.conversation_id) +
                                 " does not exist");
    }
    if (m.friends_only) {
      // As MySQL reads friendships and blocks in the append's transaction.
      if (friend_store_ == nullptr) {
        std::fprintf(stderr, "FakeMessageStore: a friends_only append needs SetFriendStore\n");
        std::abort();
      }
      const chat::ConversationRecord& c = conversation->second;
      if (*friend_store_->EitherBlocked(c.direct_low, c.direct_high)) {
        return absl::PermissionDeniedError(chat::kRefusedBlocked);
      }
      if (!c.is_direct() || !*friend_store_->AreFriends(c.direct_low, c.direct_high)) {
        return absl::PermissionDeniedError(chat::kRefusedNotFriends);
      }
    }
    const bool is_message = m.type == chat::kTypeMessage;
    const bool reaction = chat::IsReactionType(m.type);
    const bool pin = chat::IsPinType(m.type);
    v1::ChatMessage* target = nullptr;
    if (!is_message) {
      auto& all = entries_[m.conversation_id];
      if (m.target_seq == 0 || m.target_seq > all.size() ||
          (!reaction && !pin && all[m.target_seq - 1].message.sender_id() != m.sender_id) ||
          all[m.target_seq - 1].message.type() != chat::kTypeMessage) {
        return absl::FailedPreconditionError("message " + std::to_string(m.target_seq) +
                                             " cannot be changed");
      }
      target = &all[m.target_seq - 1].message;
      if (target->deleted()) {
        return absl::FailedPreconditionError("message " + std::to_string(m.target_seq) +
                                             " was deleted");
      }
    }
    chat::ConversationRecord& c = conversation->second;
    if (pin) {
      std::vector<PinRow>& rows = pins_[c.id];
      auto it = std::find_if(rows.begin(), rows.end(),
                             [&](const PinRow& r) { return r.seq == m.target_seq; });
      chat::AppendResult unchanged;
      unchanged.unchanged = true;
      unchanged.ack.set_conversation_id(c.id);
      unchanged.ack.set_unchanged(true);
      if (m.type == chat::kTypeMessageUnpinned) {
        if (it == rows.end()) return unchanged;
        rows.erase(it);
      } else {
        if (it != rows.end()) return unchanged;
        if (rows.size() >= chat::kMaxPins) {
          return absl::FailedPreconditionError(chat::kRefusedTooManyPins);
        }
        rows.push_back({m.target_seq, m.sender_id, m.sender, m.sent_at_ms});
      }
    }
    if (reaction) {
      std::vector<ReactionRow>& rows = reactions_[{c.id, m.target_seq}];
      auto mine = std::find_if(rows.begin(), rows.end(), [&](const ReactionRow& r) {
        return r.emoji == m.text && r.user_id == m.sender_id;
      });
      chat::AppendResult unchanged;
      unchanged.unchanged = true;
      unchanged.ack.set_conversation_id(c.id);
      unchanged.ack.set_unchanged(true);
      if (m.type == chat::kTypeReactionRemoved) {
        if (mine == rows.end()) return unchanged;
        rows.erase(mine);
      } else {
        if (mine != rows.end()) return unchanged;
        std::set<std::string> emoji;
        for (const auto& r : rows) emoji.insert(r.emoji);
        if (!emoji.contains(m.text) && emoji.size() >= chat::kMaxReactionEmoji) {
          return absl::FailedPreconditionError(chat::kRefusedTooManyReactions);
        }
        rows.push_back({m.text, m.sender_id, m.sender});
      }
    }
    v1::ChatMessage entry;
    entry.set_sender_id(m.sender_id);
    entry.set_sender(m.sender);
    entry.set_client_msg_id(m.client_msg_id);
    entry.set_text(m.text);
    entry.set_sent_at_ms(m.sent_at_ms);
    entry.set_type(m.type);
    entry.set_target_seq(m.target_seq);
    entry.set_reply_to_seq(m.reply_to_seq);
    AppendLocked(c, std::move(entry), is_message);
    if (target != nullptr && !reaction && !pin) {
      // The vector may have grown: find the target again.
      target = &entries_[c.id][m.target_seq - 1].message;
      target->set_text(m.text);
      if (m.type == chat::kTypeEdited) target->set_edited_at_ms(m.sent_at_ms);
      if (m.type == chat::kTypeDeleted) {
        target->set_deleted(true);
        reactions_.erase({c.id, m.target_seq});
        mentions_.erase({c.id, m.target_seq});
        std::erase_if(pins_[c.id], [&](const PinRow& r) { return r.seq == m.target_seq; });
      }
    }
    if (is_message) AdvanceLocked(m.sender_id, c.id, c.latest_seq);
    const v1::ChatMessage& stored = entries_[c.id].back().message;
    chat::AppendResult result;
    if (reaction) result.reactions = ReactionsLocked(c.id, m.target_seq);
    if (is_message || m.type == chat::kTypeEdited) {
      // As MySQL stores them: the entry's own, and an edit's also as its target's now.
      result.mentions = m.mentions;
      if (m.type == chat::kTypeEdited) {
        const auto before = mentions_[{c.id, m.target_seq}];
        for (auto& mention : result.mentions) {
          mention.set_added(std::none_of(before.begin(), before.end(), [&](const auto& b) {
            return b.user_id() == mention.user_id();
          }));
        }
        mentions_[{c.id, m.target_seq}] = result.mentions;
      }
      mentions_[{c.id, stored.seq()}] = result.mentions;
    }
    result.ack.set_conversation_id(c.id);
    result.ack.set_seq(stored.seq());
    result.ack.set_message_id(stored.message_id());
    result.ack.set_sent_at_ms(m.sent_at_ms);
    acks_.emplace(std::make_pair(m.sender_id, m.client_msg_id),
                  Sent{result.ack, m.conversation_id, m.type, m.target_seq, m.text});
    return result;
  }

  absl::StatusOr<std::map<uint64_t, std::vector<v1::Reaction>>> Reactions(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) override {
    if (auto s = failures_.Take("Reactions"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::map<uint64_t, std::vector<v1::Reaction>> out;
    for (uint64_t seq : seqs) {
      auto reactions = ReactionsLocked(conversation_id, seq);
      if (!reactions.empty()) out[seq] = std::move(reactions);
    }
    return out;
  }

  absl::StatusOr<std::map<uint64_t, std::vector<v1::Mention>>> Mentions(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) override {
    if (auto s = failures_.Take("Mentions"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::map<uint64_t, std::vector<v1::Mention>> out;
    for (uint64_t seq : seqs) {
      auto it = mentions_.find({conversation_id, seq});
      if (it != mentions_.end() && !it->second.empty()) out[seq] = it->second;
    }
    return out;
  }

  absl::StatusOr<std::vector<v1::ChatMessage>> MentionsOf(uint64_t user_id,
                                                          uint64_t before_message_id,
                                                          uint32_t limit) override {
    if (auto s = failures_.Take("MentionsOf"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<v1::ChatMessage> out;
    for (const auto& [key, mentions] : mentions_) {
      const auto& [conversation_id, seq] = key;
      const v1::ChatMessage& m = entries_[conversation_id][seq - 1].message;
      if (m.type() != chat::kTypeMessage || m.deleted() || m.message_id() >= before_message_id ||
          !ViewLocked(conversations_[conversation_id], user_id).is_member) {
        continue;
      }
      if (std::any_of(mentions.begin(), mentions.end(),
                      [&](const v1::Mention& x) { return x.user_id() == user_id; })) {
        out.push_back(WithReplyLocked(conversation_id, m));
      }
    }
    std::sort(out.begin(), out.end(), [](const v1::ChatMessage& a, const v1::ChatMessage& b) {
      return a.message_id() > b.message_id();
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  absl::StatusOr<std::vector<v1::Pin>> Pins(uint64_t conversation_id) override {
    if (auto s = failures_.Take("Pins"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<v1::Pin> out;
    const auto& rows = pins_[conversation_id];
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {  // most recently pinned first
      v1::Pin& pin = out.emplace_back();
      *pin.mutable_message() =
          WithReplyLocked(conversation_id, entries_[conversation_id][it->seq - 1].message);
      pin.set_pinned_by_id(it->by_id);
      pin.set_pinned_by(it->by_name);
      pin.set_pinned_at_ms(it->at_ms);
    }
    return out;
  }

  // Search's semantics on the entries as they are now (so nothing needs indexing: a deleted
  // message is never found, an edited one by its new text): live messages holding every clause,
  // in conversations the viewer can read (CanReadLocked), scored by how many of their terms the
  // query matches, most first, then newest first.
  absl::StatusOr<std::vector<chat::SearchHitRecord>> Search(const chat::SearchSpec& spec) override {
    if (auto s = failures_.Take("Search"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<chat::SearchHitRecord> hits;
    for (const auto& [conversation_id, entries] : entries_) {
      if (spec.conversation_id != 0 && conversation_id != spec.conversation_id) continue;
      const chat::ConversationRecord& c = conversations_[conversation_id];
      for (const Entry& entry : entries) {
        const v1::ChatMessage& m = entry.message;
        if (m.type() != chat::kTypeMessage || m.deleted() ||
            !CanReadLocked(spec.viewer, conversation_id, m.seq()) ||
            (spec.sender_id != 0 && m.sender_id() != spec.sender_id) ||
            m.sent_at_ms() < spec.after_ms || m.sent_at_ms() >= spec.before_ms) {
          continue;
        }
        const std::vector<chat::SearchToken> tokens = chat::Tokenize(m.text());
        if (!chat::MatchesAll(tokens, spec.clauses)) continue;
        chat::SearchHitRecord hit{.message = m,
                                  .kind = c.kind,
                                  .name = c.is_group() ? c.topic : c.name,
                                  .direct_low = c.direct_low,
                                  .direct_high = c.direct_high};
        for (const chat::SearchToken& token : tokens) {
          for (const chat::SearchClause& clause : spec.clauses) {
            for (const chat::QueryTerm& term : clause) hit.score += term.Matches(token.term);
          }
        }
        hits.push_back(std::move(hit));
      }
    }
    std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
      return std::make_tuple(a.score, a.message.sent_at_ms(), a.message.conversation_id(),
                             a.message.seq()) > std::make_tuple(b.score, b.message.sent_at_ms(),
                                                                b.message.conversation_id(),
                                                                b.message.seq());
    });
    hits.erase(hits.begin(), hits.begin() + std::min<size_t>(spec.offset, hits.size()));
    if (hits.size() > spec.limit) hits.resize(spec.limit);
    return hits;
  }

  // Search reads the entries themselves: there is never anything left to index.
  absl::StatusOr<size_t> IndexOlderMessages(size_t) override { return size_t{0}; }

  absl::StatusOr<std::optional<v1::ChatMessage>> FindMessage(uint64_t conversation_id,
                                                             uint64_t seq) override {
    if (auto s = failures_.Take("FindMessage"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    const auto& all = entries_[conversation_id];
    if (seq == 0 || seq > all.size()) return std::nullopt;
    return WithReplyLocked(conversation_id, all[seq - 1].message);
  }

  absl::StatusOr<std::vector<v1::ChatMessage>> MessagesBefore(uint64_t conversation_id,
                                                              uint64_t before_seq,
                                                              uint32_t limit) override {
    if (auto s = failures_.Take("MessagesBefore"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<v1::ChatMessage> out;
    const auto& all = entries_[conversation_id];
    for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it) {
      const std::string& type = it->message.type();
      if (type == chat::kTypeEdited || type == chat::kTypeDeleted || chat::IsReactionType(type)) {
        continue;
      }
      if (it->message.seq() < before_seq) {
        out.push_back(WithReplyLocked(conversation_id, it->message));
      }
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
    // Stored in seq order, seq n at index n - 1.
    const auto& all = entries_[conversation_id];
    for (size_t i = std::min<uint64_t>(after_seq, all.size()); i < all.size() && out.size() < limit;
         ++i) {
      out.push_back(WithReplyLocked(conversation_id, all[i].message));
    }
    return out;
  }

  absl::StatusOr<chat::ReadState> MarkRead(uint64_t user_id, uint64_t conversation_id,
                                           uint64_t seq) override {
    if (auto s = failures_.Take("MarkRead"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = conversations_.find(conversation_id);
    if (it == conversations_.end()) return absl::NotFoundError("no conversation");
    uint64_t before = 0;
    if (auto m = markers_.find({user_id, conversation_id}); m != markers_.end()) {
      before = m->second.first;
    }
    AdvanceLocked(user_id, conversation_id, std::min(seq, it->second.latest_seq));
    const auto& now = markers_[{user_id, conversation_id}];
    chat::ReadState state;
    state.last_read_seq = now.first;
    state.unread = it->second.last_msg_no - now.second;
    state.moved = now.first > before;
    return state;
  }

  absl::StatusOr<chat::NotificationRecord> SetNotifications(
      uint64_t user_id, uint64_t conversation_id, std::optional<std::string> level,
      std::optional<int64_t> muted_until_ms) override {
    if (auto s = failures_.Take("SetNotifications"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    chat::NotificationRecord& n = notifications_[{user_id, conversation_id}];
    if (level) n.level = *level;
    if (muted_until_ms) n.muted_until_ms = *muted_until_ms;
    return n;
  }

  absl::StatusOr<chat::RoomChangeResult> CreateRoom(const chat::NewRoom& room) override {
    if (auto s = failures_.Take("CreateRoom"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    for (const auto& [id, key] : keys_) {
      if (key == room.name_key)
        return absl::AlreadyExistsError(std::string(chat::kRoomNameKeyTaken));
    }
    if (SkeletonHolderLocked(room.name_skeleton)) {
      return absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken));
    }
    uint64_t id = AddLocked("room", room.name, room.name_key);
    skeletons_[id] = room.name_skeleton;
    chat::ConversationRecord& c = conversations_[id];
    c.topic = room.topic;
    c.owner_id = room.owner_id;
    c.member_count = 1;
    c.is_private = room.is_private;
    c.history = room.history;
    members_[id][room.owner_id] = {room.owner_id, chat::MemberRole::kOwner, room.now_ms};
    joined_seqs_[{id, room.owner_id}] = 1;
    chat::RoomChangeResult result;
    result.entry = AppendRoomEntryLocked(c, room.owner_id, room.owner, chat::kTypeRoomCreated,
                                         room.name, 0, "", room.now_ms);
    AdvanceLocked(room.owner_id, id, c.latest_seq);
    v1::UserEvent joined;
    joined.mutable_room()->set_type("joined");
    joined.mutable_room()->set_conversation_id(id);
    joined.mutable_room()->set_room(room.name);
    joined.mutable_room()->set_seq(c.latest_seq);
    result.events.push_back(AddUserEventLocked(room.owner_id, std::move(joined), room.now_ms));
    result.room = ViewLocked(c, room.owner_id);
    return result;
  }

  absl::StatusOr<chat::RoomChangeResult> ChangeRoom(uint64_t room_id, uint64_t actor,
                                                    std::string_view actor_name, uint64_t target,
                                                    int64_t now_ms,
                                                    const DecideRoom& decide) override {
    if (auto s = failures_.Take("ChangeRoom"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = conversations_.find(room_id);
    if (it == conversations_.end() || (!it->second.is_room() && !it->second.is_group())) {
      return absl::NotFoundError("no such room");
    }
    chat::ConversationRecord& c = it->second;
    auto& members = members_[room_id];
    chat::RoomState state;
    state.room = ViewLocked(c, actor);
    if (auto m = members.find(actor); m != members.end()) state.actor_role = m->second.role;
    if (auto m = members.find(target); target != 0 && m != members.end()) {
      state.target_role = m->second.role;
    }
    auto& bans = bans_[room_id];
    state.actor_banned = bans.contains(actor);
    state.target_banned = target != 0 && bans.contains(target);
    if (auto i = invitations_.find({room_id, actor}); i != invitations_.end()) {
      state.actor_invitation = InvitationLocked(i->second);
    }
    if (auto i = invitations_.find({room_id, target}); target != 0 && i != invitations_.end()) {
      state.target_invitation = InvitationLocked(i->second);
    }
    for (const auto& [key, i] : invitations_) {
      if (key.first == room_id) ++state.room_invitations;
      if (i.inviter_id == actor) ++state.actor_invitations_sent;
      if (target != 0 && key.second == target) ++state.target_invitations;
    }
    if (auto m = members.find(target); target != 0 && m != members.end()) {
      state.target_muted_until_ms = m->second.muted_until_ms;
    }
    if (friend_store_ != nullptr && target != 0) {
      state.blocked = friend_store_->EitherBlocked(actor, target).value_or(false);
    }
    // The longest-standing moderator, else the longest-standing member.
    const chat::MemberRecord* heir = nullptr;
    for (const auto& [user, m] : members) {
      if (user == actor) continue;
      if (!heir || MemberOrder(m) < MemberOrder(*heir)) heir = &m;
    }
    if (heir) state.successor = heir->user_id;
    auto change = decide(state);
    if (!change.ok()) return change.status();
    chat::RoomChangeResult result;
    if (change->noop) {
      result.room = state.room;
      return result;
    }
    if (change->name) {
      for (const auto& [id, key] : keys_) {
        if (id != room_id && key == change->name_key) {
          return absl::AlreadyExistsError(std::string(chat::kRoomNameKeyTaken));
        }
      }
      // The room's own skeleton never stands in its way (a case change keeps it).
      if (auto holder = SkeletonHolderLocked(change->name_skeleton); holder && *holder != room_id) {
        return absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken));
      }
      c.name = *change->name;
      keys_[room_id] = change->name_key;
      skeletons_[room_id] = change->name_skeleton;
    }
    if (change->add_actor || change->add_target) {
      const uint64_t joined = change->add_target ? target : actor;
      members[joined] = {joined, chat::MemberRole::kMember, now_ms};
      ++c.member_count;
    }
    if (change->remove_actor && members.erase(actor)) --c.member_count;
    if (change->remove_target && members.erase(target)) --c.member_count;
    if (change->new_owner) {
      c.owner_id = *change->new_owner;
      if (auto m = members.find(c.owner_id); m != members.end()) {
        m->second.role = chat::MemberRole::kOwner;
      }
    }
    if (change->target_role) members.at(target).role = *change->target_role;
    if (change->target_muted_until_ms)
      members.at(target).muted_until_ms = *change->target_muted_until_ms;
    if (change->topic) c.topic = *change->topic;
    if (change->is_private) c.is_private = *change->is_private;
    if (change->history) c.history = *change->history;
    if (change->drop_actor_invitation) invitations_.erase({room_id, actor});
    if (change->drop_target_invitation) invitations_.erase({room_id, target});
    if (change->invite_target) {
      invitations_[{room_id, target}] =
          chat::InvitationRecord{room_id, "", target, actor, std::string(actor_name), now_ms};
    }
    if (change->ban_target) {
      if (*change->ban_target) {
        bans.emplace(target, chat::BanRecord{target, actor, now_ms});
      } else {
        bans.erase(target);
      }
    }
    if (!change->entry_type.empty()) {
      result.entry = AppendRoomEntryLocked(c, actor, std::string(actor_name), change->entry_type,
                                           change->entry_text, change->target_user_id,
                                           change->target_user, now_ms);
      if (change->add_actor || change->add_target) {
        const uint64_t joined = change->add_target ? target : actor;
        AdvanceLocked(joined, room_id, c.latest_seq);
        joined_seqs_[{room_id, joined}] = c.latest_seq;
      }
    }
    for (auto& [recipient, event] : change->events) {
      if (event.has_room()) {
        event.mutable_room()->set_seq(c.latest_seq);
        event.mutable_room()->set_room(c.name);
      } else if (event.has_invitation()) {
        event.mutable_invitation()->set_room(c.name);
        if (event.invitation().type() == "invited") {
          event.mutable_invitation()->set_created_at_ms(now_ms);
        }
      }
      result.events.push_back(AddUserEventLocked(recipient, std::move(event), now_ms));
    }
    result.room = ViewLocked(c, actor);
    return result;
  }

  absl::StatusOr<chat::RoomChangeResult> CreateGroup(const chat::NewGroup& group) override {
    if (auto s = failures_.Take("CreateGroup"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    uint64_t id = AddLocked("group", "", "");
    chat::ConversationRecord& c = conversations_[id];
    c.topic = group.title;
    c.owner_id = group.creator_id;
    c.is_private = true;
    c.history = chat::RoomHistory::kSinceJoin;
    std::vector<uint64_t> everyone{group.creator_id};
    everyone.insert(everyone.end(), group.members.begin(), group.members.end());
    c.member_count = static_cast<uint32_t>(everyone.size());
    for (uint64_t user : everyone) {
      members_[id][user] = {
          user, user == group.creator_id ? chat::MemberRole::kOwner : chat::MemberRole::kMember,
          group.now_ms};
      joined_seqs_[{id, user}] = 1;
    }
    chat::RoomChangeResult result;
    result.entry = AppendRoomEntryLocked(c, group.creator_id, group.creator,
                                         chat::kTypeGroupCreated, group.title, 0, "", group.now_ms);
    groups_created_.push_back({group.creator_id, group.now_ms});
    for (uint64_t user : everyone) {
      AdvanceLocked(user, id, c.latest_seq);
      v1::UserEvent joined;
      joined.mutable_room()->set_type("joined");
      joined.mutable_room()->set_conversation_id(id);
      joined.mutable_room()->set_seq(c.latest_seq);
      joined.mutable_room()->set_by(group.creator);
      result.events.push_back(AddUserEventLocked(user, std::move(joined), group.now_ms));
    }
    result.room = ViewLocked(c, group.creator_id);
    return result;
  }

  absl::StatusOr<uint32_t> GroupsCreatedSince(uint64_t user_id, int64_t since_ms) override {
    if (auto s = failures_.Take("GroupsCreatedSince"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    uint32_t n = 0;
    for (const auto& [creator, at_ms] : groups_created_)
      n += creator == user_id && at_ms >= since_ms;
    return n;
  }

  absl::StatusOr<std::vector<chat::ConversationRecord>> ListRooms(std::string_view prefix_key,
                                                                  uint32_t limit,
                                                                  uint64_t viewer) override {
    if (auto s = failures_.Take("ListRooms"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::map<std::string, chat::ConversationRecord> by_key;
    for (const auto& [id, c] : conversations_) {
      if (c.is_room() && keys_[id].starts_with(prefix_key) &&
          (!c.is_private || members_[id].contains(viewer))) {
        by_key.emplace(keys_[id], ViewLocked(c, viewer));
      }
    }
    std::vector<chat::ConversationRecord> out;
    for (auto& [_, c] : by_key) {
      if (out.size() == limit) break;
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::StatusOr<std::vector<chat::BanRecord>> Bans(uint64_t room_id, uint32_t limit) override {
    if (auto s = failures_.Take("Bans"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<chat::BanRecord> out;
    for (const auto& [_, b] : bans_[room_id]) out.push_back(b);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::pair(-a.banned_at_ms, a.user_id) < std::pair(-b.banned_at_ms, b.user_id);
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  absl::StatusOr<std::vector<chat::MemberRecord>> Members(uint64_t conversation_id,
                                                          uint32_t limit) override {
    if (auto s = failures_.Take("Members"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++member_reads_;
    std::vector<chat::MemberRecord> out;
    for (const auto& [_, m] : members_[conversation_id]) out.push_back(m);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return MemberOrder(a) < MemberOrder(b); });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  absl::StatusOr<std::map<uint64_t, std::vector<chat::MemberRecord>>> GroupMembersOf(
      uint64_t user_id, uint32_t per_group) override {
    if (auto s = failures_.Take("GroupMembersOf"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::map<uint64_t, std::vector<chat::MemberRecord>> out;
    for (const auto& [id, c] : conversations_) {
      if (!c.is_group() || !members_[id].contains(user_id)) continue;
      std::vector<chat::MemberRecord>& members = out[id];
      for (const auto& [_, m] : members_[id]) members.push_back(m);
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return MemberOrder(a) < MemberOrder(b); });
      if (members.size() > per_group) members.resize(per_group);
    }
    ++member_reads_;
    return out;
  }

  absl::StatusOr<std::optional<chat::InvitationRecord>> FindInvitation(uint64_t room_id,
                                                                       uint64_t user_id) override {
    if (auto s = failures_.Take("FindInvitation"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = invitations_.find({room_id, user_id});
    if (it == invitations_.end()) return std::nullopt;
    return InvitationLocked(it->second);
  }

  absl::StatusOr<std::vector<chat::InvitationRecord>> InvitationsOf(uint64_t user_id,
                                                                    uint32_t limit) override {
    if (auto s = failures_.Take("InvitationsOf"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<chat::InvitationRecord> out;
    for (const auto& [key, i] : invitations_) {
      if (key.second == user_id) out.push_back(InvitationLocked(i));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.created_at_ms > b.created_at_ms;
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  // Test access.
  void FailNext(absl::Status status, std::string method = "") {
    failures_.FailNext(std::move(status), std::move(method));
  }
  // How many reads of members (Members and GroupMembersOf calls) were made.
  int member_reads() {
    std::lock_guard lock(mu_);
    return member_reads_;
  }
  // Adds a conversation ("room" or "direct") and returns its id. A room other than the lobby has
  // no members until AddMember. A room gets its name's skeleton unless another room holds it.
  uint64_t AddConversation(std::string kind, std::string name) {
    std::lock_guard lock(mu_);
    const bool room = kind == "room";
    uint64_t id = AddLocked(std::move(kind), name, name);
    if (room) {
      std::string skeleton = NameSkeleton(name).value();
      if (!SkeletonHolderLocked(skeleton)) skeletons_[id] = std::move(skeleton);
    }
    return id;
  }
  // Adds a room as made before room names had a skeleton (migration 005): it has none.
  uint64_t AddLegacyRoom(std::string name) {
    std::lock_guard lock(mu_);
    return AddLocked("room", name, name);
  }
  // The skeleton a room holds, if any.
  std::optional<std::string> SkeletonOf(uint64_t room_id) const {
    std::lock_guard lock(mu_);
    auto it = skeletons_.find(room_id);
    if (it == skeletons_.end()) return std::nullopt;
    return it->second;
  }
  void AddMember(uint64_t conversation_id, uint64_t user_id,
                 chat::MemberRole role = chat::MemberRole::kMember) {
    std::lock_guard lock(mu_);
    members_[conversation_id][user_id] = {user_id, role, 0};
    auto& c = conversations_[conversation_id];
    c.member_count = static_cast<uint32_t>(members_[conversation_id].size());
    if (role == chat::MemberRole::kOwner) c.owner_id = user_id;
  }
  std::vector<v1::ChatMessage> Messages(uint64_t conversation_id) const {
    std::lock_guard lock(mu_);
    std::vector<v1::ChatMessage> out;
    if (auto it = entries_.find(conversation_id); it != entries_.end()) {
      for (const auto& e : it->second) out.push_back(e.message);
    }
    return out;
  }
  // Durable user events the store recorded (room membership), in order.
  std::vector<chat::StoredUserEvent> UserEvents() const {
    std::lock_guard lock(mu_);
    return user_events_;
  }
  int append_calls() const {
    std::lock_guard lock(mu_);
    return append_calls_;
  }
  // Who are friends and who has blocked whom, for Append's friends_only, as MySQL reads the
  // friendships and blocks tables in the append's transaction. Set before a direct message.
  void SetFriendStore(chat::FriendStore& friends) { friend_store_ = &friends; }
  int find_direct_calls() const {
    std::lock_guard lock(mu_);
    return find_direct_calls_;
  }
  std::optional<uint32_t> last_messages_after_limit() const {
    std::lock_guard lock(mu_);
    return last_messages_after_limit_;
  }

 private:
  struct Entry {
    v1::ChatMessage message;
    uint64_t msg_no = 0;
  };
  // An appended entry as first sent, for telling a replay from a reuse of its client_msg_id.
  struct Sent {
    v1::SendAck ack;
    uint64_t conversation_id = 0;
    std::string type;
    uint64_t target_seq = 0;
    std::string text;
  };

  // A pinned message, with who pinned it when.
  struct PinRow {
    uint64_t seq = 0;
    uint64_t by_id = 0;
    std::string by_name;
    int64_t at_ms = 0;
  };

  // A user's reaction to a message, in the order given.
  struct ReactionRow {
    std::string emoji;
    uint64_t user_id = 0;
    std::string username;
  };

  // Members in the order of the members list (and of heirs): the owner, the moderators, the
  // members, each by joining time.
  static std::tuple<int, int64_t, uint64_t> MemberOrder(const chat::MemberRecord& m) {
    const int rank = m.role == chat::MemberRole::kOwner       ? 0
                     : m.role == chat::MemberRole::kModerator ? 1
                                                              : 2;
    return {rank, m.joined_at_ms, m.user_id};
  }

  uint64_t AddLocked(std::string kind, std::string name, std::string key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    uint64_t id = next_conversation_id_++;
    chat::ConversationRecord c;
    c.id = id;
    c.kind = std::move(kind);
    c.name = std::move(name);
    conversations_[id] = std::move(c);
    keys_[id] = std::move(key);
    return id;
  }

  // The room that holds `skeleton`, if one does.
  std::optional<uint64_t> SkeletonHolderLocked(std::string_view skeleton) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const auto& [id, held] : skeletons_) {
      if (held == skeleton) return id;
    }
    return std::nullopt;
  }

  // Whether `viewer` may read entry `seq` of a conversation, as search sees it (the MySQL store's
  // kViewerCanRead): chat::CanReadSeq on the viewer's membership.
  bool CanReadLocked(uint64_t viewer, uint64_t conversation_id, uint64_t seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return chat::CanReadSeq(ViewLocked(conversations_[conversation_id], viewer), seq);
  }

  chat::ConversationRecord ViewLocked(const chat::ConversationRecord& c, uint64_t viewer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    chat::ConversationRecord view = c;
    view.is_member = c.is_lobby() || members_[c.id].contains(viewer);
    if (auto m = members_[c.id].find(viewer); m != members_[c.id].end()) {
      view.role = m->second.role;
      view.muted_until_ms = m->second.muted_until_ms;
      if (auto j = joined_seqs_.find({c.id, viewer}); j != joined_seqs_.end()) {
        view.joined_seq = j->second;
      }
    }
    return view;
  }

  // `i` with its room's name as it is now.
  chat::InvitationRecord InvitationLocked(chat::InvitationRecord i)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    i.room = conversations_.at(i.room_id).name;
    return i;
  }

  // The reactions to message `seq` as MySQL groups them: each emoji in the order of its first
  // (remaining) reaction, its users in the order they reacted.
  std::vector<v1::Reaction> ReactionsLocked(uint64_t conversation_id, uint64_t seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<v1::Reaction> out;
    auto it = reactions_.find({conversation_id, seq});
    if (it == reactions_.end()) return out;
    for (const ReactionRow& row : it->second) {
      auto r = std::find_if(out.begin(), out.end(),
                            [&](const v1::Reaction& x) { return x.emoji() == row.emoji; });
      if (r == out.end()) {
        r = out.emplace(out.end());
        r->set_emoji(row.emoji);
      }
      r->add_user_ids(row.user_id);
      r->add_users(row.username);
      r->set_count(r->count() + 1);
    }
    return out;
  }

  // `m` with the message it replies to as it is now, as MySQL's join reads it.
  v1::ChatMessage WithReplyLocked(uint64_t conversation_id, v1::ChatMessage m) {
    const auto& all = entries_[conversation_id];
    if (m.reply_to_seq() == 0 || m.reply_to_seq() > all.size()) return m;
    *m.mutable_reply() = chat::ReplyPreviewOf(all[m.reply_to_seq() - 1].message);
    return m;
  }

  void AppendLocked(chat::ConversationRecord& c, v1::ChatMessage entry, bool is_message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    entry.set_conversation_id(c.id);
    entry.set_seq(++c.latest_seq);
    entry.set_message_id(next_message_id_++);
    if (is_message) ++c.last_msg_no;
    entries_[c.id].push_back({std::move(entry), c.last_msg_no});
  }

  v1::ChatMessage AppendRoomEntryLocked(chat::ConversationRecord& c, uint64_t actor,
                                        std::string actor_name, std::string type, std::string text,
                                        uint64_t target_user_id, std::string target_user,
                                        int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    v1::ChatMessage entry;
    entry.set_sender_id(actor);
    entry.set_sender(std::move(actor_name));
    entry.set_type(std::move(type));
    entry.set_text(std::move(text));
    entry.set_target_user_id(target_user_id);
    entry.set_target_user(std::move(target_user));
    entry.set_sent_at_ms(now_ms);
    entry.set_client_msg_id("room:" + std::to_string(c.id) + ":" +
                            std::to_string(c.latest_seq + 1));
    AppendLocked(c, entry, false);
    return entries_[c.id].back().message;
  }

  void AdvanceLocked(uint64_t user_id, uint64_t conversation_id, uint64_t seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    uint64_t msg_no = seq == 0 ? 0 : entries_[conversation_id][seq - 1].msg_no;
    auto& marker = markers_[{user_id, conversation_id}];
    if (seq > marker.first || (seq == 0 && marker.first == 0)) marker = {seq, msg_no};
  }

  chat::StoredUserEvent AddUserEventLocked(uint64_t user_id, v1::UserEvent event, int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    event.set_seq(++user_event_seq_[user_id]);
    event.set_at_ms(now_ms);
    user_events_.push_back({user_id, event});
    return user_events_.back();
  }

  FailureInjector failures_;
  chat::FriendStore* friend_store_ = nullptr;
  mutable std::mutex mu_;
  uint64_t next_conversation_id_ ABSL_GUARDED_BY(mu_) = kLobbyId;
  uint64_t next_message_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, chat::ConversationRecord> conversations_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::string> keys_ ABSL_GUARDED_BY(mu_);  // room name keys
  // Room name skeletons (NULL in MySQL: no entry).
  std::map<uint64_t, std::string> skeletons_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::vector<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::map<uint64_t, chat::MemberRecord>> members_ ABSL_GUARDED_BY(mu_);
  int member_reads_ ABSL_GUARDED_BY(mu_) = 0;
  // CreateGroup's calls: (creator, when), for GroupsCreatedSince.
  std::vector<std::pair<uint64_t, int64_t>> groups_created_ ABSL_GUARDED_BY(mu_);
  // (user, conversation) -> (seq, msg_no)
  std::map<std::pair<uint64_t, uint64_t>, std::pair<uint64_t, uint64_t>> markers_
      ABSL_GUARDED_BY(mu_);
  std::map<std::pair<uint64_t, std::string>, Sent> acks_ ABSL_GUARDED_BY(mu_);
  // (user, conversation) -> notification settings
  std::map<std::pair<uint64_t, uint64_t>, chat::NotificationRecord> notifications_
      ABSL_GUARDED_BY(mu_);
  // (conversation, message seq) -> its reactions, in the order given
  std::map<std::pair<uint64_t, uint64_t>, std::vector<ReactionRow>> reactions_ ABSL_GUARDED_BY(mu_);
  // conversation -> its pins, in the order pinned
  std::map<uint64_t, std::vector<PinRow>> pins_ ABSL_GUARDED_BY(mu_);
  // (conversation, entry seq) -> its mentions (a message's: as they are now)
  std::map<std::pair<uint64_t, uint64_t>, std::vector<v1::Mention>> mentions_ ABSL_GUARDED_BY(mu_);
  // room -> user -> ban
  std::map<uint64_t, std::map<uint64_t, chat::BanRecord>> bans_ ABSL_GUARDED_BY(mu_);
  // (room, invitee) -> pending invitation
  std::map<std::pair<uint64_t, uint64_t>, chat::InvitationRecord> invitations_ ABSL_GUARDED_BY(mu_);
  // (room, member) -> the seq of their member_joined (or room_created) entry
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> joined_seqs_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, uint64_t> user_event_seq_ ABSL_GUARDED_BY(mu_);
  std::vector<chat::StoredUserEvent> user_events_ ABSL_GUARDED_BY(mu_);
  int append_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int find_direct_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<uint32_t> last_messages_after_limit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
