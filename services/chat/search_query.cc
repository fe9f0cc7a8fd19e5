#include "search_query.h"

#include <cctype>

#include "absl/status/status.h"
#include "common/text.h"

namespace natter::chat {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

}  // namespace

std::optional<int64_t> ParseDayStartMs(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(date[i]))) return std::nullopt;
  }
  auto number = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (date[i] - '0');
    return v;
  };
  const int y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (y < 1970 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  return DaysFromCivil(y, m, d) * kDayMs;
}

SearchClause ClauseOf(std::string_view text) {
  std::vector<SearchToken> tokens = Tokenize(text);
  if (!tokens.empty() && tokens.back().kind == SearchToken::Kind::kCjkTail) tokens.pop_back();
  SearchClause clause;
  for (SearchToken& token : tokens) clause.push_back({std::move(token.term), false});
  if (tokens.size() == 1 && tokens[0].kind == SearchToken::Kind::kCjkOne) clause[0].prefix = true;
  return clause;
}

std::string BooleanModeQuery(const std::vector<SearchClause>& clauses) {
  std::string out;
  for (const SearchClause& clause : clauses) {
    if (clause.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out.push_back('+');
    if (clause.size() == 1) {
      out += EncodeTerm(clause[0].term);
      if (clause[0].prefix) out.push_back('*');
      continue;
    }
    out.push_back('"');
    for (size_t i = 0; i < clause.size(); ++i) {
      if (i > 0) out.push_back(' ');
      out += EncodeTerm(clause[i].term);
    }
    out.push_back('"');
  }
  return out;
}

absl::StatusOr<SearchQuery> ParseSearchQuery(std::string_view query) {
  if (!IsValidUtf8(query)) return Invalid("the search is not valid UTF-8");
  if (CodepointCount(query) > kMaxSearchQueryChars) {
    return Invalid("the search is too long: at most " + std::to_string(kMaxSearchQueryChars) +
                   " characters");
  }
  SearchQuery out;
  size_t terms = 0;  // clauses and operators, for kMaxSearchTerms
  bool operators = false;
  bool text = false;  // anything other than operators was written
  size_t i = 0;
  while (i < query.size()) {
    if (IsSpace(query[i])) {
      ++i;
      continue;
    }
    if (query[i] == '"') {
      // A phrase runs to the next quote, or to the end when it is not closed.
      const size_t close = query.find('"', i + 1);
      const size_t end = close == std::string_view::npos ? query.size() : close;
      std::string_view phrase = query.substr(i + 1, end - i - 1);
      i = close == std::string_view::npos ? query.size() : close + 1;
      text = text || phrase.find_first_not_of(" \t\r\n") != std::string_view::npos;
      SearchClause clause = ClauseOf(phrase);
      if (!clause.empty()) {
        out.clauses.push_back(std::move(clause));
        ++terms;
      }
      continue;
    }
    size_t end = i;
    while (end < query.size() && !IsSpace(query[end])) ++end;
    std::string_view word = query.substr(i, end - i);
    i = end;
    const size_t colon = word.find(':');
    const std::string name = colon == std::string_view::npos ? "" : Lower(word.substr(0, colon));
    if (name == "from" || name == "in" || name == "before" || name == "after") {
      std::string_view value = word.substr(colon + 1);
      operators = true;
      ++terms;
      if (value.empty()) {
        if (name == "from") return Invalid("from: needs a username, e.g. from:alice");
        if (name == "in") return Invalid("in: needs a room or @user, e.g. in:lobby or in:@alice");
        return Invalid(name + ": needs a date, e.g. " + name + ":2026-01-31");
      }
      if (name == "from") {
        if (!out.from.empty()) return Invalid("from: may be given only once");
        if (value.front() == '@') value.remove_prefix(1);
        if (value.empty()) return Invalid("from: needs a username, e.g. from:alice");
        out.from = std::string(value);
      } else if (name == "in") {
        if (!out.in_room.empty() || !out.in_direct.empty()) {
          return Invalid("in: may be given only once");
        }
        const bool direct = value.front() == '@';
        if (direct || value.front() == '#') value.remove_prefix(1);
        if (value.empty()) return Invalid("in: needs a room or @user, e.g. in:lobby or in:@alice");
        (direct ? out.in_direct : out.in_room) = std::string(value);
      } else {
        std::optional<int64_t>& bound = name == "before" ? out.before_ms : out.after_ms;
        if (bound) return Invalid(name + ": may be given only once");
        auto day = ParseDayStartMs(value);
        if (!day) {
          return Invalid(name + ": takes a date as YYYY-MM-DD, e.g. " + name +
                         ":2026-01-31; got \"" + std::string(value) + "\"");
        }
        bound = name == "before" ? *day : *day + kDayMs;
      }
    } else {
      text = true;
      SearchClause clause = ClauseOf(word);
      if (!clause.empty()) {
        out.clauses.push_back(std::move(clause));
        ++terms;
      }
    }
    if (terms > kMaxSearchTerms) {
      return Invalid("the search has too many terms: at most " + std::to_string(kMaxSearchTerms) +
                     " words, phrases and operators");
    }
  }
  if (out.after_ms && out.before_ms && *out.after_ms >= *out.before_ms) {
    return Invalid(
        "after: must be an earlier day than before: (after:2026-01-01 before:2026-01-03 finds "
        "January 2nd)");
  }
  if (out.clauses.empty()) {
    if (text) {
      return Invalid("the search has no words in it: punctuation and symbols are not searched");
    }
    if (operators) {
      return Invalid(
          "give a word or phrase to search for: from:, in:, before: and after: only narrow a "
          "search down");
    }
    return Invalid("type something to search for");
  }
  return out;
}

}  // namespace natter::chat
