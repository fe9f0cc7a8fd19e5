// Avatar import: an uploaded PNG or JPEG is checked (size, format, dimensions, completeness),
// decoded by Qt's image readers, cropped to a centred square and re-encoded as a 128x128 PNG, so a
// malformed or hostile file never reaches other clients.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace natter::auth {

inline constexpr size_t kMaxAvatarBytes = 512 * 1024;
inline constexpr int kMaxAvatarSide = 2048;
inline constexpr int kAvatarSide = 128;

// The checks that need no decoding (size, format, end marker): INVALID_ARGUMENT with a message for
// the user, before the upload is worth a decoder's time.
absl::Status CheckAvatarUpload(std::string_view upload);

// The stored avatar for `upload`, or INVALID_ARGUMENT with a message for the user.
absl::StatusOr<std::string> MakeAvatarPng(std::string_view upload);

}  // namespace natter::auth
