// Strand: runs steps one at a time, in the order they were posted, without a thread of its own.
// A thread that posts while no step is running runs its step at once, then every step posted
// meanwhile by other threads; a thread that posts while one is running queues its step and returns
// at once. So the code behind a strand is never entered twice at once, and a step may post another
// (it runs after the current one). Used by ClientStream to feed its Session from one place.
#pragma once

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace natter::gateway {

class Strand {
 public:
  template <class Step>
  void Post(Step&& step) {
    Dispatch(step, [&step]() -> Step&& { return std::forward<Step>(step); });
  }

  // Like Post, for a caller whose step can run in place more cheaply than it can be kept: runs
  // `step` now if no step is running, else queues what `keep()` returns (a step that owns what
  // it needs).
  template <class Step, class Keep>
  void Dispatch(Step&& step, Keep&& keep) {
    {
      std::lock_guard lock(mu_);
      if (running_) {
        steps_.emplace_back(keep());
        return;
      }
      running_ = true;
    }
    step();
    // What was posted meanwhile, a batch at a time, in order. The queue is a vector taken whole,
    // so an idle strand (most streams, most of the time) holds no allocation.
    for (;;) {
      std::vector<std::function<void()>> batch;
      {
        std::lock_guard lock(mu_);
        if (steps_.empty()) {
          running_ = false;
          return;
        }
        batch = std::exchange(steps_, {});
      }
      for (auto& next : batch) next();
    }
  }

 private:
  std::mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> steps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::gateway
