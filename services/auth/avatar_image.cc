#include "avatar_image.h"

#include <QImage>
#include <algorithm>

#include "absl/status/status.h"
#include "common/image.h"

namespace natter::auth {
namespace {

constexpr image::Limits kAvatarLimits{
    .max_side = kMaxAvatarSide,
    .max_pixels = int64_t{kMaxAvatarSide} * kMaxAvatarSide,
    .what = "avatar image",
};

}  // namespace

absl::Status CheckAvatarUpload(std::string_view upload) {
  if (upload.empty()) return absl::InvalidArgumentError("avatar image is empty");
  if (upload.size() > kMaxAvatarBytes) {
    return absl::InvalidArgumentError(
        "avatar image is too large: " + std::to_string(upload.size()) +
        " bytes, at most 524288 (512 KiB) allowed");
  }
  auto format = image::Sniff(upload);
  if (!format) return absl::InvalidArgumentError("avatar must be a PNG or JPEG image");
  if (!image::IsComplete(upload, *format)) {
    return absl::InvalidArgumentError("avatar image is truncated or damaged");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeAvatarPng(std::string_view upload) {
  if (auto s = CheckAvatarUpload(upload); !s.ok()) return s;
  auto decoded = image::Decode(upload, *image::Sniff(upload), kAvatarLimits);
  if (!decoded.ok()) return decoded.status();
  const QImage& full = *decoded;
  int side = std::min(full.width(), full.height());
  QImage square = full.copy((full.width() - side) / 2, (full.height() - side) / 2, side, side);
  QImage scaled = image::PixelsOnly(
      square.scaled(kAvatarSide, kAvatarSide, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
  auto png = image::Encode(scaled, image::Format::kPng);
  if (!png.ok()) return absl::InternalError("could not encode the avatar");
  return png;
}

}  // namespace natter::auth
