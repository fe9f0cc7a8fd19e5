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

TEST(PeerStatusTest, ANatterServicesOwnWordsPassThrough) {
  grpc::Status from_chat = ToGrpc(absl::UnavailableError("the database is unavailable, try again"));
  EXPECT_TRUE(FromNatterService(from_chat));
  grpc::Status passed = PeerStatus(from_chat, "the chat service");
  EXPECT_EQ(passed.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(passed.error_message(), "the database is unavailable, try again");
  EXPECT_EQ(FromGrpc(from_chat, "the chat service").message(),
            "the database is unavailable, try again");
  // Other codes pass as they are, whoever wrote them.
  grpc::Status denied = ToGrpc(absl::PermissionDeniedError("not yours"));
  EXPECT_EQ(PeerStatus(denied, "the chat service").error_message(), "not yours");
  // A retry delay survives the trip.
  EXPECT_EQ(RetryAfter(PeerStatus(ToGrpc(TooFast("slow down", 250ms)), "x")), 250ms);
}

TEST(PeerStatusTest, TransportFailuresAreWordedForPeople) {
  for (auto code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
                    grpc::StatusCode::CANCELLED}) {
    grpc::Status from_grpc(code, "failed to connect to all addresses; last error: UNKNOWN");
    EXPECT_FALSE(FromNatterService(from_grpc));
    grpc::Status shown = PeerStatus(from_grpc, "the chat service");
    EXPECT_EQ(shown.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(shown.error_message(), "the chat service is unavailable, try again");
    EXPECT_EQ(FromGrpc(from_grpc, "the authentication service").message(),
              "the authentication service is unavailable, try again");
  }
  // Details that are not a status, or that disagree with it, do not make a status a service's.
  EXPECT_FALSE(FromNatterService(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x", "\xff junk")));
  grpc::Status mismatched(grpc::StatusCode::UNAVAILABLE, "other words",
                          ToGrpc(absl::UnavailableError("words")).error_details());
  EXPECT_FALSE(FromNatterService(mismatched));
  // Without a peer name FromGrpc converts as it is.
  EXPECT_EQ(FromGrpc(grpc::Status(grpc::StatusCode::UNAVAILABLE, "raw")).message(), "raw");
}

}  // namespace
}  // namespace natter
