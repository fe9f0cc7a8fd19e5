// Avatar import with Qt's real decoders: what is accepted, how it is re-encoded, and what is
// refused.
#include "avatar_image.h"

#include <gtest/gtest.h>

#include <QBuffer>
#include <QByteArray>
#include <QColor>
#include <QImage>
#include <cstdint>
#include <string>

#include "services/chat/file_test_images.h"
#include "test_images.h"

namespace natter::auth {
namespace {

using testing::MakeImage;

QImage Decode(const std::string& png) {
  QImage image;
  image.loadFromData(reinterpret_cast<const uchar*>(png.data()), static_cast<int>(png.size()),
                     "png");
  return image;
}

std::string Error(std::string_view upload) {
  auto result = MakeAvatarPng(upload);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(result.status().message());
}

TEST(AvatarImageTest, PngIsCroppedToACentredSquareAndScaledTo128) {
  auto png = MakeAvatarPng(MakeImage(400, 200, "png"));
  ASSERT_TRUE(png.ok()) << png.status();
  QImage image = Decode(*png);
  ASSERT_FALSE(image.isNull());
  EXPECT_EQ(image.width(), 128);
  EXPECT_EQ(image.height(), 128);
  // The centred 200x200 square of a half-red, half-blue 400x200 image is itself half red, half
  // blue.
  EXPECT_EQ(QColor(image.pixel(10, 64)).red(), 255);
  EXPECT_EQ(QColor(image.pixel(117, 64)).blue(), 255);
}

TEST(AvatarImageTest, JpegIsAcceptedAndStoredAsPng) {
  auto png = MakeAvatarPng(MakeImage(300, 300, "jpeg"));
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(Decode(*png).size(), QSize(128, 128));
}

TEST(AvatarImageTest, JpegKeepsItsColours) {
  auto png = MakeAvatarPng(MakeImage(256, 256, "jpeg"));
  ASSERT_TRUE(png.ok()) << png.status();
  QImage image = Decode(*png);
  QColor left(image.pixel(10, 64));
  QColor right(image.pixel(117, 64));
  EXPECT_GT(left.red(), 240);
  EXPECT_LT(left.blue(), 16);
  EXPECT_GT(right.blue(), 240);
  EXPECT_LT(right.red(), 16);
}

// A noisy image, so that its compressed data is long enough to cut in the middle of a scan.
std::string NoisyImage(int side, const char* format) {
  QImage image(side, side, QImage::Format_RGB32);
  uint32_t state = 12345;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      state = state * 1664525u + 1013904223u;
      image.setPixel(x, y, state >> 8);
    }
  }
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, format);
  return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
}

// Issue 19, item 11: Qt's JPEG reader hands back a cut-off file with its missing rows grey, so
// appending the end marker FF D9 to a truncated JPEG used to pass.
TEST(AvatarImageTest, RefusesATruncatedJpegWithTheEndMarkerAppended) {
  std::string jpeg = NoisyImage(256, "jpeg");
  ASSERT_GT(jpeg.size(), 10000u);
  for (size_t keep : {jpeg.size() / 3, jpeg.size() / 2, jpeg.size() * 9 / 10}) {
    std::string cut = jpeg.substr(0, keep) + "\xFF\xD9";
    EXPECT_EQ(Error(cut), "avatar image is truncated or damaged") << keep;
  }
  EXPECT_TRUE(MakeAvatarPng(jpeg).ok());
}

// What an image carries besides pixels.
QImage WithText(QImage image) {
  image.setText("Comment", "taken at 51.5007 N, 0.1246 W");
  image.setText("Description", "home address: 1 Secret Lane");
  return image;
}

std::string Encode(const QImage& image, const char* format) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  EXPECT_TRUE(image.save(&buffer, format));
  return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
}

