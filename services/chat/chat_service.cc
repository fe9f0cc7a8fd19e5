#include "chat_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "common/channels.h"
#include "common/status.h"
#include "common/text.h"
#include "delivery.h"
#include "mentions.h"
#include "natter/v1/gateway.pb.h"
#include "pins.h"
#include "room_rules.h"

namespace natter::chat {
namespace {

constexpr size_t kMaxRefBytes = 256;

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

absl::Status ValidateLimit(uint32_t limit, uint32_t max) {
  if (limit > max) {
    return absl::InvalidArgumentError("limit must be at most " + std::to_string(max));
  }
  return absl::OkStatus();
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

absl::Status ValidateCaller(const v1::Caller& caller) {
  // The gateway fills the caller from the session; a missing one is a bug in the peer, not user
  // input.
  if (caller.user_id() == 0 || caller.username().empty()) {
    return absl::InvalidArgumentError("request has no authenticated caller");
  }
  return absl::OkStatus();
}

Names LookupNames(UserDirectory& users, std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), 0), ids.end());
  Names names;
  if (ids.empty()) return names;
  auto profiles = users.Profiles(ids);
  if (!profiles.ok()) {
    spdlog::warn("user names unavailable, using stored ones: {}", profiles.status().message());
    return names;
  }
  for (const auto& [id, profile] : *profiles) names.emplace(id, profile.username());
  return names;
}

v1::Conversation ConversationView(const ConversationRecord& c, uint64_t viewer,
                                  const Names& names) {
  auto name_of = [&](uint64_t id) {
    auto it = names.find(id);
    return it == names.end() ? std::string() : it->second;
  };
  v1::Conversation out;
  out.set_id(c.id);
  out.set_kind(c.kind);
  out.set_latest_seq(c.latest_seq);
  out.set_last_read_seq(c.last_read_seq);
  out.set_unread(c.last_msg_no > c.read_msg_no ? c.last_msg_no - c.read_msg_no : 0);
  if (c.is_room()) {
    out.set_name(c.name);
    out.set_topic(c.topic);
    out.set_owner_id(c.owner_id);
    if (c.owner_id != 0) out.set_owner(name_of(c.owner_id));
    out.set_member_count(c.member_count);
    out.set_private_room(c.is_private);
    out.set_history(c.history == RoomHistory::kSinceJoin ? v1::HISTORY_VISIBILITY_SINCE_JOIN
                                                         : v1::HISTORY_VISIBILITY_ALL);
  } else if (c.is_group()) {
    // member_names is filled in by the caller that read the members (groups.cc).
    out.set_name(c.topic);
    out.set_owner_id(c.owner_id);
    if (c.owner_id != 0) out.set_owner(name_of(c.owner_id));
    out.set_member_count(c.member_count);
    out.set_history(v1::HISTORY_VISIBILITY_SINCE_JOIN);
  } else {
    uint64_t peer = c.PeerOf(viewer);
    out.set_peer_id(peer);
    out.set_name(name_of(peer));
    out.set_peer_read_seq(c.peer_read_seq);
    out.set_member_count(2);
  }
  return out;
}

v1::NotificationSettings NotificationsView(uint64_t conversation_id, const NotificationRecord& n,
                                           int64_t now_ms) {
  v1::NotificationSettings out;
  out.set_conversation_id(conversation_id);
  // A level this replica does not know (one added later) reads as "all", as clients treat it.
  out.set_level(n.level == "none"       ? v1::NOTIFY_LEVEL_NONE
                : n.level == "mentions" ? v1::NOTIFY_LEVEL_MENTIONS
                                        : v1::NOTIFY_LEVEL_ALL);
  out.set_muted_until_ms(n.muted_until_ms > now_ms ? n.muted_until_ms : 0);
  return out;
}

ChatService::ChatService(MessageStore& store, FriendStore& friends, EventPublisher& publisher,
                         UserDirectory& users, TypingLimiter& typing, RateLimiter& limiter,
                         ChatLimits limits, const Clock& clock, FileService* files)
    : store_(store),
      friends_(friends),
      publisher_(publisher),
      users_(users),
      typing_(typing),
      limiter_(limiter),
      limits_(limits),
      clock_(clock),
      files_(files) {}

absl::Status ChatService::TakeMessageAllowance(const v1::Caller& caller) {
  // An allowance that cannot be read lets the message through; the per-stream limit of the
  // gateway still holds.
  return TakeAllowance(limiter_, MessageLimitKey(caller.user_id()), limits_.messages,
                       fmt::format("you are sending too fast (at most {:g} messages a second)",
                                   limits_.messages.per_second));
}

