// Avatar uploads: any bytes, claimed to be an image. Decoded by Qt and re-encoded; the result of an
// accepted upload is always a PNG within the stored size.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "avatar_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto png =
      natter::auth::MakeAvatarPng(std::string_view(reinterpret_cast<const char*>(data), size));
  if (png.ok() && (png->size() < 8 || png->compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)) std::abort();
  return 0;
}
