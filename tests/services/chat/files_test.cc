// Files on fakes (issue 23 item 1): what an upload must say and may carry (name, type, sizes,
// chunks, the daily total, uploads in flight), dedupe by SHA-256, images re-encoded without their
// EXIF and given a thumbnail, who may download or attach a file, and what messages carry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <QBuffer>
#include <QImage>
#include <QTransform>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "chat_service.h"
#include "chat_service_fakes.h"
#include "fakes/fake_file_store.h"
#include "file_service.h"
#include "file_test_images.h"
#include "natter/v1/gateway.pb.h"
#include "services/chat/callers.h"

namespace natter::chat {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kLobby = fakes::FakeMessageStore::kLobbyId;

QImage Decoded(const std::string& bytes) {
  QImage image;
  image.loadFromData(reinterpret_cast<const uchar*>(bytes.data()), static_cast<int>(bytes.size()));
  return image;
}

class FilesTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    store_.SetFriendStore(friends_);
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
    clock_.SetNowMs(1'800'000'000'000);
  }

  FileLimits limits_ = SmallLimits();
  static FileLimits SmallLimits() {
    FileLimits l;
    l.max_file_bytes = 2'000'000;
    l.max_daily_bytes = 3'000'000;
    l.max_uploads_in_flight = 2;
    return l;
  }
  fakes::FakeFileStore file_store_;
  std::unique_ptr<FileService> files_ =
      std::make_unique<FileService>(file_store_, store_, limits_, clock_);
  ChatService chat_{
      store_, friends_,    publisher_, users_, typing_, limiter_, ChatLimits::Unlimited(),
      clock_, files_.get()};

  v1::Caller alice_ = MakeCaller(1, "alice");
  v1::Caller bob_ = MakeCaller(2, "bob");
  v1::Caller carol_ = MakeCaller(3, "carol");

  static v1::UploadStart Start(const std::string& name, uint64_t size,
                               const std::string& type = "") {
    v1::UploadStart s;
    s.set_name(name);
    s.set_size(size);
    s.set_content_type(type);
    return s;
  }

  // Uploads `bytes` in chunks of `chunk` bytes.
  absl::StatusOr<v1::FileInfo> UploadBytes(const v1::Caller& who, const std::string& name,
                                           const std::string& bytes, size_t chunk = 100'000,
                                           const std::string& type = "") {
    auto upload = files_->Begin(who, Start(name, bytes.size(), type));
    if (!upload.ok()) return upload.status();
    for (size_t at = 0; at < bytes.size(); at += chunk) {
      if (auto s = files_->Add(**upload, std::string_view(bytes).substr(at, chunk)); !s.ok()) {
        return s;
      }
    }
    return files_->Finish(**upload);
  }

  std::string Download(const v1::Caller& who, const std::string& id, bool thumbnail = false,
                       absl::Status* error = nullptr) {
    v1::DownloadRequest r;
    *r.mutable_caller() = who;
    r.set_file_id(id);
    r.set_thumbnail(thumbnail);
    auto file = files_->OpenDownload(r);
    if (!file.ok()) {
      if (error) *error = file.status();
      return "";
    }
    std::string out;
    for (uint32_t i = 0;; ++i) {
      auto chunk = files_->ReadChunk(*file, thumbnail, i);
      EXPECT_TRUE(chunk.ok());
      if (!chunk.ok() || !chunk->has_value()) break;
      out += **chunk;
    }
    return out;
  }

  absl::StatusOr<v1::SendAck> SendFile(const v1::Caller& from, uint64_t conversation,
                                       const std::string& file_id, const std::string& text = "",
                                       const std::string& id = "m1") {
    v1::SendRequest r;
    *r.mutable_caller() = from;
    r.set_conversation_id(conversation);
    r.set_client_msg_id(id);
    r.set_text(text);
    r.set_attachment_file_id(file_id);
    return chat_.Send(r);
  }
};