absl::StatusOr<ConversationRecord> ChatService::Resolve(const v1::Caller& caller,
                                                        const v1::ConversationRef& ref,
                                                        bool open_direct) {
  const uint64_t me = caller.user_id();
  std::optional<ConversationRecord> found;
  switch (ref.ref_case()) {
    case v1::ConversationRef::kId: {
      ASSIGN_OR_RETURN(auto c, store_.FindConversation(ref.id(), me));
      if (!c.has_value() || (c->is_direct() && !c->is_member)) {
        return absl::NotFoundError("no conversation " + std::to_string(ref.id()));
      }
      found = std::move(c);
      break;
    }
    case v1::ConversationRef::kRoom: {
      if (ref.room().empty() || ref.room().size() > kMaxRefBytes) {
        return absl::InvalidArgumentError("give a room name");
      }
      auto key = FoldCase(ref.room());
      if (!key.ok()) return absl::InvalidArgumentError("room name is not valid UTF-8");
      ASSIGN_OR_RETURN(auto c, store_.FindRoom(*key, me));
      if (!c.has_value()) return absl::NotFoundError("no room named " + Quoted(ref.room()));
      found = std::move(c);
      break;
    }
    case v1::ConversationRef::kWithUser: {
      if (ref.with_user().empty() || ref.with_user().size() > kMaxRefBytes) {
        return absl::InvalidArgumentError("give the username of the other person");
      }
      ASSIGN_OR_RETURN(auto other, users_.FindByUsername(ref.with_user()));
      if (!other.has_value())
        return absl::NotFoundError("no user named " + Quoted(ref.with_user()));
      uint64_t them = other->user_id();
      if (them == me) return absl::InvalidArgumentError("that is you; pick someone else");
      if (open_direct) {
        const uint64_t low = std::min(me, them), high = std::max(me, them);
        if (auto id = RememberedDirect(low, high)) {
          return ConversationRecord{.id = *id,
                                    .kind = "direct",
                                    .direct_low = low,
                                    .direct_high = high,
                                    .member_count = 2,
                                    .is_member = true};
        }
      }
      ASSIGN_OR_RETURN(auto c, store_.FindDirect(me, them));
      if (c.has_value()) {
        RememberDirect(*c);
        return std::move(*c);
      }
      if (!open_direct) {
        return absl::NotFoundError("you have no conversation with " + Quoted(other->username()));
      }
      // Only friends start a direct conversation; a block ends that (and friendship) either way.
      ASSIGN_OR_RETURN(auto friends, friends_.AreFriends(me, them));
      if (!friends) {
        return absl::PermissionDeniedError("you can message " + Quoted(other->username()) +
                                           " once you are friends");
      }
      ASSIGN_OR_RETURN(auto opened, store_.OpenDirect(me, them, clock_.NowMs()));
      opened.is_member = true;
      RememberDirect(opened);
      return opened;
    }
    case v1::ConversationRef::REF_NOT_SET:
      return absl::InvalidArgumentError(
          "say which conversation: a room, a user or a conversation id");
  }
  if (((found->is_room() && found->is_private) || found->is_group()) && !found->is_member) {
    // Private rooms and groups do not exist for those outside them (room_rules.h, group_rules.h).
    return absl::NotFoundError(ref.has_room() ? "no room named " + Quoted(ref.room())
                                              : "no conversation " + std::to_string(ref.id()));
  }
  if (found->is_room() && !found->is_member) {
    return absl::FailedPreconditionError("you are not in room " + Quoted(found->name) +
                                         "; join it first");
  }
  return std::move(*found);
}

std::optional<uint64_t> ChatService::RememberedDirect(uint64_t low, uint64_t high) {
  std::lock_guard lock(directs_mu_);
  auto it = directs_.find({low, high});
  if (it == directs_.end()) return std::nullopt;
  return it->second;
}

void ChatService::RememberDirect(const ConversationRecord& c) {
  if (!c.is_direct()) return;
  std::lock_guard lock(directs_mu_);
  if (directs_.size() >= kMaxRememberedDirects) directs_.clear();
  directs_.emplace(std::pair{c.direct_low, c.direct_high}, c.id);
}

absl::Status ChatService::CheckFriends(const v1::Caller& caller, const ConversationRecord& c) {
  if (!c.is_direct()) return absl::OkStatus();
  const uint64_t peer = c.PeerOf(caller.user_id());
  // A block ends the friendship, so "friends" is the one question on the common path.
  ASSIGN_OR_RETURN(auto friends, friends_.AreFriends(caller.user_id(), peer));
  if (friends) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto blocked, friends_.EitherBlocked(caller.user_id(), peer));
  return absl::PermissionDeniedError(blocked ? kRefusedBlocked : kRefusedNotFriends);
}

