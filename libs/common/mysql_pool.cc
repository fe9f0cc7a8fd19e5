#include "common/mysql_pool.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>
#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "common/check.h"
#include "common/metrics.h"

namespace natter {
namespace {

// Client-side error numbers of libmysqlclient/libmariadb for a connection that is gone.
constexpr int kCrServerGoneError = 2006;
constexpr int kCrServerLost = 2013;
constexpr int kCrConnectionError = 2002;
constexpr int kCrConnHostError = 2003;
// A statement the server no longer knows (its session was replaced).
constexpr int kErUnknownStmtHandler = 1243;

// A connection idle this long is pinged before use; the server may have dropped it.
constexpr auto kValidateAfterIdle = std::chrono::seconds(30);
constexpr auto kAcquireTimeout = std::chrono::seconds(5);

// Runs one statement without parameters; the driver throws when the server says it failed.
void Execute(sql::Connection& conn, const char* sql) {
  std::unique_ptr<sql::Statement> statement(conn.createStatement());
  statement->execute(sql);
}

// natter_mysql_writer_changes_total{to}: the pool moved its writes to node `to`.
prometheus::Family<prometheus::Counter>& WriterChanges() {
  static auto& family = prometheus::BuildCounter()
                            .Name("natter_mysql_writer_changes_total")
                            .Help("Times a MySQL pool moved its writes to another node, by node")
                            .Register(Metrics::Get().registry());
  return family;
}

}  // namespace

Transaction::Transaction(sql::Connection& conn) : conn_(conn) {
  Execute(conn_, "START TRANSACTION");
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    Execute(conn_, "ROLLBACK");
  } catch (const sql::SQLException&) {
    // The connection is broken, and the server rolls back what it had; the pool retires it.
  }
}

void Transaction::Commit() {
  Execute(conn_, "COMMIT");
  done_ = true;
}

