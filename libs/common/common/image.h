// Untrusted images (avatars in natter-auth, picture attachments in natter-chat): the format named
// by the file's own first bytes, a decode that refuses a truncated file and checks the pixel size
// in the header before any pixel is decoded (decompression bombs), and a re-encode from the pixels
// alone, so no metadata (EXIF, GPS, text chunks, colour profiles) an upload carried is kept.
#pragma once

#include <QImage>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace natter::image {

enum class Format { kPng, kJpeg };

// The MIME type of `format` ("image/png", "image/jpeg").
std::string_view ContentType(Format format);

// The format named by the first bytes of `data`, if it is one this library decodes. Qt is then
// told to use exactly that reader, so no other (less hardened) decoder sees untrusted bytes.
std::optional<Format> Sniff(std::string_view data);

// Whether `data` ends as a whole file of `format` does (the end marker), checked before decoding:
// decoders fill a cut-off image with grey and call it success.
bool IsComplete(std::string_view data, Format format);

// What a decode accepts. `what` names the image in messages ("avatar image").
struct Limits {
  int max_side = 2048;               // width and height, each
  int64_t max_pixels = 2048 * 2048;  // width x height
  std::string_view what = "image";
};

// Decodes all of `data` (in `format`), or INVALID_ARGUMENT with a message for the user: damaged or
// truncated (decoders fill a cut-off image with grey and call it success; this does not), or larger
// than `limits` (refused from the header, before the decoder allocates anything). Colours are
// converted to sRGB from an embedded profile.
absl::StatusOr<QImage> Decode(std::string_view data, Format format, const Limits& limits);

// Only the pixels of `image`, in a fresh ARGB32 image: no text, profile or resolution stays.
QImage PixelsOnly(const QImage& image);

// `image` encoded as `format` (JPEG at `jpeg_quality`); INTERNAL if Qt cannot.
absl::StatusOr<std::string> Encode(const QImage& image, Format format, int jpeg_quality = 90);

}  // namespace natter::image
