// The Redis client and subscriber on a Sentinel-managed Redis (1 master, 2 replicas, 3 sentinels):
// they find the master through the sentinels and follow it through a failover, asked for
// (SENTINEL FAILOVER: the old master turns replica and answers writes with READONLY) or caused
// (the master killed).
#include <gtest/gtest.h>
#include <signal.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <set>

#include "common/config.h"
#include "common/redis_client.h"
#include "common/redis_subscriber.h"
#include "harness/harness.h"
#include "harness/redis_sentinel.h"

namespace natter {
namespace {

using namespace std::chrono_literals;

class RedisSentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    group_ = std::make_unique<testing::RedisSentinelGroup>(tmp_.path() / "redis");
    auto config = ParseRedisUrl(group_->url());
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
  }

  // Runs `args` until Redis answers (a failover takes a few seconds); the statuses seen on the
  // way, which must all be UNAVAILABLE (try again), never an error.
  static std::vector<absl::Status> UntilAnswered(RedisClient& client,
                                                 const std::vector<std::string>& args) {
    std::vector<absl::Status> refusals;
    testing::WaitFor(
        [&] {
          auto reply = client.Command(args);
          if (reply.ok()) return true;
          refusals.push_back(reply.status());
          return false;
        },
        30s);
    return refusals;
  }

  testing::TempDir tmp_;
  std::unique_ptr<testing::RedisSentinelGroup> group_;
  RedisConfig config_;
};

TEST_F(RedisSentinelTest, FindsTheMasterAndBelievesOnlyOneThatSaysItIsMaster) {
  auto master = FindRedisMaster(config_, 1s);
  ASSERT_TRUE(master.ok()) << master.status();
  EXPECT_EQ(master->port, group_->server_port(0));

  // An unreachable sentinel listed first is passed over.
  RedisConfig partly_down = config_;
  partly_down.sentinels.insert(partly_down.sentinels.begin(), {"127.0.0.1", testing::FreePort()});
  master = FindRedisMaster(partly_down, 1s);
  ASSERT_TRUE(master.ok()) << master.status();
  EXPECT_EQ(master->port, group_->server_port(0));

  // A master name the sentinels do not know: UNAVAILABLE saying what each answered.
  RedisConfig unknown = config_;
  unknown.master_name = "nobody";
  master = FindRedisMaster(unknown, 1s);
  ASSERT_FALSE(master.ok());
  EXPECT_EQ(master.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(master.status().message().find("does not know a master named \"nobody\""),
            std::string::npos)
      << master.status();
}

TEST_F(RedisSentinelTest, CommandsFollowTheMasterThroughAFailover) {
  RedisClient client(config_, 4);
  ASSERT_TRUE(client.Command({"SET", "before", "1"}).ok());
  const int old_master = group_->master_port();

  const int new_master = group_->Failover();
  EXPECT_NE(new_master, old_master);
  // The pooled connection leads to the old master, a replica now: the write is refused there
  // (READONLY) or the connection was closed by Sentinel, and is sent again to the new master.
  for (const absl::Status& s : UntilAnswered(client, {"SET", "after", "2"})) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
  auto role = client.Command({"ROLE"});
  ASSERT_TRUE(role.ok()) << role.status();
  EXPECT_EQ(RedisReply::Str(role->element(0)), "master");
  auto before = client.Command({"GET", "before"});  // replicated to the new master
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->str(), "1");
  // Every connection now goes to the new master.
  for (int i = 0; i < 8; ++i) {
    auto set = client.Command({"SET", "k" + std::to_string(i), "v"});
    EXPECT_TRUE(set.ok()) << set.status();
  }
}

TEST_F(RedisSentinelTest, CommandsFollowTheMasterWhenItIsKilled) {
  RedisClient client(config_, 4);
  ASSERT_TRUE(client.Command({"SET", "before", "1"}).ok());
  const int old_master = group_->master_port();
  group_->server(group_->server_of_port(old_master)).Signal(SIGKILL);
  const int new_master = group_->WaitForNewMaster(old_master);
  EXPECT_NE(new_master, old_master);
  for (const absl::Status& s : UntilAnswered(client, {"SET", "after", "2"})) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
  auto after = client.Command({"GET", "after"});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->str(), "2");
}

TEST_F(RedisSentinelTest, TheSubscriberFollowsTheMasterAndSaysMessagesMayHaveBeenMissed) {
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> got;
  int resubscribed = 0;
  RedisSubscriber subscriber(
      config_,
      [&](const std::string&, std::string_view payload) {
        std::lock_guard lock(mu);
        got.insert(std::string(payload));
        cv.notify_all();
      },
      [&] {
        std::lock_guard lock(mu);
        ++resubscribed;
        cv.notify_all();
      });
  subscriber.Start();
  std::promise<void> subscribed;
  subscriber.Subscribe("room:1", [&] { subscribed.set_value(); });
  ASSERT_EQ(subscribed.get_future().wait_for(10s), std::future_status::ready);

  RedisClient client(config_, 2);
  auto wait_for = [&](const std::string& message) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 20s, [&] { return got.contains(message); });
  };
  ASSERT_TRUE(client.Command({"PUBLISH", "room:1", "m1"}).ok());
  EXPECT_TRUE(wait_for("m1"));

  group_->Failover();
  {
    // Sentinel closes the clients of the servers it reconfigures: the subscriber reconnects, to
    // the new master, and says that messages may have been missed meanwhile.
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 20s, [&] { return resubscribed > 0; }));
  }
  UntilAnswered(client, {"PUBLISH", "room:1", "m2"});
  EXPECT_TRUE(wait_for("m2"));
}

}  // namespace
}  // namespace natter
