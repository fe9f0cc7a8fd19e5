#include "avatar_image.h"

// jpeglib.h needs size_t and FILE declared before it.
#include <cstddef>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
// clang-format on

#include <QBuffer>
#include <QByteArray>
#include <QColorSpace>
#include <QImage>
#include <QImageReader>
#include <algorithm>
#include <csetjmp>
#include <cstring>

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

constexpr std::string_view kDamaged = "avatar image is truncated or damaged";

absl::Status TooManyPixels(int width, int height) {
  return absl::InvalidArgumentError("avatar image is " + std::to_string(width) + "x" +
                                    std::to_string(height) + " pixels, at most 2048x2048 allowed");
}

// libjpeg reports fatal errors through error_exit, which must not return: back to the setjmp in
// DecodeJpeg. Warnings (corrupt or missing data, which libjpeg papers over with grey) are only
// counted, never printed.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
};

[[noreturn]] void JpegErrorExit(j_common_ptr cinfo) {
  std::longjmp(reinterpret_cast<JpegErrors*>(cinfo->err)->jump, 1);
}
void JpegSilent(j_common_ptr) {}

// A progressive JPEG may be cut into thousands of scans, each a pass over the whole image: a few
// KiB that cost minutes of CPU. Real encoders use at most a dozen or so.
constexpr int kMaxJpegScans = 100;
void JpegProgress(j_common_ptr cinfo) {
  auto* decompress = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (decompress->input_scan_number > kMaxJpegScans) JpegErrorExit(cinfo);
}

// Decodes every byte of a JPEG with libjpeg into `image`, refusing anything that decodes only in
// part: Qt's reader accepts a truncated file (with FF D9 appended) and returns the missing rows
// grey. Kept free of objects with destructors between setjmp and the last libjpeg call, so the
// jump skips none.
absl::Status DecodeJpeg(std::string_view data, QImage& image) {
  jpeg_decompress_struct cinfo;
  JpegErrors errors;
  jpeg_progress_mgr progress;
  cinfo.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = JpegErrorExit;
  errors.manager.output_message = JpegSilent;
  progress.progress_monitor = JpegProgress;
  // Set after setjmp and read after the jump: volatile, so not cached in a register it restores.
  volatile bool too_large = false;
  volatile int width = 0;
  volatile int height = 0;
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_decompress(&cinfo);
    return too_large ? TooManyPixels(width, height)
                     : absl::InvalidArgumentError(std::string(kDamaged));
  }
  jpeg_create_decompress(&cinfo);
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(data.data()),
               static_cast<unsigned long>(data.size()));
  jpeg_read_header(&cinfo, TRUE);
  width = static_cast<int>(cinfo.image_width);
  height = static_cast<int>(cinfo.image_height);
  // The header's size is checked before any pixel is decoded, so decoder memory stays within
  // 2048 x 2048 x 4 bytes (16 MiB) even for a file built to claim more.
  if (width > kMaxAvatarSide || height > kMaxAvatarSide || width <= 0 || height <= 0) {
    too_large = width > kMaxAvatarSide || height > kMaxAvatarSide;
    JpegErrorExit(reinterpret_cast<j_common_ptr>(&cinfo));
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  jpeg_start_decompress(&cinfo);
  image = QImage(width, height, QImage::Format_RGBA8888);
  if (image.isNull()) JpegErrorExit(reinterpret_cast<j_common_ptr>(&cinfo));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = image.scanLine(static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  const long warnings = errors.manager.num_warnings;
  jpeg_destroy_decompress(&cinfo);
  if (warnings > 0) return absl::InvalidArgumentError(std::string(kDamaged));
  if (cmyk) {
    // Adobe's CMYK JPEGs store the inks inverted (as Qt reads them too): R = C * K / 255.
    for (int y = 0; y < height; ++y) {
      uchar* p = image.scanLine(y);
      for (int x = 0; x < width; ++x, p += 4) {
        const int k = p[3];
        p[0] = static_cast<uchar>(p[0] * k / 255);
        p[1] = static_cast<uchar>(p[1] * k / 255);
        p[2] = static_cast<uchar>(p[2] * k / 255);
        p[3] = 255;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status DecodePng(std::string_view data, QImage& image) {
  QByteArray bytes = QByteArray::fromRawData(data.data(), static_cast<int>(data.size()));
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer, "png");
  reader.setAutoDetectImageFormat(false);
  reader.setDecideFormatFromContent(false);
  // The header's size is checked before any pixel is decoded (see DecodeJpeg).
  QSize size = reader.size();
  if (!size.isValid() || size.isEmpty()) return absl::InvalidArgumentError(std::string(kDamaged));
  if (size.width() > kMaxAvatarSide || size.height() > kMaxAvatarSide) {
    return TooManyPixels(size.width(), size.height());
  }
  if (!reader.read(&image) || image.isNull() || image.size() != size) {
    return absl::InvalidArgumentError(std::string(kDamaged));
  }
  return absl::OkStatus();
}

// Only the pixels of `image`, in a fresh image: no text chunks (tEXt, a JPEG's COM), no colour
// profile, no resolution; whatever the upload carried stays behind.
QImage PixelsOnly(const QImage& image) {
  QImage argb = image.convertToFormat(QImage::Format_ARGB32);
  QImage fresh(argb.size(), QImage::Format_ARGB32);
  const auto row_bytes = static_cast<size_t>(argb.width()) * 4;
  for (int y = 0; y < argb.height(); ++y) {
    std::memcpy(fresh.scanLine(y), argb.constScanLine(y), row_bytes);
  }
  return fresh;
}

}  // namespace

absl::Status CheckAvatarUpload(std::string_view upload) {
  if (upload.empty()) return absl::InvalidArgumentError("avatar image is empty");
  if (upload.size() > kMaxAvatarBytes) {
    return absl::InvalidArgumentError(
        "avatar image is too large: " + std::to_string(upload.size()) +
        " bytes, at most 524288 (512 KiB) allowed");
  }
  const char* format = SniffFormat(upload);
  if (!format) return absl::InvalidArgumentError("avatar must be a PNG or JPEG image");
  if (!IsComplete(upload, format)) return absl::InvalidArgumentError(std::string(kDamaged));
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeAvatarPng(std::string_view upload) {
  if (auto s = CheckAvatarUpload(upload); !s.ok()) return s;
  const char* format = SniffFormat(upload);

  QImage image;
  absl::Status decoded =
      std::string_view(format) == "jpeg" ? DecodeJpeg(upload, image) : DecodePng(upload, image);
  if (!decoded.ok()) return decoded;
  // Colours as the upload meant them (an embedded profile), before the profile is dropped.
  if (image.colorSpace().isValid() && image.colorSpace() != QColorSpace(QColorSpace::SRgb)) {
    image.convertToColorSpace(QColorSpace::SRgb);
  }

  int side = std::min(image.width(), image.height());
  QImage square = image.copy((image.width() - side) / 2, (image.height() - side) / 2, side, side);
  QImage scaled = PixelsOnly(
      square.scaled(kAvatarSide, kAvatarSide, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
  QByteArray png;
  QBuffer out(&png);
  out.open(QIODevice::WriteOnly);
  if (!scaled.save(&out, "png")) return absl::InternalError("could not encode the avatar");
  return std::string(png.constData(), static_cast<size_t>(png.size()));
}

}  // namespace natter::auth
