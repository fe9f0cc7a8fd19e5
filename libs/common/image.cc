#include "common/image.h"

// jpeglib.h needs size_t and FILE declared before it.
#include <cstddef>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
// clang-format on

#include <QBuffer>
#include <QByteArray>
#include <QColorSpace>
#include <QImageReader>
#include <QTransform>
#include <algorithm>
#include <csetjmp>
#include <cstring>

#include "absl/status/status.h"

namespace natter::image {
namespace {

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";
constexpr std::string_view kPngEnd = std::string_view("IEND\xae\x42\x60\x82", 8);
constexpr std::string_view kJpegStart = "\xff\xd8\xff";
constexpr std::string_view kJpegEnd = "\xff\xd9";

absl::Status Damaged(const Limits& limits) {
  return absl::InvalidArgumentError(std::string(limits.what) + " is truncated or damaged");
}

bool TooLarge(int width, int height, const Limits& limits) {
  return width > limits.max_side || height > limits.max_side ||
         int64_t{width} * height > limits.max_pixels;
}

absl::Status TooManyPixels(int width, int height, const Limits& limits) {
  std::string message = std::string(limits.what) + " is " + std::to_string(width) + "x" +
                        std::to_string(height) + " pixels, at most " +
                        std::to_string(limits.max_side) + "x" + std::to_string(limits.max_side);
  if (int64_t{limits.max_side} * limits.max_side > limits.max_pixels) {
    message += " and " + std::to_string(limits.max_pixels / 1'000'000) + " megapixels";
  }
  return absl::InvalidArgumentError(message + " allowed");
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
absl::Status DecodeJpeg(std::string_view data, const Limits& limits, QImage& image,
                        int& orientation) {
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
    return too_large ? TooManyPixels(width, height, limits) : Damaged(limits);
  }
  jpeg_create_decompress(&cinfo);
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(data.data()),
               static_cast<unsigned long>(data.size()));
  // APP1 segments are kept (at most 64 KiB each, the segment's own limit) to read the EXIF
  // orientation; libjpeg frees them with the decompressor.
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m != nullptr; m = m->next) {
    if (m->marker != JPEG_APP0 + 1) continue;
    const int found =
        ExifOrientation(std::string_view(reinterpret_cast<const char*>(m->data), m->data_length));
    if (found != 1) {
      orientation = found;
      break;
    }
  }
  width = static_cast<int>(cinfo.image_width);
  height = static_cast<int>(cinfo.image_height);
  // The header's size is checked before any pixel is decoded, so decoder memory stays within
  // the limits (4 bytes a pixel) even for a file built to claim more.
  if (width <= 0 || height <= 0 || TooLarge(width, height, limits)) {
    too_large = width > 0 && height > 0;
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
  if (warnings > 0) return Damaged(limits);
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

// Qt's names for the eight EXIF orientations (as its own JPEG reader maps them): the mirror or
// flip first, then a quarter turn clockwise.
QImage Oriented(const QImage& image, int orientation) {
  const QTransform quarter = QTransform().rotate(90);
  switch (orientation) {
    case 2:
      return image.mirrored(true, false);
    case 3:
      return image.mirrored(true, true);
    case 4:
      return image.mirrored(false, true);
    case 5:
      return image.mirrored(false, true).transformed(quarter);
    case 6:
      return image.transformed(quarter);
    case 7:
      return image.mirrored(true, false).transformed(quarter);
    case 8:
      return image.transformed(QTransform().rotate(270));
    default:
      return image;
  }
}

absl::Status DecodePng(std::string_view data, const Limits& limits, QImage& image) {
  QByteArray bytes = QByteArray::fromRawData(data.data(), static_cast<int>(data.size()));
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer, "png");
  reader.setAutoDetectImageFormat(false);
  reader.setDecideFormatFromContent(false);
  // The header's size is checked before any pixel is decoded (see DecodeJpeg).
  QSize size = reader.size();
  if (!size.isValid() || size.isEmpty()) return Damaged(limits);
  if (TooLarge(size.width(), size.height(), limits)) {
    return TooManyPixels(size.width(), size.height(), limits);
  }
  if (!reader.read(&image) || image.isNull() || image.size() != size) return Damaged(limits);
  return absl::OkStatus();
}

}  // namespace

