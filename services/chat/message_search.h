// What MessageStore::Search runs and returns (docs/PROTOCOL.md, "Search"; the query language is
// search_query.h, the terms search_terms.h).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "natter/v1/common.pb.h"
#include "search_terms.h"

namespace natter::chat {

// How far down the ranking a search may page (next_page_token ends there), and its page sizes.
inline constexpr uint32_t kMaxSearchResults = 500;
inline constexpr uint32_t kDefaultSearchLimit = 20;
inline constexpr uint32_t kMaxSearchLimit = 50;
// How long a hit's snippet is, in characters.
inline constexpr size_t kSearchSnippetChars = 160;

struct SearchSpec {
  uint64_t viewer = 0;  // only messages this user can read now are found
  std::vector<SearchClause> clauses;
  uint64_t sender_id = 0;                                   // 0: anyone's
  uint64_t conversation_id = 0;                             // 0: any the viewer can read
  int64_t after_ms = std::numeric_limits<int64_t>::min();   // sent at or after
  int64_t before_ms = std::numeric_limits<int64_t>::max();  // sent before
  uint32_t offset = 0;                                      // hits to skip, in ranking order
  uint32_t limit = 0;
};

struct SearchHitRecord {
  // The message as it is now: conversation_id, seq, message_id, sender_id, sender (as stored),
  // text, sent_at_ms, edited_at_ms.
  v1::ChatMessage message;
  std::string kind;  // the conversation's: "room", "direct" or "group"
  std::string name;  // a room's name, a group's title
  uint64_t direct_low = 0;
  uint64_t direct_high = 0;
  double score = 0;
};

}  // namespace natter::chat
