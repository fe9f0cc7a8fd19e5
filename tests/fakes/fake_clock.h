// FakeClock: a natter::Clock that stands still until the test moves it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace natter::fakes {

class FakeClock final : public Clock {
 public:
  // 2023-11-14T22:13:20Z: far from the epoch, so "0" never passes for a real time by accident.
  static constexpr int64_t kDefaultStartMs = 1'700'000'000'000;

  explicit FakeClock(int64_t now_ms = kDefaultStartMs) : now_ms_(now_ms) {}

  int64_t NowMs() const override { return now_ms_.load(); }

  void SetNowMs(int64_t now_ms) { now_ms_.store(now_ms); }
  void Advance(std::chrono::milliseconds by) { now_ms_.fetch_add(by.count()); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace natter::fakes
