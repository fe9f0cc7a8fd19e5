// MariaDB Galera as a write path, against a real 3-node cluster on 127.0.0.1 (GaleraCluster): the
// pool writes through one node and moves on when that node is killed, stopped or made read-only;
// migrations from replicas on different nodes run once each; the chat message store keeps every
// acked message, once, through a failover.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "auth_schema.h"
#include "chat_schema.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "harness/harness.h"
#include "mysql_message_store.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Short timeouts, so that a stopped node is noticed within seconds (production: see
// MysqlPoolOptions). The read timeout must stay above the time the cluster takes to drop a dead
// node (GaleraCluster: 3 to 4 s), during which every node holds its commits: shorter, and the pool
// would take that pause for a dead writer and move again.
MysqlPoolOptions TestPoolOptions() {
  return MysqlPoolOptions{.max_connections = 8,
                          .connect_timeout = std::chrono::seconds(2),
                          .read_timeout = std::chrono::seconds(6),
                          .write_timeout = std::chrono::seconds(6)};
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// natter_mysql_writer_changes_total{to=`node`}, as Prometheus would read it.
double WriterChangesTo(const std::string& node) {
  std::string text = prometheus::TextSerializer().Serialize(Metrics::Get().registry().Collect());
  std::string key = "natter_mysql_writer_changes_total{to=\"" + node + "\"} ";
  auto at = text.find(key);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + key.size()));
}

class GaleraTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    cluster_ = new testing::GaleraCluster(dir_->path() / "galera");
    std::fprintf(stderr, "[ timing ] 3-node Galera cluster started in %.1f s\n",
                 Seconds(cluster_->start_time()));
    cluster_->Sql(0,
                  "CREATE TABLE natter.probe (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, "
                  "v INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB");
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete dir_;
  }

  // Every test leaves the cluster as it found it: all nodes Synced and writable.
  void TearDown() override {
    for (size_t i = 0; i < cluster_->size(); ++i) {
      cluster_->Signal(i, SIGCONT);
      if (!cluster_->Running(i)) cluster_->Start(i);
    }
    cluster_->WaitUntilFormed();
    for (size_t i = 0; i < cluster_->size(); ++i) cluster_->Sql(i, "SET GLOBAL read_only = 0");
  }

  static std::unique_ptr<MysqlPool> Pool(const std::string& url) {
    return std::make_unique<MysqlPool>(ParseMysqlUrl(url).value(), TestPoolOptions());
  }

  static absl::Status Write(MysqlPool& pool, int v) {
    return pool.Run("probe write", [&](sql::Connection& conn) -> absl::Status {
      Transaction tx(conn);
      std::unique_ptr<sql::PreparedStatement> insert(
          conn.prepareStatement("INSERT INTO probe (v) VALUES (?)"));
      insert->setInt(1, v);
      insert->execute();
      tx.Commit();
      return absl::OkStatus();
    });
  }

  // Writes until one succeeds, as a caller retrying UNAVAILABLE does; every failure must be
  // UNAVAILABLE. Returns how long it took.
  static Clock::duration WriteUntilOk(MysqlPool& pool, int v, Clock::duration limit = 60s) {
    const auto start = Clock::now();
    for (;;) {
      absl::Status s = Write(pool, v);
      if (s.ok()) return Clock::now() - start;
      EXPECT_TRUE(absl::IsUnavailable(s)) << s;
      if (Clock::now() - start > limit) {
        ADD_FAILURE() << "no write succeeded within " << Seconds(limit) << " s: " << s;
        return Clock::now() - start;
      }
      std::this_thread::sleep_for(50ms);  // a client's retry backoff, not a wait for readiness
    }
  }

  static testing::TempDir* dir_;
  static testing::GaleraCluster* cluster_;
};

testing::TempDir* GaleraTest::dir_ = nullptr;
testing::GaleraCluster* GaleraTest::cluster_ = nullptr;

TEST_F(GaleraTest, WritesGoThroughTheFirstNode) {
  auto pool = Pool(cluster_->url());
  ASSERT_TRUE(pool->Check().ok());
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(0));
  ASSERT_TRUE(Write(*pool, 1).ok());
}

TEST_F(GaleraTest, WritesContinueThroughTheNextNodeWhenTheWriterIsKilled) {
  auto pool = Pool(cluster_->url());
  ASSERT_TRUE(Write(*pool, 1).ok());
  ASSERT_EQ(pool->writer().ToString(), cluster_->address(0));
  const double changes_before = WriterChangesTo(cluster_->address(1));

  cluster_->Kill(0);
  auto took = WriteUntilOk(*pool, 2);
  std::fprintf(stderr, "[ timing ] writes resumed %.2f s after kill -9 of the writer\n",
               Seconds(took));
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(1));
  EXPECT_EQ(WriterChangesTo(cluster_->address(1)), changes_before + 1);  // one move, counted once
  for (int v = 3; v < 20; ++v) EXPECT_TRUE(Write(*pool, v).ok()) << v;

  // Node 1 comes back: the pool stays on node 2 (no flapping)...
  cluster_->Start(0);
  for (int v = 20; v < 30; ++v) EXPECT_TRUE(Write(*pool, v).ok()) << v;
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(1));
  // ...until node 2 fails; then node 1, first in the list, is preferred again over node 3.
  cluster_->Kill(1);
  WriteUntilOk(*pool, 30);
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(0));
}

