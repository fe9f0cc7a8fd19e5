// PresenceService on a fake store and clock: streams open, close, renew and expire.
#include "presence_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_presence_store.h"
#include "fakes/fake_rate_limiter.h"

namespace natter::presence {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using namespace std::chrono_literals;

constexpr auto kTtl = 30s;

v1::DeviceStream Stream(uint64_t user_id, const std::string& stream_id) {
  v1::DeviceStream stream;
  stream.set_user_id(user_id);
  stream.set_stream_id(stream_id);
  stream.set_device("laptop");
  return stream;
}

class PresenceServiceTest : public ::testing::Test {
 protected:
  absl::Status Open(uint64_t user_id, const std::string& stream_id) {
    v1::StreamOpenedRequest request;
    request.set_gateway_id("gw-1");
    *request.mutable_stream() = Stream(user_id, stream_id);
    return service_.StreamOpened(request);
  }

  absl::Status Close(uint64_t user_id, const std::string& stream_id) {
    v1::StreamClosedRequest request;
    request.set_gateway_id("gw-1");
    *request.mutable_stream() = Stream(user_id, stream_id);
    return service_.StreamClosed(request);
  }

  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const std::vector<v1::DeviceStream>& streams) {
    v1::HeartbeatRequest request;
    request.set_gateway_id("gw-1");
    for (const auto& s : streams) *request.add_streams() = s;
    return service_.Heartbeat(request);
  }

  // "online/2" or "offline/0": status and device count of one user, or the error. Runs the sweeper
  // first, as the presence server does every second.
  std::string StatusOf(uint64_t user_id) {
    EXPECT_TRUE(service_.Sweep().ok());
    v1::GetPresenceRequest request;
    request.add_user_ids(user_id);
    auto response = service_.GetPresence(request);
    if (!response.ok()) return "error: " + std::string(response.status().message());
    if (response->users_size() != 1) return "wrong number of users";
    const v1::UserPresence& p = response->users(0);
    if (p.user_id() != user_id) return "wrong user";
    return p.status() + "/" + std::to_string(p.devices());
  }

  absl::StatusOr<v1::ListOnlineResponse> ListOnline(uint32_t limit) {
    EXPECT_TRUE(service_.Sweep().ok());
    v1::ListOnlineRequest request;
    request.set_limit(limit);
    return service_.ListOnline(request);
  }

  fakes::FakePresenceStore store_;
  fakes::FakeClock clock_;
  fakes::FakeAudience audience_;
  fakes::FakeEventPublisher publisher_;
  fakes::FakeRateLimiter limiter_{clock_};
  PresenceService service_{store_, audience_, publisher_, limiter_, RateLimit{}, clock_, kTtl};
};

// Issue 19 item 5: 30 SetStatus calls sent 30 presence events to every friend.
TEST_F(PresenceServiceTest, StatusChangesAreLimitedPerUserWithARetryDelay) {
  PresenceService limited{store_, audience_, publisher_, limiter_, RateLimit{0.2, 3}, clock_, kTtl};
  ASSERT_TRUE(Open(1, "s1").ok());
  auto set = [&](uint64_t user, const std::string& status) {
    v1::SetStatusRequest request;
    request.set_user_id(user);
    request.set_status(status);
    return limited.SetStatus(request);
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(set(1, i % 2 ? "online" : "away").ok());
  publisher_.Clear();
  auto refused = set(1, "away");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("try again in 5.0 s"));
  ASSERT_TRUE(RetryAfter(refused.status()).has_value());
  EXPECT_TRUE(publisher_.published().empty());  // nothing announced for a refused change
  EXPECT_TRUE(set(2, "away").ok());             // another user's allowance is their own
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_TRUE(set(1, "away").ok());
}

TEST_F(PresenceServiceTest, UnknownUserIsOffline) { EXPECT_EQ(StatusOf(1), "offline/0"); }

TEST_F(PresenceServiceTest, OpenedStreamMakesUserOnlineWithOneDevice) {
  ASSERT_TRUE(Open(1, "s1").ok());
  EXPECT_EQ(StatusOf(1), "online/1");
  EXPECT_EQ(StatusOf(2), "offline/0");
}

