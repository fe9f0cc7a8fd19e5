#include "common/mysql_pool.h"

#include <cppconn/statement.h>
#include <mysql_driver.h>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "common/metrics.h"

namespace natter {
namespace {

// Client-side error numbers of libmysqlclient/libmariadb for a connection that is gone.
constexpr int kCrServerGoneError = 2006;
constexpr int kCrServerLost = 2013;
constexpr int kCrConnectionError = 2002;
constexpr int kCrConnHostError = 2003;

// A connection idle this long is pinged before use; the server may have dropped it.
constexpr auto kValidateAfterIdle = std::chrono::seconds(30);
constexpr auto kAcquireTimeout = std::chrono::seconds(5);

// Prepared statements by connection (CachedStatement). A connection is used by one thread at a
// time, so the lock only guards the maps.
struct StatementCaches {
  std::mutex mu;
  std::unordered_map<const sql::Connection*,
                     std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>>>
      by_connection;
};

StatementCaches& Caches() {
  static auto* caches = new StatementCaches();  // never destroyed: pools may outlive main
  return *caches;
}

// Drops a connection's statements; call before the connection is destroyed.
void ForgetStatements(const sql::Connection* conn) {
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements;
  {
    std::lock_guard lock(Caches().mu);
    auto it = Caches().by_connection.find(conn);
    if (it == Caches().by_connection.end()) return;
    statements = std::move(it->second);
    Caches().by_connection.erase(it);
  }
  try {
    statements.clear();
  } catch (const sql::SQLException&) {
    // The connection is gone; so are its statements on the server.
  }
}

// Runs one statement without parameters; the driver throws when the server says it failed.
void Execute(sql::Connection& conn, const char* sql) {
  std::unique_ptr<sql::Statement> statement(conn.createStatement());
  statement->execute(sql);
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

absl::Status StatusFromSqlException(const sql::SQLException& e, std::string_view what) {
  int code = e.getErrorCode();
  switch (code) {
    case kCrServerGoneError:
    case kCrServerLost:
    case kCrConnectionError:
    case kCrConnHostError:
    case kErServerShutdown:
    case kErConnectionKilled:
      spdlog::warn("MySQL unavailable during {}: {} ({})", what, e.what(), code);
      return absl::UnavailableError("the database is unavailable, try again");
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

MysqlPool::MysqlPool(MysqlConfig config, size_t max_connections)
    : config_(std::move(config)), max_connections_(max_connections) {
  // The driver singleton is not safe to create concurrently; create it here, on the wiring thread.
  sql::mysql::get_mysql_driver_instance();
}

sql::PreparedStatement& CachedStatement(sql::Connection& conn, const std::string& sql) {
  StatementCaches& caches = Caches();
  {
    std::lock_guard lock(caches.mu);
    auto& cache = caches.by_connection[&conn];
    if (auto it = cache.find(sql); it != cache.end()) return *it->second;
  }
  // Prepared outside the lock: a round trip, on a connection only this thread is using.
  std::unique_ptr<sql::PreparedStatement> statement(conn.prepareStatement(sql));
  std::lock_guard lock(caches.mu);
  auto& slot = caches.by_connection[&conn][sql];
  slot = std::move(statement);
  return *slot;
}

MysqlPool::~MysqlPool() {
  for (const auto& idle : idle_) ForgetStatements(idle.conn.get());
}

absl::Status MysqlPool::Check() {
  auto conn = Open();
  if (!conn.ok()) return conn.status();
  Release(std::move(*conn), true);
  std::lock_guard lock(mu_);
  ++open_;  // Release() counted it as returned; it was never counted as taken.
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<sql::Connection>> MysqlPool::Open() {
  sql::ConnectOptionsMap options;
  options["hostName"] =
      sql::SQLString("tcp://" + config_.host + ":" + std::to_string(config_.port));
  options["userName"] = sql::SQLString(config_.user);
  options["password"] = sql::SQLString(config_.password);
  options["schema"] = sql::SQLString(config_.database);
  options["OPT_CONNECT_TIMEOUT"] = 5;
  options["OPT_READ_TIMEOUT"] = 30;
  options["OPT_WRITE_TIMEOUT"] = 30;
  options["OPT_RECONNECT"] = false;
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    std::unique_ptr<sql::Connection> conn(
        sql::mysql::get_mysql_driver_instance()->connect(options));
    std::unique_ptr<sql::Statement> stmt(conn->createStatement());
    stmt->execute("SET SESSION time_zone = '+00:00'");
    stmt->execute(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'");
    stmt->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    return conn;
  } catch (const sql::SQLException& e) {
    spdlog::warn("cannot connect to MySQL at {}:{} as {}: {}", config_.host, config_.port,
                 config_.user, e.what());
    return absl::UnavailableError("cannot connect to the database at " + config_.host + ":" +
                                  std::to_string(config_.port) + ": " + e.what());
  }
}

absl::StatusOr<std::unique_ptr<sql::Connection>> MysqlPool::Acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      if (std::chrono::steady_clock::now() - idle.since < kValidateAfterIdle) {
        return std::move(idle.conn);
      }
      lock.unlock();
      bool valid = false;
      try {
        valid = idle.conn->isValid();
      } catch (const sql::SQLException&) {
      }
      if (valid) return std::move(idle.conn);
      ForgetStatements(idle.conn.get());
      lock.lock();
      --open_;
      continue;
    }
    if (open_ < max_connections_) {
      ++open_;
      lock.unlock();
      auto conn = Open();
      if (!conn.ok()) {
        lock.lock();
        --open_;
        cv_.notify_one();
        // The details (address, driver message) are in the log; a caller's caller is a person.
        return absl::UnavailableError("the database is unavailable, try again");
      }
      return conn;
    }
    if (!cv_.wait_for(lock, kAcquireTimeout,
                      [this] { return !idle_.empty() || open_ < max_connections_; })) {
      return absl::UnavailableError("all database connections are busy, try again");
    }
  }
}

void MysqlPool::Release(std::unique_ptr<sql::Connection> conn, bool healthy) {
  if (!healthy && conn) ForgetStatements(conn.get());
  {
    std::lock_guard lock(mu_);
    if (healthy && conn) {
      idle_.push_back({std::move(conn), std::chrono::steady_clock::now()});
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

bool MysqlPool::IsConnectionLost(const sql::SQLException& e) {
  int code = e.getErrorCode();
  // A statement the server no longer knows means the session was replaced under us: the cached
  // statements of this connection are useless, so retire it like a lost one.
  constexpr int kErUnknownStmtHandler = 1243;
  return code == kCrServerGoneError || code == kCrServerLost || code == kCrConnectionError ||
         code == kCrConnHostError || code == kErServerShutdown || code == kErConnectionKilled ||
         code == kErUnknownStmtHandler;
}

void MysqlPool::Rollback(sql::Connection& conn) {
  try {
    Execute(conn, "ROLLBACK");  // nothing to do unless fn left a transaction open
  } catch (const sql::SQLException&) {
    // The connection is broken; IsConnectionLost() already retired it or the next use will.
  }
}

void MysqlPool::Record(std::string_view what, std::chrono::steady_clock::time_point start,
                       bool ok) {
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  Metrics::Get().RecordMysqlCall(what, elapsed.count(), ok);
}

}  // namespace natter