TEST_F(GaleraTest, WritesContinueThroughTheNextNodeWhenTheWriterIsStopped) {
  auto pool = Pool(cluster_->url());
  ASSERT_TRUE(Write(*pool, 1).ok());
  ASSERT_EQ(pool->writer().ToString(), cluster_->address(0));

  // A stopped node keeps its connections open and answers nothing: only the read timeout tells.
  cluster_->Signal(0, SIGSTOP);
  auto took = WriteUntilOk(*pool, 2);
  std::fprintf(
      stderr,
      "[ timing ] writes resumed %.2f s after SIGSTOP of the writer (read timeout %lld s)\n",
      Seconds(took), static_cast<long long>(TestPoolOptions().read_timeout.count()));
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(1));
  for (int v = 3; v < 20; ++v) EXPECT_TRUE(Write(*pool, v).ok()) << v;
  // Resumed, node 1 finds itself outside the primary component and joins again (TearDown waits).
}

TEST_F(GaleraTest, AReadOnlyWriterMovesThePool) {
  auto pool = Pool(cluster_->url());
  ASSERT_TRUE(Write(*pool, 1).ok());
  ASSERT_EQ(pool->writer().ToString(), cluster_->address(0));

  cluster_->Sql(0, "SET GLOBAL read_only = 1");
  absl::Status refused = Write(*pool, 2);
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;  // a caller retries, as after a failover
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(1));
  EXPECT_TRUE(Write(*pool, 3).ok());
}

TEST_F(GaleraTest, ANodeThatIsNotSyncedIsSkipped) {
  // A node that is not Synced (here: desynced by hand, as a donor is) takes no writes; the pool
  // starts on the next one.
  cluster_->Sql(0, "SET GLOBAL wsrep_desync = ON");
  ASSERT_TRUE(testing::WaitFor(
      [&] { return cluster_->Status(0, "wsrep_local_state_comment") != "Synced"; }, 10s));
  auto pool = Pool(cluster_->url());
  EXPECT_TRUE(Write(*pool, 1).ok());
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(1));
  cluster_->Sql(0, "SET GLOBAL wsrep_desync = OFF");
}

TEST_F(GaleraTest, CertificationConflictsAreUnavailableAndLoseNoUpdate) {
  // Two writers on two nodes updating one row: Galera lets the first certified commit win and
  // fails the other with 1213, which callers must be able to retry (UNAVAILABLE), never INTERNAL.
  cluster_->Sql(0,
                "CREATE TABLE IF NOT EXISTS natter.counter (id INT NOT NULL PRIMARY KEY, "
                "n INT NOT NULL) ENGINE=InnoDB; "
                "REPLACE INTO natter.counter VALUES (1, 0)");
  std::atomic<int> committed{0}, conflicts{0}, other{0};
  auto worker = [&](size_t node) {
    auto pool = Pool(cluster_->node_url(node));
    const auto end = Clock::now() + 5s;
    while (Clock::now() < end && conflicts.load() < 20) {
      absl::Status s = pool->Run("increment", [&](sql::Connection& conn) -> absl::Status {
        Transaction tx(conn);
        std::unique_ptr<sql::Statement> stmt(conn.createStatement());
        stmt->execute("UPDATE counter SET n = n + 1 WHERE id = 1");
        tx.Commit();
        return absl::OkStatus();
      });
      if (s.ok()) {
        ++committed;
      } else if (absl::IsUnavailable(s)) {
        ++conflicts;
      } else {
        ++other;
      }
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(conflicts.load(), 0) << "no certification conflict in 5 s of contention";
  // Every increment that was acknowledged is there, and no other.
  EXPECT_EQ(cluster_->Sql(2, "SET SESSION wsrep_sync_wait = 1; SELECT n FROM natter.counter"),
            std::to_string(committed.load()) + "\n");
}

// Migrations that count their own runs: a replica applying one twice leaves two rows.
const std::vector<Migration>& CountingMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "001_runs.sql",
       "CREATE TABLE IF NOT EXISTS runs (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, "
       "version INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;\n"
       "INSERT INTO runs (version) VALUES (1);\n"},
      {2, "002_table.sql",
       "CREATE TABLE IF NOT EXISTS things (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;\n"
       "INSERT INTO runs (version) VALUES (2);\n"},
      {3, "003_column.sql",
       "ALTER TABLE things ADD COLUMN IF NOT EXISTS name VARCHAR(32) NULL;\n"
       "INSERT INTO runs (version) VALUES (3);\n"},
  };
  return migrations;
}

