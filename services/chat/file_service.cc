#include "file_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/check.h"
#include "common/image.h"
#include "common/status.h"
#include "common/text.h"

namespace natter::chat {
namespace {

// Conversations checked for a download's access (a file sent to more is rare; the uploader can
// always download it).
constexpr size_t kMaxRefsChecked = 200;

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

std::string Sha256Hex(crypto_hash_sha256_state& state) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return Hex(digest, sizeof digest);
}

std::string NewFileId() {
  unsigned char id[16];
  randombytes_buf(id, sizeof id);
  return Hex(id, sizeof id);
}

std::string Megabytes(uint64_t bytes) { return fmt::format("{:g} MB", bytes / 1e6); }

bool IsTokenChar(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$&^_.+-").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

absl::Status ValidateFileName(std::string_view name) {
  RETURN_IF_ERROR(ValidateText(name, kMaxFileNameBytes, "file name"));
  if (name.find_first_of("/\\\n\t") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "file name may not contain '/', '\\', tabs or line breaks: give the name alone, without "
        "a folder");
  }
  if (name == "." || name == "..") return absl::InvalidArgumentError("file name is not a name");
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeContentType(std::string_view type) {
  if (type.empty()) return std::string("application/octet-stream");
  if (type.size() > kMaxContentTypeBytes) {
    return absl::InvalidArgumentError("content type is too long: at most 100 characters");
  }
  const size_t slash = type.find('/');
  auto is_token = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return IsTokenChar(static_cast<unsigned char>(c));
    });
  };
  if (slash == std::string_view::npos || !is_token(type.substr(0, slash)) ||
      !is_token(type.substr(slash + 1))) {
    return absl::InvalidArgumentError(
        "content type must look like \"type/subtype\" (e.g. application/pdf), without parameters");
  }
  std::string out(type);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

absl::Status ValidateFileId(std::string_view id) {
  const bool ok = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                  });
  if (!ok) return absl::InvalidArgumentError("a file id is 32 hex digits (from UploadFile)");
  return absl::OkStatus();
}

Upload::~Upload() { service_.Release(*this); }

FileService::FileService(FileStore& files, MessageStore& messages, FileLimits limits,
                         const Clock& clock)
    : files_(files), messages_(messages), limits_(limits), clock_(clock) {
  NATTER_CHECK(sodium_init() >= 0, "libsodium cannot start");
}

void FileService::SweepStaleStaging() {
  // At most once every ten minutes, by whichever upload begins first.
  const int64_t now = clock_.NowMs();
  int64_t last = last_sweep_ms_.load();
  if (now - last < 600'000 || !last_sweep_ms_.compare_exchange_strong(last, now)) return;
  auto dropped = files_.DiscardStaleStaging(now - kStaleStagingMs);
  if (!dropped.ok()) {
    spdlog::warn("cannot drop stale staged uploads: {}", dropped.status().message());
  } else if (*dropped > 0) {
    spdlog::info("dropped {} staged uploads left unfinished", *dropped);
  }
}

absl::StatusOr<std::unique_ptr<Upload>> FileService::Begin(const v1::Caller& caller,
                                                           const v1::UploadStart& start) {
  RETURN_IF_ERROR(ValidateFileName(start.name()));
  ASSIGN_OR_RETURN(auto content_type, NormalizeContentType(start.content_type()));
  if (start.size() == 0) {
    return absl::InvalidArgumentError("the file is empty: say its size (UploadStart.size)");
  }
  if (start.size() > limits_.max_file_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("the file is too large: {} bytes, at most {} allowed", start.size(),
                    Megabytes(limits_.max_file_bytes)));
  }
  const uint64_t me = caller.user_id();
  {
    std::lock_guard lock(mu_);
    size_t& mine = in_flight_[me];
    if (mine >= limits_.max_uploads_in_flight) {
      return absl::ResourceExhaustedError(
          fmt::format("you are uploading {} files already; wait for one to finish", mine));
    }
    ++mine;
  }
  // From here the Upload holds the place (its destructor gives it back).
  std::unique_ptr<Upload> upload(new Upload(*this, me));
  upload->name_ = start.name();
  upload->content_type_ = std::move(content_type);
  upload->size_ = start.size();
  crypto_hash_sha256_init(&upload->sha_);

  const int64_t now = clock_.NowMs();
  ASSIGN_OR_RETURN(auto today, files_.UploadedSince(me, now - 24 * 3600 * 1000));
  if (today + start.size() > limits_.max_daily_bytes) {
    return absl::ResourceExhaustedError(fmt::format(
        "this file would take you over your upload allowance of {} a day (you sent {} in the "
        "last 24 hours); try again later or send a smaller file",
        Megabytes(limits_.max_daily_bytes), Megabytes(today)));
  }
  SweepStaleStaging();
  ASSIGN_OR_RETURN(upload->blob_id_, files_.BeginStaging(me, now));
  return upload;
}