TEST_F(PresenceServiceTest, OpenedStreamLivesForTheTtl) {
  ASSERT_TRUE(Open(1, "s1").ok());
  auto streams = store_.StreamsOf(1);
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams["s1"], clock_.NowMs() + 30'000);
}

TEST_F(PresenceServiceTest, TwoStreamsCountAsTwoDevices) {
  ASSERT_TRUE(Open(1, "phone").ok());
  ASSERT_TRUE(Open(1, "laptop").ok());
  EXPECT_EQ(StatusOf(1), "online/2");
}

TEST_F(PresenceServiceTest, ReopeningTheSameStreamIsStillOneDevice) {
  ASSERT_TRUE(Open(1, "s1").ok());
  ASSERT_TRUE(Open(1, "s1").ok());
  EXPECT_EQ(StatusOf(1), "online/1");
}

TEST_F(PresenceServiceTest, ClosingOneOfTwoStreamsKeepsUserOnline) {
  ASSERT_TRUE(Open(1, "phone").ok());
  ASSERT_TRUE(Open(1, "laptop").ok());
  ASSERT_TRUE(Close(1, "phone").ok());
  EXPECT_EQ(StatusOf(1), "online/1");
}

TEST_F(PresenceServiceTest, ClosingLastStreamMakesUserOffline) {
  ASSERT_TRUE(Open(1, "phone").ok());
  ASSERT_TRUE(Open(1, "laptop").ok());
  ASSERT_TRUE(Close(1, "phone").ok());
  ASSERT_TRUE(Close(1, "laptop").ok());
  EXPECT_EQ(StatusOf(1), "offline/0");
}

TEST_F(PresenceServiceTest, ClosingAnUnknownStreamIsHarmless) {
  ASSERT_TRUE(Open(1, "s1").ok());
  EXPECT_TRUE(Close(1, "never-opened").ok());
  EXPECT_TRUE(Close(2, "s1").ok());
  EXPECT_EQ(StatusOf(1), "online/1");
}

TEST_F(PresenceServiceTest, StreamWithoutHeartbeatExpiresAfterTtl) {
  ASSERT_TRUE(Open(1, "s1").ok());
  clock_.Advance(kTtl - 1ms);
  EXPECT_EQ(StatusOf(1), "online/1");
  clock_.Advance(1ms);
  EXPECT_EQ(StatusOf(1), "offline/0");
}

