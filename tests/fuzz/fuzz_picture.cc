// Picture uploads (natter-chat): any bytes, as the upload's first bytes name a format. The whole
// path an uploaded image takes (image::MakePicture: EXIF orientation, decode within the pixel
// limits, pixels-only re-encode, thumbnail), and the EXIF orientation reader on the same bytes as
// an APP1 segment. An accepted picture is upright within the limits, in its own format, with a
// thumbnail no larger than asked.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/image.h"

namespace {

// Small limits keep each run fast; the checks are the same at any size.
constexpr natter::image::Limits kLimits{.max_side = 1024, .max_pixels = 512 * 512, .what = "image"};
constexpr int kThumbnailSide = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const int orientation = natter::image::ExifOrientation(bytes);
  if (orientation < 1 || orientation > 8) std::abort();

  const auto format = natter::image::Sniff(bytes);
  if (!format) return 0;
  auto picture = natter::image::MakePicture(bytes, *format, kLimits, kThumbnailSide);
  if (!picture.ok()) return 0;
  if (picture->width <= 0 || picture->height <= 0 || picture->width > kLimits.max_side ||
      picture->height > kLimits.max_side ||
      int64_t{picture->width} * picture->height > kLimits.max_pixels) {
    std::abort();
  }
  if (natter::image::Sniff(picture->stored) != format ||
      natter::image::Sniff(picture->thumbnail) != format) {
    std::abort();
  }
  return 0;
}
