// The gateway's routing table: which local streams want which Redis channel, and the fan-out of
// each event to them.
//
// The gateway subscribes to a channel when its first local stream needs it and unsubscribes when
// the last one leaves, so Redis sends each gateway only the traffic of its own users. An event is
// parsed and framed once on the Redis subscriber's thread and then handed to the fan-out threads:
// each stream belongs to one of them (by its address), so its events keep their order, and the
// streams of a large room are served by all of them at once. A fan-out thread takes every job that
// waits for it and gives each recipient its events (queued, not yet written). A gRPC write costs
// about the same for one event as for many, so a room's streams are flushed after a window as long
// as the thread's last flush took (at most max_window): a gateway that needs 20 ms to write to
// every stream lets the events of about 20 ms share each write, one that writes quickly waits
// about as little, and the work per event falls as load rises. An event for a few streams (a
// direct message, a user's own events) is flushed at once.
//
// Recipients are read from an immutable snapshot, never under the lock. A snapshot is a list of
// chunks of at most kChunkSize streams, so a stream attaching to or leaving a room of N copies one
// chunk and N / kChunkSize pointers, not N.
//
// The hub is typed by its stream (BasicHub<ClientStream> in the gateway, a recorder in tests): it
// calls a Sink's
//   void Deliver(const std::shared_ptr<const HubEvent>&)   queue one event (or act on it); never
//                                                          blocks
//   void Flush()                           write what is queued
//   void Resync(const std::string& reason) events may have been lost
// from its fan-out threads, and AllSinks() hands out the streams themselves.
#pragma once

#include <grpcpp/support/slice.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/thread_name.h"
#include "natter/v1/gateway.pb.h"

namespace natter::gateway {

// One event from Redis, checked and framed once for every recipient.
struct HubEvent {
  v1::ServerEvent event;
  grpc::Slice framed;  // as one element of ServerFrame.events (event_frame.h)
};

// The event in `payload`, or nullptr (logged) when it is not a well-formed ServerEvent.
std::shared_ptr<const HubEvent> ParseHubEvent(const std::string& channel, std::string_view payload);

// What the hub needs from Redis (RedisSubscriber in production, a fake in tests).
class ChannelSubscriber {
 public:
  virtual ~ChannelSubscriber() = default;
  virtual void Subscribe(const std::string& channel, std::function<void()> on_ready) = 0;
  virtual void Unsubscribe(const std::string& channel) = 0;
};

template <class Sink>
class BasicHub {
 public:
  // An event for at least this many streams (a room) may wait for the window below; one for fewer
  // (a direct message, a user's own events) is written at once.
  static constexpr size_t kFanOutRecipients = 16;

  // fan_out_threads 0: events are delivered and flushed on the caller's thread (tests).
  // max_window: the longest a room event's writes wait so that later events share them.
  BasicHub(ChannelSubscriber& subscriber, size_t fan_out_threads,
           std::chrono::microseconds max_window = std::chrono::microseconds(0));
  // Delivers what is still queued, then stops the fan-out threads.
  ~BasicHub();
  BasicHub(const BasicHub&) = delete;
  BasicHub& operator=(const BasicHub&) = delete;

  // Adds `sink` to `channels` (distinct, not attached before); `on_ready` runs once Redis confirmed
  // every one of them.
  void Attach(const std::shared_ptr<Sink>& sink, const std::vector<std::string>& channels,
              std::function<void()> on_ready);
  // Removes `sink` from every channel it was attached to.
  void Detach(const Sink* sink);
  // Adds an attached `sink` to one more channel; `on_ready` runs once Redis confirmed it (at once
  // if the sink has it already). Nothing happens to a detached sink.
  void AddChannel(const std::shared_ptr<Sink>& sink, const std::string& channel,
                  std::function<void()> on_ready);
  // Removes `sink` from one channel.
  void RemoveChannel(const Sink* sink, const std::string& channel);

  // From the subscriber thread: one event for `channel`. Invalid payloads are dropped.
  void Deliver(const std::string& channel, std::string_view payload);
  // From the subscriber thread: the Redis link was re-established, so events may have been missed.
  void ResyncAll(const std::string& reason);

  std::vector<std::shared_ptr<Sink>> AllSinks() const;
  size_t channel_count() const;

 private:
  static constexpr size_t kChunkSize = 256;
  using Chunk = std::vector<std::shared_ptr<Sink>>;
  struct Recipients {
    std::vector<std::shared_ptr<const Chunk>> chunks;  // never changed once published
    size_t size = 0;
  };
  using Snapshot = std::shared_ptr<const Recipients>;