absl::StatusOr<v1::SendAck> ChatService::AppendAndPublish(const ConversationRecord& c,
                                                          NewMessage entry,
                                                          const FileRecord* attachment) {
  entry.conversation_id = c.id;
  entry.sent_at_ms = clock_.NowMs();
  ASSIGN_OR_RETURN(auto stored, store_.Append(entry));
  if (attachment != nullptr && !stored.unchanged && stored.ack.conversation_id() == c.id) {
    // Recorded after the message: if this fails the client's retry (same client_msg_id, a
    // duplicate) records it, before the entry is published again below.
    RETURN_IF_ERROR(files_->AddRef(attachment->id, c.id, stored.ack.seq()));
  }
  if (stored.duplicate) {
    // A retry. The first attempt may be stored but not published: its replica died after the
    // commit, Redis was down, or the commit's answer was lost. Publish the stored entry again;
    // receivers drop a seq they already have.
    if (stored.ack.conversation_id() == c.id) {
      auto original = store_.FindMessage(c.id, stored.ack.seq());
      if (original.ok() && original->has_value()) {
        std::vector<v1::ChatMessage> entries{std::move(**original)};
        if (auto s = AttachReactions(c.id, entries); !s.ok()) {
          spdlog::warn("reactions unavailable for a republished entry: {}", s.message());
        }
        if (auto s = AttachFiles(c.id, entries); !s.ok()) {
          spdlog::warn("attachment unavailable for a republished entry: {}", s.message());
        }
        if (auto s = AttachMentions(c.id, entries); !s.ok()) {
          spdlog::warn("mentions unavailable for a republished entry: {}", s.message());
        }
        Publish(c, entries[0]);
      }
    }
    return stored.ack;
  }
  if (stored.unchanged) {
    // A reaction or pin already as asked: nothing to tell. The ack says when it was found so.
    stored.ack.set_sent_at_ms(entry.sent_at_ms);
    return stored.ack;
  }

  v1::ChatMessage out;
  out.set_conversation_id(c.id);
  out.set_seq(stored.ack.seq());
  out.set_message_id(stored.ack.message_id());
  out.set_sender_id(entry.sender_id);
  out.set_sender(entry.sender);
  out.set_text(entry.text);
  out.set_sent_at_ms(stored.ack.sent_at_ms());
  out.set_client_msg_id(entry.client_msg_id);
  out.set_type(entry.type);
  out.set_target_seq(entry.target_seq);
  if (entry.reply_to_seq != 0) {
    out.set_reply_to_seq(entry.reply_to_seq);
    *out.mutable_reply() = std::move(entry.reply);
  }
  for (auto& reaction : stored.reactions) *out.add_reactions() = std::move(reaction);
  if (attachment != nullptr) *out.mutable_attachment() = attachment->Info();
  for (auto& mention : stored.mentions) *out.add_mentions() = std::move(mention);
  Publish(c, out);
  return stored.ack;
}

void ChatService::Publish(const ConversationRecord& c, const v1::ChatMessage& entry) {
  Names names;
  if (c.is_direct()) names = LookupNames(users_, {c.direct_low, c.direct_high});
  PublishEntry(publisher_, c, entry, names[c.direct_low], names[c.direct_high]);
}

absl::StatusOr<v1::SendAck> ChatService::Send(const v1::SendRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  v1::ConversationRef ref;
  switch (request.target_case()) {
    case v1::SendRequest::kRoom:
      ref.set_room(request.room());
      break;
    case v1::SendRequest::kConversationId:
      ref.set_id(request.conversation_id());
      break;
    case v1::SendRequest::kToUser:
      ref.set_with_user(request.to_user());
      break;
    case v1::SendRequest::TARGET_NOT_SET:
      return absl::InvalidArgumentError(
          "say where to send the message: a room, a user or a "
          "conversation");
  }
  RETURN_IF_ERROR(ValidateClientMsgId(request.client_msg_id()));
  const bool has_attachment = !request.attachment_file_id().empty();
  // A message with a file may have no text.
  if (!has_attachment || !request.text().empty()) {
    RETURN_IF_ERROR(ValidateText(request.text(), kMaxMessageBytes, "message"));
  }
  RETURN_IF_ERROR(TakeMessageAllowance(request.caller()));
  std::optional<FileRecord> attachment;
  if (has_attachment) {
    if (files_ == nullptr) return absl::UnimplementedError("this server does not take files");
    ASSIGN_OR_RETURN(attachment,
                     files_->Attachable(request.caller(), request.attachment_file_id()));
  }
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), ref, /*open_direct=*/true));
  RETURN_IF_ERROR(CheckMayPost(conversation, clock_.NowMs()));

  NewMessage message;
  // The friendship and block checks run in the store, in the append's transaction.
  message.friends_only = conversation.is_direct();
  message.sender_id = request.caller().user_id();
  message.sender = request.caller().username();
  message.client_msg_id = request.client_msg_id();
  message.text = request.text();
  ASSIGN_OR_RETURN(message.mentions,
                   ResolveMentions(users_, store_, conversation, message.sender_id, message.text));
  if (request.reply_to_seq() != 0) {
    // A reply quotes a live message of the same conversation. (Deleted in the meantime, it is
    // shown as deleted: the quote is read as the message is when the reply is read.)
    const std::string which = "message " + std::to_string(request.reply_to_seq());
    ASSIGN_OR_RETURN(auto quoted, store_.FindMessage(conversation.id, request.reply_to_seq()));
    if (!quoted.has_value() || quoted->type() != kTypeMessage ||
        !CanReadSeq(conversation, quoted->seq())) {
      return absl::NotFoundError("there is no " + which + " in this conversation to reply to");
    }
    if (quoted->deleted()) {
      return absl::FailedPreconditionError(which + " was deleted; it cannot be replied to");
    }
    message.reply_to_seq = request.reply_to_seq();
    message.reply = ReplyPreviewOf(*quoted);  // as it was checked: no second read after the append
  }
  return AppendAndPublish(conversation, std::move(message),
                          attachment.has_value() ? &*attachment : nullptr);
}

