#include "mysql_file_store.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <sstream>

#include "common/check.h"

namespace natter::chat {
namespace {

using Rows = std::unique_ptr<sql::ResultSet>;

sql::PreparedStatement& Prepare(sql::Connection& conn, const std::string& sql) {
  return CachedStatement(conn, sql);
}

std::string ReadBlob(sql::ResultSet& row, int column) {
  std::unique_ptr<std::istream> blob(row.getBlob(column));
  return std::string((std::istreambuf_iterator<char>(*blob)), std::istreambuf_iterator<char>());
}

// SHA-256 as 64 hex digits (records, clients) and as the 32 bytes the column holds.
std::string HexToBytes(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  return out;
}

std::string BytesToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The columns ReadFile reads, of files f joined with file_blobs b.
constexpr char kFileFields[] =
    "f.id, f.blob_id, b.sha256, b.size, b.content_type, f.name, b.width, b.height, "
    "b.thumbnail_size, f.uploader, f.created_at_ms ";
// The files of file_refs r.
constexpr char kRefFiles[] =
    "FROM file_refs r JOIN files f ON f.id = r.file_id JOIN file_blobs b ON b.id = f.blob_id ";

// A file from kFileFields' eleven columns, starting at column `first`.
FileRecord ReadFile(sql::ResultSet& row, int first = 1) {
  const auto at = [first](int column) { return first + column - 1; };
  FileRecord f;
  f.id = row.getString(at(1));
  f.blob_id = row.getUInt64(at(2));
  f.sha256 = BytesToHex(ReadBlob(row, at(3)));
  f.size = row.getUInt64(at(4));
  f.content_type = row.getString(at(5));
  f.name = row.getString(at(6));
  f.width = row.getUInt(at(7));
  f.height = row.getUInt(at(8));
  f.thumbnail_size = row.getUInt64(at(9));
  f.uploader = row.getUInt64(at(10));
  f.created_at_ms = row.getInt64(at(11));
  return f;
}

// Chunks deleted per statement (8 x 256 KiB: a 2 MiB writeset at most).
constexpr int kChunksPerDelete = 8;

}  // namespace

absl::StatusOr<uint64_t> MysqlFileStore::BeginStaging(uint64_t uploader, int64_t now_ms) {
  return pool_.Run("stage file", [&](sql::Connection& conn) -> absl::StatusOr<uint64_t> {
    sql::PreparedStatement& insert =
        Prepare(conn, "INSERT INTO file_blobs (staged_by, created_at_ms) VALUES (?, ?)");
    insert.setUInt64(1, uploader);
    insert.setInt64(2, now_ms);
    insert.executeUpdate();
    return LastInsertId(conn);
  });
}

absl::Status MysqlFileStore::StageChunk(uint64_t blob_id, FilePart part, uint32_t index,
                                        std::string_view data) {
  return pool_.Run("stage file chunk", [&](sql::Connection& conn) -> absl::Status {
    sql::PreparedStatement& insert =
        Prepare(conn, "INSERT INTO file_chunks (blob_id, part, idx, data) VALUES (?, ?, ?, ?)");
    std::istringstream blob{std::string(data)};
    insert.setUInt64(1, blob_id);
    insert.setUInt(2, static_cast<uint32_t>(part));
    insert.setUInt(3, index);
    insert.setBlob(4, &blob);
    insert.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> MysqlFileStore::ReadStaged(uint64_t blob_id, FilePart part) {
  std::string out;
  for (uint32_t index = 0;; ++index) {
    auto chunk = ReadChunk(blob_id, part, index);
    if (!chunk.ok()) return chunk.status();
    if (!chunk->has_value()) break;
    out += **chunk;
  }
  return out;
}

absl::Status MysqlFileStore::DropChunks(uint64_t blob_id, std::optional<FilePart> part) {
  for (;;) {
    auto deleted = pool_.Run("drop file chunks", [&](sql::Connection& conn) -> absl::StatusOr<int> {
      if (part.has_value()) {
        sql::PreparedStatement& del = Prepare(
            conn, "DELETE FROM file_chunks WHERE blob_id = ? AND part = ? ORDER BY idx LIMIT 8");
        del.setUInt64(1, blob_id);
        del.setUInt(2, static_cast<uint32_t>(*part));
        return del.executeUpdate();
      }
      sql::PreparedStatement& del =
          Prepare(conn, "DELETE FROM file_chunks WHERE blob_id = ? ORDER BY part, idx LIMIT 8");
      del.setUInt64(1, blob_id);
      return del.executeUpdate();
    });
    if (!deleted.ok()) return deleted.status();
    if (*deleted < kChunksPerDelete) return absl::OkStatus();
  }
}

absl::Status MysqlFileStore::DropStagedPart(uint64_t blob_id, FilePart part) {
  return DropChunks(blob_id, part);
}

absl::StatusOr<FileRecord> MysqlFileStore::Publish(uint64_t blob_id, const NewFile& file) {
  const std::string sha = HexToBytes(file.sha256);
  auto attempt = [&] {
    return pool_.Run("publish file", [&](sql::Connection& conn) -> absl::StatusOr<FileRecord> {
      Transaction tx(conn);
      sql::PreparedStatement& find =
          Prepare(conn, "SELECT id FROM file_blobs WHERE sha256 = ? FOR UPDATE");
      std::istringstream key{sha};
      find.setBlob(1, &key);
      Rows existing(find.executeQuery());
      uint64_t target = blob_id;
      bool deduplicated = false;
      if (existing->next()) {
        target = existing->getUInt64(1);
        deduplicated = true;
        // The link writes the blob row too, as the sweep's unpublishing does: on Galera, where the
        // two may run on different nodes (around a change of writer) and a FOR UPDATE lock is only
        // local, certification then lets only one of them commit.
        sql::PreparedStatement& touch =
            Prepare(conn, "UPDATE file_blobs SET created_at_ms = ? WHERE id = ?");
        touch.setInt64(1, file.created_at_ms);
        touch.setUInt64(2, target);
        touch.executeUpdate();
      } else {
        sql::PreparedStatement& publish = Prepare(
            conn,
            "UPDATE file_blobs SET sha256 = ?, size = ?, content_type = ?, width = ?, height = ?, "
            "thumbnail_size = ? WHERE id = ? AND sha256 IS NULL");
        std::istringstream value{sha};
        publish.setBlob(1, &value);
        publish.setUInt64(2, file.size);
        publish.setString(3, file.content_type);
        publish.setUInt(4, file.width);
        publish.setUInt(5, file.height);
        publish.setUInt64(6, file.thumbnail_size);
        publish.setUInt64(7, blob_id);
        if (publish.executeUpdate() != 1) {
          return absl::NotFoundError("the upload's staged bytes are gone; send the file again");
        }
      }
      sql::PreparedStatement& insert =
          Prepare(conn,
                  "INSERT INTO files (id, blob_id, name, uploader, size, created_at_ms) "
                  "VALUES (?, ?, ?, ?, ?, ?)");
      insert.setString(1, file.id);
      insert.setUInt64(2, target);
      insert.setString(3, file.name);
      insert.setUInt64(4, file.uploader);
      insert.setUInt64(5, file.size);
      insert.setInt64(6, file.created_at_ms);
      insert.executeUpdate();
      tx.Commit();
      FileRecord record;
      record.id = file.id;
      record.blob_id = target;
      record.sha256 = file.sha256;
      record.size = file.size;
      record.content_type = file.content_type;
      record.name = file.name;
      record.width = file.width;
      record.height = file.height;
      record.thumbnail_size = file.thumbnail_size;
      record.uploader = file.uploader;
      record.created_at_ms = file.created_at_ms;
      record.deduplicated = deduplicated;
      return record;
    });
  };
  auto published = attempt();
  if (!published.ok() && published.status().code() != absl::StatusCode::kNotFound) {
    // Two uploads of the same bytes finishing at once: the second's UPDATE hits the UNIQUE key
    // (a duplicate or a lock conflict). The other one is published by now: once more, as a link.
    published = attempt();
  }
  if (!published.ok()) return published.status();
  if (published->deduplicated) {
    // The staged copy is not needed: its chunks go in batches, then its row.
    if (auto s = DiscardStaging(blob_id); !s.ok()) return s;
  }
  return published;
}

absl::Status MysqlFileStore::DiscardStaging(uint64_t blob_id) {
  if (auto s = DropChunks(blob_id, std::nullopt); !s.ok()) return s;
  return pool_.Run("discard staged file", [&](sql::Connection& conn) -> absl::Status {
    sql::PreparedStatement& del =
        Prepare(conn, "DELETE FROM file_blobs WHERE id = ? AND sha256 IS NULL");
    del.setUInt64(1, blob_id);
    del.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<size_t> MysqlFileStore::DiscardStaleStaging(int64_t before_ms) {
  auto stale = pool_.Run(
      "find stale staged files",
      [&](sql::Connection& conn) -> absl::StatusOr<std::vector<uint64_t>> {
        sql::PreparedStatement& find = Prepare(
            conn, "SELECT id FROM file_blobs WHERE sha256 IS NULL AND created_at_ms < ? LIMIT 100");
        find.setInt64(1, before_ms);
        Rows rows(find.executeQuery());
        std::vector<uint64_t> ids;
        while (rows->next()) ids.push_back(rows->getUInt64(1));
        return ids;
      });
  if (!stale.ok()) return stale.status();
  for (uint64_t id : *stale) {
    if (auto s = DiscardStaging(id); !s.ok()) return s;
  }
  return stale->size();
}

absl::StatusOr<std::optional<FileRecord>> MysqlFileStore::FindFile(std::string_view id) {
  return pool_.Run(
      "find file", [&](sql::Connection& conn) -> absl::StatusOr<std::optional<FileRecord>> {
        sql::PreparedStatement& find =
            Prepare(conn, std::string("SELECT ") + kFileFields +
                              "FROM files f JOIN file_blobs b ON b.id = f.blob_id WHERE f.id = ?");
        find.setString(1, std::string(id));
        Rows row(find.executeQuery());
        if (!row->next()) return std::nullopt;
        return ReadFile(*row);
      });
}

absl::StatusOr<std::optional<std::string>> MysqlFileStore::ReadChunk(uint64_t blob_id,
                                                                     FilePart part,
                                                                     uint32_t index) {
  return pool_.Run(
      "read file chunk", [&](sql::Connection& conn) -> absl::StatusOr<std::optional<std::string>> {
        sql::PreparedStatement& read = Prepare(
            conn, "SELECT data FROM file_chunks WHERE blob_id = ? AND part = ? AND idx = ?");
        read.setUInt64(1, blob_id);
        read.setUInt(2, static_cast<uint32_t>(part));
        read.setUInt(3, index);
        Rows row(read.executeQuery());
        if (!row->next()) return std::nullopt;
        return ReadBlob(*row, 1);
      });
}

absl::StatusOr<uint64_t> MysqlFileStore::UploadedSince(uint64_t uploader, int64_t since_ms) {
  return pool_.Run("sum uploads", [&](sql::Connection& conn) -> absl::StatusOr<uint64_t> {
    sql::PreparedStatement& sum =
        Prepare(conn,
                "SELECT CAST(COALESCE(SUM(size), 0) AS UNSIGNED) FROM files "
                "WHERE uploader = ? AND created_at_ms >= ?");
    sum.setUInt64(1, uploader);
    sum.setInt64(2, since_ms);
    Rows row(sum.executeQuery());
    return row->next() ? row->getUInt64(1) : 0;
  });
}

absl::Status MysqlFileStore::AddRef(std::string_view file_id, uint64_t conversation_id,
                                    uint64_t seq) {
  return pool_.Run("add file ref", [&](sql::Connection& conn) -> absl::Status {
    // INSERT ... SELECT reads the files row with a shared lock: the sweep's DELETE of it waits for
    // this, or this finds it gone and records nothing.
    sql::PreparedStatement& insert =
        Prepare(conn,
                "INSERT IGNORE INTO file_refs (conversation_id, seq, file_id) "
                "SELECT ?, ?, id FROM files WHERE id = ?");
    insert.setUInt64(1, conversation_id);
    insert.setUInt64(2, seq);
    insert.setString(3, std::string(file_id));
    insert.executeUpdate();
    return absl::OkStatus();
  });
}

absl::Status MysqlFileStore::RemoveRef(uint64_t conversation_id, uint64_t seq) {
  return pool_.Run("remove file ref", [&](sql::Connection& conn) -> absl::Status {
    sql::PreparedStatement& del =
        Prepare(conn, "DELETE FROM file_refs WHERE conversation_id = ? AND seq = ?");
    del.setUInt64(1, conversation_id);
    del.setUInt64(2, seq);
    del.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<uint64_t>> MysqlFileStore::RefConversations(std::string_view file_id,
                                                                       size_t limit) {
  return pool_.Run(
      "file ref conversations",
      [&](sql::Connection& conn) -> absl::StatusOr<std::vector<uint64_t>> {
        sql::PreparedStatement& find = Prepare(
            conn, "SELECT DISTINCT conversation_id FROM file_refs WHERE file_id = ? LIMIT ?");
        find.setString(1, std::string(file_id));
        find.setUInt64(2, limit);
        Rows rows(find.executeQuery());
        std::vector<uint64_t> ids;
        while (rows->next()) ids.push_back(rows->getUInt64(1));
        return ids;
      });
}

absl::StatusOr<std::map<uint64_t, FileRecord>> MysqlFileStore::Attachments(
    uint64_t conversation_id, const std::vector<uint64_t>& seqs) {
  std::map<uint64_t, FileRecord> out;
  if (seqs.empty()) return out;
  const uint64_t low = *std::min_element(seqs.begin(), seqs.end());
  const uint64_t high = *std::max_element(seqs.begin(), seqs.end());
  // A page of messages is a seq range: one range read by key, then only the asked-for seqs kept.
  auto found =
      pool_.Run("read attachments",
                [&](sql::Connection& conn) -> absl::StatusOr<std::map<uint64_t, FileRecord>> {
                  sql::PreparedStatement& read =
                      Prepare(conn, std::string("SELECT r.seq, ") + kFileFields + kRefFiles +
                                        "WHERE r.conversation_id = ? AND r.seq BETWEEN ? AND ?");
                  read.setUInt64(1, conversation_id);
                  read.setUInt64(2, low);
                  read.setUInt64(3, high);
                  Rows rows(read.executeQuery());
                  std::map<uint64_t, FileRecord> all;
                  while (rows->next()) all.emplace(rows->getUInt64(1), ReadFile(*rows, 2));
                  return all;
                });
  if (!found.ok()) return found.status();
  for (uint64_t seq : seqs) {
    if (auto it = found->find(seq); it != found->end()) out.emplace(seq, it->second);
  }
  return out;
}

absl::StatusOr<std::map<std::pair<uint64_t, uint64_t>, FileRecord>> MysqlFileStore::AttachmentsAt(
    std::vector<std::pair<uint64_t, uint64_t>> at) {
  using Entry = std::pair<uint64_t, uint64_t>;
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  // Primary-key lookups ORed together, padded with (0, 0) (no entry has seq 0) to one of a few
  // lengths, so the statement cache holds at most three statements for this read.
  constexpr size_t kListSizes[] = {1, 8, 64};
  return pool_.Run(
      "read attachments of entries",
      [&](sql::Connection& conn) -> absl::StatusOr<std::map<Entry, FileRecord>> {
        std::map<Entry, FileRecord> out;
        for (size_t from = 0; from < at.size(); from += kListSizes[2]) {
          const size_t n = std::min(at.size() - from, kListSizes[2]);
          const size_t width = *std::find_if(std::begin(kListSizes), std::end(kListSizes),
                                             [n](size_t size) { return size >= n; });
          std::string sql = std::string("SELECT r.conversation_id, r.seq, ") + kFileFields +
                            kRefFiles + "WHERE (r.conversation_id = ? AND r.seq = ?)";
          for (size_t i = 1; i < width; ++i) sql += " OR (r.conversation_id = ? AND r.seq = ?)";
          sql::PreparedStatement& read = Prepare(conn, sql);
          for (size_t i = 0; i < width; ++i) {
            const Entry entry = i < n ? at[from + i] : Entry{0, 0};
            read.setUInt64(static_cast<unsigned>(2 * i + 1), entry.first);
            read.setUInt64(static_cast<unsigned>(2 * i + 2), entry.second);
          }
          Rows rows(read.executeQuery());
          while (rows->next()) {
            out.emplace(Entry{rows->getUInt64(1), rows->getUInt64(2)}, ReadFile(*rows, 3));
          }
        }
        return out;
      });
}

absl::StatusOr<size_t> MysqlFileStore::DropUnsentFiles(int64_t before_ms, size_t limit) {
  auto candidates = pool_.Run(
      "find unsent files", [&](sql::Connection& conn) -> absl::StatusOr<std::vector<std::string>> {
        sql::PreparedStatement& find =
            Prepare(conn,
                    "SELECT f.id FROM files f LEFT JOIN file_refs r ON r.file_id = f.id "
                    "WHERE r.file_id IS NULL AND f.created_at_ms < ? LIMIT ?");
        find.setInt64(1, before_ms);
        find.setUInt64(2, limit);
        Rows rows(find.executeQuery());
        std::vector<std::string> ids;
        while (rows->next()) ids.push_back(rows->getString(1));
        return ids;
      });
  if (!candidates.ok()) return candidates.status();
  size_t dropped = 0;
  for (const std::string& id : *candidates) {
    // The rule again, in the statement that deletes: a ref added since the look keeps the file
    // (the subquery's read locks the refs it finds, as AddRef's read locks the file).
    auto deleted = pool_.Run("drop unsent file", [&](sql::Connection& conn) -> absl::StatusOr<int> {
      sql::PreparedStatement& del =
          Prepare(conn,
                  "DELETE FROM files WHERE id = ? AND created_at_ms < ? AND NOT EXISTS "
                  "(SELECT 1 FROM file_refs r WHERE r.file_id = ?)");
      del.setString(1, id);
      del.setInt64(2, before_ms);
      del.setString(3, id);
      return del.executeUpdate();
    });
    if (!deleted.ok()) return deleted.status();
    dropped += static_cast<size_t>(*deleted);
  }
  return dropped;
}

absl::StatusOr<FileStore::Freed> MysqlFileStore::FreeOrphanBlobs(size_t limit) {
  auto candidates =
      pool_.Run("find orphan file blobs",
                [&](sql::Connection& conn) -> absl::StatusOr<std::vector<uint64_t>> {
                  sql::PreparedStatement& find =
                      Prepare(conn,
                              "SELECT b.id FROM file_blobs b LEFT JOIN files f ON f.blob_id = b.id "
                              "WHERE b.sha256 IS NOT NULL AND f.id IS NULL LIMIT ?");
                  find.setUInt64(1, limit);
                  Rows rows(find.executeQuery());
                  std::vector<uint64_t> ids;
                  while (rows->next()) ids.push_back(rows->getUInt64(1));
                  return ids;
                });
  if (!candidates.ok()) return candidates.status();
  Freed freed;
  for (uint64_t id : *candidates) {
    // Under the blob row's lock (the one Publish takes to link to stored bytes), checked again
    // and turned back into a staged blob of no one's: a Publish after this finds no stored copy
    // and keeps its own, and the chunks go as a discarded upload's do (or, if this replica
    // stops first, with the stale staged uploads).
    auto unpublished = pool_.Run(
        "unpublish orphan file blob",
        [&](sql::Connection& conn) -> absl::StatusOr<std::optional<uint64_t>> {
          Transaction tx(conn);
          sql::PreparedStatement& lock = Prepare(
              conn,
              "SELECT size + thumbnail_size FROM file_blobs WHERE id = ? AND sha256 IS NOT NULL "
              "FOR UPDATE");
          lock.setUInt64(1, id);
          Rows blob(lock.executeQuery());
          if (!blob->next()) return std::nullopt;  // freed by another replica
          const uint64_t bytes = blob->getUInt64(1);
          sql::PreparedStatement& named =
              Prepare(conn, "SELECT 1 FROM files WHERE blob_id = ? LIMIT 1 LOCK IN SHARE MODE");
          named.setUInt64(1, id);
          Rows upload(named.executeQuery());
          if (upload->next()) return std::nullopt;  // linked to again since the look
          sql::PreparedStatement& unpublish =
              Prepare(conn,
                      "UPDATE file_blobs SET sha256 = NULL, staged_by = 0, created_at_ms = 0 "
                      "WHERE id = ?");
          unpublish.setUInt64(1, id);
          unpublish.executeUpdate();
          tx.Commit();
          return bytes;
        });
    if (!unpublished.ok()) return unpublished.status();
    if (!unpublished->has_value()) continue;
    if (auto s = DiscardStaging(id); !s.ok()) return s;
    ++freed.blobs;
    freed.bytes += **unpublished;
  }
  return freed;
}

}  // namespace natter::chat
