// The Redis stores and the pub/sub subscriber against a real Redis, including a Redis restart.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "common/config.h"
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

TEST_F(RedisStoresTest, LoginThrottleCountsWithinAWindow) {
  auth::RedisLoginThrottle throttle(*client_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(throttle.RecordFailure("alice", "10.0.0.1", std::chrono::seconds(900)).ok());
  }
  auto counts = throttle.Get("alice", "10.0.0.1");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->user_failures, 3);
  EXPECT_EQ(counts->address_failures, 3);
  EXPECT_GT(counts->user_reset_ms, 890'000);
  EXPECT_LE(counts->user_reset_ms, 900'000);
  ASSERT_TRUE(throttle.ResetUser("alice").ok());
  counts = throttle.Get("alice", "10.0.0.1");
  EXPECT_EQ(counts->user_failures, 0);
  EXPECT_EQ(counts->user_reset_ms, 0);
  EXPECT_EQ(counts->address_failures, 3);
}

TEST_F(RedisStoresTest, MalformedSessionIsAnErrorNotASession) {
  ASSERT_TRUE(client_->Command({"HSET", "session:bad", "user_id", "not-a-number"}).ok());
  auth::RedisSessionStore store(*client_);
  EXPECT_EQ(store.Get("bad").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(RedisStoresTest, PresenceCountsLiveStreamsAndExpiresThem) {
  presence::RedisPresenceStore store(*client_);
  ASSERT_TRUE(store.Renew({{1, "gw/1"}, {1, "gw/2"}, {2, "gw/3"}}, 10'000).ok());
  EXPECT_EQ(store.LiveStreams({1, 2, 3}, 5'000).value(), (std::vector<int>{2, 1, 0}));

  EXPECT_EQ(store.Remove({1, "gw/1"}, 5'000).value(), 1);
  EXPECT_EQ(store.LiveStreams({1}, 5'000).value(), std::vector<int>{1});
  auto online = store.Online(5'000, 10).value();
  EXPECT_EQ(online.second, 2u);

  // Past the expiry nobody is online, without anyone having said goodbye.
  EXPECT_EQ(store.LiveStreams({1, 2}, 10'001).value(), (std::vector<int>{0, 0}));
  EXPECT_EQ(store.Online(10'001, 10).value().second, 0u);
  EXPECT_EQ(store.Remove({1, "gw/2"}, 5'000).value(), 0);
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
