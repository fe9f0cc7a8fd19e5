// When a draining gateway tells its streams to go away. All at once, every client would reconnect
// to the other gateways in the same moment (a reconnect storm: token checks, room lists and
// Welcome snapshots for all of them together); spread evenly over a window, in batches, and each
// client told to wait a random moment more, they arrive at a steady rate. A plan only: the
// gateway's GoAwayAll (gateway_service.h) follows it.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

namespace natter::gateway {

struct GoAwayBatch {
  std::chrono::milliseconds at;  // after the drain began
  size_t count;                  // streams told in this batch
};

struct GoAwayPlan {
  std::vector<GoAwayBatch> batches;
  // Each GoAway's reconnect_after_ms is uniform in [0, reconnect_window): the gap between two
  // batches, so that one batch's clients arrive until the next batch's begin, but at least
  // kMinReconnectWindow and at most kMaxReconnectWindow.
  std::chrono::milliseconds reconnect_window;
};

inline constexpr std::chrono::milliseconds kMinGoAwayGap{100};
inline constexpr std::chrono::milliseconds kMinReconnectWindow{1000};
inline constexpr std::chrono::milliseconds kMaxReconnectWindow{5000};

// `streams` streams told over `window`: the first batch at once, then evenly spaced batches at
// least `min_gap` apart (fewer batches than streams, never more), the last one gap before the
// window ends; batch sizes differ by one at most and add up to `streams`. No streams: no batch. A
// window shorter than `min_gap`: one batch at 0.
GoAwayPlan PlanGoAways(size_t streams, std::chrono::milliseconds window,
                       std::chrono::milliseconds min_gap = kMinGoAwayGap);

}  // namespace natter::gateway
