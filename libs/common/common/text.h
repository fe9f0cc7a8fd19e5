// Checks for user-supplied text (utf8proc; ICU for confusables): valid UTF-8, no control, bidi or
// invisible-only text, bounded size, and the skeletons that tell look-alike names apart.
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
// '_', '.' and '-' (combining marks after the first), none invisible (Hangul fillers are letters)
// and no bidirectional controls, so that it reads the same everywhere it is shown. `what` names
// it in errors ("username"). Returns the NFC form. Look-alikes: compare NameSkeleton.
absl::StatusOr<std::string> NormalizeName(std::string_view name, size_t min_chars, size_t max_chars,
                                          std::string_view what);

// A message body: 1..max_bytes bytes of valid UTF-8, no control characters except newline and
// tab, no bidirectional overrides or isolates (U+202A..U+202E, U+2066..U+2069), and something
// visible: not only white space and invisible characters (U+200B, U+2060, U+FEFF, the Hangul
// fillers, ...). `what` names the field in the error ("message").
absl::Status ValidateText(std::string_view text, size_t max_bytes, std::string_view what);

// A reaction: one emoji, 1..max_bytes bytes of valid UTF-8 forming one grapheme cluster that
// starts with a symbol (Unicode category So: "👍", "❤️", "🇫🇷", "👍🏽",
// "👩‍💻"), followed only by what emoji sequences are made of: more symbols, skin tone
// modifiers, variation selectors, combining marks, the zero-width joiner and tag characters.
// Letters, digits, punctuation, white space and control characters are refused (so are keycaps like
// "1️⃣", which start with a digit).
absl::Status ValidateEmoji(std::string_view emoji, size_t max_bytes);

// Compatibility forms (fullwidth "ｐ" is "p", the ligature "ﬁ" is "fi"), case folded, with
// default-ignorable characters (zero-width joiners and the like) dropped. INVALID_ARGUMENT for
// invalid UTF-8.
absl::StatusOr<std::string> CompatFold(std::string_view text);

}  // namespace natter
