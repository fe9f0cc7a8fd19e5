// End to end for files through natterctl (issue 23 item 1): a file sent in a room comes back byte
// for byte to a member through the other gateway, and history shows it; the same bytes sent twice
// are stored once; someone outside the room gets PERMISSION_DENIED; a file over the limit is
// refused before its bytes travel; a JPEG's EXIF (with its GPS position) is gone from what is
// stored, and its thumbnail is small.
#include <gtest/gtest.h>

#include <QImage>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "e2e/stack_test.h"
#include "harness/harness.h"
#include "services/chat/file_test_images.h"

namespace natter {
namespace {

using nlohmann::json;

class FilesTest : public testing::StackTest {
 protected:
  static void SetUpTestSuite() {
    // Uploads paced at 4 MB/s after 256 KiB, so most uploads here wait for their turn on a timer.
    StartStack({.chat_replicas = 2,
                .gateways = 2,
                .chat_args = {"--max-file-bytes", "3000000", "--upload-bytes-per-second", "4000000",
                              "--upload-burst-bytes", "262144"}});
    for (const char* name : {"fern", "gus", "hal"}) User(name);
    ASSERT_EQ(Ctl({"--as", "fern", "rooms", "create", "darkroom"}).exit_code, 0);
    ASSERT_EQ(Ctl({"--as", "gus", "rooms", "join", "darkroom"}).exit_code, 0);
  }

  static std::string Path(const std::string& name) { return (stack_->dir() / name).string(); }
  static std::string Write(const std::string& name, const std::string& bytes) {
    std::ofstream(Path(name), std::ios::binary) << bytes;
    return Path(name);
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::string Sql(const std::string& sql) {
    std::string out = stack_->mysql().Sql(sql);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  // Bytes that are no image, `n` of them, different for each `seed`.
  static std::string Bytes(size_t n, int seed) {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 31 + seed) % 256);
    return out;
  }
};

TEST_F(FilesTest, AFileSentInARoomDownloadsByteForByteForAMember) {
  const std::string bytes = Bytes(1'000'000, 1);  // four chunks of 256 KiB
  json sent = CtlJson({"--as", "fern", "send", "--room", "darkroom", "--file",
                       Write("notes.bin", bytes), "the notes"});
  ASSERT_TRUE(sent.contains("attachment")) << sent.dump();
  const std::string id = sent["attachment"]["file_id"];
  EXPECT_EQ(sent["attachment"]["name"], "notes.bin");
  EXPECT_EQ(sent["attachment"]["size"], 1'000'000);
  EXPECT_EQ(sent["attachment"]["content_type"], "application/octet-stream");

  json got = CtlJson({"--gateway", stack_->gateway_address(1), "--as", "gus", "download", id, "-o",
                      Path("gus-notes.bin")});
  EXPECT_EQ(got["bytes"], 1'000'000);
  EXPECT_EQ(Read(Path("gus-notes.bin")), bytes);

  auto history = CtlLines({"--as", "gus", "history", "--room", "darkroom"});
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back()["text"], "the notes");
  EXPECT_EQ(history.back()["attachment"]["file_id"], id);
}

// Beyond the burst, each chunk waits for its turn on the replica's pace (a gRPC alarm, reading
// nothing meanwhile): the upload slows and arrives whole.
TEST_F(FilesTest, AnUploadBeyondTheReplicasPaceArrivesWhole) {
  const std::string bytes = Bytes(2'500'000, 7);  // ten chunks of 256 KiB
  json sent = CtlJson(
      {"--as", "fern", "send", "--room", "darkroom", "--file", Write("paced.bin", bytes), "paced"});
  ASSERT_TRUE(sent.contains("attachment")) << sent.dump();
  const std::string id = sent["attachment"]["file_id"];
  EXPECT_EQ(sent["attachment"]["size"], 2'500'000);
  CtlJson({"--as", "gus", "download", id, "-o", Path("gus-paced.bin")});
  EXPECT_EQ(Read(Path("gus-paced.bin")), bytes);
}

TEST_F(FilesTest, TheSameBytesSentTwiceAreStoredOnce) {
  const std::string bytes = Bytes(400'000, 2);
  json a = CtlJson({"--as", "fern", "send", "--room", "darkroom", "--file", Write("a.bin", bytes)});
  json b = CtlJson({"--as", "gus", "send", "--room", "darkroom", "--file", Write("b.bin", bytes)});
  EXPECT_NE(a["attachment"]["file_id"], b["attachment"]["file_id"]);
  EXPECT_EQ(a["attachment"]["sha256"], b["attachment"]["sha256"]);
  const std::string sha = a["attachment"]["sha256"];
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_blobs WHERE sha256 = UNHEX('" + sha + "')"), "1");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_chunks c JOIN natter.file_blobs b ON b.id = "
                "c.blob_id WHERE b.sha256 = UNHEX('" +
                sha + "')"),
            "2");
}

TEST_F(FilesTest, SomeoneOutsideTheRoomIsRefused) {
  json sent = CtlJson({"--as", "fern", "send", "--room", "darkroom", "--file",
                       Write("secret.txt", "for the darkroom only")});
  const std::string id = sent["attachment"]["file_id"];
  auto refused = Ctl({"--as", "hal", "download", id, "-o", Path("hal.txt")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err,
            "natterctl: you cannot open this file: it was not sent to a conversation you are in\n");
  EXPECT_FALSE(std::filesystem::exists(Path("hal.txt")));
  EXPECT_FALSE(std::filesystem::exists(Path("hal.txt.part")));
  auto unknown = Ctl({"--as", "hal", "download", std::string(32, '0'), "-o", Path("x")});
  EXPECT_EQ(unknown.err, "natterctl: no file " + std::string(32, '0') + "\n");
}

TEST_F(FilesTest, AFileOverTheLimitIsRefused) {
  auto refused = Ctl({"--as", "fern", "send", "--room", "darkroom", "--file",
                      Write("big.bin", Bytes(3'000'001, 3))});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "natterctl: the file is too large: 3000001 bytes, at most 3 MB allowed\n");
}

TEST_F(FilesTest, AJpegIsStoredWithoutItsExifAndHasASmallThumbnail) {
  const std::string jpeg = testing::WithExifGps(testing::MakeFileImage(1000, 700, "jpeg"));
  json sent = CtlJson({"--as", "fern", "send", "--room", "darkroom", "--file",
                       Write("where.jpg", jpeg), "guess where"});
  EXPECT_EQ(sent["attachment"]["content_type"], "image/jpeg");
  EXPECT_EQ(sent["attachment"]["width"], 1000);
  EXPECT_EQ(sent["attachment"]["height"], 700);
  EXPECT_EQ(sent["attachment"]["thumbnail"], true);
  const std::string id = sent["attachment"]["file_id"];

  CtlJson({"--as", "gus", "download", id, "-o", Path("where-gus.jpg")});
  const std::string stored = Read(Path("where-gus.jpg"));
  EXPECT_EQ(stored.find(testing::kGpsMarker), std::string::npos);
  EXPECT_EQ(stored.find("Exif"), std::string::npos);
  EXPECT_EQ(QImage(QString::fromStdString(Path("where-gus.jpg"))).size(), QSize(1000, 700));

  json thumb = CtlJson({"--as", "gus", "download", id, "--thumbnail", "-o", Path("thumb.jpg")});
  EXPECT_EQ(QImage(QString::fromStdString(Path("thumb.jpg"))).size(), QSize(320, 224));
  EXPECT_LT(thumb["bytes"].get<int>(), 100'000);
}

}  // namespace
}  // namespace natter
