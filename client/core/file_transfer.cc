#include "file_transfer.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QPointer>
#include <chrono>
#include <cstdio>

namespace natter::client {
namespace {

// An upload or download may take at most 10 minutes at the gateway; a thumbnail is small.
constexpr std::chrono::seconds kTransferTimeout{600};
constexpr std::chrono::seconds kFetchTimeout{30};

struct CloseFile {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, CloseFile>;

File OpenFile(const QString& path, const char* mode) {
  return File(std::fopen(QFile::encodeName(path).constData(), mode));
}

// Runs `fn` on the GUI thread, unless the FileTransfers is gone by then.
void Post(QPointer<FileTransfers> owner, std::function<void(FileTransfers&)> fn) {
  QMetaObject::invokeMethod(
      QCoreApplication::instance(),
      [owner, fn = std::move(fn)] {
        if (owner) fn(*owner);
      },
      Qt::QueuedConnection);
}

grpc::Status Failed(const QString& why) {
  return grpc::Status(grpc::StatusCode::ABORTED, why.toStdString());
}

}  // namespace

// One running call: its context (so Cancel can reach it after the reactor is gone) and its id.
struct FileTransfers::Call {
  grpc::ClientContext context;
  uint64_t id = 0;
};

// Sends the start, then the bytes a chunk at a time: the next chunk is read only once the last
// one is written, so at most one chunk of the file is in memory.
class FileTransfers::Uploader final : public grpc::ClientWriteReactor<v1::UploadChunk> {
 public:
  Uploader(std::shared_ptr<Call> call, QPointer<FileTransfers> owner, File file, QByteArray bytes,
           qint64 size, v1::UploadStart start, Progress progress, Done done)
      : call_(std::move(call)),
        owner_(std::move(owner)),
        file_(std::move(file)),
        bytes_(std::move(bytes)),
        size_(size),
        progress_(std::move(progress)),
        done_(std::move(done)) {
    *chunk_.mutable_start() = std::move(start);
  }

  void Begin(v1::Gateway::StubInterface& stub) {
    stub.async()->UploadFile(&call_->context, &info_, this);
    WriteNext();
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (!ok || sent_ >= size_) return;  // a broken stream ends in OnDone; or all is sent
    chunk_.clear_start();               // only the first message carries it
    if (progress_) {
      Post(owner_, [progress = progress_, sent = sent_, size = size_](FileTransfers&) {
        progress(sent, size);
      });
    }
    WriteNext();
  }

  void OnDone(const grpc::Status& status) override {
    const grpc::Status result = local_error_.ok() ? status : local_error_;
    Post(owner_, [id = call_->id, done = std::move(done_), result, info = info_,
                  progress = progress_, size = size_](FileTransfers& owner) {
      if (!owner.calls_.erase(id)) return;
      if (result.ok() && progress) progress(size, size);
      done(result, info);
    });
    delete this;
  }

 private:
  // Reads the next chunk (the first also carries the start) and writes it, the last one as such.
  void WriteNext() {
    const qint64 n = std::min(kFileChunkBytes, size_ - sent_);
    std::string* data = chunk_.mutable_data();
    data->resize(static_cast<size_t>(n));
    qint64 got = 0;
    if (file_) {
      got = static_cast<qint64>(std::fread(data->data(), 1, static_cast<size_t>(n), file_.get()));
    } else {
      got = std::min<qint64>(n, bytes_.size() - sent_);
      std::copy_n(bytes_.constData() + sent_, got, data->data());
    }
    if (got != n) {
      // The file shrank (or could not be read) since it was chosen: stop rather than send less.
      local_error_ = Failed(QCoreApplication::translate(
          "FileTransfers", "the file changed or could not be read while it was being sent"));
      call_->context.TryCancel();
      return;
    }
    sent_ += n;
    if (sent_ >= size_) {
      StartWriteLast(&chunk_, grpc::WriteOptions());
    } else {
      StartWrite(&chunk_);
    }
  }

  std::shared_ptr<Call> call_;
  QPointer<FileTransfers> owner_;
  File file_;
  QByteArray bytes_;
  const qint64 size_;
  qint64 sent_ = 0;
  Progress progress_;
  Done done_;
  v1::UploadChunk chunk_;
  v1::FileInfo info_;
  grpc::Status local_error_;
};

// Reads chunk after chunk into a file (FILE.part) or into memory, checking them against the
// `total` the first one announces.
class FileTransfers::Downloader final : public grpc::ClientReadReactor<v1::FileChunk> {
 public:
  Downloader(std::shared_ptr<Call> call, QPointer<FileTransfers> owner, v1::DownloadRequest request,
             QString path, qint64 max_bytes, Progress progress,
             std::function<void(const grpc::Status&, const v1::FileInfo&, QByteArray)> done)
      : call_(std::move(call)),
        owner_(std::move(owner)),
        request_(std::move(request)),
        path_(std::move(path)),
        max_bytes_(max_bytes),
        progress_(std::move(progress)),
        done_(std::move(done)) {}

