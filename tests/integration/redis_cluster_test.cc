// The Redis client on a real Redis Cluster (3 masters, 3 replicas): commands reach the master of
// their key's slot, pipelines spanning masters answer in order, ASK and MOVED are followed while a
// slot moves, and a killed master's replica takes over with only UNAVAILABLE on the way.
#include "common/redis_cluster.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <set>

#include "common/config.h"
#include "common/redis_client.h"
#include "common/redis_subscriber.h"
#include "harness/harness.h"
#include "harness/redis_cluster.h"

namespace natter {
namespace {

using namespace std::chrono_literals;

// A Redis Cluster for one test suite: `Suite` only makes each suite's cluster its own.
template <class Suite>
class WithOwnCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    cluster_ = new testing::RedisClusterGroup(tmp_->path() / "cluster");
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete tmp_;
  }

  inline static testing::TempDir* tmp_ = nullptr;
  inline static testing::RedisClusterGroup* cluster_ = nullptr;
};

class RedisClusterTest : public WithOwnCluster<RedisClusterTest> {
 protected:
  void SetUp() override {
    auto config = ParseRedisUrl(cluster_->url());
    ASSERT_TRUE(config.ok()) << config.status();
    ASSERT_TRUE(config->cluster());
    client_ = std::make_unique<RedisClient>(*config, 4);
  }

  // Runs `args` until it is answered; every refusal on the way must be UNAVAILABLE.
  absl::StatusOr<RedisReply> UntilAnswered(const std::vector<std::string>& args) {
    absl::StatusOr<RedisReply> reply = absl::UnavailableError("not tried");
    testing::WaitFor(
        [&] {
          reply = client_->Command(args);
          EXPECT_TRUE(reply.ok() || absl::IsUnavailable(reply.status())) << reply.status();
          return reply.ok();
        },
        30s);
    return reply;
  }

  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisClusterTest, KeysGoToTheMasterOfTheirSlotAndPipelinesAnswerInOrder) {
  std::vector<std::vector<std::string>> sets, gets;
  for (int i = 0; i < 60; ++i) {
    sets.push_back({"SET", "key:" + std::to_string(i), "value " + std::to_string(i)});
    gets.push_back({"GET", "key:" + std::to_string(i)});
  }
  ASSERT_TRUE(client_->Pipeline(sets).ok());
  auto values = client_->Pipeline(gets);
  ASSERT_TRUE(values.ok()) << values.status();
  std::set<size_t> masters;
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ((*values)[static_cast<size_t>(i)].str(), "value " + std::to_string(i));
    masters.insert(cluster_->MasterOf(RedisKeySlot("key:" + std::to_string(i))));
  }
  EXPECT_EQ(masters.size(), 3u) << "the keys should have spread over every master";

  // Keys with one hash tag share a slot, so one script may touch them all.
  auto script = client_->Command({"EVAL",
                                  "redis.call('SET', KEYS[1], 'a'); redis.call('SET', KEYS[2], "
                                  "'b'); return redis.call('GET', KEYS[1]) .. redis.call('GET', "
                                  "KEYS[2])",
                                  "2", "{u:42}:one", "{u:42}:two"});
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_EQ(script->str(), "ab");
}

TEST_F(RedisClusterTest, ASlotOnTheMoveIsFollowedThroughAskAndThenMoved) {
  const std::string key = "moving:key";
  const int slot = RedisKeySlot(key);
  ASSERT_TRUE(client_->Command({"SET", key, "before"}).ok());
  const size_t from = cluster_->MasterOf(slot);
  size_t to = from;
  for (size_t i = 0; i < cluster_->size() && to == from; ++i) {
    if (cluster_->Cli(i, {"ROLE"}).starts_with("master") && i != from) to = i;
  }
  ASSERT_NE(to, from);
  const std::string s = std::to_string(slot);
  // The migration redis-cli --cluster reshard performs, one step at a time.
  ASSERT_NE(
      cluster_->Cli(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", cluster_->Id(from)}).find("OK"),
      std::string::npos);
  ASSERT_NE(
      cluster_->Cli(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", cluster_->Id(to)}).find("OK"),
      std::string::npos);
  ASSERT_NE(cluster_
                ->Cli(from, {"MIGRATE", "127.0.0.1", std::to_string(cluster_->port(to)), key, "0",
                             "5000"})
                .find("OK"),
            std::string::npos);
  // Mid-move the old master answers ASK for the key it no longer holds.
  EXPECT_NE(cluster_->Cli(from, {"GET", key}).find("ASK"), std::string::npos);
  auto during = client_->Command({"GET", key});
  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_EQ(during->str(), "before");

  for (size_t i = 0; i < cluster_->size(); ++i) {
    cluster_->Cli(i, {"CLUSTER", "SETSLOT", s, "NODE", cluster_->Id(to)});
  }
  // Now MOVED: followed, and remembered.
  auto after = client_->Command({"SET", key, "after"});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(cluster_->Cli(to, {"GET", key}), "after\n");
}

TEST_F(RedisClusterTest, AKilledMastersReplicaTakesOverWithOnlyUnavailableOnTheWay) {
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back("kill:" + std::to_string(i));
  for (const auto& k : keys) ASSERT_TRUE(client_->Command({"SET", k, "1"}).ok());
  const size_t victim = cluster_->MasterOf(RedisKeySlot(keys[0]));
  cluster_->KillMaster(victim);
  for (const auto& k : keys) {
    auto incr = UntilAnswered({"INCR", k});
    ASSERT_TRUE(incr.ok()) << k << ": " << incr.status();
    // Written before the kill and synced to the replica (the harness waits for the link).
    EXPECT_EQ(incr->integer(), 2) << k;
  }
}

}  // namespace
}  // namespace natter