// A database of its own for the natter user, made on node 1 and replicated.
std::string DatabaseUrl(testing::GaleraCluster& cluster, size_t node, const std::string& db) {
  std::string url = cluster.node_url(node);
  return url.substr(0, url.rfind('/') + 1) + db;
}

TEST_F(GaleraTest, ReplicasMigratingThroughDifferentNodesApplyEachMigrationOnce) {
  cluster_->Sql(0, "CREATE DATABASE migrating; GRANT ALL ON migrating.* TO 'natter'@'127.0.0.1'");
  std::vector<std::unique_ptr<MysqlPool>> pools;
  for (size_t i = 0; i < cluster_->size(); ++i) {
    pools.push_back(Pool(DatabaseUrl(*cluster_, i, "migrating")));
  }
  std::vector<absl::Status> results(pools.size());
  {
    std::atomic<size_t> ready{0};
    std::vector<std::thread> replicas;
    for (size_t i = 0; i < pools.size(); ++i) {
      replicas.emplace_back([&, i] {
        ++ready;
        while (ready.load() < pools.size()) std::this_thread::yield();  // start together
        results[i] = ApplyMigrations(*pools[i], "counting", CountingMigrations());
      });
    }
    for (auto& t : replicas) t.join();
  }
  for (size_t i = 0; i < results.size(); ++i) EXPECT_TRUE(results[i].ok()) << i << results[i];
  EXPECT_EQ(cluster_->Sql(2,
                          "SET SESSION wsrep_sync_wait = 1; "
                          "SELECT version, COUNT(*) FROM migrating.runs GROUP BY version"),
            "1\t1\n2\t1\n3\t1\n");
  EXPECT_EQ(cluster_->Sql(1,
                          "SET SESSION wsrep_sync_wait = 1; SELECT version FROM "
                          "migrating.schema_migrations WHERE component = 'counting'"),
            "1\n2\n3\n");
  EXPECT_EQ(cluster_->Sql(0, "SELECT holder FROM migrating.schema_migration_lock"), "\n");
}

TEST_F(GaleraTest, ALockLeftByACrashedReplicaExpires) {
  cluster_->Sql(0, "CREATE DATABASE crashed; GRANT ALL ON crashed.* TO 'natter'@'127.0.0.1'");
  auto pool = Pool(DatabaseUrl(*cluster_, 1, "crashed"));
  ASSERT_TRUE(ApplyMigrations(*pool, "counting", {}).ok());  // makes the lock table
  // A replica took the lock and died: its lease runs 2 s more.
  cluster_->Sql(0,
                "UPDATE crashed.schema_migration_lock SET holder = 'chat-0/1/dead', "
                "expires_at_ms = CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) + 2000");
  absl::Status waited_out =
      ApplyMigrations(*pool, "counting", CountingMigrations(), {.lease = 30s, .wait = 300ms});
  EXPECT_TRUE(absl::IsUnavailable(waited_out)) << waited_out;
  EXPECT_NE(std::string(waited_out.message()).find("held by chat-0/1/dead"), std::string::npos)
      << waited_out;

  const auto start = Clock::now();
  absl::Status applied =
      ApplyMigrations(*pool, "counting", CountingMigrations(), {.lease = 30s, .wait = 20s});
  EXPECT_TRUE(applied.ok()) << applied;
  EXPECT_GT(Clock::now() - start, 1s);  // it waited for the lease to run out
  EXPECT_EQ(cluster_->Sql(2, "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM crashed.runs"),
            "3\n");
}

TEST_F(GaleraTest, NatterMigrationsRunOnGaleraAndEveryTableHasAPrimaryKey) {
  // natter-auth and natter-chat starting at once through different nodes, on the real schema.
  auto auth_pool = Pool(cluster_->node_url(0));
  auto chat_pool = Pool(cluster_->node_url(1));
  absl::Status auth_result, chat_result;
  std::thread auth([&] { auth_result = ApplyMigrations(*auth_pool, "auth", auth::Migrations()); });
  std::thread chat([&] { chat_result = ApplyMigrations(*chat_pool, "chat", chat::Migrations()); });
  auth.join();
  chat.join();
  ASSERT_TRUE(auth_result.ok()) << auth_result;
  ASSERT_TRUE(chat_result.ok()) << chat_result;
  // Galera replicates InnoDB only, and needs a primary key to certify and apply rows.
  EXPECT_EQ(cluster_->Sql(2,
                          "SET SESSION wsrep_sync_wait = 1; "
                          "SELECT t.TABLE_NAME, t.ENGINE FROM information_schema.TABLES t "
                          "WHERE t.TABLE_SCHEMA = 'natter' AND (t.ENGINE <> 'InnoDB' OR NOT EXISTS "
                          "(SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c WHERE "
                          "c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND "
                          "c.CONSTRAINT_TYPE = 'PRIMARY KEY'))"),
            "");
}