  // False when the file to write cannot be created (nothing is started then).
  bool Begin(v1::Gateway::StubInterface& stub) {
    if (!path_.isEmpty()) {
      file_ = OpenFile(path_ + QStringLiteral(".part"), "wb");
      if (!file_) return false;
    }
    stub.async()->DownloadFile(&call_->context, &request_, this);
    StartRead(&chunk_);
    StartCall();
    return true;
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the end, or a failure: OnDone says which
    if (first_) {
      first_ = false;
      info_ = chunk_.info();
      total_ = static_cast<qint64>(chunk_.total());
      if (total_ < 0 || (max_bytes_ > 0 && total_ > max_bytes_)) {
        Fail(QCoreApplication::translate("FileTransfers", "the file is larger than expected"));
        return;
      }
      if (!file_) memory_.reserve(static_cast<int>(total_));
    }
    const std::string& data = chunk_.data();
    received_ += static_cast<qint64>(data.size());
    if (received_ > total_) {
      Fail(QCoreApplication::translate("FileTransfers",
                                       "the server sent more than the file's size"));
      return;
    }
    if (file_) {
      if (std::fwrite(data.data(), 1, data.size(), file_.get()) != data.size()) {
        Fail(QCoreApplication::translate("FileTransfers",
                                         "the file could not be written (is the disk full?)"));
        return;
      }
    } else {
      memory_.append(data.data(), static_cast<int>(data.size()));
    }
    if (progress_) {
      Post(owner_, [progress = progress_, got = received_, total = total_](FileTransfers&) {
        progress(got, total);
      });
    }
    StartRead(&chunk_);
  }

  void OnDone(const grpc::Status& status) override {
    grpc::Status result = local_error_.ok() ? status : local_error_;
    if (result.ok() && (first_ || received_ != total_)) {
      result = Failed(QCoreApplication::translate("FileTransfers", "the download was cut short"));
    }
    if (file_) {
      const bool flushed = std::fclose(file_.release()) == 0;
      const QString part = path_ + QStringLiteral(".part");
      if (result.ok() && !flushed) {
        result = Failed(QCoreApplication::translate(
            "FileTransfers", "the file could not be written (is the disk full?)"));
      }
      if (result.ok()) {
        QFile::remove(path_);  // "Save as" over an existing file was confirmed in the dialog
        if (!QFile::rename(part, path_)) {
          result = Failed(
              QCoreApplication::translate("FileTransfers", "the file could not be saved as %1")
                  .arg(path_));
        }
      }
      if (!result.ok()) QFile::remove(part);
    }
    Post(owner_, [id = call_->id, done = std::move(done_), result, info = info_,
                  data = std::move(memory_)](FileTransfers& owner) {
      if (!owner.calls_.erase(id)) return;
      done(result, info, data);
    });
    delete this;
  }

 private:
  void Fail(const QString& why) {
    local_error_ = Failed(why);
    call_->context.TryCancel();
  }