int64_t FileService::PaceUpload(size_t bytes) {
  const uint64_t rate = limits_.upload_bytes_per_second;
  if (rate == 0) return 0;
  const double now = static_cast<double>(clock_.NowMs());
  const double burst_ms = static_cast<double>(limits_.upload_burst_bytes) * 1000.0 / rate;
  std::lock_guard lock(mu_);
  // A quiet spell leaves room for a burst, never more.
  const double start = std::max(paced_until_ms_, now - burst_ms);
  paced_until_ms_ = start + static_cast<double>(bytes) * 1000.0 / rate;
  return paced_until_ms_ > now ? static_cast<int64_t>(std::ceil(paced_until_ms_ - now)) : 0;
}

void FileService::Release(Upload& upload) {
  if (upload.state_ != Upload::State::kFinished && upload.blob_id_ != 0) {
    if (auto s = files_.DiscardStaging(upload.blob_id_); !s.ok()) {
      // The sweep drops it later.
      spdlog::warn("cannot drop a broken upload's staged bytes: {}", s.message());
    }
  }
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(upload.uploader_);
  if (it != in_flight_.end() && --it->second == 0) in_flight_.erase(it);
}

absl::Status FileService::Flush(Upload& upload) {
  if (upload.pending_.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(
      files_.StageChunk(upload.blob_id_, FilePart::kData, upload.next_index_, upload.pending_));
  ++upload.next_index_;
  upload.pending_.clear();
  return absl::OkStatus();
}

absl::Status FileService::Add(Upload& upload, std::string_view data) {
  if (upload.state_ != Upload::State::kStreaming) {
    return absl::FailedPreconditionError("the upload is finished");
  }
  if (data.empty())
    return absl::InvalidArgumentError("an upload chunk after the first carries data");
  if (data.size() > limits_.max_chunk_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("an upload chunk carries at most {} bytes; this one had {}",
                    limits_.max_chunk_bytes, data.size()));
  }
  if (upload.received_ + data.size() > upload.size_) {
    return absl::InvalidArgumentError(
        fmt::format("the upload sent more than the {} bytes its start announced", upload.size_));
  }
  if (upload.received_ == 0) {
    if (auto format = image::Sniff(data)) upload.image_format_ = static_cast<int>(*format);
  }
  upload.received_ += data.size();
  crypto_hash_sha256_update(&upload.sha_, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  while (!data.empty()) {
    const size_t take = std::min(data.size(), kStoredChunkBytes - upload.pending_.size());
    upload.pending_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (upload.pending_.size() == kStoredChunkBytes) RETURN_IF_ERROR(Flush(upload));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::FileInfo> FileService::Publish(Upload& upload, std::string sha256, uint64_t size,
                                                  std::string content_type, uint32_t width,
                                                  uint32_t height, uint64_t thumbnail_size) {
  NewFile file{.id = NewFileId(),
               .sha256 = std::move(sha256),
               .size = size,
               .content_type = std::move(content_type),
               .name = upload.name_,
               .width = width,
               .height = height,
               .thumbnail_size = thumbnail_size,
               .uploader = upload.uploader_,
               .created_at_ms = clock_.NowMs()};
  ASSIGN_OR_RETURN(auto record, files_.Publish(upload.blob_id_, file));
  upload.state_ = Upload::State::kFinished;
  return record.Info();
}

absl::StatusOr<v1::FileInfo> FileService::Finish(Upload& upload) {
  if (upload.state_ != Upload::State::kStreaming) {
    return absl::FailedPreconditionError("the upload is finished");
  }
  if (upload.received_ != upload.size_) {
    return absl::InvalidArgumentError(
        fmt::format("the upload ended after {} of the {} bytes its start announced; send the file "
                    "again",
                    upload.received_, upload.size_));
  }
  RETURN_IF_ERROR(Flush(upload));
  if (upload.is_image()) return FinishImage(upload);
  // A type that claims an image the server did not decode would be shown inline: not so.
  std::string type = upload.content_type_.starts_with("image/") ? "application/octet-stream"
                                                                : upload.content_type_;
  return Publish(upload, Sha256Hex(upload.sha_), upload.size_, std::move(type), 0, 0, 0);
}

absl::StatusOr<v1::FileInfo> FileService::FinishImage(Upload& upload) {
  const auto format = static_cast<image::Format>(upload.image_format_);
  ASSIGN_OR_RETURN(auto original, files_.ReadStaged(upload.blob_id_, FilePart::kData));
  const image::Limits limits{
      .max_side = limits_.max_image_side, .max_pixels = limits_.max_image_pixels, .what = "image"};
  // Only the pixels are stored, upright: EXIF (GPS among it), text chunks and profiles stay behind.
  ASSIGN_OR_RETURN(auto picture, image::MakePicture(original, format, limits, kThumbnailSide));
  original.clear();
  original.shrink_to_fit();
  const std::string& stored = picture.stored;
  const std::string& thumbnail = picture.thumbnail;

  RETURN_IF_ERROR(files_.DropStagedPart(upload.blob_id_, FilePart::kData));
  auto stage = [&](FilePart part, std::string_view bytes) -> absl::Status {
    for (uint32_t index = 0; !bytes.empty(); ++index) {
      const size_t take = std::min(bytes.size(), kStoredChunkBytes);
      RETURN_IF_ERROR(files_.StageChunk(upload.blob_id_, part, index, bytes.substr(0, take)));
      bytes.remove_prefix(take);
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(stage(FilePart::kData, stored));
  RETURN_IF_ERROR(stage(FilePart::kThumbnail, thumbnail));
  crypto_hash_sha256_state sha;
  crypto_hash_sha256_init(&sha);
  crypto_hash_sha256_update(&sha, reinterpret_cast<const unsigned char*>(stored.data()),
                            stored.size());
  return Publish(upload, Sha256Hex(sha), stored.size(), std::string(image::ContentType(format)),
                 static_cast<uint32_t>(picture.width), static_cast<uint32_t>(picture.height),
                 thumbnail.size());
}

absl::Status FileService::CanRead(const v1::Caller& caller, const FileRecord& file) {
  if (file.uploader == caller.user_id()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto conversations, files_.RefConversations(file.id, kMaxRefsChecked));
  for (uint64_t id : conversations) {
    ASSIGN_OR_RETURN(auto c, messages_.FindConversation(id, caller.user_id()));
    if (c.has_value() && c->is_member) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "you cannot open this file: it was not sent to a conversation you are in");
}

absl::StatusOr<FileRecord> FileService::Attachable(const v1::Caller& caller,
                                                   std::string_view file_id) {
  RETURN_IF_ERROR(ValidateFileId(file_id));
  ASSIGN_OR_RETURN(auto file, files_.FindFile(file_id));
  if (!file.has_value()) return absl::NotFoundError("no file " + std::string(file_id));
  RETURN_IF_ERROR(CanRead(caller, *file));
  if (file->created_at_ms < clock_.NowMs() - kUnsentFileWindowMs) {
    // Past the window only a file some message carries is kept (the sweep deletes the rest).
    ASSIGN_OR_RETURN(auto carried, files_.RefConversations(file->id, 1));
    if (carried.empty()) {
      return absl::NotFoundError(
          "no file " + std::string(file_id) +
          ": a file no message carries is kept for 24 hours after its upload; upload it again");
    }
  }
  return std::move(*file);
}

absl::StatusOr<FileService::SweepResult> FileService::Sweep(size_t batch) {
  NATTER_CHECK(batch > 0, "a sweep batch of 0 never ends");
  // Bounded, so one sweep never runs unattended for long; the next one carries on.
  constexpr int kMaxBatches = 1000;
  SweepResult result;
  const int64_t before = clock_.NowMs() - kUnsentFileLifetimeMs;
  for (int i = 0; i < kMaxBatches; ++i) {
    ASSIGN_OR_RETURN(auto dropped, files_.DropUnsentFiles(before, batch));
    result.files += dropped;
    if (dropped < batch) break;
  }
  for (int i = 0; i < kMaxBatches; ++i) {
    ASSIGN_OR_RETURN(auto freed, files_.FreeOrphanBlobs(batch));
    result.blobs += freed.blobs;
    result.bytes += freed.bytes;
    if (freed.blobs < batch) break;
  }
  return result;
}

absl::StatusOr<FileRecord> FileService::OpenDownload(const v1::DownloadRequest& request) {
  ASSIGN_OR_RETURN(auto file, Attachable(request.caller(), request.file_id()));
  if (request.thumbnail() && file.thumbnail_size == 0) {
    return absl::FailedPreconditionError("this file has no thumbnail (only images have one)");
  }
  return file;
}

absl::StatusOr<std::optional<std::string>> FileService::ReadChunk(const FileRecord& file,
                                                                  bool thumbnail, uint32_t index) {
  return files_.ReadChunk(file.blob_id, thumbnail ? FilePart::kThumbnail : FilePart::kData, index);
}

}  // namespace natter::chat