namespace natter {
namespace {

// Sharded pub/sub on its own cluster (the tests above kill a master).
class RedisClusterPubSubTest : public WithOwnCluster<RedisClusterPubSubTest> {};

// A subscriber to 12 channels spread over every master, and a publisher.
class Listening {
 public:
  explicit Listening(const RedisConfig& config)
      : subscriber_(
            config,
            [this](const std::string& channel, std::string_view payload) {
              std::lock_guard lock(mu_);
              got_.insert(channel + "=" + std::string(payload));
              cv_.notify_all();
            },
            [this] {
              std::lock_guard lock(mu_);
              ++resubscribed_;
              cv_.notify_all();
            }),
        client_(config, 2) {
    subscriber_.Start();
    for (int i = 0; i < 12; ++i) channels_.push_back("room:" + std::to_string(i));
    std::vector<std::promise<void>> promises(channels_.size());
    for (size_t i = 0; i < channels_.size(); ++i) {
      subscriber_.Subscribe(channels_[i], [&promises, i] { promises[i].set_value(); });
    }
    for (auto& p : promises) {
      EXPECT_EQ(p.get_future().wait_for(10s), std::future_status::ready);
    }
  }

  const std::vector<std::string>& channels() const { return channels_; }
  int resubscribed() {
    std::lock_guard lock(mu_);
    return resubscribed_;
  }
  bool WaitForResubscribed(int more_than) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return resubscribed_ > more_than; });
  }
  // Publishes `payload` on every channel (retrying through a failover).
  void PublishAll(const std::string& payload) {
    for (const auto& channel : channels_) {
      absl::Status last;
      bool sent = testing::WaitFor(
          [&] {
            last = client_.Command(client_.PublishCommand(channel, payload)).status();
            return last.ok();
          },
          30s);
      EXPECT_TRUE(sent) << channel << ": " << last;
    }
  }
  // Whether every channel has heard `payload`.
  bool HeardAll(const std::string& payload) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 20s, [&] {
      for (const auto& channel : channels_) {
        if (!got_.contains(channel + "=" + payload)) return false;
      }
      return true;
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> got_;
  int resubscribed_ = 0;
  RedisSubscriber subscriber_;
  RedisClient client_;
  std::vector<std::string> channels_;
};

TEST_F(RedisClusterPubSubTest, ChannelsOnEveryMasterAreHeardAndFollowASlotThatMoves) {
  auto config = ParseRedisUrl(cluster_->url());
  ASSERT_TRUE(config.ok()) << config.status();
  Listening listening(*config);
  std::set<size_t> masters;
  for (const auto& channel : listening.channels()) {
    masters.insert(cluster_->MasterOf(RedisKeySlot(channel)));
  }
  ASSERT_EQ(masters.size(), 3u) << "the channels should live on every master";
  listening.PublishAll("one");
  EXPECT_TRUE(listening.HeardAll("one"));

  // A slot moves to another master: the old one sends sunsubscribe, and the channel is subscribed
  // again where it lives now.
  const int slot = RedisKeySlot(listening.channels()[0]);
  const size_t from = cluster_->MasterOf(slot);
  size_t to = from;
  for (size_t i = 0; i < cluster_->size() && to == from; ++i) {
    if (cluster_->Cli(i, {"ROLE"}).starts_with("master") && i != from) to = i;
  }
  cluster_->Cli(to, {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", cluster_->Id(to)});
  cluster_->Cli(from, {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", cluster_->Id(to)});
  EXPECT_TRUE(listening.WaitForResubscribed(0));
  listening.PublishAll("two");
  EXPECT_TRUE(listening.HeardAll("two"));
}

TEST_F(RedisClusterPubSubTest, ChannelsOfAKilledMasterAreHeardOnTheReplicaThatTakesOver) {
  auto config = ParseRedisUrl(cluster_->url());
  ASSERT_TRUE(config.ok()) << config.status();
  Listening listening(*config);
  listening.PublishAll("one");
  EXPECT_TRUE(listening.HeardAll("one"));
  const int before = listening.resubscribed();
  cluster_->KillMaster(cluster_->MasterOf(RedisKeySlot(listening.channels()[1])));
  EXPECT_TRUE(listening.WaitForResubscribed(before));
  listening.PublishAll("three");
  EXPECT_TRUE(listening.HeardAll("three"));
}

}  // namespace
}  // namespace natter
