// Files to and from the gateway for the GUI (docs/PROTOCOL.md, "Files"): an upload streams its
// source in chunks of 256 KiB (never the whole file in memory), a download streams to a file
// (through FILE.part, renamed once complete) or, for a thumbnail, into memory up to a bound. Each
// runs on gRPC's callback threads with a deadline; progress and the result are posted to the GUI
// thread, and none is delivered once the FileTransfers is destroyed (which cancels what runs).
#pragma once

#include <grpcpp/grpcpp.h>

#include <QByteArray>
#include <QObject>
#include <QString>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api_client.h"
#include "natter/v1/common.pb.h"

namespace natter::client {

// The server's default limit on one file (natter-chat --max-file-bytes): checked before an upload
// starts, so that a too large file is refused at once; the server's own refusal is shown as well.
inline constexpr qint64 kMaxFileBytes = 25 * 1000 * 1000;
// The most a chunk carries (PROTOCOL: 1..262,144 bytes).
inline constexpr qint64 kFileChunkBytes = 256 * 1024;

class FileTransfers : public QObject {
  Q_OBJECT

 public:
  // Progress: bytes done of `total` (an upload's size; a download's `total` from its first chunk).
  using Progress = std::function<void(qint64 done, qint64 total)>;
  // `info`: the stored file (upload) or the one downloaded.
  using Done = std::function<void(const grpc::Status& status, const v1::FileInfo& info)>;
  using Fetched =
      std::function<void(const grpc::Status& status, const v1::FileInfo& info, QByteArray data)>;

  explicit FileTransfers(ApiClient& api, QObject* parent = nullptr);
  // Cancels every transfer still running; their callbacks never run.
  ~FileTransfers() override;

  // Uploads the file at `path` as `name` (its size is taken when it is opened; the read goes on
  // chunk by chunk as each is sent). Returns the transfer's id (for Cancel).
  uint64_t UploadFile(const QString& path, const QString& name, const QString& content_type,
                      Progress progress, Done done);
  // Uploads bytes already in memory (a pasted picture).
  uint64_t UploadBytes(QByteArray bytes, const QString& name, const QString& content_type,
                       Progress progress, Done done);
  // Downloads file `file_id` to `path` (written as `path`.part, renamed at the end; removed when
  // the download fails or is cancelled).
  uint64_t DownloadToFile(const std::string& file_id, const QString& path, Progress progress,
                          Done done);
  // Downloads a file or its thumbnail into memory; one announcing more than `max_bytes` fails.
  uint64_t Fetch(const std::string& file_id, bool thumbnail, qint64 max_bytes, Fetched done);
  // Stops a transfer: its callback runs with CANCELLED (an upload leaves nothing on the server).
  void Cancel(uint64_t id);

  // A failed transfer as a person should read it.
  static QString ErrorText(const grpc::Status& status);

 private:
  struct Call;
  class Uploader;
  class Downloader;
  std::shared_ptr<Call> NewCall(std::chrono::seconds timeout);

  ApiClient& api_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::shared_ptr<Call>> calls_;  // running, by id (GUI thread only)
};

// A message's file on one line, for a preview: "🖼 Photo" for a picture, "📎 report.pdf"
// otherwise.
QString AttachmentSummary(const v1::FileInfo& file);

// A size as people read it: "812 bytes", "48 KB", "3.4 MB" (decimal units, as the server's limits).
QString HumanSize(qint64 bytes);

}  // namespace natter::client
