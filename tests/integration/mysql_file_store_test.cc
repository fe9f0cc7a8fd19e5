// Files on a real MariaDB (migration 013): staged chunks published under their SHA-256 or linked
// to the same bytes stored already (also when two identical uploads finish at once), broken and
// stale uploads dropped with their chunks, refs and the attachments of a page of messages, the
// daily total; and FileService on it, an image's EXIF gone from what is stored.
#include "mysql_file_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "chat_schema.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "file_service.h"
#include "harness/harness.h"
#include "mysql_message_store.h"
#include "services/chat/file_test_images.h"

namespace natter {
namespace {

using chat::FilePart;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string Sha(char c) { return std::string(64, c); }

class MysqlFileStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    db_ = new testing::MariaDb(dir_->path() / "mysql");
    pool_ = new MysqlPool(ParseMysqlUrl(db_->url()).value(), 6);
    ASSERT_TRUE(ApplyMigrations(*pool_, "chat", chat::Migrations()).ok());
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete db_;
    delete dir_;
  }

  // The answer of `sql` without its line break.
  static std::string Sql(const std::string& sql) {
    std::string out = db_->Sql(sql);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }

  int64_t Count(const std::string& table) {
    return std::stoll(Sql("SELECT COUNT(*) FROM natter." + table));
  }

  // A staged blob with `data` in chunks of 256 KiB.
  uint64_t Stage(const std::string& data, uint64_t uploader = 1, int64_t now = 1000) {
    auto blob = store_.BeginStaging(uploader, now);
    EXPECT_TRUE(blob.ok()) << blob.status();
    for (size_t at = 0, i = 0; at < data.size(); at += chat::kStoredChunkBytes, ++i) {
      EXPECT_TRUE(store_
                      .StageChunk(*blob, FilePart::kData, static_cast<uint32_t>(i),
                                  std::string_view(data).substr(at, chat::kStoredChunkBytes))
                      .ok());
    }
    return *blob;
  }

  chat::NewFile File(const std::string& id, const std::string& sha, uint64_t size,
                     uint64_t uploader = 1, int64_t at = 1000) {
    return {.id = id,
            .sha256 = sha,
            .size = size,
            .content_type = "application/octet-stream",
            .name = "name-" + id,
            .uploader = uploader,
            .created_at_ms = at};
  }

  static testing::TempDir* dir_;
  static testing::MariaDb* db_;
  static MysqlPool* pool_;
  chat::MysqlFileStore store_{*pool_};
};

testing::TempDir* MysqlFileStoreTest::dir_ = nullptr;
testing::MariaDb* MysqlFileStoreTest::db_ = nullptr;
MysqlPool* MysqlFileStoreTest::pool_ = nullptr;

TEST_F(MysqlFileStoreTest, APublishedFileReadsBackChunkByChunk) {
  std::string data(600'000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 253);
  const uint64_t blob = Stage(data);
  auto file = store_.Publish(blob, File(std::string(32, '1'), Sha('a'), data.size()));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE(file->deduplicated);
  auto found = store_.FindFile(std::string(32, '1'));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->sha256, Sha('a'));
  EXPECT_EQ((*found)->name, "name-" + std::string(32, '1'));
  EXPECT_EQ((*found)->size, data.size());
  std::string back;
  for (uint32_t i = 0;; ++i) {
    auto chunk = store_.ReadChunk((*found)->blob_id, FilePart::kData, i);
    ASSERT_TRUE(chunk.ok());
    if (!chunk->has_value()) break;
    EXPECT_LE((*chunk)->size(), chat::kStoredChunkBytes);
    back += **chunk;
  }
  EXPECT_EQ(back, data);
  EXPECT_FALSE(store_.FindFile(std::string(32, '9'))->has_value());
}

TEST_F(MysqlFileStoreTest, TheSameBytesLinkToTheStoredBlobAndTheStagedCopyGoes) {
  const std::string data(300'000, 'd');
  auto first = store_.Publish(Stage(data), File(std::string(32, '2'), Sha('b'), data.size()));
  ASSERT_TRUE(first.ok());
  const int64_t chunks = Count("file_chunks");
  const uint64_t staged = Stage(data, 2);
  auto second = store_.Publish(staged, File(std::string(32, '3'), Sha('b'), data.size(), 2));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->deduplicated);
  EXPECT_EQ(second->blob_id, first->blob_id);
  EXPECT_EQ(Count("file_chunks"), chunks);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_blobs WHERE id = " + std::to_string(staged)),
            "0");
}

TEST_F(MysqlFileStoreTest, TwoIdenticalUploadsFinishingAtOnceKeepOneCopy) {
  const std::string data(100'000, 'e');
  std::vector<uint64_t> staged;
  for (int i = 0; i < 4; ++i) staged.push_back(Stage(data, 3));
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<chat::FileRecord>> results(4, absl::UnknownError("not run"));
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      results[i] = store_.Publish(
          staged[i], File(std::string(31, 'c') + std::to_string(i), Sha('c'), data.size(), 3));
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_blobs WHERE sha256 = UNHEX('" + Sha('c') + "')"),
            "1");
  EXPECT_EQ(Sql("SELECT COUNT(DISTINCT blob_id) FROM natter.files WHERE uploader = 3"), "1");
}

