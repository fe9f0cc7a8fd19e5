// Checks for user-supplied text (utf8proc): valid UTF-8, no control characters, bounded size.
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace natter {

bool IsValidUtf8(std::string_view text);

// A message body: 1..max_bytes bytes of valid UTF-8, not only white space, and no control
// characters except newline and tab. `what` names the field in the error ("message").
absl::Status ValidateText(std::string_view text, size_t max_bytes, std::string_view what);

}  // namespace natter