absl::StatusOr<v1::SendAck> ChatService::Change(const v1::Caller& caller,
                                                const v1::ConversationRef& ref, uint64_t seq,
                                                const std::string& client_msg_id,
                                                const std::string& type, const std::string& text) {
  RETURN_IF_ERROR(ValidateClientMsgId(client_msg_id));
  const bool edit = type == kTypeEdited;
  if (edit) {
    RETURN_IF_ERROR(ValidateText(text, kMaxMessageBytes, "message"));
  }
  if (seq == 0) return absl::InvalidArgumentError("say which message: its seq");
  RETURN_IF_ERROR(TakeMessageAllowance(caller));
  ASSIGN_OR_RETURN(auto conversation, Resolve(caller, ref, /*open_direct=*/false));
  if (edit) RETURN_IF_ERROR(CheckMayPost(conversation, clock_.NowMs()));
  ASSIGN_OR_RETURN(auto target, store_.FindMessage(conversation.id, seq));
  const char* verb = edit ? "edit" : "delete";
  if (!target.has_value()) {
    return absl::NotFoundError("no message " + std::to_string(seq) + " in this conversation");
  }
  if (target->type() != kTypeMessage) {
    return absl::FailedPreconditionError("entry " + std::to_string(seq) +
                                         " is not a message; only messages can be " +
                                         (edit ? "edited" : "deleted"));
  }
  if (target->sender_id() != caller.user_id()) {
    return absl::PermissionDeniedError(std::string("you can ") + verb + " only your own messages");
  }
  NewMessage change;
  // An edit carries new text to the other side, so in a direct conversation it needs the
  // friendship a message needs. A deletion takes something back and is always allowed.
  change.friends_only = edit && conversation.is_direct();
  change.sender_id = caller.user_id();
  change.sender = caller.username();
  change.client_msg_id = client_msg_id;
  change.type = type;
  change.text = text;
  change.target_seq = seq;
  if (edit) {
    ASSIGN_OR_RETURN(change.mentions,
                     ResolveMentions(users_, store_, conversation, change.sender_id, text));
  }
  // A replay of a change already made is answered from the dedupe record (even though the message
  // is deleted by now), so check "deleted" in the store, atomically with the change.
  return AppendAndPublish(conversation, std::move(change));
}

absl::StatusOr<v1::SendAck> ChatService::Edit(const v1::EditRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  return Change(request.caller(), request.conversation(), request.seq(), request.client_msg_id(),
                kTypeEdited, request.text());
}

absl::StatusOr<v1::SendAck> ChatService::Delete(const v1::DeleteRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto ack, Change(request.caller(), request.conversation(), request.seq(),
                                    request.client_msg_id(), kTypeDeleted, ""));
  if (files_ != nullptr) {
    // The deleted message no longer shares its file: the conversation's members lose access to it
    // (its uploader keeps it for kUnsentFileWindowMs after the upload, then, if no other message
    // carries it, it is NOT_FOUND and the sweep deletes it). A failure leaves the ref, which shows
    // nowhere (deleted messages carry no attachment) but still lets members download the file.
    if (auto s = files_->RemoveRef(ack.conversation_id(), request.seq()); !s.ok()) {
      spdlog::warn("cannot drop a deleted message's file ref: {}", s.message());
    }
  }
  return ack;
}