TEST_F(MysqlFileStoreTest, ADiscardedOrStaleUploadLeavesNoChunks) {
  const uint64_t broken = Stage(std::string(600'000, 'f'), 4, 5000);
  ASSERT_TRUE(store_.DiscardStaging(broken).ok());
  EXPECT_EQ(
      Sql("SELECT COUNT(*) FROM natter.file_chunks WHERE blob_id = " + std::to_string(broken)),
      "0");
  const uint64_t stale = Stage(std::string(10, 'g'), 4, 100);
  const uint64_t fresh = Stage(std::string(10, 'h'), 4, 9000);
  auto dropped = store_.DiscardStaleStaging(1000);
  ASSERT_TRUE(dropped.ok());
  EXPECT_GE(*dropped, 1u);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_blobs WHERE id = " + std::to_string(stale)), "0");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_blobs WHERE id = " + std::to_string(fresh)), "1");
}

TEST_F(MysqlFileStoreTest, RefsGiveConversationsAndAttachments) {
  const std::string id(32, '5');
  ASSERT_TRUE(store_.Publish(Stage("hello"), File(id, Sha('5'), 5)).ok());
  ASSERT_TRUE(store_.AddRef(id, 70, 3).ok());
  ASSERT_TRUE(store_.AddRef(id, 70, 3).ok());  // a retry
  ASSERT_TRUE(store_.AddRef(id, 71, 9).ok());
  auto conversations = store_.RefConversations(id, 10);
  ASSERT_TRUE(conversations.ok());
  EXPECT_THAT(*conversations, ::testing::UnorderedElementsAre(70, 71));
  auto attachments = store_.Attachments(70, {1, 2, 3, 4});
  ASSERT_TRUE(attachments.ok());
  ASSERT_EQ(attachments->size(), 1u);
  EXPECT_EQ(attachments->at(3).id, id);
  EXPECT_EQ(attachments->at(3).size, 5u);
  ASSERT_TRUE(store_.RemoveRef(70, 3).ok());
  EXPECT_THAT(*store_.RefConversations(id, 10), ElementsAre(71));
  EXPECT_THAT(*store_.Attachments(70, {3}), IsEmpty());
}

TEST_F(MysqlFileStoreTest, AttachmentsAtReadsTheEntriesOfManyConversationsTogether) {
  const std::string one(32, '4'), two(32, '8');
  ASSERT_TRUE(store_.Publish(Stage("first"), File(one, Sha('d'), 5)).ok());
  ASSERT_TRUE(store_.Publish(Stage("second!"), File(two, Sha('e'), 7)).ok());
  ASSERT_TRUE(store_.AddRef(one, 80, 2).ok());
  ASSERT_TRUE(store_.AddRef(two, 81, 5).ok());
  ASSERT_TRUE(store_.AddRef(one, 82, 7).ok());
  // More entries than one statement takes (64), most of them without a file.
  std::vector<std::pair<uint64_t, uint64_t>> at{{82, 7}, {80, 2}, {82, 6}, {81, 5}, {80, 2}};
  for (uint64_t i = 0; i < 70; ++i) at.emplace_back(1000 + i, 1);
  auto found = store_.AttachmentsAt(at);
  ASSERT_TRUE(found.ok()) << found.status();
  using Row = std::tuple<uint64_t, uint64_t, std::string, uint64_t>;  // entry, file id, size
  std::vector<Row> rows;
  for (const auto& [entry, file] : *found) {
    rows.emplace_back(entry.first, entry.second, file.id, file.size);
  }
  EXPECT_THAT(rows, ElementsAre(Row{80, 2, one, 5}, Row{81, 5, two, 7}, Row{82, 7, one, 5}));
  EXPECT_THAT(*store_.AttachmentsAt({}), IsEmpty());
}

TEST_F(MysqlFileStoreTest, UploadedSinceSumsTheUploadersRecentFiles) {
  ASSERT_TRUE(store_.Publish(Stage("12345"), File(std::string(32, '6'), Sha('6'), 5, 8, 100)).ok());
  ASSERT_TRUE(
      store_.Publish(Stage("1234567"), File(std::string(32, '7'), Sha('7'), 7, 8, 200)).ok());
  EXPECT_EQ(*store_.UploadedSince(8, 0), 12u);
  EXPECT_EQ(*store_.UploadedSince(8, 150), 7u);
  EXPECT_EQ(*store_.UploadedSince(9, 0), 0u);
}

