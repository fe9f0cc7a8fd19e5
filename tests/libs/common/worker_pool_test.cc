// WorkerPool: bounded queue, fixed threads, drains on destruction. Deterministic: tasks block on
// latches the test controls; every wait has a deadline so a regression fails instead of hanging.
#include "common/worker_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace natter {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

// A countdown latch whose wait gives up after a deadline.
class Latch {
 public:
  explicit Latch(int count) : count_(count) {}
  void CountDown() {
    std::lock_guard lock(mu_);
    if (--count_ <= 0) cv_.notify_all();
  }
  // True when the count reached zero before the deadline.
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return count_ <= 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_;
};

// Occupies one worker until released; `started` tells the test it left the queue.
struct Blocker {
  Latch started{1};
  Latch release{1};
  std::function<void()> Task() {
    return [this] {
      started.CountDown();
      release.WaitFor(kDeadline);
    };
  }
};

TEST(WorkerPoolTest, RunsEverySubmittedTaskOffTheCallingThread) {
  WorkerPool pool("test", 2, 100);
  constexpr int kTasks = 50;
  Latch done(kTasks);
  std::atomic<int> ran{0};
  std::atomic<int> on_caller_thread{0};
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&] {
      if (std::this_thread::get_id() == caller) ++on_caller_thread;
      ++ran;
      done.CountDown();
    }));
  }
  ASSERT_TRUE(done.WaitFor(kDeadline));
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_EQ(on_caller_thread.load(), 0);
}

TEST(WorkerPoolTest, RunsTasksOnSeveralThreadsAtOnce) {
  WorkerPool pool("test", 2, 10);
  // Each task waits until both are running: only a pool with two live workers gets both past it.
  Latch both_running(2);
  Latch done(2);
  std::atomic<int> met{0};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&] {
      both_running.CountDown();
      if (both_running.WaitFor(kDeadline)) ++met;
      done.CountDown();
    }));
  }
  ASSERT_TRUE(done.WaitFor(2 * kDeadline));
  EXPECT_EQ(met.load(), 2);
}

TEST(WorkerPoolTest, RejectsWhenQueueIsFull) {
  WorkerPool pool("test", 1, 2);
  Blocker blocker;
  ASSERT_TRUE(pool.TrySubmit(blocker.Task()));
  ASSERT_TRUE(blocker.started.WaitFor(kDeadline));  // the only worker is busy, the queue is empty

  Latch queued_ran(2);
  EXPECT_TRUE(pool.TrySubmit([&] { queued_ran.CountDown(); }));
  EXPECT_TRUE(pool.TrySubmit([&] { queued_ran.CountDown(); }));
  bool third_ran = false;
  EXPECT_FALSE(pool.TrySubmit([&] { third_ran = true; }));
  EXPECT_FALSE(pool.TrySubmit([&] { third_ran = true; }));

  blocker.release.CountDown();
  ASSERT_TRUE(queued_ran.WaitFor(kDeadline));
  // Room again once the queue drained.
  Latch later(1);
  EXPECT_TRUE(pool.TrySubmit([&] { later.CountDown(); }));
  EXPECT_TRUE(later.WaitFor(kDeadline));
  EXPECT_FALSE(third_ran);
}

TEST(WorkerPoolTest, DestructorRunsQueuedTasksBeforeReturning) {
  auto pool = std::make_unique<WorkerPool>("test", 1, 1'000'000);
  WorkerPool* raw = pool.get();
  Latch started(1);
  // Holds the only worker until the destructor has begun: TrySubmit fails once the pool is stopping
  // (the queue is far too large to fill), so the queued tasks below are still waiting when it
  // starts.
  ASSERT_TRUE(pool->TrySubmit([&] {
    started.CountDown();
    while (raw->TrySubmit([] {})) std::this_thread::yield();
  }));
  ASSERT_TRUE(started.WaitFor(kDeadline));

  std::mutex mu;
  std::vector<int> order;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(pool->TrySubmit([&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
    }));
  }
  pool.reset();  // returns only after the blocker saw the pool stopping and the queue drained

  std::lock_guard lock(mu);
  EXPECT_THAT(order, ElementsAre(1, 2, 3, 4, 5));
}

TEST(WorkerPoolTest, TaskThatThrowsDoesNotStopTheWorker) {
  WorkerPool pool("test", 1, 10);
  ASSERT_TRUE(pool.TrySubmit([] { throw std::runtime_error("boom"); }));
  Latch after(1);
  ASSERT_TRUE(pool.TrySubmit([&] { after.CountDown(); }));
  EXPECT_TRUE(after.WaitFor(kDeadline));
}

}  // namespace
}  // namespace natter
