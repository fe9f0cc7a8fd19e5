// GCRA rate limits and the retry delay that travels with RESOURCE_EXHAUSTED.
#include "common/rate_limit.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace natter {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucketTest, AllowsTheBurstThenOneActionPerInterval) {
  TokenBucket bucket(RateLimit{10, 3});  // every 100 ms, three at once
  int64_t now = 1'000'000;
  EXPECT_EQ(bucket.Take(now), 0ms);
  EXPECT_EQ(bucket.Take(now), 0ms);
  EXPECT_EQ(bucket.Take(now), 0ms);
  EXPECT_EQ(bucket.Take(now), 100ms);
  EXPECT_EQ(bucket.Take(now + 40), 60ms) << "the wait shrinks as time passes";
  EXPECT_EQ(bucket.Take(now + 100), 0ms);
  EXPECT_EQ(bucket.Take(now + 100), 100ms);
}

TEST(TokenBucketTest, AQuietSpellRefillsOnlyUpToTheBurst) {
  TokenBucket bucket(RateLimit{10, 2});
  EXPECT_EQ(bucket.Take(0), 0ms);
  int64_t later = 3'600'000;
  EXPECT_EQ(bucket.Take(later), 0ms);
  EXPECT_EQ(bucket.Take(later), 0ms);
  EXPECT_GT(bucket.Take(later), 0ms);
}

TEST(TokenBucketTest, RefusedActionsDoNotUseTheAllowance) {
  TokenBucket bucket(RateLimit{1, 1});
  EXPECT_EQ(bucket.Take(0), 0ms);
  for (int i = 0; i < 100; ++i) EXPECT_GT(bucket.Take(500), 0ms);
  EXPECT_EQ(bucket.Take(1000), 0ms) << "a caller who keeps knocking is not punished further";
}

TEST(TokenBucketTest, ZeroRateMeansUnlimited) {
  TokenBucket bucket(RateLimit{});
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(bucket.Take(0), 0ms);
}

TEST(TooFastTest, SaysHowLongToWaitInWordsAndInRetryInfo) {
  absl::Status status = TooFast("you are sending too fast", 1500ms);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "you are sending too fast; try again in 1.5 s");
  EXPECT_EQ(RetryAfter(status), 1500ms);
}

TEST(TooFastTest, WaitsReadAsAPersonWouldSayThem) {
  EXPECT_EQ(WaitInWords(20ms), "0.1 s");
  EXPECT_EQ(WaitInWords(1450ms), "1.5 s");
  EXPECT_EQ(WaitInWords(59'999ms), "60.0 s");
  EXPECT_EQ(WaitInWords(90s), "2 min");
  EXPECT_EQ(WaitInWords(12h), "12 h");
}

TEST(TooFastTest, TheDelayCrossesTheRpcBoundaryBothWays) {
  grpc::Status wire = ToGrpc(TooFast("slow down", 250ms));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(RetryAfter(wire), 250ms);
  absl::Status back = FromGrpc(wire);
  EXPECT_EQ(back.message(), "slow down; try again in 0.3 s");
  EXPECT_EQ(RetryAfter(back), 250ms);
  EXPECT_EQ(RetryAfter(ToGrpc(absl::NotFoundError("no"))), std::nullopt);
}

TEST(TooFastTest, GarbageDetailsFromAPeerAreIgnored) {
  grpc::Status wire(grpc::StatusCode::RESOURCE_EXHAUSTED, "busy", "\xff\xff not a status");
  EXPECT_EQ(RetryAfter(wire), std::nullopt);
  EXPECT_EQ(FromGrpc(wire).code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace natter