TEST_F(MysqlFileStoreTest, AnImageUploadedThroughTheServiceIsStoredWithoutItsExif) {
  chat::MysqlMessageStore messages(*pool_);
  SystemClock clock;
  chat::FileService files(store_, messages, chat::FileLimits{}, clock);
  v1::Caller caller;
  caller.set_user_id(11);
  caller.set_username("eve");
  const std::string jpeg =
      natter::testing::WithExifGps(natter::testing::MakeFileImage(900, 600, "jpeg"));
  v1::UploadStart start;
  start.set_name("pic.jpg");
  start.set_size(jpeg.size());
  auto upload = files.Begin(caller, start);
  ASSERT_TRUE(upload.ok()) << upload.status();
  ASSERT_TRUE(files.Add(**upload, jpeg).ok());
  auto info = files.Finish(**upload);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->width(), 900u);
  auto file = store_.FindFile(info->file_id());
  ASSERT_TRUE(file.ok() && file->has_value());
  std::string stored;
  for (uint32_t i = 0;; ++i) {
    auto chunk = store_.ReadChunk((*file)->blob_id, FilePart::kData, i);
    if (!chunk.ok() || !chunk->has_value()) break;
    stored += **chunk;
  }
  EXPECT_EQ(stored.size(), info->size());
  EXPECT_EQ(stored.find(natter::testing::kGpsMarker), std::string::npos);
  EXPECT_EQ(stored.find("Exif"), std::string::npos);
  EXPECT_TRUE(store_.ReadChunk((*file)->blob_id, FilePart::kThumbnail, 0)->has_value());
}

TEST_F(MysqlFileStoreTest, TheSweepDropsOnlyOldUploadsNoMessageCarriesThenFreesTheirBytes) {
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  constexpr int64_t kNow = 1'900'000'000'000;
  const std::string unsent(32, 'a'), sent(32, 'b'), recent(32, 'c'), twin(32, 'd');
  const std::string data(300'000, 's');  // two stored chunks
  ASSERT_TRUE(
      store_.Publish(Stage(data, 20), File(unsent, Sha('1'), data.size(), 20, kNow - 3 * kDay))
          .ok());
  ASSERT_TRUE(store_.Publish(Stage("kept"), File(sent, Sha('2'), 4, 20, kNow - 3 * kDay)).ok());
  ASSERT_TRUE(store_.AddRef(sent, 90, 1).ok());
  ASSERT_TRUE(store_.Publish(Stage("new"), File(recent, Sha('3'), 3, 20, kNow - kDay)).ok());
  // The same bytes as `sent`, uploaded again and never sent: the blob stays for `sent`.
  ASSERT_TRUE(store_.Publish(Stage("kept"), File(twin, Sha('2'), 4, 21, kNow - 3 * kDay)).ok());
  const uint64_t unsent_blob = (*store_.FindFile(unsent))->blob_id;

  auto dropped = store_.DropUnsentFiles(kNow - 2 * kDay, 100);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_GE(*dropped, 2u);  // and any older unsent test uploads
  EXPECT_FALSE(store_.FindFile(unsent)->has_value());
  EXPECT_FALSE(store_.FindFile(twin)->has_value());
  EXPECT_TRUE(store_.FindFile(sent)->has_value());
  EXPECT_TRUE(store_.FindFile(recent)->has_value());
  EXPECT_EQ(*store_.DropUnsentFiles(kNow - 2 * kDay, 100), 0u);  // idempotent

  auto freed = store_.FreeOrphanBlobs(1000);
  ASSERT_TRUE(freed.ok()) << freed.status();
  EXPECT_GE(freed->blobs, 1u);
  EXPECT_GE(freed->bytes, data.size());
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_blobs WHERE id = " + std::to_string(unsent_blob)),
            "0");
  EXPECT_EQ(
      Sql("SELECT COUNT(*) FROM natter.file_chunks WHERE blob_id = " + std::to_string(unsent_blob)),
      "0");
  EXPECT_EQ(*store_.ReadChunk((*store_.FindFile(sent))->blob_id, FilePart::kData, 0), "kept");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM natter.file_blobs b LEFT JOIN natter.files f ON "
                "f.blob_id = b.id WHERE b.sha256 IS NOT NULL AND f.id IS NULL"),
            "0");
  EXPECT_EQ(store_.FreeOrphanBlobs(1000)->blobs, 0u);

  // The freed bytes uploaded again are stored anew, not linked to what is gone.
  auto again =
      store_.Publish(Stage(data, 20), File(std::string(32, 'e'), Sha('1'), data.size(), 20, kNow));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->deduplicated);
  EXPECT_EQ(*store_.ReadStaged(again->blob_id, FilePart::kData), data);
}

TEST_F(MysqlFileStoreTest, ARefToASweptFileIsNotRecorded) {
  const std::string gone(32, 'f');
  ASSERT_TRUE(store_.Publish(Stage("gone"), File(gone, Sha('4'), 4, 22, 10)).ok());
  ASSERT_TRUE(store_.DropUnsentFiles(11, 100).ok());
  ASSERT_FALSE(store_.FindFile(gone)->has_value());
  ASSERT_TRUE(store_.AddRef(gone, 91, 1).ok());
  EXPECT_THAT(*store_.RefConversations(gone, 10), IsEmpty());
}

}  // namespace
}  // namespace natter