absl::StatusOr<v1::SendAck> ChatService::React(const v1::ReactRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  RETURN_IF_ERROR(ValidateClientMsgId(request.client_msg_id()));
  RETURN_IF_ERROR(ValidateEmoji(request.emoji(), kMaxEmojiBytes));
  const uint64_t seq = request.seq();
  if (seq == 0) return absl::InvalidArgumentError("say which message: its seq");
  RETURN_IF_ERROR(TakeMessageAllowance(request.caller()));
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), request.conversation(), false));
  if (!request.remove()) RETURN_IF_ERROR(CheckMayPost(conversation, clock_.NowMs()));
  ASSIGN_OR_RETURN(auto target, store_.FindMessage(conversation.id, seq));
  if (!target.has_value() || !CanReadSeq(conversation, seq)) {
    return absl::NotFoundError("no message " + std::to_string(seq) + " in this conversation");
  }
  if (target->type() != kTypeMessage) {
    return absl::FailedPreconditionError("entry " + std::to_string(seq) +
                                         " is not a message; only messages have reactions");
  }
  NewMessage change;
  // Like an edit, a reaction tells the other side something: in a direct conversation it needs
  // the friendship a message needs. Taking one back is always allowed.
  change.friends_only = !request.remove() && conversation.is_direct();
  change.sender_id = request.caller().user_id();
  change.sender = request.caller().username();
  change.client_msg_id = request.client_msg_id();
  change.type = request.remove() ? kTypeReactionRemoved : kTypeReactionAdded;
  change.text = request.emoji();
  change.target_seq = seq;
  // Deleted or not is checked in the store, atomically with the change, so that a replay of a
  // reaction made before a deletion is answered from the dedupe record.
  return AppendAndPublish(conversation, std::move(change));
}

absl::StatusOr<v1::SendAck> ChatService::Pin(const v1::PinRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  RETURN_IF_ERROR(ValidateClientMsgId(request.client_msg_id()));
  const uint64_t seq = request.seq();
  if (seq == 0) return absl::InvalidArgumentError("say which message: its seq");
  RETURN_IF_ERROR(TakeMessageAllowance(request.caller()));
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), request.conversation(), false));
  RETURN_IF_ERROR(MayPin(conversation));
  ASSIGN_OR_RETURN(auto target, store_.FindMessage(conversation.id, seq));
  if (!target.has_value() || !CanReadSeq(conversation, seq)) {
    return absl::NotFoundError("no message " + std::to_string(seq) + " in this conversation");
  }
  if (target->type() != kTypeMessage) {
    return absl::FailedPreconditionError("entry " + std::to_string(seq) +
                                         " is not a message; only messages can be pinned");
  }
  NewMessage change;
  // As for a reaction: pinning in a direct conversation needs the friendship; unpinning does not.
  change.friends_only = !request.unpin() && conversation.is_direct();
  change.sender_id = request.caller().user_id();
  change.sender = request.caller().username();
  change.client_msg_id = request.client_msg_id();
  change.type = request.unpin() ? kTypeMessageUnpinned : kTypeMessagePinned;
  change.target_seq = seq;
  // Deleted or not is checked in the store, atomically with the change.
  return AppendAndPublish(conversation, std::move(change));
}

absl::Status ChatService::AttachReactions(uint64_t conversation_id,
                                          std::vector<v1::ChatMessage>& entries) {
  // Which message's reactions each entry carries (0: none).
  auto of = [](const v1::ChatMessage& m) -> uint64_t {
    if (m.type() == kTypeMessage) return m.deleted() ? 0 : m.seq();
    return IsReactionType(m.type()) ? m.target_seq() : 0;
  };
  std::vector<uint64_t> seqs;
  for (const auto& m : entries) {
    if (uint64_t seq = of(m); seq != 0) seqs.push_back(seq);
  }
  if (seqs.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto reactions, store_.Reactions(conversation_id, seqs));
  for (auto& m : entries) {
    m.clear_reactions();
    auto it = reactions.find(of(m));
    if (it == reactions.end()) continue;
    for (const auto& reaction : it->second) *m.add_reactions() = reaction;
  }
  return absl::OkStatus();
}

absl::Status ChatService::AttachMentions(uint64_t conversation_id,
                                         std::vector<v1::ChatMessage>& entries) {
  std::vector<uint64_t> seqs;
  for (const auto& m : entries) {
    if ((m.type() == kTypeMessage && !m.deleted()) || m.type() == kTypeEdited) {
      seqs.push_back(m.seq());
    }
  }
  if (seqs.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto mentions, store_.Mentions(conversation_id, seqs));
  for (auto& m : entries) {
    m.clear_mentions();
    auto it = mentions.find(m.seq());
    if (it == mentions.end()) continue;
    for (const auto& mention : it->second) *m.add_mentions() = mention;
  }
  return absl::OkStatus();
}