  // An event for the recipients of a snapshot, or (event null) a resync for them.
  struct Job {
    std::shared_ptr<const HubEvent> event;
    Snapshot recipients;
    std::string resync_reason;
  };
  struct FanOutThread {
    std::mutex mu;
    std::condition_variable wake;
    std::vector<Job> jobs ABSL_GUARDED_BY(mu);
    bool stopping ABSL_GUARDED_BY(mu) = false;
    std::thread thread;
  };
  using Clock = std::chrono::steady_clock;

  // Adds `sink` to `channel`'s snapshot and subscribes (idempotent in the subscriber).
  void AddLocked(const std::shared_ptr<Sink>& sink, const std::string& channel,
                 std::function<void()> on_ready) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes `sink` from `channel`'s snapshot, unsubscribing when it was the last.
  void RemoveLocked(const Sink* sink, const std::string& channel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void Post(Job job);
  void RunFanOut(FanOutThread& self, size_t index);
  // Gives every recipient of `jobs` that fan-out thread `index` serves (all, when `count` is 1)
  // its events in order. Recipients of a job for a few streams are flushed at once; the recipient
  // lists of the others are added to `held` (once each), to be flushed by Flush.
  static void Serve(const std::vector<Job>& jobs, size_t index, size_t count,
                    std::vector<Snapshot>& held);
  // Flushes the streams of `held` that thread `index` serves.
  static void Flush(const std::vector<Snapshot>& held, size_t index, size_t count);
  // Flushes the streams of `flushing` that fan-out thread `index` serves, delivering the jobs that
  // come meanwhile every kServeEvery streams (their room recipients join `held`).
  void FlushServing(FanOutThread& self, size_t index, const std::vector<Snapshot>& flushing,
                    std::vector<Snapshot>& held);
  static constexpr size_t kServeEvery = 16;
  template <class Act>
  static void Each(const Recipients& recipients, size_t index, size_t count, Act&& act);
  static size_t ThreadOf(const Sink* sink, size_t count) {
    if (count <= 1) return 0;
    // Streams are allocated at regular distances; mix the address (MurmurHash3's finalizer).
    uint64_t x = reinterpret_cast<uintptr_t>(sink);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<size_t>(x % count);
  }

  ChannelSubscriber& subscriber_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Snapshot> by_channel_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<const Sink*, std::vector<std::string>> channels_of_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<const Sink*, std::weak_ptr<Sink>> sinks_ ABSL_GUARDED_BY(mu_);
  const std::chrono::microseconds max_window_;
  std::vector<std::unique_ptr<FanOutThread>> fan_out_;
};

template <class Sink>
BasicHub<Sink>::BasicHub(ChannelSubscriber& subscriber, size_t fan_out_threads,
                         std::chrono::microseconds max_window)
    : subscriber_(subscriber), max_window_(max_window) {
  for (size_t i = 0; i < fan_out_threads; ++i) {
    fan_out_.push_back(std::make_unique<FanOutThread>());
  }
  for (size_t i = 0; i < fan_out_.size(); ++i) {
    FanOutThread& t = *fan_out_[i];
    t.thread = std::thread([this, &t, i] {
      NameThisThread("fan-out-" + std::to_string(i));
      RunFanOut(t, i);
    });
  }
}

template <class Sink>
BasicHub<Sink>::~BasicHub() {
  for (auto& t : fan_out_) {
    {
      std::lock_guard lock(t->mu);
      t->stopping = true;
    }
    t->wake.notify_one();
  }
  for (auto& t : fan_out_) t->thread.join();
}

template <class Sink>
void BasicHub<Sink>::Attach(const std::shared_ptr<Sink>& sink,
                            const std::vector<std::string>& channels,
                            std::function<void()> on_ready) {
  if (channels.empty()) {
    if (on_ready) on_ready();
    return;
  }
  auto remaining = std::make_shared<std::atomic<size_t>>(channels.size());
  auto ready = std::make_shared<std::function<void()>>(std::move(on_ready));
  std::lock_guard lock(mu_);
  sinks_[sink.get()] = sink;
  for (const auto& channel : channels) {
    AddLocked(sink, channel, [remaining, ready] {
      if (remaining->fetch_sub(1) == 1 && *ready) (*ready)();
    });
  }
}

template <class Sink>
void BasicHub<Sink>::AddChannel(const std::shared_ptr<Sink>& sink, const std::string& channel,
                                std::function<void()> on_ready) {
  {
    std::lock_guard lock(mu_);
    auto it = channels_of_.find(sink.get());
    if (it == channels_of_.end()) return;  // detached (the stream ended)
    if (std::find(it->second.begin(), it->second.end(), channel) == it->second.end()) {
      AddLocked(sink, channel, std::move(on_ready));
      return;
    }
  }
  if (on_ready) on_ready();
}

template <class Sink>
void BasicHub<Sink>::RemoveChannel(const Sink* sink, const std::string& channel) {
  std::lock_guard lock(mu_);
  auto it = channels_of_.find(sink);
  if (it == channels_of_.end()) return;
  auto found = std::find(it->second.begin(), it->second.end(), channel);
  if (found == it->second.end()) return;
  it->second.erase(found);
  RemoveLocked(sink, channel);
}

template <class Sink>
void BasicHub<Sink>::AddLocked(const std::shared_ptr<Sink>& sink, const std::string& channel,
                               std::function<void()> on_ready) {
  channels_of_[sink.get()].push_back(channel);
  Snapshot& current = by_channel_[channel];
  auto next = std::make_shared<Recipients>();
  if (current) *next = *current;  // the chunks' pointers, not the streams
  if (next->chunks.empty() || next->chunks.back()->size() >= kChunkSize) {
    next->chunks.push_back(std::make_shared<const Chunk>(Chunk{sink}));
  } else {
    auto last = std::make_shared<Chunk>(*next->chunks.back());
    last->push_back(sink);
    next->chunks.back() = std::move(last);
  }
  ++next->size;
  current = std::move(next);
  // Idempotent in the subscriber: the first call subscribes, later ones only wait for
  // confirmation. The callback runs on the subscriber thread, never under this lock.
  subscriber_.Subscribe(channel, std::move(on_ready));
}

template <class Sink>
void BasicHub<Sink>::RemoveLocked(const Sink* sink, const std::string& channel) {
  auto found = by_channel_.find(channel);
  if (found == by_channel_.end()) return;
  const Recipients& current = *found->second;
  for (size_t i = 0; i < current.chunks.size(); ++i) {
    const Chunk& chunk = *current.chunks[i];
    auto at =
        std::find_if(chunk.begin(), chunk.end(), [sink](const auto& s) { return s.get() == sink; });
    if (at == chunk.end()) continue;
    if (current.size == 1) {
      by_channel_.erase(found);
      subscriber_.Unsubscribe(channel);
      return;
    }
    auto next = std::make_shared<Recipients>(current);
    if (chunk.size() == 1) {
      next->chunks.erase(next->chunks.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      auto smaller = std::make_shared<Chunk>(chunk.begin(), at);
      smaller->insert(smaller->end(), std::next(at), chunk.end());
      next->chunks[i] = std::move(smaller);
    }
    --next->size;
    found->second = std::move(next);
    return;
  }
}

template <class Sink>
void BasicHub<Sink>::Detach(const Sink* sink) {
  std::lock_guard lock(mu_);
  sinks_.erase(sink);
  auto it = channels_of_.find(sink);
  if (it == channels_of_.end()) return;
  for (const auto& channel : it->second) RemoveLocked(sink, channel);
  channels_of_.erase(it);
}

template <class Sink>
void BasicHub<Sink>::Deliver(const std::string& channel, std::string_view payload) {
  Snapshot recipients;
  {
    std::lock_guard lock(mu_);
    auto it = by_channel_.find(channel);
    if (it == by_channel_.end()) return;
    recipients = it->second;
  }
  auto event = ParseHubEvent(channel, payload);
  if (event == nullptr) return;
  Post(Job{std::move(event), std::move(recipients), {}});
}

template <class Sink>
void BasicHub<Sink>::ResyncAll(const std::string& reason) {
  auto everyone = std::make_shared<Recipients>();
  auto chunk = std::make_shared<Chunk>(AllSinks());
  everyone->size = chunk->size();
  everyone->chunks.push_back(std::move(chunk));
  Post(Job{nullptr, std::move(everyone), reason});
}

template <class Sink>
void BasicHub<Sink>::Post(Job job) {
  if (fan_out_.empty()) {
    std::vector<Snapshot> held;
    Serve({std::move(job)}, 0, 1, held);
    Flush(held, 0, 1);
    return;
  }
  // Each thread serves its own share of the recipients; a job for a few streams (a direct
  // message) wakes only the threads that serve one of them.
  std::vector<bool> wanted(fan_out_.size(), job.recipients->size >= fan_out_.size());
  if (job.recipients->size < fan_out_.size()) {
    for (const auto& chunk : job.recipients->chunks) {
      for (const auto& sink : *chunk) wanted[ThreadOf(sink.get(), fan_out_.size())] = true;
    }
  }
  for (size_t i = 0; i < fan_out_.size(); ++i) {
    if (!wanted[i]) continue;
    FanOutThread& t = *fan_out_[i];
    bool was_idle = false;
    {
      std::lock_guard lock(t.mu);
      was_idle = t.jobs.empty();
      t.jobs.push_back(job);
    }
    if (was_idle) t.wake.notify_one();
  }
}

// The window: a room event's writes wait as long as this thread's last flush of held streams took
// (at most max_window_), so that a gateway busy writing to N streams lets the events of that time
// share each stream's next write, and one that writes quickly waits about as little.
template <class Sink>
void BasicHub<Sink>::RunFanOut(FanOutThread& self, size_t index) {
  const size_t count = fan_out_.size();
  std::vector<Job> jobs;
  std::vector<Snapshot> held;
  Clock::time_point flush_at{};
  std::chrono::microseconds window{0};
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(self.mu);
      auto ready = [&self] { return self.stopping || !self.jobs.empty(); };
      if (held.empty()) {
        self.wake.wait(lock, ready);
      } else {
        self.wake.wait_until(lock, flush_at, ready);
      }
      jobs.swap(self.jobs);
      stopping = self.stopping;
    }
    const bool was_holding = !held.empty();
    Serve(jobs, index, count, held);
    jobs.clear();
    if (!was_holding && !held.empty()) flush_at = Clock::now() + window;
    if (!held.empty() && (stopping || Clock::now() >= flush_at)) {
      auto began = Clock::now();
      std::vector<Snapshot> flushing;
      flushing.swap(held);
      FlushServing(self, index, flushing, held);
      window = std::min(
          max_window_, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began));
      if (!held.empty()) flush_at = Clock::now() + window;
    }
    if (stopping && held.empty()) {
      std::lock_guard lock(self.mu);
      if (self.jobs.empty()) return;  // everything delivered and flushed
    }
  }
}

