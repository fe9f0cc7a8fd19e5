// The Redis stores against a real Redis, each on one server and on a Redis Cluster (3 masters, 3
// replicas), where a command or script with keys in two slots fails (CROSSSLOT); presence through a
// master's death; the pub/sub subscriber on one server, including a Redis restart; and the
// SessionStore contract (tests/services/auth) on both topologies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/redis_client.h"
#include "common/redis_cluster.h"
#include "common/redis_rate_limiter.h"
#include "common/redis_subscriber.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_presence_store.h"
#include "fakes/fake_rate_limiter.h"
#include "harness/harness.h"
#include "harness/redis_cluster.h"
#include "presence_service.h"
#include "redis_presence_store.h"
#include "redis_session_store.h"
#include "redis_typing_limiter.h"
#include "services/auth/session_store_contract.h"

namespace natter {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;
using namespace std::chrono_literals;

enum class Topology { kSingle, kCluster };
void PrintTo(Topology topology, std::ostream* os) {
  *os << (topology == Topology::kSingle ? "one Redis" : "Redis Cluster");
}

// One Redis Cluster for the binary, started when a suite first asks for it and stopped after the
// last test.
class SharedClusterEnvironment final : public ::testing::Environment {
 public:
  static testing::RedisClusterGroup& Get() {
    if (!cluster_) {
      dir_ = std::make_unique<testing::TempDir>();
      cluster_ = std::make_unique<testing::RedisClusterGroup>(dir_->path() / "cluster");
    }
    return *cluster_;
  }
  void TearDown() override {
    cluster_.reset();
    dir_.reset();
  }