TEST_F(GaleraTest, MessageStoreLosesNothingAckedAndDuplicatesNothingWhenTheWriterIsKilled) {
  auto pool = Pool(cluster_->url());
  ASSERT_TRUE(ApplyMigrations(*pool, "auth", auth::Migrations()).ok());
  ASSERT_TRUE(ApplyMigrations(*pool, "chat", chat::Migrations()).ok());
  chat::MysqlMessageStore store(*pool);
  const uint64_t lobby = store.FindRoom("lobby", 0).value().value().id;
  ASSERT_EQ(pool->writer().ToString(), cluster_->address(0));
  const uint64_t seq_before = std::stoull(cluster_->Sql(
      0, "SELECT last_seq FROM natter.conversations WHERE id = " + std::to_string(lobby)));

  // Four senders, 50 messages each, retrying UNAVAILABLE with the same client_msg_id as clients
  // do; node 1, the writer, is killed after the first 40 acks.
  constexpr int kSenders = 4, kPerSender = 50;
  std::mutex mu;
  std::map<std::string, uint64_t> acked;  // client_msg_id -> seq
  std::atomic<int> acks{0}, retries{0}, duplicates{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      const auto give_up = Clock::now() + 120s;
      for (int i = 0; i < kPerSender; ++i) {
        chat::NewMessage m;
        m.conversation_id = lobby;
        m.sender_id = 9000 + static_cast<uint64_t>(s);
        m.sender = "galera" + std::to_string(s);
        m.client_msg_id = "g" + std::to_string(s) + "-" + std::to_string(i);
        m.text = "message " + std::to_string(i);
        m.sent_at_ms = 1'700'000'000'000;
        for (;;) {
          auto result = store.Append(m);
          if (result.ok()) {
            if (result->duplicate) ++duplicates;
            std::lock_guard lock(mu);
            auto [it, inserted] = acked.emplace(m.client_msg_id, result->ack.seq());
            // Acked twice: the same message, the same seq.
            EXPECT_TRUE(inserted || it->second == result->ack.seq()) << m.client_msg_id;
            ++acks;
            break;
          }
          EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
          ++retries;
          if (Clock::now() > give_up) {
            ADD_FAILURE() << m.client_msg_id << " never stored: " << result.status();
            return;
          }
          std::this_thread::sleep_for(20ms);  // a client's retry backoff
        }
      }
    });
  }
  ASSERT_TRUE(testing::WaitFor([&] { return acks.load() >= 40; }, 60s));
  const auto killed_at = Clock::now();
  cluster_->Kill(0);
  for (auto& t : senders) t.join();
  std::fprintf(stderr,
               "[ timing ] 200 messages sent in %.2f s after the kill; %d retries, %d duplicates "
               "answered with the original ack\n",
               Seconds(Clock::now() - killed_at), retries.load(), duplicates.load());
  EXPECT_EQ(pool->writer().ToString(), cluster_->address(1));
  ASSERT_EQ(acked.size(), static_cast<size_t>(kSenders * kPerSender));

  // Every acked message is stored once, under the seq it was acked with, on every live node; the
  // lobby's seqs stay dense (none lost to a rolled-back write, none used twice).
  for (size_t node : {1u, 2u}) {
    std::string rows = cluster_->Sql(
        node,
        "SET SESSION wsrep_sync_wait = 1; SELECT client_msg_id, seq FROM natter.messages "
        "WHERE sender_id BETWEEN 9000 AND 9003 ORDER BY seq");
    std::map<std::string, uint64_t> stored;
    size_t count = 0;
    for (size_t pos = 0; pos < rows.size();) {
      size_t tab = rows.find('\t', pos), eol = rows.find('\n', pos);
      stored[rows.substr(pos, tab - pos)] = std::stoull(rows.substr(tab + 1, eol - tab - 1));
      ++count;
      pos = eol + 1;
    }
    EXPECT_EQ(count, acked.size()) << "node " << node + 1;
    EXPECT_EQ(stored, acked) << "node " << node + 1;
    EXPECT_EQ(cluster_->Sql(node,
                            "SET SESSION wsrep_sync_wait = 1; "
                            "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) "
                            "FROM natter.messages WHERE conversation_id = " +
                                std::to_string(lobby) + " AND seq > " + std::to_string(seq_before)),
              "200\t200\t" + std::to_string(seq_before + 1) + "\t" +
                  std::to_string(seq_before + 200) + "\n")
        << "node " << node + 1;
  }
}

}  // namespace
}  // namespace natter
