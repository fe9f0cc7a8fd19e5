#include "file_relay.h"

#include <mutex>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "common/status.h"

namespace natter::gateway {
namespace {

constexpr char kChat[] = "the chat service";

std::chrono::system_clock::time_point TransferDeadline(const grpc::CallbackServerContext& context) {
  auto cap = std::chrono::system_clock::now() + kMaxTransferTime;
  return std::min(cap, context.deadline());
}

std::unique_ptr<ClientAdmission::Lease> Admit(GatewayContext& gateway,
                                              grpc::CallbackServerContext& context,
                                              grpc::Status& refused) {
  std::unique_ptr<ClientAdmission::Lease> lease;
  if (gateway.admission != nullptr) {
    refused = gateway.admission->Admit(context.peer(), /*stream=*/false, &lease);
  }
  return lease;
}

// Client chunks up, one at a time: read from the client, write to natter-chat, then read the
// next. Deleted when both the client's call and natter-chat's are done.
class UploadRelay final : public grpc::ServerReadReactor<v1::UploadChunk> {
 public:
  UploadRelay(GatewayContext& gateway, grpc::CallbackServerContext* context, v1::FileInfo* response)
      : gateway_(gateway), context_(context), response_(response), upstream_(this) {}

  void Begin(const CallerCheck& check) {
    grpc::Status refused;
    lease_ = Admit(gateway_, *context_, refused);
    if (!refused.ok()) {
      FinishOnce(refused);
      return;
    }
    check(
        *context_, [this](const grpc::Status& status) { FinishOnce(status); },
        [this](const v1::Caller& caller) {
          caller_ = caller;
          chat_context_.set_deadline(TransferDeadline(*context_));
          {
            std::lock_guard lock(mu_);
            upstream_started_ = true;
          }
          gateway_.chat->async()->UploadFile(&chat_context_, response_, &upstream_);
          // Held until the relay starts no more operations on it (after WritesDone, or a write
          // that failed): natter-chat may end the call while a client read is pending, and an
          // operation started on a finished call is undefined.
          upstream_.AddHold();
          upstream_.StartCall();
          StartRead(&chunk_);
        });
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client has sent everything (or gave up: OnCancel cancels natter-chat's call).
      upstream_.StartWritesDone();
      upstream_.RemoveHold();
      return;
    }
    // Whoever the client claims to be, natter-chat hears who the token says.
    if (first_)
      *chunk_.mutable_caller() = caller_;
    else
      chunk_.clear_caller();
    first_ = false;
    upstream_.StartWrite(&chunk_);
  }

  void OnCancel() override { chat_context_.TryCancel(); }

  void OnDone() override {
    bool last;
    {
      std::lock_guard lock(mu_);
      server_done_ = true;
      last = !upstream_started_ || upstream_done_;
    }
    if (last) delete this;
  }

 private:
  class Upstream final : public grpc::ClientWriteReactor<v1::UploadChunk> {
   public:
    explicit Upstream(UploadRelay* relay) : relay_(relay) {}
    void OnWriteDone(bool ok) override {
      // Not ok: natter-chat ended the call; OnDone brings its status.
      if (!ok) {
        RemoveHold();
        return;
      }
      relay_->chunk_.Clear();
      relay_->StartRead(&relay_->chunk_);
    }
    void OnDone(const grpc::Status& status) override { relay_->UpstreamDone(status); }

   private:
    UploadRelay* const relay_;
  };

  void UpstreamDone(const grpc::Status& status) {
    FinishOnce(PeerStatus(status, kChat));
    bool last;
    {
      std::lock_guard lock(mu_);
      upstream_done_ = true;
      last = server_done_;
    }
    if (last) delete this;
  }

