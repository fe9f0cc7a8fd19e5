// The Redis stores and the pub/sub subscriber against a real Redis, including a Redis restart.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "common/config.h"
#include "common/rate_limit.h"
#include "common/redis_client.h"
#include "common/redis_subscriber.h"
#include "harness/harness.h"
#include "redis_presence_store.h"
#include "redis_session_store.h"

namespace natter {
namespace {

using namespace std::chrono_literals;

class RedisStoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<testing::Redis>(dir_.path() / "redis");
    client_ = std::make_unique<RedisClient>(ParseRedisUrl(redis_->url()).value(), 4);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Redis> redis_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisStoresTest, SessionRoundTripsWithTtlAndDeletes) {
  auth::RedisSessionStore store(*client_);
  auth::Session session{"sid-1", 7, "alice", "laptop", 1000, 2000, 1500};
  ASSERT_TRUE(store.Put("hash-1", session, std::chrono::seconds(120)).ok());
  auto found = store.Get("hash-1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "sid-1");
  EXPECT_EQ((*found)->user_id, 7u);
  EXPECT_EQ((*found)->username, "alice");
  EXPECT_EQ((*found)->device, "laptop");
  EXPECT_EQ((*found)->expires_at_ms, 2000);
  EXPECT_EQ((*found)->last_used_ms, 1500);
  auto ttl = client_->Command({"TTL", "session:hash-1"});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer(), 100);
  EXPECT_LE(ttl->integer(), 120);
  EXPECT_EQ(client_->Command({"SISMEMBER", "user_sessions:7", "hash-1"})->integer(), 1);

  ASSERT_TRUE(store.Delete("hash-1", 7).ok());
  EXPECT_FALSE(store.Get("hash-1").value().has_value());
  EXPECT_EQ(client_->Command({"SISMEMBER", "user_sessions:7", "hash-1"})->integer(), 0);
}

TEST_F(RedisStoresTest, TouchSlidesExpiryOnlyOfLiveSessions) {
  auth::RedisSessionStore store(*client_);
  auth::Session session{"sid-2", 8, "bob", "phone", 1000, 2000, 1000};
  ASSERT_TRUE(store.Put("hash-2", session, std::chrono::seconds(60)).ok());
  ASSERT_TRUE(store.Touch("hash-2", 1700, 9000, std::chrono::seconds(600)).ok());
  auto found = store.Get("hash-2").value();
  EXPECT_EQ(found->last_used_ms, 1700);
  EXPECT_EQ(found->expires_at_ms, 9000);
  EXPECT_GT(client_->Command({"TTL", "session:hash-2"})->integer(), 60);
  // A revoked session is not brought back by a late touch.
  ASSERT_TRUE(store.Delete("hash-2", 8).ok());
  ASSERT_TRUE(store.Touch("hash-2", 1800, 9000, std::chrono::seconds(600)).ok());
  EXPECT_EQ(client_->Command({"EXISTS", "session:hash-2"})->integer(), 0);
}

TEST_F(RedisStoresTest, ListsAUsersLiveSessionsAndForgetsExpiredOnes) {
  auth::RedisSessionStore store(*client_);
  ASSERT_TRUE(
      store.Put("h-a", {"a", 9, "carol", "laptop", 1, 2, 1}, std::chrono::seconds(60)).ok());
  ASSERT_TRUE(store.Put("h-b", {"b", 9, "carol", "phone", 1, 2, 1}, std::chrono::seconds(60)).ok());
  ASSERT_TRUE(store.Put("h-c", {"c", 10, "dave", "pc", 1, 2, 1}, std::chrono::seconds(60)).ok());
  ASSERT_TRUE(client_->Command({"DEL", "session:h-b"}).ok());  // as if it expired
  auto sessions = store.ListForUser(9);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].first, "h-a");
  EXPECT_EQ((*sessions)[0].second.device, "laptop");
  EXPECT_EQ(client_->Command({"SISMEMBER", "user_sessions:9", "h-b"})->integer(), 0);
}

