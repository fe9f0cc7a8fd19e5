// Images for file tests, made with Qt at run time (no binary files in the repository), and a JPEG
// carrying EXIF with a GPS position, to prove what the server keeps of it.
#pragma once

#include <QBuffer>
#include <QByteArray>
#include <QColor>
#include <QImage>
#include <string>

namespace natter::testing {

// A w x h image in `format` ("png" or "jpeg"), left half red, right half blue.
inline std::string MakeFileImage(int w, int h, const char* format) {
  QImage image(w, h, QImage::Format_RGB32);
  image.fill(QColor(255, 0, 0));
  for (int y = 0; y < h; ++y) {
    for (int x = w / 2; x < w; ++x) image.setPixel(x, y, qRgb(0, 0, 255));
  }
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, format);
  return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
}

// What WithExifGps puts in the file: findable in any file that kept the segment.
inline constexpr char kGpsMarker[] = "GPSLatitude 48.8584 N GPSLongitude 2.2945 E";

// `jpeg` with an APP1 "Exif" segment right after its start marker, holding a little-endian TIFF
// header, one IFD entry pointing at a GPS IFD (tag 0x8825), and the position as text: decoders
// skip APP1, so the picture is unchanged, but a server that stores the upload as it came keeps it.
inline std::string WithExifGps(const std::string& jpeg) {
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x01\0", 2);                               // one entry
  tiff += std::string("\x25\x88\x04\0\x01\0\0\0\x1a\0\0\0", 12);  // GPS IFD at 26
  tiff += std::string("\0\0\0\0", 4);                             // no next IFD
  tiff += std::string("\0\0", 2);                                 // the GPS IFD: no entries
  tiff += kGpsMarker;
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  std::string segment = "\xFF\xE1";
  segment.push_back(static_cast<char>(length >> 8));
  segment.push_back(static_cast<char>(length & 0xFF));
  segment += payload;
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

// `jpeg` with an APP1 "Exif" segment right after its start marker whose first IFD holds one entry,
// Orientation (tag 0x0112, one SHORT) = `orientation`, in big-endian ("MM") or little-endian byte
// order. Qt writes no EXIF, so the bytes are laid out here as a camera would.
inline std::string WithExifOrientation(const std::string& jpeg, int orientation,
                                       bool big_endian = false) {
  const auto value = static_cast<char>(orientation);
  std::string tiff =
      big_endian ? std::string("MM\0*\0\0\0\x08", 8) : std::string("II*\0\x08\0\0\0", 8);
  tiff += big_endian ? std::string("\0\x01", 2) : std::string("\x01\0", 2);  // one entry
  if (big_endian) {
    tiff += std::string("\x01\x12\0\x03\0\0\0\x01", 8) + std::string(1, '\0') + value +
            std::string("\0\0", 2);
  } else {
    tiff += std::string("\x12\x01\x03\0\x01\0\0\0", 8) + value + std::string("\0\0\0", 3);
  }
  tiff += std::string("\0\0\0\0", 4);  // no next IFD
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  std::string segment = "\xFF\xE1";
  segment.push_back(static_cast<char>(length >> 8));
  segment.push_back(static_cast<char>(length & 0xFF));
  segment += payload;
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

}  // namespace natter::testing
