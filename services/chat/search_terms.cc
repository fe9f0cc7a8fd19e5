#include "search_terms.h"

#include <utf8proc.h>

#include <algorithm>

#include "common/text.h"

namespace natter::chat {
namespace {

// Scripts written without spaces between words, whose runs become bigrams: Han (with the CJK
// radicals, compatibility ideographs and the iteration marks), Hiragana, Katakana (half-width too)
// and Hangul.
bool IsCjk(int32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x2FDF) ||  // radicals
         (cp >= 0x3005 && cp <= 0x3007) ||  // 々 〆 〇
         (cp >= 0x3021 && cp <= 0x3029) || (cp >= 0x3038 && cp <= 0x303B) ||
         (cp >= 0x3041 && cp <= 0x309F) ||                                    // Hiragana
         (cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0x30FC && cp <= 0x30FF) ||  // Katakana
         (cp >= 0x3131 && cp <= 0x318E) ||                                    // Hangul jamo
         (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||  // Han, Hangul
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFF9F) ||
         (cp >= 0xFFA1 && cp <= 0xFFDC) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

enum class CharClass { kSeparator, kWord, kCjk, kMark };

CharClass Classify(int32_t cp) {
  if (IsCjk(cp)) return CharClass::kCjk;
  // Default ignorables (a zero-width space or joiner) show as nothing: they neither split a word
  // nor make one (the fold drops them).
  if (utf8proc_get_property(cp)->ignorable) return CharClass::kMark;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return CharClass::kWord;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return CharClass::kMark;
    default:
      return CharClass::kSeparator;
  }
}

struct Char {
  int32_t cp = 0;
  size_t begin = 0;
  size_t end = 0;
};

// The code points of `text` up to the first invalid byte.
std::vector<Char> Decode(std::string_view text) {
  std::vector<Char> out;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  size_t at = 0;
  while (at < text.size()) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n =
        utf8proc_iterate(p + at, static_cast<utf8proc_ssize_t>(text.size() - at), &cp);
    if (n <= 0 || cp < 0) break;
    out.push_back({cp, at, at + static_cast<size_t>(n)});
    at += static_cast<size_t>(n);
  }
  return out;
}

// `term` cut to kMaxTermBytes at a character boundary.
std::string Cut(std::string term) {
  if (term.size() <= kMaxTermBytes) return term;
  size_t end = kMaxTermBytes;
  while (end > 0 && (static_cast<unsigned char>(term[end]) & 0xC0) == 0x80) --end;
  term.resize(end);
  return term;
}

// NFKC + case fold; empty for text that folds to nothing (ignorables only).
std::string Fold(std::string_view text) {
  auto folded = CompatFold(text);
  return folded.ok() ? Cut(std::move(*folded)) : std::string();
}

}  // namespace

std::vector<SearchToken> Tokenize(std::string_view text) {
  const std::vector<Char> chars = Decode(text);
  std::vector<SearchToken> out;
  size_t i = 0;
  while (i < chars.size()) {
    const CharClass kind = Classify(chars[i].cp);
    if (kind == CharClass::kSeparator || kind == CharClass::kMark) {
      ++i;
      continue;
    }
    if (kind == CharClass::kWord) {
      size_t j = i + 1;
      while (j < chars.size()) {
        const CharClass next = Classify(chars[j].cp);
        if (next != CharClass::kWord && next != CharClass::kMark) break;
        ++j;
      }
      std::string term = Fold(text.substr(chars[i].begin, chars[j - 1].end - chars[i].begin));
      if (!term.empty()) {
        out.push_back(
            {std::move(term), chars[i].begin, chars[j - 1].end, SearchToken::Kind::kWord});
      }
      i = j;
      continue;
    }
    // A CJK run: each character with the marks after it (a combining voiced sound mark).
    struct Unit {
      std::string folded;
      size_t begin, end;
    };
    std::vector<Unit> run;
    size_t j = i;
    while (j < chars.size() && Classify(chars[j].cp) == CharClass::kCjk) {
      size_t k = j + 1;
      while (k < chars.size() && Classify(chars[k].cp) == CharClass::kMark) ++k;
      std::string folded = Fold(text.substr(chars[j].begin, chars[k - 1].end - chars[j].begin));
      if (!folded.empty()) run.push_back({std::move(folded), chars[j].begin, chars[k - 1].end});
      j = k;
    }
    if (run.size() == 1) {
      out.push_back({run[0].folded, run[0].begin, run[0].end, SearchToken::Kind::kCjkOne});
    } else if (run.size() > 1) {
      for (size_t k = 0; k + 1 < run.size(); ++k) {
        out.push_back({Cut(run[k].folded + run[k + 1].folded), run[k].begin, run[k + 1].end,
                       SearchToken::Kind::kBigram});
      }
      out.push_back(
          {run.back().folded, run.back().begin, run.back().end, SearchToken::Kind::kCjkTail});
    }
    i = j;
  }
  return out;
}

