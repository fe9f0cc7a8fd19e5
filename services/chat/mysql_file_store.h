// FileStore on MySQL/MariaDB (migrations/013_files.sql).
#pragma once

#include "common/mysql_pool.h"
#include "file_store.h"

namespace natter::chat {

class MysqlFileStore final : public FileStore {
 public:
  explicit MysqlFileStore(MysqlPool& pool) : pool_(pool) {}

  absl::StatusOr<uint64_t> BeginStaging(uint64_t uploader, int64_t now_ms) override;
  absl::Status StageChunk(uint64_t blob_id, FilePart part, uint32_t index,
                          std::string_view data) override;
  absl::StatusOr<std::string> ReadStaged(uint64_t blob_id, FilePart part) override;
  absl::Status DropStagedPart(uint64_t blob_id, FilePart part) override;
  absl::StatusOr<FileRecord> Publish(uint64_t blob_id, const NewFile& file) override;
  absl::Status DiscardStaging(uint64_t blob_id) override;
  absl::StatusOr<size_t> DiscardStaleStaging(int64_t before_ms) override;
  absl::StatusOr<std::optional<FileRecord>> FindFile(std::string_view id) override;
  absl::StatusOr<std::optional<std::string>> ReadChunk(uint64_t blob_id, FilePart part,
                                                       uint32_t index) override;
  absl::StatusOr<uint64_t> UploadedSince(uint64_t uploader, int64_t since_ms) override;
  absl::Status AddRef(std::string_view file_id, uint64_t conversation_id, uint64_t seq) override;
  absl::Status RemoveRef(uint64_t conversation_id, uint64_t seq) override;
  absl::StatusOr<std::vector<uint64_t>> RefConversations(std::string_view file_id,
                                                         size_t limit) override;
  absl::StatusOr<std::map<uint64_t, FileRecord>> Attachments(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) override;
  absl::StatusOr<std::map<std::pair<uint64_t, uint64_t>, FileRecord>> AttachmentsAt(
      std::vector<std::pair<uint64_t, uint64_t>> at) override;
  absl::StatusOr<size_t> DropUnsentFiles(int64_t before_ms, size_t limit) override;
  absl::StatusOr<Freed> FreeOrphanBlobs(size_t limit) override;

 private:
  // Deletes the chunks of `blob_id` (all parts, or one) a few at a time, each batch its own
  // statement, so no writeset holds a whole file.
  absl::Status DropChunks(uint64_t blob_id, std::optional<FilePart> part);

  MysqlPool& pool_;
};

}  // namespace natter::chat
