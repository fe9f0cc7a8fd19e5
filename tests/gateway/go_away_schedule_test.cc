// PlanGoAways: a draining gateway's GoAways spread evenly over the window, in batches that add up
// to every stream, with a reconnect window that follows the gap between batches.
#include "go_away_schedule.h"

#include <gtest/gtest.h>

#include <numeric>

namespace natter::gateway {
namespace {

using std::chrono::milliseconds;

size_t Told(const GoAwayPlan& plan) {
  return std::accumulate(plan.batches.begin(), plan.batches.end(), size_t{0},
                         [](size_t sum, const GoAwayBatch& b) { return sum + b.count; });
}

TEST(GoAwayScheduleTest, ThousandsOfStreamsAreSpreadEvenlyOverTheWindow) {
  // 2,000 streams over 10 s: a batch every 100 ms, 20 streams each.
  GoAwayPlan plan = PlanGoAways(2000, milliseconds(10'000));
  ASSERT_EQ(plan.batches.size(), 100u);
  for (size_t i = 0; i < plan.batches.size(); ++i) {
    EXPECT_EQ(plan.batches[i].at, milliseconds(100 * static_cast<int64_t>(i)));
    EXPECT_EQ(plan.batches[i].count, 20u);
  }
  EXPECT_EQ(plan.batches.front().at, milliseconds(0));     // the first at once
  EXPECT_EQ(plan.batches.back().at, milliseconds(9'900));  // the last one gap before the end
  EXPECT_EQ(Told(plan), 2000u);
}

TEST(GoAwayScheduleTest, UnevenCountsDifferByOneAtMostAndAddUp) {
  GoAwayPlan plan = PlanGoAways(1003, milliseconds(1'000));
  ASSERT_EQ(plan.batches.size(), 10u);
  for (size_t i = 0; i < plan.batches.size(); ++i) {
    EXPECT_EQ(plan.batches[i].count, i < 3 ? 101u : 100u) << "batch " << i;
  }
  EXPECT_EQ(Told(plan), 1003u);
}

TEST(GoAwayScheduleTest, FewStreamsGetOneBatchEachSpreadOverTheWholeWindow) {
  GoAwayPlan plan = PlanGoAways(4, milliseconds(8'000));
  ASSERT_EQ(plan.batches.size(), 4u);
  EXPECT_EQ(plan.batches[0].at, milliseconds(0));
  EXPECT_EQ(plan.batches[1].at, milliseconds(2'000));
  EXPECT_EQ(plan.batches[2].at, milliseconds(4'000));
  EXPECT_EQ(plan.batches[3].at, milliseconds(6'000));
  for (const auto& b : plan.batches) EXPECT_EQ(b.count, 1u);
}

TEST(GoAwayScheduleTest, BatchesAreNeverCloserThanTheMinimumGap) {
  GoAwayPlan plan = PlanGoAways(100'000, milliseconds(1'234), milliseconds(50));
  ASSERT_EQ(plan.batches.size(), 24u);  // 1234 / 50
  for (size_t i = 1; i < plan.batches.size(); ++i) {
    EXPECT_GE(plan.batches[i].at - plan.batches[i - 1].at, milliseconds(50));
  }
  EXPECT_LT(plan.batches.back().at, milliseconds(1'234));
  EXPECT_EQ(Told(plan), 100'000u);
}

TEST(GoAwayScheduleTest, AWindowShorterThanAGapTellsEveryoneAtOnce) {
  for (auto window : {milliseconds(0), milliseconds(99), milliseconds(-5)}) {
    GoAwayPlan plan = PlanGoAways(500, window);
    ASSERT_EQ(plan.batches.size(), 1u) << window.count();
    EXPECT_EQ(plan.batches[0].at, milliseconds(0));
    EXPECT_EQ(plan.batches[0].count, 500u);
    EXPECT_EQ(plan.reconnect_window, kMinReconnectWindow);  // they still arrive over a second
  }
}

TEST(GoAwayScheduleTest, NoStreamsNoBatches) {
  EXPECT_TRUE(PlanGoAways(0, milliseconds(10'000)).batches.empty());
}

TEST(GoAwayScheduleTest, TheReconnectWindowIsTheGapWithinItsBounds) {
  // 10 batches 300 ms apart: at least a second.
  EXPECT_EQ(PlanGoAways(10, milliseconds(3'000)).reconnect_window, kMinReconnectWindow);
  // 4 batches 2 s apart: the gap.
  EXPECT_EQ(PlanGoAways(4, milliseconds(8'000)).reconnect_window, milliseconds(2'000));
  // One stream over 60 s: at most 5 s, so a client does not wait for long.
  EXPECT_EQ(PlanGoAways(1, milliseconds(60'000)).reconnect_window, kMaxReconnectWindow);
}

}  // namespace
}  // namespace natter::gateway
