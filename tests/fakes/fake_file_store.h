// FileStore in memory, for unit tests: blobs, chunks, uploads and refs as maps, with the same
// staging, publish and dedupe rules as MysqlFileStore.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "file_store.h"

namespace natter::fakes {

class FakeFileStore final : public chat::FileStore {
 public:
  struct Blob {
    std::string sha256;  // empty: staged
    chat::NewFile meta;
    int64_t created_at_ms = 0;
  };

  absl::StatusOr<uint64_t> BeginStaging(uint64_t, int64_t now_ms) override {
    std::lock_guard lock(mu_);
    blobs_[++next_blob_].created_at_ms = now_ms;
    return next_blob_;
  }
  absl::Status StageChunk(uint64_t blob_id, chat::FilePart part, uint32_t index,
                          std::string_view data) override {
    std::lock_guard lock(mu_);
    if (!blobs_.count(blob_id)) return absl::NotFoundError("no staged blob");
    if (data.size() > chat::kStoredChunkBytes) return absl::InternalError("chunk too large");
    auto [it, inserted] = chunks_.emplace(Key{blob_id, part, index}, std::string(data));
    if (!inserted) return absl::InternalError("chunk stored twice");
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> ReadStaged(uint64_t blob_id, chat::FilePart part) override {
    std::lock_guard lock(mu_);
    std::string out;
    for (uint32_t i = 0;; ++i) {
      auto it = chunks_.find(Key{blob_id, part, i});
      if (it == chunks_.end()) return out;
      out += it->second;
    }
  }
  absl::Status DropStagedPart(uint64_t blob_id, chat::FilePart part) override {
    std::lock_guard lock(mu_);
    std::erase_if(chunks_, [&](const auto& c) {
      return std::get<0>(c.first) == blob_id && std::get<1>(c.first) == part;
    });
    return absl::OkStatus();
  }
  absl::StatusOr<chat::FileRecord> Publish(uint64_t blob_id, const chat::NewFile& file) override {
    std::lock_guard lock(mu_);
    auto staged = blobs_.find(blob_id);
    if (staged == blobs_.end() || !staged->second.sha256.empty()) {
      return absl::NotFoundError("the upload's staged bytes are gone");
    }
    uint64_t target = blob_id;
    bool deduplicated = false;
    for (const auto& [id, blob] : blobs_) {
      if (blob.sha256 == file.sha256) {
        target = id;
        deduplicated = true;
      }
    }
    if (deduplicated) {
      DropLocked(blob_id);
    } else {
      staged->second.sha256 = file.sha256;
      staged->second.meta = file;
    }
    files_[file.id] = {file, target};
    chat::FileRecord record = RecordLocked(file.id);
    record.deduplicated = deduplicated;
    return record;
  }
  absl::Status DiscardStaging(uint64_t blob_id) override {
    std::lock_guard lock(mu_);
    auto it = blobs_.find(blob_id);
    if (it != blobs_.end() && it->second.sha256.empty()) DropLocked(blob_id);
    return absl::OkStatus();
  }
  absl::StatusOr<size_t> DiscardStaleStaging(int64_t before_ms) override {
    std::lock_guard lock(mu_);
    std::vector<uint64_t> stale;
    for (const auto& [id, blob] : blobs_) {
      if (blob.sha256.empty() && blob.created_at_ms < before_ms) stale.push_back(id);
    }
    for (uint64_t id : stale) DropLocked(id);
    return stale.size();
  }
  absl::StatusOr<std::optional<chat::FileRecord>> FindFile(std::string_view id) override {
    std::lock_guard lock(mu_);
    if (!files_.count(std::string(id))) return std::nullopt;
    return RecordLocked(std::string(id));
  }
  absl::StatusOr<std::optional<std::string>> ReadChunk(uint64_t blob_id, chat::FilePart part,
                                                       uint32_t index) override {
    std::lock_guard lock(mu_);
    auto it = chunks_.find(Key{blob_id, part, index});
    if (it == chunks_.end()) return std::nullopt;
    return it->second;
  }
  absl::StatusOr<uint64_t> UploadedSince(uint64_t uploader, int64_t since_ms) override {
    std::lock_guard lock(mu_);
    uint64_t total = 0;
    for (const auto& [id, f] : files_) {
      if (f.first.uploader == uploader && f.first.created_at_ms >= since_ms) total += f.first.size;
    }
    return total;
  }
  absl::Status AddRef(std::string_view file_id, uint64_t conversation_id, uint64_t seq) override {
    std::lock_guard lock(mu_);
    if (!files_.count(std::string(file_id))) return absl::OkStatus();  // swept: nothing recorded
    refs_.emplace(std::pair{conversation_id, seq}, std::string(file_id));
    return absl::OkStatus();
  }
  absl::Status RemoveRef(uint64_t conversation_id, uint64_t seq) override {
    std::lock_guard lock(mu_);
    refs_.erase({conversation_id, seq});
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<uint64_t>> RefConversations(std::string_view file_id,
                                                         size_t limit) override {
    std::lock_guard lock(mu_);
    std::set<uint64_t> ids;
    for (const auto& [key, id] : refs_) {
      if (id == file_id) ids.insert(key.first);
    }
    std::vector<uint64_t> out(ids.begin(), ids.end());
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  absl::StatusOr<std::map<uint64_t, chat::FileRecord>> Attachments(
      uint64_t conversation_id, const std::vector<uint64_t>& seqs) override {
    std::lock_guard lock(mu_);
    std::map<uint64_t, chat::FileRecord> out;
    for (uint64_t seq : seqs) {
      auto it = refs_.find({conversation_id, seq});
      if (it != refs_.end()) out.emplace(seq, RecordLocked(it->second));
    }
    return out;
  }

  absl::StatusOr<std::map<std::pair<uint64_t, uint64_t>, chat::FileRecord>> AttachmentsAt(
      std::vector<std::pair<uint64_t, uint64_t>> at) override {
    std::lock_guard lock(mu_);
    ++attachment_reads_;
    std::map<std::pair<uint64_t, uint64_t>, chat::FileRecord> out;
    for (const auto& entry : at) {
      auto it = refs_.find(entry);
      if (it != refs_.end()) out.emplace(entry, RecordLocked(it->second));
    }
    return out;
  }

  absl::StatusOr<size_t> DropUnsentFiles(int64_t before_ms, size_t limit) override {
    std::lock_guard lock(mu_);
    std::set<std::string> carried;
    for (const auto& [key, id] : refs_) carried.insert(id);
    size_t dropped = 0;
    std::erase_if(files_, [&](const auto& f) {
      if (dropped == limit || f.second.first.created_at_ms >= before_ms || carried.count(f.first)) {
        return false;
      }
      ++dropped;
      return true;
    });
    return dropped;
  }
  absl::StatusOr<Freed> FreeOrphanBlobs(size_t limit) override {
    std::lock_guard lock(mu_);
    std::set<uint64_t> named;
    for (const auto& [id, f] : files_) named.insert(f.second);
    std::vector<uint64_t> orphans;
    for (const auto& [id, blob] : blobs_) {
      if (!blob.sha256.empty() && !named.count(id) && orphans.size() < limit) orphans.push_back(id);
    }
    Freed freed;
    for (uint64_t id : orphans) {
      freed.bytes += blobs_.at(id).meta.size + blobs_.at(id).meta.thumbnail_size;
      ++freed.blobs;
      DropLocked(id);
    }
    return freed;
  }

  // For assertions.
  size_t blob_count() {
    std::lock_guard lock(mu_);
    return blobs_.size();
  }
  size_t chunk_count() {
    std::lock_guard lock(mu_);
    return chunks_.size();
  }
  // How many AttachmentsAt reads were made.
  int attachment_reads() {
    std::lock_guard lock(mu_);
    return attachment_reads_;
  }

 private:
  using Key = std::tuple<uint64_t, chat::FilePart, uint32_t>;

  void DropLocked(uint64_t blob_id) {
    blobs_.erase(blob_id);
    std::erase_if(chunks_, [&](const auto& c) { return std::get<0>(c.first) == blob_id; });
  }
  chat::FileRecord RecordLocked(const std::string& id) {
    const auto& [upload, blob_id] = files_.at(id);
    const chat::NewFile& blob = blobs_.at(blob_id).meta;
    chat::FileRecord r;
    r.id = id;
    r.blob_id = blob_id;
    r.sha256 = blob.sha256;
    r.size = blob.size;
    r.content_type = blob.content_type;
    r.width = blob.width;
    r.height = blob.height;
    r.thumbnail_size = blob.thumbnail_size;
    r.name = upload.name;
    r.uploader = upload.uploader;
    r.created_at_ms = upload.created_at_ms;
    return r;
  }

  std::mutex mu_;
  uint64_t next_blob_ = 0;
  std::map<uint64_t, Blob> blobs_;
  std::map<Key, std::string> chunks_;
  std::map<std::string, std::pair<chat::NewFile, uint64_t>> files_;  // upload, blob id
  std::map<std::pair<uint64_t, uint64_t>, std::string> refs_;
  int attachment_reads_ = 0;
};

}  // namespace natter::fakes