  std::shared_ptr<Call> call_;
  QPointer<FileTransfers> owner_;
  v1::DownloadRequest request_;
  QString path_;  // empty: into memory
  const qint64 max_bytes_;
  Progress progress_;
  std::function<void(const grpc::Status&, const v1::FileInfo&, QByteArray)> done_;
  File file_;
  QByteArray memory_;
  v1::FileChunk chunk_;
  v1::FileInfo info_;
  bool first_ = true;
  qint64 total_ = 0;
  qint64 received_ = 0;
  grpc::Status local_error_;
};

FileTransfers::FileTransfers(ApiClient& api, QObject* parent) : QObject(parent), api_(api) {}

FileTransfers::~FileTransfers() {
  for (auto& [id, call] : calls_) call->context.TryCancel();
}

std::shared_ptr<FileTransfers::Call> FileTransfers::NewCall(std::chrono::seconds timeout) {
  auto call = std::make_shared<Call>();
  call->id = ++next_id_;
  call->context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!api_.token().empty()) call->context.AddMetadata("authorization", "Bearer " + api_.token());
  calls_[call->id] = call;
  return call;
}

uint64_t FileTransfers::UploadFile(const QString& path, const QString& name,
                                   const QString& content_type, Progress progress, Done done) {
  File file = OpenFile(path, "rb");
  const qint64 size = QFileInfo(path).size();
  if (!file || size <= 0) {
    const grpc::Status status =
        Failed(file ? QCoreApplication::translate("FileTransfers", "%1 is empty").arg(name)
                    : QCoreApplication::translate("FileTransfers", "%1 cannot be read").arg(path));
    QMetaObject::invokeMethod(
        this, [done, status] { done(status, v1::FileInfo()); }, Qt::QueuedConnection);
    return 0;
  }
  v1::UploadStart start;
  start.set_name(name.toStdString());
  start.set_content_type(content_type.toStdString());
  start.set_size(static_cast<uint64_t>(size));
  std::shared_ptr<Call> call = NewCall(kTransferTimeout);
  auto* uploader = new Uploader(call, QPointer<FileTransfers>(this), std::move(file), {}, size,
                                std::move(start), std::move(progress), std::move(done));
  uploader->Begin(api_.stub());
  return call->id;
}

uint64_t FileTransfers::UploadBytes(QByteArray bytes, const QString& name,
                                    const QString& content_type, Progress progress, Done done) {
  v1::UploadStart start;
  start.set_name(name.toStdString());
  start.set_content_type(content_type.toStdString());
  const qint64 size = bytes.size();
  start.set_size(static_cast<uint64_t>(size));
  std::shared_ptr<Call> call = NewCall(kTransferTimeout);
  auto* uploader = new Uploader(call, QPointer<FileTransfers>(this), nullptr, std::move(bytes),
                                size, std::move(start), std::move(progress), std::move(done));
  uploader->Begin(api_.stub());
  return call->id;
}

uint64_t FileTransfers::DownloadToFile(const std::string& file_id, const QString& path,
                                       Progress progress, Done done) {
  v1::DownloadRequest request;
  request.set_file_id(file_id);
  std::shared_ptr<Call> call = NewCall(kTransferTimeout);
  auto* downloader = new Downloader(call, QPointer<FileTransfers>(this), std::move(request), path,
                                    0, std::move(progress),
                                    [done](const grpc::Status& status, const v1::FileInfo& info,
                                           QByteArray) { done(status, info); });
  if (!downloader->Begin(api_.stub())) {
    delete downloader;
    calls_.erase(call->id);
    const grpc::Status status =
        Failed(QCoreApplication::translate("FileTransfers", "%1 cannot be written").arg(path));
    QMetaObject::invokeMethod(
        this, [done, status] { done(status, v1::FileInfo()); }, Qt::QueuedConnection);
    return 0;
  }
  return call->id;
}

uint64_t FileTransfers::Fetch(const std::string& file_id, bool thumbnail, qint64 max_bytes,
                              Fetched done) {
  v1::DownloadRequest request;
  request.set_file_id(file_id);
  request.set_thumbnail(thumbnail);
  std::shared_ptr<Call> call = NewCall(thumbnail ? kFetchTimeout : kTransferTimeout);
  auto* downloader = new Downloader(call, QPointer<FileTransfers>(this), std::move(request), {},
                                    max_bytes, nullptr, std::move(done));
  downloader->Begin(api_.stub());
  return call->id;
}

void FileTransfers::Cancel(uint64_t id) {
  if (auto it = calls_.find(id); it != calls_.end()) it->second->context.TryCancel();
}

QString FileTransfers::ErrorText(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::CANCELLED:
      return QCoreApplication::translate("FileTransfers", "Cancelled.");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return QCoreApplication::translate("FileTransfers",
                                         "The transfer took too long and was stopped.");
    default:
      // The server's words (too large, not allowed, over the day's allowance...) or our own.
      return natter::client::ErrorText(status);
  }
}

QString AttachmentSummary(const v1::FileInfo& file) {
  if (file.width() > 0 && file.height() > 0) {
    return QCoreApplication::translate("FileTransfers", "🖼 Photo");
  }
  return QStringLiteral("📎 ") + QString::fromStdString(file.name());
}

QString HumanSize(qint64 bytes) {
  const QLocale locale;
  if (bytes < 1000) {
    return bytes == 1 ? QCoreApplication::translate("FileTransfers", "1 byte")
                      : QCoreApplication::translate("FileTransfers", "%1 bytes").arg(bytes);
  }
  if (bytes < 1000 * 1000) {
    return QCoreApplication::translate("FileTransfers", "%1 KB")
        .arg(locale.toString(static_cast<double>(bytes) / 1000, 'f', bytes < 10 * 1000 ? 1 : 0));
  }
  return QCoreApplication::translate("FileTransfers", "%1 MB")
      .arg(
          locale.toString(static_cast<double>(bytes) / 1e6, 'f', bytes < 10 * 1000 * 1000 ? 1 : 0));
}

}  // namespace natter::client
