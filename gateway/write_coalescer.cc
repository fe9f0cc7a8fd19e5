#include "write_coalescer.h"

#include <algorithm>

namespace natter::gateway {

WriteCoalescer::WriteCoalescer(std::chrono::microseconds max_window)
    : max_window_(max_window), thread_([this] { Run(); }) {}

WriteCoalescer::~WriteCoalescer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WriteCoalescer::Hold(std::shared_ptr<HeldWriter> writer) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    first = held_.empty();
    held_.push_back(std::move(writer));
  }
  if (first) cv_.notify_one();
}

std::chrono::microseconds WriteCoalescer::window() const {
  std::lock_guard lock(mu_);
  return window_;
}

void WriteCoalescer::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !held_.empty(); });
    if (!stopping_ && window_.count() > 0) {
      // Let the events that follow join the writes; a stop cuts the wait short.
      cv_.wait_for(lock, window_, [&] { return stopping_; });
    }
    std::vector<std::shared_ptr<HeldWriter>> batch;
    batch.swap(held_);
    bool stop = stopping_;
    lock.unlock();
    auto start = std::chrono::steady_clock::now();
    for (const auto& writer : batch) writer->WriteHeld();
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    batch.clear();  // writers are released outside the lock
    lock.lock();
    window_ = std::min(took, max_window_);
    if (stop && held_.empty()) return;
  }
}

}  // namespace natter::gateway
