#include "common/migrations.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/status.h"
#include "common/thread_name.h"

namespace natter {
namespace {

constexpr std::string_view kCreateTable = R"(
CREATE TABLE IF NOT EXISTS schema_migrations (
  component VARCHAR(32) NOT NULL,
  version INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (component, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4)";

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

}  // namespace

std::vector<std::string> SplitSqlStatements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t eol = sql.find('\n', pos);
    std::string_view line = sql.substr(pos, eol == std::string_view::npos ? sql.npos : eol - pos);
    pos = eol == std::string_view::npos ? sql.size() : eol + 1;
    std::string_view trimmed = line;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
      trimmed.remove_suffix(1);
    }
    std::string_view content = trimmed;
    while (!content.empty() && std::isspace(static_cast<unsigned char>(content.front()))) {
      content.remove_prefix(1);
    }
    if (content.starts_with("--") || (current.empty() && content.empty())) continue;
    if (trimmed.ends_with(';')) {
      current.append(trimmed.substr(0, trimmed.size() - 1));
      if (!IsBlank(current)) statements.push_back(std::move(current));
      current.clear();
    } else {
      current.append(trimmed).push_back('\n');
    }
  }
  if (!IsBlank(current)) statements.push_back(std::move(current));
  return statements;
}

namespace {

constexpr std::string_view kCreateLockTable = R"(
CREATE TABLE IF NOT EXISTS schema_migration_lock (
  id TINYINT UNSIGNED NOT NULL,
  holder VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  expires_at_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id)
) ENGINE=InnoDB)";

// The server's clock, in milliseconds: every node of a cluster compares leases with its own clock,
// which NTP keeps within far less than a lease of the others'.
#define NATTER_NOW_MS "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)"

std::string NewHolderName() {
  char host[64] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device random;
  return fmt::format("{}/{}/{:08x}", host, ::getpid(), random());
}

// The lock row, held by this process between Take() and Release().
class MigrationLock {
 public:
  MigrationLock(MysqlPool& pool, const MigrationLockOptions& options)
      : pool_(pool), options_(options), holder_(NewHolderName()) {}

  // Waits up to options.wait for the lock.
  absl::Status Take() {
    auto made = pool_.Run("migration lock", [&](sql::Connection& conn) -> absl::Status {
      std::unique_ptr<sql::Statement> stmt(conn.createStatement());
      stmt->execute(std::string(kCreateLockTable));
      // Two nodes inserting the row at once conflict on Galera; the loser's 1213 is retried.
      stmt->execute("INSERT IGNORE INTO schema_migration_lock (id) VALUES (1)");
      return absl::OkStatus();
    });
    const auto deadline = std::chrono::steady_clock::now() + options_.wait;
    for (;;) {
      absl::StatusOr<bool> taken = made.ok() ? TryTake() : absl::StatusOr<bool>(made);
      if (taken.ok() && *taken) {
        spdlog::info("took the migration lock as {}", holder_);
        return absl::OkStatus();
      }
      // UNAVAILABLE: a certification conflict with another taker, or a node going away.
      if (!taken.ok() && !absl::IsUnavailable(taken.status())) return taken.status();
      if (std::chrono::steady_clock::now() >= deadline) {
        // Still failing at the deadline: the server (not another holder) is what stood in the way.
        if (!taken.ok()) {
          return absl::UnavailableError(
              fmt::format("cannot take the migration lock: {}", taken.status().message()));
        }
        return absl::UnavailableError("another process holds the migration lock (" + Holder() +
                                      "); try again");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!made.ok()) made = absl::OkStatus();  // the table and row exist once anyone made them
    }
  }

  // Extends the lease on `conn`; false once the lock is no longer this process's.
  bool Renew(sql::Connection& conn) {
    // GREATEST(...) always changes the row, so one affected row means "still held".
    std::unique_ptr<sql::PreparedStatement> renew(conn.prepareStatement(
        "UPDATE schema_migration_lock SET expires_at_ms = GREATEST(expires_at_ms + "
        "1, " NATTER_NOW_MS " + ?) WHERE id = 1 AND holder = ?"));
    renew->setInt64(1, options_.lease.count());
    renew->setString(2, holder_);
    return renew->executeUpdate() == 1;
  }

