// Clock: the time source services take in their constructor, so tests can control it.
#pragma once

#include <chrono>
#include <cstdint>

namespace natter {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in Unix milliseconds.
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

}  // namespace natter
