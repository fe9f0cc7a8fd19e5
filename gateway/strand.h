// Strand: runs steps one at a time, in the order they were posted, without a thread of its own.
// A thread that posts while no step is running runs its step at once, then every step posted
// meanwhile by other threads; a thread that posts while one is running queues its step and returns
// at once. So the code behind a strand is never entered twice at once, and a step may post another
// (it runs after the current one). Used by ClientStream to feed its Session from one place.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <utility>

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
    for (;;) {
      std::function<void()> next;
      {
        std::lock_guard lock(mu_);
        if (steps_.empty()) {
          running_ = false;
          return;
        }
        next = std::move(steps_.front());
        steps_.pop_front();
      }
      next();
    }
  }

 private:
  std::mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::function<void()>> steps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::gateway
