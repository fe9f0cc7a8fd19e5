#include "common/mysql_pool.h"

#include <cppconn/statement.h>
#include <mysql_driver.h>
#include <spdlog/spdlog.h>

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

}  // namespace

absl::Status StatusFromSqlException(const sql::SQLException& e, std::string_view what) {
  int code = e.getErrorCode();
  switch (code) {
    case kCrServerGoneError:
    case kCrServerLost:
    case kCrConnectionError:
    case kCrConnHostError:
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

MysqlPool::~MysqlPool() = default;

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
  return code == kCrServerGoneError || code == kCrServerLost || code == kCrConnectionError ||
         code == kCrConnHostError;
}

void MysqlPool::Rollback(sql::Connection& conn) {
  try {
    if (!conn.getAutoCommit()) {
      conn.rollback();
      conn.setAutoCommit(true);
    }
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