template <class Sink>
template <class Act>
void BasicHub<Sink>::Each(const Recipients& recipients, size_t index, size_t count, Act&& act) {
  for (const auto& chunk : recipients.chunks) {
    for (const auto& sink : *chunk) {
      if (ThreadOf(sink.get(), count) == index) act(*sink);
    }
  }
}

template <class Sink>
void BasicHub<Sink>::Serve(const std::vector<Job>& jobs, size_t index, size_t count,
                           std::vector<Snapshot>& held) {
  for (const Job& job : jobs) {
    if (job.event == nullptr) {
      Each(*job.recipients, index, count, [&job](Sink& sink) { sink.Resync(job.resync_reason); });
      continue;
    }
    Each(*job.recipients, index, count, [&job](Sink& sink) { sink.Deliver(job.event); });
    if (job.recipients->size < kFanOutRecipients) {
      Each(*job.recipients, index, count, [](Sink& sink) { sink.Flush(); });
    } else if (std::find(held.begin(), held.end(), job.recipients) == held.end()) {
      // Flushed once per distinct recipient list: the jobs of a busy room share one snapshot.
      held.push_back(job.recipients);
    }
  }
}

template <class Sink>
void BasicHub<Sink>::Flush(const std::vector<Snapshot>& held, size_t index, size_t count) {
  for (const Snapshot& recipients : held) {
    Each(*recipients, index, count, [](Sink& sink) { sink.Flush(); });
  }
}

