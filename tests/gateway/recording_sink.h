// RecordingSink: a stream as the hub sees it (hub.h), keeping what the hub delivered and when it
// flushed, for Hub tests.
#pragma once

#include <grpcpp/support/slice.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "hub.h"
#include "natter/v1/gateway.pb.h"

namespace natter::gateway {

class RecordingSink {
 public:
  void Deliver(const std::shared_ptr<const HubEvent>& event) {
    std::lock_guard lock(mu_);
    frames_.emplace_back(reinterpret_cast<const char*>(event->framed.begin()),
                         event->framed.size());
    ++unflushed_;
  }

  void Flush() {
    std::lock_guard lock(mu_);
    if (unflushed_ > 0) writes_.push_back(unflushed_);
    unflushed_ = 0;
  }

  void Resync(const std::string& reason) {
    std::lock_guard lock(mu_);
    resyncs_.push_back(reason);
  }

  // The framed events delivered so far, byte for byte.
  std::vector<std::string> frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }
  // For each flush that found events delivered since the last one: how many.
  std::vector<size_t> writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }
  // Events delivered and not yet flushed.
  size_t unflushed() const {
    std::lock_guard lock(mu_);
    return unflushed_;
  }
  std::vector<std::string> resyncs() const {
    std::lock_guard lock(mu_);
    return resyncs_;
  }
  // The delivered events, decoded the way a client decodes a ServerFrame made of them.
  absl::StatusOr<std::vector<v1::ServerEvent>> Events() const {
    std::string wire;
    for (const auto& frame : frames()) wire += frame;
    v1::ServerFrame frame;
    if (!frame.ParseFromString(wire)) {
      return absl::DataLossError("delivered frames do not parse as a natter.v1.ServerFrame");
    }
    return std::vector<v1::ServerEvent>(frame.events().begin(), frame.events().end());
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> frames_ ABSL_GUARDED_BY(mu_);
  size_t unflushed_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<size_t> writes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> resyncs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::gateway