absl::Status ChatService::AttachFiles(uint64_t conversation_id,
                                      std::vector<v1::ChatMessage>& entries) {
  if (files_ == nullptr) return absl::OkStatus();
  std::vector<uint64_t> seqs;
  for (const auto& m : entries) {
    if (m.type() == kTypeMessage && !m.deleted()) seqs.push_back(m.seq());
  }
  if (seqs.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto attachments, files_->Attachments(conversation_id, seqs));
  for (auto& m : entries) {
    auto it = attachments.find(m.seq());
    if (it != attachments.end() && m.type() == kTypeMessage && !m.deleted()) {
      *m.mutable_attachment() = it->second.Info();
    }
  }
  return absl::OkStatus();
}

std::map<std::pair<uint64_t, uint64_t>, FileRecord> ChatService::PreviewAttachments(
    const std::vector<ConversationRecord>& conversations) {
  if (files_ == nullptr) return {};
  std::vector<std::pair<uint64_t, uint64_t>> at;
  for (const auto& c : conversations) {
    if (c.last_entry && c.last_entry->type() == kTypeMessage && !c.last_entry->deleted()) {
      at.emplace_back(c.id, c.last_entry->seq());
    }
  }
  if (at.empty()) return {};
  auto found = files_->AttachmentsAt(std::move(at));
  if (!found.ok()) {
    // A preview without its file's name still says a file came ("📎 File"); the list is not lost.
    spdlog::warn("attachments of conversation previews unavailable: {}", found.status().message());
    return {};
  }
  return *std::move(found);
}

absl::StatusOr<v1::SyncResponse> ChatService::Sync(const v1::SyncRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  RETURN_IF_ERROR(ValidateLimit(request.limit(), kMaxSyncLimit));
  v1::ConversationRef ref;
  ref.set_id(request.conversation_id());
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), ref, false));
  uint32_t limit = request.limit() == 0 ? kDefaultSyncLimit : request.limit();
  // Entries before what the caller may read (a since_join history) are skipped, not refused.
  const uint64_t after = std::max(request.after_seq(), ReadableFrom(conversation) - 1);
  ASSIGN_OR_RETURN(auto entries, store_.MessagesAfter(conversation.id, after, limit + 1));

  v1::SyncResponse response;
  response.set_has_more(entries.size() > limit);
  if (response.has_more()) entries.resize(limit);
  RETURN_IF_ERROR(AttachReactions(conversation.id, entries));
  RETURN_IF_ERROR(AttachFiles(conversation.id, entries));
  RETURN_IF_ERROR(AttachMentions(conversation.id, entries));
  Present(conversation, request.caller().user_id(), entries, *response.mutable_messages());
  response.set_latest_seq(
      std::max(conversation.latest_seq,
               response.messages().empty() ? 0 : response.messages().rbegin()->seq()));
  return response;
}

void ChatService::Present(const ConversationRecord& c, uint64_t viewer,
                          std::vector<v1::ChatMessage>& entries,
                          google::protobuf::RepeatedPtrField<v1::ChatMessage>& out) {
  // Names as they are now (a deleted account shows as "deleted user"); the name stored with each
  // entry is the fallback while natter-auth cannot be asked.
  std::vector<uint64_t> ids;
  for (const auto& m : entries) {
    ids.push_back(m.sender_id());
    ids.push_back(m.target_user_id());
    for (const auto& reaction : m.reactions()) {
      ids.insert(ids.end(), reaction.user_ids().begin(), reaction.user_ids().end());
    }
    for (const auto& mention : m.mentions()) ids.push_back(mention.user_id());
  }
  uint64_t peer = c.is_direct() ? c.PeerOf(viewer) : 0;
  ids.push_back(peer);
  Names names = LookupNames(users_, std::move(ids));
  for (auto& m : entries) {
    if (c.is_room()) m.set_room(c.name);
    if (auto it = names.find(m.sender_id()); it != names.end()) m.set_sender(it->second);
    if (auto it = names.find(m.target_user_id()); it != names.end()) m.set_target_user(it->second);
    for (auto& reaction : *m.mutable_reactions()) {
      for (int i = 0; i < reaction.user_ids_size() && i < reaction.users_size(); ++i) {
        if (auto it = names.find(reaction.user_ids(i)); it != names.end()) {
          reaction.set_users(i, it->second);
        }
      }
    }
    for (auto& mention : *m.mutable_mentions()) {
      if (auto it = names.find(mention.user_id()); it != names.end()) {
        mention.set_username(it->second);
      }
    }
    if (peer != 0) {
      m.set_peer_id(peer);
      if (auto it = names.find(peer); it != names.end()) m.set_peer(it->second);
    }
    *out.Add() = std::move(m);
  }
}

