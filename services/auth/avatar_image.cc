#include "avatar_image.h"

#include <QBuffer>
#include <QByteArray>
#include <QImage>
#include <QImageReader>
#include <algorithm>

#include "absl/status/status.h"

namespace natter::auth {
namespace {

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";
constexpr std::string_view kPngEnd = std::string_view("IEND\xae\x42\x60\x82", 8);
constexpr std::string_view kJpegStart = "\xff\xd8\xff";
constexpr std::string_view kJpegEnd = "\xff\xd9";

// The format named by the file's own first bytes, or nullptr. Qt is then told to use exactly that
// reader, so no other (less hardened) decoder is ever tried on untrusted bytes.
const char* SniffFormat(std::string_view data) {
  if (data.starts_with(kPngSignature)) return "png";
  if (data.starts_with(kJpegStart)) return "jpeg";
  return nullptr;
}

// Decoders fill a cut-off image with grey and call it success; demand the end marker instead.
bool IsComplete(std::string_view data, std::string_view format) {
  if (format == "png") return data.ends_with(kPngEnd);
  while (!data.empty() && data.back() == '\0') data.remove_suffix(1);  // padding some cameras add
  return data.ends_with(kJpegEnd);
}

}  // namespace

absl::StatusOr<std::string> MakeAvatarPng(std::string_view upload) {
  if (upload.empty()) return absl::InvalidArgumentError("avatar image is empty");
  if (upload.size() > kMaxAvatarBytes) {
    return absl::InvalidArgumentError(
        "avatar image is too large: " + std::to_string(upload.size()) +
        " bytes, at most 524288 (512 KiB) allowed");
  }
  const char* format = SniffFormat(upload);
  if (!format) return absl::InvalidArgumentError("avatar must be a PNG or JPEG image");
  if (!IsComplete(upload, format)) {
    return absl::InvalidArgumentError("avatar image is truncated or damaged");
  }

  QByteArray bytes = QByteArray::fromRawData(upload.data(), static_cast<int>(upload.size()));
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer, format);
  reader.setAutoDetectImageFormat(false);
  reader.setDecideFormatFromContent(false);
  // The header's size is checked before any pixel is decoded, so decoder memory stays within
  // 2048 x 2048 x 4 bytes (16 MiB) even for a file built to claim more.
  QSize size = reader.size();
  if (!size.isValid() || size.isEmpty()) {
    return absl::InvalidArgumentError("avatar image is truncated or damaged");
  }
  if (size.width() > kMaxAvatarSide || size.height() > kMaxAvatarSide) {
    return absl::InvalidArgumentError("avatar image is " + std::to_string(size.width()) + "x" +
                                      std::to_string(size.height()) +
                                      " pixels, at most 2048x2048 allowed");
  }
  QImage image;
  if (!reader.read(&image) || image.isNull()) {
    return absl::InvalidArgumentError("avatar image is truncated or damaged");
  }
  if (image.size() != size) {
    return absl::InvalidArgumentError("avatar image is truncated or damaged");
  }

  int side = std::min(image.width(), image.height());
  QImage square = image.copy((image.width() - side) / 2, (image.height() - side) / 2, side, side);
  QImage scaled =
      square.scaled(kAvatarSide, kAvatarSide, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
          .convertToFormat(QImage::Format_ARGB32);
  QByteArray png;
  QBuffer out(&png);
  out.open(QIODevice::WriteOnly);
  if (!scaled.save(&out, "png")) return absl::InternalError("could not encode the avatar");
  return std::string(png.constData(), static_cast<size_t>(png.size()));
}

}  // namespace natter::auth
