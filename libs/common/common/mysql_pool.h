// A small pool of MySQL Connector/C++ connections to one MariaDB server or to one MariaDB Galera
// cluster. Store code runs its statements through Run(), which turns driver exceptions into
// absl::Status and retires connections the server dropped.
//
// With several nodes (mysql://USER:PW@H1,H2,H3/DB) the pool writes through one node at a time, the
// writer: the first node of the list that accepts a connection and, if it is a Galera node, is
// Synced in the primary component. Writing through one node keeps Galera's certification conflicts
// (error 1213 at COMMIT) for the moments around a change of writer. The pool leaves the writer when
// a statement finds it gone (a lost connection, a server shutting down), not ready (1047: it left
// the primary component) or read-only (1290); it then retires every connection to it, picks the
// first healthy node of the list other than it (so a first node that came back is preferred again,
// but only once the current writer fails: no flapping), logs the change once and counts it in
// natter_mysql_writer_changes_total. The statement that failed is not retried here (it may have
// committed before its answer was lost): its caller gets UNAVAILABLE and retries, and idempotency
// keys make the retry safe (see docs/ARCHITECTURE.md, "The database").
#pragma once

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
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
inline constexpr int kErLockDeadlock = 1213;  // also a Galera certification failure
inline constexpr int kErLockWaitTimeout = 1205;
inline constexpr int kErServerShutdown = 1053;    // the server is shutting down
inline constexpr int kErConnectionKilled = 1927;  // the server closed this session
inline constexpr int kErUnknownComError = 1047;  // Galera: the node is not in the primary component
inline constexpr int kErOptionPreventsStatement = 1290;  // e.g. the server is read_only
// Galera: the COMMIT could not be replicated (the node left the primary component); rolled back.
inline constexpr int kErErrorDuringCommit = 1180;

// Maps a driver exception to a status: lost connections, a node that cannot take writes (1047,
// 1290, 1180) and lock conflicts (Galera's certification failures among them) are UNAVAILABLE
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
// CPU per message). Use it inside the Run() call that gave you `conn` (anywhere else is a bug,
// stopped by a check); finish reading a result set before executing the same statement again;
// build `sql` from a fixed set of texts (an IN list of varying length would fill the cache).
sql::PreparedStatement& CachedStatement(sql::Connection& conn, const std::string& sql);

// The AUTO_INCREMENT id (or LAST_INSERT_ID(expr) value) the connection's last insert or update
// made.
uint64_t LastInsertId(sql::Connection& conn);

// A connection's prepared statements (CachedStatement), owned by its pool lease.
class StatementCache;

struct MysqlPoolOptions {
  size_t max_connections = 8;
  // How long to wait for a node to accept a connection and greet.
  std::chrono::seconds connect_timeout{3};
  // How long one read or write on a connection may wait. A node that stops answering (SIGSTOP, a
  // hung machine, a partition) is noticed after this long and the writer moves. Row lock waits are
  // cut at half of it (innodb_lock_wait_timeout, answered as retryable 1205), so a busy row never
  // looks like a dead node. Statements that take longer (migrations) need a pool of their own.
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
};

class MysqlPool {
 public:
  MysqlPool(MysqlConfig config, size_t max_connections);
  MysqlPool(MysqlConfig config, MysqlPoolOptions options);
  ~MysqlPool();
  MysqlPool(const MysqlPool&) = delete;
  MysqlPool& operator=(const MysqlPool&) = delete;

  // Opens one connection to check the settings; a clear error when no node can be written to.
  absl::Status Check();

  // The node writes go to now.
  MysqlNode writer();

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
  // A connection, its prepared statements and the writer generation it was opened in: one from an
  // older generation goes to a node the pool has left, and is closed rather than reused. Destroying
  // a lease closes the statements, then the connection (a node that is gone makes neither throw).
  struct Lease {
    Lease(std::unique_ptr<sql::Connection> conn, uint64_t generation);
    Lease(Lease&&) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    std::unique_ptr<sql::Connection> conn;
    std::unique_ptr<StatementCache> statements;
    uint64_t generation = 0;
  };
  struct Idle {
    Lease lease;
    std::chrono::steady_clock::time_point since;
  };
  // What a failed statement says about its connection and its node.
  enum class Failure {
    kStatement,   // the statement failed; the connection is fine
    kConnection,  // this connection is useless (retire it); the node may be fine
    kNode,        // the node cannot take writes now (retire it and move the writer)
  };

  // The lease a Run() call holds. CachedStatement finds the connection's statements through it
  // (the innermost InUse of the thread with that connection), and whatever way the call ends, the
  // lease goes back to the pool: an exception the call does not turn into a status (anything but
  // sql::SQLException) retires the connection, which may be mid-statement, and frees its slot.
  class InUse {
   public:
    InUse(MysqlPool& pool, Lease lease);
    ~InUse();
    InUse(const InUse&) = delete;
    InUse& operator=(const InUse&) = delete;

    sql::Connection& conn() { return *lease_.conn; }
    uint64_t generation() const { return lease_.generation; }
    // Gives the lease back now: kept for reuse if `healthy`, else closed.
    void Release(bool healthy);
    // The statements of `conn` if this thread is running a call with it, else null.
    static StatementCache* StatementsOf(const sql::Connection& conn);

   private:
    MysqlPool& pool_;
    Lease lease_;
    bool released_ = false;
    InUse* enclosing_;  // the thread's InUse before this one (a Run() inside a Run())
    static thread_local InUse* innermost_;
  };

  template <class Fn>
  auto RunUntimed(std::string_view what, Fn&& fn) -> std::invoke_result_t<Fn, sql::Connection&> {
    auto lease = Acquire();
    if (!lease.ok()) return lease.status();
    InUse in_use(*this, std::move(*lease));
    try {
      auto result = fn(in_use.conn());
      in_use.Release(true);
      return result;
    } catch (const sql::SQLException& e) {
      const Failure failure = Classify(e);
      auto status = StatusFromSqlException(e, what);
      if (failure == Failure::kStatement) Rollback(in_use.conn());
      const uint64_t generation = in_use.generation();
      in_use.Release(failure == Failure::kStatement);
      if (failure == Failure::kNode) LeaveWriter(generation, e);
      return status;
    }
  }
  static void Record(std::string_view what, std::chrono::steady_clock::time_point start, bool ok);
  friend sql::PreparedStatement& CachedStatement(sql::Connection& conn, const std::string& sql);

  absl::StatusOr<Lease> Acquire();
  void Release(Lease lease, bool healthy);
  // A connection to `node`, set up for Natter, and only if the node can take writes.
  absl::StatusOr<std::unique_ptr<sql::Connection>> Open(const MysqlNode& node);
  // The writer of `generation` failed (`e` says how): choose another unless it was done already.
  void LeaveWriter(uint64_t generation, const sql::SQLException& e);
  // Closes a lease's statements and connection. Call without the lock: it may write to the node.
  static void Close(Lease lease);
  // Probes the nodes in order of preference, the failed writer last, and makes the first that
  // answers the writer. Called with `lock` held and `choosing_` false; drops the lock while
  // probing.
  void ChooseWriter(std::unique_lock<std::mutex>& lock, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static Failure Classify(const sql::SQLException& e);
  static void Rollback(sql::Connection& conn);

  const MysqlConfig config_;
  const MysqlPoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Idle> idle_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
  size_t writer_ ABSL_GUARDED_BY(mu_) = 0;        // index into config_.nodes
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped whenever the writer changes
  bool choosing_ ABSL_GUARDED_BY(mu_) = false;    // a thread is probing the nodes
};

}  // namespace natter
