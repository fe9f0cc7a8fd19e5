// natter-chat's files: the rules of an upload (name, type, sizes, the per-user daily total and
// uploads in flight), its bytes staged chunk by chunk with their SHA-256 taken as they pass, images
// re-encoded (nothing but pixels kept) with a thumbnail, and who may download a file or attach it
// to a message. The gRPC edge (file_grpc.h) drives an Upload from a client stream.
#pragma once

#include <sodium.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "file_store.h"
#include "message_store.h"
#include "natter/v1/chat.pb.h"

namespace natter::chat {

struct FileLimits {
  uint64_t max_file_bytes = 25'000'000;    // one upload (25 MB)
  uint64_t max_daily_bytes = 500'000'000;  // one user's uploads in any 24 hours (500 MB)
  size_t max_chunk_bytes = 256 * 1024;     // one UploadChunk's data
  size_t max_uploads_in_flight = 3;        // one user's uploads at once, per chat replica
  int max_image_side = 8192;               // an image's width and height, each
  int64_t max_image_pixels = 25'000'000;   // an image's width x height
  // All uploads on one chat replica together store at most this many bytes a second (after a
  // burst of upload_burst_bytes), so a big upload cannot take the database's writes from messages.
  // 0: no limit.
  uint64_t upload_bytes_per_second = 8'000'000;
  uint64_t upload_burst_bytes = 4'000'000;
};

inline constexpr size_t kMaxFileNameBytes = 255;
inline constexpr size_t kMaxContentTypeBytes = 100;
// A thumbnail's longer side, in pixels (smaller images keep their size).
inline constexpr int kThumbnailSide = 320;
// Staged uploads older than this are a replica's that died mid-upload, and are dropped.
inline constexpr int64_t kStaleStagingMs = 3600 * 1000;
// An upload no message carries (never sent, or every message that carried it deleted) can be sent
// or downloaded for this long after its upload; after it, it is NOT_FOUND to everyone...
inline constexpr int64_t kUnsentFileWindowMs = 24 * 3600 * 1000;
// ...and the sweep deletes it this long after its upload: a day after the window, so a send that
// passed the check inside the window has long recorded its message's ref by then.
inline constexpr int64_t kUnsentFileLifetimeMs = 48 * 3600 * 1000;

// "The file name is fine": 1..255 bytes of UTF-8, no '/', '\', control characters, "." or "..".
absl::Status ValidateFileName(std::string_view name);
// The content type as stored: a lowercased "type/subtype" (empty: application/octet-stream), or
// INVALID_ARGUMENT.
absl::StatusOr<std::string> NormalizeContentType(std::string_view type);
// A file id is 32 lowercase hex digits.
absl::Status ValidateFileId(std::string_view id);

class FileService;

// One upload in progress: created by FileService::Begin, fed by Add, ended by Finish (or dropped,
// which discards what was staged). Holds one of the user's in-flight places until destroyed.
class Upload {
 public:
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  bool is_image() const { return image_format_ >= 0; }
  uint64_t received() const { return received_; }

 private:
  friend class FileService;
  Upload(FileService& service, uint64_t uploader) : service_(service), uploader_(uploader) {}

  enum class State { kStreaming, kFinished };

  FileService& service_;
  const uint64_t uploader_;
  std::string name_;
  std::string content_type_;
  uint64_t size_ = 0;
  uint64_t received_ = 0;
  uint64_t blob_id_ = 0;
  uint32_t next_index_ = 0;
  int image_format_ = -1;  // an image::Format, once the first bytes name one
  std::string pending_;    // bytes not yet stored: less than one stored chunk
  crypto_hash_sha256_state sha_;
  State state_ = State::kStreaming;
};

class FileService {
 public:
  FileService(FileStore& files, MessageStore& messages, FileLimits limits, const Clock& clock);

  // Checks `start` and the caller's limits, and stages a new blob.
  absl::StatusOr<std::unique_ptr<Upload>> Begin(const v1::Caller& caller,
                                                const v1::UploadStart& start);
  // The next bytes of the upload, in order.
  absl::Status Add(Upload& upload, std::string_view data);
  // All bytes are in: re-encodes an image, then publishes (or links to the same bytes stored
  // already). Images take a decoder's time and memory: run it on a bounded pool.
  absl::StatusOr<v1::FileInfo> Finish(Upload& upload);

  // The file `request` names, if the caller may download it: the uploader, or a member of a
  // conversation a message carrying it was sent to. NOT_FOUND, PERMISSION_DENIED.
  absl::StatusOr<FileRecord> OpenDownload(const v1::DownloadRequest& request);
  // Chunk `index` of the file (or its thumbnail); nullopt after the last.
  absl::StatusOr<std::optional<std::string>> ReadChunk(const FileRecord& file, bool thumbnail,
                                                       uint32_t index);

  // The file a message by `caller` may carry: theirs, or one they can download.
  absl::StatusOr<FileRecord> Attachable(const v1::Caller& caller, std::string_view file_id);

  // Messages that carry files (ChatService): message `seq` carries `file_id`; it no longer does
  // (deleted); the files of a page of messages, by seq; those of entries of several conversations
  // (the previews of a conversation list).
  absl::Status AddRef(std::string_view file_id, uint64_t conversation_id, uint64_t seq) {
    return files_.AddRef(file_id, conversation_id, seq);
  }
  absl::Status RemoveRef(uint64_t conversation_id, uint64_t seq) {
    return files_.RemoveRef(conversation_id, seq);
  }
  absl::StatusOr<std::map<uint64_t, FileRecord>> Attachments(uint64_t conversation_id,
                                                             const std::vector<uint64_t>& seqs) {
    return files_.Attachments(conversation_id, seqs);
  }
  absl::StatusOr<std::map<std::pair<uint64_t, uint64_t>, FileRecord>> AttachmentsAt(
      std::vector<std::pair<uint64_t, uint64_t>> at) {
    return files_.AttachmentsAt(std::move(at));
  }

  // One sweep (FileSweep runs it every hour): uploads no message carries, made more than
  // kUnsentFileLifetimeMs ago, are deleted; then the stored bytes no upload names any more are
  // freed. Batches of `batch` until one comes back short.
  struct SweepResult {
    size_t files = 0;
    size_t blobs = 0;
    uint64_t bytes = 0;  // freed: data and thumbnails
  };
  absl::StatusOr<SweepResult> Sweep(size_t batch = 100);

  const FileLimits& limits() const { return limits_; }

  // Milliseconds the next `bytes` of some upload wait before they are stored (0: store them now),
  // so that this replica's uploads together keep to limits_.upload_bytes_per_second. Each call
  // reserves its place: calls are served in order.
  int64_t PaceUpload(size_t bytes);

 private:
  friend class Upload;
  absl::Status CanRead(const v1::Caller& caller, const FileRecord& file);
  // Stores `upload`'s pending bytes as its next chunk.
  absl::Status Flush(Upload& upload);
  absl::StatusOr<v1::FileInfo> Publish(Upload& upload, std::string sha256, uint64_t size,
                                       std::string content_type, uint32_t width, uint32_t height,
                                       uint64_t thumbnail_size);
  absl::StatusOr<v1::FileInfo> FinishImage(Upload& upload);
  void Release(Upload& upload);
  void SweepStaleStaging();

  FileStore& files_;
  MessageStore& messages_;
  const FileLimits limits_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<uint64_t, size_t> in_flight_ ABSL_GUARDED_BY(mu_);
  // When the bytes reserved so far have all been stored at the paced rate (clock_ milliseconds).
  double paced_until_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int64_t> last_sweep_ms_{0};
};

}  // namespace natter::chat
