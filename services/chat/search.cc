// ChatService::Search (docs/PROTOCOL.md, "Search"): parse the query (search_query.h), resolve its
// operators to a sender and a conversation the caller can read, run it on the store's index, and
// show each hit with its conversation, its sender's current name and a marked snippet.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "chat_service.h"
#include "common/status.h"
#include "search_query.h"

namespace natter::chat {
namespace {

// A page token is the offset of the next page in the ranking, as "p<offset>": opaque to clients.
std::string PageToken(uint32_t offset) { return "p" + std::to_string(offset); }

std::optional<uint32_t> ParsePageToken(std::string_view token) {
  if (token.size() < 2 || token.size() > 8 || token[0] != 'p') return std::nullopt;
  uint32_t offset = 0;
  auto [end, error] = std::from_chars(token.data() + 1, token.data() + token.size(), offset);
  if (error != std::errc() || end != token.data() + token.size() || offset == 0 ||
      offset >= kMaxSearchResults) {
    return std::nullopt;
  }
  return offset;
}

}  // namespace

absl::StatusOr<v1::SearchResponse> ChatService::Search(const v1::SearchRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  if (request.limit() > kMaxSearchLimit) {
    return absl::InvalidArgumentError("limit must be at most " + std::to_string(kMaxSearchLimit));
  }
  const uint32_t limit = request.limit() == 0 ? kDefaultSearchLimit : request.limit();
  uint32_t offset = 0;
  if (!request.page_token().empty()) {
    auto parsed = ParsePageToken(request.page_token());
    if (!parsed) {
      return absl::InvalidArgumentError(
          "page_token is not one a search gave; search again without it for the first page");
    }
    offset = *parsed;
  }
  ASSIGN_OR_RETURN(SearchQuery query, ParseSearchQuery(request.query()));
  RETURN_IF_ERROR(TakeAllowance(limiter_, SearchLimitKey(request.caller().user_id()),
                                limits_.searches,
                                fmt::format("you are searching too fast (at most {:g} a second)",
                                            limits_.searches.per_second)));
  const uint64_t me = request.caller().user_id();
  SearchSpec spec{.viewer = me, .clauses = std::move(query.clauses)};
  if (!query.from.empty()) {
    if (query.from.size() > 64) return absl::InvalidArgumentError("from: takes a username");
    ASSIGN_OR_RETURN(auto sender, users_.FindByUsername(query.from));
    if (!sender) return absl::NotFoundError("from: no user named \"" + query.from + "\"");
    spec.sender_id = sender->user_id();
  }
  if (!query.in_room.empty() || !query.in_direct.empty()) {
    // in: names a conversation as any command does, with the same refusals (not in the room,
    // no conversation with that user).
    v1::ConversationRef ref;
    if (!query.in_room.empty()) {
      ref.set_room(query.in_room);
    } else {
      ref.set_with_user(query.in_direct);
    }
    auto conversation = Resolve(request.caller(), ref, false);
    const std::string& in = query.in_room;
    if (absl::IsNotFound(conversation.status()) && !in.empty() && in.size() <= 20 &&
        std::all_of(in.begin(), in.end(), [](unsigned char c) { return std::isdigit(c); })) {
      // No room has that name: a conversation id, as natterctl names a group (in:12).
      ref.set_id(std::strtoull(in.c_str(), nullptr, 10));
      conversation = Resolve(request.caller(), ref, false);
    }
    if (!conversation.ok()) return conversation.status();
    spec.conversation_id = conversation->id;
  }
  if (query.after_ms) spec.after_ms = *query.after_ms;
  if (query.before_ms) spec.before_ms = *query.before_ms;
  spec.offset = offset;
  // One more than asked, to know whether there is a next page; never past kMaxSearchResults.
  const uint32_t take = std::min(limit, kMaxSearchResults - offset);
  spec.limit = take + 1;
  ASSIGN_OR_RETURN(auto hits, store_.Search(spec));
  v1::SearchResponse response;
  if (hits.size() > take) {
    hits.resize(take);
    if (offset + take < kMaxSearchResults) response.set_next_page_token(PageToken(offset + take));
  }
  std::vector<uint64_t> ids;
  for (const auto& hit : hits) {
    ids.push_back(hit.message.sender_id());
    if (hit.kind == "direct")
      ids.push_back(hit.direct_low == me ? hit.direct_high : hit.direct_low);
  }
  const Names names = LookupNames(users_, std::move(ids));
  auto name_of = [&](uint64_t id, const std::string& stored) {
    auto it = names.find(id);
    return it == names.end() ? stored : it->second;
  };
  for (auto& hit : hits) {
    v1::SearchHit* out = response.add_hits();
    const v1::ChatMessage& m = hit.message;
    out->set_conversation_id(m.conversation_id());
    out->set_conversation_kind(hit.kind);
    out->set_conversation_name(
        hit.kind == "direct" ? name_of(hit.direct_low == me ? hit.direct_high : hit.direct_low, "")
                             : hit.name);
    out->set_seq(m.seq());
    out->set_message_id(m.message_id());
    out->set_sender_id(m.sender_id());
    out->set_sender(name_of(m.sender_id(), m.sender()));
    out->set_sent_at_ms(m.sent_at_ms());
    out->set_edited_at_ms(m.edited_at_ms());
    Snippet snippet = MakeSnippet(m.text(), spec.clauses, kSearchSnippetChars);
    out->set_snippet(std::move(snippet.text));
    for (auto [begin, end] : snippet.marks) {
      v1::TextRange* range = out->add_marks();
      range->set_begin(begin);
      range->set_end(end);
    }
    out->set_score(hit.score);
  }
  return response;
}

}  // namespace natter::chat
