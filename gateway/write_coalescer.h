// Fewer, fuller gRPC writes under fan-out. A gRPC write costs about the same for one event as for
// ten, so when an event reaches many streams at once, their writes are held back for a short
// window and the events that follow within it share them. The window adapts to load: it is as long
// as the last pass over the held-back streams took, between 0 and a maximum. An idle gateway
// writes at once; a gateway that needs 20 ms to write to every stream also waits about 20 ms,
// so each write then carries the events of that time, and the work per event falls as load rises.
// The writes start on the coalescer's own thread, not on the Redis subscriber's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace natter::gateway {

// A stream whose write was held back.
class HeldWriter {
 public:
  virtual ~HeldWriter() = default;
  // Starts the write of what is queued (if none is in flight).
  virtual void WriteHeld() = 0;
};

class WriteCoalescer {
 public:
  // max_window 0: every held writer is written at once (still on the coalescer's thread).
  explicit WriteCoalescer(std::chrono::microseconds max_window);
  // Writes what is still held, then stops.
  ~WriteCoalescer();
  WriteCoalescer(const WriteCoalescer&) = delete;
  WriteCoalescer& operator=(const WriteCoalescer&) = delete;

  // `writer` has events queued and no write in flight; it is written within the window. The
  // caller schedules each writer once until WriteHeld runs.
  void Hold(std::shared_ptr<HeldWriter> writer);
  // The window the next pass waits for.
  std::chrono::microseconds window() const;

 private:
  void Run();

  const std::chrono::microseconds max_window_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<HeldWriter>> held_ ABSL_GUARDED_BY(mu_);
  std::chrono::microseconds window_ ABSL_GUARDED_BY(mu_){0};
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace natter::gateway