TEST_F(PresenceServiceTest, HeartbeatRenewsStreams) {
  ASSERT_TRUE(Open(1, "s1").ok());
  clock_.Advance(20s);
  auto response = Heartbeat({Stream(1, "s1")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->ttl_seconds(), 30);
  clock_.Advance(20s);  // 40 s after opening, 20 s after the heartbeat
  EXPECT_EQ(StatusOf(1), "online/1");
  clock_.Advance(10s);  // exactly one TTL after the heartbeat
  EXPECT_EQ(StatusOf(1), "offline/0");
}

TEST_F(PresenceServiceTest, HeartbeatRenewsOnlyTheStreamsItNames) {
  ASSERT_TRUE(Open(1, "phone").ok());
  ASSERT_TRUE(Open(1, "laptop").ok());
  ASSERT_TRUE(Open(2, "desktop").ok());
  clock_.Advance(20s);
  ASSERT_TRUE(Heartbeat({Stream(1, "laptop")}).ok());
  clock_.Advance(15s);
  EXPECT_EQ(StatusOf(1), "online/1");
  EXPECT_EQ(StatusOf(2), "offline/0");
}

TEST_F(PresenceServiceTest, HeartbeatRestoresStreamsPresenceLost) {
  // After a presence restart (or Redis flush) the gateways' next heartbeat brings users back.
  ASSERT_TRUE(Heartbeat({Stream(1, "s1"), Stream(2, "s2"), Stream(2, "s3")}).ok());
  EXPECT_EQ(StatusOf(1), "online/1");
  EXPECT_EQ(StatusOf(2), "online/2");
}

TEST_F(PresenceServiceTest, ClosingAfterOtherStreamExpiredMakesUserOffline) {
  ASSERT_TRUE(Open(1, "crashed").ok());
  clock_.Advance(20s);
  ASSERT_TRUE(Open(1, "current").ok());
  clock_.Advance(15s);  // "crashed" expired, "current" has 15 s left
  ASSERT_TRUE(Close(1, "current").ok());
  EXPECT_EQ(StatusOf(1), "offline/0");
}

TEST_F(PresenceServiceTest, GetPresenceAnswersInTheOrderAsked) {
  ASSERT_TRUE(Open(3, "a").ok());
  ASSERT_TRUE(Open(1, "b").ok());
  ASSERT_TRUE(Open(1, "c").ok());
  v1::GetPresenceRequest request;
  for (uint64_t id : {3, 2, 1}) request.add_user_ids(id);
  auto response = service_.GetPresence(request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->users_size(), 3);
  EXPECT_EQ(response->users(0).user_id(), 3u);
  EXPECT_EQ(response->users(0).status(), "online");
  EXPECT_EQ(response->users(0).devices(), 1);
  EXPECT_EQ(response->users(1).user_id(), 2u);
  EXPECT_EQ(response->users(1).status(), "offline");
  EXPECT_EQ(response->users(1).devices(), 0);
  EXPECT_EQ(response->users(2).user_id(), 1u);
  EXPECT_EQ(response->users(2).status(), "online");
  EXPECT_EQ(response->users(2).devices(), 2);
}

TEST_F(PresenceServiceTest, GetPresenceOfNobodyIsEmpty) {
  auto response = service_.GetPresence(v1::GetPresenceRequest());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->users_size(), 0);
}

TEST_F(PresenceServiceTest, GetPresenceAcceptsAtMost1000Users) {
  v1::GetPresenceRequest request;
  for (uint64_t id = 1; id <= 1000; ++id) request.add_user_ids(id);
  auto ok = service_.GetPresence(request);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->users_size(), 1000);
  request.add_user_ids(1001);
  auto too_many = service_.GetPresence(request);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(too_many.status().message(), "ask for at most 1000 users at once");
}

TEST_F(PresenceServiceTest, ListOnlineReturnsLiveUsersAndTotal) {
  ASSERT_TRUE(Open(1, "a").ok());
  ASSERT_TRUE(Open(2, "b").ok());
  ASSERT_TRUE(Open(2, "c").ok());
  clock_.Advance(20s);
  ASSERT_TRUE(Open(3, "d").ok());
  clock_.Advance(5s);
  ASSERT_TRUE(Close(2, "b").ok());
  ASSERT_TRUE(Close(2, "c").ok());
  auto online = ListOnline(0);
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_THAT(online->user_ids(), UnorderedElementsAre(1, 3));
  EXPECT_EQ(online->total(), 2u);

  clock_.Advance(5s);  // user 1's stream expired
  online = ListOnline(0);
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_THAT(online->user_ids(), ElementsAre(3));
  EXPECT_EQ(online->total(), 1u);
}

TEST_F(PresenceServiceTest, ListOnlineHonoursLimitButCountsEveryone) {
  for (uint64_t id = 1; id <= 5; ++id) ASSERT_TRUE(Open(id, "s").ok());
  auto online = ListOnline(2);
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_EQ(online->user_ids_size(), 2);
  EXPECT_EQ(online->total(), 5u);
}

TEST_F(PresenceServiceTest, ListOnlineCapsLimitAt1000) {
  for (uint64_t id = 1; id <= 1001; ++id) ASSERT_TRUE(Open(id, "s").ok());
  for (uint32_t limit : {0u, 1000u, 5000u}) {
    auto online = ListOnline(limit);
    ASSERT_TRUE(online.ok()) << online.status();
    EXPECT_EQ(online->user_ids_size(), 1000) << "limit " << limit;
    EXPECT_EQ(online->total(), 1001u);
  }
}

TEST_F(PresenceServiceTest, ListOnlineWhenNobodyIsOnline) {
  auto online = ListOnline(0);
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_THAT(online->user_ids(), IsEmpty());
  EXPECT_EQ(online->total(), 0u);
}