template <class Sink>
void BasicHub<Sink>::FlushServing(FanOutThread& self, size_t index,
                                  const std::vector<Snapshot>& flushing,
                                  std::vector<Snapshot>& held) {
  // A pass of writes over thousands of streams takes tens of milliseconds. The events that come
  // meanwhile are queued on their streams every few writes, not after the pass: a stream whose
  // write completes takes them at once, and the streams the pass has not reached carry them now.
  const size_t count = fan_out_.size();
  size_t flushed = 0;
  std::vector<Job> jobs;
  for (const Snapshot& recipients : flushing) {
    Each(*recipients, index, count, [&](Sink& sink) {
      sink.Flush();
      if (++flushed % kServeEvery != 0) return;
      {
        std::lock_guard lock(self.mu);
        if (self.jobs.empty()) return;
        jobs.swap(self.jobs);
      }
      Serve(jobs, index, count, held);
      jobs.clear();
    });
  }
}

template <class Sink>
std::vector<std::shared_ptr<Sink>> BasicHub<Sink>::AllSinks() const {
  std::vector<std::shared_ptr<Sink>> out;
  std::lock_guard lock(mu_);
  out.reserve(sinks_.size());
  for (const auto& [_, weak] : sinks_) {
    if (auto sink = weak.lock()) out.push_back(std::move(sink));
  }
  return out;
}

template <class Sink>
size_t BasicHub<Sink>::channel_count() const {
  std::lock_guard lock(mu_);
  return by_channel_.size();
}

}  // namespace natter::gateway
