// How message text becomes search terms (docs/PROTOCOL.md, "Search"), the same way for a message
// when it is indexed and for a query when it is asked, so both meet: each word or CJK run is
// compatibility-normalized and case folded (NFKC + case fold, CompatFold), words of letters and
// digits are terms, and a run of CJK characters (Han, kana, Hangul), which has no spaces between
// its words, becomes its overlapping bigrams followed by its last character alone ("搜索中文" ->
// 搜索 索中 中文 文), so a two-character query finds any two-character word and a one-character
// query finds, by prefix, every place the character starts a bigram or ends a run.
//
// In MariaDB the terms are stored encoded (EncodeTerm): "x" and the hex of the term's UTF-8, so
// every token is at least 3 letters and digits long and none is an InnoDB stopword: InnoDB
// FULLTEXT's default tokenizer, minimum token size and stopword list keep them all, and no server
// setting is needed (no ngram parser, which MariaDB lacks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace natter::chat {

// A term longer than this many bytes is cut (at a character boundary), in messages and queries
// alike: the encoded form ("x" + 2 hex digits a byte) then fits InnoDB's largest token (84).
inline constexpr size_t kMaxTermBytes = 40;

// One term of a text and the bytes [begin, end) of the text it comes from.
struct SearchToken {
  std::string term;
  size_t begin = 0;
  size_t end = 0;
  enum class Kind {
    kWord,     // letters and digits
    kBigram,   // two characters of a CJK run
    kCjkTail,  // the last character of a CJK run of two or more, after its bigrams
    kCjkOne,   // a CJK run of one character
  };
  Kind kind = Kind::kWord;
};

// The terms of `text` in order. Invalid UTF-8 stops the scan where it starts.
std::vector<SearchToken> Tokenize(std::string_view text);

// "x" followed by the lowercase hex of `term`'s bytes.
std::string EncodeTerm(std::string_view term);

// The FULLTEXT document of a message text: its encoded terms, separated by spaces, in order.
std::string IndexDocument(std::string_view text);

// A term of a query clause, as matched against a message's terms.
struct QueryTerm {
  std::string term;
  // A one-character CJK clause: it matches every term that starts with the character (the
  // bigrams it starts, or itself ending a run).
  bool prefix = false;

  bool Matches(std::string_view candidate) const {
    return prefix ? candidate.substr(0, term.size()) == term : candidate == term;
  }
  bool operator==(const QueryTerm&) const = default;
};

// Terms that must all appear next to each other, in this order: a word, a quoted phrase, or the
// terms of one written token that makes several ("e-mail", "搜索中文").
using SearchClause = std::vector<QueryTerm>;

// Whether `tokens` (a message's) hold every clause.
bool MatchesAll(const std::vector<SearchToken>& tokens, const std::vector<SearchClause>& clauses);

// An excerpt of a message around its first match, with the matched terms marked.
struct Snippet {
  std::string text;
  // Byte ranges [begin, end) of `text`, ascending and not overlapping, on character boundaries.
  std::vector<std::pair<uint32_t, uint32_t>> marks;
};

// At most `max_chars` characters of `text` (starting a little before the first matched term, "…"
// added where text was left out) with every term of `clauses` it holds marked.
Snippet MakeSnippet(std::string_view text, const std::vector<SearchClause>& clauses,
                    size_t max_chars);

}  // namespace natter::chat
