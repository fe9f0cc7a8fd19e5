#include "mentions.h"

#include <utf8proc.h>

#include <algorithm>
#include <limits>
#include <map>

#include "chat_service.h"
#include "common/status.h"
#include "common/text.h"

namespace natter::chat {
namespace {

constexpr utf8proc_int32_t kFullwidthAt = 0xFF20;

// What a username is made of (common/text.h NormalizeName), marks included.
bool IsNameCodepoint(utf8proc_int32_t cp) {
  if (cp == '_' || cp == '.' || cp == '-') return true;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
      return true;
    default:
      return false;
  }
}

// Cased letters and digits: a sign after one is part of a word (an e-mail address), not a
// mention. Scripts written without spaces (Han, kana, ...) have uncased letters: "你好@小明"
// mentions.
bool IsWordCodepoint(utf8proc_int32_t cp) {
  if (cp < 0) return false;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_ND:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<std::string> MentionedNames(std::string_view text, size_t max) {
  std::vector<std::string> names;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  utf8proc_ssize_t pos = 0;
  utf8proc_int32_t previous = -1;
  while (pos < size && names.size() < max) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(bytes + pos, size - pos, &cp);
    if (n <= 0) return names;  // not UTF-8 (Send and Edit refuse such text before)
    pos += n;
    const bool sign = (cp == '@' || cp == kFullwidthAt) && !IsWordCodepoint(previous);
    previous = cp;
    if (!sign) continue;
    const utf8proc_ssize_t start = pos;
    utf8proc_ssize_t end = pos;
    while (end < size) {
      utf8proc_int32_t next = 0;
      utf8proc_ssize_t m = utf8proc_iterate(bytes + end, size - end, &next);
      if (m <= 0 || !IsNameCodepoint(next)) break;
      end += m;
      previous = next;
    }
    pos = end;
    std::string_view name = text.substr(start, end - start);
    while (!name.empty() && (name.back() == '.' || name.back() == '-')) name.remove_suffix(1);
    if (name.empty() || name.size() > kMaxMentionNameBytes) continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
  return names;
}

absl::StatusOr<std::vector<v1::Mention>> ResolveMentions(UserDirectory& users, MessageStore& store,
                                                         const ConversationRecord& c,
                                                         uint64_t author, std::string_view text) {
  std::vector<v1::Mention> out;
  for (const std::string& name : MentionedNames(text)) {
    // natter-auth compares names ignoring case; a name written in other widths ("＠ＡＮＮ")
    // is tried in its compatibility form when it names no one as written.
    ASSIGN_OR_RETURN(auto user, users.FindByUsername(name));
    if (!user.has_value()) {
      auto compat = CompatFold(name);
      if (compat.ok() && *compat != name) {
        ASSIGN_OR_RETURN(user, users.FindByUsername(*compat));
      }
    }
    if (!user.has_value()) continue;
    const uint64_t id = user->user_id();
    if (id == author || std::any_of(out.begin(), out.end(),
                                    [id](const v1::Mention& m) { return m.user_id() == id; })) {
      continue;
    }
    bool reads = c.is_lobby();
    if (c.is_direct()) {
      reads = id == c.direct_low || id == c.direct_high;
    } else if (!reads) {
      ASSIGN_OR_RETURN(auto theirs, store.FindConversation(c.id, id));
      reads = theirs.has_value() && theirs->is_member;
    }
    if (!reads) continue;
    v1::Mention& mention = out.emplace_back();
    mention.set_user_id(id);
    mention.set_username(user->username());
    mention.set_added(true);
  }
  return out;
}

absl::StatusOr<v1::ListMentionsResponse> ChatService::ListMentions(
    const v1::ListMentionsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  if (request.limit() > kMaxMentionsLimit) {
    return absl::InvalidArgumentError("limit must be at most " + std::to_string(kMaxMentionsLimit));
  }
  const uint64_t me = request.caller().user_id();
  const uint32_t limit = request.limit() == 0 ? kDefaultMentionsLimit : request.limit();
  const uint64_t before = request.before_message_id() == 0 ? std::numeric_limits<uint64_t>::max()
                                                           : request.before_message_id();
  ASSIGN_OR_RETURN(auto entries, store_.MentionsOf(me, before, limit + 1));
  v1::ListMentionsResponse response;
  response.set_has_more(entries.size() > limit);
  if (response.has_more()) entries.resize(limit);
  // Each conversation's messages are presented together (its name, peer, reactions, mentions),
  // then put back in the store's order.
  std::map<uint64_t, std::vector<size_t>> by_conversation;
  for (size_t i = 0; i < entries.size(); ++i) {
    by_conversation[entries[i].conversation_id()].push_back(i);
  }
  std::vector<v1::ChatMessage> presented(entries.size());
  for (const auto& [conversation_id, indexes] : by_conversation) {
    ASSIGN_OR_RETURN(auto c, store_.FindConversation(conversation_id, me));
    if (!c.has_value()) continue;  // gone since: cannot happen, conversations stay
    std::vector<v1::ChatMessage> group;
    for (size_t i : indexes) group.push_back(std::move(entries[i]));
    RETURN_IF_ERROR(AttachReactions(conversation_id, group));
    RETURN_IF_ERROR(AttachMentions(conversation_id, group));
    google::protobuf::RepeatedPtrField<v1::ChatMessage> out;
    Present(*c, me, group, out);
    for (int k = 0; k < out.size(); ++k) presented[indexes[k]] = std::move(*out.Mutable(k));
  }
  for (auto& m : presented) {
    if (m.seq() != 0) *response.add_messages() = std::move(m);
  }
  return response;
}

}  // namespace natter::chat
