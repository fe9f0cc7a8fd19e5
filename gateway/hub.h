// The gateway's routing table: which local streams want which Redis channel. The gateway subscribes
// to a channel when its first local stream needs it and unsubscribes when the last one leaves, so
// Redis sends each gateway only the traffic of its own users. Fan-out reads an immutable snapshot,
// never holding the lock while writing to streams. A snapshot is a list of chunks of at most
// kChunkSize streams, so a stream attaching to or leaving a room of N copies one chunk and N /
// kChunkSize pointers, not N.
#pragma once

#include <grpcpp/support/slice.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "natter/v1/gateway.pb.h"

namespace natter::gateway {

// What the hub needs from a stream.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queues one framed event (event_frame.h). Thread-safe, never blocks.
  virtual void Push(const grpc::Slice& framed_event) = 0;
  // Queues one framed event that went to many streams at once: its write may be held back for a
  // moment, so that the events that follow share it (write_coalescer.h). Thread-safe, never blocks.
  virtual void PushFanOut(const grpc::Slice& framed_event) = 0;
  // Events may have been lost; the client must sync (and its session be checked again, in case a
  // revocation was among them). Thread-safe.
  virtual void Resync(const std::string& reason) = 0;
  // A room notice about `about_user`: pushed (as fan-out) unless the sink's user must not see that
  // user.
  virtual void PushNotice(const grpc::Slice& framed_event, uint64_t about_user) = 0;
  // The sink's user joined, left or was removed from a room: the sink (un)subscribes to the room
  // through the hub, then forwards the event. Thread-safe.
  virtual void OnMembership(const v1::RoomMembership& change, const grpc::Slice& framed_event) = 0;
  // A block between the sink's user and `change.user_id` began or ended: hide that user's notices,
  // or show them again. Nothing is forwarded. Thread-safe.
  virtual void OnBlockChanged(const v1::BlockChanged& change) = 0;
  // Sessions of the sink's user ended: a sink whose session is among them forwards the event and
  // closes. Thread-safe.
  virtual void EndSessions(const v1::SessionEnded& ended, const grpc::Slice& framed_event) = 0;
};

// What the hub needs from Redis (RedisSubscriber in production, a fake in tests).
class ChannelSubscriber {
 public:
  virtual ~ChannelSubscriber() = default;
  virtual void Subscribe(const std::string& channel, std::function<void()> on_ready) = 0;
  virtual void Unsubscribe(const std::string& channel) = 0;
};

class Hub {
 public:
  // An event for at least this many local streams is fan-out (EventSink::PushFanOut): direct
  // messages and personal events, which reach a user's few devices, are written at once.
  static constexpr size_t kFanOutRecipients = 16;

  explicit Hub(ChannelSubscriber& subscriber) : subscriber_(subscriber) {}

  // Adds `sink` to `channels` (distinct, not attached before); `on_ready` runs once Redis confirmed
  // every one of them.
  void Attach(const std::shared_ptr<EventSink>& sink, const std::vector<std::string>& channels,
              std::function<void()> on_ready);
  // Removes `sink` from every channel it was attached to.
  void Detach(const EventSink* sink);
  // Adds an attached `sink` to one more channel; `on_ready` runs once Redis confirmed it (at once
  // if the sink has it already).
  void AddChannel(const std::shared_ptr<EventSink>& sink, const std::string& channel,
                  std::function<void()> on_ready);
  // Removes `sink` from one channel.
  void RemoveChannel(const EventSink* sink, const std::string& channel);

  // From the subscriber thread: one event for `channel`. Invalid payloads are dropped.
  void Deliver(const std::string& channel, std::string_view payload);
  // From the subscriber thread: the Redis link was re-established, so events may have been missed.
  void ResyncAll(const std::string& reason);

  std::vector<std::shared_ptr<EventSink>> AllSinks() const;
  size_t channel_count() const;

 private:
  static constexpr size_t kChunkSize = 256;
  using Chunk = std::vector<std::shared_ptr<EventSink>>;
  struct Recipients {
    std::vector<std::shared_ptr<const Chunk>> chunks;  // never changed once published
    size_t size = 0;
  };
  using Snapshot = std::shared_ptr<const Recipients>;

  // Adds `sink` to `channel`'s snapshot and subscribes (idempotent in the subscriber).
  void AddLocked(const std::shared_ptr<EventSink>& sink, const std::string& channel,
                 std::function<void()> on_ready) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes `sink` from `channel`'s snapshot, unsubscribing when it was the last.
  void RemoveLocked(const EventSink* sink, const std::string& channel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ChannelSubscriber& subscriber_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Snapshot> by_channel_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<const EventSink*, std::vector<std::string>> channels_of_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<const EventSink*, std::weak_ptr<EventSink>> sinks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::gateway