  // Retried as Take() is (a certification conflict on Galera, a row busy for a moment), for up to
  // options.wait: a lock left to expire holds up the next process for a whole lease.
  void Release() {
    const auto deadline = std::chrono::steady_clock::now() + options_.wait;
    for (;;) {
      auto released = pool_.Run("migration lock", [&](sql::Connection& conn) -> absl::Status {
        std::unique_ptr<sql::PreparedStatement> release(
            conn.prepareStatement("UPDATE schema_migration_lock SET holder = '', expires_at_ms = 0 "
                                  "WHERE id = 1 AND holder = ?"));
        release->setString(1, holder_);
        release->executeUpdate();
        return absl::OkStatus();
      });
      if (released.ok()) return;
      if (!absl::IsUnavailable(released) || std::chrono::steady_clock::now() >= deadline) {
        // Not released: it expires with its lease.
        spdlog::warn("could not release the migration lock: {}", released.message());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Renews the lease every lease/3 until Stop(), so a long migration keeps the lock and a crashed
  // process loses it within one lease.
  void StartKeeping() {
    keeper_ = std::thread([this] {
      NameThisThread("migration-lock");
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, options_.lease / 3, [this] { return stop_; })) {
        lock.unlock();
        auto renewed = pool_.Run("migration lock", [&](sql::Connection& conn) -> absl::Status {
          return Renew(conn) ? absl::OkStatus()
                             : absl::AbortedError("the migration lock was taken over");
        });
        if (!renewed.ok()) spdlog::warn("migration lock not renewed: {}", renewed.message());
        lock.lock();
      }
    });
  }
  void StopKeeping() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (keeper_.joinable()) keeper_.join();
  }

 private:
  absl::StatusOr<bool> TryTake() {
    return pool_.Run("migration lock", [&](sql::Connection& conn) -> absl::StatusOr<bool> {
      // Autocommitted: on Galera the first UPDATE certified wins; the others fail with 1213 or,
      // applied after it, find the row taken.
      std::unique_ptr<sql::PreparedStatement> take(conn.prepareStatement(
          "UPDATE schema_migration_lock SET holder = ?, expires_at_ms = " NATTER_NOW_MS
          " + ? "
          "WHERE id = 1 AND (holder = '' OR expires_at_ms < " NATTER_NOW_MS ")"));
      take->setString(1, holder_);
      take->setInt64(2, options_.lease.count());
      return take->executeUpdate() == 1;
    });
  }

  // Who holds the lock and for how long, for the operator.
  std::string Holder() {
    auto holder =
        pool_.Run("migration lock", [&](sql::Connection& conn) -> absl::StatusOr<std::string> {
          std::unique_ptr<sql::Statement> stmt(conn.createStatement());
          std::unique_ptr<sql::ResultSet> row(
              stmt->executeQuery("SELECT holder, expires_at_ms - " NATTER_NOW_MS
                                 " FROM schema_migration_lock WHERE id = 1"));
          if (!row->next() || row->getString(1).length() == 0) return std::string("no one now");
          return fmt::format("held by {} for {} ms more", std::string(row->getString(1)),
                             row->getInt64(2));
        });
    return holder.ok() ? *holder : std::string("holder unknown");
  }

  MysqlPool& pool_;
  const MigrationLockOptions options_;
  const std::string holder_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread keeper_;
};

#undef NATTER_NOW_MS

}  // namespace

MysqlPoolOptions MigrationPoolOptions() {
  return MysqlPoolOptions{.max_connections = 2,
                          .connect_timeout = std::chrono::seconds(3),
                          .read_timeout = std::chrono::hours(1),
                          .write_timeout = std::chrono::minutes(1)};
}

absl::Status ApplyMigrations(MysqlPool& pool, std::string_view component,
                             const std::vector<Migration>& migrations,
                             const MigrationLockOptions& lock_options) {
  MigrationLock lock(pool, lock_options);
  if (auto taken = lock.Take(); !taken.ok()) return taken;
  lock.StartKeeping();
  absl::Status status = pool.Run("migrations", [&](sql::Connection& conn) -> absl::Status {
    std::unique_ptr<sql::Statement> stmt(conn.createStatement());
    stmt->execute(std::string(kCreateTable));
    std::set<int> applied;
    {
      std::unique_ptr<sql::PreparedStatement> query(
          conn.prepareStatement("SELECT version FROM schema_migrations WHERE component = ?"));
      query->setString(1, std::string(component));
      std::unique_ptr<sql::ResultSet> rows(query->executeQuery());
      while (rows->next()) applied.insert(rows->getInt(1));
    }
    std::vector<const Migration*> pending;
    for (const auto& m : migrations) {
      if (!applied.contains(m.version)) pending.push_back(&m);
    }
    std::sort(pending.begin(), pending.end(),
              [](const Migration* a, const Migration* b) { return a->version < b->version; });
    for (const Migration* m : pending) {
      spdlog::info("applying {} migration {}", component, m->name);
      for (const auto& statement : SplitSqlStatements(m->sql)) {
        // A lock lost (its lease ran out while this process could not renew it) may be another
        // process's now: stop rather than run the same migration beside it.
        if (!lock.Renew(conn)) return absl::AbortedError("lost the migration lock; try again");
        stmt->execute(statement);
      }
      std::unique_ptr<sql::PreparedStatement> record(conn.prepareStatement(
          "INSERT INTO schema_migrations (component, version, name) VALUES (?, ?, ?)"));
      record->setString(1, std::string(component));
      record->setInt(2, m->version);
      record->setString(3, m->name);
      record->execute();
    }
    return absl::OkStatus();
  });
  lock.StopKeeping();
  lock.Release();
  return status;
}

}  // namespace natter
