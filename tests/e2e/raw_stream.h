// RawStream: one Connect stream of the client API driven frame by frame, for tests that need to
// see exactly what the gateway answers (natterctl hides the frames).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "natter/v1/gateway.grpc.pb.h"

namespace natter::testing {

// One Connect stream driven frame by frame.
class RawStream {
 public:
  RawStream(const std::string& gateway, const std::string& token)
      : stub_(v1::Gateway::NewStub(
            grpc::CreateChannel(gateway, grpc::InsecureChannelCredentials()))) {
    context_.AddMetadata("authorization", "Bearer " + token);
    context_.AddMetadata("natter-presence", "off");
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    stream_ = stub_->Connect(&context_);
  }
  ~RawStream() {
    context_.TryCancel();
    FinalStatus();
  }

  // True once the Welcome arrived; false if the stream ended first (see final_status()).
  bool Welcomed() {
    v1::ServerFrame frame;
    while (stream_->Read(&frame)) {
      for (const auto& e : frame.events()) {
        if (e.has_welcome()) return true;
      }
    }
    return false;
  }
  grpc::Status FinalStatus() {
    if (!final_) final_ = stream_->Finish();
    return *final_;
  }

  bool Write(const v1::ClientFrame& frame) { return stream_->Write(frame); }
  // The results of `count` commands, in the order they came; other events go to events().
  std::vector<v1::CommandResult> Results(size_t count) {
    std::vector<v1::CommandResult> results;
    v1::ServerFrame frame;
    while (results.size() < count && stream_->Read(&frame)) {
      for (const auto& e : frame.events()) {
        if (e.has_result()) {
          results.push_back(e.result());
        } else {
          events_.push_back(e);
        }
      }
    }
    return results;
  }
  // Sends `frame` (with the next request id) and waits for its result; a default result with code
  // -1 if the stream ended first.
  v1::CommandResult Command(v1::ClientFrame frame) {
    frame.set_request_id(++last_request_id_);
    if (!Write(frame)) return Broken();
    v1::ServerFrame in;
    while (stream_->Read(&in)) {
      for (const auto& e : in.events()) {
        if (e.has_result() && e.result().request_id() == last_request_id_) return e.result();
        if (!e.has_result()) events_.push_back(e);
      }
    }
    return Broken();
  }
  // Every event other than a CommandResult read so far.
  const std::vector<v1::ServerEvent>& events() const { return events_; }

 private:
  std::unique_ptr<v1::Gateway::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ClientFrame, v1::ServerFrame>> stream_;
  std::optional<grpc::Status> final_;
  std::vector<v1::ServerEvent> events_;
  uint64_t last_request_id_ = 1'000'000;

  static v1::CommandResult Broken() {
    v1::CommandResult result;
    result.set_code(-1);
    result.set_error("the stream ended");
    return result;
  }
};

}  // namespace natter::testing