TEST_F(RedisStoresTest, LoginThrottleCountsFailuresAndRemembersAddresses) {
  auth::RedisLoginThrottle throttle(*client_);
  for (int64_t at : {1000, 2000, 3000}) {
    ASSERT_TRUE(throttle
                    .RecordFailure({"source:alice|10.0.0.1", "account:alice"}, at,
                                   std::chrono::seconds(900))
                    .ok());
  }
  ASSERT_TRUE(throttle.RecordFailure({"account:alice"}, 4000, std::chrono::seconds(900)).ok());
  auto counters = throttle.Get({"source:alice|10.0.0.1", "account:alice", "address:10.0.0.1"});
  ASSERT_TRUE(counters.ok()) << counters.status();
  ASSERT_EQ(counters->size(), 3u);
  EXPECT_EQ((*counters)[0].failures, 3);
  EXPECT_EQ((*counters)[0].last_failure_ms, 3000);
  EXPECT_EQ((*counters)[1].failures, 4);
  EXPECT_EQ((*counters)[1].last_failure_ms, 4000);
  EXPECT_EQ((*counters)[2].failures, 0);
  // Each counter expires after its latest failure.
  auto ttl = client_->Command({"TTL", "login_failures:account:alice"}).value();
  EXPECT_GT(ttl.integer(), 890);
  EXPECT_LE(ttl.integer(), 900);
  ASSERT_TRUE(throttle.Reset("source:alice|10.0.0.1").ok());
  counters = throttle.Get({"source:alice|10.0.0.1", "account:alice"});
  EXPECT_EQ((*counters)[0].failures, 0);
  EXPECT_EQ((*counters)[1].failures, 4);

  EXPECT_FALSE(throttle.IsKnownAddress("alice", "10.0.0.1").value());
  ASSERT_TRUE(throttle.RememberAddress("alice", "10.0.0.1", std::chrono::hours(720)).ok());
  EXPECT_TRUE(throttle.IsKnownAddress("alice", "10.0.0.1").value());
  EXPECT_FALSE(throttle.IsKnownAddress("alice", "10.0.0.2").value());
  EXPECT_FALSE(throttle.IsKnownAddress("bob", "10.0.0.1").value());
}

TEST_F(RedisStoresTest, RateLimiterSharesOneAllowancePerKeyAcrossClients) {
  // Two clients stand for two chat replicas: the allowance is the user's, not a replica's.
  RedisClient other(ParseRedisUrl(redis_->url()).value(), 1);
  RedisRateLimiter a(*client_), b(other);
  const RateLimit limit{1, 3};  // one a second, three at once
  EXPECT_EQ(a.Take("rl:u1", limit).value(), 0ms);
  EXPECT_EQ(b.Take("rl:u1", limit).value(), 0ms);
  EXPECT_EQ(a.Take("rl:u1", limit).value(), 0ms);
  auto wait = b.Take("rl:u1", limit).value();
  EXPECT_GT(wait, 900ms);
  EXPECT_LE(wait, 1000ms);
  EXPECT_EQ(a.Take("rl:u2", limit).value(), 0ms) << "another key has its own allowance";
  // The key expires once the allowance is full again, so idle users cost Redis nothing.
  auto ttl = client_->Command({"PTTL", "rl:u1"}).value();
  EXPECT_GT(ttl.integer(), 2000);
  EXPECT_LE(ttl.integer(), 3000);
  EXPECT_EQ(a.Take("rl:u3", RateLimit{}).value(), 0ms);
  EXPECT_TRUE(client_->Command({"EXISTS", "rl:u3"}).value().integer() == 0)
      << "an unlimited take touches nothing";
}

