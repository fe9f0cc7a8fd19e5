// RecordingEventSink: a natter::gateway::EventSink that keeps what the hub pushed, for Hub tests.
#pragma once

#include <grpcpp/support/slice.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "hub.h"
#include "natter/v1/gateway.pb.h"

namespace natter::fakes {

class RecordingEventSink final : public gateway::EventSink {
 public:
  explicit RecordingEventSink(uint64_t user_id = 0) : user_id_(user_id) {}
  // Like a stream: not told about its own user.
  void PushNotice(const grpc::Slice& framed_event, uint64_t about_user) override {
    if (about_user != user_id_) Push(framed_event);
  }

  void Push(const grpc::Slice& framed_event) override {
    std::lock_guard lock(mu_);
    frames_.emplace_back(reinterpret_cast<const char*>(framed_event.begin()), framed_event.size());
  }

  void PushFanOut(const grpc::Slice& framed_event) override {
    fan_out_.fetch_add(1);
    Push(framed_event);
  }

  void Resync(const std::string& reason) override {
    std::lock_guard lock(mu_);
    resyncs_.push_back(reason);
  }

  void EndSessions(const v1::SessionEnded& ended, const grpc::Slice& framed_event) override {
    std::lock_guard lock(mu_);
    ended_.push_back(ended);
  }

  void OnMembership(const v1::RoomMembership& change, const grpc::Slice& framed_event) override {
    {
      std::lock_guard lock(mu_);
      memberships_.push_back(change);
    }
    Push(framed_event);
  }

  // Records the change; like a stream, forwards nothing.
  void OnBlockChanged(const v1::BlockChanged& change) override {
    std::lock_guard lock(mu_);
    blocks_.push_back(change);
  }
  std::vector<v1::BlockChanged> blocks() const {
    std::lock_guard lock(mu_);
    return blocks_;
  }

  std::vector<v1::RoomMembership> memberships() const {
    std::lock_guard lock(mu_);
    return memberships_;
  }
  std::vector<v1::SessionEnded> ended() const {
    std::lock_guard lock(mu_);
    return ended_;
  }
  // The framed events pushed so far, byte for byte.
  std::vector<std::string> frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }
  // How many of the pushes were fan-out.
  size_t fan_out() const { return fan_out_.load(); }
  std::vector<std::string> resyncs() const {
    std::lock_guard lock(mu_);
    return resyncs_;
  }
  // The pushed events, decoded the way a client decodes a ServerFrame made of them.
  absl::StatusOr<std::vector<v1::ServerEvent>> Events() const {
    std::string wire;
    for (const auto& frame : frames()) wire += frame;
    v1::ServerFrame frame;
    if (!frame.ParseFromString(wire)) {
      return absl::DataLossError("pushed frames do not parse as a natter.v1.ServerFrame");
    }
    return std::vector<v1::ServerEvent>(frame.events().begin(), frame.events().end());
  }

 private:
  const uint64_t user_id_;
  std::atomic<size_t> fan_out_{0};
  mutable std::mutex mu_;
  std::vector<std::string> frames_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> resyncs_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::SessionEnded> ended_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::RoomMembership> memberships_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::BlockChanged> blocks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
