#include "common/text.h"

#include <utf8proc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace natter {
namespace {

// Calls fn(codepoint) for each code point; false on invalid UTF-8.
template <class Fn>
bool ForEachCodepoint(std::string_view text, Fn&& fn) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0 || cp < 0) return false;
    fn(cp);
    p += n;
    left -= n;
  }
  return true;
}

// Bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): they reorder
// the text around them as it is shown, so "txt.exe" can be made to read "exe.txt" (Trojan Source).
bool IsBidiControl(utf8proc_int32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Characters that show as nothing: Unicode's default ignorables (zero-width space U+200B, word
// joiner U+2060, U+FEFF, the Mongolian vowel separator U+180E, the Hangul fillers U+115F, U+1160,
// U+3164 and U+FFA0, ...) and the blank Braille pattern U+2800, which is drawn as an empty cell.
bool IsInvisible(utf8proc_int32_t cp) {
  return cp == 0x2800 || utf8proc_get_property(cp)->ignorable;
}

constexpr std::string_view kBidiError =
    " contains bidirectional control characters (U+202A..U+202E, U+2066..U+2069), which change "
    "how the text around them is shown";

bool IsNameCodepoint(utf8proc_int32_t cp, bool first) {
  if (cp == '_' || cp == '.' || cp == '-') return true;
  // Hangul fillers are letters (Lo) and U+034F a combining mark, yet all show as nothing.
  if (IsInvisible(cp)) return false;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
      return true;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
      return !first;  // combining marks belong to a preceding letter
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<std::string> NormalizeName(std::string_view name, size_t min_chars, size_t max_chars,
                                          std::string_view what) {
  const auto length =
      absl::InvalidArgumentError(std::string(what) + " must be " + std::to_string(min_chars) +
                                 " to " + std::to_string(max_chars) + " characters long");
  if (name.size() > max_chars * 4) return length;
  auto normalized = NormalizeNfc(name);
  if (!normalized.ok()) {
    return absl::InvalidArgumentError(std::string(what) + " is not valid UTF-8");
  }
  size_t count = CodepointCount(*normalized);
  if (count < min_chars || count > max_chars) return length;
  bool first = true;
  bool allowed = true;
  bool bidi = false;
  ForEachCodepoint(*normalized, [&](utf8proc_int32_t cp) {
    allowed = allowed && IsNameCodepoint(cp, first);
    bidi = bidi || IsBidiControl(cp);
    first = false;
  });
  if (bidi) return absl::InvalidArgumentError(std::string(what) + std::string(kBidiError));
  if (!allowed) {
    return absl::InvalidArgumentError(std::string(what) +
                                      " may contain only letters, digits, '_', '.' and '-'");
  }
  return normalized;
}

bool IsValidUtf8(std::string_view text) {
  return ForEachCodepoint(text, [](utf8proc_int32_t) {});
}

size_t CodepointCount(std::string_view text) {
  size_t n = 0;
  ForEachCodepoint(text, [&](utf8proc_int32_t) { ++n; });
  return n;
}

namespace {

absl::StatusOr<std::string> Map(std::string_view text, int options) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &out,
                                    static_cast<utf8proc_option_t>(options));
  if (n < 0) return absl::InvalidArgumentError("text is not valid UTF-8");
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

}  // namespace

absl::StatusOr<std::string> NormalizeNfc(std::string_view text) {
  return Map(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

absl::StatusOr<std::string> FoldCase(std::string_view text) {
  return Map(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
}

absl::StatusOr<std::string> CompatFold(std::string_view text) {
  return Map(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                       UTF8PROC_IGNORE);
}

absl::Status ValidateText(std::string_view text, size_t max_bytes, std::string_view what) {
  std::string name(what);
  if (text.empty()) return absl::InvalidArgumentError(name + " is empty");
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(name + " is too long: " + std::to_string(text.size()) +
                                      " bytes, at most " + std::to_string(max_bytes) + " allowed");
  }
  bool control = false;
  bool bidi = false;
  bool invisible = false;
  bool visible = false;
  bool valid = ForEachCodepoint(text, [&](utf8proc_int32_t cp) {
    utf8proc_category_t category = utf8proc_category(cp);
    if (category == UTF8PROC_CATEGORY_CC && cp != '\n' && cp != '\t') control = true;
    bidi = bidi || IsBidiControl(cp);
    bool space = category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
                 category == UTF8PROC_CATEGORY_ZP || cp == '\n' || cp == '\t';
    if (space) return;
    if (IsInvisible(cp)) {
      invisible = true;
    } else {
      visible = true;
    }
  });
  if (!valid) return absl::InvalidArgumentError(name + " is not valid UTF-8");
  if (control) return absl::InvalidArgumentError(name + " contains control characters");
  if (bidi) return absl::InvalidArgumentError(name + std::string(kBidiError));
  if (!visible && invisible) {
    return absl::InvalidArgumentError(name + " has nothing visible (only invisible characters)");
  }
  if (!visible) return absl::InvalidArgumentError(name + " is only white space");
  return absl::OkStatus();
}

absl::Status ValidateEmoji(std::string_view emoji, size_t max_bytes) {
  if (emoji.empty()) return absl::InvalidArgumentError("emoji is empty");
  if (emoji.size() > max_bytes) {
    return absl::InvalidArgumentError("emoji is too long: " + std::to_string(emoji.size()) +
                                      " bytes, at most " + std::to_string(max_bytes) + " allowed");
  }
  bool first = true;
  bool emoji_only = true;
  size_t clusters = 0;
  utf8proc_int32_t previous = -1;
  utf8proc_int32_t state = 0;
  bool valid = ForEachCodepoint(emoji, [&](utf8proc_int32_t cp) {
    if (first || utf8proc_grapheme_break_stateful(previous, cp, &state)) ++clusters;
    previous = cp;
    const utf8proc_category_t category = utf8proc_category(cp);
    bool allowed = false;
    if (first) {
      allowed = category == UTF8PROC_CATEGORY_SO;
    } else {
      switch (category) {
        case UTF8PROC_CATEGORY_SO:  // another pictograph, a regional indicator
        case UTF8PROC_CATEGORY_SK:  // skin tone modifiers U+1F3FB..U+1F3FF
        case UTF8PROC_CATEGORY_MN:  // variation selectors (U+FE0F), combining marks
        case UTF8PROC_CATEGORY_ME:  // the enclosing keycap U+20E3
          allowed = true;
          break;
        case UTF8PROC_CATEGORY_CF:  // the zero-width joiner and tags (subdivision flags) only
          allowed = cp == 0x200D || (cp >= 0xE0020 && cp <= 0xE007F);
          break;
        default:
          break;
      }
    }
    emoji_only = emoji_only && allowed;
    first = false;
  });
  if (!valid) return absl::InvalidArgumentError("emoji is not valid UTF-8");
  if (!emoji_only) {
    return absl::InvalidArgumentError(
        "that is not an emoji: a reaction is one emoji, without letters, digits, punctuation or "
        "spaces");
  }
  if (clusters > 1) {
    return absl::InvalidArgumentError("give one emoji, not " + std::to_string(clusters));
  }
  return absl::OkStatus();
}

}  // namespace natter
