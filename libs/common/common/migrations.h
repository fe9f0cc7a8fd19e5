// Versioned schema migrations, compiled into each binary (cmake/NatterEmbed.cmake) and applied at
// start. Each component (auth, chat) owns its tables and its migration sequence; schema_migrations
// records (component, version). Statements in one file are separated by a ';' at the end of a line.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/mysql_pool.h"

namespace natter {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// The cluster-wide lock that serializes migrations: a row of schema_migration_lock, taken by an
// autocommitted conditional UPDATE (on Galera, two nodes' UPDATEs of the row conflict and only the
// first certified wins), held for `lease` and renewed every lease/3 while migrations run, and
// released after. A holder that crashed loses it when its lease runs out. (MySQL's GET_LOCK, used
// before, locks only the Galera node it runs on.)
struct MigrationLockOptions {
  std::chrono::milliseconds lease{30'000};
  // How long to wait for another holder before giving up with UNAVAILABLE.
  std::chrono::milliseconds wait{60'000};
};

// Settings for the pool that runs migrations: two connections (the migrations and the lock's
// renewal), and reads that wait as long as a schema change on a large table may take.
MysqlPoolOptions MigrationPoolOptions();

// Applies, in version order, the migrations of `component` not yet recorded. Safe to run from
// several replicas at once, through one server or through different nodes of a Galera cluster.
// The pool needs two connections: one runs the migrations, the other renews the lock.
absl::Status ApplyMigrations(MysqlPool& pool, std::string_view component,
                             const std::vector<Migration>& migrations,
                             const MigrationLockOptions& lock = {});

// Splits a migration file into statements (exposed for tests).
std::vector<std::string> SplitSqlStatements(std::string_view sql);

}  // namespace natter