std::string EncodeTerm(std::string_view term) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "x";
  out.reserve(1 + 2 * term.size());
  for (unsigned char c : term) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

std::string IndexDocument(std::string_view text) {
  std::string out;
  for (const SearchToken& token : Tokenize(text)) {
    if (!out.empty()) out.push_back(' ');
    out += EncodeTerm(token.term);
  }
  return out;
}

bool MatchesAll(const std::vector<SearchToken>& tokens, const std::vector<SearchClause>& clauses) {
  for (const SearchClause& clause : clauses) {
    if (clause.empty()) continue;
    bool found = false;
    for (size_t start = 0; !found && start + clause.size() <= tokens.size(); ++start) {
      found = true;
      for (size_t k = 0; found && k < clause.size(); ++k) {
        found = clause[k].Matches(tokens[start + k].term);
      }
    }
    if (!found) return false;
  }
  return true;
}

Snippet MakeSnippet(std::string_view text, const std::vector<SearchClause>& clauses,
                    size_t max_chars) {
  // Every token that any term of the query matches, merged where they overlap (bigrams do).
  std::vector<std::pair<size_t, size_t>> marked;
  for (const SearchToken& token : Tokenize(text)) {
    bool hit = false;
    for (const SearchClause& clause : clauses) {
      for (const QueryTerm& term : clause) hit = hit || term.Matches(token.term);
    }
    if (!hit) continue;
    if (!marked.empty() && token.begin <= marked.back().second) {
      marked.back().second = std::max(marked.back().second, token.end);
    } else {
      marked.emplace_back(token.begin, token.end);
    }
  }
  const std::vector<Char> chars = Decode(text);
  // Start a few characters before the first mark, so it reads in context.
  size_t first = 0;
  if (!marked.empty()) {
    while (first < chars.size() && chars[first].begin < marked.front().first) ++first;
    const size_t lead = std::min<size_t>(max_chars / 4, 20);
    first = first > lead ? first - lead : 0;
    // Never so late that the window ends before the text does when it could hold the rest.
    if (chars.size() > max_chars && chars.size() - first < max_chars) {
      first = chars.size() - max_chars;
    }
  }
  const size_t last = std::min(chars.size(), first + max_chars);  // one past
  Snippet out;
  if (chars.empty() || first >= last) return out;
  const size_t from = chars[first].begin, to = chars[last - 1].end;
  constexpr std::string_view kEllipsis = "…";
  if (first > 0) out.text = kEllipsis;
  const size_t shift = out.text.size();
  out.text.append(text.substr(from, to - from));
  std::replace(out.text.begin(), out.text.end(), '\n', ' ');
  std::replace(out.text.begin(), out.text.end(), '\t', ' ');
  if (last < chars.size()) out.text.append(kEllipsis);
  for (auto [begin, end] : marked) {
    if (end <= from || begin >= to) continue;
    begin = std::max(begin, from);
    end = std::min(end, to);
    out.marks.emplace_back(static_cast<uint32_t>(begin - from + shift),
                           static_cast<uint32_t>(end - from + shift));
  }
  return out;
}

}  // namespace natter::chat
