// The search query language (docs/PROTOCOL.md, "Search"): words, "quoted phrases", from:USER,
// in:ROOM or in:@USER, before:YYYY-MM-DD and after:YYYY-MM-DD. ParseSearchQuery is a pure
// function: what it accepts and refuses is all in its unit tests (search_query_test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "search_terms.h"

namespace natter::chat {

// At most this many characters (code points) in a query, and this many words, phrases and
// operators together.
inline constexpr size_t kMaxSearchQueryChars = 200;
inline constexpr size_t kMaxSearchTerms = 10;

struct SearchQuery {
  // What a message must hold, every clause of it (AND).
  std::vector<SearchClause> clauses;
  std::string from;       // from:USER (a leading '@' dropped): the sender's username
  std::string in_room;    // in:ROOM (a leading '#' dropped)
  std::string in_direct;  // in:@USER: the direct conversation with USER
  // Sent at or after this time (Unix ms): the start of the day after the after: date, UTC.
  std::optional<int64_t> after_ms;
  // Sent before this time (Unix ms): the start of the before: date, UTC.
  std::optional<int64_t> before_ms;
};

// The query as the store runs it, or INVALID_ARGUMENT in words a person understands: an empty
// query, one with only operators or only punctuation, too long (kMaxSearchQueryChars) or with too
// many terms (kMaxSearchTerms), an operator given twice or without a value, a date that is not a
// real YYYY-MM-DD day, after: not before before:, invalid UTF-8. A word like "foo:bar" whose
// prefix is no operator is searched as text.
absl::StatusOr<SearchQuery> ParseSearchQuery(std::string_view query);

// The clause `text` makes: its terms in order, without a CJK tail at the end (a message may go on
// where the query stops, "中文" must find "中文字"); a one-character CJK clause matches by prefix.
SearchClause ClauseOf(std::string_view text);

// `clauses` as an InnoDB boolean-mode query over encoded terms (EncodeTerm): +term for a word,
// +term* for a prefix, +"term term" for several.
std::string BooleanModeQuery(const std::vector<SearchClause>& clauses);

// Unix ms of 00:00 UTC of the day YYYY-MM-DD; none unless `date` is exactly that and a real day.
std::optional<int64_t> ParseDayStartMs(std::string_view date);

}  // namespace natter::chat
