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
// converted to sRGB from an embedded profile, and a JPEG is turned upright by its EXIF orientation
// (a phone held sideways stores the pixels sideways and says so in EXIF, which the re-encode
// drops), so width and height are the picture's as it is meant to be seen. A PNG's eXIf chunk is
// not read (Qt's reader ignores it too).
absl::StatusOr<QImage> Decode(std::string_view data, Format format, const Limits& limits);

// The EXIF orientation (1-8, as TIFF tag 0x0112 defines them) in a JPEG APP1 segment's data
// ("Exif\0\0" and a TIFF structure); 1 (as stored) when it has none or the segment is damaged.
int ExifOrientation(std::string_view app1);

// Only the pixels of `image`, in a fresh ARGB32 image: no text, profile or resolution stays.
QImage PixelsOnly(const QImage& image);

// `image` encoded as `format` (JPEG at `jpeg_quality`); INTERNAL if Qt cannot.
absl::StatusOr<std::string> Encode(const QImage& image, Format format, int jpeg_quality = 90);

// A picture as natter-chat stores it: the upload re-encoded from its pixels alone, upright, in its
// own format, and a thumbnail whose longer side is at most the asked-for side (a smaller image
// keeps its size).
struct Picture {
  std::string stored;
  std::string thumbnail;
  int width = 0;  // of the stored picture, upright
  int height = 0;
};

// Decode (with `limits`), PixelsOnly, Encode, and the thumbnail: the whole path an uploaded
// picture takes, with Decode's refusals.
absl::StatusOr<Picture> MakePicture(std::string_view data, Format format, const Limits& limits,
                                    int thumbnail_side);

}  // namespace natter::image
