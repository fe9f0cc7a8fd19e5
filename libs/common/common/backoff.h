// How a client waits before it connects to a gateway again. After failures: "full jitter" (a
// delay uniform in [0, min(cap, base·2^(failures-1))], as in the AWS Architecture Blog's
// "Exponential Backoff And Jitter"), so clients that lost their gateway together do not all come
// back together, and each waits longer the longer the trouble lasts. After a GoAway: the wait the
// gateway asked for (GoAway.reconnect_after_ms, at most `cap`), plus up to `base` of jitter of the
// client's own. docs/PROTOCOL.md, "GoAway", is the rule; natterctl and natter-desktop follow it
// from here. Header-only, through the natter_backoff target, so the desktop client links none of
// the servers' libraries for it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace natter {

struct ReconnectBackoff {
  std::chrono::milliseconds base{250};
  std::chrono::milliseconds cap{30'000};

  // The longest wait after `failures` failed attempts in a row (1 for the first): base doubled
  // for each failure after the first, at most `cap`; 0 without a failure.
  std::chrono::milliseconds Ceiling(int failures) const {
    if (failures <= 0) return std::chrono::milliseconds(0);
    std::chrono::milliseconds ceiling = base;
    for (int i = 1; i < failures && ceiling < cap; ++i) ceiling *= 2;
    return std::min(ceiling, cap);
  }

  // A wait after `failures` failed attempts in a row: uniform in [0, Ceiling(failures)].
  // `random` is a uniform random bit generator (std::mt19937, QRandomGenerator).
  template <class Random>
  std::chrono::milliseconds AfterFailures(int failures, Random& random) const {
    return Uniform(Ceiling(failures), random);
  }

  // A wait after a GoAway that asked for `reconnect_after`: that (at most `cap`, since the
  // number comes from the network), plus uniform in [0, base].
  template <class Random>
  std::chrono::milliseconds AfterGoAway(std::chrono::milliseconds reconnect_after,
                                        Random& random) const {
    return std::clamp(reconnect_after, std::chrono::milliseconds(0), cap) + Uniform(base, random);
  }

 private:
  template <class Random>
  static std::chrono::milliseconds Uniform(std::chrono::milliseconds most, Random& random) {
    std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(most.count(), 0));
    return std::chrono::milliseconds(pick(random));
  }
};

}  // namespace natter