TEST_F(RedisStoresTest, MalformedSessionIsAnErrorNotASession) {
  ASSERT_TRUE(client_->Command({"HSET", "session:bad", "user_id", "not-a-number"}).ok());
  auth::RedisSessionStore store(*client_);
  EXPECT_EQ(store.Get("bad").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(RedisStoresTest, PresenceTracksStreamsAndRecordsVisibleChanges) {
  presence::RedisPresenceStore store(*client_);
  auto added =
      store.Renew({{1, "gw/1", "alice"}, {1, "gw/2", "alice"}, {2, "gw/3", "bob"}}, 10'000);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->size(), 3u);
  auto t = store.Refresh(1, 5'000, 1'000);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->previous, "offline");
  EXPECT_EQ(t->current, "online");
  EXPECT_EQ(t->live_streams, 2);
  EXPECT_EQ(t->username, "alice");
  // Renewing a live stream adds nothing new; a second refresh changes nothing.
  EXPECT_TRUE(store.Renew({{1, "gw/1", "alice"}}, 11'000)->empty());
  EXPECT_FALSE(store.Refresh(1, 5'000, 1'000)->changed());

  ASSERT_TRUE(store.SetSetting(1, "away").ok());
  EXPECT_EQ(store.Refresh(1, 5'000, 1'000)->current, "away");
  ASSERT_TRUE(store.SetSetting(1, "invisible").ok());
  t = store.Refresh(1, 5'000, 1'000);
  EXPECT_EQ(t->current, "offline");
  EXPECT_EQ(t->last_seen_ms, 5'000);
  ASSERT_TRUE(store.SetSetting(1, "online").ok());
  EXPECT_EQ(store.Refresh(1, 5'000, 1'000)->current, "online");

  auto visible = store.VisibleOnline(10, 5'000);
  ASSERT_TRUE(visible.ok());
  EXPECT_EQ(visible->second, 1u);  // bob was never refreshed, so never announced
  ASSERT_TRUE(store.Refresh(2, 5'000, 1'000).ok());
  EXPECT_EQ(store.VisibleOnline(10, 5'000)->second, 2u);

  auto states = store.Get({1, 2, 3}, 5'000);
  ASSERT_TRUE(states.ok());
  EXPECT_EQ((*states)[0].status, "online");
  EXPECT_EQ((*states)[0].live_streams, 2);
  EXPECT_EQ((*states)[2].status, "offline");
  EXPECT_EQ((*states)[2].live_streams, 0);
}

TEST_F(RedisStoresTest, ExpiredStreamsAreFoundByTheSweeperAndDatedAtTheirLastRenewal) {
  presence::RedisPresenceStore store(*client_);
  ASSERT_TRUE(store.Renew({{7, "gw/1", "carol"}}, 40'000).ok());
  ASSERT_TRUE(store.Refresh(7, 10'000, 30'000).ok());
  EXPECT_TRUE(store.Expired(39'999, 10)->empty());
  EXPECT_EQ(store.Expired(40'000, 10).value(), std::vector<uint64_t>{7});
  auto t = store.Refresh(7, 41'000, 30'000);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->current, "offline");
  EXPECT_EQ(t->last_seen_ms, 10'000);  // expiry 40 s minus the 30 s TTL: the last renewal
  EXPECT_TRUE(store.Expired(50'000, 10)->empty());
  EXPECT_EQ(store.VisibleOnline(10, 50'000)->second, 0u);
}

TEST_F(RedisStoresTest, ClosingOneOfTwoStreamsKeepsTheUserOnline) {
  presence::RedisPresenceStore store(*client_);
  ASSERT_TRUE(store.Renew({{3, "a", "dave"}, {3, "b", "dave"}}, 10'000).ok());
  ASSERT_TRUE(store.Refresh(3, 1'000, 1'000).ok());
  ASSERT_TRUE(store.Remove({3, "a", "dave"}).ok());
  EXPECT_EQ(store.Refresh(3, 1'000, 1'000)->current, "online");
  ASSERT_TRUE(store.Remove({3, "b", "dave"}).ok());
  auto t = store.Refresh(3, 2'000, 1'000);
  EXPECT_EQ(t->current, "offline");
  EXPECT_EQ(t->last_seen_ms, 2'000);
}

class Inbox {
 public:
  void Add(const std::string& channel, std::string_view payload) {
    std::lock_guard lock(mu_);
    messages_.push_back(channel + "=" + std::string(payload));
  }
  std::vector<std::string> Get() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> messages_;
};

TEST_F(RedisStoresTest, SubscriberReceivesOnlyWhatItSubscribedTo) {
  Inbox inbox;
  RedisSubscriber subscriber(
      ParseRedisUrl(redis_->url()).value(),
      [&](const std::string& channel, std::string_view payload) { inbox.Add(channel, payload); },
      [] {});
  subscriber.Start();
  std::atomic<bool> ready{false};
  subscriber.Subscribe("room:1", [&] { ready = true; });
  ASSERT_TRUE(testing::WaitFor([&] { return ready.load(); }, 10s));
  ASSERT_TRUE(client_->Command({"PUBLISH", "room:1", "one"}).ok());
  ASSERT_TRUE(client_->Command({"PUBLISH", "room:2", "other"}).ok());
  ASSERT_TRUE(testing::WaitFor([&] { return inbox.Get().size() == 1; }, 10s));
  EXPECT_EQ(inbox.Get(), std::vector<std::string>{"room:1=one"});

  subscriber.Unsubscribe("room:1");
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return client_->Command({"PUBSUB", "NUMSUB", "room:1"})->element(1)->integer == 0;
      },
      10s));
  ASSERT_TRUE(client_->Command({"PUBLISH", "room:1", "two"}).ok());
  // Subscribe again (exercises SUBSCRIBE after UNSUBSCRIBE of the same channel).
  std::atomic<bool> again{false};
  subscriber.Subscribe("room:1", [&] { again = true; });
  ASSERT_TRUE(testing::WaitFor([&] { return again.load(); }, 10s));
  ASSERT_TRUE(client_->Command({"PUBLISH", "room:1", "three"}).ok());
  ASSERT_TRUE(testing::WaitFor([&] { return inbox.Get().size() == 2; }, 10s));
  EXPECT_EQ(inbox.Get(), (std::vector<std::string>{"room:1=one", "room:1=three"}));
}

TEST_F(RedisStoresTest, SubscriberRestoresSubscriptionsAfterRedisRestart) {
  Inbox inbox;
  std::atomic<int> resubscribed{0};
  RedisSubscriber subscriber(
      ParseRedisUrl(redis_->url()).value(),
      [&](const std::string& channel, std::string_view payload) { inbox.Add(channel, payload); },
      [&] { ++resubscribed; });
  subscriber.Start();
  std::atomic<bool> ready{false};
  subscriber.Subscribe("user:9", [&] { ready = true; });
  ASSERT_TRUE(testing::WaitFor([&] { return ready.load(); }, 10s));

  redis_->Stop();
  ASSERT_TRUE(testing::WaitFor([&] { return !subscriber.connected(); }, 10s));
  redis_->Start();
  ASSERT_TRUE(testing::WaitFor([&] { return resubscribed.load() == 1; }, 20s));
  // The command client reconnects by itself too.
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return client_->Command({"PUBLISH", "user:9", "after restart"}).ok();
      },
      10s));
  ASSERT_TRUE(testing::WaitFor([&] { return !inbox.Get().empty(); }, 10s));
  EXPECT_EQ(inbox.Get().front(), "user:9=after restart");
}

TEST_F(RedisStoresTest, CommandsFailCleanlyWhileRedisIsDown) {
  redis_->Stop();
  auto reply = client_->Command({"PING"});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  redis_->Start();
  EXPECT_TRUE(testing::WaitFor([&] { return client_->Command({"PING"}).ok(); }, 10s));
}

}  // namespace
}  // namespace natter
