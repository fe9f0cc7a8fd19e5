// Strand: steps run one at a time, each poster's in its order, every one of them, and a step may
// post another (the tsan tests run this under ThreadSanitizer: the counters below are plain ints).
#include "strand.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace natter::gateway {
namespace {

using ::testing::ElementsAre;

TEST(StrandTest, AStepPostedFromAStepRunsAfterIt) {
  Strand strand;
  std::vector<int> order;
  strand.Post([&] {
    order.push_back(1);
    strand.Post([&] { order.push_back(3); });
    order.push_back(2);
  });
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
}

TEST(StrandTest, StepsFromManyThreadsRunOneAtATimeEachPostersInOrder) {
  Strand strand;
  constexpr int kThreads = 6;
  constexpr int kSteps = 20000;
  int total = 0;  // plain: only steps touch it
  std::vector<int> last(kThreads, -1);
  bool in_order = true;
  std::atomic<int> inside{0};
  bool overlapped = false;
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kSteps; ++i) {
        strand.Post([&, t, i] {
          if (inside.fetch_add(1) != 0) overlapped = true;
          in_order = in_order && last[t] == i - 1;
          last[t] = i;
          ++total;
          inside.fetch_sub(1);
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  // Every poster has returned, and a poster returns only after its step ran or was queued for a
  // thread that runs every queued step before it returns.
  strand.Post([] {});
  EXPECT_EQ(total, kThreads * kSteps);
  EXPECT_TRUE(in_order);
  EXPECT_FALSE(overlapped);
}

}  // namespace
}  // namespace natter::gateway