TEST_F(PresenceServiceTest, RejectsStreamWithoutUser) {
  absl::Status opened = Open(0, "s1");
  EXPECT_EQ(opened.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(opened.message(), "stream has no user_id");
  EXPECT_EQ(Close(0, "s1").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.renew_calls(), 0);
}

TEST_F(PresenceServiceTest, RejectsEmptyOrOversizedStreamId) {
  absl::Status empty = Open(1, "");
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "stream_id must be 1 to 128 bytes long");
  EXPECT_EQ(Open(1, std::string(129, 's')).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Close(1, "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.renew_calls(), 0);
  EXPECT_TRUE(Open(1, std::string(128, 's')).ok());
}

TEST_F(PresenceServiceTest, HeartbeatWithOneInvalidStreamRenewsNothing) {
  ASSERT_TRUE(Open(1, "s1").ok());
  clock_.Advance(20s);
  auto response = Heartbeat({Stream(1, "s1"), Stream(0, "s2")});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  clock_.Advance(10s);
  EXPECT_EQ(StatusOf(1), "offline/0");
}

// The Redis Cluster failover fault (ha_faults_test): while the master holding a user's keys was
// down no heartbeat could renew their stream, and once its replica took over the sweeper found the
// stream expired and showed a user whose connection never dropped offline, until the next
// heartbeat. A store outage is not a departure: the sweeper waits one TTL after it, in which every
// live gateway renews its streams.
TEST_F(PresenceServiceTest, AStoreOutageIsNotADeparture) {
  ASSERT_TRUE(Open(1, "stays").ok());
  clock_.Advance(kTtl - 5s);
  store_.FailNext(absl::UnavailableError("redis is down"), "Renew");
  EXPECT_FALSE(Heartbeat({Stream(1, "stays")}).ok());
  clock_.Advance(2s);
  store_.FailNext(absl::UnavailableError("redis is down"), "Expired");
  EXPECT_FALSE(service_.Sweep().ok());
  clock_.Advance(4s);  // past the stream's expiry; the store answers again
  publisher_.Clear();
  EXPECT_EQ(StatusOf(1), "online/0");  // not yet renewed, not announced gone
  EXPECT_TRUE(publisher_.published().empty());
  ASSERT_TRUE(Heartbeat({Stream(1, "stays")}).ok());
  EXPECT_EQ(StatusOf(1), "online/1");
  EXPECT_TRUE(publisher_.published().empty());
}

TEST_F(PresenceServiceTest, AStreamThatEndedDuringAStoreOutageGoesOfflineOneTtlAfterIt) {
  ASSERT_TRUE(Open(1, "gone").ok());
  clock_.Advance(kTtl - 5s);
  store_.FailNext(absl::UnavailableError("redis is down"), "Renew");
  EXPECT_FALSE(Heartbeat({Stream(1, "gone")}).ok());  // its last renewal; then the stream ends
  clock_.Advance(10s);
  EXPECT_EQ(StatusOf(1), "online/0");
  clock_.Advance(kTtl - 10s - 1ms);
  EXPECT_EQ(StatusOf(1), "online/0");
  clock_.Advance(1ms);  // one TTL after the failure
  EXPECT_EQ(StatusOf(1), "offline/0");
}

TEST_F(PresenceServiceTest, StoreFailuresArePassedOn) {
  store_.FailNext(absl::UnavailableError("redis is down"), "Renew");
  EXPECT_EQ(Open(1, "s1").code(), absl::StatusCode::kUnavailable);
  store_.FailNext(absl::UnavailableError("redis is down"), "Remove");
  EXPECT_EQ(Close(1, "s1").code(), absl::StatusCode::kUnavailable);
  store_.FailNext(absl::UnavailableError("redis is down"), "Get");
  EXPECT_EQ(StatusOf(1), "error: redis is down");
  store_.FailNext(absl::UnavailableError("redis is down"), "Get");
  EXPECT_EQ(ListOnline(0).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace natter::presence
