// Files (pictures and other attachments) as natter-chat stores them: blobs keyed by the SHA-256 of
// their stored bytes (one copy however often they are uploaded), the uploads that name a blob
// (file id, name, uploader), and which messages carry an upload. An upload's bytes are staged in
// chunks under a blob of their own while they stream in; its last chunk either publishes that
// blob or, when the same bytes are stored already, links to the stored one and drops the staged
// chunks. MariaDB in production (mysql_file_store.h), a fake in unit tests; an object store could
// implement it later.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "natter/v1/common.pb.h"

namespace natter::chat {

// The parts of a blob: its bytes and (images) its thumbnail.
enum class FilePart : uint32_t { kData = 0, kThumbnail = 1 };

// One stored chunk is at most this many bytes (so no row is large: Galera replicates each
// statement's rows as one writeset); only a part's last chunk is shorter.
inline constexpr size_t kStoredChunkBytes = 256 * 1024;

// What Publish records.
struct NewFile {
  std::string id;      // 32 hex digits, random
  std::string sha256;  // 64 hex digits, of the stored bytes
  uint64_t size = 0;
  std::string content_type;
  std::string name;
  uint32_t width = 0;
  uint32_t height = 0;
  uint64_t thumbnail_size = 0;  // 0: none
  uint64_t uploader = 0;
  int64_t created_at_ms = 0;
};

struct FileRecord {
  std::string id;
  uint64_t blob_id = 0;
  std::string sha256;
  uint64_t size = 0;
  std::string content_type;
  std::string name;
  uint32_t width = 0;
  uint32_t height = 0;
  uint64_t thumbnail_size = 0;
  uint64_t uploader = 0;
  int64_t created_at_ms = 0;
  bool deduplicated = false;  // Publish only: the bytes were stored already

  // As clients see it.
  v1::FileInfo Info() const {
    v1::FileInfo info;
    info.set_file_id(id);
    info.set_name(name);
    info.set_content_type(content_type);
    info.set_size(size);
    info.set_width(width);
    info.set_height(height);
    info.set_has_thumbnail(thumbnail_size > 0);
    info.set_sha256(sha256);
    info.set_uploader_id(uploader);
    info.set_uploaded_at_ms(created_at_ms);
    return info;
  }
};

class FileStore {
 public:
  virtual ~FileStore() = default;

  // A new staged blob for an upload by `uploader`: its id.
  virtual absl::StatusOr<uint64_t> BeginStaging(uint64_t uploader, int64_t now_ms) = 0;
  // Stores chunk `index` (0, 1, ...) of `part` of a staged blob.
  virtual absl::Status StageChunk(uint64_t blob_id, FilePart part, uint32_t index,
                                  std::string_view data) = 0;
  // All of a staged part, in order (an image, to re-encode it; at most the per-file limit).
  virtual absl::StatusOr<std::string> ReadStaged(uint64_t blob_id, FilePart part) = 0;
  // Drops the chunks of one part of a staged blob (an image's original, once re-encoded).
  virtual absl::Status DropStagedPart(uint64_t blob_id, FilePart part) = 0;
  // Records the upload `file` over the staged blob: when a published blob has file.sha256, the
  // upload names that one and the staged blob is dropped (deduplicated); otherwise the staged blob
  // is published under file.sha256.
  virtual absl::StatusOr<FileRecord> Publish(uint64_t blob_id, const NewFile& file) = 0;
  // Drops a staged blob and its chunks (an upload that failed or was cut off).
  virtual absl::Status DiscardStaging(uint64_t blob_id) = 0;
  // Drops staged blobs begun before `before_ms` (left by a replica that died mid-upload): how many.
  virtual absl::StatusOr<size_t> DiscardStaleStaging(int64_t before_ms) = 0;

  virtual absl::StatusOr<std::optional<FileRecord>> FindFile(std::string_view id) = 0;
  // Chunk `index` of a published blob's part; nullopt past its last chunk.
  virtual absl::StatusOr<std::optional<std::string>> ReadChunk(uint64_t blob_id, FilePart part,
                                                               uint32_t index) = 0;
  // The bytes of the uploads `uploader` made since `since_ms` (duplicates count: each was sent).
  virtual absl::StatusOr<uint64_t> UploadedSince(uint64_t uploader, int64_t since_ms) = 0;

  // Message `seq` of a conversation carries file `file_id` (idempotent). Nothing is recorded when
  // the file is gone (swept between the send's check and this call): the message then shows no
  // attachment rather than one that cannot be opened.
  virtual absl::Status AddRef(std::string_view file_id, uint64_t conversation_id, uint64_t seq) = 0;
  // The message no longer carries its file (it was deleted).
  virtual absl::Status RemoveRef(uint64_t conversation_id, uint64_t seq) = 0;
  // The conversations whose messages carry `file_id`, at most `limit`.
  virtual absl::StatusOr<std::vector<uint64_t>> RefConversations(std::string_view file_id,
                                                                 size_t limit) = 0;
  // The files messages `seqs` of a conversation carry, by seq (those without one left out).
  virtual absl::StatusOr<std::map<uint64_t, FileRecord>> Attachments(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) = 0;
  // The files entries `at` (conversation id, seq) carry, by entry (those without one left out): the
  // latest messages of a user's conversations, for their previews, in one read however many.
  virtual absl::StatusOr<std::map<std::pair<uint64_t, uint64_t>, FileRecord>> AttachmentsAt(
      std::vector<std::pair<uint64_t, uint64_t>> at) = 0;

  // The sweep (FileService::Sweep). Idempotent, so replicas sweeping at once only repeat a look:
  // each row goes in a statement that checks the rule again.
  // Drops at most `limit` uploads made before `before_ms` that no message carries (never sent, or
  // every message that carried them deleted): how many.
  virtual absl::StatusOr<size_t> DropUnsentFiles(int64_t before_ms, size_t limit) = 0;
  // Frees at most `limit` published blobs no upload names any more (their bytes and thumbnail go):
  // how many, and their bytes (data and thumbnail).
  struct Freed {
    size_t blobs = 0;
    uint64_t bytes = 0;
  };
  virtual absl::StatusOr<Freed> FreeOrphanBlobs(size_t limit) = 0;
};

}  // namespace natter::chat