absl::StatusOr<v1::HistoryResponse> ChatService::History(const v1::HistoryRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  v1::ConversationRef ref;
  switch (request.target_case()) {
    case v1::HistoryRequest::kRoom:
      ref.set_room(request.room());
      break;
    case v1::HistoryRequest::kConversationId:
      ref.set_id(request.conversation_id());
      break;
    case v1::HistoryRequest::kWithUser:
      ref.set_with_user(request.with_user());
      break;
    case v1::HistoryRequest::TARGET_NOT_SET:
      return absl::InvalidArgumentError("say which history: a room, a user or a conversation");
  }
  RETURN_IF_ERROR(ValidateLimit(request.limit(), kMaxHistoryLimit));
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), ref, false));
  uint32_t limit = request.limit() == 0 ? kDefaultHistoryLimit : request.limit();
  uint64_t before =
      request.before_seq() == 0 ? std::numeric_limits<uint64_t>::max() : request.before_seq();
  ASSIGN_OR_RETURN(auto entries, store_.MessagesBefore(conversation.id, before, limit + 1));
  // What the caller may not read (before they joined a since_join room) is left out: the page
  // ends there, and has_more says whether an older readable entry is left.
  std::erase_if(entries,
                [&](const v1::ChatMessage& m) { return !CanReadSeq(conversation, m.seq()); });

  v1::HistoryResponse response;
  response.set_conversation_id(conversation.id);
  response.set_has_more(entries.size() > limit);
  if (response.has_more()) entries.resize(limit);
  std::reverse(entries.begin(), entries.end());  // oldest first
  RETURN_IF_ERROR(AttachReactions(conversation.id, entries));
  RETURN_IF_ERROR(AttachFiles(conversation.id, entries));
  RETURN_IF_ERROR(AttachMentions(conversation.id, entries));
  Present(conversation, request.caller().user_id(), entries, *response.mutable_messages());
  return response;
}

absl::StatusOr<v1::ListConversationsResponse> ChatService::ListConversations(
    const v1::ListConversationsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  const uint64_t me = request.caller().user_id();
  if (request.rooms_only()) {
    ASSIGN_OR_RETURN(auto rooms, store_.RoomsOf(me));
    v1::ListConversationsResponse response;
    for (const auto& c : rooms) {
      v1::Conversation* out = response.add_conversations();
      out->set_id(c.id);
      out->set_kind(c.kind);  // "room", or "group" (the gateway subscribes to both)
      out->set_name(c.name);
    }
    return response;
  }
  ASSIGN_OR_RETURN(auto conversations, store_.ConversationsOf(me));
  // Each group is labelled by its first members other than the caller (the client shows them when
  // it has no title), read for all groups at once.
  std::map<uint64_t, std::vector<MemberRecord>> group_members;
  if (std::any_of(conversations.begin(), conversations.end(),
                  [](const ConversationRecord& c) { return c.is_group(); })) {
    ASSIGN_OR_RETURN(group_members, store_.GroupMembersOf(me, kGroupMemberNamesShown + 1));
  }
  std::vector<uint64_t> ids;
  for (auto& [_, members] : group_members) {
    std::erase_if(members, [me](const MemberRecord& m) { return m.user_id == me; });
    if (members.size() > kGroupMemberNamesShown) members.resize(kGroupMemberNamesShown);
    for (const auto& m : members) ids.push_back(m.user_id);
  }
  for (const auto& c : conversations) {
    ids.push_back(c.is_direct() ? c.PeerOf(me) : c.owner_id);
    if (c.last_entry) ids.push_back(c.last_entry->sender_id());
  }
  Names names = LookupNames(users_, std::move(ids));
  const auto attachments = PreviewAttachments(conversations);
  const int64_t now_ms = clock_.NowMs();
  v1::ListConversationsResponse response;
  for (const auto& c : conversations) {
    v1::Conversation* out = response.add_conversations();
    *out = ConversationView(c, me, names);
    if (auto it = group_members.find(c.id); it != group_members.end()) {
      for (const auto& m : it->second) {
        auto name = names.find(m.user_id);
        out->add_member_names(name == names.end() ? "" : name->second);
      }
    }
    *out->mutable_notifications() = NotificationsView(c.id, c.notifications, now_ms);
    if (c.last_entry) {
      // For a preview: the latest message with its sender's current name and its file.
      v1::ChatMessage* last = out->mutable_last_entry();
      *last = *c.last_entry;
      if (auto it = names.find(last->sender_id()); it != names.end()) last->set_sender(it->second);
      if (c.is_room()) last->set_room(c.name);
      if (auto it = attachments.find({c.id, last->seq()}); it != attachments.end()) {
        *last->mutable_attachment() = it->second.Info();
      }
    }
  }
  return response;
}

