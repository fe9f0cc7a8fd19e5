// A small pool of MySQL Connector/C++ connections. Store code runs its statements through Run(),
// which turns driver exceptions into absl::Status and retires connections the server dropped.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config.h"

namespace natter {

// MySQL/MariaDB server error numbers that store code reacts to.
inline constexpr int kErDupEntry = 1062;
inline constexpr int kErLockDeadlock = 1213;
inline constexpr int kErLockWaitTimeout = 1205;
inline constexpr int kErServerShutdown = 1053;    // the server is shutting down
inline constexpr int kErConnectionKilled = 1927;  // the server closed this session

// Maps a driver exception to a status: lost connections and lock conflicts are UNAVAILABLE
// (retrying can help), anything else INTERNAL. The SQL text and bound values are never included.
absl::Status StatusFromSqlException(const sql::SQLException& e, std::string_view what);

// A transaction on a connection: begun by the constructor, rolled back by the destructor unless
// committed (so an early return or an exception never leaves it open). It runs START TRANSACTION,
// COMMIT and ROLLBACK as statements rather than through the driver's setAutoCommit()/commit():
// Connector/C++ 1.1 ignores the server's answer to those, so a COMMIT that failed (the server shut
// down with the transaction open, which rolls it back) looked like success and the caller acked a
// message that was never stored. A statement's failure throws, so Commit() throws unless the server
// said the transaction is durable.
class Transaction {
 public:
  explicit Transaction(sql::Connection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void Commit();

 private:
  sql::Connection& conn_;
  bool done_ = false;
};

// The connection's prepared statement for `sql`, prepared on its first use and kept until the pool
// closes the connection: preparing and closing a statement cost a round trip each, and store calls
// run the same few dozen statements over and over (callgrind put them at a third of natter-chat's
// CPU per message). Use it inside the Run() call that gave you `conn`; finish reading a result set
// before executing the same statement again; build `sql` from a fixed set of texts (an IN list of
// varying length would fill the cache).
sql::PreparedStatement& CachedStatement(sql::Connection& conn, const std::string& sql);

class MysqlPool {
 public:
  MysqlPool(MysqlConfig config, size_t max_connections);
  ~MysqlPool();
  MysqlPool(const MysqlPool&) = delete;
  MysqlPool& operator=(const MysqlPool&) = delete;

  // Opens one connection to check the settings; a clear error when the server is unreachable.
  absl::Status Check();

  // Runs fn(sql::Connection&) -> absl::Status or absl::StatusOr<T> with a pooled connection. A
  // sql::SQLException escaping fn becomes a status; `what` names the operation for the log.
  // Each call is timed into natter_mysql_call_duration_seconds{operation=what}.
  template <class Fn>
  auto Run(std::string_view what, Fn&& fn) -> std::invoke_result_t<Fn, sql::Connection&> {
    auto start = std::chrono::steady_clock::now();
    auto result = RunUntimed(what, std::forward<Fn>(fn));
    Record(what, start, result.ok());
    return result;
  }

 private:
  struct Idle {
    std::unique_ptr<sql::Connection> conn;
    std::chrono::steady_clock::time_point since;
  };

  template <class Fn>
  auto RunUntimed(std::string_view what, Fn&& fn) -> std::invoke_result_t<Fn, sql::Connection&> {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    try {
      auto result = fn(**conn);
      Release(std::move(*conn), true);
      return result;
    } catch (const sql::SQLException& e) {
      bool healthy = !IsConnectionLost(e);
      auto status = StatusFromSqlException(e, what);
      if (healthy) Rollback(**conn);
      Release(std::move(*conn), healthy);
      return status;
    }
  }
  static void Record(std::string_view what, std::chrono::steady_clock::time_point start, bool ok);

  absl::StatusOr<std::unique_ptr<sql::Connection>> Acquire();
  void Release(std::unique_ptr<sql::Connection> conn, bool healthy);
  absl::StatusOr<std::unique_ptr<sql::Connection>> Open();
  static bool IsConnectionLost(const sql::SQLException& e);
  static void Rollback(sql::Connection& conn);

  const MysqlConfig config_;
  const size_t max_connections_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Idle> idle_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace natter