int ExifOrientation(std::string_view app1) {
  // "Exif\0\0", then a TIFF header: byte order ("II" little, "MM" big endian), 42, and the offset
  // of the first IFD, whose 12-byte entries are (tag, type, count, value). Orientation is tag
  // 0x0112, one SHORT.
  constexpr std::string_view kExif("Exif\0\0", 6);
  if (!app1.starts_with(kExif)) return 1;
  const std::string_view tiff = app1.substr(kExif.size());
  if (tiff.size() < 8) return 1;
  const bool little = tiff.starts_with("II");
  if (!little && !tiff.starts_with("MM")) return 1;
  auto u16 = [&](size_t at) -> uint32_t {
    const auto b0 = static_cast<unsigned char>(tiff[at]);
    const auto b1 = static_cast<unsigned char>(tiff[at + 1]);
    return little ? b0 | (b1 << 8) : (b0 << 8) | b1;
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return little ? u16(at) | (u16(at + 2) << 16) : (u16(at) << 16) | u16(at + 2);
  };
  if (u16(2) != 42) return 1;
  const uint32_t ifd = u32(4);
  if (ifd < 8 || ifd > tiff.size() - 2) return 1;
  const uint32_t entries = u16(ifd);
  for (uint32_t i = 0; i < entries; ++i) {
    const size_t at = size_t{ifd} + 2 + size_t{i} * 12;
    if (at + 12 > tiff.size()) return 1;
    if (u16(at) != 0x0112) continue;
    if (u16(at + 2) != 3 || u32(at + 4) != 1) return 1;  // not one SHORT
    const uint32_t value = u16(at + 8);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

std::string_view ContentType(Format format) {
  return format == Format::kPng ? "image/png" : "image/jpeg";
}

bool IsComplete(std::string_view data, Format format) {
  if (format == Format::kPng) return data.ends_with(kPngEnd);
  while (!data.empty() && data.back() == '\0') data.remove_suffix(1);  // padding some cameras add
  return data.ends_with(kJpegEnd);
}

std::optional<Format> Sniff(std::string_view data) {
  if (data.starts_with(kPngSignature)) return Format::kPng;
  if (data.starts_with(kJpegStart)) return Format::kJpeg;
  return std::nullopt;
}

absl::StatusOr<QImage> Decode(std::string_view data, Format format, const Limits& limits) {
  if (!IsComplete(data, format)) return Damaged(limits);
  QImage image;
  int orientation = 1;
  absl::Status decoded = format == Format::kJpeg ? DecodeJpeg(data, limits, image, orientation)
                                                 : DecodePng(data, limits, image);
  if (!decoded.ok()) return decoded;
  // Turned upright as the camera said it was held: the re-encode drops the EXIF that says so.
  // (Width and height may swap; the limits are the same either way round.)
  if (orientation != 1) image = Oriented(image, orientation);
  // Colours as the upload meant them (an embedded profile), before the profile is dropped.
  if (image.colorSpace().isValid() && image.colorSpace() != QColorSpace(QColorSpace::SRgb)) {
    image.convertToColorSpace(QColorSpace::SRgb);
  }
  return image;
}

QImage PixelsOnly(const QImage& image) {
  QImage argb = image.convertToFormat(QImage::Format_ARGB32);
  QImage fresh(argb.size(), QImage::Format_ARGB32);
  const auto row_bytes = static_cast<size_t>(argb.width()) * 4;
  for (int y = 0; y < argb.height(); ++y) {
    std::memcpy(fresh.scanLine(y), argb.constScanLine(y), row_bytes);
  }
  return fresh;
}

absl::StatusOr<std::string> Encode(const QImage& image, Format format, int jpeg_quality) {
  QByteArray encoded;
  QBuffer out(&encoded);
  out.open(QIODevice::WriteOnly);
  const bool png = format == Format::kPng;
  // JPEG has no alpha: flatten onto white rather than let transparent pixels turn black.
  QImage source = image;
  if (!png && image.hasAlphaChannel()) {
    source = QImage(image.size(), QImage::Format_RGB32);
    source.fill(Qt::white);
    QImage flattened = image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < source.height(); ++y) {
      auto* dst = reinterpret_cast<QRgb*>(source.scanLine(y));
      const auto* src = reinterpret_cast<const QRgb*>(flattened.constScanLine(y));
      for (int x = 0; x < source.width(); ++x) {
        const int a = qAlpha(src[x]);
        dst[x] =
            qRgb(qRed(src[x]) + (255 - a), qGreen(src[x]) + (255 - a), qBlue(src[x]) + (255 - a));
      }
    }
  }
  if (!source.save(&out, png ? "png" : "jpeg", png ? -1 : jpeg_quality)) {
    return absl::InternalError("could not encode the image");
  }
  return std::string(encoded.constData(), static_cast<size_t>(encoded.size()));
}

absl::StatusOr<Picture> MakePicture(std::string_view data, Format format, const Limits& limits,
                                    int thumbnail_side) {
  auto decoded = Decode(data, format, limits);
  if (!decoded.ok()) return decoded.status();
  QImage pixels = PixelsOnly(*decoded);
  *decoded = QImage();  // one decoded copy at a time
  auto stored = Encode(pixels, format);
  if (!stored.ok()) return stored.status();
  QImage small = pixels;
  if (std::max(pixels.width(), pixels.height()) > thumbnail_side) {
    small = pixels.scaled(thumbnail_side, thumbnail_side, Qt::KeepAspectRatio,
                          Qt::SmoothTransformation);
  }
  auto thumbnail = Encode(PixelsOnly(small), format, 80);
  if (!thumbnail.ok()) return thumbnail.status();
  return Picture{.stored = std::move(*stored),
                 .thumbnail = std::move(*thumbnail),
                 .width = pixels.width(),
                 .height = pixels.height()};
}

}  // namespace natter::image
