// Checks for user-supplied text (utf8proc): valid UTF-8, no control characters, bounded size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace natter {

bool IsValidUtf8(std::string_view text);

// Number of code points in valid UTF-8.
size_t CodepointCount(std::string_view text);

// Unicode normalization form C; INVALID_ARGUMENT for invalid UTF-8.
absl::StatusOr<std::string> NormalizeNfc(std::string_view text);

// NFC plus Unicode case folding: the form in which "Alice", "ALICE" and "alice" are equal.
absl::StatusOr<std::string> FoldCase(std::string_view text);

// A name (username, room name): NFC, `min_chars`..`max_chars` code points of letters, digits,
// '_', '.' and '-' (combining marks after the first), so that it reads the same everywhere it is
// shown. `what` names it in errors ("username"). Returns the NFC form.
absl::StatusOr<std::string> NormalizeName(std::string_view name, size_t min_chars, size_t max_chars,
                                          std::string_view what);

// A message body: 1..max_bytes bytes of valid UTF-8, not only white space, and no control
// characters except newline and tab. `what` names the field in the error ("message").
absl::Status ValidateText(std::string_view text, size_t max_bytes, std::string_view what);

}  // namespace natter