TEST_F(FilesTest, AFileComesBackByteForByteToItsUploader) {
  std::string bytes(700'000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 % 251);
  auto info = UploadBytes(alice_, "report.pdf", bytes, 65'536, "Application/PDF");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->name(), "report.pdf");
  EXPECT_EQ(info->content_type(), "application/pdf");
  EXPECT_EQ(info->size(), bytes.size());
  EXPECT_EQ(info->width(), 0u);
  EXPECT_FALSE(info->has_thumbnail());
  EXPECT_EQ(info->file_id().size(), 32u);
  EXPECT_EQ(info->sha256().size(), 64u);
  EXPECT_EQ(Download(alice_, info->file_id()), bytes);
  // Stored in chunks of 256 KiB whatever the client's chunks were: 3 for 700,000 bytes.
  EXPECT_EQ(file_store_.chunk_count(), 3u);
}

TEST_F(FilesTest, TheSameBytesTwiceAreStoredOnce) {
  std::string bytes(300'000, 'x');
  auto first = UploadBytes(alice_, "a.bin", bytes);
  auto second = UploadBytes(bob_, "b.bin", bytes, 7'000);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->file_id(), second->file_id());
  EXPECT_EQ(first->sha256(), second->sha256());
  EXPECT_EQ(second->name(), "b.bin");
  EXPECT_EQ(file_store_.blob_count(), 1u);
  EXPECT_EQ(file_store_.chunk_count(), 2u);
  EXPECT_EQ(Download(bob_, second->file_id()), bytes);
}

TEST_F(FilesTest, BadStartsAreRefusedWithWhatIsWrong) {
  auto refused = [&](const v1::UploadStart& start) {
    auto upload = files_->Begin(alice_, start);
    return upload.ok() ? absl::OkStatus() : upload.status();
  };
  EXPECT_EQ(refused(Start("", 10)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused(Start("../etc/passwd", 10)).message(), HasSubstr("'/'"));
  EXPECT_THAT(refused(Start("a\\b", 10)).message(), HasSubstr("'\\'"));
  EXPECT_THAT(refused(Start("a\x01.txt", 10)).message(), HasSubstr("control"));
  EXPECT_EQ(refused(Start("..", 10)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused(Start(std::string(256, 'a'), 10)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused(Start("a.txt", 0)).message(), HasSubstr("empty"));
  EXPECT_THAT(refused(Start("a.txt", 10, "text plain")).message(), HasSubstr("type/subtype"));
  auto big = refused(Start("big.iso", 2'000'001));
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(big.message(), HasSubstr("too large"));
  EXPECT_THAT(big.message(), HasSubstr("2 MB"));
  EXPECT_TRUE(refused(Start("über.txt", 10)).ok());
}

TEST_F(FilesTest, ChunksMustFitTheLimitAndTheAnnouncedSize) {
  auto upload = files_->Begin(alice_, Start("a.bin", 300'000));
  ASSERT_TRUE(upload.ok());
  auto too_big = files_->Add(**upload, std::string(256 * 1024 + 1, 'a'));
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_big.message(), HasSubstr("262144"));
  EXPECT_EQ(files_->Add(**upload, "").code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(files_->Add(**upload, std::string(200'000, 'a')).ok());
  auto short_upload = files_->Finish(**upload);
  EXPECT_EQ(short_upload.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_upload.status().message(), HasSubstr("200000 of the 300000"));

  auto other = files_->Begin(alice_, Start("b.bin", 10));
  ASSERT_TRUE(other.ok());
  EXPECT_THAT(files_->Add(**other, std::string(11, 'b')).message(), HasSubstr("more than the 10"));
}

TEST_F(FilesTest, ABrokenUploadLeavesNothingStaged) {
  {
    auto upload = files_->Begin(alice_, Start("a.bin", 600'000));
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE(files_->Add(**upload, std::string(262'144, 'a')).ok());
    ASSERT_TRUE(files_->Add(**upload, std::string(262'144, 'a')).ok());
    EXPECT_EQ(file_store_.chunk_count(), 2u);
  }  // the stream ended before its last chunk
  EXPECT_EQ(file_store_.blob_count(), 0u);
  EXPECT_EQ(file_store_.chunk_count(), 0u);
}

TEST_F(FilesTest, StaleStagedUploadsAreSweptWhenAnUploadBegins) {
  ASSERT_TRUE(file_store_.BeginStaging(9, clock_.NowMs()).ok());  // a replica died mid-upload
  clock_.Advance(std::chrono::milliseconds(kStaleStagingMs + 1));
  auto upload = files_->Begin(alice_, Start("a.bin", 1));
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(file_store_.blob_count(), 1u);  // only the new upload's
}

TEST_F(FilesTest, UploadsInFlightPerUserAreLimited) {
  auto one = files_->Begin(alice_, Start("1", 5));
  auto two = files_->Begin(alice_, Start("2", 5));
  ASSERT_TRUE(one.ok() && two.ok());
  auto three = files_->Begin(alice_, Start("3", 5));
  EXPECT_EQ(three.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(three.status().message(), HasSubstr("wait for one to finish"));
  EXPECT_TRUE(files_->Begin(bob_, Start("b", 5)).ok());  // others are not held back
  one->reset();
  EXPECT_TRUE(files_->Begin(alice_, Start("4", 5)).ok());
}

// All uploads on a replica share one pace: a burst goes at once, then each chunk waits its turn at
// the rate, and a quiet spell gives back the burst, never more.
TEST_F(FilesTest, UploadsTogetherKeepToTheReplicasPace) {
  FileLimits paced = SmallLimits();
  paced.upload_bytes_per_second = 1'000'000;
  paced.upload_burst_bytes = 500'000;
  FileService files(file_store_, store_, paced, clock_);
  EXPECT_EQ(files.PaceUpload(250'000), 0);  // the burst
  EXPECT_EQ(files.PaceUpload(250'000), 0);
  EXPECT_EQ(files.PaceUpload(250'000), 250);  // then a quarter second per 250 kB
  EXPECT_EQ(files.PaceUpload(250'000), 500);  // another upload's chunk queues behind it
  clock_.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(files.PaceUpload(100'000), 100);
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(files.PaceUpload(250'000), 0);
  EXPECT_EQ(files.PaceUpload(250'000), 0);
  EXPECT_EQ(files.PaceUpload(250'000), 250);

  FileLimits unpaced = SmallLimits();
  unpaced.upload_bytes_per_second = 0;
  FileService free_running(file_store_, store_, unpaced, clock_);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(free_running.PaceUpload(250'000), 0);
}

TEST_F(FilesTest, TheDailyTotalCountsTheLast24Hours) {
  ASSERT_TRUE(UploadBytes(alice_, "a", std::string(1'500'000, 'a')).ok());
  ASSERT_TRUE(UploadBytes(alice_, "b", std::string(1'500'000, 'b')).ok());
  auto over = files_->Begin(alice_, Start("c", 1));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("3 MB a day"));
  EXPECT_TRUE(files_->Begin(bob_, Start("c", 1)).ok());
  clock_.Advance(std::chrono::hours(24) + std::chrono::milliseconds(1));
  EXPECT_TRUE(files_->Begin(alice_, Start("c", 1)).ok());
}

TEST_F(FilesTest, AJpegIsReencodedWithoutItsExifAndGetsAThumbnail) {
  const std::string original = testing::WithExifGps(testing::MakeFileImage(1200, 800, "jpeg"));
  ASSERT_NE(original.find(testing::kGpsMarker), std::string::npos);
  auto info = UploadBytes(alice_, "holiday.jpg", original, 50'000, "image/jpeg");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->content_type(), "image/jpeg");
  EXPECT_EQ(info->width(), 1200u);
  EXPECT_EQ(info->height(), 800u);
  EXPECT_TRUE(info->has_thumbnail());

  const std::string stored = Download(alice_, info->file_id());
  EXPECT_EQ(stored.size(), info->size());
  EXPECT_EQ(stored.find(testing::kGpsMarker), std::string::npos);
  EXPECT_EQ(stored.find("Exif"), std::string::npos);
  QImage image = Decoded(stored);
  ASSERT_FALSE(image.isNull());
  EXPECT_EQ(image.size(), QSize(1200, 800));
  EXPECT_GT(qRed(image.pixel(10, 400)), 200);     // still red on the left...
  EXPECT_GT(qBlue(image.pixel(1190, 400)), 200);  // ...and blue on the right

  QImage thumbnail = Decoded(Download(alice_, info->file_id(), /*thumbnail=*/true));
  EXPECT_EQ(thumbnail.size(), QSize(320, 213));
}

TEST_F(FilesTest, APhotoTakenSidewaysIsStoredUprightWithItsThumbnail) {
  // A camera held on its side stores a landscape frame (red left, blue right) and EXIF
  // Orientation 6: "turn a quarter clockwise to show". Shown upright it is portrait, red on top.
  const std::string sideways =
      testing::WithExifOrientation(testing::MakeFileImage(800, 400, "jpeg"), 6);
  auto info = UploadBytes(alice_, "portrait.jpg", sideways, 50'000, "image/jpeg");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->width(), 400u);
  EXPECT_EQ(info->height(), 800u);

  QImage image = Decoded(Download(alice_, info->file_id()));
  ASSERT_EQ(image.size(), QSize(400, 800));
  EXPECT_GT(qRed(image.pixel(200, 10)), 200);
  EXPECT_GT(qBlue(image.pixel(200, 790)), 200);
  QImage thumbnail = Decoded(Download(alice_, info->file_id(), /*thumbnail=*/true));
  ASSERT_EQ(thumbnail.size(), QSize(160, 320));
  EXPECT_GT(qRed(thumbnail.pixel(80, 5)), 200);
  EXPECT_GT(qBlue(thumbnail.pixel(80, 315)), 200);
}

TEST_F(FilesTest, EveryExifOrientationIsUndone) {
  // Each orientation stores the upright picture (red top-left quadrant only) transformed as a
  // camera would; the server must give back the upright one.
  QImage upright(60, 40, QImage::Format_RGB32);
  upright.fill(Qt::white);
  for (int y = 0; y < 20; ++y) {
    for (int x = 0; x < 30; ++x) upright.setPixel(x, y, qRgb(255, 0, 0));
  }
  const QTransform quarter = QTransform().rotate(90);
  // The stored frame for orientation N: the inverse of what the viewer applies.
  const QImage stored_for[9] = {
      {},
      upright,
      upright.mirrored(true, false),
      upright.mirrored(true, true),
      upright.mirrored(false, true),
      upright.mirrored(false, true).transformed(quarter),  // transposed: its own inverse
      upright.transformed(QTransform().rotate(270)),
      upright.mirrored(true, false).transformed(quarter),  // transversed: its own inverse
      upright.transformed(quarter),
  };
  for (int orientation = 1; orientation <= 8; ++orientation) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    ASSERT_TRUE(stored_for[orientation].save(&buffer, "jpeg", 95));
    const std::string jpeg = testing::WithExifOrientation(
        std::string(bytes.constData(), static_cast<size_t>(bytes.size())), orientation,
        /*big_endian=*/orientation % 2 == 0);
    auto info = UploadBytes(alice_, "o.jpg", jpeg);
    ASSERT_TRUE(info.ok()) << info.status();
    QImage image = Decoded(Download(alice_, info->file_id()));
    ASSERT_EQ(image.size(), QSize(60, 40)) << "orientation " << orientation;
    EXPECT_GT(qRed(image.pixel(5, 5)), 200) << "orientation " << orientation;
    EXPECT_LT(qBlue(image.pixel(5, 5)), 60) << "orientation " << orientation;
    EXPECT_GT(qBlue(image.pixel(55, 5)), 200) << "orientation " << orientation;
    EXPECT_GT(qBlue(image.pixel(5, 35)), 200) << "orientation " << orientation;
  }
}

TEST_F(FilesTest, APngStaysAPngAndASmallOneKeepsItsSizeInItsThumbnail) {
  auto info = UploadBytes(alice_, "dot.png", testing::MakeFileImage(40, 30, "png"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->content_type(), "image/png");
  EXPECT_EQ(Decoded(Download(alice_, info->file_id(), true)).size(), QSize(40, 30));
}

TEST_F(FilesTest, ATooLargeOrDamagedImageIsRefused) {
  limits_.max_image_pixels = 1000 * 1000;
  files_ = std::make_unique<FileService>(file_store_, store_, limits_, clock_);
  auto big = UploadBytes(alice_, "big.png", testing::MakeFileImage(1100, 1000, "png"));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(big.status().message(), HasSubstr("1100x1000 pixels"));
  std::string jpeg = testing::MakeFileImage(200, 200, "jpeg");
  auto damaged = UploadBytes(alice_, "cut.jpg", jpeg.substr(0, jpeg.size() / 2));
  EXPECT_THAT(damaged.status().message(), HasSubstr("truncated or damaged"));
  EXPECT_EQ(file_store_.blob_count(), 0u);
}

TEST_F(FilesTest, ATypeClaimingAnImageIsNotTakenOnTrust) {
  auto info = UploadBytes(alice_, "evil.png", "<svg onload=alert(1)>", 100, "image/png");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->content_type(), "application/octet-stream");
  EXPECT_EQ(info->width(), 0u);
}

TEST_F(FilesTest, OnlyTheUploaderAndMembersWhereItWasSentMayDownload) {
  const uint64_t room = store_.AddConversation("room", "secret");
  store_.AddMember(room, 1);
  store_.AddMember(room, 2);
  auto info = UploadBytes(alice_, "plan.txt", "the plan");
  ASSERT_TRUE(info.ok());
  absl::Status error;
  EXPECT_EQ(Download(bob_, info->file_id(), false, &error), "");
  EXPECT_EQ(error.code(), absl::StatusCode::kPermissionDenied);  // not sent anywhere yet

  auto sent = SendFile(alice_, room, info->file_id(), "see this");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(Download(bob_, info->file_id()), "the plan");
  error = absl::OkStatus();
  Download(carol_, info->file_id(), false, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(error.message(), HasSubstr("not sent to a conversation you are in"));

  Download(bob_, std::string(32, 'a'), false, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kNotFound);
  Download(bob_, "../../etc", false, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument);
  Download(bob_, info->file_id(), /*thumbnail=*/true, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(FilesTest, OnlyAFileTheSenderCanReadMayBeAttached) {
  const uint64_t room = store_.AddConversation("room", "secret");
  store_.AddMember(room, 1);
  store_.AddMember(room, 2);
  auto info = UploadBytes(alice_, "plan.txt", "the plan");
  ASSERT_TRUE(info.ok());
  // Bob cannot pass on a file he was never sent.
  EXPECT_EQ(SendFile(bob_, kLobby, info->file_id()).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(SendFile(alice_, room, info->file_id()).ok());
  // Now that he can read it, he may forward it: then everyone in the lobby can.
  ASSERT_TRUE(SendFile(bob_, kLobby, info->file_id(), "fwd", "m2").ok());
  EXPECT_EQ(Download(carol_, info->file_id()), "the plan");
  EXPECT_EQ(SendFile(alice_, kLobby, std::string(32, 'f'), "", "m3").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FilesTest, MessagesCarryTheirAttachmentLiveInSyncAndInHistory) {
  auto info = UploadBytes(alice_, "pic.png", testing::MakeFileImage(64, 48, "png"));
  ASSERT_TRUE(info.ok());
  publisher_.Clear();
  auto ack = SendFile(alice_, kLobby, info->file_id());  // no text: the file is the message
  ASSERT_TRUE(ack.ok()) << ack.status();

  v1::ServerEvent event;
  for (const auto& p : publisher_.published()) {
    v1::ServerEvent parsed;
    if (parsed.ParseFromString(p.payload) && parsed.has_message()) event = parsed;
  }
  ASSERT_TRUE(event.has_message());
  EXPECT_EQ(event.message().attachment().file_id(), info->file_id());
  EXPECT_EQ(event.message().attachment().width(), 64u);

  v1::SyncRequest sync;
  *sync.mutable_caller() = bob_;
  sync.set_conversation_id(kLobby);
  auto synced = chat_.Sync(sync);
  ASSERT_TRUE(synced.ok());
  ASSERT_EQ(synced->messages_size(), 1);
  EXPECT_EQ(synced->messages(0).attachment().name(), "pic.png");
  EXPECT_TRUE(synced->messages(0).attachment().has_thumbnail());

  v1::HistoryRequest history;
  *history.mutable_caller() = bob_;
  history.set_conversation_id(kLobby);
  auto page = chat_.History(history);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->messages(0).attachment().file_id(), info->file_id());
}

TEST_F(FilesTest, AConversationListPreviewsTheLatestMessagesFileReadOnceForAll) {
  const uint64_t room = store_.AddConversation("room", "secret");
  store_.AddMember(room, 1);
  store_.AddMember(room, 2);
  const uint64_t quiet = store_.AddConversation("room", "quiet");
  store_.AddMember(quiet, 1);
  store_.AddMember(quiet, 2);
  auto doc = UploadBytes(alice_, "plan.pdf", "%PDF-1.4");
  auto pic = UploadBytes(alice_, "pic.png", testing::MakeFileImage(64, 48, "png"));
  ASSERT_TRUE(doc.ok() && pic.ok());
  ASSERT_TRUE(SendFile(alice_, kLobby, doc->file_id(), "", "m1").ok());
  ASSERT_TRUE(SendFile(alice_, room, pic->file_id(), "look", "m2").ok());
  ASSERT_TRUE(SendFile(alice_, quiet, doc->file_id(), "", "m3").ok());
  v1::SendRequest text;
  *text.mutable_caller() = bob_;
  text.set_conversation_id(quiet);
  text.set_client_msg_id("m4");
  text.set_text("read it");
  ASSERT_TRUE(chat_.Send(text).ok());

  const int reads_before = file_store_.attachment_reads();
  v1::ListConversationsRequest list;
  *list.mutable_caller() = bob_;
  auto listed = chat_.ListConversations(list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(file_store_.attachment_reads() - reads_before, 1);
  std::map<uint64_t, v1::ChatMessage> last;
  for (const auto& c : listed->conversations()) last[c.id()] = c.last_entry();
  EXPECT_EQ(last[kLobby].attachment().name(), "plan.pdf");
  EXPECT_EQ(last[kLobby].attachment().size(), 8u);
  EXPECT_EQ(last[room].attachment().name(), "pic.png");
  EXPECT_EQ(last[room].attachment().width(), 64u);
  EXPECT_EQ(last[room].text(), "look");
  // The latest message of the third carries no file, though an earlier one did.
  EXPECT_EQ(last[quiet].text(), "read it");
  EXPECT_FALSE(last[quiet].has_attachment());
}

TEST_F(FilesTest, DeletingTheMessageTakesTheFileFromTheConversation) {
  auto info = UploadBytes(alice_, "a.txt", "abc");
  ASSERT_TRUE(info.ok());
  auto ack = SendFile(alice_, kLobby, info->file_id());
  ASSERT_TRUE(ack.ok());
  ASSERT_EQ(Download(bob_, info->file_id()), "abc");
  v1::DeleteRequest del;
  *del.mutable_caller() = alice_;
  del.mutable_conversation()->set_id(kLobby);
  del.set_seq(ack->seq());
  del.set_client_msg_id("d1");
  ASSERT_TRUE(chat_.Delete(del).ok());
  absl::Status error;
  Download(bob_, info->file_id(), false, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Download(alice_, info->file_id()), "abc");  // the uploader keeps it
}

TEST_F(FilesTest, AnUnsentUploadIsKeptADayThenSweptAfterTwo) {
  auto kept = UploadBytes(alice_, "draft.txt", "draft");
  auto sent_late = UploadBytes(alice_, "late.txt", "late!");
  ASSERT_TRUE(kept.ok() && sent_late.ok());
  clock_.Advance(std::chrono::hours(23));
  EXPECT_EQ(Download(alice_, kept->file_id()), "draft");

  clock_.Advance(std::chrono::hours(1) + std::chrono::milliseconds(1));
  absl::Status error;
  Download(alice_, kept->file_id(), false, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(error.message(), HasSubstr("upload it again"));
  auto late = SendFile(alice_, kLobby, sent_late->file_id());
  EXPECT_EQ(late.status().code(), absl::StatusCode::kNotFound);

  // Both stay stored until 48 hours after their upload.
  clock_.Advance(std::chrono::hours(23));
  auto early = files_->Sweep();
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->files, 0u);
  EXPECT_EQ(file_store_.blob_count(), 2u);
  clock_.Advance(std::chrono::hours(1));
  auto swept = files_->Sweep();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->files, 2u);
  EXPECT_EQ(swept->blobs, 2u);
  EXPECT_EQ(swept->bytes, 10u);
  EXPECT_EQ(file_store_.blob_count(), 0u);
  EXPECT_EQ(file_store_.chunk_count(), 0u);
}

TEST_F(FilesTest, ASentFileIsKeptWhileAMessageCarriesItAndSweptOnceNoneDoes) {
  auto info = UploadBytes(alice_, "dot.png", testing::MakeFileImage(40, 30, "png"));
  ASSERT_TRUE(info.ok()) << info.status();
  auto ack = SendFile(alice_, kLobby, info->file_id());
  ASSERT_TRUE(ack.ok()) << ack.status();
  clock_.Advance(std::chrono::hours(24 * 30));
  auto swept = files_->Sweep();
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->files, 0u);
  EXPECT_FALSE(Download(bob_, info->file_id()).empty());
  // Forwarded by a member long after the upload: the message carries it, so it may be attached.
  EXPECT_TRUE(SendFile(bob_, kLobby, info->file_id(), "", "m2").ok());

  for (uint64_t seq : {ack->seq(), ack->seq() + 1}) {
    v1::DeleteRequest del;
    *del.mutable_caller() = seq == ack->seq() ? alice_ : bob_;
    del.mutable_conversation()->set_id(kLobby);
    del.set_seq(seq);
    del.set_client_msg_id("d" + std::to_string(seq));
    ASSERT_TRUE(chat_.Delete(del).ok());
  }
  absl::Status error;
  Download(alice_, info->file_id(), false, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kNotFound);
  swept = files_->Sweep();
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->files, 1u);
  EXPECT_EQ(swept->blobs, 1u);
  EXPECT_GT(swept->bytes, info->size());  // the thumbnail too
  EXPECT_EQ(file_store_.chunk_count(), 0u);
}

TEST_F(FilesTest, StoredBytesAreFreedOnlyWhenNoUploadNamesThem) {
  auto sent = UploadBytes(alice_, "a.txt", "same bytes");
  auto unsent = UploadBytes(bob_, "b.txt", "same bytes");
  ASSERT_TRUE(sent.ok() && unsent.ok());
  ASSERT_TRUE(SendFile(alice_, kLobby, sent->file_id()).ok());
  clock_.Advance(std::chrono::hours(49));
  auto swept = files_->Sweep(/*batch=*/1);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->files, 1u);
  EXPECT_EQ(swept->blobs, 0u);
  EXPECT_EQ(Download(carol_, sent->file_id()), "same bytes");
  absl::Status error;
  Download(bob_, unsent->file_id(), false, &error);
  EXPECT_EQ(error.code(), absl::StatusCode::kNotFound);
}

TEST_F(FilesTest, ARetriedSendRecordsItsAttachmentOnce) {
  auto info = UploadBytes(alice_, "a.txt", "abc");
  ASSERT_TRUE(info.ok());
  auto first = SendFile(alice_, kLobby, info->file_id(), "", "same");
  auto again = SendFile(alice_, kLobby, info->file_id(), "", "same");
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_TRUE(again->duplicate());
  EXPECT_EQ(again->seq(), first->seq());
}

}  // namespace
}  // namespace natter::chat