// Issue 19, item 14: a PNG's tEXt chunks and a JPEG's COM segment used to come back out in the
// stored avatar, served to everyone.
TEST(AvatarImageTest, StoresOnlyPixelsNoTextFromTheUpload) {
  QImage source(64, 64, QImage::Format_RGB32);
  source.fill(QColor(0, 128, 0));
  for (const char* format : {"png", "jpeg"}) {
    std::string upload = Encode(WithText(source), format);
    QImage check;
    ASSERT_TRUE(check.loadFromData(reinterpret_cast<const uchar*>(upload.data()),
                                   static_cast<int>(upload.size()), format));
    ASSERT_FALSE(check.textKeys().isEmpty()) << format << ": the upload must carry text";

    auto png = MakeAvatarPng(upload);
    ASSERT_TRUE(png.ok()) << png.status();
    EXPECT_TRUE(Decode(*png).textKeys().isEmpty()) << format;
    for (const char* chunk : {"tEXt", "zTXt", "iTXt", "eXIf", "iCCP"}) {
      EXPECT_EQ(png->find(chunk), std::string::npos) << format << " " << chunk;
    }
    EXPECT_EQ(png->find("Secret"), std::string::npos) << format;
  }
}

TEST(AvatarImageTest, SmallImagesAreScaledUp) {
  auto png = MakeAvatarPng(MakeImage(16, 16, "png"));
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(Decode(*png).size(), QSize(128, 128));
}

TEST(AvatarImageTest, RefusesWhatIsNotPngOrJpeg) {
  EXPECT_EQ(Error(""), "avatar image is empty");
  EXPECT_EQ(Error(MakeImage(32, 32, "bmp")), "avatar must be a PNG or JPEG image");
  EXPECT_EQ(Error("PK\x03\x04 this is a zip renamed .png"), "avatar must be a PNG or JPEG image");
  EXPECT_EQ(Error("<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "avatar must be a PNG or JPEG image");
}

TEST(AvatarImageTest, RefusesTruncatedImages) {
  std::string png = MakeImage(64, 64, "png");
  std::string jpeg = MakeImage(64, 64, "jpeg");
  EXPECT_EQ(Error(png.substr(0, png.size() / 2)), "avatar image is truncated or damaged");
  EXPECT_EQ(Error(jpeg.substr(0, jpeg.size() / 2)), "avatar image is truncated or damaged");
  EXPECT_EQ(Error(png.substr(0, 8)), "avatar image is truncated or damaged");
}

TEST(AvatarImageTest, RefusesAPngWhoseHeaderLiesAboutItsSize) {
  std::string png = MakeImage(64, 64, "png");
  // IHDR width (bytes 16..19) set to 100000: the header claims far more pixels than the data holds.
  png[16] = 0x00;
  png[17] = 0x01;
  png[18] = static_cast<char>(0x86);
  png[19] = static_cast<char>(0xA0);
  auto result = MakeAvatarPng(png);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AvatarImageTest, RefusesGarbageBehindAValidSignature) {
  std::string fake = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(200, 'x') +
                     std::string("IEND\xae\x42\x60\x82", 8);
  EXPECT_EQ(Error(fake), "avatar image is truncated or damaged");
}

TEST(AvatarImageTest, RefusesImagesOver2048Pixels) {
  EXPECT_EQ(Error(MakeImage(2049, 10, "png")),
            "avatar image is 2049x10 pixels, at most 2048x2048 allowed");
  EXPECT_TRUE(MakeAvatarPng(MakeImage(2048, 4, "png")).ok());
}

TEST(AvatarImageTest, APhotoTakenSidewaysIsTurnedUprightByItsExifOrientation) {
  // Stored landscape, red left and blue right, with Orientation 6 (a quarter turn clockwise to
  // show): upright it is portrait, red on top, so the centred square is red above blue.
  auto png = MakeAvatarPng(natter::testing::WithExifOrientation(MakeImage(400, 200, "jpeg"), 6));
  ASSERT_TRUE(png.ok()) << png.status();
  QImage image = Decode(*png);
  ASSERT_EQ(image.size(), QSize(128, 128));
  EXPECT_GT(QColor(image.pixel(64, 10)).red(), 200);
  EXPECT_LT(QColor(image.pixel(64, 10)).blue(), 60);
  EXPECT_GT(QColor(image.pixel(64, 117)).blue(), 200);
}

TEST(AvatarImageTest, RefusesFilesOver512KiB) {
  std::string big(10 * 1024 * 1024, '\0');
  big.replace(0, 8, "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(Error(big),
            "avatar image is too large: 10485760 bytes, at most 524288 (512 KiB) allowed");
}

}  // namespace
}  // namespace natter::auth
