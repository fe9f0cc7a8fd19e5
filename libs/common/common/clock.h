// Clock: the time source services take in their constructor, so tests can control it.
#pragma once

#include <chrono>
#include <cstdint>

namespace natter {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds: Unix wall-clock time, or a steady clock's for SteadyClock.
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Milliseconds of the steady clock, which never jumps: for timeouts and allowances, not for
// timestamps (a gateway's Session in production).
class SteadyClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace natter