  void FinishOnce(const grpc::Status& status) {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  GatewayContext& gateway_;
  grpc::CallbackServerContext* const context_;
  v1::FileInfo* const response_;
  std::unique_ptr<ClientAdmission::Lease> lease_;
  v1::Caller caller_;
  grpc::ClientContext chat_context_;
  v1::UploadChunk chunk_;
  bool first_ = true;
  Upstream upstream_;
  std::mutex mu_;
  bool upstream_started_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_done_ ABSL_GUARDED_BY(mu_) = false;
  bool server_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// File chunks down, one at a time: read from natter-chat, write to the client, then read the
// next. The client's Finish waits for a write in flight.
class DownloadRelay final : public grpc::ServerWriteReactor<v1::FileChunk> {
 public:
  DownloadRelay(GatewayContext& gateway, grpc::CallbackServerContext* context,
                const v1::DownloadRequest* request)
      : gateway_(gateway), context_(context), request_(*request), upstream_(this) {}

  void Begin(const CallerCheck& check) {
    grpc::Status refused;
    lease_ = Admit(gateway_, *context_, refused);
    if (!refused.ok()) {
      FinishOnce(refused);
      return;
    }
    check(
        *context_, [this](const grpc::Status& status) { FinishOnce(status); },
        [this](const v1::Caller& caller) {
          *request_.mutable_caller() = caller;  // never the caller a client claims
          chat_context_.set_deadline(TransferDeadline(*context_));
          {
            std::lock_guard lock(mu_);
            upstream_started_ = true;
          }
          gateway_.chat->async()->DownloadFile(&chat_context_, &request_, &upstream_);
          // Held until the relay reads no more (the last read, or a client gone): the call may
          // end while a chunk is being written to the client, before the next read starts.
          upstream_.AddHold();
          upstream_.StartRead(&chunk_);
          upstream_.StartCall();
        });
  }

  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> finish;
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      finish = std::move(pending_finish_);
      pending_finish_.reset();
    }
    if (finish.has_value()) {
      FinishOnce(*finish);
      return;
    }
    if (!ok) {
      chat_context_.TryCancel();  // the client is gone: natter-chat's OnDone follows
      upstream_.RemoveHold();
      return;
    }
    chunk_.Clear();
    upstream_.StartRead(&chunk_);
  }

  void OnCancel() override { chat_context_.TryCancel(); }

  void OnDone() override {
    bool last;
    {
      std::lock_guard lock(mu_);
      server_done_ = true;
      last = !upstream_started_ || upstream_done_;
    }
    if (last) delete this;
  }

 private:
  class Upstream final : public grpc::ClientReadReactor<v1::FileChunk> {
   public:
    explicit Upstream(DownloadRelay* relay) : relay_(relay) {}
    void OnReadDone(bool ok) override {
      if (!ok) {  // the end (or an error): OnDone brings the status
        RemoveHold();
        return;
      }
      {
        std::lock_guard lock(relay_->mu_);
        relay_->writing_ = true;
      }
      relay_->StartWrite(&relay_->chunk_);
    }
    void OnDone(const grpc::Status& status) override { relay_->UpstreamDone(status); }

   private:
    DownloadRelay* const relay_;
  };

  void UpstreamDone(const grpc::Status& status) {
    grpc::Status mapped = PeerStatus(status, kChat);
    bool finish_now;
    bool last;
    {
      std::lock_guard lock(mu_);
      finish_now = !writing_;
      if (!finish_now) pending_finish_ = mapped;
      upstream_done_ = true;
      last = server_done_;
    }
    if (finish_now) FinishOnce(mapped);
    if (last) delete this;
  }

  void FinishOnce(const grpc::Status& status) {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  GatewayContext& gateway_;
  grpc::CallbackServerContext* const context_;
  v1::DownloadRequest request_;
  std::unique_ptr<ClientAdmission::Lease> lease_;
  grpc::ClientContext chat_context_;
  v1::FileChunk chunk_;
  Upstream upstream_;
  std::mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
  bool upstream_started_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_done_ ABSL_GUARDED_BY(mu_) = false;
  bool server_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerReadReactor<v1::UploadChunk>* StartUploadRelay(GatewayContext& gateway,
                                                           const CallerCheck& check,
                                                           grpc::CallbackServerContext* context,
                                                           v1::FileInfo* response) {
  auto* relay = new UploadRelay(gateway, context, response);
  relay->Begin(check);
  return relay;
}

grpc::ServerWriteReactor<v1::FileChunk>* StartDownloadRelay(GatewayContext& gateway,
                                                            const CallerCheck& check,
                                                            grpc::CallbackServerContext* context,
                                                            const v1::DownloadRequest* request) {
  auto* relay = new DownloadRelay(gateway, context, request);
  relay->Begin(check);
  return relay;
}

}  // namespace natter::gateway
