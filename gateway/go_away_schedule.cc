#include "go_away_schedule.h"

#include <algorithm>

#include "common/check.h"

namespace natter::gateway {

GoAwayPlan PlanGoAways(size_t streams, std::chrono::milliseconds window,
                       std::chrono::milliseconds min_gap) {
  NATTER_CHECK(min_gap.count() > 0, "a GoAway schedule needs a positive gap between batches");
  window = std::max(window, std::chrono::milliseconds(0));
  const size_t slots = static_cast<size_t>(window / min_gap);
  const size_t batches = std::min(streams, std::max<size_t>(slots, 1));
  GoAwayPlan plan;
  std::chrono::milliseconds gap = batches > 0 ? window / static_cast<int64_t>(batches) : window;
  plan.reconnect_window = std::clamp(gap, kMinReconnectWindow, kMaxReconnectWindow);
  plan.batches.reserve(batches);
  for (size_t i = 0; i < batches; ++i) {
    // i * window / batches, in integers so that the batches neither drift nor pass the window.
    auto at = std::chrono::milliseconds(window.count() * static_cast<int64_t>(i) /
                                        static_cast<int64_t>(batches));
    plan.batches.push_back({at, streams / batches + (i < streams % batches ? 1 : 0)});
  }
  return plan;
}

}  // namespace natter::gateway
