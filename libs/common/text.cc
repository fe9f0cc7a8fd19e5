#include "common/text.h"

#include <utf8proc.h>

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

}  // namespace

bool IsValidUtf8(std::string_view text) {
  return ForEachCodepoint(text, [](utf8proc_int32_t) {});
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
