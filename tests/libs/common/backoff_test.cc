// ReconnectBackoff: full jitter under a ceiling that doubles per failure up to the cap, and a
// GoAway's wait honoured (bounded) with jitter on top.
#include "common/backoff.h"

#include <gtest/gtest.h>

#include <random>

namespace natter {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, TheCeilingDoublesFromTheBaseUpToTheCap) {
  const ReconnectBackoff backoff;
  EXPECT_EQ(backoff.Ceiling(0), milliseconds(0));
  EXPECT_EQ(backoff.Ceiling(1), milliseconds(250));
  EXPECT_EQ(backoff.Ceiling(2), milliseconds(500));
  EXPECT_EQ(backoff.Ceiling(4), milliseconds(2'000));
  EXPECT_EQ(backoff.Ceiling(8), milliseconds(30'000));  // 32 s capped
  EXPECT_EQ(backoff.Ceiling(1'000'000), milliseconds(30'000));
}

TEST(BackoffTest, AfterFailuresEveryWaitIsWithinZeroAndTheCeiling) {
  const ReconnectBackoff backoff{.base = milliseconds(100), .cap = milliseconds(1'000)};
  std::mt19937 random(7);
  for (int failures = 1; failures <= 10; ++failures) {
    for (int i = 0; i < 1000; ++i) {
      milliseconds wait = backoff.AfterFailures(failures, random);
      ASSERT_GE(wait, milliseconds(0));
      ASSERT_LE(wait, backoff.Ceiling(failures)) << failures << " failures";
    }
  }
}

TEST(BackoffTest, FullJitterSpreadsWaitsOverTheWholeRangeAndTheyGrowWithFailures) {
  const ReconnectBackoff backoff;
  std::mt19937 random(11);
  auto mean = [&](int failures, milliseconds* lowest, milliseconds* highest) {
    double sum = 0;
    *lowest = milliseconds::max();
    *highest = milliseconds(0);
    for (int i = 0; i < 4000; ++i) {
      milliseconds wait = backoff.AfterFailures(failures, random);
      sum += static_cast<double>(wait.count());
      *lowest = std::min(*lowest, wait);
      *highest = std::max(*highest, wait);
    }
    return sum / 4000;
  };
  milliseconds lowest, highest;
  // Uniform over [0, 2000]: a mean near 1000, and waits near both ends (not base·2^n ± 25 %).
  double at_four = mean(4, &lowest, &highest);
  EXPECT_NEAR(at_four, 1000, 60);
  EXPECT_LT(lowest, milliseconds(50));
  EXPECT_GT(highest, milliseconds(1'950));
  double at_one = mean(1, &lowest, &highest);
  EXPECT_NEAR(at_one, 125, 10);
  double at_capped = mean(20, &lowest, &highest);
  EXPECT_NEAR(at_capped, 15'000, 900);
  EXPECT_LE(highest, milliseconds(30'000));
}

TEST(BackoffTest, AGoAwaysWaitIsHonouredWithUpToTheBaseOfJitterOnTop) {
  const ReconnectBackoff backoff;
  std::mt19937 random(3);
  bool jittered = false;
  for (int i = 0; i < 1000; ++i) {
    milliseconds wait = backoff.AfterGoAway(milliseconds(1'800), random);
    ASSERT_GE(wait, milliseconds(1'800));
    ASSERT_LE(wait, milliseconds(2'050));
    jittered = jittered || wait > milliseconds(1'900);
  }
  EXPECT_TRUE(jittered);
  // No wait asked: the jitter alone, never at once for everyone.
  for (int i = 0; i < 100; ++i) {
    EXPECT_LE(backoff.AfterGoAway(milliseconds(0), random), milliseconds(250));
  }
}

TEST(BackoffTest, AGoAwaysWaitFromTheNetworkIsBoundedByTheCap) {
  const ReconnectBackoff backoff;
  std::mt19937 random(5);
  EXPECT_LE(backoff.AfterGoAway(milliseconds(4'000'000'000), random), milliseconds(30'250));
  EXPECT_GE(backoff.AfterGoAway(milliseconds(4'000'000'000), random), milliseconds(30'000));
  EXPECT_LE(backoff.AfterGoAway(milliseconds(-5), random), milliseconds(250));
}

}  // namespace
}  // namespace natter
