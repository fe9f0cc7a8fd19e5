#include "file_grpc.h"

#include <grpcpp/alarm.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <optional>

#include "chat_service.h"
#include "common/status.h"

namespace natter::chat {
namespace {

grpc::Status Busy() {
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server is busy, try again shortly");
}

class UploadReactor final : public grpc::ServerReadReactor<v1::UploadChunk> {
 public:
  UploadReactor(grpc::CallbackServerContext* context, v1::FileInfo* response, FileService& files,
                WorkerPool& pool, WorkerPool& images)
      : context_(context), response_(response), files_(files), pool_(pool), images_(images) {
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      if (context_->IsCancelled()) {
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the upload was cancelled"));
        return;
      }
      // The client sent its last chunk: store the rest and publish (an image is re-encoded
      // first, on the image pool).
      WorkerPool& pool = upload_ != nullptr && upload_->is_image() ? images_ : pool_;
      if (!pool.TrySubmit([this] { Done(); })) Finish(Busy());
      return;
    }
    // Uploads keep to the replica's pace (FileLimits::upload_bytes_per_second): the chunk waits
    // on a timer, not on a worker, and meanwhile nothing more is read, so the client's sending
    // slows through flow control.
    const int64_t wait_ms = files_.PaceUpload(chunk_.data().size());
    if (wait_ms == 0) {
      SubmitTake();
      return;
    }
    // Each wait has its own alarm, deleted by its callback (gRPC holds the alarm's state until the
    // callback returns).
    auto* alarm = new grpc::Alarm;
    alarm->Set(std::chrono::system_clock::now() + std::chrono::milliseconds(wait_ms),
               [this, alarm](bool) {
                 delete alarm;
                 SubmitTake();
               });
  }

  void OnDone() override {
    // Dropping an unfinished upload deletes its staged chunks: store work, off this thread.
    if (upload_ == nullptr || !pool_.TrySubmit([this] { delete this; })) delete this;
  }

 private:
  void SubmitTake() {
    if (!pool_.TrySubmit([this] { Take(); })) Finish(Busy());
  }

  void Take() {
    absl::Status s = Store();
    if (!s.ok()) {
      Finish(ToGrpc(s));
      return;
    }
    chunk_.Clear();
    StartRead(&chunk_);
  }

  absl::Status Store() {
    if (upload_ == nullptr) {
      RETURN_IF_ERROR(ValidateCaller(chunk_.caller()));
      if (!chunk_.has_start()) {
        return absl::InvalidArgumentError(
            "an upload's first message says what comes (UploadChunk.start: name, type, size)");
      }
      ASSIGN_OR_RETURN(upload_, files_.Begin(chunk_.caller(), chunk_.start()));
      if (chunk_.data().empty()) return absl::OkStatus();
    } else if (chunk_.has_start()) {
      return absl::InvalidArgumentError("only an upload's first message carries a start");
    }
    return files_.Add(*upload_, chunk_.data());
  }

  void Done() {
    if (upload_ == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "the upload ended before it began: send an UploadChunk with start"));
      return;
    }
    auto info = files_.Finish(*upload_);
    if (info.ok()) {
      *response_ = std::move(*info);
      Finish(grpc::Status::OK);
    } else {
      Finish(ToGrpc(info.status()));
    }
  }

  grpc::CallbackServerContext* const context_;
  v1::FileInfo* const response_;
  FileService& files_;
  WorkerPool& pool_;
  WorkerPool& images_;
  v1::UploadChunk chunk_;
  std::unique_ptr<Upload> upload_;
};

class DownloadReactor final : public grpc::ServerWriteReactor<v1::FileChunk> {
 public:
  DownloadReactor(const v1::DownloadRequest* request, FileService& files, WorkerPool& pool)
      : request_(*request), files_(files), pool_(pool) {
    if (!pool_.TrySubmit([this] { Open(); })) Finish(Busy());
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the download was cut off"));
      return;
    }
    if (!pool_.TrySubmit([this] { Next(); })) Finish(Busy());
  }

  void OnDone() override { delete this; }

 private:
  void Open() {
    if (auto s = ValidateCaller(request_.caller()); !s.ok()) {
      Finish(ToGrpc(s));
      return;
    }
    auto file = files_.OpenDownload(request_);
    if (!file.ok()) {
      Finish(ToGrpc(file.status()));
      return;
    }
    file_ = std::move(*file);
    *chunk_.mutable_info() = file_->Info();
    chunk_.set_total(request_.thumbnail() ? file_->thumbnail_size : file_->size);
    Next();
  }

  void Next() {
    auto data = files_.ReadChunk(*file_, request_.thumbnail(), index_);
    if (!data.ok()) {
      Finish(ToGrpc(data.status()));
      return;
    }
    if (!data->has_value()) {
      if (sent_ != chunk_total()) {
        spdlog::error("file {} has {} of its {} bytes stored", file_->id, sent_, chunk_total());
        Finish(grpc::Status(grpc::StatusCode::DATA_LOSS, "the file's stored bytes are incomplete"));
        return;
      }
      Finish(grpc::Status::OK);
      return;
    }
    ++index_;
    sent_ += (*data)->size();
    if (index_ > 1) chunk_.Clear();
    chunk_.set_data(std::move(**data));
    StartWrite(&chunk_);
  }

  uint64_t chunk_total() const {
    return request_.thumbnail() ? file_->thumbnail_size : file_->size;
  }

  const v1::DownloadRequest request_;
  FileService& files_;
  WorkerPool& pool_;
  std::optional<FileRecord> file_;
  v1::FileChunk chunk_;
  uint32_t index_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace

grpc::ServerReadReactor<v1::UploadChunk>* StartUpload(grpc::CallbackServerContext* context,
                                                      v1::FileInfo* response, FileService& files,
                                                      WorkerPool& pool, WorkerPool& images) {
  return new UploadReactor(context, response, files, pool, images);
}

grpc::ServerWriteReactor<v1::FileChunk>* StartDownload(grpc::CallbackServerContext* context,
                                                       const v1::DownloadRequest* request,
                                                       FileService& files, WorkerPool& pool) {
  return new DownloadReactor(request, files, pool);
}

}  // namespace natter::chat