absl::StatusOr<v1::TypingResponse> ChatService::Typing(const v1::TypingRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), request.conversation(), false));
  RETURN_IF_ERROR(CheckFriends(request.caller(), conversation));
  RETURN_IF_ERROR(CheckMayPost(conversation, clock_.NowMs()));
  v1::TypingResponse response;
  response.set_conversation_id(conversation.id);
  auto allowed = typing_.Allow(request.caller().user_id(), conversation.id);
  // Typing indicators are best effort: an unreachable limiter drops the notice, not the call.
  if (!allowed.ok() || !*allowed) return response;

  v1::ServerEvent event;
  v1::TypingEvent* typing = event.mutable_typing();
  typing->set_conversation_id(conversation.id);
  typing->set_user_id(request.caller().user_id());
  typing->set_username(request.caller().username());
  std::string channel;
  if (!conversation.is_direct()) {  // a room or a group: its channel
    typing->set_room(conversation.name);
    channel = ConversationChannel(conversation.id);
  } else {
    channel = UserChannel(conversation.PeerOf(request.caller().user_id()));
  }
  if (auto s = publisher_.Publish(channel, event.SerializeAsString()); !s.ok()) {
    spdlog::debug("typing notice not published: {}", s.message());
  }
  return response;
}

absl::StatusOr<v1::MarkReadResponse> ChatService::MarkRead(const v1::MarkReadRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), request.conversation(), false));
  const uint64_t me = request.caller().user_id();
  ASSIGN_OR_RETURN(auto state, store_.MarkRead(me, conversation.id, request.seq()));
  if (state.moved) {
    // The user's other devices clear their badge; in a direct conversation the other side sees
    // how far it has been read.
    v1::ServerEvent event;
    v1::ReadMarker* marker = event.mutable_read();
    marker->set_conversation_id(conversation.id);
    marker->set_user_id(me);
    marker->set_username(request.caller().username());
    marker->set_seq(state.last_read_seq);
    std::vector<std::pair<std::string, std::string>> events{
        {UserChannel(me), event.SerializeAsString()}};
    // Reading is one's own business and stays possible after an unfriending; the other side
    // hears of it only while the two are friends.
    if (conversation.is_direct() && CheckFriends(request.caller(), conversation).ok()) {
      events.emplace_back(UserChannel(conversation.PeerOf(me)), event.SerializeAsString());
    }
    if (auto s = publisher_.PublishMany(events); !s.ok()) {
      spdlog::warn("read marker not published: {}", s.message());
    }
  }
  v1::MarkReadResponse response;
  response.set_conversation_id(conversation.id);
  response.set_last_read_seq(state.last_read_seq);
  response.set_unread(state.unread);
  return response;
}

absl::StatusOr<v1::NotificationSettings> ChatService::SetNotifications(
    const v1::SetNotificationsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  std::optional<std::string> level;
  switch (request.level()) {
    case v1::NOTIFY_LEVEL_UNSPECIFIED:
      break;
    case v1::NOTIFY_LEVEL_ALL:
      level = "all";
      break;
    case v1::NOTIFY_LEVEL_NONE:
      level = "none";
      break;
    case v1::NOTIFY_LEVEL_MENTIONS:
      level = "mentions";
      break;
    default:
      return absl::InvalidArgumentError(
          fmt::format("unknown notification level {}; use all, mentions or none",
                      static_cast<int>(request.level())));
  }
  const int64_t now_ms = clock_.NowMs();
  std::optional<int64_t> muted_until;
  if (request.has_muted_until_ms()) {
    const int64_t until = request.muted_until_ms();
    if (until != 0 && until != kMutedForeverMs) {
      if (until <= now_ms) {
        return absl::InvalidArgumentError(
            "a mute must end in the future (muted_until_ms 0 unmutes, 253402300799000 mutes "
            "until unmuted)");
      }
      if (until - now_ms > kMaxMuteMs) {
        return absl::InvalidArgumentError(
            "a mute can last at most 366 days; mute until unmuted instead (muted_until_ms "
            "253402300799000)");
      }
    }
    muted_until = until;
  }
  if (!level && !muted_until) {
    return absl::InvalidArgumentError("give a notification level, a mute, or both");
  }
  // Any member may set their own, whatever the friendship: it concerns only them.
  ASSIGN_OR_RETURN(auto conversation, Resolve(request.caller(), request.conversation(), false));
  RETURN_IF_ERROR(TakeMessageAllowance(request.caller()));
  const uint64_t me = request.caller().user_id();
  ASSIGN_OR_RETURN(auto stored, store_.SetNotifications(me, conversation.id, level, muted_until));
  v1::NotificationSettings settings = NotificationsView(conversation.id, stored, now_ms);
  // The user's other devices update their mute icons and stop (or start) notifying.
  v1::ServerEvent event;
  *event.mutable_notifications() = settings;
  if (auto s = publisher_.Publish(UserChannel(me), event.SerializeAsString()); !s.ok()) {
    spdlog::warn("notification settings not published: {}", s.message());
  }
  return settings;
}

}  // namespace natter::chat
