// Failovers of the clustered engines under a running workload, on the stack `./natter up --ha`
// runs: a 3-node MariaDB Galera cluster, a Redis Cluster of 3 masters with a replica each, 3 chat
// replicas, 2 presence replicas and 2 gateways. Struck mid-stream: kill -9 of the Galera node the
// services write through, SIGSTOP of that node for 20 s, and kill -9 of the Redis Cluster master
// that serves the room's channel. In a suite of its own, Redis under Sentinel (a master, 2
// replicas, 3 sentinels) fails over on SENTINEL FAILOVER. After each: every acked message reached
// every listener exactly once and in seq order and is stored once, presence is right again within
// its TTL, and every process is still serving. (A chat replica added and one removed under load is
// replica_discovery_test.)
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "faults/fault_test.h"
#include "harness/harness.h"
#include "harness/redis_cluster.h"
#include "harness/redis_sentinel.h"

namespace natter {
namespace {

using namespace std::chrono_literals;

constexpr int kTtlSeconds = 5;

class ClusterFaultTest : public faults::FaultTest {
 protected:
  // Presence through a fault: `watcher` sees `stays` online throughout, and `leaves`, whose only
  // stream closes while the fault lasts, offline within the TTL (and a margin) of the fault.
  class PresenceThroughFault {
   public:
    PresenceThroughFault(std::string watcher, std::string stays, std::string leaves)
        : watcher_(std::move(watcher)), stays_(std::move(stays)), leaves_(std::move(leaves)) {}

    void Prepare() {
      for (const auto& u : {watcher_, stays_, leaves_}) User(u);
      Befriend(watcher_, {stays_, leaves_});
      staying_ = Listen(stays_, 0);
      leaving_ = Listen(leaves_, 1);
      ASSERT_TRUE(testing::WaitFor([&] { return PresenceOf(watcher_, leaves_) == "online"; }, 20s));
    }
    // During the fault: `leaves` goes away.
    void Leave() {
      left_ = std::chrono::steady_clock::now();
      leaving_->Stop();
    }
    // After it: both shown right; how long `leaves` took to be shown offline.
    void Check(faults::FaultRow& row) {
      auto gone = TimeUntilPresence(watcher_, leaves_, "offline", left_,
                                    std::chrono::seconds(kTtlSeconds + 15));
      EXPECT_TRUE(gone.has_value()) << leaves_ << " still shown " << PresenceOf(watcher_, leaves_);
      EXPECT_EQ(PresenceOf(watcher_, stays_), "online");
      if (gone) row.Recovered(*gone);
    }

   private:
    std::string watcher_, stays_, leaves_;
    std::unique_ptr<testing::Process> staying_, leaving_;
    std::chrono::steady_clock::time_point left_;
  };
};

class HaFaultsTest : public ClusterFaultTest {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack({.chat_replicas = 3,
                                 .presence_replicas = 2,
                                 .gateways = 2,
                                 .presence_ttl_seconds = kTtlSeconds,
                                 .heartbeat_seconds = 1,
                                 .rate_limits = false,
                                 .database = testing::StackDatabase::kGalera,
                                 .redis = testing::StackRedis::kCluster});
  }

  // The Galera node the services write through: the one holding their connections (each service
  // writes through one node, the first healthy one of the same list).
  static size_t WriterNode() {
    auto& galera = stack_->galera();
    size_t writer = 0;
    int most = -1;
    for (size_t i = 0; i < galera.size(); ++i) {
      if (!galera.Running(i)) continue;
      int sessions = std::stoi(galera.Sql(
          i, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'natter'"));
      if (sessions > most) {
        most = sessions;
        writer = i;
      }
    }
    EXPECT_GT(most, 0) << "no Galera node holds the services' connections";
    return writer;
  }

  // How often the chat replicas' pools have moved to another writer node, from their metrics
  // (natter_mysql_writer_changes_total{to=...}, summed).
  static double ChatWriterChanges() {
    double total = 0;
    for (size_t i = 0; i < stack_->chat_count(); ++i) {
      total += testing::MetricFamilySum(
          testing::HttpGet(stack_->metrics_address("chat-" + std::to_string(i + 1)), "/metrics"),
          "natter_mysql_writer_changes_total");
    }
    return total;
  }
};

TEST_F(HaFaultsTest, GaleraWriterKilled) {
  const size_t writer = WriterNode();
  const double moves = ChatWriterChanges();
  RunWithFault("kill -9 of the Galera node the services write through", "gk", 400,
               [&] { stack_->galera().Kill(writer); });
  EXPECT_GE(ChatWriterChanges(), moves + 3) << "every chat replica moves to another node";
  ExpectEverythingServing();
  // It joins again (an incremental state transfer), for the faults that follow.
  stack_->galera().Start(writer);
  stack_->galera().WaitUntilFormed();
}

TEST_F(HaFaultsTest, GaleraWriterStoppedForTwentySeconds) {
  // SIGSTOP: its connections stay open and answer nothing; the cluster drops it within seconds,
  // the services' pools after their read timeout (10 s), and move on to the next node.
  const size_t writer = WriterNode();
  const double moves = ChatWriterChanges();
  RunWithFault("Galera node the services write through stopped for 20 s (SIGSTOP)", "gs", 400, [&] {
    stack_->galera().Signal(writer, SIGSTOP);
    std::this_thread::sleep_for(20s);
    stack_->galera().Signal(writer, SIGCONT);
  });
  EXPECT_GE(ChatWriterChanges(), moves + 3) << "every chat replica moves to another node";
  ExpectEverythingServing();
  // Resumed, it finds itself outside the primary component and joins again.
  stack_->galera().WaitUntilFormed();
}

// Last in the suite: the killed master stays down (its replica serves its slots).
TEST_F(HaFaultsTest, RedisClusterMasterKilled) {
  PresenceThroughFault presence("cwatch", "cstay", "cgone");
  presence.Prepare();
  auto& cluster = stack_->redis_cluster();
  auto row = RunWithFaultInRoom("kill -9 of the Redis Cluster master serving the room's channel",
                                "ck", 400, [&](uint64_t room) {
                                  // The gateways' subscriptions to the room's channel are on this
                                  // master (SSUBSCRIBE).
                                  const std::string slot = cluster.Cli(
                                      0, {"CLUSTER", "KEYSLOT", "room:" + std::to_string(room)});
                                  const size_t master = cluster.MasterOf(std::stoi(slot));
                                  presence.Leave();
                                  cluster.KillMaster(master);
                                });
  presence.Check(*row);
  ExpectEverythingServing();
}

class SentinelFaultsTest : public ClusterFaultTest {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack({.chat_replicas = 2,
                                 .gateways = 2,
                                 .presence_ttl_seconds = kTtlSeconds,
                                 .heartbeat_seconds = 1,
                                 .rate_limits = false,
                                 .redis = testing::StackRedis::kSentinel});
  }
};

TEST_F(SentinelFaultsTest, SentinelFailover) {
  PresenceThroughFault presence("swatch", "sstay", "sgone");
  presence.Prepare();
  auto& sentinel = stack_->redis_sentinel();
  const int old_master = sentinel.master_port();
  auto row = RunWithFault("Sentinel failover (SENTINEL FAILOVER) of Redis", "sf", 400, [&] {
    presence.Leave();
    EXPECT_NE(sentinel.Failover(), old_master);
  });
  presence.Check(*row);
  ExpectEverythingServing();
}

}  // namespace
}  // namespace natter