namespace {

// The node is gone, shutting down, not in the primary component or read-only: the statement did not
// run there, and the pool's writer must move (MysqlPool::Classify).
bool NodeUnavailable(int code) {
  switch (code) {
    case kCrServerGoneError:
    case kCrServerLost:
    case kCrConnectionError:
    case kCrConnHostError:
    case kErServerShutdown:
    case kErConnectionKilled:
    case kErUnknownComError:
    case kErOptionPreventsStatement:
    case kErErrorDuringCommit:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status StatusFromSqlException(const sql::SQLException& e, std::string_view what) {
  int code = e.getErrorCode();
  if (NodeUnavailable(code)) {
    spdlog::warn("MySQL unavailable during {}: {} ({})", what, e.what(), code);
    return absl::UnavailableError("the database is unavailable, try again");
  }
  switch (code) {
    case kErLockDeadlock:
    case kErLockWaitTimeout:
      spdlog::warn("MySQL lock conflict during {}: {}", what, code);
      return absl::UnavailableError("the database is busy, try again");
    default:
      spdlog::error("MySQL error during {}: {} (error {}, state {})", what, e.what(), code,
                    e.getSQLState());
      return absl::InternalError("database error");
  }
}

class StatementCache {
 public:
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements;
};

sql::PreparedStatement& CachedStatement(sql::Connection& conn, const std::string& sql) {
  StatementCache* cache = MysqlPool::InUse::StatementsOf(conn);
  NATTER_CHECK(cache != nullptr, "CachedStatement outside the Run() call that gave the connection");
  // No lock: a connection is used by one thread at a time.
  std::unique_ptr<sql::PreparedStatement>& slot = cache->statements[sql];
  if (!slot) slot.reset(conn.prepareStatement(sql));  // a throw leaves it empty, to prepare again
  return *slot;
}

uint64_t LastInsertId(sql::Connection& conn) {
  std::unique_ptr<sql::Statement> stmt(conn.createStatement());
  std::unique_ptr<sql::ResultSet> row(stmt->executeQuery("SELECT LAST_INSERT_ID()"));
  NATTER_CHECK(row->next(), "SELECT LAST_INSERT_ID() gave no row");
  return row->getUInt64(1);
}

MysqlPool::Lease::Lease(std::unique_ptr<sql::Connection> c, uint64_t g)
    : conn(std::move(c)), statements(std::make_unique<StatementCache>()), generation(g) {}

MysqlPool::Lease::Lease(Lease&&) noexcept = default;

MysqlPool::Lease::~Lease() {
  try {
    statements.reset();
  } catch (const sql::SQLException&) {
    // The connection is gone; so are its statements on the server.
  }
  try {
    conn.reset();
  } catch (const sql::SQLException&) {
    // Closing a connection to a node that is gone.
  }
}

thread_local MysqlPool::InUse* MysqlPool::InUse::innermost_ = nullptr;

MysqlPool::InUse::InUse(MysqlPool& pool, Lease lease)
    : pool_(pool), lease_(std::move(lease)), enclosing_(innermost_) {
  innermost_ = this;
}

MysqlPool::InUse::~InUse() {
  if (!released_) pool_.Release(std::move(lease_), false);
  innermost_ = enclosing_;
}

void MysqlPool::InUse::Release(bool healthy) {
  released_ = true;
  pool_.Release(std::move(lease_), healthy);
}

StatementCache* MysqlPool::InUse::StatementsOf(const sql::Connection& conn) {
  for (InUse* in_use = innermost_; in_use != nullptr; in_use = in_use->enclosing_) {
    if (!in_use->released_ && in_use->lease_.conn.get() == &conn) {
      return in_use->lease_.statements.get();
    }
  }
  return nullptr;
}

MysqlPool::MysqlPool(MysqlConfig config, size_t max_connections)
    : MysqlPool(std::move(config), MysqlPoolOptions{.max_connections = max_connections}) {}

MysqlPool::MysqlPool(MysqlConfig config, MysqlPoolOptions options)
    : config_(std::move(config)), options_(options) {
  NATTER_CHECK(!config_.nodes.empty(), "a MySQL pool needs a node (ParseMysqlUrl gives one)");
  // The driver singleton is not safe to create concurrently; create it here, on the wiring thread.
  sql::mysql::get_mysql_driver_instance();
}

MysqlPool::~MysqlPool() = default;

absl::Status MysqlPool::Check() {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  Release(std::move(*lease), true);
  return absl::OkStatus();
}

MysqlNode MysqlPool::writer() {
  std::lock_guard lock(mu_);
  return config_.nodes[writer_];
}

absl::StatusOr<std::unique_ptr<sql::Connection>> MysqlPool::Open(const MysqlNode& node) {
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString("tcp://" + node.ToString());
  options["userName"] = sql::SQLString(config_.user);
  options["password"] = sql::SQLString(config_.password);
  options["schema"] = sql::SQLString(config_.database);
  options["OPT_CONNECT_TIMEOUT"] = static_cast<int>(options_.connect_timeout.count());
  options["OPT_READ_TIMEOUT"] = static_cast<int>(options_.read_timeout.count());
  options["OPT_WRITE_TIMEOUT"] = static_cast<int>(options_.write_timeout.count());
  options["OPT_RECONNECT"] = false;
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  const int lock_wait_seconds = std::max(1, static_cast<int>(options_.read_timeout.count()) / 2);
  try {
    std::unique_ptr<sql::Connection> conn(
        sql::mysql::get_mysql_driver_instance()->connect(options));
    std::unique_ptr<sql::Statement> stmt(conn->createStatement());
    stmt->execute(
        "SET SESSION time_zone = '+00:00', "
        "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO', "
        "innodb_lock_wait_timeout = " +
        std::to_string(lock_wait_seconds));
    stmt->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    // A node takes writes unless it is read-only; a Galera node only while it is Synced in the
    // primary component. A server without a Galera provider (a single MariaDB) has no provider
    // name.
    std::unordered_map<std::string, std::string> state;
    {
      std::unique_ptr<sql::ResultSet> rows(stmt->executeQuery(
          "SELECT 'read_only', @@GLOBAL.read_only UNION ALL "
          "SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
          "WHERE VARIABLE_NAME IN ('WSREP_PROVIDER_NAME', 'WSREP_READY', "
          "'WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_STATUS')"));
      while (rows->next()) state[rows->getString(1)] = rows->getString(2);
    }
    if (state["read_only"] != "0" && state["read_only"] != "OFF") {
      spdlog::warn("MySQL node {} cannot take writes: it is read-only", node.ToString());
      return absl::UnavailableError("database node " + node.ToString() + " is read-only");
    }
    if (!state["wsrep_provider_name"].empty() &&
        (state["wsrep_ready"] != "ON" || state["wsrep_cluster_status"] != "Primary" ||
         state["wsrep_local_state_comment"] != "Synced")) {
      spdlog::warn("MySQL node {} cannot take writes: Galera state {}, cluster {}, ready {}",
                   node.ToString(), state["wsrep_local_state_comment"],
                   state["wsrep_cluster_status"], state["wsrep_ready"]);
      return absl::UnavailableError("database node " + node.ToString() +
                                    " is not a synced member of the primary component");
    }
    return conn;
  } catch (const sql::SQLException& e) {
    spdlog::warn("cannot connect to MySQL at {} as {}: {}", node.ToString(), config_.user,
                 e.what());
    return absl::UnavailableError("cannot connect to the database at " + node.ToString() + ": " +
                                  e.what());
  }
}

absl::StatusOr<MysqlPool::Lease> MysqlPool::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + kAcquireTimeout;
  bool chose = false;  // this call chose a writer already: a second failure is the answer
  std::unique_lock lock(mu_);
  for (;;) {
    if (choosing_) {
      // Another thread is probing the nodes; its choice is the one to use.
      if (!cv_.wait_until(lock, deadline, [this] { return !choosing_; })) {
        return absl::UnavailableError("the database is unavailable, try again");
      }
      continue;
    }
    if (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      if (std::chrono::steady_clock::now() - idle.since < kValidateAfterIdle) {
        return std::move(idle.lease);
      }
      lock.unlock();
      bool valid = false;
      try {
        valid = idle.lease.conn->isValid();
      } catch (const sql::SQLException&) {
      }
      if (valid) return std::move(idle.lease);
      Close(std::move(idle.lease));
      lock.lock();
      --open_;
      continue;
    }
    if (open_ < options_.max_connections) {
      ++open_;
      const uint64_t generation = generation_;
      const MysqlNode node = config_.nodes[writer_];
      lock.unlock();
      auto conn = Open(node);
      if (conn.ok()) return Lease{std::move(*conn), generation};
      lock.lock();
      --open_;
      cv_.notify_one();
      if (config_.nodes.size() == 1 || chose) {
        // The details (address, driver message) are in the log; a caller's caller is a person.
        return absl::UnavailableError("the database is unavailable, try again");
      }
      // The writer cannot be reached or cannot take writes: choose another (unless another
      // thread did meanwhile), then try again.
      if (generation == generation_ && !choosing_) {
        chose = true;
        ChooseWriter(lock, std::string(conn.status().message()));
      }
      continue;
    }
    if (!cv_.wait_until(lock, deadline, [this] {
          return choosing_ || !idle_.empty() || open_ < options_.max_connections;
        })) {
      return absl::UnavailableError("all database connections are busy, try again");
    }
  }
}

void MysqlPool::Release(Lease lease, bool healthy) {
  {
    std::lock_guard lock(mu_);
    if (healthy && lease.conn && lease.generation == generation_) {
      idle_.push_back({std::move(lease), std::chrono::steady_clock::now()});
    } else {
      --open_;  // broken, or opened to a node the pool has left since: closed below
    }
  }
  cv_.notify_one();
  Close(std::move(lease));
}

void MysqlPool::Close(Lease /*lease*/) {
  // Destroying the lease closes its statements, then its connection.
}

void MysqlPool::LeaveWriter(uint64_t generation, const sql::SQLException& e) {
  // A single server has no other node; its broken connection alone was retired.
  if (config_.nodes.size() == 1) return;
  std::unique_lock lock(mu_);
  if (generation != generation_ || choosing_) return;  // another caller saw it first
  ChooseWriter(lock, std::string(e.what()) + " (error " + std::to_string(e.getErrorCode()) + ")");
}

void MysqlPool::ChooseWriter(std::unique_lock<std::mutex>& lock, const std::string& reason) {
  choosing_ = true;
  const size_t failed = writer_;
  lock.unlock();
  // The first node of the list that can take writes; the one that failed only if no other can.
  std::vector<size_t> order;
  for (size_t i = 0; i < config_.nodes.size(); ++i) {
    if (i != failed) order.push_back(i);
  }
  order.push_back(failed);
  std::optional<size_t> chosen;
  std::unique_ptr<sql::Connection> probe;
  for (size_t i : order) {
    auto conn = Open(config_.nodes[i]);
    if (conn.ok()) {
      chosen = i;
      probe = std::move(*conn);
      break;
    }
  }
  lock.lock();
  choosing_ = false;
  std::vector<Idle> retired;
  if (chosen) {
    // Every connection of the old generation goes: idle ones now, busy ones when released.
    retired.swap(idle_);
    open_ -= retired.size();
    ++generation_;
    writer_ = *chosen;
    if (open_ < options_.max_connections) {
      ++open_;
      idle_.push_back({Lease{std::move(probe), generation_}, std::chrono::steady_clock::now()});
    }
  }
  lock.unlock();
  cv_.notify_all();
  const std::string failed_node = config_.nodes[failed].ToString();
  if (!chosen) {
    spdlog::error("MySQL writer {} failed ({}), and none of the {} nodes can take writes now",
                  failed_node, reason, config_.nodes.size());
  } else if (*chosen != failed) {
    const std::string to = config_.nodes[*chosen].ToString();
    spdlog::warn("MySQL writer moved from {} to {}: {}", failed_node, to, reason);
    WriterChanges().Add({{"to", to}}).Increment();
  } else {
    spdlog::warn("MySQL writer {} failed ({}); no other node can take writes, so it stays",
                 failed_node, reason);
  }
  if (probe) Close(Lease(std::move(probe), 0));
  for (auto& idle : retired) Close(std::move(idle.lease));
  lock.lock();
}

MysqlPool::Failure MysqlPool::Classify(const sql::SQLException& e) {
  if (NodeUnavailable(e.getErrorCode())) return Failure::kNode;
  switch (e.getErrorCode()) {
    case kErUnknownStmtHandler:
      // The session was replaced under us: the cached statements of this connection are useless,
      // so retire it like a lost one. The node itself answered.
      return Failure::kConnection;
    default:
      return Failure::kStatement;
  }
}

void MysqlPool::Rollback(sql::Connection& conn) {
  try {
    Execute(conn, "ROLLBACK");  // nothing to do unless fn left a transaction open
  } catch (const sql::SQLException&) {
    // The connection is broken; Classify() retires it, or the next use will.
  }
}

void MysqlPool::Record(std::string_view what, std::chrono::steady_clock::time_point start,
                       bool ok) {
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  Metrics::Get().RecordMysqlCall(what, elapsed.count(), ok);
}

}  // namespace natter
