// Images for avatar tests, made with Qt at run time (no binary files in the repository).
#pragma once

#include <QBuffer>
#include <QByteArray>
#include <QColor>
#include <QImage>
#include <string>

namespace natter::auth::testing {

// A w x h image in `format` ("png" or "jpeg"), left half red, right half blue.
inline std::string MakeImage(int w, int h, const char* format) {
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

}  // namespace natter::auth::testing