 private:
  inline static std::unique_ptr<testing::TempDir> dir_;
  inline static std::unique_ptr<testing::RedisClusterGroup> cluster_;
};
const auto* const kSharedCluster =
    ::testing::AddGlobalTestEnvironment(new SharedClusterEnvironment);

// The store tests, on one Redis (a fresh one per test) and on the Redis Cluster (emptied before
// each test).
class RedisStoresTest : public ::testing::TestWithParam<Topology> {
 protected:
  void SetUp() override {
    if (GetParam() == Topology::kSingle) {
      redis_ = std::make_unique<testing::Redis>(dir_.path() / "redis");
      url_ = redis_->url();
    } else {
      cluster_ = &SharedClusterEnvironment::Get();
      for (size_t i = 0; i < cluster_->size(); ++i)
        cluster_->Cli(i, {"FLUSHALL"});  // replicas refuse
      url_ = cluster_->url();
    }
    client_ = std::make_unique<RedisClient>(ParseRedisUrl(url_).value(), 4);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Redis> redis_;
  testing::RedisClusterGroup* cluster_ = nullptr;
  std::string url_;
  std::unique_ptr<RedisClient> client_;
};

// The SessionStore contract's environments: one Redis for the suite, and the shared cluster.
struct SingleRedisSessionsEnv {
  static void SetUpTestSuite() {
    dir_ = std::make_unique<testing::TempDir>();
    redis_ = std::make_unique<testing::Redis>(dir_->path() / "redis");
    client_ = std::make_unique<RedisClient>(ParseRedisUrl(redis_->url()).value(), 4);
  }
  static void TearDownTestSuite() {
    client_.reset();
    redis_.reset();
    dir_.reset();
  }
  static std::unique_ptr<auth::SessionStore> MakeStore() {
    return std::make_unique<auth::RedisSessionStore>(*client_);
  }
  inline static std::unique_ptr<testing::TempDir> dir_;
  inline static std::unique_ptr<testing::Redis> redis_;
  inline static std::unique_ptr<RedisClient> client_;
};

struct RedisClusterSessionsEnv {
  static void SetUpTestSuite() {
    client_ = std::make_unique<RedisClient>(
        ParseRedisUrl(SharedClusterEnvironment::Get().url()).value(), 4);
  }
  static void TearDownTestSuite() { client_.reset(); }
  static std::unique_ptr<auth::SessionStore> MakeStore() {
    return std::make_unique<auth::RedisSessionStore>(*client_);
  }
  inline static std::unique_ptr<RedisClient> client_;
};

INSTANTIATE_TEST_SUITE_P(Topologies, RedisStoresTest,
                         ::testing::Values(Topology::kSingle, Topology::kCluster),
                         [](const ::testing::TestParamInfo<Topology>& param) {
                           return param.param == Topology::kSingle ? "SingleRedis" : "RedisCluster";
                         });

TEST_P(RedisStoresTest, SessionRoundTripsWithTtlAndDeletes) {
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

TEST_P(RedisStoresTest, TouchSlidesExpiryOnlyOfLiveSessions) {
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

TEST_P(RedisStoresTest, ListsAUsersLiveSessionsAndForgetsExpiredOnes) {
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

TEST_P(RedisStoresTest, LoginThrottleCountsFailuresAndRemembersAddresses) {
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

TEST_P(RedisStoresTest, RateLimiterSharesOneAllowancePerKeyAcrossClients) {
  // Two clients stand for two chat replicas: the allowance is the user's, not a replica's.
  RedisClient other(ParseRedisUrl(url_).value(), 1);
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

TEST_P(RedisStoresTest, MalformedSessionIsAnErrorNotASession) {
  ASSERT_TRUE(client_->Command({"HSET", "session:bad", "user_id", "not-a-number"}).ok());
  auth::RedisSessionStore store(*client_);
  EXPECT_EQ(store.Get("bad").status().code(), absl::StatusCode::kDataLoss);
}

TEST_P(RedisStoresTest, PresenceTracksStreamsAndRecordsVisibleChanges) {
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

TEST_P(RedisStoresTest, ExpiredStreamsAreFoundByTheSweeperAndDatedAtTheirLastRenewal) {
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

TEST_P(RedisStoresTest, ClosingOneOfTwoStreamsKeepsTheUserOnline) {
  presence::RedisPresenceStore store(*client_);
  ASSERT_TRUE(store.Renew({{3, "a", "dave"}, {3, "b", "dave"}}, 10'000).ok());
  ASSERT_TRUE(store.Refresh(3, 1'000, 1'000).ok());
  ASSERT_TRUE(store.Remove({3, "a", "dave"}).ok());
  EXPECT_EQ(store.Refresh(3, 1'000, 1'000)->current, "online");
  ASSERT_TRUE(store.Remove({3, "b", "dave"}).ok());
  auto t = store.Refresh(3, 2'000, 1'000);
  EXPECT_EQ(t->current, "offline");
  EXPECT_EQ(t->last_seen_ms, 2'000);
  // The sweeper still has the user until the streams' expiry; its refresh then drops the entry.
  EXPECT_EQ(store.VisibleOnline(10, 2'000)->second, 0u);
  EXPECT_TRUE(store.Expired(9'999, 10)->empty());
  EXPECT_EQ(store.Expired(10'000, 10).value(), std::vector<uint64_t>{3});
  EXPECT_FALSE(store.Refresh(3, 10'000, 1'000)->changed());
  EXPECT_TRUE(store.Expired(10'000, 10)->empty());
}

TEST_P(RedisStoresTest, TypingLimiterAllowsOneEventPerUserAndConversationPerWindow) {
  chat::RedisTypingLimiter typing(*client_);
  EXPECT_TRUE(typing.Allow(1, 10).value());
  EXPECT_FALSE(typing.Allow(1, 10).value());
  EXPECT_TRUE(typing.Allow(2, 10).value()) << "another user";
  EXPECT_TRUE(typing.Allow(1, 11).value()) << "another conversation";
  auto ttl = client_->Command({"PTTL", "typing:10:1"}).value();
  EXPECT_GT(ttl.integer(), 0);
  EXPECT_LE(ttl.integer(), chat::kTypingWindowMs);
}

TEST_P(RedisStoresTest, OneUsersPresenceKeysShareASlotAndTheIndexesSpreadOverShards) {
  for (uint64_t user : {1u, 42u, 1000003u}) {
    std::string tag = "{u:" + std::to_string(user) + "}";
    uint16_t slot = RedisKeySlot("presence:" + tag + ":streams");
    EXPECT_EQ(RedisKeySlot("presence:" + tag + ":setting"), slot);
    EXPECT_EQ(RedisKeySlot("presence:" + tag + ":visible"), slot);
  }
  if (GetParam() != Topology::kCluster) return;
  std::set<size_t> masters;
  for (size_t s = 0; s < presence::RedisPresenceStore::kIndexShards; ++s) {
    masters.insert(
        cluster_->MasterOf(RedisKeySlot("presence:online:{s" + std::to_string(s) + "}")));
  }
  EXPECT_EQ(masters.size(), 3u) << "the sweeper's index is on every master";
}

TEST_P(RedisStoresTest, SweepFindsExpiredUsersOnEveryShardAndListsTheOthersInOrder) {
  presence::RedisPresenceStore store(*client_);
  fakes::FakeClock clock;
  fakes::FakeAudience audience;
  fakes::FakeEventPublisher publisher;
  fakes::FakeRateLimiter limiter(clock);
  presence::PresenceService service(store, audience, publisher, limiter, RateLimit{}, clock, 30s);
  const int64_t t0 = clock.NowMs();
  std::vector<presence::StreamEntry> all, even;
  std::vector<uint64_t> odd_ids, even_ids;
  for (uint64_t user = 1; user <= 40; ++user) {
    presence::StreamEntry entry{user, "gw/" + std::to_string(user), "user" + std::to_string(user)};
    all.push_back(entry);
    if (user % 2 == 0) {
      even.push_back(entry);
      even_ids.push_back(user);
    } else {
      odd_ids.push_back(user);
    }
  }
  ASSERT_EQ(store.Renew(all, t0 + 30'000).value().size(), 40u);
  for (uint64_t user = 40; user >= 1; --user) {  // the highest id online first
    auto t = store.Refresh(user, t0 + 41 - static_cast<int64_t>(user), 30'000);
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_EQ(t->current, "online");
  }
  ASSERT_TRUE(store.Renew(even, t0 + 60'000).ok());  // even users' gateways renew; odd ones' died

  clock.SetNowMs(t0 + 45'000);
  auto expired = store.Expired(clock.NowMs(), 1000);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_THAT(*expired, UnorderedElementsAreArray(odd_ids));
  EXPECT_EQ(store.Expired(clock.NowMs(), 5)->size(), 5u);
  auto swept = service.Sweep();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 20u);
  EXPECT_TRUE(store.Expired(clock.NowMs(), 1000)->empty());

  auto online = store.VisibleOnline(1000, clock.NowMs());
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_EQ(online->second, 20u);
  std::vector<uint64_t> listed;
  for (const auto& s : online->first) listed.push_back(s.user_id);
  std::vector<uint64_t> longest_first(even_ids.rbegin(), even_ids.rend());
  EXPECT_EQ(listed, longest_first) << "merged over the shards, longest online first";
  auto first = store.VisibleOnline(3, clock.NowMs());
  ASSERT_EQ(first->first.size(), 3u);
  EXPECT_EQ(first->first[0].user_id, 40u);
  EXPECT_EQ(first->first[2].user_id, 36u);
  EXPECT_EQ(first->second, 20u);
  auto states = store.Get(odd_ids, clock.NowMs()).value();
  for (const auto& s : states) {
    EXPECT_EQ(s.status, "offline") << s.user_id;
    EXPECT_EQ(s.last_seen_ms, t0) << s.user_id;  // expiry minus the TTL: the last renewal
  }
}

TEST_P(RedisStoresTest, ExtraIndexEntriesAreNeverListedAndTheSweeperDropsThem) {
  // What a refresh cut short between its steps may leave: user 5 listed as visibly online though
  // recorded offline, and in the sweeper's index without a stream.
  ASSERT_TRUE(client_->Command({"ZADD", "presence:visible_online:{s5}", "1000", "5"}).ok());
  ASSERT_TRUE(client_->Command({"ZADD", "presence:online:{s5}", "2000", "5"}).ok());
  presence::RedisPresenceStore store(*client_);
  auto online = store.VisibleOnline(10, 3'000);
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_TRUE(online->first.empty());
  EXPECT_EQ(store.Expired(3'000, 10).value(), std::vector<uint64_t>{5});
  auto t = store.Refresh(5, 3'000, 1'000);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE(t->changed());
  EXPECT_TRUE(store.Expired(3'000, 10)->empty());
  EXPECT_EQ(store.VisibleOnline(10, 3'000)->second, 0u);
}

// What only one server shows: the subscriber (on a cluster: redis_cluster_test), a restart, the
// migration of keys from before the cluster layout.
class RedisServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<testing::Redis>(dir_.path() / "redis");
    client_ = std::make_unique<RedisClient>(ParseRedisUrl(redis_->url()).value(), 4);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Redis> redis_;
  std::unique_ptr<RedisClient> client_;
};

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

TEST_F(RedisServerTest, SubscriberReceivesOnlyWhatItSubscribedTo) {
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

TEST_F(RedisServerTest, SubscriberRestoresSubscriptionsAfterRedisRestart) {
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

TEST_F(RedisServerTest, CommandsFailCleanlyWhileRedisIsDown) {
  redis_->Stop();
  auto reply = client_->Command({"PING"});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  redis_->Start();
  EXPECT_TRUE(testing::WaitFor([&] { return client_->Command({"PING"}).ok(); }, 10s));
}

TEST_F(RedisServerTest, PresenceKeysOfTheUntaggedLayoutAreMigratedOnce) {
  // As the version before the cluster layout left them.
  ASSERT_TRUE(client_->Command({"SET", "presence:setting:7", "invisible"}).ok());
  ASSERT_TRUE(client_
                  ->Command({"HSET", "presence:visible:8", "status", "online", "last_seen_ms",
                             "1234", "username", "erin"})
                  .ok());
  ASSERT_TRUE(client_->Command({"ZADD", "presence:streams:8", "99999", "gw/1"}).ok());
  ASSERT_TRUE(client_->Command({"ZADD", "presence:online", "99999", "8"}).ok());
  ASSERT_TRUE(client_->Command({"ZADD", "presence:visible_online", "1000", "8"}).ok());
  presence::RedisPresenceStore store(*client_);
  ASSERT_TRUE(store.SetSetting(9, "away").ok());  // a new key is left alone
  EXPECT_EQ(store.MigrateLegacyKeys().value(), 5u);
  EXPECT_EQ(store.MigrateLegacyKeys().value(), 0u);

  // Invisible stays invisible.
  ASSERT_TRUE(store.Renew({{7, "gw/2", "frank"}}, 10'000).ok());
  EXPECT_EQ(store.Refresh(7, 1'000, 1'000)->current, "offline");
  ASSERT_TRUE(store.Renew({{9, "gw/3", "gina"}}, 10'000).ok());
  EXPECT_EQ(store.Refresh(9, 1'000, 1'000)->current, "away");
  // Last seen stays; the rest is rebuilt by the next heartbeat.
  auto erin = store.Get({8}, 1'000).value();
  EXPECT_EQ(erin[0].status, "offline");
  EXPECT_EQ(erin[0].last_seen_ms, 1234);
  EXPECT_EQ(erin[0].username, "erin");
  EXPECT_EQ(store.VisibleOnline(10, 1'000)->second, 1u);  // gina
  EXPECT_EQ(client_
                ->Command({"EXISTS", "presence:setting:7", "presence:visible:8",
                           "presence:streams:8", "presence:online", "presence:visible_online"})
                ->integer(),
            0);
}

// Presence on a cluster whose master dies while streams are renewed, opened and closed: once the
// replica has taken over and the TTL has passed, everyone is where they should be.
TEST(RedisClusterPresenceTest, PresenceIsRightAfterTheTtlWhenAMasterDiesMidway) {
  testing::TempDir dir;
  testing::RedisClusterGroup cluster(dir.path() / "cluster");
  RedisClient client(ParseRedisUrl(cluster.url()).value(), 4);
  presence::RedisPresenceStore store(client);
  fakes::FakeClock clock;
  fakes::FakeAudience audience;
  fakes::FakeEventPublisher publisher;
  fakes::FakeRateLimiter limiter(clock);
  presence::PresenceService service(store, audience, publisher, limiter, RateLimit{}, clock, 30s);
  const int64_t t0 = clock.NowMs(), ttl = 30'000;
  // Until answered; the only refusal allowed on the way is UNAVAILABLE.
  auto eventually = [](const auto& call) {
    bool ok = testing::WaitFor(
        [&] {
          absl::Status s = call();
          EXPECT_TRUE(s.ok() || absl::IsUnavailable(s)) << s;
          return s.ok();
        },
        30s);
    ASSERT_TRUE(ok) << "not answered within 30 s";
  };

  // Users 1..48 online. Even ones keep renewing; odd ones' gateways die, and some of them close
  // their stream while the master dies.
  std::vector<presence::StreamEntry> all, keepers;
  std::vector<uint64_t> keeper_ids, all_ids;
  for (uint64_t user = 1; user <= 48; ++user) {
    presence::StreamEntry entry{user, "gw/" + std::to_string(user), "u" + std::to_string(user)};
    all.push_back(entry);
    all_ids.push_back(user);
    if (user % 2 == 0) {
      keepers.push_back(entry);
      keeper_ids.push_back(user);
    }
  }
  ASSERT_TRUE(store.Renew(all, t0 + ttl).ok());
  for (uint64_t user : all_ids) {
    auto t = store.Refresh(user, t0, ttl);
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_EQ(t->current, "online");
  }
  ASSERT_EQ(store.VisibleOnline(100, t0)->second, 48u);
  // Every write so far has reached the replicas (replication is asynchronous: a write acked just
  // before its master dies may be lost, which no client can help).
  for (size_t i = 0; i < cluster.size(); ++i) {
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          std::string info = cluster.Cli(i, {"INFO", "replication"});
          if (info.find("role:master") == std::string::npos) return true;
          auto field = [&](const std::string& name) {
            size_t at = info.find(name);
            return at == std::string::npos
                       ? std::string()
                       : info.substr(at + name.size(),
                                     info.find_first_of(",\r\n", at) - at - name.size());
          };
          std::string offset = field("master_repl_offset:");
          return !offset.empty() && field("offset=") == offset;
        },
        10s))
        << "node " << i << " has not replicated";
  }

  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::thread traffic([&] {
    uint64_t leaver = 1;
    while (!stop) {
      for (const absl::Status& s :
           {store.Renew(keepers, t0 + 2 * ttl).status(),
            store.SetSetting(4, rounds % 2 == 0 ? "away" : "online"),
            store.Refresh(4, t0 + 1'000, ttl).status(),
            leaver < 48 ? store.Remove({leaver, "gw/" + std::to_string(leaver), ""})
                        : absl::OkStatus(),
            leaver < 48 ? store.Refresh(leaver, t0 + 1'000, ttl).status() : absl::OkStatus()}) {
        EXPECT_TRUE(s.ok() || absl::IsUnavailable(s)) << s;
      }
      leaver += 2;
      ++rounds;
    }
  });
  ASSERT_TRUE(testing::WaitFor([&] { return rounds >= 3; }, 30s));
  size_t victim = cluster.MasterOf(RedisKeySlot("presence:online:{s0}"));
  cluster.KillMaster(victim);
  int after = rounds;
  ASSERT_TRUE(testing::WaitFor([&] { return rounds >= after + 3; }, 30s));
  stop = true;
  traffic.join();

  // The last word of user 4 (whose SetStatus may have failed) and a heartbeat after the failover.
  eventually([&] { return store.SetSetting(4, "online"); });
  eventually([&] { return store.Refresh(4, t0 + 1'000, ttl).status(); });
  eventually([&] { return store.Renew(keepers, t0 + 2 * ttl).status(); });

  // The TTL passes: the sweeper takes every odd user offline, on every shard.
  clock.SetNowMs(t0 + ttl + 1'000);
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto swept = service.Sweep();
        return swept.ok() && *swept == 0;
      },
      30s));
  auto states = store.Get(all_ids, clock.NowMs());
  ASSERT_TRUE(states.ok()) << states.status();
  for (const auto& s : *states) {
    if (s.user_id % 2 == 0) {
      EXPECT_EQ(s.status, "online") << s.user_id;
      EXPECT_EQ(s.live_streams, 1) << s.user_id;
    } else {
      EXPECT_EQ(s.status, "offline") << s.user_id;
      EXPECT_EQ(s.live_streams, 0) << s.user_id;
    }
  }
  auto online = store.VisibleOnline(100, clock.NowMs());
  ASSERT_TRUE(online.ok()) << online.status();
  EXPECT_EQ(online->second, keeper_ids.size());
  std::vector<uint64_t> listed;
  for (const auto& s : online->first) listed.push_back(s.user_id);
  EXPECT_THAT(listed, UnorderedElementsAreArray(keeper_ids));
  EXPECT_TRUE(store.Expired(clock.NowMs(), 1000)->empty());
}

}  // namespace
}  // namespace natter

namespace natter::auth {
using RedisSessionStores = ::testing::Types<SingleRedisSessionsEnv, RedisClusterSessionsEnv>;
INSTANTIATE_TYPED_TEST_SUITE_P(Redis, SessionStoreContract, RedisSessionStores);
}  // namespace natter::auth
