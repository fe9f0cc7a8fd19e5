// WriteCoalescer: every held writer is written, once per hold, on the coalescer's thread, and the
// window follows how long a pass took, up to the maximum.
#include "write_coalescer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

namespace natter::gateway {
namespace {

using namespace std::chrono_literals;

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class CountingWriter final : public HeldWriter {
 public:
  explicit CountingWriter(std::chrono::microseconds cost = 0us) : cost_(cost) {}
  void WriteHeld() override {
    if (cost_.count() > 0) std::this_thread::sleep_for(cost_);
    thread_ = std::this_thread::get_id();
    writes_.fetch_add(1);
  }
  int writes() const { return writes_.load(); }
  std::thread::id thread() const { return thread_; }

 private:
  const std::chrono::microseconds cost_;
  std::atomic<int> writes_{0};
  std::thread::id thread_;
};

TEST(WriteCoalescerTest, EveryHeldWriterIsWrittenOnceOnTheCoalescersThread) {
  WriteCoalescer coalescer(20ms);
  std::vector<std::shared_ptr<CountingWriter>> writers;
  for (int i = 0; i < 100; ++i) {
    writers.push_back(std::make_shared<CountingWriter>());
    coalescer.Hold(writers.back());
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& w : writers) {
          if (w->writes() != 1) return false;
        }
        return true;
      },
      10s));
  EXPECT_NE(writers[0]->thread(), std::this_thread::get_id());
  coalescer.Hold(writers[0]);  // held again after its write: written again
  ASSERT_TRUE(WaitFor([&] { return writers[0]->writes() == 2; }, 10s));
}

TEST(WriteCoalescerTest, TheWindowFollowsThePassUpToTheMaximum) {
  WriteCoalescer coalescer(20ms);
  EXPECT_EQ(coalescer.window().count(), 0);  // nothing written yet: no wait
  // A pass with a writer that takes 30 ms: the window becomes the 20 ms maximum.
  auto slow = std::make_shared<CountingWriter>(30ms);
  coalescer.Hold(slow);
  ASSERT_TRUE(WaitFor([&] { return slow->writes() == 1; }, 10s));
  ASSERT_TRUE(WaitFor([&] { return coalescer.window() == 20ms; }, 10s));
  // A quick pass brings it back down.
  auto quick = std::make_shared<CountingWriter>();
  coalescer.Hold(quick);
  ASSERT_TRUE(WaitFor([&] { return coalescer.window() < 20ms; }, 10s));
  EXPECT_EQ(quick->writes(), 1);
}

TEST(WriteCoalescerTest, StoppingWritesWhatIsStillHeld) {
  auto writer = std::make_shared<CountingWriter>();
  {
    WriteCoalescer coalescer(1000ms);
    coalescer.Hold(std::make_shared<CountingWriter>(30ms));  // makes the next window long
    std::this_thread::sleep_for(100ms);
    coalescer.Hold(writer);
  }
  EXPECT_EQ(writer->writes(), 1);
}

}  // namespace
}  // namespace natter::gateway
