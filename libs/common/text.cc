#include "common/text.h"

#include <utf8proc.h>

#include <cstdlib>
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

bool IsNameCodepoint(utf8proc_int32_t cp, bool first) {
  if (cp == '_' || cp == '.' || cp == '-') return true;
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
  ForEachCodepoint(*normalized, [&](utf8proc_int32_t cp) {
    allowed = allowed && IsNameCodepoint(cp, first);
    first = false;
  });
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

absl::Status ValidateText(std::string_view text, size_t max_bytes, std::string_view what) {
  std::string name(what);
  if (text.empty()) return absl::InvalidArgumentError(name + " is empty");
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(name + " is too long: " + std::to_string(text.size()) +
                                      " bytes, at most " + std::to_string(max_bytes) + " allowed");
  }
  bool control = false;
  bool visible = false;
  bool valid = ForEachCodepoint(text, [&](utf8proc_int32_t cp) {
    utf8proc_category_t category = utf8proc_category(cp);
    if (category == UTF8PROC_CATEGORY_CC && cp != '\n' && cp != '\t') control = true;
    bool space = category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
                 category == UTF8PROC_CATEGORY_ZP || cp == '\n' || cp == '\t';
    if (!space) {
      visible = true;
    }
  });
  if (!valid) return absl::InvalidArgumentError(name + " is not valid UTF-8");
  if (control) return absl::InvalidArgumentError(name + " contains control characters");
  if (!visible) return absl::InvalidArgumentError(name + " is only white space");
  return absl::OkStatus();
}

}  // namespace natter
